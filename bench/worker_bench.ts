/**
 * WorkerBackend throughput against a bare `postMessage` round-trip loop, with
 * no-op function tasks, 10k and 100k tasks per iteration.
 *
 * - `bare unbatched`: one message per task to one worker, one reply per task.
 * - `bare batched`: 256 tasks per message to one worker, one reply per batch.
 * - `WorkerBackend`: the backend driven directly with a counting fake host
 *   (no engine), 1 and 2 workers.
 *
 * Workers are started and warmed outside the timed part of each iteration.
 * Tasks/s = tasks / (time per iteration).
 *
 * ```
 * deno bench --allow-all bench/worker_bench.ts
 * ```
 *
 * @module
 */
import type { BackendHost, FunctionTask } from "../src/backend.ts";
import { WorkerBackend } from "../src/backends/worker.ts";

const BATCH = 256;

/** The bare echo worker: calls a no-op per task and answers. */
const ECHO_SOURCE = `
const noop = () => 1;
self.onmessage = (e) => {
  const d = e.data;
  if (typeof d === "number") { noop(); self.postMessage(d); return; }
  const out = new Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = noop();
  self.postMessage(out);
};
`;
const ECHO_URL = URL.createObjectURL(new Blob([ECHO_SOURCE], { type: "text/javascript" }));

async function bareWorker(): Promise<Worker> {
  const w = new Worker(ECHO_URL, { type: "module" });
  await new Promise<void>((resolve) => {
    w.onmessage = () => resolve();
    w.postMessage(0);
  });
  return w;
}

/** Sends `n` tasks one message each, all at once; resolves at the last reply. */
function bareUnbatched(w: Worker, n: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    w.onmessage = () => {
      if (--left === 0) resolve();
    };
    for (let i = 0; i < n; i++) w.postMessage(i);
  });
}

/** Sends `n` tasks in messages of {@link BATCH}, all at once. */
function bareBatched(w: Worker, n: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    w.onmessage = (e: MessageEvent<unknown[]>) => {
      left -= e.data.length;
      if (left === 0) resolve();
    };
    for (let i = 0; i < n; i += BATCH) {
      const size = Math.min(BATCH, n - i);
      const tasks = new Array(size);
      for (let j = 0; j < size; j++) tasks[j] = [i + j, []];
      w.postMessage(tasks);
    }
  });
}

function noop(): number {
  return 1;
}

function makeTasks(n: number): FunctionTask[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: "function",
    uid: `task.${i}`,
    name: "noop",
    attempt: 0,
    timeout: undefined,
    engineUid: "flow.bench",
    resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
    fn: noop,
    args: [],
    module: undefined,
  }));
}

/** A started, warmed backend and a way to run a batch of tasks through it. */
async function backendRunner(workers: number) {
  let left = 0;
  let finish = () => {};
  const host: BackendHost = {
    running() {},
    done() {
      if (--left === 0) finish();
    },
    failed(_task, error) {
      throw error;
    },
    cancelled() {},
  };
  const backend = new WorkerBackend({ workers });
  backend.attach({ engineUid: "flow.bench", workDir: Deno.cwd(), host });
  const run = (tasks: FunctionTask[]) =>
    new Promise<void>((resolve) => {
      left = tasks.length;
      finish = resolve;
      backend.submit(tasks);
    });
  await run(makeTasks(4 * BATCH * workers)); // start and warm every worker
  return { backend, run };
}

for (const n of [10_000, 100_000]) {
  const group = `${n / 1000}k no-op tasks`;
  const iterations = n === 10_000 ? { n: 20, warmup: 2 } : { n: 5, warmup: 1 };
  const tasks = makeTasks(n);

  Deno.bench({
    name: `bare postMessage unbatched, 1 worker (${n})`,
    group,
    ...iterations,
    async fn(b) {
      const w = await bareWorker();
      b.start();
      await bareUnbatched(w, n);
      b.end();
      w.terminate();
    },
  });

  Deno.bench({
    name: `bare postMessage batched ${BATCH}, 1 worker (${n})`,
    group,
    baseline: true,
    ...iterations,
    async fn(b) {
      const w = await bareWorker();
      b.start();
      await bareBatched(w, n);
      b.end();
      w.terminate();
    },
  });

  for (const workers of [1, 2]) {
    Deno.bench({
      name: `WorkerBackend, ${workers} worker(s) (${n})`,
      group,
      ...iterations,
      async fn(b) {
        const { backend, run } = await backendRunner(workers);
        b.start();
        await run(tasks);
        b.end();
        await backend.shutdown();
      },
    });
  }
}
