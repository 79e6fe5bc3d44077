// The scheduler core: readiness tracking over integer task ids.
//
// AssemblyScript, integers only, no managed objects, no imports. The host
// (src/core/wasm_core.ts) is the only code that touches this memory. Every
// exported call works on one "context" (an independent core) whose handle is
// the address of its header, does a whole batch, and returns an integer
// status: >= 0 is a result, < 0 is one of the STATUS codes below, with the
// offending batch index and value in the header. Nothing traps: every
// address is checked before use, and a refused batch changes nothing.
//
// Semantics (ids, states, outputs) are documented in src/core/types.ts; the
// TypeScript core (src/core/ts_core.ts) runs the same algorithm and must give
// identical answers.

// ─── Tuning constants ──────────────────────────────────────────────────────

/** Slot records allocated when a context is created (power of two). */
const INITIAL_SLOTS: i32 = 1024;
/** Edge records allocated when a context is created (power of two). */
const INITIAL_EDGES: i32 = 1024;
/** Entries (i32) of each output list when a context is created (power of two). */
const INITIAL_OUTPUT: i32 = 256;
/** Entries (i32) of the input buffer when a context is created (power of two). */
const INITIAL_INPUT: i32 = 1024;
/** Largest block: 2^MAX_CLASS bytes (keeps every address below 2^31). */
const MAX_CLASS: i32 = 30;

// ─── Ids, states, statuses (mirror src/core/types.ts) ─────────────────────

const SLOT_BITS: i32 = 21;
const SLOT_MASK: i32 = (1 << SLOT_BITS) - 1;
const MAX_SLOTS: i32 = 1 << SLOT_BITS;
const GEN_MAX: i32 = (1 << 9) - 1; // last generation a slot may reach
const ID_LIMIT: u32 = 1 << 30;

const FREE: i32 = 0;
const WAITING: i32 = 1;
const READY: i32 = 2;
const DONE: i32 = 3;
const FAILED: i32 = 4;
const CANCELLED: i32 = 5;
const RETIRED: i32 = 6; // internal: a slot whose generation is used up
const MARK: i32 = 8; // internal: set on a batch item while the batch is validated

const OK: i32 = 0;
const UNKNOWN_ID: i32 = -1;
const STALE_ID: i32 = -2;
const ALREADY_FINAL: i32 = -3;
const NOT_READY: i32 = -4;
const NOT_FINAL: i32 = -5;
const BAD_OUTCOME: i32 = -6;
const FULL: i32 = -7;
const BAD_INPUT: i32 = -8;
/** Out of memory is reported as FULL with error index OOM_INDEX. */
const OOM_INDEX: i32 = -2;
/** Internal: memory could not grow. */
const OOM: i32 = -100;

// ─── Memory map ────────────────────────────────────────────────────────────
//
//  0            __heap_base  FREE_HEADS (32 x i32)   heapStart ─► blocks ... heapTop ─► memory end
//  ├── (unused) ┼───────────────────────────────────┼───────────────────────┼──────────────┤
//               └ one free-list head per size class   bump-allocated power-of-two blocks
//
// Every region is a power-of-two block from a size-class allocator (a free
// list per class, no coalescing); a region that must grow gets a block twice
// as big, is copied, and its old block goes back to its free list. Memory
// grows with `memory.grow` and never shrinks.
//
// A context is a header block (its address is the handle) that points at its
// regions:
//
//  header (i32 fields; the host reads the offsets from the exported H_* globals)
//  ┌────────┬────────┬──────────┬──────────┬──────────┬─────────┬─────────┬─ ─ ─
//  │ IN_PTR │ IN_CAP │ RDY_PTR  │ RDY_LEN  │ RDY_CAP  │ FAIL_PTR│ FAIL_LEN│ ...
//  └───┬────┴────────┴────┬─────┴──────────┴──────────┴────┬────┴─────────┴─ ─ ─
//      ▼                  ▼                                ▼
//   input: i32[IN_CAP]  ready: id[]              failed / cancelled: (id, cause)[]
//
//  slots: 16 bytes per slot, indexed by the id's low SLOT_BITS bits
//  ┌──────────────────┬────────────────────────────┬───────────┬───────────┐
//  │ id (gen|slot)    │ pending << 3 | state       │ edge head │ edge tail │
//  └──────────────────┴────────────────────────────┴───────────┴───────────┘
//    the id of the current (or next) occupant; a mismatch means stale/unknown
//
//  edges: 8 bytes each; a slot's dependents form a singly linked list in the
//  order they were added; free edges form one more list (EDGE_FREE)
//  ┌──────────────────┬───────────┐
//  │ dependent's id   │ next edge │   (-1 ends a list)
//  └──────────────────┴───────────┘
//
//  ring: i32[SLOT_CAP], a FIFO of released slots (reused evenly, so a slot
//  reaches its last generation rarely; such a slot is RETIRED instead)

