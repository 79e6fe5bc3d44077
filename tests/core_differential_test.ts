// Drives the Wasm core and the TypeScript core with the same seeded random
// workloads and asserts identical answers at every step, plus invariants that
// catch a dropped or duplicated id: every task becomes final exactly once, is
// reported ready at most once, and nothing is left waiting at the end.
import { assert, assertEquals } from "@std/assert";
import {
  type CoreCounts,
  CoreError,
  createCore,
  Outcome,
  type SchedulerCore,
  type TaskId,
} from "../src/core/mod.ts";
import { rng } from "./_rng.ts";

/** A set of ids with O(1) add, remove and random pick. */
class Bag {
  #items: number[] = [];
  #at = new Map<number, number>();
  get size(): number {
    return this.#items.length;
  }
  add(x: number): void {
    if (this.#at.has(x)) return;
    this.#at.set(x, this.#items.length);
    this.#items.push(x);
  }
  delete(x: number): void {
    const i = this.#at.get(x);
    if (i === undefined) return;
    const last = this.#items.pop()!;
    if (i < this.#items.length) {
      this.#items[i] = last;
      this.#at.set(last, i);
    }
    this.#at.delete(x);
  }
  pick(r: () => number): number {
    return this.#items[Math.floor(r() * this.#items.length)]!;
  }
  values(): number[] {
    return [...this.#items];
  }
}

type Result = { ok: true; value: unknown } | { ok: false; error: string };

function attempt(f: () => unknown): Result {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (!(e instanceof CoreError)) throw e;
    return { ok: false, error: `${e.code} ${e.index} ${e.value} ${e.message}` };
  }
}

const W = 1, R = 2, F = 3;

/** Both cores plus a model of what the host knows from the outputs. */
class Harness {
  readonly wasm: SchedulerCore = createCore("wasm");
  readonly ts: SchedulerCore = createCore("ts");
  readonly state = new Map<number, number>();
  readonly finalized = new Map<number, number>();
  readonly reportedReady = new Set<number>();
  readonly live = new Bag();
  readonly ready = new Bag();
  readonly final = new Bag();
  readonly released: number[] = [];
  added = 0;
  step = 0;

  waiting = 0;

  /**
   * Runs `f` on both cores; results (or errors) must match. `applied` updates
   * the model after a successful call, before the outputs are compared and read.
   */
  run<T>(what: string, f: (c: SchedulerCore) => T, applied?: (value: T) => void): Result {
    this.step++;
    const a = attempt(() => f(this.wasm));
    const b = attempt(() => f(this.ts));
    assertEquals(a, b, `step ${this.step} (${what}): results differ`);
    if (a.ok && applied) applied(a.value as T);
    this.#sync(what);
    return a;
  }

  #final(id: number): void {
    const st = this.state.get(id);
    assert(st === W || st === R, `step ${this.step}: ${id} became final twice or unissued`);
    if (st === W) this.waiting--;
    this.state.set(id, F);
    this.finalized.set(id, (this.finalized.get(id) ?? 0) + 1);
    this.ready.delete(id);
    this.final.add(id);
  }

  /** Compares the outputs and counts of both cores, then feeds them to the model. */
  #sync(what: string): void {
    const where = `step ${this.step} (${what})`;
    const rw = [...this.wasm.ready()], rt = [...this.ts.ready()];
    const fw = [...this.wasm.failed()], ft = [...this.ts.failed()];
    const cw = [...this.wasm.cancelled()], ct = [...this.ts.cancelled()];
    assertEquals(rw, rt, `${where}: ready lists differ`);
    assertEquals(fw, ft, `${where}: failed lists differ`);
    assertEquals(cw, ct, `${where}: cancelled lists differ`);
    assertEquals(this.wasm.readyCount(), rw.length);
    assertEquals(this.ts.failedCount() * 2, ft.length);
    for (const id of rw) {
      assert(!this.reportedReady.has(id), `${where}: ${id} reported ready twice`);
      assert(this.state.get(id) === W, `${where}: ${id} reported ready while not waiting`);
      this.reportedReady.add(id);
      this.state.set(id, R);
      this.waiting--;
      this.ready.add(id);
    }
    for (let i = 0; i < fw.length; i += 2) this.#final(fw[i]!);
    for (let i = 0; i < cw.length; i += 2) this.#final(cw[i]!);
    this.wasm.clearOutputs();
    this.ts.clearOutputs();
    const counts: CoreCounts = this.wasm.counts();
    assertEquals(counts, this.ts.counts(), `${where}: counts differ`);
    assertEquals(counts.live, this.live.size, `${where}: live count`);
    assertEquals(counts.ready, this.ready.size, `${where}: ready count`);
    assertEquals(counts.waiting, this.waiting, `${where}: waiting count`);
    // A waiting task always has a dependency that is READY or (transitively)
    // waiting on one: waiting tasks and no ready task means an id was dropped.
    assert(this.waiting === 0 || this.ready.size > 0, `${where}: tasks stuck waiting`);
  }

  /** Registers ids just issued (before outputs are synced). */
  issued(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      assert(!this.state.has(id), `step ${this.step}: id ${id} issued twice`);
      this.state.set(id, W);
      this.waiting++;
      this.live.add(id);
      this.added++;
    }
  }

  completed(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      assert(this.state.get(ids[i]!) === R, `step ${this.step}: completed a task not ready`);
      this.#final(ids[i]!);
    }
  }
}

