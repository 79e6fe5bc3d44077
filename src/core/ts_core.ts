/**
 * The scheduler core in TypeScript, on typed arrays: the same algorithm,
 * layout and growth policy as the AssemblyScript core (`asm/core.ts`), so the
 * two give identical answers (ids, outputs, counts, errors).
 *
 * Layout (see asm/core.ts for the drawing): `slots` holds 4 int32 per slot
 * (id, state word, edge head, edge tail); `seqs` and `prios` a float64
 * per slot, `lims` 8 uint16 per slot (limit id + 1, 0 ends them), kept clean
 * as in the Wasm core (a task with priority 0 and no limit writes only its
 * sequence number); `edges` 2 int32 per edge
 * (dependent id, next); `ring` is the FIFO of released slots; the four
 * output lists grow by doubling. A limit's queue is a {@link Queue}: a ring
 * of entries in order (the run) and a binary heap, as in the Wasm core.
 *
 * @module
 */
import {
  addOptionsOk,
  checkAddOptions,
  checkCount,
  checkGiveBack,
  checkLimitId,
  checkSetLimit,
  copyInto,
  coreError,
  depTotal,
  tooSmall,
} from "./_errors.ts";
import {
  type CoreCounts,
  type CoreState,
  CoreStatus,
  LimitKind,
  type LimitState,
  MAX_SLOTS,
  MAX_TASK_LIMITS,
  type Outcome,
  type SchedulerCore,
  SLOT_BITS,
  type TaskId,
} from "./types.ts";

const INITIAL_SLOTS = 1024;
const INITIAL_EDGES = 1024;
const INITIAL_OUTPUT = 256;
const INITIAL_LIMITS = 16;
const INITIAL_QUEUE = 16;
const COMPACT_MIN = 32;
const SORT_RUN = 16;

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
const HELD = 6;
const ADMITTED = 7;
const MARK = 8;
const HELD_SHIFT = 4;
const RETIRED = 16;

/** Ends a task's limits (stored as limit id + 1) when it has fewer than MAX_TASK_LIMITS. */
const NO_LIMIT = 0;
const NOT_WOKEN = -2;
const { CONCURRENCY, RATE } = LimitKind;

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
  UNKNOWN_LIMIT,
  BAD_KIND,
  NOT_RATE,
  DUPLICATE_LIMIT,
  ALREADY_ADMITTED,
  BAD_GIVEBACK,
} = CoreStatus;

function isFinal(sc: number): boolean {
  const st = sc & 7;
  return st >= DONE && st <= CANCELLED;
}

/**
 * The queue of HELD tasks of one limit, as in the Wasm core: a run (a ring of
 * ids in queue order: an id that sorts after the last one appended, whose key
 * `lastP`/`lastS` keep, is appended) and a binary heap of (priority,
 * sequence, id) entries (every other id). The core picks the head (see
 * TsCore.#serve). Entries of tasks that left otherwise stay behind as stale.
 */
class Queue {
  runIds = new Int32Array(0);
  runHead = 0;
  runLen = 0;
  runCap = 0;
  lastP = 0;
  lastS = 0;
  heapKeys = new Float64Array(0);
  heapIds = new Int32Array(0);
  heapLen = 0;
  heapCap = 0;

  bytes(): number {
    return this.runCap * 4 + this.heapCap * 32;
  }

