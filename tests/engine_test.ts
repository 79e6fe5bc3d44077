import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  BackendError,
  BlockFuture,
  CancelledError,
  DependencyFailureError,
  type ExecutionBackend,
  type FlowEvent,
  NoopBackend,
  TaskFuture,
  TaskTimeoutError,
  WorkflowEngine,
} from "../mod.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function gate<T = void>() {
  return Promise.withResolvers<T>();
}

for (const core of ["wasm", "ts"] as const) {
  Deno.test(`functionTask() resolves values and chains futures (${core} core)`, async () => {
    await using flow = await WorkflowEngine.create({ core });
    const add = flow.functionTask((a: number, b: number) => a + b);
    const double = flow.functionTask(async (x: number) => {
      await sleep(1);
      return x * 2;
    });
    const f = add(double(add(1, 2)), add(3, 4));
    assertEquals(f.state, "PENDING");
    assertEquals(await f, 13);
    assertEquals(f.state, "DONE");
    assertEquals(f.result, 13);
    assertEquals(flow.stats(), { pending: 0, running: 0, done: 4, failed: 0, cancelled: 0 });
  });
}

Deno.test("functionTask() throws TypeError at once for a non-function", async () => {
  await using flow = await WorkflowEngine.create();
  assertThrows(
    () => flow.functionTask(42 as unknown as () => void),
    TypeError,
    "Cannot create task with functionTask() as 'fn' must be a function: received 42",
  );
  assertThrows(
    () => flow.executableTask("ls" as unknown as () => string),
    TypeError,
    'received "ls"',
  );
  assertThrows(() => flow.block(null as unknown as () => void), TypeError, "received null");
  assertThrows(
    () => flow.functionTask(() => 1, { retries: -1 }),
    RangeError,
    "'retries' must be a non-negative integer: received -1",
  );
  assertThrows(
    () => flow.functionTask(() => 1, { resources: { ranks: 0 } }),
    RangeError,
    "'resources.ranks' must be a positive integer: received 0",
  );
  assertThrows(
    () => flow.functionTask(() => 1, { bogus: 1 } as never),
    TypeError,
    'unknown field: received "bogus"',
  );
});

Deno.test("TaskFuture has uid, name, workflowId and backendName synchronously", async () => {
  await using flow = await WorkflowEngine.create();
  function myTask() {
    return 1;
  }
  const t = flow.functionTask(myTask);
  const a = t();
  const b = flow.functionTask(() => 2, { name: "named" })();
  const c = flow.functionTask(() => 3)();
  assertMatch(a.uid, /^task\.\d{6}$/);
  assert(a.uid !== b.uid);
  assertEquals(a.name, "myTask");
  assertEquals(b.name, "named");
  assertEquals(c.name, "task");
  assertEquals(a.backendName, "inline");
  assertEquals(a.workflowId, undefined);
  assertEquals(t.taskName, "myTask");
  assertInstanceOf(a, TaskFuture);
  await Promise.all([a, b, c]);
});

Deno.test("futures nested in arrays and objects are dependencies and get substituted", async () => {
  await using flow = await WorkflowEngine.create();
  const slow = flow.functionTask(async (v: number) => {
    await sleep(5);
    return v;
  });
  const seen: unknown[] = [];
  const consume = flow.functionTask((...args: unknown[]) => {
    seen.push(...args);
    return "ok";
  });
  const p = Promise.resolve("promised");
  const r = await consume(slow(1), [slow(2), { deep: [slow(3)] }], { k: slow(4), plain: "x" }, p);
  assertEquals(r, "ok");
  assertEquals(seen, [1, [2, { deep: [3] }], { k: 4, plain: "x" }, "promised"]);
});

Deno.test("futures of another engine are awaited like promises", async () => {
  await using a = await WorkflowEngine.create();
  await using b = await WorkflowEngine.create();
  const slow = a.functionTask(async () => {
    await sleep(10);
    return 5;
  });
  const inc = b.functionTask((x: number) => x + 1);
  const fa = slow();
  const fb = inc(fa);
  assertEquals(await fb, 6);
  assert(a.uid !== b.uid);
  assertEquals(fa.uid, "task.000001");
  assertEquals(fb.uid, "task.000001"); // ids are per engine
});

