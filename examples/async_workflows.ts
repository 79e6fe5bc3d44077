/**
 * Async workflows (AsyncFlow's "Async Workflows" page): many independent
 * workflows run concurrently on one engine, each in its own workflow scope.
 *
 * Each workflow is a small pipeline: `fetch` → `clean` → (`stats` ∥ `plot`)
 * → `report`. Five of them start at once with `Promise.all`; the engine runs
 * whatever is ready, so the workflows' tasks interleave. `workflowScope` tags
 * every task a workflow creates (across awaits) with its id, which events and
 * futures carry.
 *
 * Run: `deno run examples/async_workflows.ts` (no permissions needed)
 *
 * @module
 */
import { type FlowEvent, WorkflowEngine } from "../mod.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What {@link main} found. */
export interface AsyncWorkflowsSummary {
  /** The report of each workflow, by workflow id. */
  reports: Record<string, string>;
  /** The largest number of tasks that were running at the same time. */
  maxRunning: number;
  /** Tasks that finished, by workflow id (from the events). */
  tasksPerWorkflow: Record<string, number>;
}

/** Runs five workflows concurrently; returns what happened. */
export async function main(
  log: (line: string) => void = console.log,
  workflows = 5,
): Promise<AsyncWorkflowsSummary> {
  await using flow = await WorkflowEngine.create();

  // Watch the events: how many tasks run at once, and which workflow each belongs to.
  let running = 0;
  let maxRunning = 0;
  const tasksPerWorkflow: Record<string, number> = {};
  flow.subscribe((e: FlowEvent) => {
    if (e.type === "TaskStarted") maxRunning = Math.max(maxRunning, ++running);
    if (e.type === "TaskCompleted") {
      running--;
      const wf = e.workflowId ?? "none";
      tasksPerWorkflow[wf] = (tasksPerWorkflow[wf] ?? 0) + 1;
    }
  });

  const fetchData = flow.functionTask(async (source: number) => {
    await sleep(20);
    return [3, 1, 4, 1, 5, 9, 2, 6].map((x) => x + source);
  }, { name: "fetch" });
  const clean = flow.functionTask((xs: number[]) => xs.filter((x) => x % 2 === 1), {
    name: "clean",
  });
  const stats = flow.functionTask(async (xs: number[]) => {
    await sleep(20);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  }, { name: "stats" });
  const plot = flow.functionTask(async (xs: number[]) => {
    await sleep(20);
    return xs.map((x) => "#".repeat(x)).join("|");
  }, { name: "plot" });
  const report = flow.functionTask(
    (id: string, mean: number, chart: string) =>
      `${id}: mean ${mean.toFixed(2)}, ${chart.length} chars`,
    { name: "report" },
  );

  // One workflow: its tasks are created inside its scope, so they carry its id.
  const workflow = (n: number) =>
    flow.workflowScope(`wf-${n}`, async (id) => {
      const cleaned = clean(fetchData(n));
      const out = await report(id, stats(cleaned), plot(cleaned));
      log(`${id} finished: ${out}`);
      return [id, out] as const;
    });

  const results = await Promise.all(Array.from({ length: workflows }, (_, n) => workflow(n + 1)));
  const reports = Object.fromEntries(results);
  log(`${workflows} workflows done; at most ${maxRunning} tasks ran at the same time`);
  log(`stats: ${JSON.stringify(flow.stats())}`);

  for (let n = 1; n <= workflows; n++) {
    if (tasksPerWorkflow[`wf-${n}`] !== 5) {
      throw new Error(`Expected 5 tasks in wf-${n}: received ${tasksPerWorkflow[`wf-${n}`]}`);
    }
  }
  if (maxRunning < 2) throw new Error(`Expected workflows to overlap: received ${maxRunning}`);
  return { reports, maxRunning, tasksPerWorkflow };
}

if (import.meta.main) {
  await main();
}
