/**
 * The scheduler core in TypeScript, on typed arrays: the same algorithm,
 * layout and growth policy as the AssemblyScript core (`asm/core.ts`), so the
 * two give identical answers (ids, outputs, counts, errors).
 *
 * Layout (see asm/core.ts for the drawing): `slots` holds 4 int32 per slot
 * (id, pending << 3 | state, edge head, edge tail); `edges` 2 int32 per edge
 * (dependent id, next); `ring` is the FIFO of released slots; the three
 * output lists grow by doubling.
 *
 * @module
 */
import { checkCount, copyInto, coreError, depTotal } from "./_errors.ts";
import {
  type CoreCounts,
  type CoreState,
  CoreStatus,
  MAX_SLOTS,
  type Outcome,
  type SchedulerCore,
  SLOT_BITS,
  type TaskId,
} from "./types.ts";

const INITIAL_SLOTS = 1024;
const INITIAL_EDGES = 1024;
const INITIAL_OUTPUT = 256;

const SLOT_MASK = (1 << SLOT_BITS) - 1;
const GEN_MAX = (1 << 9) - 1;
const GEN_ONE = 1 << SLOT_BITS;
const ID_LIMIT = 1 << 30;

const FREE = 0;
const WAITING = 1;
const READY = 2;
const DONE = 3;
const FAILED = 4;
const CANCELLED = 5;
const RETIRED = 6;
const MARK = 8;

const NO_IDS = new Int32Array(0);

const {
  OK,
  UNKNOWN_ID,
  STALE_ID,
  ALREADY_FINAL,
  NOT_READY,
  NOT_FINAL,
  BAD_OUTCOME,
  FULL,
  BAD_INPUT,
} = CoreStatus;

class TsCore implements SchedulerCore {
  readonly kind = "ts" as const;