Deno.test("a failing task rejects with the same error and dependents fail eagerly", async () => {
  await using flow = await WorkflowEngine.create();
  const g = gate();
  const boom = flow.functionTask(function failingTask() {
    throw new RangeError("Original task failure");
  });
  const hold = flow.functionTask(async () => {
    await g.promise;
    return 1;
  });
  const dep = flow.functionTask(function dependentTask(_a: unknown, _b: unknown) {
    return "never";
  });
  const f1 = boom();
  const h = hold();
  const d = dep(h, f1);
  const d2 = dep(d, 1);
  const err = await assertRejects(() => f1, RangeError, "Original task failure");
  // eager: d fails while h still runs
  const e = await assertRejects(() => d, DependencyFailureError);
  assertEquals(e.message, "Cannot execute 'dependentTask' due to dependency failure");
  assertEquals(e.failedDependencies, [{ uid: f1.uid, name: "failingTask" }]);
  assertStrictEquals(e.rootCause, err);
  assertStrictEquals(e.cause, err);
  assertEquals(h.state, "RUNNING");
  const e2 = await assertRejects(() => d2, DependencyFailureError);
  assertStrictEquals(e2.rootCause, err);
  assertStrictEquals(e2.cause, e);
  g.resolve();
  assertEquals(await h, 1);
});

Deno.test("a dependent created after its dependencies failed lists every failed one", async () => {
  await using flow = await WorkflowEngine.create();
  const f1 = flow.functionTask(function t1() {
    throw new Error("a");
  })();
  const f2 = flow.functionTask(function t2() {
    throw new TypeError("b");
  })();
  const ok = flow.functionTask(function ok() {
    return "Success!";
  })();
  await Promise.allSettled([f1, f2, ok]);
  const d = flow.functionTask((..._a: unknown[]) => 1, { name: "dep" })(ok, f1, f2);
  assertEquals(d.state, "PENDING");
  const e = await assertRejects(() => d, DependencyFailureError);
  assertEquals(e.failedDependencies.map((x: { name: string }) => x.name), ["t1", "t2"]);
  assertEquals((e.rootCause as Error).message, "a");
});

Deno.test("DependencyFailureError.rootCause walks to the original error through a chain", async () => {
  await using flow = await WorkflowEngine.create();
  const g = gate();
  const t1 = flow.functionTask(async () => {
    await g.promise;
    throw new Error("Root failure");
  })();
  const step = flow.functionTask((x: unknown) => x);
  const t4 = step(step(step(t1)));
  g.resolve();
  const e = await assertRejects(() => t4, DependencyFailureError);
  assertEquals((e.rootCause as Error).message, "Root failure");
  assertInstanceOf(e.cause, DependencyFailureError);
});

Deno.test("cancel() of a pending task ends CANCELLED at once with the reason", async () => {
  await using flow = await WorkflowEngine.create();
  const g = gate();
  const slow = flow.functionTask(() => g.promise);
  const dep = flow.functionTask((x: unknown) => x);
  const s = slow();
  const d = dep(s);
  const d2 = dep(d);
  assertEquals(d.cancel("cancel-reason"), true);
  assertEquals(d.state, "CANCELLED");
  assertEquals(d2.state, "CANCELLED"); // transitive, synchronous
  assertEquals(d.cancel(), false);
  const e = await assertRejects(() => d, CancelledError);
  assertEquals(e.reason, "cancel-reason");
  assertMatch(e.message, /cancel-reason/);
  await assertRejects(() => d2, CancelledError);
  g.resolve();
  await s;
  assertEquals(flow.stats().cancelled, 2);
});