export const H_IN_PTR: i32 = 0;
export const H_IN_CAP: i32 = 4;
export const H_READY_PTR: i32 = 8;
export const H_READY_LEN: i32 = 12;
export const H_READY_CAP: i32 = 16;
export const H_FAILED_PTR: i32 = 20;
export const H_FAILED_LEN: i32 = 24;
export const H_FAILED_CAP: i32 = 28;
export const H_CANCELLED_PTR: i32 = 32;
export const H_CANCELLED_LEN: i32 = 36;
export const H_CANCELLED_CAP: i32 = 40;
export const H_ERR_INDEX: i32 = 44;
export const H_ERR_VALUE: i32 = 48;
export const H_WAITING: i32 = 52;
export const H_READY: i32 = 56;
export const H_DONE: i32 = 60;
export const H_FAILED: i32 = 64;
export const H_CANCELLED: i32 = 68;
export const H_LIVE: i32 = 72;
export const H_SLOT_CAP: i32 = 76;
export const H_BYTES: i32 = 80;
const H_SLOT_TOP: i32 = 84;
const H_SLOTS: i32 = 88;
const H_RETIRED: i32 = 92;
const H_RING: i32 = 96;
const H_RING_HEAD: i32 = 100;
const H_RING_COUNT: i32 = 104;
const H_EDGES: i32 = 108;
const H_EDGE_CAP: i32 = 112;
const H_EDGE_TOP: i32 = 116;
const H_EDGE_FREE: i32 = 120;
const H_EDGE_FREE_COUNT: i32 = 124;
const H_BROKEN: i32 = 128;
const HEADER_CLASS: i32 = 8; // 256-byte header block

// ─── The allocator ─────────────────────────────────────────────────────────

let heapStart: usize = 0;
let heapTop: usize = 0;

function initHeap(): void {
  if (heapStart != 0) return;
  const base: usize = (__heap_base + 63) & ~<usize> 63;
  heapStart = base + 128;
  heapTop = heapStart;
  const end = <usize> memory.size() << 16;
  if (heapTop > end) {
    if (memory.grow(<i32> ((heapTop - end + 0xffff) >> 16)) < 0) {
      heapStart = 0;
      return;
    }
  }
  memory.fill(base, 0, 128);
}

function freeHead(cls: i32): usize {
  return ((__heap_base + 63) & ~<usize> 63) + (<usize> cls << 2);
}

/** A block of 2^cls bytes, or 0 when memory cannot grow. */
function allocBlock(cls: i32): usize {
  if (cls > MAX_CLASS) return 0;
  const head = freeHead(cls);
  const p = load<usize>(head);
  if (p != 0) {
    store<usize>(head, load<usize>(p));
    return p;
  }
  const size = <u64> 1 << <u64> cls;
  const end = <u64> heapTop + size;
  if (end > 0x7fff0000) return 0;
  const have = <u64> memory.size() << 16;
  if (end > have) {
    if (memory.grow(<i32> ((end - have + 0xffff) >> 16)) < 0) return 0;
  }
  const q = heapTop;
  heapTop = <usize> end;
  return q;
}

function freeBlock(p: usize, cls: i32): void {
  const head = freeHead(cls);
  store<usize>(p, load<usize>(head));
  store<usize>(head, p);
}

/** Size class of `n` entries of `1 << shift` bytes (n is a power of two). */
function classOf(n: i32, shift: i32): i32 {
  return <i32> ctz<u32>(<u32> n) + shift;
}

// ─── The current context, cached in globals for the length of a call ───────

let C: usize = 0;
let inPtr: usize = 0;
let inCap: i32 = 0;
let rdyPtr: usize = 0;
let rdyLen: i32 = 0;
let rdyCap: i32 = 0;
let failPtr: usize = 0;
let failLen: i32 = 0;
let failCap: i32 = 0;
let cancPtr: usize = 0;
let cancLen: i32 = 0;
let cancCap: i32 = 0;
let nWaiting: i32 = 0;
let nReady: i32 = 0;
let nDone: i32 = 0;
let nFailed: i32 = 0;
let nCancelled: i32 = 0;
let nLive: i32 = 0;
let slotCap: i32 = 0;
let bytesHeld: i32 = 0;
let slotTop: i32 = 0;
let slots: usize = 0;
let nRetired: i32 = 0;
let ring: usize = 0;
let ringHead: i32 = 0;
let ringCount: i32 = 0;
let edges: usize = 0;
let edgeCap: i32 = 0;
let edgeTop: i32 = 0;
let edgeFree: i32 = 0;
let edgeFreeCount: i32 = 0;
let broken: i32 = 0;

// The globals above are the working copy of context C. Between calls, the
// fields the host reads (H_* exports) are kept up to date in C's header by
// leave(); the rest are written back only when another context is entered.
// The three output lengths are re-read on every entry, because the host clears
// the outputs by writing them (no call needed).

