// The scheduler core: readiness, named limits and priority over integer task ids.
//
// AssemblyScript, no managed objects, no imports; integers everywhere except
// the f64 priority and sequence number of a task. The host
// (src/core/wasm_core.ts) is the only code that touches this memory. Every
// exported call works on one "context" (an independent core) whose handle is
// the address of its header, does a whole batch, and returns an integer
// status: >= 0 is a result, < 0 is one of the STATUS codes below, with the
// offending batch index and value in the header. Nothing traps: every
// address is checked before use, and a refused batch changes nothing.
//
// Semantics (ids, states, limits, outputs and their order) are documented in
// src/core/types.ts; the TypeScript core (src/core/ts_core.ts) runs the same
// algorithm and must give identical answers.

// ─── Tuning constants ──────────────────────────────────────────────────────

/** Slot records allocated when a context is created (power of two). */
const INITIAL_SLOTS: i32 = 1024;
/** Edge records allocated when a context is created (power of two). */
const INITIAL_EDGES: i32 = 1024;
/** Entries (i32) of each output list when a context is created (power of two). */
const INITIAL_OUTPUT: i32 = 256;
/** Entries (i32) of the input buffer when a context is created (power of two). */
const INITIAL_INPUT: i32 = 1024;
/** Limit records allocated when the first limit is set (power of two). */
const INITIAL_LIMITS: i32 = 16;
/** Entries of a limit's run or heap when it first holds a waiter (power of two). */
const INITIAL_QUEUE: i32 = 16;
/** Stale entries a limit's queue may hold before it is compacted (and at most half). */
const COMPACT_MIN: i32 = 32;
/** Length of the runs the sort orders by insertion before merging. */
const SORT_RUN: i32 = 16;
/** Largest block: 2^MAX_CLASS bytes (keeps every address below 2^31). */
const MAX_CLASS: i32 = 30;

// ─── Ids, states, statuses, limits (mirror src/core/types.ts) ─────────────

const SLOT_BITS: i32 = 21;
const SLOT_MASK: i32 = (1 << SLOT_BITS) - 1;
const MAX_SLOTS: i32 = 1 << SLOT_BITS;
const GEN_MAX: i32 = (1 << 9) - 1; // last generation a slot may reach
const ID_LIMIT: u32 = 1 << 30;

// A slot's state word: the state in bits 0-2; bit 3 is MARK; a WAITING task
// keeps its count of pending dependencies from bit 3 on, a HELD task the
// limit it waits for from bit 4 on.
const FREE: i32 = 0;
const WAITING: i32 = 1;
const READY: i32 = 2;
const DONE: i32 = 3;
const FAILED: i32 = 4;
const CANCELLED: i32 = 5;
const HELD: i32 = 6;
const ADMITTED: i32 = 7;
const MARK: i32 = 8; // internal: set on a batch item while the batch is validated
const HELD_SHIFT: i32 = 4;
const RETIRED: i32 = 16; // internal: FREE with this bit, a slot whose generation is used up

const OK: i32 = 0;
const UNKNOWN_ID: i32 = -1;
const STALE_ID: i32 = -2;
const ALREADY_FINAL: i32 = -3;
const NOT_READY: i32 = -4;
const NOT_FINAL: i32 = -5;
const BAD_OUTCOME: i32 = -6;
const FULL: i32 = -7;
const BAD_INPUT: i32 = -8;
const UNKNOWN_LIMIT: i32 = -9;
const BAD_PRIORITY: i32 = -10;
const BAD_CAPACITY: i32 = -11;
const BAD_KIND: i32 = -12;
const NOT_RATE: i32 = -13;
const TOO_MANY_LIMITS: i32 = -14;
const DUPLICATE_LIMIT: i32 = -15;
const ALREADY_ADMITTED: i32 = -16;
const BAD_GIVEBACK: i32 = -17;
/** Out of memory is reported as FULL with error index OOM_INDEX. */
const OOM_INDEX: i32 = -2;
/** Internal: memory could not grow. */
const OOM: i32 = -100;

const MAX_LIMITS: i32 = 4096;
const MAX_TASK_LIMITS: i32 = 8;
const MAX_CAPACITY: i32 = 1 << 30;
const CONCURRENCY: i32 = 0;
const RATE: i32 = 1;
/** Ends a task's list of limits (stored as limit id + 1) when it has fewer than MAX_TASK_LIMITS. */
const NO_LIMIT: i32 = 0;
/** L_NEXT of a limit that is not on the wake list. */
const NOT_WOKEN: i32 = -2;

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
//  header (i32 fields, one f64; the host reads the offsets from the exported H_* globals)
//  ┌────────┬────────┬─────────┬─────────┬──────────┬──────────┬─────────┬─────────┬─────────┬─────────┬─ ─ ─
//  │ IN_PTR │ IN_CAP │ RDY_PTR │ RDY_LEN │ FAIL_PTR │ FAIL_LEN │ CANC_PTR│ CANC_LEN│ ADM_PTR │ ADM_LEN │ ...
//  └───┬────┴────────┴────┬────┴─────────┴────┬─────┴──────────┴────┬────┴─────────┴────┬────┴─────────┴─ ─ ─
//      ▼                  ▼                   ▼                     ▼                   ▼
//   input: i32[IN_CAP]  ready: id[]   failed: (id, cause)[]  cancelled: (id, cause)[]  admitted: id[]
//
//  slots: 16 bytes per slot, indexed by the id's low SLOT_BITS bits
//  ┌──────────────────┬────────────────────────────┬───────────┬───────────┐
//  │ id (gen|slot)    │ state word                 │ edge head │ edge tail │
//  └──────────────────┴────────────────────────────┴───────────┴───────────┘
//    the id of the current (or next) occupant; a mismatch means stale/unknown
//    state word: pending << 3 | WAITING, HELD | limit << 4, or a bare state
//
//  seqs: f64 per slot, same index: the task's sequence number (its creation
//  order in this context), written when it is added
//
//  prios: f64 per slot, same index: the task's priority
//  lims: 16 bytes per slot, same index: its limits as u16 (limit id + 1),
//  0 ends them (when it has fewer than MAX_TASK_LIMITS)
//    Both are kept clean: a slot whose task has priority 0 and no limit holds
//    0 there, so a task added with neither writes nothing to them (release
//    clears what a task wrote; reset clears the slots used when any was
//    written). (priority desc, sequence asc) is the order of every sorted
//    list and queue.
//
//  edges: 8 bytes each; a slot's dependents form a singly linked list in the
//  order they were added; free edges form one more list (EDGE_FREE)
//  ┌──────────────────┬───────────┐
//  │ dependent's id   │ next edge │   (-1 ends a list)
//  └──────────────────┴───────────┘
//
//  ring: i32[SLOT_CAP], a FIFO of released slots (reused evenly, so a slot
//  reaches its last generation rarely; such a slot is RETIRED instead)
//
//  limits: 64 bytes per limit id, allocated up to the largest id set so far
//  ┌─────┬──────┬──────┬───────┬─────┬──────────┬─────────┬─────────┬──────┬──────────┬──────────┬──────┬───────────────────┐
//  │ cap │ used │ kind │ stale │ run │ run head │ run len │ run cap │ heap │ heap len │ heap cap │ next │ last (prio, seq)  │
//  └─────┴──────┴──────┴───────┴──┬──┴──────────┴─────────┴─────────┴──┬───┴──────────┴──────────┴──────┴───────────────────┘
//    cap 0 = never set            ▼                                    ▼
//          run: a ring of ids in queue order        heap: a binary min-heap of entries
//  The limit's queue of HELD tasks is the union of its run and its heap: a
//  waiter that sorts after the key of the id last appended to the run
//  (`last`) is appended to it (O(1): tasks arriving in creation order with one
//  priority never touch the heap), any other goes to the heap; the head is
//  the better of the two heads (a run id's key is read from prios and seqs,
//  once the id is known not to be stale). Entries of tasks that left the
//  queue otherwise (complete, cancel) stay behind as stale and are skipped;
//  the queue is compacted when they are over half of it (and at least
//  COMPACT_MIN). `next` chains the limits woken in a call.
//
//  heap entry: 32 bytes                        sort record (scratch): 24 bytes
//  ┌──────────────┬──────────────┬────┬─────┐  ┌──────────────┬──────────────┬────┐
//  │ priority f64 │ sequence f64 │ id │ pad │  │ priority f64 │ sequence f64 │ id │
//  └──────────────┴──────────────┴────┴─────┘  └──────────────┴──────────────┴────┘
//    (a heap entry keeps its key: a stale entry's slot may hold another task)
//
//  scratch: 2 x n sort records, grown to the largest list sorted so far

