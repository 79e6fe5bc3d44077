/**
 * The engine's seams: futures that behave like promises, one state machine,
 * and the defects a new user and a fault-injection suite found in them. Each
 * defect test failed before its fix.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  type AttachContext,
  type BackendHost,
  type BackendTask,
  BlockFuture,
  CancelledError,
  DependencyFailureError,
  type ExecutionBackend,
  type FlowEvent,
  InlineBackend,
  NoopBackend,
  SlurmBackend,
  type TaskFuture,
  WorkerBackend,
  WorkflowEngine,
} from "../mod.ts";

const tick = () => new Promise((r) => setTimeout(r, 0));

// ---------------------------------------------------------------- futures

Deno.test("TaskFuture is a native promise: Promise.resolve(future) is the future itself", async () => {
  await using flow = await WorkflowEngine.create();
  const f = flow.functionTask(() => 1)();
  assert(f instanceof Promise);
  assertStrictEquals(Promise.resolve(f), f);
  assertEquals(await Promise.all([f, f]), [1, 1]);
  assertEquals(await Promise.race([f, new Promise(() => {})]), 1);
  const b = flow.block(() => 2)();
  assertInstanceOf(b, BlockFuture);
  assertStrictEquals(Promise.resolve(b), b);
  assertEquals(await b, 2);
});

Deno.test("then reactions never run inside cancel(), a backend report or a flush", async () => {
  // a backend that reports synchronously from submit()
  class Sync implements ExecutionBackend {
    readonly name = "sync";
    #host: BackendHost | undefined;
    reacted = false;
    duringSubmit = false;
    attach(c: AttachContext) {
      this.#host = c.host;
    }
    submit(tasks: readonly BackendTask[]) {
      for (const t of tasks) {
        this.#host!.running(t);
        this.#host!.done(t, 7);
        if (this.reacted) this.duringSubmit = true;
      }
    }
    cancel() {}
    shutdown() {
      return Promise.resolve();
    }
  }
  const backend = new Sync();
  await using flow = await WorkflowEngine.create({ backend });
  const f = flow.functionTask(() => 0)();
  void f.then(() => {
    backend.reacted = true;
  });
  assertEquals(await f, 7);
  assert(backend.reacted && !backend.duringSubmit, "a reaction ran inside submit()");

  const slow = flow.functionTask(() => new Promise(() => {}), { backend: "sync" });
  void slow;
  const g = flow.functionTask(async () => await new Promise(() => {}))();
  let ran = false;
  g.then(undefined, () => {
    ran = true;
  });
  g.onDone(() => {
    ran = true;
  });
  assert(g.cancel("stop"));
  assertEquals(g.state, "CANCELLED");
  assert(!ran, "a reaction ran inside cancel()");
  await tick();
  assert(ran);
});

Deno.test("an unawaited failed or cancelled future does not crash the process", async () => {
  await using flow = await WorkflowEngine.create();
  flow.functionTask(() => {
    throw new Error("nobody awaits this");
  })();
  flow.functionTask(() => new Promise(() => {}))().cancel();
  flow.functionTask((_x: unknown) => 1)(Promise.reject(new Error("a rejected argument")));
  await new Promise((r) => setTimeout(r, 20));
  // an unhandled rejection would have failed this test
});

Deno.test("String(), JSON.stringify() and Deno.inspect() of a future show TaskFuture(<name> <uid> <state>)", async () => {
  await using flow = await WorkflowEngine.create();
  const f = flow.functionTask(function square(x: number) {
    return x * x;
  })(3);
  assertEquals(String(f), "TaskFuture(square task.000001 PENDING)");
  assertEquals(`${f}`, "TaskFuture(square task.000001 PENDING)");
  await f;
  assertEquals(JSON.stringify({ f }), '{"f":"TaskFuture(square task.000001 DONE)"}');
  assertEquals(Deno.inspect(f), "TaskFuture(square task.000001 DONE)");
  assertEquals(Deno.inspect([f]), "[ TaskFuture(square task.000001 DONE) ]");
  const b = flow.block(function outer() {
    return 1;
  })();
  assertEquals(String(b), "BlockFuture(outer block.000002 PENDING)");
  await b;
  assertEquals(Deno.inspect(b), "BlockFuture(outer block.000002 DONE)");
  assert(!Deno.inspect(b).includes("engine"));
});

Deno.test("future.attempts counts runs started: 0 pending, 1 after a run, 2 after a retry", async () => {
  await using flow = await WorkflowEngine.create();
  let calls = 0;
  const flaky = flow.functionTask(() => {
    if (++calls === 1) throw new Error("first time");
    return calls;
  }, { retries: 1 });
  const f = flaky();
  assertEquals(f.attempts, 0);
  assertEquals(await f, 2);
  assertEquals(f.attempts, 2);
  const g = flow.functionTask(() => 1)();
  await g;
  assertEquals(g.attempts, 1);
  const never = flow.functionTask((_x: unknown) => 1)(Promise.reject(new Error("x")));
  await assertRejects(() => never, DependencyFailureError);
  assertEquals(never.attempts, 0);
});

// ---------------------------------------------------------------- defects

Deno.test("a call with shared or cyclic substructure in its arguments returns at once and keeps the shape", async () => {
  await using flow = await WorkflowEngine.create();
  const echo = flow.functionTask((x: unknown) => x);
  // 40 levels of { l: n, r: n }: 2^40 paths, 40 objects
  let n: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 40; i++) n = { l: n, r: n };
  const t0 = performance.now();
  const f = echo(n);
  assert(performance.now() - t0 < 1000, "the call did not return at once");
  assertStrictEquals(await f, n); // no dependency inside: passed as is

  // a cycle with a dependency inside: the substituted copy keeps the cycle and the sharing
  const dep = flow.functionTask(() => 42)();
  const o: Record<string, unknown> = { dep };
  o.left = o;
  o.right = o;
  const got = await echo(o) as Record<string, unknown>;
  assertEquals(got.dep, 42);
  assertStrictEquals(got.left, got);
  assertStrictEquals(got.right, got);

  const shared = { dep };
  const pair = await echo([shared, shared]) as { dep: number }[];
  assertStrictEquals(pair[0], pair[1]);
  assertEquals(pair[0]!.dep, 42);
});

Deno.test("a result whose then throws fails only its own task, on inline and on any backend's report", async () => {
  await using flow = await WorkflowEngine.create();
  const slow = flow.functionTask(async (x: number) => {
    await new Promise((r) => setTimeout(r, 20));
    return x;
  });
  const running = [slow(1), slow(2)];
  await tick(); // they are running now
  const ok = flow.functionTask((x: number) => x);
  const bad1 = flow.functionTask(() => ({
    then() {
      throw new Error("then throws");
    },
  }));
  const bad2 = flow.functionTask(() => ({
    get then() {
      throw new Error("the then getter throws");
    },
  }));
  const same = [ok(3), bad1(), ok(4), bad2(), ok(5)];
  const settled = await Promise.allSettled([...running, ...same]);
  assertEquals(settled.map((s) => s.status), [
    "fulfilled",
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  assertEquals(
    settled.filter((s) => s.status === "rejected").map((s) =>
      ((s as PromiseRejectedResult).reason as Error).message
    ),
    ["then throws", "the then getter throws"],
  );

  // a backend that reports such a value: only that task fails
  class Odd implements ExecutionBackend {
    readonly name = "odd";
    #host: BackendHost | undefined;
    attach(c: AttachContext) {
      this.#host = c.host;
    }
    submit(tasks: readonly BackendTask[]) {
      for (const t of tasks) {
        this.#host!.running(t);
        if (t.name === "bad") {
          this.#host!.done(t, {
            get then() {
              throw new Error("bad value");
            },
          });
        } else this.#host!.done(t, t.name);
      }
    }
    cancel() {}
    shutdown() {
      return Promise.resolve();
    }
  }
  await using odd = await WorkflowEngine.create({ backend: new Odd() });
  const a = odd.functionTask(() => 0, { name: "a" })();
  const bad = odd.functionTask(() => 0, { name: "bad" })();
  const c = odd.functionTask(() => 0, { name: "c" })();
  assertEquals(await a, "a");
  assertEquals(await c, "c");
  await assertRejects(() => bad, Error, "bad value");
});

Deno.test("a backend that throws from submit() fails only the tasks it had not started", async () => {
  class Throws implements ExecutionBackend {
    readonly name = "throws";
    #host: BackendHost | undefined;
    attach(c: AttachContext) {
      this.#host = c.host;
    }
    submit(tasks: readonly BackendTask[]) {
      const first = tasks[0]!;
      this.#host!.running(first);
      setTimeout(() => this.#host!.done(first, "kept"), 5);
      throw new Error("boom");
    }
    cancel() {}
    shutdown() {
      return Promise.resolve();
    }
  }
  await using flow = await WorkflowEngine.create({ backend: new Throws() });
  const t = flow.functionTask(() => 0);
  const [a, b] = [t(), t()];
  assertEquals(await a, "kept"); // it had started: its result is not thrown away
  await assertRejects(() => b, Error, "threw from submit()");
});

Deno.test("cancel(reason) accepts any value, even one that cannot become a string", async () => {
  await using flow = await WorkflowEngine.create();
  const hang = flow.functionTask(() => new Promise(() => {}));
  for (
    const reason of [
      Object.create(null),
      {
        toString() {
          throw new Error("no string for you");
        },
      },
      Symbol("why"),
      12n,
    ]
  ) {
    const f = hang();
    assert(f.cancel(reason));
    assertEquals(f.state, "CANCELLED");
    const e = await assertRejects(() => f, CancelledError);
    assertStrictEquals(e.reason, reason);
  }
  // a block and all its members end, whatever the reason
  let inner: TaskFuture | undefined;
  const b = flow.block(async () => {
    inner = hang();
    await inner;
  })();
  await tick();
  await tick();
  assert(b.cancel(Object.create(null)));
  assertEquals([b.state, inner!.state], ["CANCELLED", "CANCELLED"]);
});

Deno.test("a task created in a .then callback inside a workflowScope carries that scope's id (inline and workers)", async () => {
  for (const backend of [new InlineBackend(), new WorkerBackend({ workers: 1 })]) {
    await using flow = await WorkflowEngine.create({ backend });
    const step = flow.functionTask(function step(x: number) {
      return x + 1;
    });
    const ids = await Promise.all(
      ["wf-A", "wf-B"].map((id) =>
        flow.workflowScope(id, () =>
          step(1).then(() => {
            const next = step(2); // created in a reaction that ran after a backend report
            return next.then(() => next.workflowId);
          }))
      ),
    );
    assertEquals(ids, ["wf-A", "wf-B"]);
  }
});

Deno.test("a dependent of two dependencies that fail in the same turn names both", async () => {
  await using flow = await WorkflowEngine.create();
  const fail = flow.functionTask((why: string) => {
    throw new Error(why);
  });
  const sum = flow.functionTask(function sum(a: number, b: number) {
    return a + b;
  });
  const a = fail("a");
  const b = fail("b");
  const s = sum(a as never, b as never);
  const e = await assertRejects(() => s, DependencyFailureError);
  assertEquals(e.failedDependencies.map((d: { uid: string }) => d.uid).sort(), [a.uid, b.uid]);
  // nested ones too
  const c = fail("c");
  const d = fail("d");
  const nested = flow.functionTask((x: unknown) => x)({ list: [c, { d }] });
  const e2 = await assertRejects(() => nested, DependencyFailureError);
  assertEquals(e2.failedDependencies.map((f: { uid: string }) => f.uid).sort(), [c.uid, d.uid]);
});

Deno.test("a timeout above 2^31-1 ms is honoured, not fired at once", async () => {
  await using flow = await WorkflowEngine.create();
  const slowish = flow.functionTask(async () => {
    await new Promise((r) => setTimeout(r, 30));
    return "finished";
  }, { timeout: 2 ** 31 + 1000 });
  assertEquals(await slowish(), "finished");
  const month = flow.functionTask(() => new Promise(() => {}), {
    timeout: 30 * 24 * 3600 * 1000,
  })();
  await new Promise((r) => setTimeout(r, 30));
  assertEquals(month.state, "RUNNING");
  month.cancel(); // its timer goes with it
});

Deno.test("bad input is refused at once: signal handlers, uid, env names, backend options", async () => {
  await assertRejects(
    () => WorkflowEngine.create({ installSignalHandlers: "yes" as never }),
    TypeError,
    `'installSignalHandlers' must be a boolean: received "yes"`,
  );
  for (const uid of [".", "..", "...", "a/b", ""]) {
    await assertRejects(() => WorkflowEngine.create({ uid }), TypeError, "'uid' must be");
  }
  await using flow = await WorkflowEngine.create();
  for (const bad of [{ "": "x" }, { "A=B": "x" }, { "A\0": "x" }]) {
    assertThrows(
      () => flow.executableTask(() => "true", { env: bad }),
      TypeError,
      "'env' names must be non-empty and contain no '=' or NUL",
    );
  }
  assertThrows(
    () => flow.executableTask(() => "true", { env: { A: "x\0y" } }),
    TypeError,
    "must not contain NUL",
  );
  for (
    const make of [
      () => new InlineBackend({ workers: 2 } as never),
      () => new NoopBackend({ nmae: "x" } as never),
      () => new WorkerBackend({ worker: 2 } as never),
      () => new SlurmBackend({ node: 2 } as never),
    ]
  ) assertThrows(make, TypeError, "'options' has an unknown field");
  for (
    const make of [
      () => new InlineBackend({ name: Object.create(null) }),
      () => new NoopBackend({ name: 5 as never }),
      () => new SlurmBackend({ name: {} as never }),
    ]
  ) assertThrows(make, TypeError, "'name' must be a non-empty string: received");
  assertThrows(() => new WorkerBackend({ workers: null as never }), TypeError, "received null");
});

Deno.test("a sparse argv fails the task with TypeError instead of running 'undefined'", async () => {
  await using flow = await WorkflowEngine.create();
  const sparse: string[] = [];
  sparse[0] = "echo";
  sparse[3] = "x";
  const e = await assertRejects(() => flow.executableTask(() => sparse)(), TypeError);
  assert(e.message.includes("argv[1] is a hole in a sparse array"), e.message);
});

Deno.test("a huge command that cannot be spawned gives a short message; ExecutableError.command keeps it whole", async () => {
  await using flow = await WorkflowEngine.create();
  const huge = "/nonexistent/" + "x".repeat(10_000_000);
  const e = await assertRejects(() => flow.executableTask(() => [huge])(), Error);
  assert(e.message.length < 2000, `message of ${e.message.length} characters`);
  assert(/cannot be spawned: .+/.test(e.message), `the reason was cut: ${e.message.slice(-200)}`);
  const long = "y".repeat(50_000);
  const f = flow.executableTask(() => ["sh", "-c", `echo ${long} >&2; exit 3 # ${long}`])();
  const err = await assertRejects(() => f) as Error & { command: string[]; stderr: string };
  assert(err.message.length < 2000, `message of ${err.message.length} characters`);
  assertEquals(err.command[2]!.length, `echo ${long} >&2; exit 3 # ${long}`.length);
  const reason = "z".repeat(100_000);
  const c = flow.functionTask(() => new Promise(() => {}))();
  c.cancel(reason);
  const ce = await assertRejects(() => c, CancelledError);
  assert(ce.message.length < 2000);
  assertStrictEquals(ce.reason, reason);
});

Deno.test("two engines are refused one eventLog path: the first keeps whole lines", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/events.jsonl`;
  try {
    const first = await WorkflowEngine.create({ eventLog: path });
    const e = await assertRejects(
      () => WorkflowEngine.create({ eventLog: path }),
      Error,
      "another engine writes to it",
    );
    assert(e.message.includes(path));
    await Promise.all(Array.from({ length: 200 }, (_, i) => first.functionTask(() => i)()));
    await first.shutdown();
    const lines = (await Deno.readTextFile(path)).trim().split("\n");
    for (const line of lines) JSON.parse(line);
    assertEquals(lines.filter((l) => l.includes("TaskCompleted")).length, 200);
    // once closed, the path is free again
    const second = await WorkflowEngine.create({ eventLog: path });
    await second.shutdown();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------- the state machine

Deno.test("every task emits TaskCreated first and exactly one final event last, whatever ends it", async () => {
  await using flow = await WorkflowEngine.create();
  const events: FlowEvent[] = [];
  flow.subscribe((e) => events.push(e));
  const ok = flow.functionTask((x: number) => x);
  const bad = flow.functionTask(() => {
    throw new Error("x");
  }, { retries: 1 });
  const hang = flow.functionTask(() => new Promise(() => {}));
  const a = ok(1);
  const b = bad();
  const c = ok(b as never);
  const d = hang();
  const e = ok(d as never);
  const f = ok(Promise.resolve(2));
  await Promise.allSettled([a, b, c, f]);
  d.cancel();
  await Promise.allSettled([d, e]);
  const byUid = new Map<string, string[]>();
  for (const ev of events) byUid.set(ev.uid, [...(byUid.get(ev.uid) ?? []), ev.type]);
  assertEquals(byUid.size, 6);
  const finals = new Set(["TaskCompleted", "TaskFailed", "TaskCancelled"]);
  for (const [uid, types] of byUid) {
    assertEquals(types[0], "TaskCreated", uid);
    assertEquals(types.filter((t) => finals.has(t)).length, 1, `${uid}: ${types}`);
    assert(finals.has(types.at(-1)!), `${uid}: ${types}`);
  }
  assertEquals(byUid.get(b.uid), [
    "TaskCreated",
    "TaskReady",
    "TaskSubmitted",
    "TaskStarted",
    "TaskRetrying",
    "TaskSubmitted",
    "TaskStarted",
    "TaskFailed",
  ]);
  assertEquals(flow.stats(), { pending: 0, running: 0, done: 2, failed: 2, cancelled: 2 });
});

Deno.test("a foreign thenable's gate is released when its dependent is cancelled: nothing of the task is kept", async () => {
  // in a subprocess with --expose-gc: a cancelled task waiting on a promise that never
  // settles must be collectable (the promise's reactions must not hold it)
  const script = `
    import { WorkflowEngine } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
    const flow = await WorkflowEngine.create();
    const never = new Promise(() => {});
    const t = flow.functionTask((x) => x);
    const refs = [];
    function make() {
      // in a function of its own: no suspended frame keeps the last future
      for (let i = 0; i < 100; i++) {
        const f = t(never);
        refs.push(new WeakRef(f));
        f.cancel();
      }
    }
    make();
    for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 10)); globalThis.gc(); }
    const kept = refs.filter((r) => r.deref() !== undefined).length;
    console.log(JSON.stringify({ kept, stats: flow.stats(), ok: await t(3) }));
    await flow.shutdown();
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = out.stdin.getWriter();
  await w.write(new TextEncoder().encode(script));
  await w.close();
  const { stdout, stderr, success } = await out.output();
  assert(success, new TextDecoder().decode(stderr));
  const r = JSON.parse(new TextDecoder().decode(stdout));
  assertEquals(r.kept, 0, "cancelled tasks are still held by the promise they waited on");
  assertEquals(r.stats.cancelled, 100);
  assertEquals(r.ok, 3);
});