function enter(ctx: usize): void {
  if (ctx != C) switchTo(ctx);
  rdyLen = load<i32>(ctx, H_READY_LEN);
  failLen = load<i32>(ctx, H_FAILED_LEN);
  cancLen = load<i32>(ctx, H_CANCELLED_LEN);
}

function switchTo(ctx: usize): void {
  if (C != 0) saveAll();
  C = ctx;
  inPtr = load<usize>(ctx, H_IN_PTR);
  inCap = load<i32>(ctx, H_IN_CAP);
  rdyPtr = load<usize>(ctx, H_READY_PTR);
  rdyCap = load<i32>(ctx, H_READY_CAP);
  failPtr = load<usize>(ctx, H_FAILED_PTR);
  failCap = load<i32>(ctx, H_FAILED_CAP);
  cancPtr = load<usize>(ctx, H_CANCELLED_PTR);
  cancCap = load<i32>(ctx, H_CANCELLED_CAP);
  nWaiting = load<i32>(ctx, H_WAITING);
  nReady = load<i32>(ctx, H_READY);
  nDone = load<i32>(ctx, H_DONE);
  nFailed = load<i32>(ctx, H_FAILED);
  nCancelled = load<i32>(ctx, H_CANCELLED);
  nLive = load<i32>(ctx, H_LIVE);
  slotCap = load<i32>(ctx, H_SLOT_CAP);
  bytesHeld = load<i32>(ctx, H_BYTES);
  slotTop = load<i32>(ctx, H_SLOT_TOP);
  slots = load<usize>(ctx, H_SLOTS);
  nRetired = load<i32>(ctx, H_RETIRED);
  ring = load<usize>(ctx, H_RING);
  ringHead = load<i32>(ctx, H_RING_HEAD);
  ringCount = load<i32>(ctx, H_RING_COUNT);
  edges = load<usize>(ctx, H_EDGES);
  edgeCap = load<i32>(ctx, H_EDGE_CAP);
  edgeTop = load<i32>(ctx, H_EDGE_TOP);
  edgeFree = load<i32>(ctx, H_EDGE_FREE);
  edgeFreeCount = load<i32>(ctx, H_EDGE_FREE_COUNT);
  broken = load<i32>(ctx, H_BROKEN);
}

/** Writes the fields the host reads into C's header. */
function leave(): void {
  const ctx = C;
  store<usize>(ctx, inPtr, H_IN_PTR);
  store<i32>(ctx, inCap, H_IN_CAP);
  store<usize>(ctx, rdyPtr, H_READY_PTR);
  store<i32>(ctx, rdyLen, H_READY_LEN);
  store<usize>(ctx, failPtr, H_FAILED_PTR);
  store<i32>(ctx, failLen, H_FAILED_LEN);
  store<usize>(ctx, cancPtr, H_CANCELLED_PTR);
  store<i32>(ctx, cancLen, H_CANCELLED_LEN);
  store<i32>(ctx, nWaiting, H_WAITING);
  store<i32>(ctx, nReady, H_READY);
  store<i32>(ctx, nDone, H_DONE);
  store<i32>(ctx, nFailed, H_FAILED);
  store<i32>(ctx, nCancelled, H_CANCELLED);
  store<i32>(ctx, nLive, H_LIVE);
  store<i32>(ctx, slotCap, H_SLOT_CAP);
  store<i32>(ctx, bytesHeld, H_BYTES);
}

/** Writes every field of C into its header. */
function saveAll(): void {
  leave();
  const ctx = C;
  store<i32>(ctx, rdyCap, H_READY_CAP);
  store<i32>(ctx, failCap, H_FAILED_CAP);
  store<i32>(ctx, cancCap, H_CANCELLED_CAP);
  store<i32>(ctx, slotTop, H_SLOT_TOP);
  store<usize>(ctx, slots, H_SLOTS);
  store<i32>(ctx, nRetired, H_RETIRED);
  store<usize>(ctx, ring, H_RING);
  store<i32>(ctx, ringHead, H_RING_HEAD);
  store<i32>(ctx, ringCount, H_RING_COUNT);
  store<usize>(ctx, edges, H_EDGES);
  store<i32>(ctx, edgeCap, H_EDGE_CAP);
  store<i32>(ctx, edgeTop, H_EDGE_TOP);
  store<i32>(ctx, edgeFree, H_EDGE_FREE);
  store<i32>(ctx, edgeFreeCount, H_EDGE_FREE_COUNT);
  store<i32>(ctx, broken, H_BROKEN);
}

/** Records an error in the header and returns its status. */
function fail(status: i32, index: i32, value: i32): i32 {
  store<i32>(C, index, H_ERR_INDEX);
  store<i32>(C, value, H_ERR_VALUE);
  leave();
  return status;
}

