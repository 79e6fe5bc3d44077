/**
 * Multiple backends (AsyncFlow's "Multiple Execution Backends"): one engine,
 * several backends, each task routed by name.
 *
 * The first backend in the list is the default; the `backend` option (at
 * definition, or per call with `.with()`) sends a task elsewhere. Futures
 * cross backends freely: a task on the workers may depend on one run inline.
 * An unknown backend name fails only that task, with `BackendError`.
 *
 * Run: `deno run --allow-read examples/multiple_backends.ts`
 *
 * @module
 */
import { BackendError, InlineBackend, NoopBackend, WorkerBackend, WorkflowEngine } from "../mod.ts";

/** Sums the squares below `n` (runs on the workers). */
export function sumOfSquares(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += i * i;
  return s;
}

/** Where each task ran, and the results. */
export interface MultipleBackendsSummary {
  /** Backend name by task name. */
  routes: Record<string, string | undefined>;
  /** The final result (computed inline from the workers' result). */
  total: number;
  /** The message of the task routed to an unknown backend. */
  unknownBackend: string;
}

/** Routes tasks to three backends; returns where they ran. */
export async function main(
  log: (line: string) => void = console.log,
): Promise<MultipleBackendsSummary> {
  await using flow = await WorkflowEngine.create({
    backend: [
      new InlineBackend(), // the default: "inline"
      new WorkerBackend({ name: "cpu", workers: 2 }),
      new NoopBackend({ name: "dry" }),
    ],
  });
  log(`backends: ${[...flow.backends.keys()].join(", ")} (default ${flow.backend.name})`);

  const prepare = flow.functionTask((n: number) => n * 1000, { name: "prepare" });
  const crunch = flow.functionTask(sumOfSquares, { backend: "cpu", module: import.meta.url });
  const publish = flow.functionTask((s: number) => s % 1_000_007, { name: "publish" });

  const prepared = prepare(3); // inline
  const crunched = crunch(prepared); // on the workers, after `prepare`
  const published = publish(crunched); // inline again
  const rehearsal = publish.with({ backend: "dry" })(crunched); // same function, dry run
  const lost = prepare.with({ backend: "gpu", name: "lost" })(1); // no such backend

  const total = await published;
  const unknownBackend = await lost.then(
    () => "no error",
    (e: unknown) => e instanceof BackendError ? e.message : `unexpected ${e}`,
  );
  await rehearsal;
  const routes: Record<string, string | undefined> = {};
  for (const f of [prepared, crunched, published]) routes[f.name] = f.backendName;
  routes["publish (rehearsal)"] = rehearsal.backendName;
  for (const [name, backend] of Object.entries(routes)) log(`${name} ran on ${backend}`);
  log(`result ${total}; rehearsal gave ${JSON.stringify(rehearsal.result)}`);
  log(`unknown backend: ${unknownBackend}`);

  if (crunched.backendName !== "cpu" || prepared.backendName !== "inline") {
    throw new Error(
      `Expected crunch on 'cpu' and prepare on 'inline': received ${JSON.stringify(routes)}`,
    );
  }
  if (total !== sumOfSquares(3000) % 1_000_007) throw new Error(`Wrong result: received ${total}`);
  return { routes, total, unknownBackend };
}

if (import.meta.main) {
  await main();
}
