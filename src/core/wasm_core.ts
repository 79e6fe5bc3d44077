/**
 * The Wasm scheduler core: the only module that touches Wasm memory.
 *
 * The module (`asm/build/core.wasm`, built from `asm/core.ts`) is loaded by a
 * static import, so it needs no permissions and is embedded by `deno compile`.
 * One module instance serves every core in the module graph: each core owns a
 * *context* inside the shared memory (its handle is the address of the
 * context's header), so several cores are fully independent. A context is
 * freed when its core is garbage-collected.
 *
 * Batches cross the boundary through the context's input buffer (a task's
 * dependencies, then its limits); outputs (ready, failed, cancelled,
 * admitted) are read from the lists the header points at. Typed-array views are re-created
 * when the memory grows (its old `ArrayBuffer` is then detached, so a view of
 * length 0 means "refresh").
 *
 * @module
 */
import * as wasm from "../../asm/build/core.wasm";
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
import type {
  CoreCounts,
  CoreState,
  LimitKind,
  LimitState,
  Outcome,
  SchedulerCore,
  TaskId,
} from "./types.ts";

/** What the core module exports (the `H_*` globals are header field byte offsets). */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  readonly H_IN_PTR: number;
  readonly H_IN_CAP: number;
  readonly H_READY_PTR: number;
  readonly H_READY_LEN: number;
  readonly H_FAILED_PTR: number;
  readonly H_FAILED_LEN: number;
  readonly H_CANCELLED_PTR: number;
  readonly H_CANCELLED_LEN: number;
  readonly H_ERR_INDEX: number;
  readonly H_ERR_VALUE: number;
  readonly H_WAITING: number;
  readonly H_READY: number;
  readonly H_DONE: number;
  readonly H_FAILED: number;
  readonly H_CANCELLED: number;
  readonly H_LIVE: number;
  readonly H_SLOT_CAP: number;
  readonly H_BYTES: number;
  readonly H_ADMITTED_PTR: number;
  readonly H_ADMITTED_LEN: number;
  readonly H_HELD: number;
  readonly H_ADMITTED: number;
  create(): number;
  destroy(ctx: number): void;
  reset(ctx: number): number;
  reserveInput(ctx: number, n: number): number;
  clearOutputs(ctx: number): void;
  state(ctx: number, id: number): number;
  add(ctx: number, n: number): number;
  addWith(ctx: number, n: number, nLimits: number, priority: number): number;
  addBatch(ctx: number, count: number, nDeps: number): number;
  complete(ctx: number, count: number): number;
  completeOne(ctx: number, id: number, outcome: number): number;
  cancel(ctx: number, count: number): number;
  release(ctx: number, count: number): number;
  admit(ctx: number, count: number): number;
  setLimit(ctx: number, limit: number, capacity: number, kind: number): number;
  giveBack(ctx: number, limit: number, n: number): number;
  limitInfo(ctx: number, limit: number): number;
}

/** Header field offsets in int32 units, read once from the exports. */
interface Layout {
  inPtr: number;
  inCap: number;
  readyPtr: number;
  readyLen: number;
  failedPtr: number;
  failedLen: number;
  cancelledPtr: number;
  cancelledLen: number;
  errIndex: number;
  errValue: number;
  waiting: number;
  ready: number;
  done: number;
  failed: number;
  cancelled: number;
  live: number;
  slotCap: number;
  bytes: number;
  admittedPtr: number;
  admittedLen: number;
  held: number;
  admitted: number;
}

/** One loaded module: its exports, its memory view and its context finalizer. */
class Binding {
  readonly x: CoreExports;
  readonly at: Layout;
  readonly finalizer: FinalizationRegistry<number>;
  heap: Int32Array;
  /**
   * Contexts given back by {@link WasmCore.dispose}, reset but with their
   * capacity: the next core takes one instead of growing a new context
   * (touching fresh pages costs more than the work on them).
   */
  readonly pool: number[] = [];