// The fields the host reads come first (leave() writes them after every
// call: 88 bytes, two cache lines), then the context's own.
export const H_IN_PTR: i32 = 0;
export const H_IN_CAP: i32 = 4;
export const H_READY_PTR: i32 = 8;
export const H_READY_LEN: i32 = 12;
export const H_FAILED_PTR: i32 = 16;
export const H_FAILED_LEN: i32 = 20;
export const H_CANCELLED_PTR: i32 = 24;
export const H_CANCELLED_LEN: i32 = 28;
export const H_ADMITTED_PTR: i32 = 32;
export const H_ADMITTED_LEN: i32 = 36;
export const H_ERR_INDEX: i32 = 40;
export const H_ERR_VALUE: i32 = 44;
export const H_WAITING: i32 = 48;
export const H_READY: i32 = 52;
export const H_HELD: i32 = 56;
export const H_ADMITTED: i32 = 60;
export const H_DONE: i32 = 64;
export const H_FAILED: i32 = 68;
export const H_CANCELLED: i32 = 72;
export const H_LIVE: i32 = 76;
export const H_SLOT_CAP: i32 = 80;
export const H_BYTES: i32 = 84;
const H_READY_CAP: i32 = 88;
const H_FAILED_CAP: i32 = 92;
const H_CANCELLED_CAP: i32 = 96;
const H_ADMITTED_CAP: i32 = 100;
const H_SLOT_TOP: i32 = 104;
const H_SLOTS: i32 = 108;
const H_RETIRED: i32 = 112;
const H_RING: i32 = 116;
const H_RING_HEAD: i32 = 120;
const H_RING_COUNT: i32 = 124;
const H_EDGES: i32 = 128;
const H_EDGE_CAP: i32 = 132;
const H_EDGE_TOP: i32 = 136;
const H_EDGE_FREE: i32 = 140;
const H_EDGE_FREE_COUNT: i32 = 144;
const H_BROKEN: i32 = 148;
const H_SEQS: i32 = 152;
const H_LIMITS: i32 = 156;
const H_LIMIT_CAP: i32 = 160;
const H_PRIO_LIVE: i32 = 164;
const H_SEQ: i32 = 168; // f64
const H_SCRATCH: i32 = 176;
const H_SCRATCH_BYTES: i32 = 180;
const H_PRIOS: i32 = 184;
const H_LIMS: i32 = 188;
const H_DIRTY: i32 = 192;
const HEADER_CLASS: i32 = 8; // 256-byte header block

// Limit record fields.
const L_CAP: i32 = 0;
const L_USED: i32 = 4;
const L_KIND: i32 = 8;
const L_STALE: i32 = 12;
const L_RUN: i32 = 16;
const L_RUN_HEAD: i32 = 20;
const L_RUN_LEN: i32 = 24;
const L_RUN_CAP: i32 = 28;
const L_HEAP: i32 = 32;
const L_HEAP_LEN: i32 = 36;
const L_HEAP_CAP: i32 = 40;
const L_NEXT: i32 = 44;
const L_LAST: i32 = 48; // f64 priority, f64 sequence of the id last appended to the run
const LIMIT_SHIFT: i32 = 6; // 64 bytes per limit record
const ENTRY_SHIFT: i32 = 5; // 32 bytes per heap entry
const SORT_REC: usize = 24; // bytes per sort record

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

/** Whether the block allocBlock() returned last is fresh (all zero: never written). */
let fresh = false;

