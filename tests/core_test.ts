import { assert, assertEquals, assertNotStrictEquals, assertThrows } from "@std/assert";
import {
  CoreError,
  CoreState,
  CoreStatus,
  createCore,
  LimitKind,
  MAX_CAPACITY,
  MAX_LIMITS,
  MAX_SLOTS,
  MAX_TASK_LIMITS,
  Outcome,
  type SchedulerCore,
  SLOT_BITS,
  type TaskId,
} from "../src/core/mod.ts";
import { type CoreExports, createWasmCoreWith } from "../src/core/wasm_core.ts";

const KINDS = ["wasm", "ts"] as const;

function expectCoreError(
  fn: () => unknown,
  code: CoreStatus,
  index: number,
  value: number,
  message: string,
): void {
  const e = assertThrows(fn, CoreError);
  assertEquals([e.code, e.index, e.value], [code, index, value]);
  assertEquals(e.message, message);
}

/** Adds a, b(a); completes a; releases a. Returns [a, b]. */
function recycled(core: SchedulerCore): [TaskId, TaskId] {
  const a = core.add([]);
  const b = core.add([a]);
  core.completeOne(a, Outcome.DONE);
  core.release(1, [a]);
  return [a, b];
}

Deno.test("ready() returns a fresh view when the Wasm memory grows", () => {
  const core = createCore("wasm");
  const a = core.add([]);
  const before = core.ready();
  assertEquals([...before], [a]);
  assertEquals(core.ready(), before, "the view is cached while nothing changes");
  // More than the whole memory holds now, so it must grow (this test runs first).
  const n = Math.max(1 << 16, (before.buffer.byteLength >> 2) + 1);
  assert(n < MAX_SLOTS / 2);
  const ids = new Int32Array(n);
  const memBefore = core.memoryBytes();
  core.addBatch(n, new Int32Array(n), [], ids);
  assert(core.memoryBytes() > memBefore);
  assertEquals(before.length, 0, "the old view is detached");
  const after = core.ready();
  assertNotStrictEquals(after, before);
  assertEquals(after.length, n + 1);
  assertEquals(after[0], a);
  assertEquals(after[n], ids[n - 1]);
  // Writing deps after growth goes to the live memory, not a detached view.
  const b = core.add([ids[0]!, ids[1]!]);
  assertEquals(core.state(b), CoreState.WAITING);
});

