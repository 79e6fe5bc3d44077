/**
 * Flow control through the public API: retry policies, flow.map and
 * flow.asCompleted, taskContext() and its signal, priorities and limits.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertLess,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  CancelledError,
  type FlowEvent,
  taskContext,
  type TaskFuture,
  TaskTimeoutError,
  WorkerBackend,
  WorkflowEngine,
} from "../mod.ts";

// ---------------------------------------------------------------- retry policies

Deno.test("retries as a RetryPolicy waits its delays on a timer and emits TaskRetrying with attempt and delay", async () => {
  await using flow = await WorkflowEngine.create();
  const events: FlowEvent[] = [];
  flow.subscribe((e) => events.push(e));
  const starts: number[] = [];
  const flaky = flow.functionTask(function flaky() {
    starts.push(performance.now());
    if (starts.length < 4) throw new Error(`attempt ${starts.length}`);
    return starts.length;
  }, { retries: { max: 5, delay: 20, backoff: 2 } });
  const f = flaky();
  assertEquals(await f, 4);
  assertEquals(f.attempts, 4);
  const retrying = events.filter((e) => e.type === "TaskRetrying");
  assertEquals(retrying.map((e) => [e.attempt, e.delay]), [[2, 20], [3, 40], [4, 80]]);
  for (const [i, d] of [20, 40, 80].entries()) {
    assertGreaterOrEqual(starts[i + 1]! - starts[i]!, d - 2, `retry ${i + 1} came too early`);
  }
  assertEquals((retrying[0]!.error as Error).message, "attempt 1");
});

Deno.test("a retry policy's delay list, cap and jitter give the delays it says", async () => {
  await using flow = await WorkflowEngine.create();
  const delays: number[] = [];
  flow.subscribe((e) => {
    if (e.type === "TaskRetrying") delays.push(e.delay!);
  });
  const always = (options: object) =>
    flow.functionTask(() => {
      throw new Error("no");
    }, { retries: options as never })();
  await assertRejects(() => always({ max: 4, delay: [1, 5, 10] }));
  assertEquals(delays.splice(0), [1, 5, 10, 10]);
  await assertRejects(() => always({ max: 4, delay: 5, backoff: 3, maxDelay: 20 }));
  assertEquals(delays.splice(0), [5, 15, 20, 20]);
  await assertRejects(() => always({ max: 20, delay: 10, jitter: 0.5 }));
  assertEquals(delays.length, 20);
  for (const d of delays) assert(d >= 5 && d <= 15, `jittered delay ${d} out of [5, 15]`);
  assert(new Set(delays).size > 1, "jitter gave the same delay every time");
});

Deno.test("retryIf returning false fails the task at once; it sees the error and the attempt", async () => {
  await using flow = await WorkflowEngine.create();
  const seen: [string, number][] = [];
  let calls = 0;
  const t = flow.functionTask(() => {
    calls++;
    throw calls < 3 ? new TypeError("transient") : new RangeError("permanent");
  }, {
    retries: {
      max: 10,
      retryIf: (e, attempt) => {
        seen.push([(e as Error).name, attempt]);
        return e instanceof TypeError;
      },
    },
  });
  await assertRejects(() => t(), RangeError, "permanent");
  assertEquals(calls, 3);
  assertEquals(seen, [["TypeError", 1], ["TypeError", 2], ["RangeError", 3]]);
});

Deno.test("a cancel during a retry wait ends the task CANCELLED and it never runs again", async () => {
  await using flow = await WorkflowEngine.create();
  let calls = 0;
  const t = flow.functionTask(() => {
    calls++;
    throw new Error("fail");
  }, { retries: { max: 3, delay: 50 } });
  const f = t();
  await new Promise((r) => setTimeout(r, 10));
  assertEquals([calls, f.state], [1, "PENDING"]);
  assert(f.cancel("enough"));
  await assertRejects(() => f, CancelledError);
  await new Promise((r) => setTimeout(r, 120));
  assertEquals(calls, 1);
});

Deno.test("dependency failures and cancels are never retried; timeouts are", async () => {
  await using flow = await WorkflowEngine.create();
  let calls = 0;
  const counted = flow.functionTask((_x: unknown) => {
    calls++;
    return 1;
  }, { retries: { max: 3 } });
  const bad = flow.functionTask(() => {
    throw new Error("upstream");
  })();
  await assertRejects(() => counted(bad));
  assertEquals(calls, 0);
  let runs = 0;
  const slow = flow.functionTask(async () => {
    runs++;
    await new Promise((r) => setTimeout(r, 200));
  }, { timeout: 20, retries: { max: 2 } });
  await assertRejects(() => slow(), TaskTimeoutError);
  assertEquals(runs, 3);
});

Deno.test("bad retry policies, priorities, limits and maxLive are refused naming the field and the value", async () => {
  await using flow = await WorkflowEngine.create({ limits: { api: { concurrency: 2 } } });
  const f = () => 1;
  const cases: [unknown, new (...a: never[]) => Error, string][] = [
    [
      { retries: { max: -1 } },
      RangeError,
      "'retries.max' must be a non-negative integer: received -1",
    ],
    [
      { retries: { max: 1, delay: "x" } },
      TypeError,
      `'retries.delay' must be a non-negative number of ms: received "x"`,
    ],
    [
      { retries: { max: 1, delay: [] } },
      TypeError,
      "'retries.delay' must be a number or a non-empty array",
    ],
    [
      { retries: { max: 1, jitter: 2 } },
      RangeError,
      "'retries.jitter' must be a number from 0 to 1: received 2",
    ],
    [
      { retries: { max: 1, retryIf: true } },
      TypeError,
      "'retries.retryIf' must be a function: received true",
    ],
    [
      { retries: { max: 1, backoff: 0 } },
      RangeError,
      "'retries.backoff' must be a positive number: received 0",
    ],
    [{ retries: { delay: 1 } }, TypeError, "'retries.max' is required"],
    [{ retries: { max: 1, tries: 2 } }, TypeError, `'retries' has an unknown field`],
    [{ priority: NaN }, RangeError, "'priority' must be a finite number: received NaN"],
    [{ priority: "high" }, TypeError, `'priority' must be a finite number: received "high"`],
    [{ limit: "gpu" }, TypeError, `'limit' names an unknown limit (known: api): received "gpu"`],
    [{ limit: [] }, TypeError, "'limit' must be a limit name or a non-empty array"],
    [{ cache: "yes" }, TypeError, `'cache' must be true, false or "deep": received "yes"`],
  ];
  for (const [options, E, msg] of cases) {
    assertThrows(() => flow.functionTask(f, options as never), E, msg);
  }
  assertThrows(() => flow.functionTask(f).with({ limit: "nope" }), TypeError, "unknown limit");
  const badLimits: [unknown, string][] = [
    [{ a: { concurrency: 0 } }, "'a.concurrency' must be a positive integer: received 0"],
    [{ a: { concurrency: -1 } }, "'a.concurrency' must be a positive integer: received -1"],
    [{ a: { concurrency: NaN } }, "'a.concurrency' must be a positive integer: received NaN"],
    [
      { a: { rate: { count: 0, perMs: 10 } } },
      "'a.rate.count' must be a positive integer: received 0",
    ],
    [
      { a: { rate: { count: 1, perMs: 0 } } },
      "'a.rate.perMs' must be a positive number of ms: received 0",
    ],
    [{ a: {} }, "'limits.a' must set 'concurrency' or 'rate'"],
    [{ a: { concurency: 1 } }, "'limits.a' has an unknown field"],
    [[], "'limits' must be an object of named limits"],
  ];
  for (const [limits, msg] of badLimits) {
    await assertRejects(() => WorkflowEngine.create({ limits: limits as never }), Error, msg);
  }
  const square = flow.functionTask((x: number) => x * x);
  for (const maxLive of [0, -1, 1.5, NaN]) {
    assertThrows(
      () => flow.map(square, [1], { maxLive }),
      RangeError,
      "'maxLive' must be a positive integer",
    );
  }
  assertThrows(() => flow.map(square, [1], { maxLive: "2" as never }), TypeError, `received "2"`);
  assertThrows(
    () => flow.map(square, 5 as never),
    TypeError,
    "'inputs' must be an Iterable or AsyncIterable",
  );
  assertThrows(
    () => flow.asCompleted([1 as never]),
    TypeError,
    "'futures[0]' must be a task future",
  );
});

// ---------------------------------------------------------------- priority

Deno.test("block members inherit their block's priority; an explicit one wins", async () => {
  await using flow = await WorkflowEngine.create();
  const seen: [string, number][] = [];
  const probe = flow.functionTask(function probe(label: string) {
    return label;
  });
  class Spy {
    constructor(readonly inner: ReturnType<typeof probe>) {}
  }
  void Spy;
  const b = flow.block(async () => {
    const f = probe("member");
    const g = probe.with({ priority: 1 })("explicit");
    seen.push(["member", (f as unknown as { priority: number }).priority]);
    seen.push(["explicit", (g as unknown as { priority: number }).priority]);
    await Promise.all([f, g]);
  }, { priority: 7 });
  await b();
  assertEquals(seen, [["member", 7], ["explicit", 1]]);
});

// ---------------------------------------------------------------- map and asCompleted

Deno.test("flow.asCompleted yields every future once final, in completion order, failures too", async () => {
  await using flow = await WorkflowEngine.create();
  const wait = flow.functionTask(async (ms: number, fail: boolean) => {
    await new Promise((r) => setTimeout(r, ms));
    if (fail) throw new Error(`failed after ${ms}`);
    return ms;
  });
  const fs = [wait(60, false), wait(10, true), wait(30, false)];
  const order: [string, unknown][] = [];
  for await (const f of flow.asCompleted(fs)) {
    order.push([f.state, f.result ?? (f.error as Error).message]);
  }
  assertEquals(order, [["FAILED", "failed after 10"], ["DONE", 30], ["DONE", 60]]);
  const empty: TaskFuture[] = [];
  for await (const _ of flow.asCompleted(empty)) throw new Error("nothing to yield");
});

Deno.test("flow.map pulls lazily: never more than maxLive started and not yielded", async () => {
  await using flow = await WorkflowEngine.create();
  let live = 0;
  let peak = 0;
  const work = flow.functionTask(async (i: number) => {
    live++;
    peak = Math.max(peak, live);
    await new Promise((r) => setTimeout(r, (i * 7) % 5));
    live--;
    return i;
  });
  let pulled = 0;
  async function* inputs() {
    for (let i = 0; i < 200; i++) {
      pulled++;
      yield i;
    }
  }
  const got: number[] = [];
  for await (const f of flow.map(work, inputs(), { maxLive: 8 })) {
    assertLess(pulled - got.length, 10, "pulled far ahead of what was yielded");
    got.push(f.result!);
  }
  assertEquals(got.sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
  assert(peak <= 8, `peak ${peak} > maxLive 8`);
  // a sync iterable works too
  let n = 0;
  for await (const f of flow.map(work, [1, 2, 3])) n += f.result!;
  assertEquals(n, 6);
});

Deno.test("leaving a flow.map loop early cancels what it started and pulls no more input", async () => {
  await using flow = await WorkflowEngine.create();
  const started: TaskFuture[] = [];
  const hang = flow.functionTask(async (i: number) => {
    if (i !== 0) await new Promise(() => {});
    return 0;
  });
  let pulled = 0;
  let closed = false;
  function* inputs() {
    try {
      for (let i = 0;; i++) {
        pulled++;
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  const fn = (i: number) => {
    const f = hang(i);
    started.push(f);
    return f;
  };
  for await (const f of flow.map(fn, inputs(), { maxLive: 5 })) {
    assertEquals(f.result, 0);
    break;
  }
  assertEquals(pulled, 5);
  assert(closed, "the input iterator was not closed");
  assertEquals(started.map((f) => f.state), [
    "DONE",
    "CANCELLED",
    "CANCELLED",
    "CANCELLED",
    "CANCELLED",
  ]);
});

Deno.test("flow.map ends with the input iterator's error after cancelling what it started", async () => {
  await using flow = await WorkflowEngine.create();
  const hang = flow.functionTask((_i: number) => new Promise(() => {}));
  const started: TaskFuture[] = [];
  async function* inputs() {
    yield 1;
    yield 2;
    throw new Error("the input broke");
  }
  await assertRejects(
    async () => {
      for await (
        const _ of flow.map((i: number) => {
          const f = hang(i);
          started.push(f);
          return f;
        }, inputs())
      ) { /* nothing final yet */ }
    },
    Error,
    "the input broke",
  );
  assertEquals(started.map((f) => f.state), ["CANCELLED", "CANCELLED"]);
});

