/**
 * The scheduler core's interface: readiness, named limits and priority over
 * integer task ids.
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
 *  add ──► WAITING ──(last dep DONE)──► READY ──admit()──► ADMITTED ──complete()──► DONE / FAILED / CANCELLED
 *            │                            │  └──admit()──► HELD ──(a unit of each limit)──┘ ▲
 *            │                            └──────────────complete() (e.g. a journal hit)──┤
 *            │  └──(a dep FAILED)──► FAILED (cause = that dep)                            │
 *            │  └──(a dep CANCELLED / cancel())──► CANCELLED      cancel() of READY, HELD, ADMITTED
 *            └──────────────────────────────────────────────────────────────────────────────┴─► release ─► FREE
 * ```
 *
 * A task added with no unmet dependency is READY at once. A dependency that is
 * already DONE (and not yet released) counts as satisfied; one that is already
 * FAILED or CANCELLED makes the new task FAILED / CANCELLED at once.
 *
 * ## Limits and priority
 *
 * A task is added with a priority (any finite number, default 0; higher goes
 * first) and a sequence number (its creation order in the core, since the
 * last reset). Every ordered list and queue of the core sorts by
 * **(priority descending, sequence ascending)**: "the better task first".
 *
 * A task may name up to {@link MAX_TASK_LIMITS} limits (ids below
 * {@link MAX_LIMITS}, each created with {@link SchedulerCore.setLimit}); it
 * needs one unit of each to be admitted. Readiness is two-phase, because the
 * host has work between "dependencies done" and "asks for units" (a journal
 * hit completes a ready task without running it, and must not wait):
 *
 * - `admit(ids)` takes READY tasks, considered in (priority, sequence) order.
 *   A task whose limits all have a free unit (or that has no limit) takes
 *   one unit of each and becomes ADMITTED; any other becomes HELD in the
 *   queue of the first of its limits (in the order it named them) that has
 *   no free unit.
 * - Units come back when an ADMITTED task holding a
 *   {@link LimitKind.CONCURRENCY} unit becomes final (complete or cancel),
 *   when the host gives back {@link LimitKind.RATE} units
 *   ({@link SchedulerCore.giveBack}), or when a capacity is raised. At the
 *   end of that call, each limit that got units back (in the order they came
 *   back) hands its free units to its queue, best first: the head is
 *   admitted when each of its other limits has a free unit too; otherwise it
 *   moves to the queue of the first limit that lacks one, and the next head
 *   is tried. So a limit with a free unit has nobody queued.
 * - The host's part: call `admit()` for a READY task once it knows the task
 *   must run (after a journal lookup, which may complete it instead: a READY
 *   task can be completed without being admitted), start the tasks the
 *   `admitted` list names, report their outcomes with `complete()`, and for
 *   each RATE limit run a timer per window that calls `giveBack()` for the
 *   units taken in it. A host need not admit tasks that have no limit.
 * - Caveat: units are not reserved. A task that needs several limits waits
 *   in one queue at a time, so tasks that need fewer of them can overtake it
 *   while it waits; under sustained contention on its other limits it may
 *   wait long (as in any admission without reservation).
 *
 * ## Outputs and their order
 *
 * Every call appends what it caused to four output lists: `ready` (ids),
 * `failed` and `cancelled` (pairs: id, cause id, where the cause is the
 * direct dependency whose outcome propagated, or -1 for a task cancelled by
 * `cancel()` itself) and `admitted` (ids). Lists accumulate over calls until
 * {@link SchedulerCore.clearOutputs}. The order within one call:
 *
 * - `failed` and `cancelled`: the order it happened; propagation is
 *   transitive inside the call, breadth first in the order dependents were
 *   added.
 * - `ready`: while no live (unreleased) task has a non-zero priority, the
 *   order tasks became ready (a completed task's dependents in the order they
 *   were added; batch items in batch order). While one does, the ids a call
 *   makes ready are sorted by (priority, sequence). `add()` outputs at most
 *   one id and `addBatch()` (priority 0) outputs in creation order, so both
 *   orders agree for them.
 * - `admitted`: `admit()` outputs in (priority, sequence) order; a call that
 *   gives units back outputs the tasks its limits admitted, limit by limit in
 *   the order units came back, each limit's best first.
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

/** Largest number of limits a core knows: limit ids are `0 .. MAX_LIMITS - 1`. */
export const MAX_LIMITS = 4096;
/** Largest number of limits one task may need a unit of. */
export const MAX_TASK_LIMITS = 8;
/** Largest capacity of a limit. */
export const MAX_CAPACITY: number = 2 ** 30;