/** A block of 2^cls bytes, or 0 when memory cannot grow. */
function allocBlock(cls: i32): usize {
  if (cls > MAX_CLASS) return 0;
  const head = freeHead(cls);
  const p = load<usize>(head);
  if (p != 0) {
    store<usize>(head, load<usize>(p));
    fresh = false;
    return p;
  }
  const size = <u64> 1 << <u64> cls;
  const end = <u64> heapTop + size;
  if (end > 0x7fff0000) return 0;
  // a block from the top of the heap has never been written: it reads zero
  fresh = true;
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
let seqs: usize = 0;
let prios: usize = 0;
let lims: usize = 0;
/** Whether a task with a priority or limits was added since the last reset. */
let dirty: i32 = 0;
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
let limits: usize = 0;
let limitCap: i32 = 0;
/** Live tasks whose priority is not 0: while there are none, nothing is sorted. */
let nPrio: i32 = 0;
/** The sequence number of the next task. */
let seqNext: f64 = 0;
let scratch: usize = 0;
let scratchBytes: i32 = 0;

// The wake list: limits whose units came back in this call, served at its
// end. Always empty between calls.
let wakeHead: i32 = -1;
let wakeTail: i32 = -1;

// The globals above are the working copy of context C. (The admitted list
// and the HELD and ADMITTED counts have none: they are read and written in
// C's header where they are used, so that calls that do not touch limits
// pay nothing for them.) Between calls, the
// fields the host reads (H_* exports) are kept up to date in C's header by
// leave(), which every call that changes them ends with; the rest are written
// back only when another context is entered (saveAll(), which must not write
// the host's fields again: the host may have cleared C's outputs since). The
// four output lengths are re-read on every entry, because the host clears the
// outputs by writing them (no call needed).

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
  seqs = load<usize>(ctx, H_SEQS);
  prios = load<usize>(ctx, H_PRIOS);
  lims = load<usize>(ctx, H_LIMS);
  dirty = load<i32>(ctx, H_DIRTY);
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
  limits = load<usize>(ctx, H_LIMITS);
  limitCap = load<i32>(ctx, H_LIMIT_CAP);
  nPrio = load<i32>(ctx, H_PRIO_LIVE);
  seqNext = load<f64>(ctx, H_SEQ);
  scratch = load<usize>(ctx, H_SCRATCH);
  scratchBytes = load<i32>(ctx, H_SCRATCH_BYTES);
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

/** Writes the fields of C that leave() does not into its header (leave() did the others). */
function saveAll(): void {
  const ctx = C;
  store<i32>(ctx, rdyCap, H_READY_CAP);
  store<i32>(ctx, failCap, H_FAILED_CAP);
  store<i32>(ctx, cancCap, H_CANCELLED_CAP);
  store<i32>(ctx, slotTop, H_SLOT_TOP);
  store<usize>(ctx, slots, H_SLOTS);
  store<usize>(ctx, seqs, H_SEQS);
  store<usize>(ctx, prios, H_PRIOS);
  store<usize>(ctx, lims, H_LIMS);
  store<i32>(ctx, dirty, H_DIRTY);
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
  store<usize>(ctx, limits, H_LIMITS);
  store<i32>(ctx, limitCap, H_LIMIT_CAP);
  store<i32>(ctx, nPrio, H_PRIO_LIVE);
  store<f64>(ctx, seqNext, H_SEQ);
  store<usize>(ctx, scratch, H_SCRATCH);
  store<i32>(ctx, scratchBytes, H_SCRATCH_BYTES);
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

/** Ends an applied call: OK-like `result`, or FULL when memory ran out on the way. */
function done(result: i32): i32 {
  leave();
  return broken != 0 ? fail(FULL, OOM_INDEX, 0) : result;
}

// ─── Slots ─────────────────────────────────────────────────────────────────

function rec(id: i32): usize {
  return slots + (<usize> (id & SLOT_MASK) << 4);
}

function seqOf(id: i32): f64 {
  return load<f64>(seqs + (<usize> (id & SLOT_MASK) << 3));
}

function prioOf(id: i32): f64 {
  // while no live task has a priority, every priority is 0 (not read)
  return nPrio == 0 ? 0 : load<f64>(prios + (<usize> (id & SLOT_MASK) << 3));
}

/** The address of the limits (u16, limit id + 1, 0 ends them) of the task `id`. */
function limsOf(id: i32): usize {
  return lims + (<usize> (id & SLOT_MASK) << 4);
}

/** Whether task `x` comes before task `y`: (priority desc, seq asc). */
function taskBefore(x: i32, y: i32): bool {
  const px = prioOf(x);
  const py = prioOf(y);
  return px > py || (px == py && seqOf(x) < seqOf(y));
}

/** OK when `id` names a live task, else UNKNOWN_ID or STALE_ID. */
function idStatus(id: i32): i32 {
  if (<u32> id >= ID_LIMIT || (id & SLOT_MASK) >= slotTop) return UNKNOWN_ID;
  const r = rec(id);
  const cur = load<i32>(r);
  if (cur == id) {
    const sc = load<i32>(r, 4);
    if ((sc & 7) != FREE) return OK;
    return sc == FREE ? UNKNOWN_ID : STALE_ID; // the next occupant's id, or RETIRED
  }
  return (id >>> SLOT_BITS) < (cur >>> SLOT_BITS) ? STALE_ID : UNKNOWN_ID;
}

/** Whether state word `sc` is a final state (DONE, FAILED, CANCELLED). */
function isFinal(sc: i32): bool {
  const st = sc & 7;
  return st >= DONE && st <= CANCELLED;
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
  const nq = allocBlock(classOf(cap, 3));
  const np = allocBlock(classOf(cap, 3));
  const npFresh = fresh;
  const nl = allocBlock(classOf(cap, 4));
  const nlFresh = fresh;
  const nr = allocBlock(classOf(cap, 2));
  if (ns == 0 || nq == 0 || np == 0 || nl == 0 || nr == 0) {
    if (ns != 0) freeBlock(ns, classOf(cap, 4));
    if (nq != 0) freeBlock(nq, classOf(cap, 3));
    if (np != 0) freeBlock(np, classOf(cap, 3));
    if (nl != 0) freeBlock(nl, classOf(cap, 4));
    if (nr != 0) freeBlock(nr, classOf(cap, 2));
    return OOM;
  }
  memory.copy(ns, slots, <usize> slotTop << 4);
  memory.copy(nq, seqs, <usize> slotTop << 3);
  // prios and lims: copied, the rest clean (a reused block holds anything)
  // (a fresh block is zero already: filling it would touch pages no slot may ever use;
  // and with no priority or limit written since the last reset, both tables are all zero)
  const used: usize = dirty != 0 ? <usize> slotTop : 0;
  if (used != 0) {
    memory.copy(np, prios, used << 3);
    memory.copy(nl, lims, used << 4);
  }
  if (!npFresh) memory.fill(np + (used << 3), 0, (<usize> cap - used) << 3);
  if (!nlFresh) memory.fill(nl + (used << 4), 0, (<usize> cap - used) << 4);
  const mask = slotCap - 1;
  for (let i = 0; i < ringCount; i++) {
    store<i32>(nr + (<usize> i << 2), load<i32>(ring + (<usize> ((ringHead + i) & mask) << 2)));
  }
  freeBlock(slots, classOf(slotCap, 4));
  freeBlock(seqs, classOf(slotCap, 3));
  freeBlock(prios, classOf(slotCap, 3));
  freeBlock(lims, classOf(slotCap, 4));
  freeBlock(ring, classOf(slotCap, 2));
  bytesHeld += (cap - slotCap) * 52;
  slots = ns;
  seqs = nq;
  prios = np;
  lims = nl;
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

// The admitted list and the HELD / ADMITTED counts live in the header; a
// call that admits many tasks opens a cursor on them (openAdmitted), works on
// these globals and writes them back (closeAdmitted). Between calls they mean
// nothing.
let admPtr: usize = 0;
let admLen: i32 = 0;
let admCap: i32 = 0;
let dHeld: i32 = 0;
let dAdmitted: i32 = 0;

function openAdmitted(): void {
  admPtr = load<usize>(C, H_ADMITTED_PTR);
  admLen = load<i32>(C, H_ADMITTED_LEN);
  admCap = load<i32>(C, H_ADMITTED_CAP);
  dHeld = 0;
  dAdmitted = 0;
}

function closeAdmitted(): void {
  store<usize>(C, admPtr, H_ADMITTED_PTR);
  store<i32>(C, admLen, H_ADMITTED_LEN);
  store<i32>(C, admCap, H_ADMITTED_CAP);
  addHeld(dHeld);
  addAdmitted(dAdmitted);
}

/** Appends to the admitted list (between openAdmitted() and closeAdmitted()). */
function pushAdmitted(id: i32): void {
  if (admLen >= admCap) {
    const np = growList(admPtr, admLen, admCap);
    if (np == 0) {
      breakContext();
      return;
    }
    admPtr = np;
    admCap <<= 1;
  }
  store<i32>(admPtr + (<usize> admLen << 2), id);
  admLen++;
}

/** Adds `d` to the count of HELD tasks. */
function addHeld(d: i32): void {
  store<i32>(C, load<i32>(C, H_HELD) + d, H_HELD);
}

/** Adds `d` to the count of ADMITTED tasks. */
function addAdmitted(d: i32): void {
  store<i32>(C, load<i32>(C, H_ADMITTED) + d, H_ADMITTED);
}

/** The length of the admitted list. */
function admittedLen(): i32 {
  return load<i32>(C, H_ADMITTED_LEN);
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

// ─── Priority order ────────────────────────────────────────────────────────

/** Whether the entry or record at `x` comes before the one at `y`: (priority desc, seq asc). */
function before(x: usize, y: usize): bool {
  const px = load<f64>(x);
  const py = load<f64>(y);
  return px > py || (px == py && load<f64>(x, 8) < load<f64>(y, 8));
}

/** Makes the scratch hold 2 x `n` sort records. */
function ensureScratch(n: i32): i32 {
  const need = <u64> n * (<u64> SORT_REC << 1);
  if (need <= <u64> scratchBytes) return OK;
  const cls = 64 - <i32> clz<u64>(need - 1);
  if (cls > MAX_CLASS) return OOM;
  const np = allocBlock(cls);
  if (np == 0) return OOM;
  if (scratch != 0) freeBlock(scratch, <i32> ctz<u32>(<u32> scratchBytes));
  bytesHeld += (1 << cls) - scratchBytes;
  scratch = np;
  scratchBytes = 1 << cls;
  return OK;
}

function copyRecord(d: usize, s: usize): void {
  store<i64>(d, load<i64>(s));
  store<i64>(d, load<i64>(s, 8), 8);
  store<i32>(d, load<i32>(s, 16), 16);
}

/** Copies a heap entry (its 20 bytes in use): loads and stores, not a memory.copy call. */
function copyEntry(d: usize, s: usize): void {
  store<i64>(d, load<i64>(s));
  store<i64>(d, load<i64>(s, 8), 8);
  store<i32>(d, load<i32>(s, 16), 16);
}

/** Merges the sorted record ranges [lo, mid) and [mid, hi) of `src` into `dst`. */
function merge(src: usize, dst: usize, lo: i32, mid: i32, hi: i32): void {
  let i = lo;
  let j = mid;
  let d = dst + <usize> lo * SORT_REC;
  while (i < mid && j < hi) {
    const x = src + <usize> i * SORT_REC;
    const y = src + <usize> j * SORT_REC;
    if (before(y, x)) {
      copyRecord(d, y);
      j++;
    } else {
      copyRecord(d, x);
      i++;
    }
    d += SORT_REC;
  }
  if (i < mid) memory.copy(d, src + <usize> i * SORT_REC, <usize> (mid - i) * SORT_REC);
  else if (j < hi) memory.copy(d, src + <usize> j * SORT_REC, <usize> (hi - j) * SORT_REC);
}

/**
 * Sorts the `n` ids at `p` by (priority desc, seq asc): a check first (ids in
 * order already cost one pass), then a merge sort of (priority, seq, id)
 * records in the scratch. Keys are distinct (seq is), so any correct sort
 * gives this one answer. Returns OK, or OOM when the scratch cannot grow.
 */
function sortIds(p: usize, n: i32): i32 {
  if (n < 2) return OK;
  let a = load<i32>(p);
  let i = 1;
  for (; i < n; i++) {
    const b = load<i32>(p + (<usize> i << 2));
    if (taskBefore(b, a)) break;
    a = b;
  }
  if (i == n) return OK;
  const st = ensureScratch(n);
  if (st != OK) return st;
  let src = scratch;
  let dst = scratch + <usize> n * SORT_REC;
  for (let k = 0; k < n; k++) {
    const id = load<i32>(p + (<usize> k << 2));
    const r = src + <usize> k * SORT_REC;
    store<f64>(r, prioOf(id));
    store<f64>(r, seqOf(id), 8);
    store<i32>(r, id, 16);
  }
  for (let lo = 0; lo < n; lo += SORT_RUN) {
    const hi = min(lo + SORT_RUN, n);
    for (let k = lo + 1; k < hi; k++) {
      const x = src + <usize> k * SORT_REC;
      const xp = load<f64>(x);
      const xs = load<f64>(x, 8);
      const xid = load<i32>(x, 16);
      let j = k;
      while (j > lo) {
        const y = src + <usize> (j - 1) * SORT_REC;
        const yp = load<f64>(y);
        if (!(xp > yp || (xp == yp && xs < load<f64>(y, 8)))) break;
        copyRecord(y + SORT_REC, y);
        j--;
      }
      if (j != k) {
        const y = src + <usize> j * SORT_REC;
        store<f64>(y, xp);
        store<f64>(y, xs, 8);
        store<i32>(y, xid, 16);
      }
    }
  }
  for (let w = SORT_RUN; w < n; w <<= 1) {
    for (let lo = 0; lo < n; lo += w << 1) {
      merge(src, dst, lo, min(lo + w, n), min(lo + (w << 1), n));
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let k = 0; k < n; k++) {
    store<i32>(p + (<usize> k << 2), load<i32>(src + <usize> k * SORT_REC, 16));
  }
  return OK;
}

/** Sorts the ready ids pushed since entry `from` when a live task has a priority. */
function sortReady(from: i32): void {
  if (nPrio == 0 || rdyLen - from < 2 || broken != 0) return;
  if (sortIds(rdyPtr + (<usize> from << 2), rdyLen - from) != OK) breakContext();
}

// ─── Limits and their queues ───────────────────────────────────────────────

function limitRec(l: i32): usize {
  return limits + (<usize> l << LIMIT_SHIFT);
}

/** Whether `l` is a limit id that was set (0 <= l < MAX_LIMITS, capacity given). */
function limitSet(l: i32): bool {
  return <u32> l < <u32> limitCap && load<i32>(limitRec(l), L_CAP) > 0;
}

/** Makes the limit table hold ids below `n` (n <= MAX_LIMITS). */
function ensureLimits(n: i32): i32 {
  if (n <= limitCap) return OK;
  let cap = limitCap == 0 ? INITIAL_LIMITS : limitCap;
  while (cap < n) cap <<= 1;
  const np = allocBlock(classOf(cap, LIMIT_SHIFT));
  if (np == 0) return OOM;
  if (limitCap != 0) {
    memory.copy(np, limits, <usize> limitCap << LIMIT_SHIFT);
    freeBlock(limits, classOf(limitCap, LIMIT_SHIFT));
  }
  const from = np + (<usize> limitCap << LIMIT_SHIFT);
  memory.fill(from, 0, <usize> (cap - limitCap) << LIMIT_SHIFT);
  for (let l = limitCap; l < cap; l++) {
    store<i32>(np + (<usize> l << LIMIT_SHIFT), NOT_WOKEN, L_NEXT);
  }
  bytesHeld += (cap - limitCap) << LIMIT_SHIFT;
  limits = np;
  limitCap = cap;
  return OK;
}

/** The first limit of the task whose limits are at `a` that has no free unit, or -1. */
function lacking(a: usize): i32 {
  for (let j = 0; j < MAX_TASK_LIMITS; j++) {
    const l = <i32> load<u16>(a + (<usize> j << 1)) - 1;
    if (l < 0) return -1;
    const lp = limitRec(l);
    if (load<i32>(lp, L_USED) >= load<i32>(lp, L_CAP)) return l;
  }
  return -1;
}

/** Takes one unit of each limit of the task whose limits are at `a`. */
function take(a: usize): void {
  for (let j = 0; j < MAX_TASK_LIMITS; j++) {
    const l = <i32> load<u16>(a + (<usize> j << 1)) - 1;
    if (l < 0) return;
    const lp = limitRec(l);
    store<i32>(lp, load<i32>(lp, L_USED) + 1, L_USED);
  }
}

/** Puts limit `l` on the wake list (its units came back). */
function wake(l: i32): void {
  const lp = limitRec(l);
  if (load<i32>(lp, L_NEXT) != NOT_WOKEN) return;
  store<i32>(lp, -1, L_NEXT);
  if (wakeTail < 0) wakeHead = l;
  else store<i32>(limitRec(wakeTail), l, L_NEXT);
  wakeTail = l;
}

/** Gives back the CONCURRENCY units of the task whose limits are at `a`. */
function giveBackUnits(a: usize): void {
  for (let j = 0; j < MAX_TASK_LIMITS; j++) {
    const l = <i32> load<u16>(a + (<usize> j << 1)) - 1;
    if (l < 0) return;
    const lp = limitRec(l);
    if (load<i32>(lp, L_KIND) != CONCURRENCY) continue;
    store<i32>(lp, load<i32>(lp, L_USED) - 1, L_USED);
    wake(l);
  }
}

/** Grows the run of the limit at `lp` to twice its entries (unwrapping the ring). */
function growRun(lp: usize): bool {
  const cap = load<i32>(lp, L_RUN_CAP);
  const ncap = cap == 0 ? INITIAL_QUEUE : cap << 1;
  const np = allocBlock(classOf(ncap, 2));
  if (np == 0) return false;
  if (cap != 0) {
    // the ring is full (len == cap): ids head .. cap - 1, then 0 .. head - 1
    const run = load<usize>(lp, L_RUN);
    const head = load<i32>(lp, L_RUN_HEAD);
    const first = <usize> (cap - head) << 2;
    memory.copy(np, run + (<usize> head << 2), first);
    memory.copy(np + first, run, <usize> head << 2);
    freeBlock(run, classOf(cap, 2));
  }
  bytesHeld += (ncap - cap) << 2;
  store<usize>(lp, np, L_RUN);
  store<i32>(lp, 0, L_RUN_HEAD);
  store<i32>(lp, ncap, L_RUN_CAP);
  return true;
}

/** Grows the heap of the limit at `lp` to twice its entries. */
function growHeap(lp: usize): bool {
  const cap = load<i32>(lp, L_HEAP_CAP);
  const ncap = cap == 0 ? INITIAL_QUEUE : cap << 1;
  const np = allocBlock(classOf(ncap, ENTRY_SHIFT));
  if (np == 0) return false;
  if (cap != 0) {
    const heap = load<usize>(lp, L_HEAP);
    memory.copy(np, heap, <usize> load<i32>(lp, L_HEAP_LEN) << ENTRY_SHIFT);
    freeBlock(heap, classOf(cap, ENTRY_SHIFT));
  }
  bytesHeld += (ncap - cap) << ENTRY_SHIFT;
  store<usize>(lp, np, L_HEAP);
  store<i32>(lp, ncap, L_HEAP_CAP);
  return true;
}

/** Moves the heap entry `x` (its key) down from position `i` of a heap of `len`. */
function siftDown(heap: usize, len: i32, i: i32, xp: f64, xs: f64, xid: i32): void {
  for (;;) {
    let c = (i << 1) + 1;
    if (c >= len) break;
    let cp = heap + (<usize> c << ENTRY_SHIFT);
    if (c + 1 < len) {
      const dp = cp + (1 << ENTRY_SHIFT);
      if (before(dp, cp)) {
        c++;
        cp = dp;
      }
    }
    const pc = load<f64>(cp);
    if (!(pc > xp || (pc == xp && load<f64>(cp, 8) < xs))) break;
    copyEntry(heap + (<usize> i << ENTRY_SHIFT), cp);
    i = c;
  }
  const e = heap + (<usize> i << ENTRY_SHIFT);
  store<f64>(e, xp);
  store<f64>(e, xs, 8);
  store<i32>(e, xid, 16);
}

/**
 * Queues the task `id` on limit `l`, which has no free unit: appended to the
 * run when it sorts after the last id appended there (whose key the limit
 * record keeps), else pushed on the heap.
 */
function enqueue(l: i32, id: i32): void {
  const lp = limitRec(l);
  const xp = prioOf(id);
  const xs = seqOf(id);
  const rl = load<i32>(lp, L_RUN_LEN);
  const lastP = load<f64>(lp, L_LAST);
  if (rl == 0 || lastP > xp || (lastP == xp && load<f64>(lp, L_LAST + 8) < xs)) {
    if (rl == load<i32>(lp, L_RUN_CAP) && !growRun(lp)) {
      breakContext();
      return;
    }
    const cap = load<i32>(lp, L_RUN_CAP);
    store<i32>(
      load<usize>(lp, L_RUN) + (<usize> ((load<i32>(lp, L_RUN_HEAD) + rl) & (cap - 1)) << 2),
      id,
    );
    store<i32>(lp, rl + 1, L_RUN_LEN);
    store<f64>(lp, xp, L_LAST);
    store<f64>(lp, xs, L_LAST + 8);
    return;
  }
  let i = load<i32>(lp, L_HEAP_LEN);
  if (i == load<i32>(lp, L_HEAP_CAP) && !growHeap(lp)) {
    breakContext();
    return;
  }
  store<i32>(lp, i + 1, L_HEAP_LEN);
  const heap = load<usize>(lp, L_HEAP);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pe = heap + (<usize> parent << ENTRY_SHIFT);
    const pp = load<f64>(pe);
    if (!(xp > pp || (xp == pp && xs < load<f64>(pe, 8)))) break;
    copyEntry(heap + (<usize> i << ENTRY_SHIFT), pe);
    i = parent;
  }
  const e = heap + (<usize> i << ENTRY_SHIFT);
  store<f64>(e, xp);
  store<f64>(e, xs, 8);
  store<i32>(e, id, 16);
}

/** Removes the heap's top entry (the heap is not empty); returns its id (maybe stale). */
function popHeap(lp: usize): i32 {
  const heap = load<usize>(lp, L_HEAP);
  const id = load<i32>(heap, 16);
  const n = load<i32>(lp, L_HEAP_LEN) - 1;
  store<i32>(lp, n, L_HEAP_LEN);
  if (n > 0) {
    const last = heap + (<usize> n << ENTRY_SHIFT);
    siftDown(heap, n, 0, load<f64>(last), load<f64>(last, 8), load<i32>(last, 16));
  }
  return id;
}

/** Whether the task `id` is HELD on the limit whose HELD state word is `tag`. */
function queued(id: i32, tag: i32): bool {
  const r = rec(id);
  return load<i32>(r) == id && (load<i32>(r, 4) & ~MARK) == tag;
}

/** Drops the stale entries of limit `l`'s queue (the run keeps its order; the heap is rebuilt). */
function compact(l: i32, lp: usize): void {
  const tag = HELD | (l << HELD_SHIFT);
  const rl = load<i32>(lp, L_RUN_LEN);
  if (rl != 0) {
    const run = load<usize>(lp, L_RUN);
    const head = load<i32>(lp, L_RUN_HEAD);
    const mask = load<i32>(lp, L_RUN_CAP) - 1;
    let j = 0;
    for (let i = 0; i < rl; i++) {
      const id = load<i32>(run + (<usize> ((head + i) & mask) << 2));
      if (!queued(id, tag)) continue;
      if (j != i) store<i32>(run + (<usize> ((head + j) & mask) << 2), id);
      j++;
    }
    store<i32>(lp, j, L_RUN_LEN);
  }
  const hl = load<i32>(lp, L_HEAP_LEN);
  if (hl != 0) {
    const heap = load<usize>(lp, L_HEAP);
    let j = 0;
    for (let i = 0; i < hl; i++) {
      const e = heap + (<usize> i << ENTRY_SHIFT);
      if (!queued(load<i32>(e, 16), tag)) continue;
      if (j != i) copyEntry(heap + (<usize> j << ENTRY_SHIFT), e);
      j++;
    }
    store<i32>(lp, j, L_HEAP_LEN);
    for (let i = (j >> 1) - 1; i >= 0; i--) {
      const e = heap + (<usize> i << ENTRY_SHIFT);
      siftDown(heap, j, i, load<f64>(e), load<f64>(e, 8), load<i32>(e, 16));
    }
  }
  store<i32>(lp, 0, L_STALE);
}

/** A HELD task left limit `l`'s queue other than by its head: its entry is stale now. */
function unqueue(l: i32): void {
  const lp = limitRec(l);
  const stale = load<i32>(lp, L_STALE) + 1;
  store<i32>(lp, stale, L_STALE);
  if (stale >= COMPACT_MIN && stale * 2 >= load<i32>(lp, L_RUN_LEN) + load<i32>(lp, L_HEAP_LEN)) {
    compact(l, lp);
  }
}

/**
 * Hands the free units of limit `l` to its queue, best first: a waiter whose
 * other limits all have a unit is admitted; one that lacks another limit's
 * unit moves to that limit's queue. Stops when `l` is full or nobody waits.
 */
function serve(l: i32): void {
  const lp = limitRec(l);
  const tag = HELD | (l << HELD_SHIFT);
  // the run in locals (nothing else changes this limit's run meanwhile:
  // a waiter that moves goes to another limit, which lacks a unit)
  const run = load<usize>(lp, L_RUN);
  const mask = load<i32>(lp, L_RUN_CAP) - 1;
  let head = load<i32>(lp, L_RUN_HEAD);
  let rl = load<i32>(lp, L_RUN_LEN);
  while (broken == 0 && load<i32>(lp, L_USED) < load<i32>(lp, L_CAP)) {
    // the head: the run's first id or the heap's top, whichever sorts first;
    // a run id's key is read from prios and seqs once it is known not to be stale
    const hl = load<i32>(lp, L_HEAP_LEN);
    let id: i32 = -1;
    if (rl != 0) {
      id = load<i32>(run + (<usize> head << 2));
      const valid = queued(id, tag);
      let fromRun = !valid || hl == 0;
      if (!fromRun) {
        const top = load<usize>(lp, L_HEAP);
        const p = prioOf(id);
        const tp = load<f64>(top);
        fromRun = p > tp || (p == tp && seqOf(id) < load<f64>(top, 8));
      }
      if (fromRun) {
        head = (head + 1) & mask;
        rl--;
        if (!valid) {
          store<i32>(lp, load<i32>(lp, L_STALE) - 1, L_STALE);
          continue;
        }
      } else {
        id = popHeap(lp);
      }
    } else if (hl != 0) {
      id = popHeap(lp);
    } else {
      break;
    }
    if (!queued(id, tag)) {
      store<i32>(lp, load<i32>(lp, L_STALE) - 1, L_STALE);
      continue;
    }
    const a = limsOf(id);
    // the common case, a task whose one limit is l (which has a unit): no search
    const m = load<u32>(a) == <u32> (l + 1) ? -1 : lacking(a);
    if (m < 0) {
      take(a);
      store<i32>(rec(id), ADMITTED, 4);
      dHeld--;
      dAdmitted++;
      pushAdmitted(id);
    } else {
      store<i32>(rec(id), HELD | (m << HELD_SHIFT), 4);
      enqueue(m, id);
    }
  }
  store<i32>(lp, head, L_RUN_HEAD);
  store<i32>(lp, rl, L_RUN_LEN);
}

/** Serves every limit on the wake list, in the order they were woken; empties it. */
function serveWoken(): void {
  openAdmitted();
  while (wakeHead >= 0) {
    const l = wakeHead;
    const lp = limitRec(l);
    wakeHead = load<i32>(lp, L_NEXT);
    store<i32>(lp, NOT_WOKEN, L_NEXT);
    serve(l);
  }
  wakeTail = -1;
  closeAdmitted();
}

/**
 * (Between openAdmitted() and closeAdmitted().)
 * The READY task `id` asks for its units: ADMITTED when each of its limits
 * has one (or it has none), else HELD on the first limit that lacks one.
 */
function admitOne(id: i32): void {
  const a = limsOf(id);
  const r = rec(id);
  nReady--;
  const m = lacking(a);
  if (m < 0) {
    take(a);
    store<i32>(r, ADMITTED, 4);
    dAdmitted++;
    pushAdmitted(id);
  } else {
    store<i32>(r, HELD | (m << HELD_SHIFT), 4);
    dHeld++;
    enqueue(m, id);
  }
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

/**
 * The task `id` (state word `sc`: READY, HELD or ADMITTED, maybe marked) has
 * just become final: it leaves its count, its queue entry turns stale, its
 * CONCURRENCY units come back (their limits are woken).
 */
function dropClaims(id: i32, sc: i32): void {
  const st = sc & 7;
  if (st == READY) {
    nReady--;
  } else if (st == HELD) {
    addHeld(-1);
    unqueue(sc >>> HELD_SHIFT);
  } else {
    addAdmitted(-1);
    giveBackUnits(limsOf(id));
  }
}

/** The READY, HELD or ADMITTED task `id` ended with `outcome` (validated). */
function finish(id: i32, outcome: i32): void {
  const r = rec(id);
  const sc = load<i32>(r, 4);
  store<i32>(r, outcome, 4);
  if ((sc & ~MARK) == READY) nReady--;
  else dropClaims(id, sc);
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
 * dependency `v < 0` is the id at `local[-v - 1]` (addBatch). It gets the
 * next sequence number; its priority and its `nl` limits (at `limIds`) are
 * written when it has either. The first dependency that is FAILED or CANCELLED makes the task
 * final at once; edges already added for it stay behind and are skipped when
 * walked (the task is final). Otherwise the task waits for the dependencies
 * not DONE yet.
 */
function place(
  id: i32,
  deps: usize,
  n: i32,
  local: usize,
  prio: f64,
  limIds: usize,
  nl: i32,
): void {
  const r = rec(id);
  store<f64>(seqs + (<usize> (id & SLOT_MASK) << 3), seqNext);
  seqNext += 1;
  // the slot's priority and limits are clean: only what is not 0 is written
  if (prio != 0) {
    dirty = 1;
    store<f64>(prios + (<usize> (id & SLOT_MASK) << 3), prio);
    nPrio++;
  }
  if (nl != 0) {
    dirty = 1;
    const a = limsOf(id);
    for (let j = 0; j < nl; j++) {
      store<u16>(a + (<usize> j << 1), <u16> (load<i32>(limIds + (<usize> j << 2)) + 1));
    }
    if (nl < MAX_TASK_LIMITS) store<u16>(a + (<usize> nl << 1), <u16> NO_LIMIT);
  }
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
  const m = allocBlock(classOf(INITIAL_OUTPUT, 2));
  const s = allocBlock(classOf(INITIAL_SLOTS, 4));
  const q = allocBlock(classOf(INITIAL_SLOTS, 3));
  const pr = allocBlock(classOf(INITIAL_SLOTS, 3));
  const li = allocBlock(classOf(INITIAL_SLOTS, 4));
  const rg = allocBlock(classOf(INITIAL_SLOTS, 2));
  const e = allocBlock(classOf(INITIAL_EDGES, 3));
  if (
    a == 0 || b == 0 || c == 0 || d == 0 || m == 0 || s == 0 || q == 0 || pr == 0 || li == 0 ||
    rg == 0 || e == 0
  ) {
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
  store<usize>(ctx, m, H_ADMITTED_PTR);
  store<i32>(ctx, INITIAL_OUTPUT, H_ADMITTED_CAP);
  store<usize>(ctx, s, H_SLOTS);
  store<usize>(ctx, q, H_SEQS);
  store<usize>(ctx, pr, H_PRIOS);
  store<usize>(ctx, li, H_LIMS);
  memory.fill(pr, 0, <usize> INITIAL_SLOTS << 3);
  memory.fill(li, 0, <usize> INITIAL_SLOTS << 4);
  store<usize>(ctx, rg, H_RING);
  store<i32>(ctx, INITIAL_SLOTS, H_SLOT_CAP);
  store<usize>(ctx, e, H_EDGES);
  store<i32>(ctx, INITIAL_EDGES, H_EDGE_CAP);
  store<i32>(ctx, -1, H_EDGE_FREE);
  store<i32>(
    ctx,
    (1 << HEADER_CLASS) + (INITIAL_INPUT << 2) + 4 * (INITIAL_OUTPUT << 2) +
      INITIAL_SLOTS * 52 + (INITIAL_EDGES << 3),
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
  freeBlock(
    load<usize>(<usize> ctx, H_ADMITTED_PTR),
    classOf(load<i32>(<usize> ctx, H_ADMITTED_CAP), 2),
  );
  freeBlock(slots, classOf(slotCap, 4));
  freeBlock(seqs, classOf(slotCap, 3));
  freeBlock(prios, classOf(slotCap, 3));
  freeBlock(lims, classOf(slotCap, 4));
  freeBlock(ring, classOf(slotCap, 2));
  freeBlock(edges, classOf(edgeCap, 3));
  if (scratch != 0) freeBlock(scratch, <i32> ctz<u32>(<u32> scratchBytes));
  for (let l = 0; l < limitCap; l++) {
    const lp = limitRec(l);
    const rc = load<i32>(lp, L_RUN_CAP);
    if (rc != 0) freeBlock(load<usize>(lp, L_RUN), classOf(rc, 2));
    const hc = load<i32>(lp, L_HEAP_CAP);
    if (hc != 0) freeBlock(load<usize>(lp, L_HEAP), classOf(hc, ENTRY_SHIFT));
  }
  if (limitCap != 0) freeBlock(limits, classOf(limitCap, LIMIT_SHIFT));
  memory.fill(<usize> ctx, 0, 1 << HEADER_CLASS);
  freeBlock(<usize> ctx, HEADER_CLASS);
}

/** Forgets every task and every limit (generations included); keeps the memory it holds. */
export function reset(ctx: i32): i32 {
  enter(<usize> ctx);
  if (dirty != 0) {
    // the slots used since the last reset are those below slotTop: clean them
    memory.fill(prios, 0, <usize> slotTop << 3);
    memory.fill(lims, 0, <usize> slotTop << 4);
    dirty = 0;
  }
  rdyLen = 0;
  failLen = 0;
  cancLen = 0;
  nWaiting = 0;
  nReady = 0;
  store<i32>(C, 0, H_ADMITTED_LEN);
  store<i32>(C, 0, H_HELD);
  store<i32>(C, 0, H_ADMITTED);
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
  nPrio = 0;
  seqNext = 0;
  for (let l = 0; l < limitCap; l++) {
    const lp = limitRec(l);
    store<i32>(lp, 0, L_CAP);
    store<i32>(lp, 0, L_USED);
    store<i32>(lp, 0, L_KIND);
    store<i32>(lp, 0, L_STALE);
    store<i32>(lp, 0, L_RUN_HEAD);
    store<i32>(lp, 0, L_RUN_LEN);
    store<i32>(lp, 0, L_HEAP_LEN);
    store<i32>(lp, NOT_WOKEN, L_NEXT);
  }
  wakeHead = -1;
  wakeTail = -1;
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

/** Empties the four output lists (the host may instead zero the four lengths). */
export function clearOutputs(ctx: i32): void {
  store<i32>(<usize> ctx, 0, H_READY_LEN);
  store<i32>(<usize> ctx, 0, H_FAILED_LEN);
  store<i32>(<usize> ctx, 0, H_CANCELLED_LEN);
  store<i32>(<usize> ctx, 0, H_ADMITTED_LEN);
}

/** The state of a live task, or a negative status. */
export function state(ctx: i32, id: i32): i32 {
  enter(<usize> ctx);
  const st = idStatus(id);
  if (st != OK) return fail(st, 0, id);
  return load<i32>(rec(id), 4) & 7;
}

/** Checks the `n` dependencies at `deps`: OK, or the status after recording the bad one. */
function checkDeps(deps: usize, n: i32): i32 {
  for (let j = 0; j < n; j++) {
    const d = load<i32>(deps + (<usize> j << 2));
    const st = idStatus(d);
    if (st != OK) return fail(st, j, d);
  }
  return OK;
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
  place(id, deps, n, 0, 0, 0, 0);
  leave();
  return broken != 0 ? fail(FULL, OOM_INDEX, 0) : id;
}

/**
 * Adds one task with a priority and limits. Input: `deps[n]` then
 * `limits[nl]` (limit ids, each set with setLimit, each once, nl <= 8).
 * Returns its id.
 */
export function addWith(ctx: i32, n: i32, nl: i32, priority: f64): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (<u32> n > <u32> inCap) return fail(BAD_INPUT, -1, n);
  if (!(priority - priority == 0)) return fail(BAD_PRIORITY, -1, 0);
  if (<u32> nl > <u32> MAX_TASK_LIMITS) return fail(TOO_MANY_LIMITS, -1, nl);
  if (<i64> n + <i64> nl > <i64> inCap) return fail(BAD_INPUT, -1, nl);
  const deps = inPtr;
  const st = checkDeps(deps, n);
  if (st != OK) return st;
  const lims = deps + (<usize> n << 2);
  for (let j = 0; j < nl; j++) {
    const l = load<i32>(lims + (<usize> j << 2));
    if (!limitSet(l)) return fail(UNKNOWN_LIMIT, j, l);
    for (let k = 0; k < j; k++) {
      if (load<i32>(lims + (<usize> k << 2)) == l) return fail(DUPLICATE_LIMIT, j, l);
    }
  }
  let s = ensureSlots(1);
  if (s == OK) s = ensureEdges(n);
  if (s != OK) return refuse(s, 1);
  const id = allocSlot();
  place(id, deps, n, 0, priority, lims, nl);
  return done(id);
}

/**
 * Adds `count` tasks (priority 0, no limits). Input: `depCounts[count]` then
 * `deps[nDeps]`; a dep `v < 0` names the task at batch index `-v - 1` (which
 * must come earlier). On success the ids replace `depCounts` at the start of
 * the input buffer. The ready ids it outputs are in creation order, which is
 * (priority desc, seq asc) order already.
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
    place(id, deps + (<usize> p << 2), dc, base, 0, 0, 0);
    store<i32>(at, id);
    p += dc;
  }
  return done(OK);
}

/** Checks that `id` is READY, HELD or ADMITTED and unmarked (complete()). */
function checkLive(id: i32): i32 {
  const st = idStatus(id);
  if (st != OK) return st;
  const sc = load<i32>(rec(id), 4);
  if (sc == READY) return OK;
  const s = sc & 7;
  if (s == WAITING) return NOT_READY;
  if ((s == HELD || s == ADMITTED) && (sc & MARK) == 0) return OK;
  return ALREADY_FINAL; // final, or marked: a duplicate in this batch
}

/** Clears MARK on the first `n` ids at `ids` (a refused batch). */
function unmark(ids: usize, n: i32): void {
  for (let j = 0; j < n; j++) {
    const r = rec(load<i32>(ids + (<usize> j << 2)));
    store<i32>(r, load<i32>(r, 4) & ~MARK, 4);
  }
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
    let st = checkLive(id);
    let value = id;
    if (st == OK) {
      const o = load<i32>(outs + (<usize> i << 2));
      if (o < DONE || o > CANCELLED) {
        st = BAD_OUTCOME;
        value = o;
      }
    }
    if (st != OK) {
      unmark(ids, i);
      return fail(st, i, value);
    }
    const r = rec(id);
    store<i32>(r, load<i32>(r, 4) | MARK, 4);
  }
  const from = rdyLen;
  for (let i = 0; i < count && broken == 0; i++) {
    finish(load<i32>(ids + (<usize> i << 2)), load<i32>(outs + (<usize> i << 2)));
  }
  if (wakeHead >= 0) serveWoken();
  if (nPrio != 0) sortReady(from);
  return done(OK);
}

/** Reports one outcome (no input buffer). */
export function completeOne(ctx: i32, id: i32, outcome: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  const st = checkLive(id);
  if (st != OK) return fail(st, 0, id);
  if (outcome < DONE || outcome > CANCELLED) return fail(BAD_OUTCOME, 0, outcome);
  const from = rdyLen;
  finish(id, outcome);
  if (wakeHead >= 0) serveWoken();
  if (nPrio != 0) sortReady(from);
  return done(OK);
}

/** Cancels WAITING, READY, HELD and ADMITTED tasks (ids in the input); returns how many. */
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
    const sc = load<i32>(r, 4);
    const st = sc & 7;
    if (st == WAITING) nWaiting--;
    else if (isFinal(sc)) continue;
    store<i32>(r, CANCELLED, 4);
    if (st != WAITING) dropClaims(id, sc);
    nCancelled++;
    n++;
    const q = cancLen;
    pushCancelled(id, -1);
    spread(q, CANCELLED);
  }
  if (wakeHead >= 0) serveWoken();
  return done(n);
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
      if (!isFinal(sc)) st = NOT_FINAL;
      else if ((sc & MARK) != 0) st = STALE_ID; // a duplicate: released earlier in this batch
    }
    if (st != OK) {
      unmark(ids, i);
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
    // leave the slot's priority and limits clean for its next task
    if (nPrio != 0) {
      const pp = prios + (<usize> (id & SLOT_MASK) << 3);
      if (load<f64>(pp) != 0) {
        nPrio--;
        store<f64>(pp, 0);
      }
    }
    if (limitCap != 0) store<u16>(limsOf(id), <u16> NO_LIMIT);
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

/**
 * Admits READY tasks (ids in the input), considered in (priority desc, seq
 * asc) order: a task whose limits all have a free unit (or that has none)
 * takes them and is output as admitted; any other becomes HELD in the queue
 * of its first limit that lacks a unit. Returns how many were admitted.
 */
export function admit(ctx: i32, count: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (<u32> count > <u32> inCap) return fail(BAD_INPUT, -1, count);
  const ids = inPtr;
  for (let i = 0; i < count; i++) {
    const id = load<i32>(ids + (<usize> i << 2));
    let st = idStatus(id);
    if (st == OK) {
      const sc = load<i32>(rec(id), 4);
      const s = sc & 7;
      if (sc == READY) st = OK;
      else if (s == WAITING) st = NOT_READY;
      else if (s == READY || s == HELD || s == ADMITTED) st = ALREADY_ADMITTED; // or a duplicate
      else st = ALREADY_FINAL;
    }
    if (st != OK) {
      unmark(ids, i);
      return fail(st, i, id);
    }
    store<i32>(rec(id), READY | MARK, 4);
  }
  const s = sortIds(ids, count);
  if (s != OK) {
    unmark(ids, count);
    return refuse(s, count);
  }
  openAdmitted();
  const from = admLen;
  for (let i = 0; i < count && broken == 0; i++) admitOne(load<i32>(ids + (<usize> i << 2)));
  closeAdmitted();
  return done(admLen - from);
}

/**
 * Sets the capacity of limit `l` (0 <= l < MAX_LIMITS), creating it with
 * `kind` (CONCURRENCY or RATE) the first time; a limit keeps its kind until
 * reset. Free units go to the limit's waiters at once. Returns how many tasks
 * were admitted.
 */
export function setLimit(ctx: i32, l: i32, capacity: i32, kind: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (<u32> l >= <u32> MAX_LIMITS) return fail(UNKNOWN_LIMIT, -1, l);
  if (capacity < 1 || capacity > MAX_CAPACITY) return fail(BAD_CAPACITY, -1, capacity);
  if (kind != CONCURRENCY && kind != RATE) return fail(BAD_KIND, -1, kind);
  if (limitSet(l) && load<i32>(limitRec(l), L_KIND) != kind) return fail(BAD_KIND, -1, kind);
  const s = ensureLimits(l + 1);
  if (s != OK) return refuse(s, 1);
  const lp = limitRec(l);
  store<i32>(lp, capacity, L_CAP);
  store<i32>(lp, kind, L_KIND);
  const from = admittedLen();
  if (load<i32>(lp, L_USED) < capacity) wake(l);
  serveWoken();
  return done(admittedLen() - from);
}

/**
 * Gives back `n` units of the RATE limit `l` (its window is over); they go
 * to its waiters at once. Returns how many tasks were admitted.
 */
export function giveBack(ctx: i32, l: i32, n: i32): i32 {
  enter(<usize> ctx);
  if (broken != 0) return fail(FULL, OOM_INDEX, 0);
  if (!limitSet(l)) return fail(UNKNOWN_LIMIT, -1, l);
  const lp = limitRec(l);
  if (load<i32>(lp, L_KIND) != RATE) return fail(NOT_RATE, -1, l);
  if (n < 0 || n > load<i32>(lp, L_USED)) return fail(BAD_GIVEBACK, -1, n);
  const from = admittedLen();
  if (n != 0) {
    store<i32>(lp, load<i32>(lp, L_USED) - n, L_USED);
    wake(l);
    serveWoken();
  }
  return done(admittedLen() - from);
}

/** The capacity, units taken and kind of limit `l` in the input's first three entries. */
export function limitInfo(ctx: i32, l: i32): i32 {
  enter(<usize> ctx);
  if (!limitSet(l)) return fail(UNKNOWN_LIMIT, -1, l);
  const lp = limitRec(l);
  store<i32>(inPtr, load<i32>(lp, L_CAP));
  store<i32>(inPtr, load<i32>(lp, L_USED), 4);
  store<i32>(inPtr, load<i32>(lp, L_KIND), 8);
  return OK;
}

/** The module's own abort: never called (no assertions, no managed objects). */
// deno-lint-ignore no-unused-vars
function coreAbort(_msg: usize, _file: usize, _line: u32, _column: u32): void {
  unreachable();
}