for (const kind of KINDS) {
  Deno.test(`${kind}: add() makes a task READY at once when it has no unmet dependency`, () => {
    const core = createCore(kind);
    assertEquals(core.kind, kind);
    const a = core.add([]);
    const b = core.add([a]);
    assertEquals([...core.ready()], [a]);
    assertEquals(core.state(a), CoreState.READY);
    assertEquals(core.state(b), CoreState.WAITING);
    core.clearOutputs();
    core.completeOne(a, Outcome.DONE);
    assertEquals([...core.ready()], [b]);
    const c = core.add([a]);
    assertEquals([...core.ready()], [b, c]);
    assertEquals(core.readyCount(), 2);
  });

  Deno.test(`${kind}: complete() propagates FAILED transitively, breadth first`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    const b = core.add([a]);
    const c = core.add([a]);
    const d = core.add([b]);
    const e = core.add([c, d]);
    core.clearOutputs();
    core.complete(1, [a], [Outcome.FAILED]);
    assertEquals([...core.failed()], [b, a, c, a, d, b, e, c]);
    assertEquals(core.failedCount(), 4);
    assertEquals(core.counts(), {
      waiting: 0,
      ready: 0,
      held: 0,
      admitted: 0,
      done: 0,
      failed: 5,
      cancelled: 0,
      live: 5,
      capacity: 1024,
    });
    // A late dependent of a FAILED task fails at once, naming it as the cause.
    const f = core.add([e]);
    assertEquals(core.failed().subarray(8), new Int32Array([f, e]));
  });

  Deno.test(`${kind}: complete() walks many dependents in the order they were added`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    const b = core.add([]);
    // 40 dependents each, added alternately, so the two lists interleave.
    const onA: number[] = [];
    const onB: number[] = [];
    for (let i = 0; i < 40; i++) {
      onA.push(core.add([a]));
      onB.push(core.add([b]));
    }
    core.clearOutputs();
    core.completeOne(a, Outcome.DONE);
    assertEquals([...core.ready()], onA);
    core.clearOutputs();
    core.completeOne(b, Outcome.FAILED);
    assertEquals([...core.failed()], onB.flatMap((t) => [t, b]));
    core.clearOutputs();
    // The freed lists are reused: a second round gives the same answers.
    core.complete(40, onA, new Array(40).fill(Outcome.DONE));
    core.release(82, [a, b, ...onA, ...onB]);
    const c = core.add([]);
    const onC: number[] = [];
    for (let i = 0; i < 25; i++) onC.push(core.add([c]));
    const last = core.add(onC);
    core.clearOutputs();
    core.completeOne(c, Outcome.DONE);
    assertEquals([...core.ready()], onC);
    core.clearOutputs();
    core.complete(25, onC, new Array(25).fill(Outcome.DONE));
    assertEquals([...core.ready()], [last]);
    assertEquals(core.counts().waiting, 0);
  });

  Deno.test(`${kind}: cancel() cancels WAITING and READY tasks and their dependents`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    const b = core.add([a]);
    const c = core.add([b]);
    const d = core.add([]);
    core.completeOne(d, Outcome.DONE);
    core.clearOutputs();
    assertEquals(core.cancel(3, [b, d, b]), 1);
    assertEquals([...core.cancelled()], [b, -1, c, b]);
    assertEquals(core.state(a), CoreState.READY);
    assertEquals(core.state(d), CoreState.DONE);
    const e = core.add([d, c]);
    assertEquals([...core.cancelled()], [b, -1, c, b, e, c]);
    assertEquals(core.counts().cancelled, 3);
  });

  Deno.test(`${kind}: addBatch() resolves local dependencies and writes ids`, () => {
    const core = createCore(kind);
    const x = core.add([]);
    const ids = new Int32Array(4);
    core.addBatch(4, [1, 1, 2, 0], [x, -1, -1, -2], ids);
    assertEquals([...ids], [1, 2, 3, 4]);
    assertEquals([...core.ready()], [x, 4]);
    core.completeOne(x, Outcome.DONE);
    core.completeOne(1 as TaskId, Outcome.DONE);
    assertEquals([...core.ready()], [x, 4, 1, 2]);
  });

  Deno.test(`${kind}: release() recycles slots first in, first out, under a new generation`, () => {
    const core = createCore(kind);
    const [a] = recycled(core);
    // Fresh slots are used before released ones: 1022 of them remain.
    let n = 0;
    let id: TaskId;
    do {
      id = core.add([]);
      core.cancel(1, [id]);
      core.release(1, [id]);
      n++;
    } while (id >>> SLOT_BITS === 0);
    assertEquals(n, core.counts().capacity - 1);
    assertEquals(id & ((1 << SLOT_BITS) - 1), a);
    assertEquals(id >>> SLOT_BITS, 1);
  });

  Deno.test(`${kind}: state() throws UNKNOWN_ID for an id never issued`, () => {
    const core = createCore(kind);
    core.add([]);
    expectCoreError(
      () => core.state(7 as TaskId),
      CoreStatus.UNKNOWN_ID,
      0,
      7,
      "Cannot read task state as the id was never issued by this core: received 7",
    );
    expectCoreError(
      () => core.state(-1 as TaskId),
      CoreStatus.UNKNOWN_ID,
      0,
      -1,
      "Cannot read task state as the id was never issued by this core: received -1",
    );
  });

  Deno.test(`${kind}: completeOne() throws STALE_ID for a released id`, () => {
    const core = createCore(kind);
    const [a] = recycled(core);
    expectCoreError(
      () => core.completeOne(a, Outcome.DONE),
      CoreStatus.STALE_ID,
      0,
      a,
      "Cannot complete task as the id names a released task (its slot may hold another task now): received 0",
    );
  });

  Deno.test(`${kind}: complete() throws ALREADY_FINAL for a double completion`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    core.completeOne(a, Outcome.DONE);
    expectCoreError(
      () => core.completeOne(a, Outcome.FAILED),
      CoreStatus.ALREADY_FINAL,
      0,
      a,
      "Cannot complete task as the task is already final: received 0",
    );
    const b = core.add([]);
    expectCoreError(
      () => core.complete(2, [b, b], [Outcome.DONE, Outcome.DONE]),
      CoreStatus.ALREADY_FINAL,
      1,
      b,
      "Cannot complete task as the task is already final (batch index 1): received 1",
    );
    assertEquals(core.state(b), CoreState.READY);
  });

  Deno.test(`${kind}: add() throws STALE_ID for a dependency on a recycled id`, () => {
    const core = createCore(kind);
    const [a] = recycled(core);
    const before = core.counts();
    expectCoreError(
      () => core.add([a]),
      CoreStatus.STALE_ID,
      0,
      a,
      "Cannot add task as the id names a released task (its slot may hold another task now) (batch index 0): received 0",
    );
    assertEquals(core.counts(), before);
  });

  Deno.test(`${kind}: complete() throws NOT_READY for a WAITING task and applies nothing`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    const b = core.add([a]);
    core.clearOutputs();
    expectCoreError(
      () => core.complete(2, [a, b], [Outcome.DONE, Outcome.DONE]),
      CoreStatus.NOT_READY,
      1,
      b,
      "Cannot complete task as the task is still waiting on dependencies (batch index 1): received 1",
    );
    assertEquals(core.state(a), CoreState.READY);
    assertEquals(core.readyCount(), 0);
    core.complete(1, [a], [Outcome.DONE]);
    assertEquals([...core.ready()], [b]);
  });

  Deno.test(`${kind}: complete() throws BAD_OUTCOME for an outcome that is not final`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    expectCoreError(
      () => core.completeOne(a, CoreState.READY as Outcome),
      CoreStatus.BAD_OUTCOME,
      0,
      2,
      "Cannot complete task as the outcome must be DONE (3), FAILED (4) or CANCELLED (5): received 2",
    );
    expectCoreError(
      () => core.complete(1, [a], [9]),
      CoreStatus.BAD_OUTCOME,
      0,
      9,
      "Cannot complete task as the outcome must be DONE (3), FAILED (4) or CANCELLED (5) (batch index 0): received 9",
    );
    assertEquals(core.state(a), CoreState.READY);
  });

  Deno.test(`${kind}: release() throws NOT_FINAL and STALE_ID and applies nothing`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    const b = core.add([]);
    core.completeOne(a, Outcome.DONE);
    expectCoreError(
      () => core.release(2, [a, b]),
      CoreStatus.NOT_FINAL,
      1,
      b,
      "Cannot release task as the task is not final yet (batch index 1): received 1",
    );
    expectCoreError(
      () => core.release(2, [a, a]),
      CoreStatus.STALE_ID,
      1,
      a,
      "Cannot release task as the id names a released task (its slot may hold another task now) (batch index 1): received 0",
    );
    assertEquals(core.state(a), CoreState.DONE);
    core.release(1, [a]);
    assertEquals(core.counts().live, 1);
  });

  Deno.test(`${kind}: addBatch() throws BAD_INPUT for malformed batches`, () => {
    const core = createCore(kind);
    const ids = new Int32Array(4);
    expectCoreError(
      () => core.addBatch(-1, [], [], ids),
      CoreStatus.BAD_INPUT,
      -1,
      -1,
      "Cannot add tasks as the batch is malformed (bad count, or a local dependency that names no earlier task): received -1",
    );
    expectCoreError(
      () => core.addBatch(2, [0, -3], [], ids),
      CoreStatus.BAD_INPUT,
      1,
      -3,
      "Cannot add tasks as the batch is malformed (bad count, or a local dependency that names no earlier task) (batch index 1): received -3",
    );
    expectCoreError(
      () => core.addBatch(2, [0, 2], [-1], ids),
      CoreStatus.BAD_INPUT,
      1,
      2,
      "Cannot add tasks as the batch is malformed (bad count, or a local dependency that names no earlier task) (batch index 1): received 2",
    );
    expectCoreError(
      () => core.addBatch(2, [0, 1], [-2], ids),
      CoreStatus.BAD_INPUT,
      0,
      -2,
      "Cannot add tasks as the batch is malformed (bad count, or a local dependency that names no earlier task) (batch index 0): received -2",
    );
    expectCoreError(
      () => core.addBatch(2, [1, 0], [5], ids),
      CoreStatus.UNKNOWN_ID,
      0,
      5,
      "Cannot add tasks as the id was never issued by this core (batch index 0): received 5",
    );
    expectCoreError(
      () => core.cancel(3, [1]),
      CoreStatus.BAD_INPUT,
      -1,
      3,
      "Cannot cancel task as the batch is malformed (bad count, or a local dependency that names no earlier task): received 3",
    );
    assertEquals(core.counts().live, 0);
  });

  Deno.test(`${kind}: addBatch() throws FULL beyond MAX_SLOTS live tasks`, () => {
    const core = createCore(kind);
    const n = MAX_SLOTS;
    const ids = new Int32Array(n);
    core.addBatch(n - 1, new Int32Array(n - 1), [], ids);
    expectCoreError(
      () => core.addBatch(2, [0, 0], [], ids),
      CoreStatus.FULL,
      -1,
      2,
      `Cannot add tasks as more than ${MAX_SLOTS} tasks would be live: received 2`,
    );
    core.add([]);
    assertThrows(() => core.add([]), CoreError, "would be live");
    assertEquals(core.counts().live, n);
  });

  Deno.test(`${kind}: reset() forgets every task and reissues ids from the start`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    core.add([a]);
    core.reset();
    assertEquals(core.counts().live, 0);
    assertEquals(core.readyCount(), 0);
    assertThrows(() => core.state(a), CoreError, "never issued");
    assertEquals(core.add([]), a);
  });

  Deno.test(`${kind}: release() retires a slot whose generation would wrap`, () => {
    const core = createCore(kind);
    const mask = (1 << SLOT_BITS) - 1;
    const n = 512;
    const ids = new Int32Array(n);
    const none = new Int32Array(n);
    // 1024 slots, half used per round: slot s issues generation g in round 2g + (s >> 9).
    for (let round = 0; round < 1023; round++) {
      core.addBatch(n, none, [], ids);
      core.cancel(n, ids);
      core.release(n, ids);
    }
    assertEquals(core.counts().capacity, 1024);
    assertEquals([ids[0]! >>> SLOT_BITS, ids[0]! & mask], [511, 0]);
    expectCoreError(
      () => core.state(ids[0]! as TaskId),
      CoreStatus.STALE_ID,
      0,
      ids[0]!,
      `Cannot read task state as the id names a released task (its slot may hold another task now): received ${
        ids[0]
      }`,
    );
    const next = core.add([]);
    assertEquals([next >>> SLOT_BITS, next & mask], [0, 1024], "retired slots are not reused");
    // 512 retired + 1 live need 2 x 513 slots.
    assertEquals(core.counts().capacity, 2048);
  });
}

