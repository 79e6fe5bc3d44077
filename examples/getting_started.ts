/**
 * Getting started (AsyncFlow's "Getting Started" page): create an engine,
 * define tasks, let futures passed as arguments make the dependency graph.
 *
 * `task1` runs `echo 5`; `task2` doubles its output twice; `task3` adds both
 * once they are done. Calls return futures at once; nothing waits until the
 * `await`.
 *
 * Run: `deno run --allow-run=echo examples/getting_started.ts` (executables
 * need `--allow-run` for their commands; function tasks need no permission).
 *
 * @module
 */
import { WorkflowEngine } from "../mod.ts";

/** Runs the workflow; returns the three results. */
export async function main(
  log: (line: string) => void = console.log,
): Promise<{ task1: string; task2: number; task3: number }> {
  // `await using` shuts the engine down (and everything it started) at the end of the block.
  await using flow = await WorkflowEngine.create(); // InlineBackend by default

  // An executable task returns its command; its result is the command's stdout.
  const task1 = flow.executableTask(() => ["echo", "5"], { name: "task1" });
  // A function task's result is what the function returns (sync or async).
  const task2 = flow.functionTask(async (t1: string) => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    return Number(t1.trim()) * 2 * 2;
  }, { name: "task2" });
  const task3 = flow.functionTask(
    (t1: string, t2: number) => Number(t1.trim()) + t2,
    { name: "task3" },
  );

  // Futures as arguments are dependencies: t2 waits for t1, t3 for both.
  const t1 = task1();
  const t2 = task2(t1);
  const t3 = task3(t1, t2);
  log(`submitted ${t1.uid}, ${t2.uid}, ${t3.uid} (state ${t3.state})`);

  const result = { task1: await t1, task2: await t2, task3: await t3 };
  log(`task1 -> ${JSON.stringify(result.task1)}`);
  log(`task2 -> ${result.task2}`);
  log(`task3 -> ${result.task3}`);
  if (result.task3 !== 25) throw new Error(`Expected task3 to be 25: received ${result.task3}`);
  return result;
}

if (import.meta.main) {
  await main();
}