/** Refuses a batch that does not fit: FULL, or out of memory (index OOM_INDEX). */
function refuse(status: i32, count: i32): i32 {
  return status == OOM ? fail(FULL, OOM_INDEX, 0) : fail(FULL, -1, count);
}

/** Out of memory in the middle of applying a batch: the context is unusable. */
function breakContext(): void {
  broken = 1;
}

// ─── Slots ─────────────────────────────────────────────────────────────────

function rec(id: i32): usize {
  return slots + (<usize> (id & SLOT_MASK) << 4);
}

/** OK when `id` names a live task, else UNKNOWN_ID or STALE_ID. */
function idStatus(id: i32): i32 {
  if (<u32> id >= ID_LIMIT || (id & SLOT_MASK) >= slotTop) return UNKNOWN_ID;
  const r = rec(id);
  const cur = load<i32>(r);
  if (cur == id) {
    const st = load<i32>(r, 4) & 7;
    if (st == FREE) return UNKNOWN_ID; // the next occupant's id, not issued yet
    return st == RETIRED ? STALE_ID : OK;
  }
  return (id >>> SLOT_BITS) < (cur >>> SLOT_BITS) ? STALE_ID : UNKNOWN_ID;
}

/**
 * Makes room for `k` more tasks: capacity is kept at least twice the slots in
 * use (live + retired), so the FIFO ring spreads reuse over many slots.
 */
function ensureSlots(k: i32): i32 {
  const need = <i64> nLive + <i64> nRetired + <i64> k;
  if (need > <i64> MAX_SLOTS) return FULL;
  let cap = slotCap;
  while (need * 2 > <i64> cap && cap < MAX_SLOTS) cap <<= 1;
  if (cap == slotCap) return OK;
  const ns = allocBlock(classOf(cap, 4));
  if (ns == 0) return OOM;
  const nr = allocBlock(classOf(cap, 2));
  if (nr == 0) {
    freeBlock(ns, classOf(cap, 4));
    return OOM;
  }
  memory.copy(ns, slots, <usize> slotTop << 4);
  const mask = slotCap - 1;
  for (let i = 0; i < ringCount; i++) {
    store<i32>(nr + (<usize> i << 2), load<i32>(ring + (<usize> ((ringHead + i) & mask) << 2)));
  }
  freeBlock(slots, classOf(slotCap, 4));
  freeBlock(ring, classOf(slotCap, 2));
  bytesHeld += (cap - slotCap) * 20;
  slots = ns;
  ring = nr;
  ringHead = 0;
  slotCap = cap;
  return OK;
}

/** A new id (ensureSlots() made room). */
function allocSlot(): i32 {
  if (slotTop < slotCap) {
    const s = slotTop++;
    store<i32>(slots + (<usize> s << 4), s);
    return s;
  }
  const s = load<i32>(ring + (<usize> ringHead << 2));
  ringHead = (ringHead + 1) & (slotCap - 1);
  ringCount--;
  return load<i32>(slots + (<usize> s << 4));
}

// ─── Edges ─────────────────────────────────────────────────────────────────

function ensureEdges(k: i32): i32 {
  const free = <i64> (edgeCap - edgeTop) + <i64> edgeFreeCount;
  if (free >= <i64> k) return OK;
  let cap = edgeCap;
  while (<i64> (cap - edgeTop) + <i64> edgeFreeCount < <i64> k) {
    if (cap >= (1 << 27)) return OOM;
    cap <<= 1;
  }
  const ne = allocBlock(classOf(cap, 3));
  if (ne == 0) return OOM;
  memory.copy(ne, edges, <usize> edgeTop << 3);
  freeBlock(edges, classOf(edgeCap, 3));
  bytesHeld += (cap - edgeCap) * 8;
  edges = ne;
  edgeCap = cap;
  return OK;
}

/** Appends dependent `id` to the edge list of the task at record `r`. */
function addEdge(r: usize, id: i32): void {
  let e = edgeFree;
  if (e >= 0) {
    edgeFree = load<i32>(edges + (<usize> e << 3), 4);
    edgeFreeCount--;
  } else {
    e = edgeTop++;
  }
  const ep = edges + (<usize> e << 3);
  store<i32>(ep, id);
  store<i32>(ep, -1, 4);
  const tail = load<i32>(r, 12);
  if (tail < 0) store<i32>(r, e, 8);
  else store<i32>(edges + (<usize> tail << 3), e, 4);
  store<i32>(r, e, 12);
}

// ─── Output lists ──────────────────────────────────────────────────────────

/** A block twice as big for a list of `cap` entries holding `len`; 0 on failure. */
function growList(ptr: usize, len: i32, cap: i32): usize {
  const np = allocBlock(classOf(cap << 1, 2));
  if (np == 0) return 0;
  memory.copy(np, ptr, <usize> len << 2);
  freeBlock(ptr, classOf(cap, 2));
  bytesHeld += cap << 2;
  return np;
}

