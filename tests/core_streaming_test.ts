// Pushes 10 million tasks through a core with at most 10k live at a time and
// checks that its memory stops growing: slots are recycled, not accumulated.
//
// (In the very long run a core still grows by one slot per 512 tasks: a slot
// issues 512 generations of ids and is then retired. With 10k live the core
// keeps 32768 slots, which last 16.7M tasks before the first retirement.)
import { assert, assertEquals } from "@std/assert";
import { CoreState, createCore, LimitKind, Outcome, type TaskId } from "../src/core/mod.ts";
import { rng } from "./_rng.ts";

const TOTAL = 10_000_000;
const ROUND = 5000;

/**
 * Rounds of ROUND tasks: task j of a round depends on task (j - 1) >> 1 of the
 * same round (a binary tree) and on task j of the previous round, which is
 * released only after this round is added. Every task is completed DONE as
 * soon as it is ready, in batches.
 */
function stream(kind: "wasm" | "ts"): void {
  const core = createCore(kind);
  const depCounts = new Int32Array(ROUND);
  const deps = new Int32Array(ROUND * 2);
  const ids = new Int32Array(ROUND);
  const prev = new Int32Array(ROUND);
  const buf = new Int32Array(ROUND);
  const outcomes = new Int32Array(ROUND).fill(Outcome.DONE);
  let added = 0;
  let done = 0;
  let maxLive = 0;
  let at1M: [number, number] | undefined;
  for (let round = 0; added < TOTAL; round++) {
    let p = 0;
    for (let j = 0; j < ROUND; j++) {
      let n = 0;
      if (j > 0) deps[p + n++] = -1 - ((j - 1) >> 1);
      if (round > 0) deps[p + n++] = prev[j]!;
      depCounts[j] = n;
      p += n;
    }
    core.addBatch(ROUND, depCounts, deps, ids);
    added += ROUND;
    if (round > 0) core.release(ROUND, prev);
    prev.set(ids);
    maxLive = Math.max(maxLive, core.counts().live);
    for (;;) {
      const ready = core.ready();
      const n = ready.length;
      if (n === 0) break;
      buf.set(ready);
      core.clearOutputs();
      core.complete(n, buf, outcomes);
      done += n;
    }
    if (at1M === undefined && added >= 1_000_000) {
      at1M = [core.counts().capacity, core.memoryBytes()];
    }
  }
  core.release(ROUND, prev);
  assertEquals(done, added, "every task ran once");
  assert(maxLive <= 10_000, `live tasks stayed bounded: ${maxLive}`);
  assertEquals(core.counts().live, 0);
  assertEquals(core.counts().done, 0);
  assertEquals(
    [core.counts().capacity, core.memoryBytes()],
    at1M,
    "capacity and memory after 10M tasks equal those after 1M",
  );
}

Deno.test("wasm core: memory stops growing while 10 million tasks stream through", () => {
  stream("wasm");
});

Deno.test("ts core: memory stops growing while 10 million tasks stream through", () => {
  stream("ts");
});

/**
 * Rounds of ROUND independent tasks with random priorities that need a
 * concurrency limit of 1000 and a rate limit of 1500 units per window: added
 * one at a time while fewer than 5000 are live, admitted, completed as they
 * are admitted; a fifth of the waiters of each round are cancelled (stale
 * queue entries); the rate window ends three times a round. Queues grow with
 * the live waiters only.
 */
function streamLimited(kind: "wasm" | "ts", total: number): void {
  const core = createCore(kind);
  const r = rng(7);
  core.setLimit(0, 1000, LimitKind.CONCURRENCY);
  core.setLimit(1, 1500, LimitKind.RATE);
  const limits = [0, 1];
  const ids = new Int32Array(ROUND);
  const buf = new Int32Array(ROUND);
  const outcomes = new Int32Array(ROUND).fill(Outcome.DONE);
  const finals: number[] = [];
  let added = 0;
  let ended = 0;
  let maxLive = 0;
  let atQuarter: [number, number] | undefined;
  while (added < total || core.counts().live > 0) {
    if (added < total && core.counts().live <= 5000) {
      for (let j = 0; j < ROUND; j++) ids[j] = core.add([], 0, Math.floor(r() * 100), limits);
      added += ROUND;
      core.admit(ROUND, ids);
      const cancel = ids.filter((id) => core.state(id as TaskId) === CoreState.HELD && r() < 0.2);
      ended += core.cancel(cancel.length, cancel);
      for (const id of cancel) finals.push(id);
    }
    maxLive = Math.max(maxLive, core.counts().live);
    for (let i = 0; i < 3; i++) {
      // the admitted list holds at most the concurrency limit's 1000
      const admitted = core.admitted();
      const n = admitted.length;
      buf.set(admitted);
      core.clearOutputs();
      core.complete(n, buf, outcomes);
      for (let j = 0; j < n; j++) finals.push(buf[j]!);
      ended += n;
      core.giveBack(1, core.limitState(1).taken);
    }
    core.release(finals.length, finals);
    finals.length = 0;
    if (atQuarter === undefined && added >= total / 4) {
      atQuarter = [core.counts().capacity, core.memoryBytes()];
    }
  }
  assertEquals(ended, added, "every task ended once");
  assert(maxLive <= 10_000, `live tasks stayed bounded: ${maxLive}`);
  assertEquals(core.counts().live, 0);
  assertEquals(
    [core.counts().capacity, core.memoryBytes()],
    atQuarter,
    "capacity and memory at the end equal those after a quarter",
  );
}

Deno.test("wasm core: memory stops growing while 2 million tasks stream through limits", () => {
  streamLimited("wasm", 2_000_000);
});

Deno.test("ts core: memory stops growing while 2 million tasks stream through limits", () => {
  streamLimited("ts", 2_000_000);
});
