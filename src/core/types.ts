/**
 * The scheduler core's interface: readiness tracking over integer task ids.
 *
 * Two implementations give identical answers: the AssemblyScript/Wasm core
 * (`wasm_core.ts`, the only module that touches Wasm memory) and a
 * TypeScript core on typed arrays (`ts_core.ts`).
 *
 * ## Ids
 *
 * A {@link TaskId} packs a slot index (low {@link SLOT_BITS} bits) and the
 * slot's generation (the next {@link GEN_BITS} bits). Ids are non-negative
 * and below 2^30, so they stay small integers in V8. A slot is recycled when
 * the host releases its final task; the generation is then bumped so an old
 * id is never confused with the new occupant. A slot whose generation would
 * wrap is retired instead of reused, so the guard is exact, not probabilistic.
 *
 * ## Life of a task in the core
 *
 * ```
 *  add ──► WAITING ──(last dep DONE)──► READY ──complete(DONE)──► DONE
 *            │  └──(a dep FAILED)──► FAILED (cause = that dep)    │
 *            │  └──(a dep CANCELLED / cancel())──► CANCELLED       │
 *            └─────────────────────────────────────────────────────┴─► release ─► FREE
 * ```
 *
 * A task added with no unmet dependency is READY at once. A dependency that is
 * already DONE (and not yet released) counts as satisfied; one that is already
 * FAILED or CANCELLED makes the new task FAILED / CANCELLED at once.
 *
 * ## Outputs
 *
 * Every call appends what it caused to three output lists, in the order it
 * happened: `ready` (ids), `failed` and `cancelled` (pairs: id, cause id, where
 * the cause is the direct dependency whose outcome propagated, or -1 for a
 * task cancelled by `cancel()` itself). Lists accumulate over calls until
 * {@link SchedulerCore.clearOutputs}. Propagation is transitive inside the call,
 * breadth first in the order dependents were added.
 *
 * @module
 */

/** Bits of a task id that hold the slot index. */
export const SLOT_BITS = 21;
/** Bits of a task id that hold the slot generation. */
export const GEN_BITS = 9;
/** Largest number of tasks that can be live (not released) at once. */
export const MAX_SLOTS: number = 1 << SLOT_BITS;

declare const taskIdBrand: unique symbol;
/** An integer task handle issued by a scheduler core. */
export type TaskId = number & { readonly [taskIdBrand]: true };

/** Per-slot state, as stored in the core. Stable integers. */
export const CoreState = {
  FREE: 0,
  WAITING: 1,
  READY: 2,
  DONE: 3,
  FAILED: 4,
  CANCELLED: 5,
} as const;
/** One of the {@link CoreState} values. */
export type CoreState = typeof CoreState[keyof typeof CoreState];

/** Outcomes a host may report with {@link SchedulerCore.complete}. */
export const Outcome = {
  DONE: 3,
  FAILED: 4,
  CANCELLED: 5,
} as const;
/** One of the {@link Outcome} values. */
export type Outcome = typeof Outcome[keyof typeof Outcome];

/** Status codes returned by the core's batch calls (0 = ok). */
export const CoreStatus = {
  OK: 0,
  /** An id was never issued, or its slot index is out of range. */
  UNKNOWN_ID: -1,
  /** An id names a slot that has since been released and recycled. */
  STALE_ID: -2,
  /** complete() of a task that is already final. */
  ALREADY_FINAL: -3,
  /** complete() of a task that is still WAITING on dependencies. */
  NOT_READY: -4,
  /** release() of a task that is not final yet. */
  NOT_FINAL: -5,
  /** An outcome code that is not DONE, FAILED or CANCELLED. */
  BAD_OUTCOME: -6,
  /** More live tasks than MAX_SLOTS. */
  FULL: -7,
  /** A negative count or a malformed batch. */
  BAD_INPUT: -8,
} as const;
/** One of the {@link CoreStatus} values. */
export type CoreStatus = typeof CoreStatus[keyof typeof CoreStatus];