function pushReady(id: i32): void {
  if (rdyLen >= rdyCap) {
    const np = growList(rdyPtr, rdyLen, rdyCap);
    if (np == 0) {
      breakContext();
      return;
    }
    rdyPtr = np;
    rdyCap <<= 1;
  }
  store<i32>(rdyPtr + (<usize> rdyLen << 2), id);
  rdyLen++;
}

function pushFailed(id: i32, cause: i32): void {
  if (failLen + 2 > failCap) {
    const np = growList(failPtr, failLen, failCap);
    if (np == 0) {
      breakContext();
      return;
    }
    failPtr = np;
    failCap <<= 1;
  }
  const p = failPtr + (<usize> failLen << 2);
  store<i32>(p, id);
  store<i32>(p, cause, 4);
  failLen += 2;
}

function pushCancelled(id: i32, cause: i32): void {
  if (cancLen + 2 > cancCap) {
    const np = growList(cancPtr, cancLen, cancCap);
    if (np == 0) {
      breakContext();
      return;
    }
    cancPtr = np;
    cancCap <<= 1;
  }
  const p = cancPtr + (<usize> cancLen << 2);
  store<i32>(p, id);
  store<i32>(p, cause, 4);
  cancLen += 2;
}

// ─── Propagation ───────────────────────────────────────────────────────────

/** Gives the edge list of record `r` (of `n` edges, head..tail) back to the free list. */
function freeEdges(r: usize, n: i32): void {
  if (n == 0) return;
  const tail = load<i32>(r, 12);
  store<i32>(edges + (<usize> tail << 3), edgeFree, 4);
  edgeFree = load<i32>(r, 8);
  edgeFreeCount += n;
  store<i32>(r, -1, 8);
  store<i32>(r, -1, 12);
}

/** The task at record `r` is DONE: release its waiting dependents. */
function propagateDone(r: usize): void {
  let e = load<i32>(r, 8);
  if (e < 0) return;
  const ep0 = edges;
  const sp = slots;
  let n = 0;
  let rl = rdyLen;
  let ready = 0;
  while (e >= 0) {
    const ep = ep0 + (<usize> e << 3);
    const t = load<i32>(ep);
    e = load<i32>(ep, 4);
    n++;
    const tr = sp + (<usize> (t & SLOT_MASK) << 4);
    if (load<i32>(tr) != t) continue;
    let sc = load<i32>(tr, 4);
    if ((sc & 7) != WAITING) continue;
    sc -= 8;
    if (sc == WAITING) {
      store<i32>(tr, READY, 4);
      ready++;
      if (rl >= rdyCap) {
        rdyLen = rl;
        const np = growList(rdyPtr, rl, rdyCap);
        if (np == 0) {
          breakContext();
          return;
        }
        rdyPtr = np;
        rdyCap <<= 1;
      }
      store<i32>(rdyPtr + (<usize> rl << 2), t);
      rl++;
    } else {
      store<i32>(tr, sc, 4);
    }
  }
  rdyLen = rl;
  nWaiting -= ready;
  nReady += ready;
  freeEdges(r, n);
}

/**
 * The task `id` at record `r` became FAILED or CANCELLED (`st`): its waiting
 * dependents become `st` with cause `id`; returns how many.
 */
function failDependents(id: i32, r: usize, st: i32): i32 {
  let e = load<i32>(r, 8);
  if (e < 0) return 0;
  let n = 0;
  let hit = 0;
  while (e >= 0) {
    const ep = edges + (<usize> e << 3);
    const t = load<i32>(ep);
    e = load<i32>(ep, 4);
    n++;
    const tr = rec(t);
    if (load<i32>(tr) != t) continue;
    if ((load<i32>(tr, 4) & 7) != WAITING) continue;
    store<i32>(tr, st, 4);
    hit++;
    if (st == FAILED) pushFailed(t, id);
    else pushCancelled(t, id);
  }
  freeEdges(r, n);
  return hit;
}

/** Breadth-first: every task appended to the `st` list from entry `q` on spreads `st`. */
function spread(q: i32, st: i32): void {
  let hit = 0;
  if (st == FAILED) {
    while (q < failLen && broken == 0) {
      const t = load<i32>(failPtr + (<usize> q << 2));
      hit += failDependents(t, rec(t), FAILED);
      q += 2;
    }
    nFailed += hit;
  } else {
    while (q < cancLen && broken == 0) {
      const t = load<i32>(cancPtr + (<usize> q << 2));
      hit += failDependents(t, rec(t), CANCELLED);
      q += 2;
    }
    nCancelled += hit;
  }
  nWaiting -= hit;
}