Deno.test("cancel() of a running task cancels its pending dependents too", async () => {
  await using flow = await WorkflowEngine.create();
  const started = gate();
  const slow = flow.functionTask(async () => {
    started.resolve();
    await sleep(10_000_000).catch(() => {});
  });
  const dep = flow.functionTask((x: unknown) => x);
  // an endless body we never await: use a short timer handle we can clear
  const s = flow.functionTask(async () => {
    started.resolve();
    await new Promise(() => {});
  })();
  const d = dep(s);
  await started.promise;
  assertEquals(s.state, "RUNNING");
  assert(s.cancel());
  assertEquals(s.state, "CANCELLED");
  assertEquals(d.state, "CANCELLED");
  const e = await assertRejects(() => d, CancelledError);
  assertMatch(String(e.reason), /was cancelled/);
  void slow;
});

Deno.test("retries re-run a failing task and timeout fails with TaskTimeoutError", async () => {
  await using flow = await WorkflowEngine.create();
  let calls = 0;
  const flaky = flow.functionTask(() => {
    if (++calls < 3) throw new Error("flaky");
    return calls;
  }, { retries: 2 });
  assertEquals(await flaky(), 3);
  calls = 0;
  await assertRejects(() => flaky.with({ retries: 1 })(), Error, "flaky");
  assertEquals(calls, 2);
  const never = flow.functionTask(() => new Promise(() => {}), { timeout: 20 });
  const e = await assertRejects(() => never(), Error);
  assertEquals(e.name, "TaskTimeoutError");
  assertEquals((e as unknown as { timeout: number }).timeout, 20);
});

Deno.test("an unknown backend name fails that task with BackendError and the engine keeps serving", async () => {
  await using flow = await WorkflowEngine.create();
  const t = flow.functionTask(() => 1, { backend: "nonexistent" });
  const e = await assertRejects(() => t(), BackendError, 'no backend is named "nonexistent"');
  assertEquals(e.backend, "nonexistent");
  assertEquals(await flow.functionTask(() => 2)(), 2);
});

Deno.test("routing by backend name and the default backend", async () => {
  const compute = new NoopBackend({ name: "compute" });
  const ai = new NoopBackend({ name: "ai" });
  await using flow = await WorkflowEngine.create({ backend: [compute, ai] });
  assertStrictEquals(flow.backend, compute);
  assertEquals([...flow.backends.keys()], ["compute", "ai"]);
  const a = flow.functionTask(() => 1)();
  const b = flow.functionTask((x: unknown) => x, { backend: "ai" })(a);
  assertEquals(await b, "Dummy Output");
  assertEquals(a.backendName, "compute");
  assertEquals(b.backendName, "ai");
});

Deno.test("dryRun runs no body and completes with Dummy Output", async () => {
  await using flow = await WorkflowEngine.create({ dryRun: true });
  let ran = false;
  const t = flow.functionTask((_prev?: unknown) => {
    ran = true;
  });
  const pipes = Array.from({ length: 8 }, () => t(t(t())));
  assertEquals(await Promise.all(pipes), Array(8).fill("Dummy Output"));
  assertEquals(ran, false);
  assertEquals(flow.backend.name, "noop");
});

Deno.test("impossible resources fail the task with RangeError at once", async () => {
  const limited: ExecutionBackend = Object.assign(new NoopBackend({ name: "small" }), {
    checkResources: (r: { ranks: number }) =>
      r.ranks > 4 ? `needs ${r.ranks} ranks, has 4` : undefined,
  });
  await using flow = await WorkflowEngine.create({ backend: limited });
  const t = flow.functionTask(() => 1, { resources: { ranks: 8 } });
  await assertRejects(() => t(), RangeError, "needs 8 ranks, has 4");
  assertEquals(await t.with({ resources: { ranks: 2 } })(), "Dummy Output");
});