  constructor(x: CoreExports) {
    this.x = x;
    this.heap = new Int32Array(x.memory.buffer);
    this.at = {
      inPtr: x.H_IN_PTR >> 2,
      inCap: x.H_IN_CAP >> 2,
      readyPtr: x.H_READY_PTR >> 2,
      readyLen: x.H_READY_LEN >> 2,
      failedPtr: x.H_FAILED_PTR >> 2,
      failedLen: x.H_FAILED_LEN >> 2,
      cancelledPtr: x.H_CANCELLED_PTR >> 2,
      cancelledLen: x.H_CANCELLED_LEN >> 2,
      errIndex: x.H_ERR_INDEX >> 2,
      errValue: x.H_ERR_VALUE >> 2,
      waiting: x.H_WAITING >> 2,
      ready: x.H_READY >> 2,
      done: x.H_DONE >> 2,
      failed: x.H_FAILED >> 2,
      cancelled: x.H_CANCELLED >> 2,
      live: x.H_LIVE >> 2,
      slotCap: x.H_SLOT_CAP >> 2,
      bytes: x.H_BYTES >> 2,
      admittedPtr: x.H_ADMITTED_PTR >> 2,
      admittedLen: x.H_ADMITTED_LEN >> 2,
      held: x.H_HELD >> 2,
      admitted: x.H_ADMITTED >> 2,
    };
    this.finalizer = new FinalizationRegistry((ctx) => x.destroy(ctx));
  }

  /** The memory as int32, re-created when the memory has grown. */
  mem(): Int32Array {
    const h = this.heap;
    if (h.length !== 0) return h;
    return this.heap = new Int32Array(this.x.memory.buffer);
  }
}

const bindings = new WeakMap<CoreExports, Binding>();
/** At most this many contexts wait in a binding's pool. */
const POOLED = 2;

/** A cached subarray view of one output list. */
interface ListView {
  heap: Int32Array;
  ptr: number;
  len: number;
  view: Int32Array;
}

function emptyView(): ListView {
  const v = new Int32Array(0);
  return { heap: v, ptr: -1, len: -1, view: v };
}

class WasmCore implements SchedulerCore {
  readonly kind = "wasm" as const;
  readonly #b: Binding;
  readonly #x: CoreExports;
  #ctx: number;
  /** The header's int32 index. */
  #h: number;
  /** The input buffer's int32 index and capacity (it moves only in #reserve). */
  #in = 0;
  #inCap = 0;
  readonly #rv = emptyView();
  readonly #fv = emptyView();
  readonly #cv = emptyView();
  readonly #av = emptyView();

  constructor(b: Binding) {
    this.#b = b;
    this.#x = b.x;
    const ctx = b.pool.pop() ?? b.x.create();
    if (ctx < 0) throw coreError("create core", ctx, -2, 0);
    this.#ctx = ctx;
    this.#h = ctx >> 2;
    this.#readInput();
    b.finalizer.register(this, ctx, this);
  }

  /**
   * Gives this core's context (reset, its capacity kept) to the next core
   * created; this core goes on, empty, on a new small context of its own.
   */
  dispose(): void {
    const b = this.#b;
    if (b.pool.length >= POOLED) return;
    const fresh = this.#x.create();
    if (fresh < 0) return;
    const old = this.#ctx;
    if (this.#x.reset(old) < 0) {
      this.#x.destroy(fresh);
      return;
    }
    b.finalizer.unregister(this);
    b.pool.push(old);
    this.#ctx = fresh;
    this.#h = fresh >> 2;
    this.#readInput();
    b.finalizer.register(this, fresh, this);
  }