/** The READY task `id` ended with `outcome` (validated). */
function finish(id: i32, outcome: i32): void {
  const r = rec(id);
  store<i32>(r, outcome, 4);
  nReady--;
  if (outcome == DONE) {
    nDone++;
    propagateDone(r);
  } else if (outcome == FAILED) {
    nFailed++;
    const q = failLen;
    const hit = failDependents(id, r, FAILED);
    nFailed += hit;
    nWaiting -= hit;
    spread(q, FAILED);
  } else {
    nCancelled++;
    const q = cancLen;
    const hit = failDependents(id, r, CANCELLED);
    nCancelled += hit;
    nWaiting -= hit;
    spread(q, CANCELLED);
  }
}

/**
 * Sets up the new task `id` whose `n` dependencies start at `deps`; a
 * dependency `v < 0` is the id at `local[-v - 1]` (addBatch). The first
 * dependency that is FAILED or CANCELLED makes the task final at once; edges
 * already added for it stay behind and are skipped when walked (the task is
 * final). Otherwise the task waits for the dependencies not DONE yet.
 */
function place(id: i32, deps: usize, n: i32, local: usize): void {
  const r = rec(id);
  store<i32>(r, -1, 8);
  store<i32>(r, -1, 12);
  let pending = 0;
  for (let j = 0; j < n; j++) {
    let d = load<i32>(deps + (<usize> j << 2));
    if (d < 0) d = load<i32>(local + (<usize> (-(d + 1)) << 2));
    const dr = rec(d);
    const st = load<i32>(dr, 4) & 7;
    if (st == DONE) continue;
    if (st == FAILED) {
      store<i32>(r, FAILED, 4);
      nFailed++;
      nLive++;
      pushFailed(id, d);
      return;
    }
    if (st == CANCELLED) {
      store<i32>(r, CANCELLED, 4);
      nCancelled++;
      nLive++;
      pushCancelled(id, d);
      return;
    }
    pending++;
    addEdge(dr, id);
  }
  nLive++;
  if (pending == 0) {
    store<i32>(r, READY, 4);
    nReady++;
    pushReady(id);
    return;
  }
  store<i32>(r, (pending << 3) | WAITING, 4);
  nWaiting++;
}

// ─── Exported calls ────────────────────────────────────────────────────────

/** Creates a context; returns its handle, or FULL when memory cannot grow. */
export function create(): i32 {
  initHeap();
  if (heapStart == 0) return FULL;
  const ctx = allocBlock(HEADER_CLASS);
  if (ctx == 0) return FULL;
  memory.fill(ctx, 0, 1 << HEADER_CLASS);
  const a = allocBlock(classOf(INITIAL_INPUT, 2));
  const b = allocBlock(classOf(INITIAL_OUTPUT, 2));
  const c = allocBlock(classOf(INITIAL_OUTPUT, 2));
  const d = allocBlock(classOf(INITIAL_OUTPUT, 2));
  const s = allocBlock(classOf(INITIAL_SLOTS, 4));
  const rg = allocBlock(classOf(INITIAL_SLOTS, 2));
  const e = allocBlock(classOf(INITIAL_EDGES, 3));
  if (a == 0 || b == 0 || c == 0 || d == 0 || s == 0 || rg == 0 || e == 0) {
    // Only possible when memory is exhausted; the blocks stay unused.
    return FULL;
  }
  store<usize>(ctx, a, H_IN_PTR);
  store<i32>(ctx, INITIAL_INPUT, H_IN_CAP);
  store<usize>(ctx, b, H_READY_PTR);
  store<i32>(ctx, INITIAL_OUTPUT, H_READY_CAP);
  store<usize>(ctx, c, H_FAILED_PTR);
  store<i32>(ctx, INITIAL_OUTPUT, H_FAILED_CAP);
  store<usize>(ctx, d, H_CANCELLED_PTR);
  store<i32>(ctx, INITIAL_OUTPUT, H_CANCELLED_CAP);
  store<usize>(ctx, s, H_SLOTS);
  store<usize>(ctx, rg, H_RING);
  store<i32>(ctx, INITIAL_SLOTS, H_SLOT_CAP);
  store<usize>(ctx, e, H_EDGES);
  store<i32>(ctx, INITIAL_EDGES, H_EDGE_CAP);
  store<i32>(ctx, -1, H_EDGE_FREE);
  store<i32>(
    ctx,
    (1 << HEADER_CLASS) + (INITIAL_INPUT << 2) + 3 * (INITIAL_OUTPUT << 2) +
      INITIAL_SLOTS * 20 + (INITIAL_EDGES << 3),
    H_BYTES,
  );
  return <i32> ctx;
}