  #slots = new Int32Array(INITIAL_SLOTS * 4);
  #ring = new Int32Array(INITIAL_SLOTS);
  #edges = new Int32Array(INITIAL_EDGES * 2);
  #ready = new Int32Array(INITIAL_OUTPUT);
  #failed = new Int32Array(INITIAL_OUTPUT);
  #cancelled = new Int32Array(INITIAL_OUTPUT);
  #readyLen = 0;
  #failedLen = 0;
  #cancelledLen = 0;
  #slotCap = INITIAL_SLOTS;
  #slotTop = 0;
  #retired = 0;
  #ringHead = 0;
  #ringCount = 0;
  #edgeCap = INITIAL_EDGES;
  #edgeTop = 0;
  #edgeFree = -1;
  #edgeFreeCount = 0;
  #nWaiting = 0;
  #nReady = 0;
  #nDone = 0;
  #nFailed = 0;
  #nCancelled = 0;
  #nLive = 0;
  #views: { ready: Int32Array; failed: Int32Array; cancelled: Int32Array } = {
    ready: this.#ready.subarray(0, 0),
    failed: this.#failed.subarray(0, 0),
    cancelled: this.#cancelled.subarray(0, 0),
  };

  // ─── ids and slots ────────────────────────────────────────────────────────

  #idStatus(id: number): number {
    if (id < 0 || id >= ID_LIMIT || (id & SLOT_MASK) >= this.#slotTop) return UNKNOWN_ID;
    const r = (id & SLOT_MASK) << 2;
    const cur = this.#slots[r]!;
    if (cur === id) {
      const st = this.#slots[r + 1]! & 7;
      if (st === FREE) return UNKNOWN_ID;
      return st === RETIRED ? STALE_ID : OK;
    }
    return (id >>> SLOT_BITS) < (cur >>> SLOT_BITS) ? STALE_ID : UNKNOWN_ID;
  }

  #ensureSlots(k: number): number {
    const need = this.#nLive + this.#retired + k;
    if (need > MAX_SLOTS) return FULL;
    let cap = this.#slotCap;
    while (need * 2 > cap && cap < MAX_SLOTS) cap *= 2;
    if (cap === this.#slotCap) return OK;
    const slots = new Int32Array(cap * 4);
    slots.set(this.#slots.subarray(0, this.#slotTop * 4));
    const ring = new Int32Array(cap);
    const old = this.#ring;
    const mask = this.#slotCap - 1;
    for (let i = 0; i < this.#ringCount; i++) ring[i] = old[(this.#ringHead + i) & mask]!;
    this.#slots = slots;
    this.#ring = ring;
    this.#ringHead = 0;
    this.#slotCap = cap;
    return OK;
  }

  #allocSlot(): number {
    if (this.#slotTop < this.#slotCap) {
      const s = this.#slotTop++;
      this.#slots[s << 2] = s;
      return s;
    }
    const s = this.#ring[this.#ringHead]!;
    this.#ringHead = (this.#ringHead + 1) & (this.#slotCap - 1);
    this.#ringCount--;
    return this.#slots[s << 2]!;
  }

  #ensureEdges(k: number): void {
    if (this.#edgeCap - this.#edgeTop + this.#edgeFreeCount >= k) return;
    let cap = this.#edgeCap;
    while (cap - this.#edgeTop + this.#edgeFreeCount < k) cap *= 2;
    const edges = new Int32Array(cap * 2);
    edges.set(this.#edges.subarray(0, this.#edgeTop * 2));
    this.#edges = edges;
    this.#edgeCap = cap;
  }

  #addEdge(r: number, id: number): void {
    const edges = this.#edges;
    const slots = this.#slots;
    let e = this.#edgeFree;
    if (e >= 0) {
      this.#edgeFree = edges[(e << 1) + 1]!;
      this.#edgeFreeCount--;
    } else {
      e = this.#edgeTop++;
    }
    edges[e << 1] = id;
    edges[(e << 1) + 1] = -1;
    const tail = slots[r + 3]!;
    if (tail < 0) slots[r + 2] = e;
    else edges[(tail << 1) + 1] = e;
    slots[r + 3] = e;
  }

  #freeEdges(r: number, n: number): void {
    if (n === 0) return;
    const slots = this.#slots;
    this.#edges[(slots[r + 3]! << 1) + 1] = this.#edgeFree;
    this.#edgeFree = slots[r + 2]!;
    this.#edgeFreeCount += n;
    slots[r + 2] = -1;
    slots[r + 3] = -1;
  }

  // ─── outputs ──────────────────────────────────────────────────────────────

  #pushReady(id: number): void {
    if (this.#readyLen >= this.#ready.length) this.#ready = grow(this.#ready, this.#readyLen);
    this.#ready[this.#readyLen++] = id;
  }

  #pushFailed(id: number, cause: number): void {
    if (this.#failedLen + 2 > this.#failed.length) {
      this.#failed = grow(this.#failed, this.#failedLen);
    }
    this.#failed[this.#failedLen++] = id;
    this.#failed[this.#failedLen++] = cause;
  }

  #pushCancelled(id: number, cause: number): void {
    if (this.#cancelledLen + 2 > this.#cancelled.length) {
      this.#cancelled = grow(this.#cancelled, this.#cancelledLen);
    }
    this.#cancelled[this.#cancelledLen++] = id;
    this.#cancelled[this.#cancelledLen++] = cause;
  }

  // ─── propagation ──────────────────────────────────────────────────────────

  #propagateDone(r: number): void {
    const slots = this.#slots;
    let e = slots[r + 2]!;
    if (e < 0) return;
    const edges = this.#edges;
    let n = 0;
    let ready = 0;
    let out = this.#ready;
    let len = this.#readyLen;
    while (e >= 0) {
      const t = edges[e << 1]!;
      e = edges[(e << 1) + 1]!;
      n++;
      const tr = (t & SLOT_MASK) << 2;
      if (slots[tr] !== t) continue;
      let sc = slots[tr + 1]!;
      if ((sc & 7) !== WAITING) continue;
      sc -= 8;
      if (sc === WAITING) {
        slots[tr + 1] = READY;
        ready++;
        if (len >= out.length) out = this.#ready = grow(out, len);
        out[len++] = t;
      } else {
        slots[tr + 1] = sc;
      }
    }
    this.#readyLen = len;
    this.#nWaiting -= ready;
    this.#nReady += ready;
    this.#freeEdges(r, n);
  }

  #failDependents(id: number, r: number, st: number): number {
    const slots = this.#slots;
    let e = slots[r + 2]!;
    if (e < 0) return 0;
    const edges = this.#edges;
    let n = 0;
    let hit = 0;
    while (e >= 0) {
      const t = edges[e << 1]!;
      e = edges[(e << 1) + 1]!;
      n++;
      const tr = (t & SLOT_MASK) << 2;
      if (slots[tr] !== t) continue;
      if ((slots[tr + 1]! & 7) !== WAITING) continue;
      slots[tr + 1] = st;
      hit++;
      if (st === FAILED) this.#pushFailed(t, id);
      else this.#pushCancelled(t, id);
    }
    this.#freeEdges(r, n);
    return hit;
  }

  #spread(q: number, st: number): void {
    let hit = 0;
    if (st === FAILED) {
      while (q < this.#failedLen) {
        const t = this.#failed[q]!;
        hit += this.#failDependents(t, (t & SLOT_MASK) << 2, FAILED);
        q += 2;
      }
      this.#nFailed += hit;
    } else {
      while (q < this.#cancelledLen) {
        const t = this.#cancelled[q]!;
        hit += this.#failDependents(t, (t & SLOT_MASK) << 2, CANCELLED);
        q += 2;
      }
      this.#nCancelled += hit;
    }
    this.#nWaiting -= hit;
  }

  #finish(id: number, outcome: number): void {
    const r = (id & SLOT_MASK) << 2;
    this.#slots[r + 1] = outcome;
    this.#nReady--;
    if (outcome === DONE) {
      this.#nDone++;
      this.#propagateDone(r);
    } else if (outcome === FAILED) {
      this.#nFailed++;
      const q = this.#failedLen;
      const hit = this.#failDependents(id, r, FAILED);
      this.#nFailed += hit;
      this.#nWaiting -= hit;
      this.#spread(q, FAILED);
    } else {
      this.#nCancelled++;
      const q = this.#cancelledLen;
      const hit = this.#failDependents(id, r, CANCELLED);
      this.#nCancelled += hit;
      this.#nWaiting -= hit;
      this.#spread(q, CANCELLED);
    }
  }

  /**
   * Sets up task `id` whose deps are `deps[at .. at + n)`; a dep `v < 0` is
   * `local[-v - 1]` (addBatch). As in the Wasm core, edges added before a
   * FAILED or CANCELLED dep is met stay behind and are skipped when walked.
   */
  #place(id: number, deps: ArrayLike<number>, at: number, n: number, local: Int32Array): void {
    const slots = this.#slots;
    const r = (id & SLOT_MASK) << 2;
    slots[r + 2] = -1;
    slots[r + 3] = -1;
    let pending = 0;
    for (let j = at; j < at + n; j++) {
      let d = (deps[j] as number) | 0;
      if (d < 0) d = local[-(d + 1)]!;
      const dr = (d & SLOT_MASK) << 2;
      const st = slots[dr + 1]! & 7;
      if (st === DONE) continue;
      if (st === FAILED) {
        slots[r + 1] = FAILED;
        this.#nFailed++;
        this.#nLive++;
        this.#pushFailed(id, d);
        return;
      }
      if (st === CANCELLED) {
        slots[r + 1] = CANCELLED;
        this.#nCancelled++;
        this.#nLive++;
        this.#pushCancelled(id, d);
        return;
      }
      pending++;
      this.#addEdge(dr, id);
    }
    this.#nLive++;
    if (pending === 0) {
      slots[r + 1] = READY;
      this.#nReady++;
      this.#pushReady(id);
      return;
    }
    slots[r + 1] = (pending << 3) | WAITING;
    this.#nWaiting++;
  }

  #fail(action: string, code: number, index: number, value: number, batch = true): never {
    throw coreError(action, code, index, value, batch);
  }

  #refuse(action: string, count: number): never {
    throw coreError(action, FULL, -1, count);
  }

  // ─── the interface ────────────────────────────────────────────────────────

  add(deps: ArrayLike<number>, count: number = deps.length): TaskId {
    if (count !== deps.length) checkCount("add task", count, deps);
    const n = count;
    for (let j = 0; j < n; j++) {
      const d = (deps[j] as number) | 0;
      const st = this.#idStatus(d);
      if (st !== OK) this.#fail("add task", st, j, d);
    }
    if (this.#ensureSlots(1) !== OK) this.#refuse("add task", 1);
    this.#ensureEdges(n);
    const id = this.#allocSlot();
    this.#place(id, deps, 0, n, NO_IDS);
    return id as TaskId;
  }

  addBatch(
    count: number,
    depCounts: ArrayLike<number>,
    deps: ArrayLike<number>,
    idsOut: Int32Array,
  ): void {
    checkCount("add tasks", count, depCounts, idsOut);
    const total = depTotal(count, depCounts, deps.length);
    let p = 0;
    for (let i = 0; i < count; i++) {
      const end = p + ((depCounts[i] as number) | 0);
      for (; p < end; p++) {
        const d = (deps[p] as number) | 0;
        if (d < 0) {
          if (-(d + 1) >= i) this.#fail("add tasks", BAD_INPUT, p, d);
        } else {
          const st = this.#idStatus(d);
          if (st !== OK) this.#fail("add tasks", st, p, d);
        }
      }
    }
    if (this.#ensureSlots(count) !== OK) this.#refuse("add tasks", count);
    this.#ensureEdges(total);
    p = 0;
    for (let i = 0; i < count; i++) {
      const dc = (depCounts[i] as number) | 0;
      const id = this.#allocSlot();
      this.#place(id, deps, p, dc, idsOut);
      idsOut[i] = id;
      p += dc;
    }
  }

  #checkReady(id: number): number {
    const st = this.#idStatus(id);
    if (st !== OK) return st;
    const sc = this.#slots[((id & SLOT_MASK) << 2) + 1]!;
    if (sc === READY) return OK;
    if ((sc & 7) === WAITING) return NOT_READY;
    return ALREADY_FINAL;
  }

  complete(count: number, ids: ArrayLike<number>, outcomes: ArrayLike<number>): void {
    checkCount("complete task", count, ids, outcomes);
    const is = this.#own(ids, count);
    const os = this.#own(outcomes, count);
    const slots = this.#slots;
    for (let i = 0; i < count; i++) {
      const id = is[i]!;
      let st = this.#checkReady(id);
      let value = id;
      if (st === OK) {
        const o = os[i]!;
        if (o < DONE || o > CANCELLED) {
          st = BAD_OUTCOME;
          value = o;
        }
      }
      if (st !== OK) {
        for (let j = 0; j < i; j++) slots[((is[j]! & SLOT_MASK) << 2) + 1] = READY;
        this.#fail("complete task", st, i, value);
      }
      slots[((id & SLOT_MASK) << 2) + 1] = READY | MARK;
    }
    for (let i = 0; i < count; i++) this.#finish(is[i]!, os[i]!);
  }

  completeOne(id: TaskId, outcome: Outcome): void {
    const i = id | 0;
    const st = this.#checkReady(i);
    if (st !== OK) this.#fail("complete task", st, 0, i, false);
    const o = outcome | 0;
    if (o < DONE || o > CANCELLED) this.#fail("complete task", BAD_OUTCOME, 0, o, false);
    this.#finish(i, o);
  }

  cancel(count: number, ids: ArrayLike<number>): number {
    checkCount("cancel task", count, ids);
    const is = this.#own(ids, count);
    for (let i = 0; i < count; i++) {
      const st = this.#idStatus(is[i]!);
      if (st !== OK) this.#fail("cancel task", st, i, is[i]!);
    }
    const slots = this.#slots;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const id = is[i]!;
      const r = (id & SLOT_MASK) << 2;
      const st = slots[r + 1]! & 7;
      if (st === WAITING) this.#nWaiting--;
      else if (st === READY) this.#nReady--;
      else continue;
      slots[r + 1] = CANCELLED;
      this.#nCancelled++;
      n++;
      const q = this.#cancelledLen;
      this.#pushCancelled(id, -1);
      this.#spread(q, CANCELLED);
    }
    return n;
  }

  release(count: number, ids: ArrayLike<number>): void {
    checkCount("release task", count, ids);
    const is = this.#own(ids, count);
    const slots = this.#slots;
    for (let i = 0; i < count; i++) {
      const id = is[i]!;
      let st = this.#idStatus(id);
      if (st === OK) {
        const sc = slots[((id & SLOT_MASK) << 2) + 1]!;
        if ((sc & 7) < DONE) st = NOT_FINAL;
        else if (sc >= MARK) st = STALE_ID;
      }
      if (st !== OK) {
        for (let j = 0; j < i; j++) {
          const r = ((is[j]! & SLOT_MASK) << 2) + 1;
          slots[r] = slots[r]! & 7;
        }
        this.#fail("release task", st, i, id);
      }
      slots[((id & SLOT_MASK) << 2) + 1] = slots[((id & SLOT_MASK) << 2) + 1]! | MARK;
    }
    const mask = this.#slotCap - 1;
    const ring = this.#ring;
    for (let i = 0; i < count; i++) {
      const id = is[i]!;
      const r = (id & SLOT_MASK) << 2;
      const st = slots[r + 1]! & 7;
      if (st === DONE) this.#nDone--;
      else if (st === FAILED) this.#nFailed--;
      else this.#nCancelled--;
      this.#nLive--;
      if ((id >>> SLOT_BITS) === GEN_MAX) {
        slots[r + 1] = RETIRED;
        this.#retired++;
      } else {
        slots[r] = id + GEN_ONE;
        slots[r + 1] = FREE;
        ring[(this.#ringHead + this.#ringCount) & mask] = id & SLOT_MASK;
        this.#ringCount++;
      }
    }
  }

  state(id: TaskId): CoreState {
    const i = id | 0;
    const st = this.#idStatus(i);
    if (st !== OK) this.#fail("read task state", st, 0, i, false);
    return (this.#slots[((i & SLOT_MASK) << 2) + 1]! & 7) as CoreState;
  }

  readyCount(): number {
    return this.#readyLen;
  }

  failedCount(): number {
    return this.#failedLen >> 1;
  }

  cancelledCount(): number {
    return this.#cancelledLen >> 1;
  }

  ready(): Int32Array {
    const v = this.#views;
    if (v.ready.buffer !== this.#ready.buffer || v.ready.length !== this.#readyLen) {
      v.ready = this.#ready.subarray(0, this.#readyLen);
    }
    return v.ready;
  }

  failed(): Int32Array {
    const v = this.#views;
    if (v.failed.buffer !== this.#failed.buffer || v.failed.length !== this.#failedLen) {
      v.failed = this.#failed.subarray(0, this.#failedLen);
    }
    return v.failed;
  }

  cancelled(): Int32Array {
    const v = this.#views;
    if (
      v.cancelled.buffer !== this.#cancelled.buffer || v.cancelled.length !== this.#cancelledLen
    ) {
      v.cancelled = this.#cancelled.subarray(0, this.#cancelledLen);
    }
    return v.cancelled;
  }

  takeOutputs(ready: Int32Array, failed: Int32Array, cancelled: Int32Array): void {
    const nr = this.#readyLen, nf = this.#failedLen, nc = this.#cancelledLen;
    if (ready.length < nr || failed.length < nf || cancelled.length < nc) {
      throw new RangeError(
        `Cannot take outputs as a buffer is too small: received ${ready.length}/${failed.length}/${cancelled.length} for ${nr}/${nf}/${nc}`,
      );
    }
    copyInto(ready, this.#ready, 0, nr);
    copyInto(failed, this.#failed, 0, nf);
    copyInto(cancelled, this.#cancelled, 0, nc);
    this.clearOutputs();
  }

  clearOutputs(): void {
    this.#readyLen = 0;
    this.#failedLen = 0;
    this.#cancelledLen = 0;
  }

  counts(): CoreCounts {
    return {
      waiting: this.#nWaiting,
      ready: this.#nReady,
      done: this.#nDone,
      failed: this.#nFailed,
      cancelled: this.#nCancelled,
      live: this.#nLive,
      capacity: this.#slotCap,
    };
  }

  memoryBytes(): number {
    return this.#slots.byteLength + this.#ring.byteLength + this.#edges.byteLength +
      this.#ready.byteLength + this.#failed.byteLength + this.#cancelled.byteLength;
  }

  reset(): void {
    this.#readyLen = 0;
    this.#failedLen = 0;
    this.#cancelledLen = 0;
    this.#nWaiting = 0;
    this.#nReady = 0;
    this.#nDone = 0;
    this.#nFailed = 0;
    this.#nCancelled = 0;
    this.#nLive = 0;
    this.#slotTop = 0;
    this.#retired = 0;
    this.#ringHead = 0;
    this.#ringCount = 0;
    this.#edgeTop = 0;
    this.#edgeFree = -1;
    this.#edgeFreeCount = 0;
  }

  /**
   * `a[0..count)` as int32 values the core may read while it writes its
   * outputs: a copy when `a` is not an Int32Array or is one of this core's
   * own output buffers (as the Wasm core copies every batch into its input).
   */
  #own(a: ArrayLike<number>, count: number): Int32Array {
    if (
      a instanceof Int32Array && a.buffer !== this.#ready.buffer &&
      a.buffer !== this.#failed.buffer && a.buffer !== this.#cancelled.buffer
    ) {
      return a;
    }
    const c = new Int32Array(count);
    for (let i = 0; i < count; i++) c[i] = (a[i] as number) | 0;
    return c;
  }
}

function grow(a: Int32Array, len: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a.subarray(0, len));
  return b;
}

/**
 * Creates a scheduler core implemented in TypeScript on typed arrays. It gives
 * the same answers as the Wasm core; the engine selects it with `core: "ts"`.
 *
 * @example
 * ```ts
 * import { createTsCore } from "./ts_core.ts";
 * const core = createTsCore();
 * const a = core.add([]);
 * const b = core.add([a]);
 * console.assert(core.ready()[0] === a);
 * core.clearOutputs();
 * core.completeOne(a, 3);
 * console.assert(core.ready()[0] === b);
 * ```
 *
 * @returns a new, independent core
 */
export function createTsCore(): SchedulerCore {
  return new TsCore();
}