const { CONCURRENCY, RATE } = LimitKind;

/** Takes the admitted list and clears every output. */
function admittedNow(core: SchedulerCore): number[] {
  const a = [...core.admitted()];
  core.clearOutputs();
  return a;
}

for (const kind of KINDS) {
  Deno.test(`${kind}: admit() admits by priority, then creation order, one unit at a time`, () => {
    const core = createCore(kind);
    assertEquals(core.setLimit(7, 1, CONCURRENCY), 0);
    const a = core.add([], 0, 0, [7]);
    const b = core.add([], 0, 5, [7]);
    const c = core.add([], 0, 5, [7]);
    const d = core.add([], 0, -1.5, [7]);
    const e = core.add([], 0, 0, [7]);
    const free = core.add([]);
    assertEquals([...core.ready()], [a, b, c, d, e, free]);
    core.clearOutputs();
    assertEquals(core.admit(6, [e, d, c, free, b, a]), 2);
    // the batch is considered best first: b takes the unit, free needs none
    assertEquals(admittedNow(core), [b, free]);
    assertEquals([core.state(b), core.state(a), core.state(free)], [
      CoreState.ADMITTED,
      CoreState.HELD,
      CoreState.ADMITTED,
    ]);
    assertEquals(core.limitState(7), { capacity: 1, taken: 1, kind: CONCURRENCY });
    const order: number[] = [];
    for (let id = b; order.length < 4; id = order.at(-1)! as TaskId) {
      core.completeOne(id, Outcome.DONE);
      order.push(...admittedNow(core));
    }
    assertEquals(order, [c, a, e, d]);
    core.completeOne(d, Outcome.DONE);
    assertEquals(core.limitState(7).taken, 0);
    assertEquals(core.counts().done, 5);
  });

  Deno.test(`${kind}: complete() and cancel() give back CONCURRENCY units to waiters`, () => {
    const core = createCore(kind);
    core.setLimit(0, 2, CONCURRENCY);
    const ids = [0, 1, 2, 3, 4].map(() => core.add([], 0, 0, [0]));
    core.clearOutputs();
    assertEquals(core.admit(5, ids), 2);
    assertEquals(admittedNow(core), ids.slice(0, 2));
    assertEquals(core.counts().held, 3);
    core.complete(1, [ids[0]!], [Outcome.FAILED]);
    assertEquals(admittedNow(core), [ids[2]]);
    assertEquals(core.cancel(1, [ids[1]!]), 1);
    assertEquals([...core.cancelled()], [ids[1], -1]);
    assertEquals(admittedNow(core), [ids[3]]);
    // a cancelled waiter leaves its queue: the next unit goes past it
    core.cancel(1, [ids[4]!]);
    core.completeOne(ids[2]! as TaskId, Outcome.CANCELLED);
    assertEquals(admittedNow(core), []);
    assertEquals(core.limitState(0).taken, 1);
    assertEquals(core.counts(), {
      waiting: 0,
      ready: 0,
      held: 0,
      admitted: 1,
      done: 0,
      failed: 1,
      cancelled: 3,
      live: 5,
      capacity: 1024,
    });
  });

  Deno.test(`${kind}: giveBack() returns RATE units, which completion does not`, () => {
    const core = createCore(kind);
    core.setLimit(3, 2, RATE);
    const ids = [0, 1, 2, 3].map(() => core.add([], 0, 0, [3]));
    core.clearOutputs();
    assertEquals(core.admit(4, ids), 2);
    core.complete(2, ids.slice(0, 2), [Outcome.DONE, Outcome.DONE]);
    assertEquals(admittedNow(core), ids.slice(0, 2), "completion gives back no RATE unit");
    assertEquals(core.limitState(3), { capacity: 2, taken: 2, kind: RATE });
    assertEquals(core.giveBack(3, 1), 1);
    assertEquals(admittedNow(core), [ids[2]]);
    assertEquals(core.giveBack(3, 0), 0);
    assertEquals(core.giveBack(3, 2), 1);
    assertEquals(admittedNow(core), [ids[3]]);
    assertEquals(core.limitState(3).taken, 1);
  });

  Deno.test(`${kind}: admit() with several limits waits in one queue, then moves`, () => {
    const core = createCore(kind);
    core.setLimit(1, 1, CONCURRENCY);
    core.setLimit(2, 1, CONCURRENCY);
    const t1 = core.add([], 0, 0, [2]);
    const t2 = core.add([], 0, 9, [1, 2]);
    const t3 = core.add([], 0, 0, [1]);
    core.clearOutputs();
    core.admit(1, [t1]);
    core.admit(1, [t2]);
    assertEquals(core.state(t2), CoreState.HELD, "waits for limit 2, limit 1 is free");
    core.admit(1, [t3]);
    assertEquals(admittedNow(core), [t1, t3], "t3 overtakes t2: units are not reserved");
    core.completeOne(t1, Outcome.DONE);
    assertEquals(admittedNow(core), [], "t2 leaves limit 2's queue for limit 1's");
    assertEquals(core.state(t2), CoreState.HELD);
    assertEquals(core.limitState(2).taken, 0);
    core.completeOne(t3, Outcome.DONE);
    assertEquals(admittedNow(core), [t2]);
    assertEquals([core.limitState(1).taken, core.limitState(2).taken], [1, 1]);
    core.completeOne(t2, Outcome.DONE);
    assertEquals([core.limitState(1).taken, core.limitState(2).taken], [0, 0]);
  });

  Deno.test(`${kind}: cancel() of a HELD task propagates to its dependents`, () => {
    const core = createCore(kind);
    core.setLimit(0, 1, CONCURRENCY);
    const a = core.add([], 0, 0, [0]);
    const b = core.add([], 0, 0, [0]);
    const c = core.add([b]);
    core.admit(2, [a, b]);
    core.clearOutputs();
    assertEquals(core.state(b), CoreState.HELD);
    assertEquals(core.cancel(1, [b]), 1);
    assertEquals([...core.cancelled()], [b, -1, c, b]);
    assertEquals(core.counts().held, 0);
    core.clearOutputs();
    core.completeOne(a, Outcome.DONE);
    assertEquals(admittedNow(core), [], "the cancelled waiter is not admitted");
    assertEquals(core.limitState(0).taken, 0);
  });

  Deno.test(`${kind}: complete() takes a READY task that was never admitted`, () => {
    const core = createCore(kind);
    core.setLimit(0, 1, CONCURRENCY);
    const a = core.add([], 0, 0, [0]);
    const b = core.add([a], 1, 0, [0]);
    core.clearOutputs();
    core.completeOne(a, Outcome.DONE); // a journal hit: no unit was taken
    assertEquals([...core.ready()], [b]);
    assertEquals(core.limitState(0).taken, 0);
    const x = core.add([], 0, 0, [0]);
    core.admit(2, [b, x]);
    assertEquals(admittedNow(core), [b]);
    core.complete(1, [x], [Outcome.DONE]); // a HELD task completed: it leaves the queue
    assertEquals(core.counts().held, 0);
    core.completeOne(b, Outcome.DONE);
    assertEquals(admittedNow(core), []);
    assertEquals(core.limitState(0).taken, 0);
  });

  Deno.test(`${kind}: setLimit() raising the capacity admits waiters at once`, () => {
    const core = createCore(kind);
    core.setLimit(5, 1, CONCURRENCY);
    const ids = [0, 1, 2, 3].map((i) => core.add([], 0, i, [5]));
    core.clearOutputs();
    core.admit(4, ids);
    assertEquals(admittedNow(core), [ids[3]]);
    assertEquals(core.setLimit(5, 3, CONCURRENCY), 2);
    assertEquals(admittedNow(core), [ids[2], ids[1]]);
    // lowered below the units taken: nobody is admitted until enough come back
    assertEquals(core.setLimit(5, 1, CONCURRENCY), 0);
    core.complete(2, [ids[3]!, ids[2]!], [Outcome.DONE, Outcome.DONE]);
    assertEquals(admittedNow(core), []);
    core.completeOne(ids[1]! as TaskId, Outcome.DONE);
    assertEquals(admittedNow(core), [ids[0]]);
  });

  Deno.test(`${kind}: complete() outputs ready ids by priority while a task has one`, () => {
    const core = createCore(kind);
    const a = core.add([]);
    const b = core.add([]);
    const b1 = core.add([b], 1, 0);
    const a1 = core.add([a], 1, 1);
    const a2 = core.add([a], 1, 3);
    const a3 = core.add([a], 1, 3);
    const a4 = core.add([a], 1, -2);
    core.clearOutputs();
    core.complete(2, [b, a], [Outcome.DONE, Outcome.DONE]);
    assertEquals([...core.ready()], [a2, a3, a1, b1, a4]);
    core.clearOutputs();
    core.complete(5, [a1, a2, a3, a4, b1], [3, 3, 3, 3, 3]);
    core.release(7, [a, b, a1, a2, a3, a4, b1]);
    // no live task has a priority: the order is the order they became ready
    const c = core.add([]);
    const d = core.add([]);
    const d1 = core.add([d]);
    const c1 = core.add([c]);
    core.clearOutputs();
    core.complete(2, [d, c], [Outcome.DONE, Outcome.DONE]);
    assertEquals([...core.ready()], [d1, c1]);
  });

  Deno.test(`${kind}: admit() keeps its order after many waiters were cancelled`, () => {
    const core = createCore(kind);
    core.setLimit(0, 1, CONCURRENCY);
    const holder = core.add([], 0, 0, [0]);
    core.admit(1, [holder]);
    const ids: number[] = [];
    for (let i = 0; i < 200; i++) ids.push(core.add([], 0, (i * 37) % 11, [0]));
    core.admit(200, ids);
    assertEquals(core.counts().held, 200);
    // cancel 180 of them: their entries go stale and the queue is compacted
    const gone = ids.filter((_, i) => i % 10 !== 3);
    core.cancel(gone.length, gone);
    const left = ids.filter((_, i) => i % 10 === 3);
    const prio = (id: number) => (ids.indexOf(id) * 37) % 11;
    const want = [...left].sort((x, y) => prio(y) - prio(x) || x - y);
    core.clearOutputs();
    const got: number[] = [];
    let id = holder;
    while (got.length < left.length) {
      core.completeOne(id, Outcome.DONE);
      const a = admittedNow(core);
      assertEquals(a.length, 1);
      got.push(a[0]!);
      id = a[0]! as TaskId;
    }
    assertEquals(got, want);
  });

  Deno.test(`${kind}: admit() order skips a stale entry whose slot holds another task`, () => {
    const core = createCore(kind);
    core.setLimit(0, 1, CONCURRENCY);
    const h = core.add([], 0, 0, [0]);
    core.admit(1, [h]);
    const [s, a2, c, b] = [0, 1, 2, 3].map(() => core.add([], 0, 0, [0]));
    core.admit(3, [s!, a2!, b!]); // in order: queued in the run
    core.admit(1, [c!]); // sorts before the run's last (b): queued in the heap
    core.cancel(1, [s!]);
    core.release(1, [s!]);
    // cycle fresh slots until s's slot holds a new task (whose key sorts last)
    const mask = (1 << SLOT_BITS) - 1;
    for (;;) {
      const x = core.add([]);
      if ((x & mask) === (s! & mask)) break;
      core.cancel(1, [x]);
      core.release(1, [x]);
    }
    core.clearOutputs();
    const order: number[] = [];
    for (let id = h; order.length < 3; id = order.at(-1)! as TaskId) {
      core.completeOne(id, Outcome.DONE);
      order.push(...admittedNow(core));
    }
    assertEquals(order, [a2, c, b]);
  });

  Deno.test(`${kind}: add() gives a plain task no priority or limit left by its slot`, () => {
    const core = createCore(kind);
    const mask = (1 << SLOT_BITS) - 1;
    core.setLimit(0, 1, CONCURRENCY);
    const holder = core.add([], 0, 0, [0]);
    core.admit(1, [holder]);
    // a task with a priority and a limit ends and is released
    const old = core.add([], 0, 9, [0]);
    core.completeOne(old, Outcome.CANCELLED);
    core.release(1, [old]);
    let reused = -1;
    for (;;) {
      const x = core.add([]);
      if ((x & mask) === (old & mask)) {
        reused = x;
        break;
      }
      core.cancel(1, [x]);
      core.release(1, [x]);
    }
    const other = core.add([], 0, 1);
    core.clearOutputs();
    // plain: admitted at once although limit 0 is full, and sorted as priority 0
    assertEquals(core.admit(2, [reused, other]), 2);
    assertEquals([...core.admitted()], [other, reused]);
    assertEquals(core.limitState(0).taken, 1);
    // reset() cleans the slots too: slot 0 held `holder`, with a limit
    core.reset();
    core.setLimit(0, 1, CONCURRENCY);
    const plain = [0, 1, 2].map(() => core.add([]));
    assertEquals(plain[0]! & mask, holder & mask);
    const a = core.add([], 0, 0, [0]);
    core.admit(1, [a]);
    core.clearOutputs();
    assertEquals(core.admit(3, plain), 3);
    assertEquals([...core.admitted()], plain);
  });

  Deno.test(`${kind}: takeOutputs() copies and clears the admitted list when given one`, () => {
    const core = createCore(kind);
    core.setLimit(0, 1, CONCURRENCY);
    const a = core.add([], 0, 0, [0]);
    core.admit(1, [a]);
    const [r, f, c, ad] = [
      new Int32Array(4),
      new Int32Array(4),
      new Int32Array(4),
      new Int32Array(4),
    ];
    core.takeOutputs(r, f, c);
    assertEquals([core.readyCount(), core.admittedCount()], [0, 1], "admitted is left");
    assertThrows(
      () => core.takeOutputs(r, f, c, new Int32Array(0)),
      RangeError,
      `Cannot take outputs as a buffer is too small (ready/failed/cancelled/admitted need 0/0/0/1): received "4/4/4/0"`,
    );
    core.takeOutputs(r, f, c, ad);
    assertEquals([ad[0], core.admittedCount()], [a, 0]);
  });

  Deno.test(`${kind}: reset() forgets limits`, () => {
    const core = createCore(kind);
    core.setLimit(4, 2, RATE);
    const a = core.add([], 0, 0, [4]);
    core.admit(1, [a]);
    core.reset();
    assertEquals(core.counts().admitted, 0);
    assertThrows(() => core.limitState(4), CoreError, "names no limit");
    assertThrows(() => core.add([], 0, 0, [4]), CoreError, "names no limit");
    core.setLimit(4, 1, CONCURRENCY); // a new limit: it may take another kind
    assertEquals(core.limitState(4), { capacity: 1, taken: 0, kind: CONCURRENCY });
  });

  Deno.test(`${kind}: admit() throws for tasks that are not READY and applies nothing`, () => {
    const core = createCore(kind);
    core.setLimit(0, 1, CONCURRENCY);
    const a = core.add([], 0, 0, [0]);
    const b = core.add([], 0, 0, [0]);
    const w = core.add([a]);
    const f = core.add([]);
    core.completeOne(f, Outcome.DONE);
    core.admit(2, [a, b]);
    const c = core.add([], 0, 0, [0]);
    core.clearOutputs();
    const before = core.counts();
    expectCoreError(
      () => core.admit(2, [c, w]),
      CoreStatus.NOT_READY,
      1,
      w,
      `Cannot admit task as the task is still waiting on dependencies (batch index 1): received ${w}`,
    );
    expectCoreError(
      () => core.admit(2, [c, b]),
      CoreStatus.ALREADY_ADMITTED,
      1,
      b,
      `Cannot admit task as the task was admitted already (it is HELD or ADMITTED, or named twice) (batch index 1): received ${b}`,
    );
    expectCoreError(
      () => core.admit(2, [c, c]),
      CoreStatus.ALREADY_ADMITTED,
      1,
      c,
      `Cannot admit task as the task was admitted already (it is HELD or ADMITTED, or named twice) (batch index 1): received ${c}`,
    );
    expectCoreError(
      () => core.admit(2, [c, a]),
      CoreStatus.ALREADY_ADMITTED,
      1,
      a,
      `Cannot admit task as the task was admitted already (it is HELD or ADMITTED, or named twice) (batch index 1): received ${a}`,
    );
    expectCoreError(
      () => core.admit(2, [c, f]),
      CoreStatus.ALREADY_FINAL,
      1,
      f,
      `Cannot admit task as the task is already final (batch index 1): received ${f}`,
    );
    expectCoreError(
      () => core.admit(1, [999]),
      CoreStatus.UNKNOWN_ID,
      0,
      999,
      "Cannot admit task as the id was never issued by this core (batch index 0): received 999",
    );
    assertEquals(core.counts(), before);
    assertEquals(core.state(c), CoreState.READY);
    assertEquals(core.admittedCount(), 0);
    core.admit(1, [c]);
    assertEquals(core.state(c), CoreState.HELD);
  });

  Deno.test(`${kind}: add() throws for bad limits and priorities and adds nothing`, () => {
    const core = createCore(kind);
    core.setLimit(0, 1, CONCURRENCY);
    core.setLimit(1, 1, RATE);
    expectCoreError(
      () => core.add([], 0, 0, [0, 2]),
      CoreStatus.UNKNOWN_LIMIT,
      1,
      2,
      "Cannot add task as the limit id names no limit set with setLimit() (ids are integers from 0 to 4095; reset() forgets limits) (limit index 1): received 2",
    );
    expectCoreError(
      () => core.add([], 0, 0, [MAX_LIMITS]),
      CoreStatus.UNKNOWN_LIMIT,
      0,
      MAX_LIMITS,
      "Cannot add task as the limit id names no limit set with setLimit() (ids are integers from 0 to 4095; reset() forgets limits) (limit index 0): received 4096",
    );
    expectCoreError(
      () => core.add([], 0, 0, [1, 0, 1]),
      CoreStatus.DUPLICATE_LIMIT,
      2,
      1,
      "Cannot add task as the task names this limit twice (limit index 2): received 1",
    );
    const nine = Array.from({ length: MAX_TASK_LIMITS + 1 }, (_, i) => i);
    expectCoreError(
      () => core.add([], 0, 0, nine),
      CoreStatus.TOO_MANY_LIMITS,
      -1,
      9,
      "Cannot add task as a task takes at most 8 limits: received 9",
    );
    expectCoreError(
      () => core.add([], 0, NaN),
      CoreStatus.BAD_PRIORITY,
      -1,
      NaN,
      "Cannot add task as the priority must be a finite number: received NaN",
    );
    assertThrows(() => core.add([], 0, Infinity, [0]), CoreError, "finite number");
    expectCoreError(
      () => core.add([], 0, 0, [0], 2),
      CoreStatus.BAD_INPUT,
      -1,
      2,
      "Cannot add task as the batch is malformed (bad count, or a local dependency that names no earlier task): received 2",
    );
    expectCoreError(
      () => core.add([77], 1, 1, [0]),
      CoreStatus.UNKNOWN_ID,
      0,
      77,
      "Cannot add task as the id was never issued by this core (batch index 0): received 77",
    );
    assertEquals(core.counts().live, 0);
    const ok = core.add([], 0, 2.5, [1, 0], 1);
    core.admit(1, [ok]);
    assertEquals([core.limitState(1).taken, core.limitState(0).taken], [1, 0]);
  });

  Deno.test(`${kind}: setLimit(), giveBack() and limitState() throw for bad arguments`, () => {
    const core = createCore(kind);
    core.setLimit(0, 2, CONCURRENCY);
    core.setLimit(MAX_LIMITS - 1, 1, RATE);
    const unknown =
      "the limit id names no limit set with setLimit() (ids are integers from 0 to 4095; reset() forgets limits)";
    for (const l of [-1, MAX_LIMITS, 1.5]) {
      expectCoreError(
        () => core.setLimit(l, 1, CONCURRENCY),
        CoreStatus.UNKNOWN_LIMIT,
        -1,
        l,
        `Cannot set limit as ${unknown}: received ${l}`,
      );
    }
    for (const cap of [0, MAX_CAPACITY + 1, 1.5]) {
      expectCoreError(
        () => core.setLimit(0, cap, CONCURRENCY),
        CoreStatus.BAD_CAPACITY,
        -1,
        cap,
        `Cannot set limit as the capacity must be an integer from 1 to 1073741824: received ${cap}`,
      );
    }
    const kindMessage =
      "Cannot set limit as the kind must be CONCURRENCY (0) or RATE (1), and the kind the limit was set with";
    expectCoreError(
      () => core.setLimit(0, 1, 2 as LimitKind),
      CoreStatus.BAD_KIND,
      -1,
      2,
      `${kindMessage}: received 2`,
    );
    expectCoreError(
      () => core.setLimit(0, 1, RATE),
      CoreStatus.BAD_KIND,
      -1,
      RATE,
      `${kindMessage}: received 1`,
    );
    expectCoreError(
      () => core.giveBack(3, 1),
      CoreStatus.UNKNOWN_LIMIT,
      -1,
      3,
      `Cannot give back units as ${unknown}: received 3`,
    );
    expectCoreError(
      () => core.giveBack(0, 1),
      CoreStatus.NOT_RATE,
      -1,
      0,
      "Cannot give back units as the limit is not a RATE limit (CONCURRENCY units come back when their tasks end): received 0",
    );
    for (const n of [1, -1, 0.5]) {
      expectCoreError(
        () => core.giveBack(MAX_LIMITS - 1, n),
        CoreStatus.BAD_GIVEBACK,
        -1,
        n,
        `Cannot give back units as the count must be an integer from 0 to the units the limit has taken: received ${n}`,
      );
    }
    expectCoreError(
      () => core.limitState(9),
      CoreStatus.UNKNOWN_LIMIT,
      -1,
      9,
      `Cannot read limit state as ${unknown}: received 9`,
    );
    assertEquals(core.limitState(0), { capacity: 2, taken: 0, kind: CONCURRENCY });
    assertEquals(core.limitState(MAX_LIMITS - 1), { capacity: 1, taken: 0, kind: RATE });
  });
}

