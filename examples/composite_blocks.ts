/**
 * Composite workflows (the seed document's "Composite Workflows" page).
 *
 * Each block runs three workflows, WF1 → WF2 → WF3, in sequence; each
 * workflow runs task1 and task2 (0.5 s each) in parallel, then task3 once
 * both are done. Part 1 runs three independent blocks concurrently (ideal
 * 3.0 s); part 2 runs block C after blocks A and B (ideal 6.0 s).
 *
 * Every call gets a name of its own (`.with({ name })`), so the timeline's
 * rows read `block A`, `A/WF1`…, and a custom event marks where part 2
 * starts.
 *
 * Run: `deno run --allow-read=composite_blocks.events.jsonl --allow-write=composite_blocks.events.jsonl,composite_blocks.timeline.html examples/composite_blocks.ts`
 * (`deno task demo`) — it writes the run's events to `composite_blocks.events.jsonl`
 * and its timeline to `composite_blocks.timeline.html` (open it in a browser), and
 * needs no other permission.
 *
 * @module
 */
import { WorkflowEngine } from "../mod.ts";

const TASK_SECONDS = 0.5;

function timer(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sleep `ms` to a deadline. A long `setTimeout` fires late in proportion to
 * its length on some machines (up to 2% for 500 ms measured on a build VM,
 * against about 1.5 ms for a 10 ms timer), so the bulk is slept with one
 * timer and the last few milliseconds with short ones: the totals then show
 * the scheduler's overhead, not the platform's timer slack.
 */
async function sleep(ms: number): Promise<void> {
  const end = performance.now() + ms;
  if (ms > 50) await timer(ms - 30);
  for (let left = end - performance.now(); left > 0.3; left = end - performance.now()) {
    await timer(left > 4 ? left - 2 : 0);
  }
}

/**
 * Run both parts; returns the measured totals in seconds.
 *
 * @param log where the execution log goes
 * @param eventLog a file to write every event to (JSON lines)
 */
export async function main(
  log: (line: string) => void = console.log,
  eventLog?: string,
): Promise<number[]> {
  await using flow = await WorkflowEngine.create(eventLog === undefined ? {} : { eventLog });
  let t0 = performance.now();
  const stamp = (msg: string) => log(`[${((performance.now() - t0) / 1000).toFixed(3)}s] ${msg}`);

  const task1 = flow.functionTask(async (wf: string) => {
    stamp(`${wf} task1 started`);
    await sleep(TASK_SECONDS * 1000);
    stamp(`${wf} task1 finished`);
    return `${wf}:task1`;
  }, { name: "task1" });
  const task2 = flow.functionTask(async (wf: string) => {
    stamp(`${wf} task2 started`);
    await sleep(TASK_SECONDS * 1000);
    stamp(`${wf} task2 finished`);
    return `${wf}:task2`;
  }, { name: "task2" });
  const task3 = flow.functionTask(async (wf: string, a: string, b: string) => {
    stamp(`${wf} task3 started (after ${a} and ${b})`);
    await sleep(TASK_SECONDS * 1000);
    stamp(`${wf} task3 finished`);
    return `${wf}:task3`;
  }, { name: "task3" });

  // one workflow: task1 ∥ task2, then task3 (each call named by its label, e.g. "A/WF1")
  const workflowDef = flow.block(async (label: string) => {
    stamp(`${label} started`);
    const r = await task3(label, task1(label), task2(label));
    stamp(`${label} finished`);
    return r;
  }, { name: "workflow" });
  const workflow = (label: string) => workflowDef.with({ name: label })(label);

  // a block: WF1 → WF2 → WF3 in sequence (each call named "block A", "block B"…)
  const compositeDef = flow.block(async (name: string, ..._after: unknown[]) => {
    stamp(`block ${name} started`);
    for (const wf of ["WF1", "WF2", "WF3"]) await workflow(`${name}/${wf}`);
    stamp(`block ${name} finished`);
    return name;
  }, { name: "composite" });
  const composite = (name: string, ...after: unknown[]) =>
    compositeDef.with({ name: `block ${name}` })(name, ...after);

  const totals: number[] = [];
  log("== Part 1: three independent blocks run concurrently (ideal 3.0 s)");
  flow.emit("demo.Part1", { label: "part 1: A, B, C at once" });
  t0 = performance.now();
  await Promise.all([composite("A"), composite("B"), composite("C")]);
  totals.push((performance.now() - t0) / 1000);
  log(`Total time: ${totals[0]!.toFixed(2)} s`);

  log("== Part 2: block C depends on blocks A and B (ideal 6.0 s)");
  // a marker on the timeline and the dashboard where part 2 starts
  flow.emit("demo.Part2", { label: "part 2: C after A and B" });
  t0 = performance.now();
  const a = composite("A");
  const b = composite("B");
  await composite("C", a, b);
  totals.push((performance.now() - t0) / 1000);
  log(`Total time: ${totals[1]!.toFixed(2)} s`);
  return totals;
}

if (import.meta.main) {
  const events = "composite_blocks.events.jsonl";
  const page = "composite_blocks.timeline.html";
  await main(console.log, events);
  const { parseEventLog } = await import("../src/event_log.ts");
  const { renderTimeline } = await import("../src/timeline.ts");
  const html = renderTimeline(parseEventLog(await Deno.readTextFile(events)), {
    title: "Composite workflows",
  });
  await Deno.writeTextFile(page, html);
  console.log(`Events: ${events}\nTimeline: ${page}`);
}