Deno.test("workflowScope() tags tasks across awaits and Promise.all, and never leaks", async () => {
  await using flow = await WorkflowEngine.create();
  await using other = await WorkflowEngine.create();
  const t = flow.functionTask(async () => {
    await sleep(1);
  });
  const o = other.functionTask(() => 1);
  let late: TaskFuture | undefined;
  const ids = await flow.workflowScope("wf-A", async (id) => {
    assertEquals(id, "wf-A");
    const a = t();
    await a;
    // (futures are thenables: wrap them so the promises do not adopt them)
    const [{ f: b }, { f: c }] = await Promise.all([
      (async () => {
        await sleep(1);
        return { f: t() };
      })(),
      Promise.resolve().then(() => ({ f: t() })),
    ]);
    const x = o(); // another engine: no scope
    setTimeout(() => late = t(), 20);
    return [a.workflowId, b.workflowId, c.workflowId, x.workflowId];
  });
  assertEquals(ids, ["wf-A", "wf-A", "wf-A", undefined]);
  assertEquals(t().workflowId, undefined);
  await sleep(30);
  assertEquals(late?.workflowId, undefined); // created after the scope ended
  const auto = await flow.workflowScope(undefined, (id) => Promise.resolve(id));
  assertMatch(auto, /^wf-[0-9a-f]{8}$/);
  assertEquals(t.with({ workflowId: "explicit" })().workflowId, "explicit");
  assertThrows(() => flow.workflowScope(5 as never, async () => {}), TypeError, "received 5");
});

Deno.test("block() members carry the block uid and a block's result is its body's", async () => {
  await using flow = await WorkflowEngine.create();
  const t = flow.functionTask((x: number) => x + 1);
  const inner: TaskFuture[] = [];
  const blk = flow.block(async (start: number) => {
    const a = t(start);
    inner.push(a);
    const b = t(a);
    inner.push(b);
    return await b;
  });
  const { f } = await flow.workflowScope("outer", () => Promise.resolve({ f: blk(t(0)) }));
  assertInstanceOf(f, BlockFuture);
  assertMatch(f.uid, /^block\.\d{6}$/);
  assertEquals(f.workflowId, "outer");
  assertEquals(await f, 3);
  assertEquals(inner.map((x) => x.workflowId), [f.uid, f.uid]);
});

Deno.test("block state is RUNNING while its body waits and FAILED when it throws", async () => {
  await using flow = await WorkflowEngine.create();
  const g = gate();
  const b = flow.block(async () => {
    await g.promise;
    return 1;
  })();
  await sleep(1);
  assertEquals(b.state, "RUNNING");
  g.resolve();
  assertEquals(await b, 1);
  const bad = flow.block(() => {
    throw new TypeError("inside");
  })();
  await assertRejects(() => bad, TypeError, "inside");
  assertEquals(bad.state, "FAILED");
});

Deno.test("BlockFuture.cancel() cancels running and pending members, recursively", async () => {
  await using flow = await WorkflowEngine.create();
  const long = flow.functionTask(() => new Promise(() => {}), { name: "long" });
  const members: TaskFuture[] = [];
  const innerBlock = flow.block(async () => {
    const d = long();
    members.push(d);
    await d;
  });
  const outer = flow.block(async () => {
    const t1 = long();
    const t2 = flow.functionTask((x: unknown) => x)(t1);
    const ib = innerBlock();
    members.push(t1, t2, ib);
    await Promise.all([t2, ib]);
    return "never";
  })();
  await sleep(5);
  assertEquals(members.length, 4);
  assert(outer.cancel("stop"));
  assertEquals(outer.state, "CANCELLED");
  assertEquals(members.map((m) => m.state), Array(4).fill("CANCELLED"));
  await assertRejects(() => outer, CancelledError);
});

Deno.test("a block whose dependency failed fails with DependencyFailureError", async () => {
  await using flow = await WorkflowEngine.create();
  const bad = flow.functionTask(() => {
    throw new RangeError("Task failure");
  })();
  const b = flow.block((_x: unknown) => 1)(bad);
  const e = await assertRejects(() => b, DependencyFailureError);
  assertInstanceOf(e.rootCause, RangeError);
});