  push(p: number, s: number, id: number): void {
    const rl = this.runLen;
    if (rl === 0 || this.lastP > p || (this.lastP === p && this.lastS < s)) {
      if (rl === this.runCap) this.#growRun();
      this.runIds[(this.runHead + rl) & (this.runCap - 1)] = id;
      this.runLen = rl + 1;
      this.lastP = p;
      this.lastS = s;
      return;
    }
    let i = this.heapLen;
    if (i === this.heapCap) this.#growHeap();
    this.heapLen = i + 1;
    const k = this.heapKeys, ids = this.heapIds;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pp = k[parent << 1]!;
      if (!(p > pp || (p === pp && s < k[(parent << 1) + 1]!))) break;
      k[i << 1] = pp;
      k[(i << 1) + 1] = k[(parent << 1) + 1]!;
      ids[i] = ids[parent]!;
      i = parent;
    }
    k[i << 1] = p;
    k[(i << 1) + 1] = s;
    ids[i] = id;
  }

  /** Removes the run's first id (the run is not empty). */
  shiftRun(): void {
    this.runHead = (this.runHead + 1) & (this.runCap - 1);
    this.runLen--;
  }

  /** Removes the heap's top entry (the heap is not empty); returns its id (maybe stale). */
  popHeap(): number {
    const hk = this.heapKeys;
    const id = this.heapIds[0]!;
    const n = this.heapLen - 1;
    this.heapLen = n;
    if (n > 0) this.#siftDown(n, 0, hk[n << 1]!, hk[(n << 1) + 1]!, this.heapIds[n]!);
    return id;
  }

  /** Keeps only the entries `keep(id)` accepts (the run keeps its order; the heap is rebuilt). */
  compact(keep: (id: number) => boolean): void {
    const ri = this.runIds, mask = this.runCap - 1, h = this.runHead;
    let j = 0;
    for (let i = 0; i < this.runLen; i++) {
      const id = ri[(h + i) & mask]!;
      if (!keep(id)) continue;
      ri[(h + j) & mask] = id;
      j++;
    }
    this.runLen = j;
    const hk = this.heapKeys, hi = this.heapIds;
    j = 0;
    for (let i = 0; i < this.heapLen; i++) {
      if (!keep(hi[i]!)) continue;
      hk[j << 1] = hk[i << 1]!;
      hk[(j << 1) + 1] = hk[(i << 1) + 1]!;
      hi[j] = hi[i]!;
      j++;
    }
    this.heapLen = j;
    for (let i = (j >> 1) - 1; i >= 0; i--) {
      this.#siftDown(j, i, hk[i << 1]!, hk[(i << 1) + 1]!, hi[i]!);
    }
  }

  clear(): void {
    this.runHead = 0;
    this.runLen = 0;
    this.heapLen = 0;
  }

  #siftDown(len: number, i: number, p: number, s: number, id: number): void {
    const k = this.heapKeys, ids = this.heapIds;
    for (;;) {
      let c = (i << 1) + 1;
      if (c >= len) break;
      let cp = k[c << 1]!;
      if (c + 1 < len) {
        const dp = k[(c + 1) << 1]!;
        if (dp > cp || (dp === cp && k[((c + 1) << 1) + 1]! < k[(c << 1) + 1]!)) {
          c++;
          cp = dp;
        }
      }
      if (!(cp > p || (cp === p && k[(c << 1) + 1]! < s))) break;
      k[i << 1] = cp;
      k[(i << 1) + 1] = k[(c << 1) + 1]!;
      ids[i] = ids[c]!;
      i = c;
    }
    k[i << 1] = p;
    k[(i << 1) + 1] = s;
    ids[i] = id;
  }

  #growRun(): void {
    const cap = this.runCap === 0 ? INITIAL_QUEUE : this.runCap * 2;
    const ids = new Int32Array(cap);
    const h = this.runHead;
    // the ring is full: ids h .. runCap - 1, then 0 .. h - 1
    ids.set(this.runIds.subarray(h));
    ids.set(this.runIds.subarray(0, h), this.runCap - h);
    this.runIds = ids;
    this.runHead = 0;
    this.runCap = cap;
  }

  #growHeap(): void {
    const cap = this.heapCap === 0 ? INITIAL_QUEUE : this.heapCap * 2;
    const keys = new Float64Array(cap * 2);
    keys.set(this.heapKeys.subarray(0, this.heapLen * 2));
    const ids = new Int32Array(cap);
    ids.set(this.heapIds.subarray(0, this.heapLen));
    this.heapKeys = keys;
    this.heapIds = ids;
    this.heapCap = cap;
  }
}

class TsCore implements SchedulerCore {
  readonly kind = "ts" as const;