Deno.test("createWasmCore() returns independent cores that share one module", () => {
  const a = createCore("wasm");
  const b = createCore("wasm");
  const x = a.add([]);
  a.add([x]);
  assertEquals(b.counts().live, 0);
  const y = b.add([]);
  assertEquals(y, x);
  b.completeOne(y, Outcome.FAILED);
  assertEquals(a.state(x), CoreState.READY);
  assertEquals(a.failedCount(), 0);
  assertEquals(b.state(y), CoreState.FAILED);
});

Deno.test("createWasmCore() keeps outputs cleared while another core is called", () => {
  const a = createCore("wasm");
  const b = createCore("wasm");
  const x = a.add([]);
  a.add([x]);
  a.clearOutputs();
  b.add([]);
  assertEquals(a.readyCount(), 0, "a's cleared outputs stay cleared");
  a.completeOne(x, Outcome.DONE);
  assertEquals(a.readyCount(), 1);
  const r = new Int32Array(4);
  a.takeOutputs(r, r, r, r);
  b.add([]);
  assertEquals([a.readyCount(), b.readyCount()], [0, 2]);
});

Deno.test("createWasmCore() keeps the limits and queues of its cores apart", () => {
  const a = createCore("wasm");
  const b = createCore("wasm");
  a.setLimit(0, 1, CONCURRENCY);
  b.setLimit(0, 2, RATE);
  const xs = [1, 2, 3].map((p) => a.add([], 0, p, [0]));
  const ys = [1, 2, 3].map((p) => b.add([], 0, -p, [0]));
  a.admit(3, xs);
  b.admit(3, ys);
  assertEquals([admittedNow(a), admittedNow(b)], [[xs[2]], [ys[0], ys[1]]]);
  a.completeOne(xs[2]! as TaskId, Outcome.DONE);
  b.giveBack(0, 1);
  assertEquals([admittedNow(a), admittedNow(b)], [[xs[1]], [ys[2]]]);
  assertEquals(a.limitState(0), { capacity: 1, taken: 1, kind: CONCURRENCY });
  assertEquals(b.limitState(0), { capacity: 2, taken: 2, kind: RATE });
  assertEquals([a.counts().held, b.counts().held], [1, 0]);
});