Deno.test("subscribe() sees TaskCreated first and exactly one terminal event last", async () => {
  await using flow = await WorkflowEngine.create();
  const events: FlowEvent[] = [];
  const off = flow.subscribe((e) => events.push(e));
  const ok = flow.functionTask((_dep?: unknown) => 1);
  const bad = flow.functionTask(() => {
    throw new Error("x");
  });
  const a = ok();
  const b = bad();
  const c = ok(b);
  const d = ok();
  d.cancel();
  await Promise.allSettled([a, b, c, d]);
  off();
  ok();
  const byUid = new Map<string, string[]>();
  for (const e of events) {
    assert(typeof e.time === "number" && e.time > 1.6e12);
    byUid.set(e.uid, [...(byUid.get(e.uid) ?? []), e.type]);
  }
  assertEquals(byUid.size, 4);
  assertEquals(byUid.get(a.uid), [
    "TaskCreated",
    "TaskReady",
    "TaskSubmitted",
    "TaskStarted",
    "TaskCompleted",
  ]);
  assertEquals(byUid.get(b.uid)!.at(-1), "TaskFailed");
  assertEquals(byUid.get(c.uid), ["TaskCreated", "TaskFailed"]);
  assertEquals(byUid.get(d.uid), ["TaskCreated", "TaskCancelled"]);
  for (const types of byUid.values()) {
    assertEquals(types[0], "TaskCreated");
    assertEquals(
      types.filter((t) => ["TaskCompleted", "TaskFailed", "TaskCancelled"].includes(t)).length,
      1,
    );
  }
});

Deno.test("onDone() runs after the future is final, also when added late", async () => {
  await using flow = await WorkflowEngine.create();
  const f = flow.functionTask(() => 7)();
  const states: string[] = [];
  f.onDone((x) => states.push(`early:${x.state}:${x.result}`));
  await f;
  await new Promise<void>((r) => f.onDone((x) => (states.push(`late:${x.state}`), r())));
  assertEquals(states, ["early:DONE:7", "late:DONE"]);
});

Deno.test("a rejected future that nobody awaits does not crash the process", async () => {
  await using flow = await WorkflowEngine.create();
  flow.functionTask(() => {
    throw new Error("ignored");
  })();
  flow.functionTask(() => 1)().cancel();
  await sleep(10);
});

Deno.test("shutdown() cancels what is not final, is idempotent, and refuses new tasks", async () => {
  const flow = await WorkflowEngine.create();
  const blk = flow.block(async () => {
    await sleep(50);
    return 1;
  })();
  const pending = flow.functionTask((x: unknown) => x)(blk);
  await sleep(1);
  await Promise.all([flow.shutdown(), flow.shutdown()]);
  assertEquals(blk.state, "CANCELLED");
  assertEquals(pending.state, "CANCELLED");
  assertThrows(
    () => flow.functionTask(() => 1)(),
    Error,
    "Cannot submit task as the engine is shut down",
  );
  await flow.shutdown();
  await sleep(60); // the block body ends after shutdown: nothing may throw
});

Deno.test("WorkflowEngine.create() rejects bad options precisely", async () => {
  await assertRejects(
    () => WorkflowEngine.create({ core: "js" as "ts" }),
    TypeError,
    `'core' must be "wasm" or "ts": received "js"`,
  );
  await assertRejects(
    () => WorkflowEngine.create({ backend: [new NoopBackend(), new NoopBackend()] }),
    TypeError,
    'two backends are named "noop"',
  );
  await assertRejects(
    () => WorkflowEngine.create({ backend: {} as ExecutionBackend }),
    TypeError,
    "'backend[0]' must be an ExecutionBackend",
  );
  await assertRejects(() => WorkflowEngine.create({ uid: "a b" }), TypeError, "'uid'");
  await using flow = await WorkflowEngine.create({ uid: "wf-test" });
  assertEquals(flow.uid, "wf-test");
});

Deno.test("several engines in one process keep their ids and state apart", async () => {
  const engines = await Promise.all([1, 2, 3].map(() => WorkflowEngine.create()));
  const results = await Promise.all(
    engines.map((e, i) => e.functionTask((x: number) => x * i)(e.functionTask(() => 10)())),
  );
  assertEquals(results, [0, 10, 20]);
  assertEquals(new Set(engines.map((e) => e.uid)).size, 3);
  for (const e of engines) assertEquals(e.stats().done, 2);
  await Promise.all(engines.map((e) => e.shutdown()));
});

