import { assert, assertEquals, assertNotStrictEquals, assertThrows } from "@std/assert";
import {
  CoreError,
  CoreState,
  CoreStatus,
  createCore,
  MAX_SLOTS,
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
