/**
 * Execution backends (AsyncFlow's "Execution Backends" page): the same
 * workflow on each shipped backend, chosen when the engine is created.
 *
 * - `InlineBackend`: function tasks on the engine's event loop (the default).
 * - `WorkerBackend`: function tasks in a pool of Web Workers, for CPU-bound
 *   work. A function that uses its module (imports, constants) is shipped by
 *   module URL: export it and pass `module: import.meta.url`.
 * - `NoopBackend` (`dryRun: true`): nothing runs, every task completes with
 *   `"Dummy Output"`: check a graph's shape without running it.
 * - `SlurmBackend` runs tasks as `srun` job steps on an HPC allocation (not
 *   run here: it needs Slurm; see the README).
 *
 * Run: `deno run --allow-read examples/execution_backends.ts` (workers read
 * their entry module and the task module)
 *
 * @module
 */
import { type ExecutionBackend, InlineBackend, WorkerBackend, WorkflowEngine } from "../mod.ts";

const LIMIT = 30_000;

/** The longest Collatz chain that starts in [from, to): CPU-bound on purpose. */
export function longestCollatz(from: number, to: number): number {
  let best = 0;
  for (let n = from; n < to; n++) {
    let steps = 0;
    for (let x = n; x !== 1; x = x % 2 === 0 ? x / 2 : 3 * x + 1) steps++;
    if (steps > best) best = steps;
  }
  return best;
}

/** The largest of the partial results. */
export function largest(...parts: number[]): number {
  return Math.max(...parts);
}

/** The workflow: four chunks in parallel, then their maximum. */
function workflow(flow: WorkflowEngine): PromiseLike<unknown> {
  const chunk = flow.functionTask(longestCollatz, { module: import.meta.url });
  const reduce = flow.functionTask(largest, { module: import.meta.url });
  const step = LIMIT / 4;
  return reduce(...[0, 1, 2, 3].map((i) => chunk(Math.max(1, i * step), (i + 1) * step)));
}

async function runOn(
  options: { backend: ExecutionBackend } | { dryRun: true },
  log: (line: string) => void,
): Promise<unknown> {
  await using flow = await WorkflowEngine.create(options);
  const result = await workflow(flow);
  log(`on ${flow.backend.name}: ${JSON.stringify(result)}`);
  return result;
}

/** Runs the workflow on each backend; returns the results by backend. */
export async function main(
  log: (line: string) => void = console.log,
): Promise<{ inline: unknown; workers: unknown; dryRun: unknown }> {
  const inline = await runOn({ backend: new InlineBackend() }, log);
  const workers = await runOn({ backend: new WorkerBackend({ workers: 2 }) }, log);
  const dryRun = await runOn({ dryRun: true }, log);
  if (inline !== workers) {
    throw new Error(`Expected the same result on both backends: received ${inline} and ${workers}`);
  }
  if (dryRun !== "Dummy Output") throw new Error(`Expected "Dummy Output": received ${dryRun}`);
  return { inline, workers, dryRun };
}

if (import.meta.main) {
  await main();
}