Deno.test("the engine works in a Web Worker (off the main thread)", async () => {
  const src = `
    import { WorkflowEngine } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
    await using flow = await WorkflowEngine.create();
    const t = flow.functionTask((a, b) => a + b);
    self.postMessage(await t(t(1, 2), 3));
  `;
  const url = URL.createObjectURL(new Blob([src], { type: "application/javascript" }));
  const w = new Worker(url, { type: "module" });
  const v = await new Promise((resolve, reject) => {
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => reject(e);
  });
  w.terminate();
  URL.revokeObjectURL(url);
  assertEquals(v, 6);
});

Deno.test("a deep chain and a wide fan run to completion (ts and wasm cores agree)", async () => {
  for (const core of ["wasm", "ts"] as const) {
    await using flow = await WorkflowEngine.create({ core });
    const inc = flow.functionTask((x: number) => x + 1);
    let f: TaskFuture<number> = inc(0);
    for (let i = 0; i < 20_000; i++) f = inc(f);
    assertEquals(await f, 20_001);
    const id = flow.functionTask((x: number) => x);
    const sum = flow.functionTask((...xs: number[]) => xs.reduce((a, b) => a + b, 0));
    assertEquals(await sum(...Array.from({ length: 5000 }, (_, i) => id(i))), 12_497_500);
  }
});

Deno.test("block() with a timeout fails with TaskTimeoutError and cancels its members", async () => {
  await using flow = await WorkflowEngine.create();
  const long = flow.functionTask(() => new Promise(() => {}), { name: "long" });
  let member: TaskFuture | undefined;
  const b = flow.block(async () => {
    member = long();
    await member;
  }, { timeout: 30 })();
  const e = await assertRejects(() => b, Error);
  assertEquals(e.name, "TaskTimeoutError");
  assertEquals(member?.state, "CANCELLED");
});