/** A dependency for a new task: mostly live tasks, now and then (`staleRate`) a released one. */
function pickDep(h: Harness, r: () => number, staleRate: number): number {
  if (h.released.length > 0 && r() < staleRate) {
    return h.released[Math.floor(r() * h.released.length)]!;
  }
  if (h.final.size > 0 && r() < 0.2) return h.final.pick(r);
  return h.live.pick(r);
}

function randomOutcome(r: () => number, failRate: number): Outcome {
  const x = r();
  return x < failRate ? Outcome.FAILED : x < failRate * 1.5 ? Outcome.CANCELLED : Outcome.DONE;
}

/** One random workload of `size` tasks; returns the harness for final checks. */
function drive(size: number, seed: number): Harness {
  const r = rng(seed);
  const h = new Harness();
  const failRate = r() * 0.1;
  const maxBatch = Math.max(1, Math.min(512, size >> 4));
  while (h.added < size || h.ready.size > 0 || h.live.size > 0) {
    const x = r();
    const room = size - h.added;
    if (room > 0 && (x < 0.35 || h.ready.size === 0)) {
      if (r() < 0.5 || h.live.size === 0) {
        // addBatch with local and external dependencies.
        const k = 1 + Math.floor(r() * Math.min(maxBatch, room));
        const counts: number[] = [];
        const deps: number[] = [];
        for (let i = 0; i < k; i++) {
          const n = Math.floor(r() * 5);
          counts.push(n);
          for (let j = 0; j < n; j++) {
            if (i > 0 && r() < 0.5) deps.push(-1 - Math.floor(r() * i));
            else if (h.live.size > 0) deps.push(pickDep(h, r, 0.02 / k));
            else counts[i]!--;
          }
        }
        const ids = new Int32Array(k);
        h.run("addBatch", (c) => {
          c.addBatch(k, counts, deps, ids);
          return [...ids];
        }, (v) => h.issued(v));
      } else {
        const n = Math.floor(r() * 5);
        const deps: number[] = [];
        for (let j = 0; j < n; j++) deps.push(pickDep(h, r, 0.01));
        h.run("add", (c) => c.add(deps), (id) => h.issued([id]));
      }
    } else if (x < 0.8 && h.ready.size > 0) {
      const k = 1 + Math.floor(r() * Math.min(h.ready.size, maxBatch));
      const ids = new Set<number>();
      for (let i = 0; i < k; i++) ids.add(h.ready.pick(r));
      const list = [...ids];
      const outs = list.map(() => randomOutcome(r, failRate));
      if (r() < 0.3) {
        const id = list[0]!;
        h.run("completeOne", (c) => c.completeOne(id as TaskId, outs[0]!), () => h.completed([id]));
      } else {
        if (r() < 0.02 && h.live.size > 0) {
          // Now and then a bad item at the end: nothing of the batch may apply.
          list.push(h.live.pick(r));
          outs.push(r() < 0.5 ? Outcome.DONE : (7 as Outcome));
        }
        h.run("complete", (c) => c.complete(list.length, list, outs), () => h.completed(list));
      }
    } else if (x < 0.87 && h.live.size > 0) {
      const k = 1 + Math.floor(r() * 4);
      const ids: number[] = [];
      for (let i = 0; i < k; i++) ids.push(h.live.pick(r));
      h.run("cancel", (c) => c.cancel(k, ids));
    } else if (h.final.size > 0) {
      const k = 1 + Math.floor(r() * Math.min(h.final.size, maxBatch));
      const ids = new Set<number>();
      for (let i = 0; i < k; i++) ids.add(h.final.pick(r));
      const list = [...ids];
      if (r() < 0.02 && h.live.size > 0) list.push(h.live.pick(r));
      h.run("release", (c) => c.release(list.length, list), () => {
        for (const id of list) {
          h.live.delete(id);
          h.final.delete(id);
          h.released.push(id);
        }
      });
    }
  }
  return h;
}

const SIZES = [1, 2, 3, 5, 10, 100, 1_000, 10_000, 100_000];

for (const size of SIZES) {
  Deno.test(`createCore() gives identical answers on random DAGs of ${size} tasks`, () => {
    const seeds = size >= 10_000 ? 1 : size >= 1000 ? 3 : 10;
    for (let s = 0; s < seeds; s++) {
      const seed = size * 7919 + s;
      const h = drive(size, seed);
      assertEquals(h.added, size, `seed ${seed}: tasks added`);
      assertEquals(h.live.size, 0, `seed ${seed}: tasks left live`);
      for (const [id, n] of h.finalized) assertEquals(n, 1, `seed ${seed}: ${id} final ${n} times`);
      assertEquals(h.finalized.size, size, `seed ${seed}: every task became final`);
      assertEquals(h.wasm.counts(), { ...h.ts.counts() });
      assertEquals(h.wasm.counts().live, 0);
    }
  });
}