// ---------------------------------------------------------------- taskContext

Deno.test("taskContext() answers inside inline bodies, sync and async, and is undefined outside", async () => {
  await using flow = await WorkflowEngine.create();
  assertEquals(taskContext(), undefined);
  const sync = flow.functionTask(function syncBody() {
    const c = taskContext()!;
    return [c.uid, c.name, c.attempt, c.workflowId];
  });
  const asyncBody = flow.functionTask(async function asyncBody() {
    await new Promise((r) => setTimeout(r, 5));
    const c = taskContext()!; // after an await: still this task
    return [c.uid, c.name, c.attempt, c.workflowId];
  });
  const [a, b] = await flow.workflowScope("wf-ctx", async () => {
    const a = sync();
    const b = asyncBody();
    return [await a, await b, a.uid, b.uid];
  }).then(([x, y, ua, ub]) => {
    assertEquals((x as unknown[])[0], ua);
    assertEquals((y as unknown[])[0], ub);
    return [x, y];
  });
  assertEquals((a as unknown[]).slice(1), ["syncBody", 1, "wf-ctx"]);
  assertEquals((b as unknown[]).slice(1), ["asyncBody", 1, "wf-ctx"]);
  let attempt = 0;
  const retried = flow.functionTask(() => {
    attempt = taskContext()!.attempt;
    if (attempt < 2) throw new Error("again");
    return attempt;
  }, { retries: 1 });
  assertEquals(await retried(), 2);
  assertEquals(taskContext(), undefined);
});

