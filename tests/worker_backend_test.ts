/**
 * WorkerBackend driven directly through the backend interface with a fake
 * host (the engine-level behaviours are in the conformance suite).
 */
import {
  assert,
  assertEquals,
  assertFalse,
  assertInstanceOf,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import type { BackendHost, BackendTask, ExecutableTask, FunctionTask } from "../src/backend.ts";
import { WorkerBackend, type WorkerBackendOptions } from "../src/backends/worker.ts";
import { BackendError } from "../src/errors.ts";
import { scaled, scaledLater, timeoutErrorName } from "./fixtures/worker_fns.ts";

const FIXTURE = new URL("./fixtures/worker_fns.ts", import.meta.url).href;

type Outcome =
  | { kind: "done"; value: unknown }
  | { kind: "failed"; error: unknown }
  | { kind: "cancelled"; reason: unknown };

/** Records every report and lets a test wait for one. */
class FakeHost implements BackendHost {
  readonly log: string[] = [];
  readonly outcomes = new Map<BackendTask, Outcome>();
  readonly #waiters = new Map<BackendTask, (o: Outcome) => void>();
  readonly #running = new Map<BackendTask, () => void>();
  readonly #started = new Set<BackendTask>();

  running(task: BackendTask): void {
    this.log.push(`running ${task.name}`);
    this.#started.add(task);
    this.#running.get(task)?.();
  }
  done(task: BackendTask, value: unknown): void {
    this.#settle(task, { kind: "done", value });
  }
  failed(task: BackendTask, error: unknown): void {
    this.#settle(task, { kind: "failed", error });
  }
  cancelled(task: BackendTask, reason?: unknown): void {
    this.#settle(task, { kind: "cancelled", reason });
  }
  #settle(task: BackendTask, o: Outcome): void {
    assertFalse(this.outcomes.has(task), `task '${task.name}' was settled twice`);
    this.log.push(`${o.kind} ${task.name}`);
    this.outcomes.set(task, o);
    this.#waiters.get(task)?.(o);
  }
  outcome(task: BackendTask): Promise<Outcome> {
    const o = this.outcomes.get(task);
    if (o !== undefined) return Promise.resolve(o);
    return new Promise((resolve) => this.#waiters.set(task, resolve));
  }
  async value(task: BackendTask): Promise<unknown> {
    const o = await this.outcome(task);
    if (o.kind !== "done") throw new Error(`task '${task.name}' ended ${o.kind}`);
    return o.value;
  }
  async error(task: BackendTask): Promise<Error> {
    const o = await this.outcome(task);
    if (o.kind !== "failed") throw new Error(`task '${task.name}' ended ${o.kind}`);
    assertInstanceOf(o.error, Error);
    return o.error as Error;
  }
  started(task: BackendTask): Promise<void> {
    if (this.#started.has(task)) return Promise.resolve();
    return new Promise((resolve) => this.#running.set(task, resolve));
  }
}

/** Rejects when `promise` does not settle in `ms` (a guard against a hang, not a speed check). */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A synchronous loop that never yields, "endless" for the test's purpose.
 * Not `while (true) {}`: Deno 2.9 does not stop a worker stuck in a JS loop on
 * `terminate()` (denoland/deno#35657: the thread spins until the process
 * exits), and a truly endless loop would keep a core busy for the rest of the
 * test run. The backend's handling is the same either way.
 */
function spinFor(ms: number): string {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* busy, never yields */ }
  return "spun out";
}

let counter = 0;
function fnTask(
  fn: (...args: never[]) => unknown,
  args: unknown[] = [],
  extra: { name?: string; module?: string; coresPerRank?: number; ranks?: number } = {},
): FunctionTask {
  const uid = `task.${String(++counter).padStart(6, "0")}`;
  return {
    kind: "function",
    uid,
    name: extra.name ?? (fn.name || uid),
    attempt: 0,
    timeout: undefined,
    engineUid: "flow.test",
    resources: {
      ranks: extra.ranks ?? 1,
      coresPerRank: extra.coresPerRank ?? 1,
      gpusPerRank: 0,
      memoryMB: 0,
    },
    fn,
    args,
    module: extra.module,
  };
}

async function withBackend(
  options: WorkerBackendOptions,
  body: (backend: WorkerBackend, host: FakeHost) => Promise<void>,
): Promise<string[]> {
  const backend = new WorkerBackend(options);
  const host = new FakeHost();
  await backend.attach({ engineUid: "flow.test", workDir: Deno.cwd(), host });
  let warned: string[] = [];
  try {
    await body(backend, host);
  } finally {
    warned = await warnings(() => backend.shutdown());
  }
  return warned;
}

/** The console warnings `fn` gives (they are not printed). */
async function warnings(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => seen.push(args.join(" "));
  try {
    await fn();
  } finally {
    console.warn = warn;
  }
  return seen;
}

Deno.test("WorkerBackend() throws at once on bad options", () => {
  assertThrows(
    () => new WorkerBackend({ workers: 0 }),
    RangeError,
    "Cannot create WorkerBackend as 'workers' must be a positive integer: received 0",
  );
  assertThrows(
    () => new WorkerBackend({ concurrency: 1.5 }),
    RangeError,
    "'concurrency' must be a positive integer: received 1.5",
  );
  assertThrows(
    () => new WorkerBackend({ batchSize: "8" as unknown as number }),
    TypeError,
    `'batchSize' must be a positive integer: received "8"`,
  );
  assertThrows(
    () => new WorkerBackend({ name: "" }),
    TypeError,
    `'name' must be a non-empty string: received ""`,
  );
  // unknown fields and null are refused, not ignored
  assertThrows(
    () => new WorkerBackend({ worker: 2 } as never),
    TypeError,
    `'options' has an unknown field (known: name, workers, concurrency, batchSize, maxProcesses): received "worker"`,
  );
  assertThrows(
    () => new WorkerBackend({ workers: null } as never),
    TypeError,
    "'workers' must be a positive integer: received null",
  );
  // a name that cannot become a string is described, not "Cannot convert object to primitive value"
  assertThrows(
    () => new WorkerBackend({ name: Object.create(null) }),
    TypeError,
    "'name' must be a non-empty string: received an object (null prototype)",
  );
  assertEquals(new WorkerBackend().name, "workers");
  assertEquals(new WorkerBackend({ name: "pool" }).name, "pool");
});

Deno.test("WorkerBackend.submit() runs function tasks and starts workers lazily", async () => {
  await withBackend({ workers: 2 }, async (backend, host) => {
    assertEquals(backend.liveWorkers, 0);
    const add = fnTask(function add(a: number, b: number) {
      return a + b;
    }, [2, 3]);
    const later = fnTask(async (x: { v: number[] }) => {
      await new Promise((r) => setTimeout(r, 2));
      return { sum: x.v.reduce((a, b) => a + b, 0), at: new Date(0) };
    }, [{ v: [1, 2, 3] }]);
    const method = fnTask(
      {
        twice(x: number) {
          return 2 * x;
        },
      }.twice,
      [21],
    );
    backend.submit([add, later, method]);
    assertEquals(await host.value(add), 5);
    assertEquals(await host.value(later), { sum: 6, at: new Date(0) });
    assertEquals(await host.value(method), 42);
    assert(backend.liveWorkers >= 1 && backend.liveWorkers <= 2);
    // Every task was reported running before its outcome.
    assertEquals(host.log.filter((l) => l.startsWith("running")).length, 3);
    for (const t of [add, later, method]) {
      assert(host.log.indexOf(`running ${t.name}`) < host.log.indexOf(`done ${t.name}`));
    }
  });
});

Deno.test("WorkerBackend.submit() runs many tasks in batches", async () => {
  await withBackend({ workers: 2, batchSize: 16 }, async (backend, host) => {
    const square = (x: number) => x * x;
    const tasks = Array.from({ length: 1000 }, (_, i) => fnTask(square, [i]));
    backend.submit(tasks);
    const values = await Promise.all(tasks.map((t) => host.value(t)));
    assertEquals(values, tasks.map((_, i) => i * i));
  });
});

Deno.test("WorkerBackend reports errors with their class, message, stack and fields", async () => {
  await withBackend({ workers: 1 }, async (backend, host) => {
    const range = fnTask(function failsWithRange() {
      throw new RangeError("Simulated failure");
    });
    const custom = fnTask(function failsWithCustom() {
      class QuotaError extends Error {
        code = 7;
        constructor(message: string) {
          super(message, { cause: new TypeError("inner") });
          this.name = "QuotaError";
        }
      }
      throw new QuotaError("over quota");
    });
    const rejects = fnTask(async function rejectsString() {
      await Promise.resolve();
      throw "plain string";
    });
    backend.submit([range, custom, rejects]);

    const e1 = await host.error(range);
    assertInstanceOf(e1, RangeError);
    assertEquals(e1.name, "RangeError");
    assertEquals(e1.message, "Simulated failure");
    assertStringIncludes(e1.stack ?? "", "failsWithRange");

    const e2 = await host.error(custom);
    assertEquals(e2.name, "QuotaError");
    assertEquals(e2.message, "over quota");
    assertEquals((e2 as Error & { code: number }).code, 7);
    assertStringIncludes(e2.stack ?? "", "failsWithCustom");
    assertInstanceOf(e2.cause, TypeError);
    assertEquals((e2.cause as Error).message, "inner");

    const o3 = await host.outcome(rejects);
    assertEquals(o3, { kind: "failed", error: "plain string" });
  });
});

Deno.test("WorkerBackend fails a closure with an error that says to use `module`", async () => {
  await withBackend({ workers: 1 }, async (backend, host) => {
    const offset = 5;
    const closure = fnTask(function addOffset(x: number) {
      return x + offset;
    }, [1]);
    // `name` is a worker global: a closure over it must not pick that up.
    const name = "outer";
    const shadowed = fnTask(function greet() {
      return `hello ${name}`;
    });
    backend.submit([closure, shadowed]);
    const e = await host.error(closure);
    assertMatch(e.message, /closes over outer variable 'offset'/);
    assertStringIncludes(e.message, "`module` option");
    assertInstanceOf(e.cause, ReferenceError);
    const e2 = await host.error(shadowed);
    assertMatch(e2.message, /closes over outer variable 'name'/);
  });
});

Deno.test("WorkerBackend loads functions by module URL with the `module` option", async () => {
  await withBackend({ workers: 1 }, async (backend, host) => {
    const a = fnTask(scaled, [4], { module: FIXTURE });
    const b = fnTask(scaledLater, [5], { module: FIXTURE });
    const c = fnTask(timeoutErrorName, [1], { module: FIXTURE });
    const missing = fnTask(
      function notExported() {
        return 1;
      },
      [],
      { module: FIXTURE },
    );
    const badUrl = fnTask(scaled, [1], { module: "not a url" });
    backend.submit([a, b, c, missing, badUrl]);
    assertEquals(await host.value(a), 40);
    assertEquals(await host.value(b), 50);
    assertEquals(await host.value(c), "TaskTimeoutError");
    const e = await host.error(missing);
    assertStringIncludes(e.message, `module '${FIXTURE}' has no export named 'notExported'`);
    const e2 = await host.error(badUrl);
    assertInstanceOf(e2, TypeError);
    assertStringIncludes(e2.message, "'module' is not an absolute URL");
  });
});

Deno.test("WorkerBackend rejects generators, classes and bound functions clearly", async () => {
  await withBackend({ workers: 1 }, async (backend, host) => {
    const gen = fnTask(function* numbers() {
      yield 1;
    });
    const cls = fnTask(class Thing {} as unknown as () => unknown);
    const bound = fnTask(function add(a: number, b: number) {
      return a + b;
    }.bind(null, 1));
    backend.submit([gen, cls, bound]);
    assertMatch((await host.error(gen)).message, /'numbers' as it is a generator function/);
    assertMatch((await host.error(cls)).message, /'Thing' as it is a class/);
    const e = await host.error(bound);
    assertInstanceOf(e, TypeError);
    assertMatch(e.message, /'add' as it is a bound function/);
    assertEquals(backend.liveWorkers, 0);
  });
});

Deno.test("WorkerBackend fails a task whose argument or result cannot be cloned", async () => {
  await withBackend({ workers: 1 }, async (backend, host) => {
    const id = (x: unknown) => x;
    const badArg = fnTask(id, [{ f: () => 1 }], { name: "badArg" });
    const goodArg = fnTask(id, [{ f: 1 }], { name: "goodArg" });
    const badResult = fnTask(function returnsFunction() {
      return () => 1;
    });
    backend.submit([badArg, goodArg, badResult]);
    const e = await host.error(badArg);
    assertInstanceOf(e, TypeError);
    assertMatch(e.message, /^Cannot send the arguments of task 'badArg' to a worker/);
    assertMatch(e.message, /could not be cloned/);
    assertEquals(await host.value(goodArg), { f: 1 });
    const e2 = await host.error(badResult);
    assertInstanceOf(e2, TypeError);
    assertMatch(e2.message, /^Cannot return the result of task 'returnsFunction'/);
    assertFalse(host.log.includes("running badArg"));
  });
});

Deno.test("WorkerBackend fails only the tasks of a worker that calls close()", async () => {
  await withBackend({ workers: 2 }, async (backend, host) => {
    const nap = fnTask(async function nap() {
      await new Promise((r) => setTimeout(r, 300));
      return "rested";
    });
    backend.submit([nap]);
    await host.started(nap);
    // The first worker is busy, so this one goes to a second worker.
    const quit = fnTask(function quit() {
      globalThis.close();
      return "unreachable";
    });
    backend.submit([quit]);
    const e = await host.error(quit);
    assertInstanceOf(e, BackendError);
    assertEquals((e as BackendError).backend, "workers");
    assertMatch(e.message, /^Worker \d+ of backend 'workers' died while running task 'quit'/);
    assertStringIncludes(e.message, "close()");
    assertEquals(await host.value(nap), "rested");
    // The pool replaces the worker.
    const again = fnTask((x: number) => x + 1, [1]);
    backend.submit([again]);
    assertEquals(await host.value(again), 2);
  });
});

Deno.test("WorkerBackend fails the in-flight tasks of a worker with an uncaught error", async () => {
  await withBackend({ workers: 1 }, async (backend, host) => {
    const forever = fnTask(function waitsForever() {
      return new Promise(() => {});
    });
    const bomb = fnTask(function plantsBomb() {
      setTimeout(() => {
        throw new Error("late boom");
      }, 20);
      return "planted";
    });
    backend.submit([forever, bomb]);
    assertEquals(await host.value(bomb), "planted");
    const e = await host.error(forever);
    assertInstanceOf(e, BackendError);
    assertMatch(e.message, /died while running task 'waitsForever'.*late boom/);
    const after = fnTask(() => "still working");
    backend.submit([after]);
    assertEquals(await host.value(after), "still working");
  });
});

Deno.test("WorkerBackend.cancel() terminates the worker of a busy loop and resubmits the rest", async () => {
  const warned = await withBackend(
    { workers: 1, concurrency: 1, batchSize: 1 },
    async (backend, host) => {
      const spin = fnTask(spinFor, [3000], { name: "spin" });
      // With a capacity of 3 per worker, two of these wait inside the worker
      // and two on the host.
      const rest = Array.from({ length: 4 }, (_, i) => fnTask((x: number) => x * 10, [i]));
      backend.submit([spin, ...rest]);
      await host.started(spin);
      const [inWorker, inWorker2, onHost, onHost2] = rest as [
        FunctionTask,
        FunctionTask,
        FunctionTask,
        FunctionTask,
      ];
      backend.cancel(inWorker2, "not needed"); // queued in the worker: revoked
      backend.cancel(onHost2, "not needed"); // queued on the host: dropped
      backend.cancel(spin, "stop");
      assertEquals(await host.value(inWorker), 0);
      assertEquals(await host.value(onHost), 20);
      assertEquals(backend.liveWorkers, 1);
      // A timeout is a cancel too.
      const spin2 = fnTask(spinFor, [3000], { name: "spin2" });
      const after = fnTask(() => "after");
      backend.submit([spin2, after]);
      await host.started(spin2);
      backend.cancel(spin2, "timeout");
      assertEquals(await host.value(after), "after");
      for (const t of [spin, spin2, inWorker2, onHost2]) assertFalse(host.outcomes.has(t));
      assertFalse(host.log.includes(`running ${onHost2.name}`));
      assertFalse(host.log.includes(`running ${inWorker2.name}`));
    },
  );
  // both workers were still spinning at shutdown: the process cannot exit until they stop
  assertEquals(warned.length, 1);
  assertMatch(
    warned[0]!,
    /abandoned a worker stuck in synchronous code \(task 'spin' \(task\.\d+\), 'spin2' \(task\.\d+\)\)/,
  );
  assertStringIncludes(warned[0]!, "ProcessBackend");
});

Deno.test("WorkerBackend moves tasks queued behind a long task to an idle worker", async () => {
  const warned = await withBackend({ workers: 2 }, async (backend, host) => {
    const spin = fnTask(spinFor, [5000], { name: "spin" });
    const shorts = Array.from({ length: 9 }, (_, i) => fnTask((x: number) => x, [i]));
    // Both workers get a share; the spinning one never finishes its share.
    backend.submit([spin, ...shorts]);
    const values = await within(
      Promise.all(shorts.map((t) => host.value(t))),
      20_000,
      "the short tasks did not finish while the long one ran",
    );
    assertEquals(values, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assertFalse(host.outcomes.has(spin));
    backend.cancel(spin, "done with it");
  });
  assertMatch(warned.join("\n"), /stuck in synchronous code \(task 'spin'/);
});

Deno.test("WorkerBackend.checkResources() refuses what can never fit the pool", () => {
  const backend = new WorkerBackend({ workers: 2 });
  const r = { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 };
  assertEquals(backend.checkResources(r), undefined);
  assertEquals(backend.checkResources({ ...r, coresPerRank: 2 }), undefined);
  assertEquals(
    backend.checkResources({ ...r, coresPerRank: 3 }),
    "Cannot run a task with 3 cores per rank on backend 'workers' as its pool has 2 worker(s): received coresPerRank = 3",
  );
  assertMatch(backend.checkResources({ ...r, ranks: 2 }) ?? "", /received ranks = 2/);
});

Deno.test("WorkerBackend gives a multi-core task whole workers of its own", async () => {
  await withBackend({ workers: 2 }, async (backend, host) => {
    const nap = async function nap(ms: number) {
      await new Promise((r) => setTimeout(r, ms));
      return ms;
    };
    const first = fnTask(nap, [50], { name: "first" });
    const wide = fnTask(nap, [20], { name: "wide", coresPerRank: 2 });
    const last = fnTask(nap, [1], { name: "last" });
    const huge = fnTask(nap, [1], { name: "huge", coresPerRank: 3 });
    backend.submit([first, wide, last, huge]);
    await Promise.all([first, wide, last].map((t) => host.value(t)));
    const order = host.log.filter((l) => !l.includes("huge"));
    assertEquals(order, [
      "running first",
      "done first",
      "running wide",
      "done wide",
      "running last",
      "done last",
    ]);
    const e = await host.error(huge);
    assertInstanceOf(e, RangeError);
    assertMatch(e.message, /3 cores per rank/);
  });
});

Deno.test("WorkerBackend runs CPU-bound tasks on two workers in parallel", async () => {
  await withBackend({ workers: 2 }, async (backend, host) => {
    const busy = function busy(ms: number) {
      const start = performance.timeOrigin + performance.now();
      let x = 0;
      while (performance.timeOrigin + performance.now() - start < ms) x += Math.sqrt(x + 1);
      return [start, performance.timeOrigin + performance.now(), x > 0];
    };
    const a = fnTask(busy, [300], { name: "a" });
    const b = fnTask(busy, [300], { name: "b" });
    backend.submit([a, b]);
    const [startA, endA] = await host.value(a) as number[];
    const [startB, endB] = await host.value(b) as number[];
    assert(
      startA! < endB! && startB! < endA!,
      `busy tasks did not overlap: a ${startA}–${endA}, b ${startB}–${endB}`,
    );
    assertEquals(backend.liveWorkers, 2);
  });
});

Deno.test("WorkerBackend runs executable tasks as local processes", async () => {
  await withBackend({ workers: 1 }, async (backend, host) => {
    const task: ExecutableTask = {
      kind: "executable",
      uid: "task.exe001",
      name: "echo",
      attempt: 0,
      timeout: undefined,
      engineUid: "flow.test",
      resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
      command: ["echo", "hi there"],
      env: undefined,
      cwd: undefined,
      stdoutPath: undefined,
      stderrPath: undefined,
    };
    backend.submit([task]);
    assertEquals(await host.value(task), "hi there\n");
    assertEquals(backend.liveWorkers, 0);
  });
});

Deno.test("WorkerBackend.shutdown() terminates the workers and is idempotent", async () => {
  const backend = new WorkerBackend({ workers: 2 });
  const host = new FakeHost();
  backend.attach({ engineUid: "flow.test", workDir: Deno.cwd(), host });
  const t = fnTask(() => 1);
  const hang = fnTask(function hang() {
    return new Promise(() => {});
  });
  backend.submit([t, hang]);
  assertEquals(await host.value(t), 1);
  await host.started(hang);
  await Promise.all([backend.shutdown(), backend.shutdown()]);
  assertEquals(backend.liveWorkers, 0);
  assertFalse(host.outcomes.has(hang));
  const late = fnTask(() => 2);
  backend.submit([late]);
  const e = await host.error(late);
  assertInstanceOf(e, BackendError);
  assertMatch(e.message, /is shut down/);
  await backend.shutdown();
});

Deno.test("WorkerBackend fails tasks with BackendError when no worker can start (no read permission)", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/main.ts`;
  await Deno.writeTextFile(
    script,
    `import { WorkerBackend, WorkflowEngine } from ${
      JSON.stringify(new URL("../mod.ts", import.meta.url).href)
    };
await using flow = await WorkflowEngine.create({ backend: new WorkerBackend({ workers: 2 }) });
const t = flow.functionTask((x: number) => x + 1);
const r = await Promise.allSettled([t(1), t(2), t(3)]);
console.log(JSON.stringify(r.map((x) => x.status === "rejected" ? x.reason.name + ": " + x.reason.message : x.value)));
`,
  );
  // read is granted for the script only: the worker entry cannot load
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", `--allow-read=${dir}`, "--allow-import", script],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  await Deno.remove(dir, { recursive: true });
  assertEquals(out.code, 0);
  // no worker was started: Deno printed nothing (it used to, once per worker)
  assertEquals(new TextDecoder().decode(out.stderr), "");
  const results = JSON.parse(new TextDecoder().decode(out.stdout)) as string[];
  assertEquals(results.length, 3);
  for (const r of results) {
    assertMatch(r, /^BackendError: Cannot start a worker for backend 'workers': .*read access/);
  }
});

Deno.test("WorkerBackend: a worker that crashes prints nothing; its task fails with BackendError once", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/main.ts`;
  await Deno.writeTextFile(
    script,
    `import { WorkerBackend, WorkflowEngine } from ${
      JSON.stringify(new URL("../mod.ts", import.meta.url).href)
    };
await using flow = await WorkflowEngine.create({ backend: new WorkerBackend({ workers: 1 }) });
const crash = flow.functionTask(() => new Promise(() => { setTimeout(() => { throw new Error("late boom"); }, 10); }));
const rejects = flow.functionTask(() => new Promise(() => { Promise.reject(new Error("nobody catches")); }));
for (const t of [crash, rejects]) {
  try { await t(); } catch (e) { console.log(e.name + ": " + e.message); }
}
const ok = flow.functionTask((x: number) => x + 1);
console.log(await ok(1));
`,
  );
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trim().split("\n");
    assertEquals(new TextDecoder().decode(out.stderr), "");
    assertEquals(out.code, 0);
    assertEquals(stdout.length, 3, stdout.join("\n"));
    assertMatch(
      stdout[0]!,
      /^BackendError: Worker \d+ of backend 'workers' died .*uncaught Error: late boom/,
    );
    assertMatch(stdout[1]!, /^BackendError: .*unhandled rejection Error: nobody catches/);
    assertEquals(stdout[2], "2");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("WorkerBackend reports the start of a fast function that hangs once, so its timeout fires", async () => {
  const { WorkflowEngine, TaskTimeoutError } = await import("../mod.ts");
  const flow = await WorkflowEngine.create({ backend: new WorkerBackend({ workers: 1 }) });
  const spin = flow.functionTask(function spin(ms: number) {
    const end = Date.now() + ms;
    while (Date.now() < end) { /* busy */ }
    return ms;
  }, { timeout: 300 });
  // many fast calls: the worker learns that spin() returns at once...
  assertEquals(await Promise.all(Array.from({ length: 20 }, () => spin(0))), Array(20).fill(0));
  // ...then one call spins for 1.5 s: it must still be reported RUNNING and time out
  const e = await spin(1500).then(() => undefined, (err: unknown) => err);
  assertInstanceOf(e, TaskTimeoutError);
  // shut down while it still spins: a warning names it
  const warned = await warnings(() => flow.shutdown());
  assertMatch(warned.join("\n"), /stuck in synchronous code \(task 'spin'/);
});

Deno.test("WorkerBackend.shutdown() warns of nothing when no worker was left spinning", async () => {
  const { WorkflowEngine, TaskTimeoutError } = await import("../mod.ts");
  const flow = await WorkflowEngine.create({ backend: new WorkerBackend({ workers: 1 }) });
  const spin = flow.functionTask(function spin(ms: number) {
    const end = Date.now() + ms;
    while (Date.now() < end) { /* busy */ }
    return ms;
  }, { timeout: 100 });
  await assertRejects(() => spin(400), TaskTimeoutError);
  await new Promise((r) => setTimeout(r, 600)); // the abandoned worker's loop has ended
  const nap = flow.functionTask(async () => await new Promise(() => {}));
  const f = nap(); // an async body that ignores its signal is not "stuck"
  await new Promise((r) => setTimeout(r, 100));
  f.cancel();
  assertEquals(await warnings(() => flow.shutdown()), []);
});

Deno.test("WorkerBackend starts queued tasks in priority order, taking back lower ones it sent", async () => {
  await withBackend({ workers: 1 }, async (backend, host) => {
    const hold = fnTask(spinFor, [400], { name: "hold" });
    backend.submit([hold]);
    await host.started(hold);
    // the worker is busy in synchronous code: what it was sent waits in it
    const mark = (label: string) => label;
    const tasks = [1, 5, 3, 5, 0].map((p, i) => {
      const t = fnTask(mark, [`${i}:p${p}`], { name: `m${i}` });
      return { ...t, priority: p, seq: 100 + i };
    });
    backend.submit(tasks.slice(0, 2)); // sent to the busy worker at once
    backend.submit(tasks.slice(2)); // a higher priority than one sent: it is taken back
    await Promise.all(tasks.map((t) => host.value(t)));
    const order = host.log.filter((l) => l.startsWith("done m")).map((l) => l.slice(5));
    assertEquals(order, ["m1", "m3", "m2", "m0", "m4"]);
  });
});

Deno.test("WorkerBackend runs functions defined again by their own text, never a same-named other", async () => {
  const { WorkflowEngine } = await import("../mod.ts");
  await using flow = await WorkflowEngine.create({ backend: new WorkerBackend({ workers: 1 }) });
  const results: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    // a new closure each time around, same text: shipped once, reused
    const one = flow.functionTask(function f() {
      return 1;
    });
    // same name, other text: must not be mistaken for the one above
    const two = flow.functionTask(function f() {
      return 2;
    });
    results.push(await one(), await two());
  }
  assertEquals(results, [1, 2, 1, 2, 1, 2]);
});