/** Per-slot state, as stored in the core. Stable integers. */
export const CoreState = {
  FREE: 0,
  /** Waiting on dependencies. */
  WAITING: 1,
  /** Dependencies done; not admitted yet. */
  READY: 2,
  DONE: 3,
  FAILED: 4,
  CANCELLED: 5,
  /** admit() was asked; waiting in the queue of a limit that has no free unit. */
  HELD: 6,
  /** Admitted: holds a unit of each of its limits (if any). */
  ADMITTED: 7,
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

/** How a limit's units come back. Stable integers. */
export const LimitKind = {
  /** A unit is held from admission until the task is final (complete or cancel). */
  CONCURRENCY: 0,
  /**
   * A unit is held from admission until the host gives it back with
   * {@link SchedulerCore.giveBack} (when the rate window it was taken in is
   * over); the task's end does not return it.
   */
  RATE: 1,
} as const;
/** One of the {@link LimitKind} values. */
export type LimitKind = typeof LimitKind[keyof typeof LimitKind];

/** Status codes returned by the core's batch calls (0 = ok). */
export const CoreStatus = {
  OK: 0,
  /** An id was never issued, or its slot index is out of range. */
  UNKNOWN_ID: -1,
  /** An id names a slot that has since been released and recycled. */
  STALE_ID: -2,
  /** complete() or admit() of a task that is already final. */
  ALREADY_FINAL: -3,
  /** complete() or admit() of a task that is still WAITING on dependencies. */
  NOT_READY: -4,
  /** release() of a task that is not final yet. */
  NOT_FINAL: -5,
  /** An outcome code that is not DONE, FAILED or CANCELLED. */
  BAD_OUTCOME: -6,
  /** More live tasks than MAX_SLOTS. */
  FULL: -7,
  /** A negative count or a malformed batch. */
  BAD_INPUT: -8,
  /** A limit id out of range, or one never set with setLimit(). */
  UNKNOWN_LIMIT: -9,
  /** A priority that is not a finite number. */
  BAD_PRIORITY: -10,
  /** A capacity that is not an integer from 1 to MAX_CAPACITY. */
  BAD_CAPACITY: -11,
  /** A limit kind that is not a LimitKind, or not the kind the limit has. */
  BAD_KIND: -12,
  /** giveBack() of a limit that is not a RATE limit. */
  NOT_RATE: -13,
  /** A task that names more than MAX_TASK_LIMITS limits. */
  TOO_MANY_LIMITS: -14,
  /** A task that names one limit twice. */
  DUPLICATE_LIMIT: -15,
  /** admit() of a task that is HELD or ADMITTED already (or named twice). */
  ALREADY_ADMITTED: -16,
  /** giveBack() of a count that is not an integer from 0 to the units taken. */
  BAD_GIVEBACK: -17,
} as const;
/** One of the {@link CoreStatus} values. */
export type CoreStatus = typeof CoreStatus[keyof typeof CoreStatus];

/** Per-state counts of the tasks the core holds, and totals since reset. */
export interface CoreCounts {
  /** Tasks added and not yet released, by state. */
  waiting: number;
  /** READY: dependencies done, not admitted. */
  ready: number;
  /** HELD: waiting for a unit of a limit. */
  held: number;
  /** ADMITTED: holding a unit of each of their limits. */
  admitted: number;
  /** DONE, not released. */
  done: number;
  /** FAILED, not released. */
  failed: number;
  /** CANCELLED, not released. */
  cancelled: number;
  /** Slots in use (= waiting + ready + held + admitted + done + failed + cancelled). */
  live: number;
  /** Slots allocated in memory (grows, never shrinks until reset). */
  capacity: number;
}

/** What a limit holds now (see {@link SchedulerCore.limitState}). */
export interface LimitState {
  /** Units in all. */
  capacity: number;
  /** Units taken (may exceed the capacity after it was lowered). */
  taken: number;
  /** How its units come back. */
  kind: LimitKind;
}

/** Raised when a core call is refused; nothing of the refused batch was applied. */
export class CoreError extends Error {
  /** The status code. */
  readonly code: CoreStatus;
  /** Index of the offending item in the batch. */
  readonly index: number;
  /** The offending value (usually the id). */
  readonly value: number;
  /**
   * Creates the error for a refused call.
   *
   * @param code the status
   * @param index the offending batch index, or -1 for the whole call
   * @param value the offending value
   * @param message what was refused and why
   */
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
   * `count` defaults to `deps.length`), with a `priority` (finite; higher
   * first; default 0) and the limits `limits[0 .. nLimits)` (`nLimits`
   * defaults to `limits.length`; limit ids set with {@link setLimit}, at most
   * {@link MAX_TASK_LIMITS}, each once). Returns its id. Fast path for the
   * engine, which adds tasks one at a time at call time: with priority 0 and
   * no limits it costs what it did before limits existed.
   */
  add(
    deps: ArrayLike<number>,
    count?: number,
    priority?: number,
    limits?: ArrayLike<number>,
    nLimits?: number,
  ): TaskId;

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

  /**
   * Report outcomes of READY, HELD or ADMITTED tasks: `ids[i]` ended with
   * `outcomes[i]`. A READY task need not have been admitted (a journal hit);
   * a HELD one leaves its queue; an ADMITTED one gives back its
   * CONCURRENCY units, which admit waiters in this call.
   */
  complete(count: number, ids: ArrayLike<number>, outcomes: ArrayLike<number>): void;

  /** Report one outcome (fast path); as {@link complete}. */
  completeOne(id: TaskId, outcome: Outcome): void;

  /**
   * Cancel tasks that are WAITING, READY, HELD or ADMITTED (propagates to
   * dependents; units come back as with {@link complete}). Final tasks are
   * left alone. Returns how many were cancelled by this call (not counting
   * dependents).
   */
  cancel(count: number, ids: ArrayLike<number>): number;

  /**
   * Ask units for READY tasks `ids[0 .. count)`: considered in (priority,
   * sequence) order, each is ADMITTED (output in `admitted`) when each of its
   * limits has a free unit, or has no limit; else it is HELD until units come
   * back. Returns how many were admitted by this call. A host need not admit
   * tasks that have no limit (complete() takes READY tasks).
   *
   * @throws {CoreError} NOT_READY, ALREADY_ADMITTED, ALREADY_FINAL, UNKNOWN_ID, STALE_ID
   */
  admit(count: number, ids: ArrayLike<number>): number;

  /**
   * Create limit `limit` (`0 .. MAX_LIMITS - 1`) with `capacity` units of
   * `kind`, or change its capacity (a limit keeps its kind until
   * {@link reset}). Raising it admits waiters at once; lowering it below the
   * units taken admits nobody until enough come back. Returns how many tasks
   * were admitted by this call.
   *
   * @throws {CoreError} UNKNOWN_LIMIT, BAD_CAPACITY, BAD_KIND
   */
  setLimit(limit: number, capacity: number, kind: LimitKind): number;

  /**
   * Give back `n` units of the RATE limit `limit` (their window is over);
   * they admit waiters at once. Returns how many tasks were admitted.
   *
   * @throws {CoreError} UNKNOWN_LIMIT, NOT_RATE, BAD_GIVEBACK
   */
  giveBack(limit: number, n: number): number;

  /**
   * What limit `limit` holds now.
   *
   * @throws {CoreError} UNKNOWN_LIMIT
   */
  limitState(limit: number): LimitState;

  /** Release final tasks so their slots can be recycled. */
  release(count: number, ids: ArrayLike<number>): void;

  /** Current state of a live task (throws CoreError for unknown/stale ids). */
  state(id: TaskId): CoreState;

  /** Length of the ready list since the last clearOutputs(). */
  readyCount(): number;
  /** Pairs in the failed list since the last clearOutputs(). */
  failedCount(): number;
  /** Pairs in the cancelled list since the last clearOutputs(). */
  cancelledCount(): number;
  /** Length of the admitted list since the last clearOutputs(). */
  admittedCount(): number;
  /**
   * Views of the outputs. Valid until the next call on the core (memory may
   * grow); read what you need, then call clearOutputs().
   * `failed()` and `cancelled()` are pairs: [id, cause, id, cause, ...].
   */
  ready(): Int32Array;
  /** The failed list: [id, cause, id, cause, ...]. */
  failed(): Int32Array;
  /** The cancelled list: [id, cause, id, cause, ...]. */
  cancelled(): Int32Array;
  /** The admitted list: ids. */
  admitted(): Int32Array;
  /** Empty the four output lists. */
  clearOutputs(): void;
  /**
   * Copy the output lists to the start of `ready`, `failed`, `cancelled` and
   * `admitted` (which must hold {@link readyCount}, 2 × {@link failedCount},
   * 2 × {@link cancelledCount} and {@link admittedCount} entries), then clear
   * them: what the engine does every flush, without making a view. Without
   * `admitted`, the admitted list is left as it is.
   *
   * @throws {RangeError} when a buffer is too small (nothing is cleared)
   */
  takeOutputs(
    ready: Int32Array,
    failed: Int32Array,
    cancelled: Int32Array,
    admitted?: Int32Array,
  ): void;

  /** How many tasks the core holds, by state. */
  counts(): CoreCounts;
  /** Bytes of memory the core holds (Wasm memory size, or typed-array bytes). */
  memoryBytes(): number;
  /**
   * Forget every task and every limit and start over as new (generations and
   * sequence numbers included): ids issued before must not be used again.
   */
  reset(): void;
  /**
   * The owner is done with this core (engine shutdown): its memory may go to
   * the next core created. The core stays usable, empty (as after
   * {@link reset}). Optional: a core that holds nothing worth reusing has none.
   */
  dispose?(): void;
}