Deno.test("installSignalHandlers: SIGINT shuts the engine down, kills running executables, exits 130", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/main.ts`;
  await Deno.writeTextFile(
    script,
    `import { WorkflowEngine } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
const flow = await WorkflowEngine.create({ installSignalHandlers: true, workDir: ${
      JSON.stringify(dir)
    } });
const f = flow.executableTask(() => "echo $$ > ${dir}/pid; exec sleep 30")();
f.onDone(() => console.log("final:" + f.state));
console.log("ready");
await f.catch(() => {});
`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("ready")) out += (await reader.read()).value ?? "";
  let pid = 0;
  for (let i = 0; i < 200 && !pid; i++) {
    await sleep(25);
    pid = Number(await Deno.readTextFile(`${dir}/pid`).catch(() => "0"));
  }
  assert(pid > 0);
  child.kill("SIGINT");
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    out += r.value;
  }
  const status = await child.status;
  assertEquals(status.code, 130);
  assertMatch(out, /final:CANCELLED/);
  let gone = false;
  for (let i = 0; i < 100 && !gone; i++) {
    gone = !(await Deno.stat(`/proc/${pid}`).then(() => true, () => false));
    if (!gone) await sleep(50);
  }
  assert(gone, `executable ${pid} survived the interrupt`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a rejected promise among the arguments fails the task with DependencyFailureError", async () => {
  await using flow = await WorkflowEngine.create();
  let ran = false;
  const t = flow.functionTask((_x: unknown) => (ran = true));
  const boom = new TypeError("upstream promise broke");
  const f = t(Promise.reject(boom));
  const e = await assertRejects(() => f, DependencyFailureError);
  assertStrictEquals(e.rootCause, boom);
  assertEquals(ran, false);
});

Deno.test("cancel() of a task waiting on a promise ends it at once; the promise settling later changes nothing", async () => {
  await using flow = await WorkflowEngine.create();
  const gate = Promise.withResolvers<number>();
  let ran = false;
  const t = flow.functionTask((x: number) => (ran = true, x));
  const f = t(gate.promise);
  const d = flow.functionTask((x: unknown) => x)(f);
  assert(f.cancel("not needed"));
  assertEquals([f.state, d.state], ["CANCELLED", "CANCELLED"]);
  gate.resolve(1);
  await sleep(5);
  assertEquals([f.state, d.state, ran], ["CANCELLED", "CANCELLED", false]);
  assertEquals(flow.stats().cancelled, 2);
  assertEquals(await t(2), 2); // the engine goes on
});

Deno.test("a cancelled future of another engine cancels its dependent here", async () => {
  await using a = await WorkflowEngine.create();
  await using b = await WorkflowEngine.create();
  const slow = a.functionTask(() => new Promise(() => {}));
  const fa = slow();
  const fb = b.functionTask((x: unknown) => x)(fa);
  fa.cancel("stop upstream");
  await assertRejects(() => fb, CancelledError);
  assertEquals(fb.state, "CANCELLED");
});

Deno.test("a backend that throws from submit() fails those tasks with BackendError; the engine keeps serving", async () => {
  const bad: ExecutionBackend = Object.assign(new NoopBackend({ name: "bad" }), {
    submit() {
      throw new Error("socket closed");
    },
  });
  await using flow = await WorkflowEngine.create({ backend: [new NoopBackend(), bad] });
  const t = flow.functionTask(() => 1, { backend: "bad" });
  const e = await assertRejects(() => t(), BackendError, "threw from submit()");
  assertEquals(e.backend, "bad");
  assertEquals((e.cause as Error).message, "socket closed");
  assertEquals(await flow.functionTask(() => 2)(), "Dummy Output");
});

Deno.test("WorkflowEngine.create() rejects when a backend cannot attach, and shuts the attached ones down", async () => {
  let shutDown = 0;
  const ok: ExecutionBackend = Object.assign(new NoopBackend({ name: "ok" }), {
    shutdown() {
      shutDown++;
      return Promise.resolve();
    },
  });
  const broken: ExecutionBackend = Object.assign(new NoopBackend({ name: "broken" }), {
    attach() {
      throw new Error("no allocation");
    },
  });
  await assertRejects(
    () => WorkflowEngine.create({ backend: [ok, broken] }),
    Error,
    "no allocation",
  );
  assertEquals(shutDown, 1);
});

Deno.test("WorkflowEngine.create() rejects an event log it cannot write, naming the path", async () => {
  await assertRejects(
    () => WorkflowEngine.create({ eventLog: "/nonexistent-dir/events.jsonl" }),
    Error,
    "/nonexistent-dir/events.jsonl",
  );
});

Deno.test("executableTask() without a name is named after its program once its command is built", async () => {
  await using flow = await WorkflowEngine.create();
  const events: FlowEvent[] = [];
  flow.subscribe((e) => events.push(e));
  // an anonymous builder and no name option: "task" at the call, the program after
  const shout = flow.executableTask((text: string) => ["/bin/echo", text]);
  assertEquals(shout.taskName, "task");
  const f = shout("hi");
  assertEquals(f.name, "task");
  assertEquals(await f, "hi\n");
  assertEquals(f.name, "echo");
  const mine = events.filter((e) => e.uid === f.uid);
  assertEquals(mine[0]!.type, "TaskCreated");
  assertEquals(mine[0]!.name, "task");
  assertEquals(mine.at(-1)!.type, "TaskCompleted");
  assertEquals(mine.at(-1)!.name, "echo");
  assertEquals(String(f), `TaskFuture(echo ${f.uid} DONE)`);

  // errors name the program: a timeout, and a dependent's failed dependency
  const slow = flow.executableTask(() => "OMP_NUM_THREADS=1 exec sleep 5", { timeout: 50 })();
  const err = await assertRejects(() => slow, TaskTimeoutError);
  assertEquals(err.message, "Task 'sleep' timed out after 50 ms");
  const after = flow.functionTask((x: string) => x, { name: "after" })(
    flow.executableTask(() => ["false"])(),
  );
  const dep = await assertRejects(() => after, DependencyFailureError);
  assertEquals((dep as DependencyFailureError).failedDependencies.map((d) => d.name), ["false"]);

  // a name of its own always wins: the option, or a named builder
  const named = flow.executableTask(() => ["true"], { name: "check" })();
  function build(): string[] {
    return ["true"];
  }
  const built = flow.executableTask(build)();
  await Promise.all([named, built]);
  assertEquals([named.name, built.name], ["check", "build"]);
});