Deno.test("taskContext().signal aborts on cancel, timeout and shutdown", async () => {
  const flow = await WorkflowEngine.create();
  const reasons: unknown[] = [];
  const watch = flow.functionTask(async function watch() {
    const { signal } = taskContext()!;
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
    reasons.push(signal.reason);
  });
  const a = watch();
  await new Promise((r) => setTimeout(r, 10));
  a.cancel("stop it");
  const b = watch.with({ timeout: 20 })();
  await assertRejects(() => b, TaskTimeoutError);
  const c = watch();
  await new Promise((r) => setTimeout(r, 10));
  await flow.shutdown();
  await new Promise((r) => setTimeout(r, 10));
  assertEquals(reasons.length, 3);
  assert(reasons[0] instanceof CancelledError && reasons[0].reason === "stop it");
  assert(reasons[1] instanceof TaskTimeoutError);
  assert(reasons[2] instanceof CancelledError);
  assertEquals([a.state, c.state], ["CANCELLED", "CANCELLED"]);
});

Deno.test("a body that uses fetch with taskContext().signal stops its request on cancel", async () => {
  let aborted = false;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) =>
    // answers only when the client goes away
    new Promise<Response>((resolve) =>
      req.signal.addEventListener("abort", () => {
        aborted = true;
        resolve(new Response(null));
      })
    ));
  try {
    await using flow = await WorkflowEngine.create();
    const get = flow.functionTask(async function get(url: string) {
      const res = await fetch(url, { signal: taskContext()!.signal });
      return await res.text();
    });
    const f = get(`http://127.0.0.1:${server.addr.port}/`);
    await new Promise((r) => setTimeout(r, 50));
    f.cancel();
    await assertRejects(() => f, CancelledError);
    for (let i = 0; i < 50 && !aborted; i++) await new Promise((r) => setTimeout(r, 10));
    assert(aborted, "the server never saw the request end");
  } finally {
    await server.shutdown();
  }
});