/** Frees every block of a context; the handle must not be used again. */
export function destroy(ctx: i32): void {
  if (ctx <= 0) return;
  enter(<usize> ctx);
  C = 0; // its globals are dropped, not saved
  freeBlock(inPtr, classOf(inCap, 2));
  freeBlock(rdyPtr, classOf(rdyCap, 2));
  freeBlock(failPtr, classOf(failCap, 2));
  freeBlock(cancPtr, classOf(cancCap, 2));
  freeBlock(slots, classOf(slotCap, 4));
  freeBlock(ring, classOf(slotCap, 2));
  freeBlock(edges, classOf(edgeCap, 3));
  memory.fill(<usize> ctx, 0, 1 << HEADER_CLASS);
  freeBlock(<usize> ctx, HEADER_CLASS);
}

/** Forgets every task (generations included); keeps the memory it holds. */
export function reset(ctx: i32): i32 {
  enter(<usize> ctx);
  rdyLen = 0;
  failLen = 0;
  cancLen = 0;
  nWaiting = 0;
  nReady = 0;
  nDone = 0;
  nFailed = 0;
  nCancelled = 0;
  nLive = 0;
  slotTop = 0;
  nRetired = 0;
  ringHead = 0;
  ringCount = 0;
  edgeTop = 0;
  edgeFree = -1;
  edgeFreeCount = 0;
  broken = 0;
  leave();
  return OK;
}

/** Makes the input buffer hold at least `n` entries (its address may change). */
export function reserveInput(ctx: i32, n: i32): i32 {
  enter(<usize> ctx);
  if (n <= inCap) return OK;
  if (n > (1 << 28)) return fail(BAD_INPUT, -1, n);
  let cap = inCap;
  while (cap < n) cap <<= 1;
  const np = allocBlock(classOf(cap, 2));
  if (np == 0) return fail(FULL, OOM_INDEX, n);
  freeBlock(inPtr, classOf(inCap, 2));
  bytesHeld += (cap - inCap) << 2;
  inPtr = np;
  inCap = cap;
  leave();
  return OK;
}

/** Empties the three output lists (the host may instead zero the three lengths). */
export function clearOutputs(ctx: i32): void {
  store<i32>(<usize> ctx, 0, H_READY_LEN);
  store<i32>(<usize> ctx, 0, H_FAILED_LEN);
  store<i32>(<usize> ctx, 0, H_CANCELLED_LEN);
}

/** The state of a live task, or a negative status. */
export function state(ctx: i32, id: i32): i32 {
  enter(<usize> ctx);
  const st = idStatus(id);
  if (st != OK) return fail(st, 0, id);
  return load<i32>(rec(id), 4) & 7;
}

/** Adds one task whose `n` dependencies are at the input buffer; returns its id. */
export function add(ctx: i32, n: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (<u32> n > <u32> inCap) return fail(BAD_INPUT, -1, n);
  const deps = inPtr;
  for (let j = 0; j < n; j++) {
    const d = load<i32>(deps + (<usize> j << 2));
    const st = idStatus(d);
    if (st != OK) return fail(st, j, d);
  }
  let s = ensureSlots(1);
  if (s == OK) s = ensureEdges(n);
  if (s != OK) return refuse(s, 1);
  const id = allocSlot();
  place(id, deps, n, 0);
  leave();
  return broken != 0 ? fail(FULL, OOM_INDEX, 0) : id;
}

/**
 * Adds `count` tasks. Input: `depCounts[count]` then `deps[nDeps]`; a dep
 * `v < 0` names the task at batch index `-v - 1` (which must come earlier).
 * On success the ids replace `depCounts` at the start of the input buffer.
 */
export function addBatch(ctx: i32, count: i32, nDeps: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (count < 0) return fail(BAD_INPUT, -1, count);
  if (nDeps < 0 || <i64> count + <i64> nDeps > <i64> inCap) return fail(BAD_INPUT, -1, nDeps);
  const base = inPtr;
  const deps = base + (<usize> count << 2);
  let p = 0;
  for (let i = 0; i < count; i++) {
    const dc = load<i32>(base + (<usize> i << 2));
    if (dc < 0 || dc > nDeps - p) return fail(BAD_INPUT, i, dc);
    const end = p + dc;
    for (; p < end; p++) {
      const d = load<i32>(deps + (<usize> p << 2));
      if (d < 0) {
        if (-(d + 1) >= i) return fail(BAD_INPUT, p, d);
      } else {
        const st = idStatus(d);
        if (st != OK) return fail(st, p, d);
      }
    }
  }
  let s = ensureSlots(count);
  if (s == OK) s = ensureEdges(p);
  if (s != OK) return refuse(s, count);
  p = 0;
  for (let i = 0; i < count; i++) {
    const at = base + (<usize> i << 2);
    const dc = load<i32>(at);
    const id = allocSlot();
    place(id, deps + (<usize> p << 2), dc, base);
    store<i32>(at, id);
    p += dc;
  }
  leave();
  return broken != 0 ? fail(FULL, OOM_INDEX, 0) : OK;
}