  #slots = new Int32Array(INITIAL_SLOTS * 4);
  #seqs = new Float64Array(INITIAL_SLOTS);
  #prios = new Float64Array(INITIAL_SLOTS);
  #lims = new Uint16Array(INITIAL_SLOTS * MAX_TASK_LIMITS);
  /** Whether a task with a priority or limits was added since the last reset. */
  #dirty = false;
  #ring = new Int32Array(INITIAL_SLOTS);
  #edges = new Int32Array(INITIAL_EDGES * 2);
  #ready = new Int32Array(INITIAL_OUTPUT);
  #failed = new Int32Array(INITIAL_OUTPUT);
  #cancelled = new Int32Array(INITIAL_OUTPUT);
  #admitted = new Int32Array(INITIAL_OUTPUT);
  #readyLen = 0;
  #failedLen = 0;
  #cancelledLen = 0;
  #admittedLen = 0;
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
  #nHeld = 0;
  #nAdmitted = 0;
  #nDone = 0;
  #nFailed = 0;
  #nCancelled = 0;
  #nLive = 0;
  /** Live tasks whose priority is not 0: while there are none, nothing is sorted. */
  #nPrio = 0;
  #seq = 0;
  // limits, one entry per limit id below #limitCap
  #limitCap = 0;
  #lCap = NO_IDS;
  #lUsed = NO_IDS;
  #lKind = NO_IDS;
  #lStale = NO_IDS;
  #lNext = NO_IDS;
  #queues: (Queue | undefined)[] = [];
  #wakeHead = -1;
  #wakeTail = -1;
  // sort scratch: 2 x n records (priority, sequence, id)
  #sortKeyBuf = new Float64Array(0);
  #sortIdBuf = new Int32Array(0);
  /** admit()'s copy of a batch that must be sorted. */
  #admitBuf = new Int32Array(0);
  #views: { ready: Int32Array; failed: Int32Array; cancelled: Int32Array; admitted: Int32Array } = {
    ready: this.#ready.subarray(0, 0),
    failed: this.#failed.subarray(0, 0),
    cancelled: this.#cancelled.subarray(0, 0),
    admitted: this.#admitted.subarray(0, 0),
  };

  // ─── ids and slots ────────────────────────────────────────────────────────

  #idStatus(id: number): number {
    if (id < 0 || id >= ID_LIMIT || (id & SLOT_MASK) >= this.#slotTop) return UNKNOWN_ID;
    const r = (id & SLOT_MASK) << 2;
    const cur = this.#slots[r]!;
    if (cur === id) {
      const sc = this.#slots[r + 1]!;
      if ((sc & 7) !== FREE) return OK;
      return sc === FREE ? UNKNOWN_ID : STALE_ID;
    }
    return (id >>> SLOT_BITS) < (cur >>> SLOT_BITS) ? STALE_ID : UNKNOWN_ID;
  }

  #ensureSlots(k: number): number {
    const need = this.#nLive + this.#retired + k;
    if (need > MAX_SLOTS) return FULL;
    let cap = this.#slotCap;
    while (need * 2 > cap && cap < MAX_SLOTS) cap *= 2;
    if (cap === this.#slotCap) return OK;
    const top = this.#slotTop;
    const slots = new Int32Array(cap * 4);
    slots.set(this.#slots.subarray(0, top * 4));
    const seqs = new Float64Array(cap);
    seqs.set(this.#seqs.subarray(0, top));
    const prios = new Float64Array(cap);
    prios.set(this.#prios.subarray(0, top));
    const lims = new Uint16Array(cap * MAX_TASK_LIMITS);
    lims.set(this.#lims.subarray(0, top * MAX_TASK_LIMITS));
    const ring = new Int32Array(cap);
    const old = this.#ring;
    const mask = this.#slotCap - 1;
    for (let i = 0; i < this.#ringCount; i++) ring[i] = old[(this.#ringHead + i) & mask]!;
    this.#slots = slots;
    this.#seqs = seqs;
    this.#prios = prios;
    this.#lims = lims;
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

  #pushAdmitted(id: number): void {
    if (this.#admittedLen >= this.#admitted.length) {
      this.#admitted = grow(this.#admitted, this.#admittedLen);
    }
    this.#admitted[this.#admittedLen++] = id;
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

  // ─── priority order ───────────────────────────────────────────────────────

  /**
   * Sorts `a[from .. from + n)` (ids) by (priority desc, seq asc): a check
   * first, then a merge sort of records, as the Wasm core does.
   */
  #sortIds(a: Int32Array, from: number, n: number): void {
    if (this.#inOrder(a, from, n)) return;
    const seqs = this.#seqs, prios = this.#prios;
    if (this.#sortIdBuf.length < 2 * n) {
      let cap = 16;
      while (cap < 2 * n) cap *= 2;
      this.#sortKeyBuf = new Float64Array(cap * 2);
      this.#sortIdBuf = new Int32Array(cap);
    }
    const k = this.#sortKeyBuf, ids = this.#sortIdBuf;
    let src = 0, dst = n;
    for (let j = 0; j < n; j++) {
      const id = a[from + j]!;
      const s = id & SLOT_MASK;
      k[j << 1] = prios[s]!;
      k[(j << 1) + 1] = seqs[s]!;
      ids[j] = id;
    }
    for (let lo = 0; lo < n; lo += SORT_RUN) {
      const hi = Math.min(lo + SORT_RUN, n);
      for (let j = lo + 1; j < hi; j++) {
        const xp = k[j << 1]!, xs = k[(j << 1) + 1]!, xid = ids[j]!;
        let m = j;
        while (m > lo) {
          const yp = k[(m - 1) << 1]!;
          if (!(xp > yp || (xp === yp && xs < k[((m - 1) << 1) + 1]!))) break;
          k[m << 1] = yp;
          k[(m << 1) + 1] = k[((m - 1) << 1) + 1]!;
          ids[m] = ids[m - 1]!;
          m--;
        }
        k[m << 1] = xp;
        k[(m << 1) + 1] = xs;
        ids[m] = xid;
      }
    }
    for (let w = SORT_RUN; w < n; w *= 2) {
      for (let lo = 0; lo < n; lo += 2 * w) {
        merge(k, ids, src, dst, lo, Math.min(lo + w, n), Math.min(lo + 2 * w, n));
      }
      const t = src;
      src = dst;
      dst = t;
    }
    for (let j = 0; j < n; j++) a[from + j] = ids[src + j]!;
  }

  /** Whether the ids `a[from .. from + n)` are in (priority desc, seq asc) order. */
  #inOrder(a: Int32Array, from: number, n: number): boolean {
    if (n < 2) return true;
    const seqs = this.#seqs, prios = this.#prios;
    let x = a[from]! & SLOT_MASK;
    if (this.#nPrio === 0) {
      // every priority is 0: creation order
      for (let i = 1; i < n; i++) {
        const y = a[from + i]! & SLOT_MASK;
        if (seqs[y]! < seqs[x]!) return false;
        x = y;
      }
      return true;
    }
    for (let i = 1; i < n; i++) {
      const y = a[from + i]! & SLOT_MASK;
      const py = prios[y]!, px = prios[x]!;
      if (py > px || (py === px && seqs[y]! < seqs[x]!)) return false;
      x = y;
    }
    return true;
  }

  #sortReady(from: number): void {
    if (this.#nPrio === 0 || this.#readyLen - from < 2) return;
    this.#sortIds(this.#ready, from, this.#readyLen - from);
  }

  // ─── limits and their queues ──────────────────────────────────────────────

  #limitSet(l: number): boolean {
    return l >= 0 && l < this.#limitCap && this.#lCap[l]! > 0;
  }

  #ensureLimits(n: number): void {
    if (n <= this.#limitCap) return;
    let cap = this.#limitCap === 0 ? INITIAL_LIMITS : this.#limitCap;
    while (cap < n) cap *= 2;
    const widen = (a: Int32Array, fill: number) => {
      const b = new Int32Array(cap).fill(fill);
      b.set(a);
      return b;
    };
    this.#lCap = widen(this.#lCap, 0);
    this.#lUsed = widen(this.#lUsed, 0);
    this.#lKind = widen(this.#lKind, 0);
    this.#lStale = widen(this.#lStale, 0);
    this.#lNext = widen(this.#lNext, NOT_WOKEN);
    this.#limitCap = cap;
  }

  #wake(l: number): void {
    const next = this.#lNext;
    if (next[l] !== NOT_WOKEN) return;
    next[l] = -1;
    if (this.#wakeTail < 0) this.#wakeHead = l;
    else next[this.#wakeTail] = l;
    this.#wakeTail = l;
  }

  #giveBackUnits(s: number): void {
    const lims = this.#lims;
    const at = s * MAX_TASK_LIMITS;
    for (let j = 0; j < MAX_TASK_LIMITS; j++) {
      const l = lims[at + j]! - 1;
      if (l < 0) return;
      if (this.#lKind[l] !== CONCURRENCY) continue;
      this.#lUsed[l]!--;
      if (this.#lNext[l] === NOT_WOKEN) this.#wake(l);
    }
  }

  #enqueue(l: number, id: number): void {
    let q = this.#queues[l];
    if (q === undefined) q = this.#queues[l] = new Queue();
    const s = id & SLOT_MASK;
    q.push(this.#nPrio === 0 ? 0 : this.#prios[s]!, this.#seqs[s]!, id);
  }

  #queued(id: number, tag: number): boolean {
    const r = (id & SLOT_MASK) << 2;
    return this.#slots[r] === id && (this.#slots[r + 1]! & ~MARK) === tag;
  }

  #unqueue(l: number): void {
    const stale = ++this.#lStale[l]!;
    const q = this.#queues[l]!;
    if (stale >= COMPACT_MIN && stale * 2 >= q.runLen + q.heapLen) {
      const tag = HELD | (l << HELD_SHIFT);
      q.compact((id) => this.#queued(id, tag));
      this.#lStale[l] = 0;
    }
  }

  /** As the Wasm core's serve(), with the counters in locals. */
  #serve(l: number): void {
    const q = this.#queues[l];
    if (q === undefined) return;
    const tag = HELD | (l << HELD_SHIFT);
    const slots = this.#slots, seqs = this.#seqs, prios = this.#prios, lims = this.#lims;
    const used = this.#lUsed, cap = this.#lCap;
    let admitted = 0;
    let out = this.#admitted;
    let len = this.#admittedLen;
    while (used[l]! < cap[l]!) {
      // the head: the run's first id or the heap's top, whichever sorts first
      let id: number;
      if (q.runLen !== 0) {
        id = q.runIds[q.runHead]!;
        const r = (id & SLOT_MASK) << 2;
        const valid = slots[r] === id && (slots[r + 1]! & ~MARK) === tag;
        let fromRun = !valid || q.heapLen === 0;
        if (!fromRun) {
          const s = id & SLOT_MASK, hk = q.heapKeys;
          const p = prios[s]!;
          fromRun = p > hk[0]! || (p === hk[0]! && seqs[s]! < hk[1]!);
        }
        if (fromRun) {
          q.shiftRun();
          if (!valid) {
            this.#lStale[l]!--;
            continue;
          }
        } else {
          id = q.popHeap();
        }
      } else if (q.heapLen !== 0) {
        id = q.popHeap();
      } else {
        break;
      }
      const r = (id & SLOT_MASK) << 2;
      if (slots[r] !== id || (slots[r + 1]! & ~MARK) !== tag) {
        this.#lStale[l]!--;
        continue;
      }
      const at = (id & SLOT_MASK) * MAX_TASK_LIMITS;
      let m = -1;
      if (lims[at] === l + 1 && lims[at + 1] === NO_LIMIT) {
        // the common case, a task whose one limit is l (which has a unit)
        used[l]!++;
      } else {
        for (let j = 0; j < MAX_TASK_LIMITS; j++) {
          const k = lims[at + j]! - 1;
          if (k < 0) break;
          if (used[k]! >= cap[k]!) {
            m = k;
            break;
          }
        }
        if (m < 0) {
          for (let j = 0; j < MAX_TASK_LIMITS; j++) {
            const k = lims[at + j]! - 1;
            if (k < 0) break;
            used[k]!++;
          }
        }
      }
      if (m < 0) {
        slots[r + 1] = ADMITTED;
        admitted++;
        if (len >= out.length) out = this.#admitted = grow(out, len);
        out[len++] = id;
      } else {
        slots[r + 1] = HELD | (m << HELD_SHIFT);
        this.#enqueue(m, id);
      }
    }
    this.#admittedLen = len;
    this.#nHeld -= admitted;
    this.#nAdmitted += admitted;
  }

  #serveWoken(): void {
    while (this.#wakeHead >= 0) {
      const l = this.#wakeHead;
      this.#wakeHead = this.#lNext[l]!;
      this.#lNext[l] = NOT_WOKEN;
      this.#serve(l);
    }
    this.#wakeTail = -1;
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

  /** The task `id` (state word `sc`: READY, HELD or ADMITTED) has just become final. */
  #dropClaims(id: number, sc: number): void {
    const st = sc & 7;
    if (st === READY) this.#nReady--;
    else if (st === HELD) {
      this.#nHeld--;
      this.#unqueue(sc >>> HELD_SHIFT);
    } else {
      this.#nAdmitted--;
      this.#giveBackUnits(id & SLOT_MASK);
    }
  }

  #finish(id: number, outcome: number): void {
    const r = (id & SLOT_MASK) << 2;
    const sc = this.#slots[r + 1]!;
    this.#slots[r + 1] = outcome;
    if ((sc & ~MARK) === READY) this.#nReady--;
    else this.#dropClaims(id, sc);
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
   * Writes the priority and the limits `lims[0 .. nl)` of slot `sl` (whose
   * priority and limits are clean: called only for a task that has either).
   */
  #setKeys(sl: number, prio: number, lims: ArrayLike<number>, nl: number): void {
    this.#dirty = true;
    // clean: only what is not 0 is written
    if (prio !== 0) {
      this.#prios[sl] = prio;
      this.#nPrio++;
    }
    if (nl !== 0) {
      const lp = this.#lims;
      const la = sl * MAX_TASK_LIMITS;
      for (let j = 0; j < nl; j++) lp[la + j] = ((lims[j] as number) | 0) + 1;
      if (nl < MAX_TASK_LIMITS) lp[la + nl] = NO_LIMIT;
    }
  }

  /**
   * Sets up task `id` whose deps are `deps[at .. at + n)`; a dep `v < 0` is
   * `local[-v - 1]` (addBatch). As in the Wasm core, edges added before a
   * FAILED or CANCELLED dep is met stay behind and are skipped when walked.
   * It gets the next sequence number (#setKeys() wrote a priority or limits
   * first, if it has them).
   */
  #place(id: number, deps: ArrayLike<number>, at: number, n: number, local: Int32Array): void {
    const slots = this.#slots;
    const r = (id & SLOT_MASK) << 2;
    this.#seqs[id & SLOT_MASK] = this.#seq++;
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

  add(
    deps: ArrayLike<number>,
    count: number = deps.length,
    priority?: number,
    limits?: ArrayLike<number>,
    nLimits?: number,
  ): TaskId {
    if (priority !== undefined || limits !== undefined || nLimits !== undefined) {
      return this.#addWith(deps, count, priority ?? 0, limits, nLimits ?? limits?.length ?? 0);
    }
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

  /** add() with a priority or limits (kept apart so that add() stays small). */
  #addWith(
    deps: ArrayLike<number>,
    count: number,
    priority: number,
    limits: ArrayLike<number> | undefined,
    nLimits: number,
  ): TaskId {
    if (count !== deps.length) checkCount("add task", count, deps);
    const n = count;
    if (priority === 0 && nLimits === 0) return this.add(deps, n);
    if (!addOptionsOk(priority, limits, nLimits)) checkAddOptions(priority, limits, nLimits);
    for (let j = 0; j < n; j++) {
      const d = (deps[j] as number) | 0;
      const st = this.#idStatus(d);
      if (st !== OK) this.#fail("add task", st, j, d);
    }
    const lims = limits ?? NO_IDS;
    for (let j = 0; j < nLimits; j++) {
      const l = (lims[j] as number) | 0;
      if (!this.#limitSet(l)) this.#fail("add task", UNKNOWN_LIMIT, j, l);
      for (let k = 0; k < j; k++) {
        if (((lims[k] as number) | 0) === l) this.#fail("add task", DUPLICATE_LIMIT, j, l);
      }
    }
    if (this.#ensureSlots(1) !== OK) this.#refuse("add task", 1);
    this.#ensureEdges(n);
    const id = this.#allocSlot();
    this.#setKeys(id & SLOT_MASK, priority, lims, nLimits);
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

  /** Checks that `id` is READY, HELD or ADMITTED and unmarked (complete()). */
  #checkLive(id: number): number {
    const st = this.#idStatus(id);
    if (st !== OK) return st;
    const sc = this.#slots[((id & SLOT_MASK) << 2) + 1]!;
    if (sc === READY) return OK;
    const s = sc & 7;
    if (s === WAITING) return NOT_READY;
    if ((s === HELD || s === ADMITTED) && (sc & MARK) === 0) return OK;
    return ALREADY_FINAL;
  }

  #unmark(ids: Int32Array, n: number): void {
    const slots = this.#slots;
    for (let j = 0; j < n; j++) {
      const r = ((ids[j]! & SLOT_MASK) << 2) + 1;
      slots[r] = slots[r]! & ~MARK;
    }
  }

  complete(count: number, ids: ArrayLike<number>, outcomes: ArrayLike<number>): void {
    checkCount("complete task", count, ids, outcomes);
    const is = this.#own(ids, count);
    const os = this.#own(outcomes, count);
    const slots = this.#slots;
    for (let i = 0; i < count; i++) {
      const id = is[i]!;
      let st = this.#checkLive(id);
      let value = id;
      if (st === OK) {
        const o = os[i]!;
        if (o < DONE || o > CANCELLED) {
          st = BAD_OUTCOME;
          value = o;
        }
      }
      if (st !== OK) {
        this.#unmark(is, i);
        this.#fail("complete task", st, i, value);
      }
      slots[((id & SLOT_MASK) << 2) + 1] = slots[((id & SLOT_MASK) << 2) + 1]! | MARK;
    }
    const from = this.#readyLen;
    for (let i = 0; i < count; i++) this.#finish(is[i]!, os[i]!);
    if (this.#wakeHead >= 0) this.#serveWoken();
    if (this.#nPrio !== 0) this.#sortReady(from);
  }

  completeOne(id: TaskId, outcome: Outcome): void {
    const i = id | 0;
    const st = this.#checkLive(i);
    if (st !== OK) this.#fail("complete task", st, 0, i, false);
    const o = outcome | 0;
    if (o < DONE || o > CANCELLED) this.#fail("complete task", BAD_OUTCOME, 0, o, false);
    const from = this.#readyLen;
    this.#finish(i, o);
    if (this.#wakeHead >= 0) this.#serveWoken();
    if (this.#nPrio !== 0) this.#sortReady(from);
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
      const sc = slots[r + 1]!;
      const st = sc & 7;
      if (st === WAITING) this.#nWaiting--;
      else if (isFinal(sc)) continue;
      slots[r + 1] = CANCELLED;
      if (st !== WAITING) this.#dropClaims(id, sc);
      this.#nCancelled++;
      n++;
      const q = this.#cancelledLen;
      this.#pushCancelled(id, -1);
      this.#spread(q, CANCELLED);
    }
    if (this.#wakeHead >= 0) this.#serveWoken();
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
        if (!isFinal(sc)) st = NOT_FINAL;
        else if ((sc & MARK) !== 0) st = STALE_ID;
      }
      if (st !== OK) {
        this.#unmark(is, i);
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
      // leave the slot's priority and limits clean for its next task
      if (this.#nPrio !== 0 && this.#prios[id & SLOT_MASK] !== 0) {
        this.#nPrio--;
        this.#prios[id & SLOT_MASK] = 0;
      }
      if (this.#limitCap !== 0) this.#lims[(id & SLOT_MASK) * MAX_TASK_LIMITS] = NO_LIMIT;
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

  admit(count: number, ids: ArrayLike<number>): number {
    checkCount("admit task", count, ids);
    let is = this.#own(ids, count);
    const slots = this.#slots, seqs = this.#seqs, prios = this.#prios;
    let inOrder = true;
    let lastP = 0, lastS = 0;
    for (let i = 0; i < count; i++) {
      const id = is[i]!;
      let st = this.#idStatus(id);
      if (st === OK) {
        const sc = slots[((id & SLOT_MASK) << 2) + 1]!;
        const s = sc & 7;
        if (sc === READY) st = OK;
        else if (s === WAITING) st = NOT_READY;
        else if (s === READY || s === HELD || s === ADMITTED) st = ALREADY_ADMITTED;
        else st = ALREADY_FINAL;
      }
      if (st !== OK) {
        this.#unmark(is, i);
        this.#fail("admit task", st, i, id);
      }
      slots[((id & SLOT_MASK) << 2) + 1] = READY | MARK;
      if (inOrder) {
        const y = id & SLOT_MASK;
        const p = this.#nPrio === 0 ? 0 : prios[y]!, s = seqs[y]!;
        if (i > 0 && (p > lastP || (p === lastP && s < lastS))) inOrder = false;
        lastP = p;
        lastS = s;
      }
    }
    if (!inOrder) {
      // sorted in a copy: the caller's array is left as it is
      if (this.#admitBuf.length < count) this.#admitBuf = new Int32Array(count);
      this.#admitBuf.set(is.subarray(0, count));
      is = this.#admitBuf;
      this.#sortIds(is, 0, count);
    }
    // #admitOne() for each, with the counters kept in locals
    const lims = this.#lims, used = this.#lUsed, cap = this.#lCap;
    let admitted = 0;
    for (let i = 0; i < count; i++) {
      const id = is[i]!;
      const sl = id & SLOT_MASK;
      const at = sl * MAX_TASK_LIMITS;
      let m = -1;
      const one = lims[at]! - 1;
      if (lims[at + 1] === NO_LIMIT) {
        // no limit, or one (the common cases): no loops
        if (one >= 0) {
          if (used[one]! >= cap[one]!) m = one;
          else used[one]!++;
        }
      } else {
        for (let j = 0; j < MAX_TASK_LIMITS; j++) {
          const l = lims[at + j]! - 1;
          if (l < 0) break;
          if (used[l]! >= cap[l]!) {
            m = l;
            break;
          }
        }
        if (m < 0) {
          for (let j = 0; j < MAX_TASK_LIMITS; j++) {
            const l = lims[at + j]! - 1;
            if (l < 0) break;
            used[l]!++;
          }
        }
      }
      if (m < 0) {
        slots[(sl << 2) + 1] = ADMITTED;
        this.#pushAdmitted(id);
        admitted++;
      } else {
        slots[(sl << 2) + 1] = HELD | (m << HELD_SHIFT);
        this.#enqueue(m, id);
      }
    }
    this.#nReady -= count;
    this.#nAdmitted += admitted;
    this.#nHeld += count - admitted;
    return admitted;
  }

  setLimit(limit: number, capacity: number, kind: LimitKind): number {
    checkSetLimit(limit, capacity, kind);
    if (this.#limitSet(limit) && this.#lKind[limit] !== kind) {
      this.#fail("set limit", BAD_KIND, -1, kind, false);
    }
    this.#ensureLimits(limit + 1);
    this.#lCap[limit] = capacity;
    this.#lKind[limit] = kind;
    const from = this.#admittedLen;
    if (this.#lUsed[limit]! < capacity) this.#wake(limit);
    this.#serveWoken();
    return this.#admittedLen - from;
  }

  giveBack(limit: number, n: number): number {
    checkGiveBack(limit, n);
    if (!this.#limitSet(limit)) this.#fail("give back units", UNKNOWN_LIMIT, -1, limit, false);
    if (this.#lKind[limit] !== RATE) this.#fail("give back units", NOT_RATE, -1, limit, false);
    if (n > this.#lUsed[limit]!) this.#fail("give back units", BAD_GIVEBACK, -1, n, false);
    const from = this.#admittedLen;
    if (n !== 0) {
      this.#lUsed[limit]! -= n;
      this.#wake(limit);
      this.#serveWoken();
    }
    return this.#admittedLen - from;
  }

  limitState(limit: number): LimitState {
    checkLimitId("read limit state", limit);
    if (!this.#limitSet(limit)) this.#fail("read limit state", UNKNOWN_LIMIT, -1, limit, false);
    return {
      capacity: this.#lCap[limit]!,
      taken: this.#lUsed[limit]!,
      kind: this.#lKind[limit]! as LimitKind,
    };
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

  admittedCount(): number {
    return this.#admittedLen;
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

  admitted(): Int32Array {
    const v = this.#views;
    if (
      v.admitted.buffer !== this.#admitted.buffer || v.admitted.length !== this.#admittedLen
    ) {
      v.admitted = this.#admitted.subarray(0, this.#admittedLen);
    }
    return v.admitted;
  }

  takeOutputs(
    ready: Int32Array,
    failed: Int32Array,
    cancelled: Int32Array,
    admitted?: Int32Array,
  ): void {
    const nr = this.#readyLen, nf = this.#failedLen, nc = this.#cancelledLen;
    const na = admitted === undefined ? 0 : this.#admittedLen;
    if (
      ready.length < nr || failed.length < nf || cancelled.length < nc ||
      (admitted !== undefined && admitted.length < na)
    ) {
      throw tooSmall(ready, failed, cancelled, admitted, nr, nf, nc, na);
    }
    copyInto(ready, this.#ready, 0, nr);
    copyInto(failed, this.#failed, 0, nf);
    copyInto(cancelled, this.#cancelled, 0, nc);
    this.#readyLen = 0;
    this.#failedLen = 0;
    this.#cancelledLen = 0;
    if (admitted !== undefined) {
      copyInto(admitted, this.#admitted, 0, na);
      this.#admittedLen = 0;
    }
  }

  clearOutputs(): void {
    this.#readyLen = 0;
    this.#failedLen = 0;
    this.#cancelledLen = 0;
    this.#admittedLen = 0;
  }

  counts(): CoreCounts {
    return {
      waiting: this.#nWaiting,
      ready: this.#nReady,
      held: this.#nHeld,
      admitted: this.#nAdmitted,
      done: this.#nDone,
      failed: this.#nFailed,
      cancelled: this.#nCancelled,
      live: this.#nLive,
      capacity: this.#slotCap,
    };
  }

  memoryBytes(): number {
    let queues = 0;
    for (const q of this.#queues) if (q !== undefined) queues += q.bytes();
    return this.#slots.byteLength + this.#seqs.byteLength + this.#prios.byteLength +
      this.#lims.byteLength +
      this.#ring.byteLength + this.#edges.byteLength + this.#ready.byteLength +
      this.#failed.byteLength + this.#cancelled.byteLength + this.#admitted.byteLength +
      this.#sortKeyBuf.byteLength + this.#sortIdBuf.byteLength + this.#admitBuf.byteLength +
      this.#limitCap * 20 + queues;
  }

  reset(): void {
    if (this.#dirty) {
      // the slots used since the last reset are those below #slotTop: clean them
      this.#prios.fill(0, 0, this.#slotTop);
      this.#lims.fill(NO_LIMIT, 0, this.#slotTop * MAX_TASK_LIMITS);
      this.#dirty = false;
    }
    this.#readyLen = 0;
    this.#failedLen = 0;
    this.#cancelledLen = 0;
    this.#admittedLen = 0;
    this.#nWaiting = 0;
    this.#nReady = 0;
    this.#nHeld = 0;
    this.#nAdmitted = 0;
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
    this.#nPrio = 0;
    this.#seq = 0;
    this.#lCap.fill(0);
    this.#lUsed.fill(0);
    this.#lKind.fill(0);
    this.#lStale.fill(0);
    this.#lNext.fill(NOT_WOKEN);
    for (const q of this.#queues) q?.clear();
    this.#wakeHead = -1;
    this.#wakeTail = -1;
  }

  /**
   * `a[0..count)` as int32 values the core may read while it writes its
   * outputs: a copy when `a` is not an Int32Array or is one of this core's
   * own output buffers (as the Wasm core copies every batch into its input).
   */
  #own(a: ArrayLike<number>, count: number): Int32Array {
    if (
      a instanceof Int32Array && a.buffer !== this.#ready.buffer &&
      a.buffer !== this.#failed.buffer && a.buffer !== this.#cancelled.buffer &&
      a.buffer !== this.#admitted.buffer
    ) {
      return a;
    }
    const c = new Int32Array(count);
    for (let i = 0; i < count; i++) c[i] = (a[i] as number) | 0;
    return c;
  }
}

/** Merges the sorted record ranges [lo, mid) and [mid, hi) at `src` into `dst` (record offsets). */
function merge(
  k: Float64Array,
  ids: Int32Array,
  src: number,
  dst: number,
  lo: number,
  mid: number,
  hi: number,
): void {
  let i = src + lo, j = src + mid, d = dst + lo;
  const ie = src + mid, je = src + hi;
  while (i < ie && j < je) {
    const pi = k[i << 1]!, pj = k[j << 1]!;
    const takeJ = pj > pi || (pj === pi && k[(j << 1) + 1]! < k[(i << 1) + 1]!);
    const x = takeJ ? j++ : i++;
    k[d << 1] = k[x << 1]!;
    k[(d << 1) + 1] = k[(x << 1) + 1]!;
    ids[d++] = ids[x]!;
  }
  for (; i < ie; i++, d++) {
    k[d << 1] = k[i << 1]!;
    k[(d << 1) + 1] = k[(i << 1) + 1]!;
    ids[d] = ids[i]!;
  }
  for (; j < je; j++, d++) {
    k[d << 1] = k[j << 1]!;
    k[(d << 1) + 1] = k[(j << 1) + 1]!;
    ids[d] = ids[j]!;
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