Deno.test("createCore() throws RangeError for an unknown kind", () => {
  assertThrows(
    () => createCore("js" as "ts"),
    RangeError,
    `Cannot create core as 'kind' must be "wasm" or "ts": received "js"`,
  );
});

/** A fake module: one page of memory, a header at 64, an input buffer at 1024. */
function fakeExports(): CoreExports & { grows: number } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const H = 64;
  const offsets = {
    H_IN_PTR: 0,
    H_IN_CAP: 4,
    H_READY_PTR: 8,
    H_READY_LEN: 12,
    H_FAILED_PTR: 20,
    H_FAILED_LEN: 24,
    H_CANCELLED_PTR: 32,
    H_CANCELLED_LEN: 36,
    H_ERR_INDEX: 44,
    H_ERR_VALUE: 48,
    H_WAITING: 52,
    H_READY: 56,
    H_DONE: 60,
    H_FAILED: 64,
    H_CANCELLED: 68,
    H_LIVE: 72,
    H_SLOT_CAP: 76,
    H_BYTES: 80,
    H_ADMITTED_PTR: 132,
    H_ADMITTED_LEN: 136,
    H_HELD: 144,
    H_ADMITTED: 148,
  };
  const heap = () => new Int32Array(memory.buffer);
  const fake = {
    memory,
    ...offsets,
    grows: 0,
    create() {
      const m = heap();
      m[(H + offsets.H_IN_PTR) >> 2] = 1024;
      m[(H + offsets.H_IN_CAP) >> 2] = 16;
      m[(H + offsets.H_READY_PTR) >> 2] = 2048;
      return H;
    },
    destroy() {},
    reset: () => 0,
    reserveInput: () => 0,
    clearOutputs() {},
    state(_ctx: number, id: number) {
      const m = heap();
      m[(H + offsets.H_ERR_INDEX) >> 2] = 0;
      m[(H + offsets.H_ERR_VALUE) >> 2] = id;
      return -42;
    },
    /** Grows the memory, then reports the sum of the deps as the one ready id. */
    add(_ctx: number, n: number) {
      let m = heap();
      let sum = 0;
      for (let i = 0; i < n; i++) sum += m[256 + i]!;
      memory.grow(1);
      fake.grows++;
      m = heap();
      m[512 + m[(H + offsets.H_READY_LEN) >> 2]!] = sum;
      m[(H + offsets.H_READY_LEN) >> 2]! += 1;
      return sum;
    },
    addBatch: () => 0,
    complete: () => 0,
    completeOne(_ctx: number, id: number) {
      const m = heap();
      m[(H + offsets.H_ERR_INDEX) >> 2] = 0;
      m[(H + offsets.H_ERR_VALUE) >> 2] = id;
      return CoreStatus.STALE_ID;
    },
    cancel: () => 0,
    release: () => 0,
    addWith: () => 0,
    admit: () => 0,
    setLimit: () => 0,
    giveBack: () => 0,
    limitInfo: () => 0,
  };
  return fake;
}

Deno.test("createWasmCoreWith() refreshes its views after the memory grows", () => {
  const fake = fakeExports();
  const core = createWasmCoreWith(fake);
  assertEquals(core.add([1, 2]), 3);
  const first = core.ready();
  assertEquals([...first], [3]);
  assertEquals(core.add([4, 5]), 9, "deps are written to the grown memory");
  assertEquals(fake.grows, 2);
  assertEquals(first.length, 0);
  assertEquals([...core.ready()], [3, 9]);
});

Deno.test("createWasmCoreWith() turns statuses into CoreError", () => {
  const core = createWasmCoreWith(fakeExports());
  expectCoreError(
    () => core.completeOne(5 as TaskId, Outcome.DONE),
    CoreStatus.STALE_ID,
    0,
    5,
    "Cannot complete task as the id names a released task (its slot may hold another task now): received 5",
  );
  const e = assertThrows(() => core.state(1 as TaskId), CoreError);
  assertEquals(e.code, -42 as CoreStatus);
  assertEquals(
    e.message,
    "Cannot read task state as the core returned an unknown status -42: received 1",
  );
});
