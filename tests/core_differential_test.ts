// Drives the Wasm core and the TypeScript core with the same seeded random
// workloads and asserts identical answers at every step, plus invariants that
// catch a dropped or duplicated id: every task becomes final exactly once, is
// reported ready at most once and admitted at most once, nothing is left
// waiting at the end, and the orders the contract promises hold (ready ids of
// a call by (priority, sequence) while a live task has a priority; admit()
// outputs in that order; a HELD task always lacks a unit of one of its limits).
import { assert, assertEquals } from "@std/assert";
import {
  type CoreCounts,
  CoreError,
  createCore,
  LimitKind,
  type LimitState,
  MAX_LIMITS,
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

/** Model states: waiting, ready (not admitted), final, held, admitted. */
const W = 1, R = 2, F = 3, H = 4, A = 5;

/** What the model knows of a task. */
interface TaskInfo {
  seq: number;
  priority: number;
  limits: number[];
}

/** Whether task `a` comes before task `b`: (priority desc, seq asc). */
function before(a: TaskInfo, b: TaskInfo): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
}

/** Both cores plus a model of what the host knows from the outputs. */
class Harness {
  readonly wasm: SchedulerCore = createCore("wasm");
  readonly ts: SchedulerCore = createCore("ts");
  readonly state = new Map<number, number>();
  readonly info = new Map<number, TaskInfo>();
  readonly finalized = new Map<number, number>();
  readonly reportedReady = new Set<number>();
  readonly reportedAdmitted = new Set<number>();
  readonly live = new Bag();
  readonly ready = new Bag();
  readonly held = new Bag();
  readonly admitted = new Bag();
  readonly final = new Bag();
  readonly released: number[] = [];
  /** Limit id → kind, for the limits set so far. */
  readonly limits = new Map<number, LimitKind>();
  /** Picks the HELD tasks checked each step (seeded, so a failure repeats). */
  readonly #sample = rng(1);
  /** Limit id → CONCURRENCY units the ADMITTED tasks hold. */
  readonly holders = new Map<number, number>();
  /** The batch of the admit() call being synced. */
  admitBatch: number[] = [];
  added = 0;
  step = 0;
  seq = 0;
  /** Live tasks whose priority is not 0. */
  prioLive = 0;

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
    this.#sync(what, a.ok);
    return a;
  }

  #set(id: number, st: number): void {
    const old = this.state.get(id);
    if (old === R) this.ready.delete(id);
    else if (old === H) this.held.delete(id);
    else if (old === A) {
      this.admitted.delete(id);
      this.#hold(id, -1);
    }
    this.state.set(id, st);
    if (st === R) this.ready.add(id);
    else if (st === H) this.held.add(id);
    else if (st === A) {
      this.admitted.add(id);
      this.#hold(id, 1);
    }
  }

  #hold(id: number, d: number): void {
    for (const l of this.info.get(id)!.limits) {
      if (this.limits.get(l) === LimitKind.CONCURRENCY) {
        this.holders.set(l, (this.holders.get(l) ?? 0) + d);
      }
    }
  }

  #final(id: number): void {
    const st = this.state.get(id);
    assert(
      st === W || st === R || st === H || st === A,
      `step ${this.step}: ${id} became final twice or unissued`,
    );
    if (st === W) this.waiting--;
    this.#set(id, F);
    this.finalized.set(id, (this.finalized.get(id) ?? 0) + 1);
    this.final.add(id);
  }

  /** Compares the outputs, counts and limits of both cores, then feeds them to the model. */
  #sync(what: string, ok: boolean): void {
    const where = `step ${this.step} (${what})`;
    const rw = [...this.wasm.ready()], rt = [...this.ts.ready()];
    const fw = [...this.wasm.failed()], ft = [...this.ts.failed()];
    const cw = [...this.wasm.cancelled()], ct = [...this.ts.cancelled()];
    const aw = [...this.wasm.admitted()], at = [...this.ts.admitted()];
    assertEquals(rw, rt, `${where}: ready lists differ`);
    assertEquals(fw, ft, `${where}: failed lists differ`);
    assertEquals(cw, ct, `${where}: cancelled lists differ`);
    assertEquals(aw, at, `${where}: admitted lists differ`);
    assertEquals(this.wasm.readyCount(), rw.length);
    assertEquals(this.ts.failedCount() * 2, ft.length);
    assertEquals(this.wasm.admittedCount(), aw.length);
    for (const id of rw) {
      assert(!this.reportedReady.has(id), `${where}: ${id} reported ready twice`);
      assert(this.state.get(id) === W, `${where}: ${id} reported ready while not waiting`);
      this.reportedReady.add(id);
      this.#set(id, R);
      this.waiting--;
    }
    if (this.prioLive > 0) {
      for (let i = 1; i < rw.length; i++) {
        assert(
          before(this.info.get(rw[i - 1]!)!, this.info.get(rw[i]!)!),
          `${where}: ready ids out of (priority, sequence) order: ${rw}`,
        );
      }
    }
    for (let i = 0; i < fw.length; i += 2) this.#final(fw[i]!);
    for (let i = 0; i < cw.length; i += 2) this.#final(cw[i]!);
    const batch = new Set(ok ? this.admitBatch : []);
    for (const id of aw) {
      const st = this.state.get(id);
      assert(!this.reportedAdmitted.has(id), `${where}: ${id} admitted twice`);
      assert(
        (st === R && batch.has(id)) || st === H,
        `${where}: ${id} admitted while neither in the batch nor held (${st})`,
      );
      this.reportedAdmitted.add(id);
      this.#set(id, A);
    }
    if (batch.size > 0) {
      for (let i = 1; i < aw.length; i++) {
        assert(
          before(this.info.get(aw[i - 1]!)!, this.info.get(aw[i]!)!),
          `${where}: admit() output out of (priority, sequence) order: ${aw}`,
        );
      }
      for (const id of batch) if (this.state.get(id) === R) this.#set(id, H);
    }
    this.admitBatch = [];
    this.wasm.clearOutputs();
    this.ts.clearOutputs();
    const counts: CoreCounts = this.wasm.counts();
    assertEquals(counts, this.ts.counts(), `${where}: counts differ`);
    assertEquals(counts.live, this.live.size, `${where}: live count`);
    assertEquals(counts.ready, this.ready.size, `${where}: ready count`);
    assertEquals(counts.held, this.held.size, `${where}: held count`);
    assertEquals(counts.admitted, this.admitted.size, `${where}: admitted count`);
    assertEquals(counts.waiting, this.waiting, `${where}: waiting count`);
    // A waiting task always has a dependency that is READY, HELD, ADMITTED or
    // (transitively) waiting on one: waiting tasks and none of those means an
    // id was dropped.
    assert(
      this.waiting === 0 || this.ready.size + this.held.size + this.admitted.size > 0,
      `${where}: tasks stuck waiting`,
    );
    this.#checkLimits(where);
  }

  /**
   * Limit states agree, CONCURRENCY units match the admitted tasks, HELD
   * tasks (up to 16 picked at random) lack a unit.
   */
  #checkLimits(where: string): void {
    if (this.limits.size === 0) return;
    const states = new Map<number, LimitState>();
    for (const [l, kind] of this.limits) {
      const s = this.wasm.limitState(l);
      assertEquals(s, this.ts.limitState(l), `${where}: limit ${l} differs`);
      assertEquals(s.kind, kind);
      if (kind === LimitKind.CONCURRENCY) {
        assertEquals(s.taken, this.holders.get(l) ?? 0, `${where}: units of limit ${l}`);
      }
      states.set(l, s);
    }
    const n = Math.min(16, this.held.size);
    for (let i = 0; i < n; i++) {
      const id = this.held.pick(this.#sample);
      const full = this.info.get(id)!.limits.some((l) => {
        const s = states.get(l)!;
        return s.taken >= s.capacity;
      });
      assert(full, `${where}: ${id} is held although each of its limits has a free unit`);
    }
  }

  /** Registers ids just issued (before outputs are synced). */
  issued(ids: ArrayLike<number>, priority = 0, limits: number[] = []): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      assert(!this.state.has(id), `step ${this.step}: id ${id} issued twice`);
      this.state.set(id, W);
      this.info.set(id, { seq: this.seq++, priority, limits });
      if (priority !== 0) this.prioLive++;
      this.waiting++;
      this.live.add(id);
      this.added++;
    }
  }

  completed(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      const st = this.state.get(ids[i]!);
      assert(st === R || st === H || st === A, `step ${this.step}: completed a task not ready`);
      this.#final(ids[i]!);
    }
  }

  releasedIds(ids: number[]): void {
    for (const id of ids) {
      this.live.delete(id);
      this.final.delete(id);
      this.released.push(id);
      if (this.info.get(id)!.priority !== 0) this.prioLive--;
      this.info.delete(id);
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

/** A priority: mostly 0, often a small integer (ties), sometimes any number. */
function randomPriority(r: () => number, rate: number): number {
  const x = r();
  if (x >= rate) return 0;
  if (x < rate * 0.6) return Math.floor(r() * 5) - 2;
  return (r() - 0.5) * 1e6;
}

/** Random limits for a task: 0 to 3 distinct ones of those set (mostly 1 or more). */
function randomLimits(h: Harness, r: () => number): number[] {
  const ids = [...h.limits.keys()];
  const n = Math.min(ids.length, r() < 0.2 ? 0 : 1 + Math.floor(r() * 3));
  const out: number[] = [];
  while (out.length < n) {
    const l = ids[Math.floor(r() * ids.length)]!;
    if (!out.includes(l)) out.push(l);
  }
  return out;
}

/** Options of one random workload. */
interface Mix {
  /** Share of add() calls that get a non-zero priority. */
  priorityRate: number;
  /** Whether limits are set and tasks take them, and admit() is used. */
  limits: boolean;
  /** Whether tasks pile up in the limits' queues (few completions, cancels of waiters). */
  burst?: boolean;
}

/** Sets up to 5 limits with random ids, kinds and capacities. */
function setLimits(h: Harness, r: () => number): void {
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    // mostly low ids, sometimes the highest ones (the limit table grows)
    const l = r() < 0.8 ? Math.floor(r() * 8) : MAX_LIMITS - 1 - Math.floor(r() * 4);
    const kind = h.limits.get(l) ?? (r() < 0.6 ? LimitKind.CONCURRENCY : LimitKind.RATE);
    const cap = 1 + Math.floor(r() * 4);
    h.run(`setLimit ${l}`, (c) => c.setLimit(l, cap, kind), () => h.limits.set(l, kind));
  }
}

/** One random workload of `size` tasks; returns the harness for final checks. */
function drive(size: number, seed: number, mix: Mix): Harness {
  const r = rng(seed);
  const h = new Harness();
  const failRate = r() * 0.1;
  const maxBatch = Math.max(1, Math.min(512, size >> 4));
  if (mix.limits) setLimits(h, r);
  const completable = () => h.ready.size + h.admitted.size + h.held.size;
  // cumulative shares of the actions: add, admit, complete, limits, cancel, release
  const [pAdd, pAdmit, pComplete, pLimits, pCancel] = mix.burst
    ? [0.45, 0.6, 0.7, 0.75, 0.88]
    : mix.limits
    ? [0.35, 0.55, 0.78, 0.86, 0.9]
    : [0.35, 0.35, 0.8, 0.8, 0.87];
  const pBatch = mix.limits ? 0.1 : 0.5;
  // with limits, small completion batches so that waiters pile up
  const maxComplete = mix.limits ? 2 : maxBatch;
  while (h.added < size || h.live.size > 0) {
    const x = r();
    const room = size - h.added;
    if (room > 0 && (x < pAdd || completable() === 0)) {
      if (r() < pBatch || h.live.size === 0) {
        // addBatch with local and external dependencies.
        const k = 1 + Math.floor(r() * Math.min(mix.limits ? 8 : maxBatch, room));
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
        // with limits, half the tasks are independent, so that many are ready at once
        const n = mix.limits && r() < 0.5 ? 0 : Math.floor(r() * 5);
        const deps: number[] = [];
        for (let j = 0; j < n; j++) deps.push(pickDep(h, r, 0.01));
        const p = randomPriority(r, mix.priorityRate);
        const lims = mix.limits ? randomLimits(h, r) : [];
        if (mix.limits && r() < 0.01) lims.push(r() < 0.5 ? MAX_LIMITS - 5 : lims[0] ?? 9999);
        h.run("add", (c) => c.add(deps, deps.length, p, lims), (id) => h.issued([id], p, lims));
      }
    } else if (mix.limits && x < pAdmit && h.ready.size > 0) {
      // admit() a batch of READY tasks (the engine after its journal step)
      const k = 1 + Math.floor(r() * Math.min(h.ready.size, maxBatch));
      const ids = new Set<number>();
      for (let i = 0; i < k; i++) ids.add(h.ready.pick(r));
      const list = [...ids];
      if (r() < 0.03) list.push(r() < 0.5 ? list[0]! : h.live.pick(r));
      h.run("admit", (c) => c.admit(list.length, list), () => h.admitBatch = list);
    } else if (x < pComplete && completable() > 0) {
      // complete: mostly admitted tasks, sometimes ready ones (journal hits) or held ones
      const k = 1 + Math.floor(r() * Math.min(completable(), maxComplete));
      const ids = new Set<number>();
      for (let i = 0; i < k; i++) {
        const y = r();
        const bag = h.admitted.size > 0 && y < 0.8
          ? h.admitted
          : h.ready.size > 0 && y < 0.96
          ? h.ready
          : h.held.size > 0
          ? h.held
          : h.admitted.size > 0
          ? h.admitted
          : h.ready;
        ids.add(bag.pick(r));
      }
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
    } else if (mix.limits && x < pLimits) {
      // give back rate units (a window is over), or change a capacity
      const ls = [...h.limits.keys()];
      const l = ls[Math.floor(r() * ls.length)]!;
      const kind = h.limits.get(l)!;
      if (kind === LimitKind.RATE && r() < 0.7) {
        const taken = h.wasm.limitState(l).taken;
        const n = r() < 0.03 ? taken + 1 : Math.floor(r() * (taken + 1));
        h.run(`giveBack ${l} ${n}`, (c) => c.giveBack(l, n));
      } else {
        const cap = 1 + Math.floor(r() * 5);
        const k = r() < 0.03 ? 1 - kind : kind;
        h.run(`setLimit ${l} ${cap}`, (c) => c.setLimit(l, cap, k as LimitKind));
      }
    } else if (x < pCancel && h.live.size > 0) {
      const k = 1 + Math.floor(r() * 4);
      const ids: number[] = [];
      for (let i = 0; i < k; i++) {
        ids.push(mix.burst && h.held.size > 0 && r() < 0.8 ? h.held.pick(r) : h.live.pick(r));
      }
      h.run("cancel", (c) => c.cancel(k, ids));
    } else if (h.final.size > 0) {
      const k = 1 + Math.floor(r() * Math.min(h.final.size, maxBatch));
      const ids = new Set<number>();
      for (let i = 0; i < k; i++) ids.add(h.final.pick(r));
      const list = [...ids];
      if (r() < 0.02 && h.live.size > 0) list.push(h.live.pick(r));
      h.run("release", (c) => c.release(list.length, list), () => h.releasedIds(list));
    }
  }
  return h;
}

/**
 * Hundreds of tasks with random priorities piled up in the queues of three
 * limits (some need two, so they move between queues), then admitted,
 * completed, cancelled while they wait (stale entries, compaction), given
 * back and re-capacitated in random order.
 */
function hoard(seed: number): Harness {
  const r = rng(seed);
  const h = new Harness();
  const [c0, r1, c2] = [0, 1, 2];
  const kinds = [LimitKind.CONCURRENCY, LimitKind.RATE, LimitKind.CONCURRENCY];
  for (const l of [c0, r1, c2]) {
    const cap = 1 + Math.floor(r() * 3);
    h.run("setLimit", (c) => c.setLimit(l, cap, kinds[l]!), () => h.limits.set(l, kinds[l]!));
  }
  const n = 400;
  for (let i = 0; i < n; i++) {
    const p = randomPriority(r, 0.7);
    const y = r();
    const lims = y < 0.6 ? [c0] : y < 0.8 ? [c0, r1] : y < 0.95 ? [c2, c0] : [];
    h.run("add", (c) => c.add([], 0, p, lims), (id) => h.issued([id], p, lims));
  }
  while (h.live.size > 0) {
    const x = r();
    if (h.ready.size > 0 && x < 0.3) {
      const ids = new Set<number>();
      const k = 1 + Math.floor(r() * Math.min(50, h.ready.size));
      for (let i = 0; i < k; i++) ids.add(h.ready.pick(r));
      const list = [...ids];
      h.run("admit", (c) => c.admit(list.length, list), () => h.admitBatch = list);
    } else if (h.held.size > 0 && x < 0.45) {
      const k = 1 + Math.floor(r() * 5);
      const ids: number[] = [];
      for (let i = 0; i < k; i++) ids.push(h.held.pick(r));
      h.run("cancel", (c) => c.cancel(k, ids));
    } else if (h.admitted.size > 0 && x < 0.7) {
      const ids = new Set<number>();
      for (let i = 0; i < 3; i++) ids.add(h.admitted.pick(r));
      const list = [...ids];
      const outs = list.map(() => randomOutcome(r, 0.2));
      h.run("complete", (c) => c.complete(list.length, list, outs), () => h.completed(list));
    } else if (x < 0.78) {
      const taken = h.wasm.limitState(r1).taken;
      const k = Math.floor(r() * (taken + 1));
      h.run("giveBack", (c) => c.giveBack(r1, k));
    } else if (x < 0.83) {
      const l = r() < 0.5 ? c0 : c2;
      const cap = 1 + Math.floor(r() * 4);
      h.run("setLimit", (c) => c.setLimit(l, cap, LimitKind.CONCURRENCY));
    } else if (h.held.size > 0 && x < 0.86) {
      const id = h.held.pick(r);
      h.run(
        "completeOne",
        (c) => c.completeOne(id as TaskId, Outcome.DONE),
        () => h.completed([id]),
      );
    } else if (h.final.size > 0) {
      const list = h.final.values().slice(0, 1 + Math.floor(r() * 20));
      h.run("release", (c) => c.release(list.length, list), () => h.releasedIds(list));
    } else if (h.held.size + h.admitted.size === 0 && h.ready.size === 0) {
      break;
    }
  }
  return h;
}

function checkEnd(h: Harness, size: number, seed: number): void {
  assertEquals(h.added, size, `seed ${seed}: tasks added`);
  assertEquals(h.live.size, 0, `seed ${seed}: tasks left live`);
  for (const [id, n] of h.finalized) assertEquals(n, 1, `seed ${seed}: ${id} final ${n} times`);
  assertEquals(h.finalized.size, size, `seed ${seed}: every task became final`);
  assertEquals(h.wasm.counts(), { ...h.ts.counts() });
  assertEquals(h.wasm.counts().live, 0);
}

const SIZES = [1, 2, 3, 5, 10, 100, 1_000, 10_000, 100_000];

for (const size of SIZES) {
  Deno.test(`createCore() gives identical answers on random DAGs of ${size} tasks`, () => {
    const seeds = size >= 10_000 ? 1 : size >= 1000 ? 3 : 10;
    for (let s = 0; s < seeds; s++) {
      const seed = size * 7919 + s;
      checkEnd(drive(size, seed, { priorityRate: 0, limits: false }), size, seed);
    }
  });
}

for (const size of SIZES) {
  Deno.test(
    `createCore() gives identical answers with random limits and priorities on ${size} tasks`,
    () => {
      const seeds = size >= 10_000 ? 2 : size >= 1000 ? 4 : 20;
      for (let s = 0; s < seeds; s++) {
        const seed = size * 7907 + s;
        const mix = {
          priorityRate: [0, 0.05, 0.5, 1][s % 4]!,
          limits: s % 5 !== 4,
          burst: s % 2 === 1,
        };
        checkEnd(drive(size, seed, mix), size, seed);
      }
    },
  );
}

Deno.test("createCore() gives identical answers while hundreds of tasks wait for limits", () => {
  for (let seed = 1; seed <= 12; seed++) checkEnd(hoard(seed), 400, seed);
});