/** Checks that `id` (batch item `i`) is READY and unmarked; marks it. */
function checkReady(id: i32): i32 {
  const st = idStatus(id);
  if (st != OK) return st;
  const sc = load<i32>(rec(id), 4);
  if (sc == READY) return OK;
  if ((sc & 7) == WAITING) return NOT_READY;
  return ALREADY_FINAL; // final, or marked: a duplicate in this batch
}

/** Reports outcomes. Input: `ids[count]` then `outcomes[count]`. */
export function complete(ctx: i32, count: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (count < 0 || <i64> count * 2 > <i64> inCap) return fail(BAD_INPUT, -1, count);
  const ids = inPtr;
  const outs = ids + (<usize> count << 2);
  for (let i = 0; i < count; i++) {
    const id = load<i32>(ids + (<usize> i << 2));
    let st = checkReady(id);
    let value = id;
    if (st == OK) {
      const o = load<i32>(outs + (<usize> i << 2));
      if (o < DONE || o > CANCELLED) {
        st = BAD_OUTCOME;
        value = o;
      }
    }
    if (st != OK) {
      for (let j = 0; j < i; j++) store<i32>(rec(load<i32>(ids + (<usize> j << 2))), READY, 4);
      return fail(st, i, value);
    }
    store<i32>(rec(id), READY | MARK, 4);
  }
  for (let i = 0; i < count && broken == 0; i++) {
    finish(load<i32>(ids + (<usize> i << 2)), load<i32>(outs + (<usize> i << 2)));
  }
  leave();
  return broken != 0 ? fail(FULL, OOM_INDEX, 0) : OK;
}

/** Reports one outcome (no input buffer). */
export function completeOne(ctx: i32, id: i32, outcome: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  const st = checkReady(id);
  if (st != OK) return fail(st, 0, id);
  if (outcome < DONE || outcome > CANCELLED) return fail(BAD_OUTCOME, 0, outcome);
  finish(id, outcome);
  leave();
  return broken != 0 ? fail(FULL, OOM_INDEX, 0) : OK;
}

/** Cancels WAITING / READY tasks (ids in the input); returns how many. */
export function cancel(ctx: i32, count: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (<u32> count > <u32> inCap) return fail(BAD_INPUT, -1, count);
  const ids = inPtr;
  for (let i = 0; i < count; i++) {
    const id = load<i32>(ids + (<usize> i << 2));
    const st = idStatus(id);
    if (st != OK) return fail(st, i, id);
  }
  let n = 0;
  for (let i = 0; i < count && broken == 0; i++) {
    const id = load<i32>(ids + (<usize> i << 2));
    const r = rec(id);
    const st = load<i32>(r, 4) & 7;
    if (st == WAITING) nWaiting--;
    else if (st == READY) nReady--;
    else continue;
    store<i32>(r, CANCELLED, 4);
    nCancelled++;
    n++;
    const q = cancLen;
    pushCancelled(id, -1);
    spread(q, CANCELLED);
  }
  leave();
  return broken != 0 ? fail(FULL, OOM_INDEX, 0) : n;
}

/** Releases final tasks (ids in the input) so their slots can be reused. */
export function release(ctx: i32, count: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (<u32> count > <u32> inCap) return fail(BAD_INPUT, -1, count);
  const ids = inPtr;
  for (let i = 0; i < count; i++) {
    const id = load<i32>(ids + (<usize> i << 2));
    let st = idStatus(id);
    if (st == OK) {
      const sc = load<i32>(rec(id), 4);
      if ((sc & 7) < DONE) st = NOT_FINAL;
      else if (sc >= MARK) st = STALE_ID; // a duplicate: released earlier in this batch
    }
    if (st != OK) {
      for (let j = 0; j < i; j++) {
        const r = rec(load<i32>(ids + (<usize> j << 2)));
        store<i32>(r, load<i32>(r, 4) & 7, 4);
      }
      return fail(st, i, id);
    }
    const r = rec(id);
    store<i32>(r, load<i32>(r, 4) | MARK, 4);
  }
  const mask = slotCap - 1;
  for (let i = 0; i < count; i++) {
    const id = load<i32>(ids + (<usize> i << 2));
    const r = rec(id);
    const st = load<i32>(r, 4) & 7;
    if (st == DONE) nDone--;
    else if (st == FAILED) nFailed--;
    else nCancelled--;
    nLive--;
    if ((id >>> SLOT_BITS) == GEN_MAX) {
      store<i32>(r, RETIRED, 4);
      nRetired++;
    } else {
      store<i32>(r, id + (1 << SLOT_BITS));
      store<i32>(r, FREE, 4);
      store<i32>(ring + (<usize> ((ringHead + ringCount) & mask) << 2), id & SLOT_MASK);
      ringCount++;
    }
  }
  leave();
  return OK;
}

/** The module's own abort: never called (no assertions, no managed objects). */
// deno-lint-ignore no-unused-vars
function coreAbort(_msg: usize, _file: usize, _line: u32, _column: u32): void {
  unreachable();
}