  #readInput(): void {
    const m = this.#b.mem();
    this.#in = m[this.#h + this.#b.at.inPtr]! >> 2;
    this.#inCap = m[this.#h + this.#b.at.inCap]!;
  }

  #reserve(action: string, n: number): void {
    const r = this.#x.reserveInput(this.#ctx, n);
    if (r < 0) throw this.#error(action, r);
    this.#readInput();
  }

  /** The one place where a status becomes a {@link CoreError}. */
  #error(action: string, status: number, batch = true): Error {
    const m = this.#b.mem();
    const at = this.#b.at;
    return coreError(action, status, m[this.#h + at.errIndex]!, m[this.#h + at.errValue]!, batch);
  }

  /** Copies `a[0..count)` into the input buffer at int32 offset `off`. */
  #put(a: ArrayLike<number>, count: number, off: number): void {
    const m = this.#b.mem();
    const base = this.#in + off;
    if (a instanceof Int32Array && count > 16) {
      m.set(a.length === count ? a : a.subarray(0, count), base);
    } else {
      for (let i = 0; i < count; i++) m[base + i] = a[i] as number;
    }
  }

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
    if (n !== 0) {
      if (n > this.#inCap) this.#reserve("add task", n);
      let m = this.#b.heap;
      if (m.length === 0) m = this.#b.mem();
      const base = this.#in;
      for (let i = 0; i < n; i++) m[base + i] = deps[i] as number;
    }
    const r = this.#x.add(this.#ctx, n);
    if (r < 0) throw this.#error("add task", r);
    return r as TaskId;
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
    if (n + nLimits > this.#inCap) this.#reserve("add task", n + nLimits);
    let m = this.#b.heap;
    if (m.length === 0) m = this.#b.mem();
    const base = this.#in;
    for (let i = 0; i < n; i++) m[base + i] = deps[i] as number;
    for (let i = 0; i < nLimits; i++) m[base + n + i] = limits![i] as number;
    const r = this.#x.addWith(this.#ctx, n, nLimits, priority);
    if (r < 0) throw this.#error("add task", r);
    return r as TaskId;
  }

  addBatch(
    count: number,
    depCounts: ArrayLike<number>,
    deps: ArrayLike<number>,
    idsOut: Int32Array,
  ): void {
    checkCount("add tasks", count, depCounts, idsOut);
    const total = depTotal(count, depCounts, deps.length);
    if (count + total > this.#inCap) this.#reserve("add tasks", count + total);
    this.#put(depCounts, count, 0);
    this.#put(deps, total, count);
    const r = this.#x.addBatch(this.#ctx, count, total);
    if (r < 0) throw this.#error("add tasks", r);
    const m = this.#b.mem();
    idsOut.set(m.subarray(this.#in, this.#in + count));
  }

  complete(count: number, ids: ArrayLike<number>, outcomes: ArrayLike<number>): void {
    checkCount("complete task", count, ids, outcomes);
    if (2 * count > this.#inCap) this.#reserve("complete task", 2 * count);
    this.#put(ids, count, 0);
    this.#put(outcomes, count, count);
    const r = this.#x.complete(this.#ctx, count);
    if (r < 0) throw this.#error("complete task", r);
  }

  completeOne(id: TaskId, outcome: Outcome): void {
    const r = this.#x.completeOne(this.#ctx, id, outcome);
    if (r < 0) throw this.#error("complete task", r, false);
  }

  cancel(count: number, ids: ArrayLike<number>): number {
    checkCount("cancel task", count, ids);
    if (count > this.#inCap) this.#reserve("cancel task", count);
    this.#put(ids, count, 0);
    const r = this.#x.cancel(this.#ctx, count);
    if (r < 0) throw this.#error("cancel task", r);
    return r;
  }

  release(count: number, ids: ArrayLike<number>): void {
    checkCount("release task", count, ids);
    if (count > this.#inCap) this.#reserve("release task", count);
    this.#put(ids, count, 0);
    const r = this.#x.release(this.#ctx, count);
    if (r < 0) throw this.#error("release task", r);
  }

  admit(count: number, ids: ArrayLike<number>): number {
    checkCount("admit task", count, ids);
    if (count > this.#inCap) this.#reserve("admit task", count);
    this.#put(ids, count, 0);
    const r = this.#x.admit(this.#ctx, count);
    if (r < 0) throw this.#error("admit task", r);
    return r;
  }

  setLimit(limit: number, capacity: number, kind: LimitKind): number {
    checkSetLimit(limit, capacity, kind);
    const r = this.#x.setLimit(this.#ctx, limit, capacity, kind);
    if (r < 0) throw this.#error("set limit", r, false);
    return r;
  }

  giveBack(limit: number, n: number): number {
    checkGiveBack(limit, n);
    const r = this.#x.giveBack(this.#ctx, limit, n);
    if (r < 0) throw this.#error("give back units", r, false);
    return r;
  }

  limitState(limit: number): LimitState {
    checkLimitId("read limit state", limit);
    const r = this.#x.limitInfo(this.#ctx, limit);
    if (r < 0) throw this.#error("read limit state", r, false);
    const m = this.#b.mem();
    const at = this.#in;
    return { capacity: m[at]!, taken: m[at + 1]!, kind: m[at + 2]! as LimitKind };
  }

  state(id: TaskId): CoreState {
    const r = this.#x.state(this.#ctx, id);
    if (r < 0) throw this.#error("read task state", r, false);
    return r as CoreState;
  }

  readyCount(): number {
    return this.#b.mem()[this.#h + this.#b.at.readyLen]!;
  }

  failedCount(): number {
    return this.#b.mem()[this.#h + this.#b.at.failedLen]! >> 1;
  }

  cancelledCount(): number {
    return this.#b.mem()[this.#h + this.#b.at.cancelledLen]! >> 1;
  }

  admittedCount(): number {
    return this.#b.mem()[this.#h + this.#b.at.admittedLen]!;
  }

  #view(v: ListView, ptrAt: number, lenAt: number): Int32Array {
    const m = this.#b.mem();
    const ptr = m[this.#h + ptrAt]! >> 2;
    const len = m[this.#h + lenAt]!;
    if (v.heap !== m || v.ptr !== ptr || v.len !== len) {
      v.heap = m;
      v.ptr = ptr;
      v.len = len;
      v.view = m.subarray(ptr, ptr + len);
    }
    return v.view;
  }

  ready(): Int32Array {
    return this.#view(this.#rv, this.#b.at.readyPtr, this.#b.at.readyLen);
  }

  failed(): Int32Array {
    return this.#view(this.#fv, this.#b.at.failedPtr, this.#b.at.failedLen);
  }

  cancelled(): Int32Array {
    return this.#view(this.#cv, this.#b.at.cancelledPtr, this.#b.at.cancelledLen);
  }

  admitted(): Int32Array {
    return this.#view(this.#av, this.#b.at.admittedPtr, this.#b.at.admittedLen);
  }

  takeOutputs(
    ready: Int32Array,
    failed: Int32Array,
    cancelled: Int32Array,
    admitted?: Int32Array,
  ): void {
    const m = this.#b.mem();
    const h = this.#h;
    const at = this.#b.at;
    const nr = m[h + at.readyLen]!, nf = m[h + at.failedLen]!, nc = m[h + at.cancelledLen]!;
    const na = admitted === undefined ? 0 : m[h + at.admittedLen]!;
    if (
      ready.length < nr || failed.length < nf || cancelled.length < nc ||
      (admitted !== undefined && admitted.length < na)
    ) {
      throw tooSmall(ready, failed, cancelled, admitted, nr, nf, nc, na);
    }
    if (nr !== 0) copyInto(ready, m, m[h + at.readyPtr]! >> 2, nr);
    if (nf !== 0) copyInto(failed, m, m[h + at.failedPtr]! >> 2, nf);
    if (nc !== 0) copyInto(cancelled, m, m[h + at.cancelledPtr]! >> 2, nc);
    m[h + at.readyLen] = 0;
    m[h + at.failedLen] = 0;
    m[h + at.cancelledLen] = 0;
    if (admitted !== undefined) {
      if (na !== 0) copyInto(admitted, m, m[h + at.admittedPtr]! >> 2, na);
      m[h + at.admittedLen] = 0;
    }
  }

  /** Zeroes the four output lengths in the header (the core re-reads them on every call). */
  clearOutputs(): void {
    let m = this.#b.heap;
    if (m.length === 0) m = this.#b.mem();
    const h = this.#h;
    const at = this.#b.at;
    m[h + at.readyLen] = 0;
    m[h + at.failedLen] = 0;
    m[h + at.cancelledLen] = 0;
    m[h + at.admittedLen] = 0;
  }

  counts(): CoreCounts {
    const m = this.#b.mem();
    const h = this.#h;
    const at = this.#b.at;
    return {
      waiting: m[h + at.waiting]!,
      ready: m[h + at.ready]!,
      held: m[h + at.held]!,
      admitted: m[h + at.admitted]!,
      done: m[h + at.done]!,
      failed: m[h + at.failed]!,
      cancelled: m[h + at.cancelled]!,
      live: m[h + at.live]!,
      capacity: m[h + at.slotCap]!,
    };
  }

  /** Bytes of Wasm memory this core's context holds (the memory is shared by all cores). */
  memoryBytes(): number {
    return this.#b.mem()[this.#h + this.#b.at.bytes]!;
  }

  reset(): void {
    const r = this.#x.reset(this.#ctx);
    if (r < 0) throw this.#error("reset core", r);
  }
}

/**
 * Creates a core on a given export object (the real module by default).
 * Exposed for tests, which drive the wrapper with a fake export object.
 *
 * @param exports the module's exports
 * @returns a new, independent core
 */
export function createWasmCoreWith(exports: CoreExports): SchedulerCore {
  let b = bindings.get(exports);
  if (b === undefined) {
    b = new Binding(exports);
    bindings.set(exports, b);
  }
  return new WasmCore(b);
}

/**
 * Creates a scheduler core backed by the AssemblyScript module. Each call
 * returns an independent core (its own context in the module's memory).
 *
 * @example
 * ```ts
 * import { createWasmCore } from "./wasm_core.ts";
 * const core = createWasmCore();
 * const a = core.add([]);
 * const b = core.add([a]);
 * core.clearOutputs();
 * core.completeOne(a, 3);
 * console.assert(core.ready()[0] === b);
 * ```
 *
 * @returns a new, independent core
 * @throws {CoreError} FULL when the module's memory cannot grow
 */
export function createWasmCore(): SchedulerCore {
  return createWasmCoreWith(wasm);
}