/** Per-state counts of the tasks the core holds, and totals since reset. */
export interface CoreCounts {
  /** Tasks added and not yet released, by state. */
  waiting: number;
  ready: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Slots in use (= waiting + ready + done + failed + cancelled). */
  live: number;
  /** Slots allocated in memory (grows, never shrinks until reset). */
  capacity: number;
}

/** Raised when a core call is refused; nothing of the refused batch was applied. */
export class CoreError extends Error {
  /** The status code. */
  readonly code: CoreStatus;
  /** Index of the offending item in the batch. */
  readonly index: number;
  /** The offending value (usually the id). */
  readonly value: number;
  constructor(code: CoreStatus, index: number, value: number, message: string) {
    super(message);
    this.name = "CoreError";
    this.code = code;
    this.index = index;
    this.value = value;
  }
}

/**
 * The readiness tracker. All methods are synchronous; batch methods validate
 * the whole batch first and throw {@link CoreError} without applying anything
 * when any item is bad.
 */
export interface SchedulerCore {
  /** Which implementation this is. */
  readonly kind: "wasm" | "ts";

  /**
   * Add one task whose dependencies are `deps[0 .. count)` (may be empty;
   * `count` defaults to `deps.length`). Returns its id. Fast path for the
   * engine, which adds tasks one at a time at call time.
   */
  add(deps: ArrayLike<number>, count?: number): TaskId;

  /**
   * Add many tasks at once. `depCounts[i]` is the number of dependencies of the
   * i-th task; `deps` holds them back to back. A dependency may name a task
   * added earlier in the same batch (by its id, returned through `idsOut`)
   * only through `depsLocal`: when given, a value `v < 0` in `deps` means "the
   * task at batch index `-v - 1`". Ids are written to `idsOut`.
   */
  addBatch(
    count: number,
    depCounts: ArrayLike<number>,
    deps: ArrayLike<number>,
    idsOut: Int32Array,
  ): void;

  /** Report outcomes of READY tasks: `ids[i]` ended with `outcomes[i]`. */
  complete(count: number, ids: ArrayLike<number>, outcomes: ArrayLike<number>): void;

  /** Report one outcome (fast path). */
  completeOne(id: TaskId, outcome: Outcome): void;

  /**
   * Cancel tasks that are WAITING or READY (propagates to dependents). Final
   * tasks are left alone. Returns how many were cancelled by this call
   * (not counting dependents).
   */
  cancel(count: number, ids: ArrayLike<number>): number;

  /** Release final tasks so their slots can be recycled. */
  release(count: number, ids: ArrayLike<number>): void;

  /** Current state of a live task (throws CoreError for unknown/stale ids). */
  state(id: TaskId): CoreState;

  /** Output list lengths since the last clearOutputs(). */
  readyCount(): number;
  failedCount(): number;
  cancelledCount(): number;
  /**
   * Views of the outputs. Valid until the next call on the core (memory may
   * grow); read what you need, then call clearOutputs().
   * `failed()` and `cancelled()` are pairs: [id, cause, id, cause, ...].
   */
  ready(): Int32Array;
  failed(): Int32Array;
  cancelled(): Int32Array;
  clearOutputs(): void;
  /**
   * Copy the three output lists to the start of `ready`, `failed` and
   * `cancelled` (which must hold {@link readyCount}, 2 × {@link failedCount}
   * and 2 × {@link cancelledCount} entries), then clear them: what the engine
   * does every flush, without making a view.
   *
   * @throws {RangeError} when a buffer is too small (nothing is cleared)
   */
  takeOutputs(ready: Int32Array, failed: Int32Array, cancelled: Int32Array): void;

  counts(): CoreCounts;
  /** Bytes of memory the core holds (Wasm memory size, or typed-array bytes). */
  memoryBytes(): number;
  /**
   * Forget every task and start over as new (generations included): ids
   * issued before must not be used again.
   */
  reset(): void;
}