// ---------------------------------------------------------------- limits

Deno.test("a concurrency limit caps tasks from start to final state, on inline and on workers", async () => {
  for (const backend of [undefined, new WorkerBackend({ workers: 2 })]) {
    await using flow = await WorkflowEngine.create({
      ...(backend === undefined ? {} : { backend }),
      limits: { api: { concurrency: 3 } },
    });
    const events: FlowEvent[] = [];
    flow.subscribe((e) => events.push(e));
    const call = flow.functionTask(async function call(i: number) {
      await new Promise((r) => setTimeout(r, 30));
      return i;
    }, { limit: "api" });
    const fs = Array.from({ length: 12 }, (_, i) => call(i));
    // (a worker takes a moment to start)
    for (let i = 0; i < 200 && fs.filter((f) => f.state === "RUNNING").length < 3; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    // at most three run; the waiting ones are PENDING, ready but not submitted
    assert(fs.filter((f) => f.state === "RUNNING").length <= 3);
    const waiting = fs.filter((f) =>
      f.state === "PENDING" &&
      !events.some((e) => e.uid === f.uid && e.type === "TaskSubmitted")
    );
    assertGreaterOrEqual(waiting.length, 6);
    for (const f of waiting) {
      const types = events.filter((e) => e.uid === f.uid).map((e) => e.type);
      assertEquals(types, ["TaskCreated", "TaskReady"]);
    }
    assertEquals(await Promise.all(fs), Array.from({ length: 12 }, (_, i) => i));
    // never more than 3 between TaskStarted and the final event
    let live = 0;
    let peak = 0;
    for (const e of events) {
      if (e.type === "TaskStarted") peak = Math.max(peak, ++live);
      if (e.type === "TaskCompleted" || e.type === "TaskFailed") live--;
    }
    assertEquals(peak, 3);
  }
});

Deno.test("a rate limit admits at most count starts per window, on a timer", async () => {
  await using flow = await WorkflowEngine.create({
    limits: { r: { rate: { count: 4, perMs: 100 } } },
  });
  const starts: number[] = [];
  const t0 = performance.now();
  const tick = flow.functionTask(function tick() {
    starts.push(performance.now() - t0);
  }, { limit: "r" });
  await Promise.all(Array.from({ length: 10 }, () => tick()));
  starts.sort((a, b) => a - b);
  // any window of 100 ms holds at most 4 starts
  for (let i = 4; i < starts.length; i++) {
    assertGreaterOrEqual(starts[i]! - starts[i - 4]!, 95, `starts ${starts.map(Math.round)}`);
  }
  assertGreaterOrEqual(starts[8]!, 190);
});

Deno.test("tasks waiting for a limit start in priority order, creation order among equals", async () => {
  await using flow = await WorkflowEngine.create({ limits: { one: { concurrency: 1 } } });
  const order: string[] = [];
  const step = flow.functionTask(async function step(label: string) {
    order.push(label);
    await new Promise((r) => setTimeout(r, 2));
  }, { limit: "one" });
  const fs = [
    step("a0"),
    step.with({ priority: 1 })("b1"),
    step.with({ priority: 5 })("c5"),
    step("d0"),
    step.with({ priority: 5 })("e5"),
    step.with({ priority: -1 })("f-1"),
  ];
  await Promise.all(fs);
  assertEquals(order, ["c5", "e5", "b1", "a0", "d0", "f-1"]);
});

Deno.test("a task cancelled while it waits for a limit frees nothing it did not hold, and its dependents end", async () => {
  await using flow = await WorkflowEngine.create({ limits: { one: { concurrency: 1 } } });
  const hold = flow.functionTask((ms: number) => new Promise((r) => setTimeout(r, ms)), {
    limit: "one",
  });
  const after = flow.functionTask((x: unknown) => x);
  const first = hold(40);
  const waiting = hold(1);
  const dep = after(waiting);
  await new Promise((r) => setTimeout(r, 5));
  assertEquals([first.state, waiting.state], ["RUNNING", "PENDING"]);
  waiting.cancel();
  assertEquals(dep.state, "CANCELLED");
  const third = hold(1);
  await first;
  await third;
  assertEquals(third.state, "DONE");
});
