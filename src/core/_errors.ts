// Private: status codes → CoreError, and the host-side batch checks both cores share.
import { received } from "../_text.ts";
import {
  CoreError,
  CoreStatus,
  LimitKind,
  MAX_CAPACITY,
  MAX_LIMITS,
  MAX_SLOTS,
  MAX_TASK_LIMITS,
} from "./types.ts";

/** Error index the Wasm core reports with FULL when memory could not grow. */
export const OOM_INDEX = -2;

function detail(code: number, index: number): string {
  switch (code) {
    case CoreStatus.UNKNOWN_ID:
      return "the id was never issued by this core";
    case CoreStatus.STALE_ID:
      return "the id names a released task (its slot may hold another task now)";
    case CoreStatus.ALREADY_FINAL:
      return "the task is already final";
    case CoreStatus.NOT_READY:
      return "the task is still waiting on dependencies";
    case CoreStatus.NOT_FINAL:
      return "the task is not final yet";
    case CoreStatus.BAD_OUTCOME:
      return "the outcome must be DONE (3), FAILED (4) or CANCELLED (5)";
    case CoreStatus.FULL:
      return index === OOM_INDEX
        ? "the core is out of memory"
        : `more than ${MAX_SLOTS} tasks would be live`;
    case CoreStatus.BAD_INPUT:
      return "the batch is malformed (bad count, or a local dependency that names no earlier task)";
    case CoreStatus.UNKNOWN_LIMIT:
      return `the limit id names no limit set with setLimit() (ids are integers from 0 to ${
        MAX_LIMITS - 1
      }; reset() forgets limits)`;
    case CoreStatus.BAD_PRIORITY:
      return "the priority must be a finite number";
    case CoreStatus.BAD_CAPACITY:
      return `the capacity must be an integer from 1 to ${MAX_CAPACITY}`;
    case CoreStatus.BAD_KIND:
      return "the kind must be CONCURRENCY (0) or RATE (1), and the kind the limit was set with";
    case CoreStatus.NOT_RATE:
      return "the limit is not a RATE limit (CONCURRENCY units come back when their tasks end)";
    case CoreStatus.TOO_MANY_LIMITS:
      return `a task takes at most ${MAX_TASK_LIMITS} limits`;
    case CoreStatus.DUPLICATE_LIMIT:
      return "the task names this limit twice";
    case CoreStatus.ALREADY_ADMITTED:
      return "the task was admitted already (it is HELD or ADMITTED, or named twice)";
    case CoreStatus.BAD_GIVEBACK:
      return "the count must be an integer from 0 to the units the limit has taken";
    default:
      return `the core returned an unknown status ${code}`;
  }
}

/**
 * The {@link CoreError} for a refused call.
 *
 * @param action what was attempted, e.g. `"complete task"`
 * @param code the status (negative)
 * @param index the offending batch index, or a negative number for the whole call
 * @param value the offending value
 * @param batch whether the call was a batch (the message then names the index)
 */
export function coreError(
  action: string,
  code: number,
  index: number,
  value: number,
  batch = true,
): CoreError {
  const noun = code === CoreStatus.UNKNOWN_LIMIT || code === CoreStatus.DUPLICATE_LIMIT
    ? "limit index"
    : "batch index";
  const where = batch && index >= 0 ? ` (${noun} ${index})` : "";
  return new CoreError(
    code as CoreStatus,
    index,
    value,
    `Cannot ${action} as ${detail(code, index)}${where}: ${received(value)}`,
  );
}

/**
 * Checks a batch count against the arrays it indexes.
 *
 * @throws {CoreError} BAD_INPUT when `count` is not an integer in `[0, min(lengths)]`
 */
export function checkCount(
  action: string,
  count: number,
  a: ArrayLike<number>,
  b?: ArrayLike<number>,
): void {
  if (
    !Number.isInteger(count) || count < 0 || count > a.length ||
    (b !== undefined && count > b.length)
  ) {
    throw coreError(action, CoreStatus.BAD_INPUT, -1, count);
  }
}

/**
 * Sums `depCounts[0..count)` (each coerced to int32) and checks that every
 * count is non-negative and that `deps` holds them all.
 *
 * @throws {CoreError} BAD_INPUT at the first task whose count is bad
 */
export function depTotal(count: number, depCounts: ArrayLike<number>, depsLength: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const dc = (depCounts[i] as number) | 0;
    if (dc < 0 || dc > depsLength - total) {
      throw coreError("add tasks", CoreStatus.BAD_INPUT, i, dc);
    }
    total += dc;
  }
  return total;
}

/** Copies `src[from .. from + n)` to the start of `dst`: a loop when short (no view is made). */
export function copyInto(dst: Int32Array, src: Int32Array, from: number, n: number): void {
  if (n > 64) dst.set(src.subarray(from, from + n));
  else for (let i = 0; i < n; i++) dst[i] = src[from + i]!;
}

/**
 * Whether the options of `add()` are good (small, so that it inlines; when it
 * says no, {@link checkAddOptions} throws the error).
 */
export function addOptionsOk(
  priority: number,
  limits: ArrayLike<number> | undefined,
  nLimits: number,
): boolean {
  return Number.isFinite(priority) &&
    (nLimits === 0 ||
      (limits !== undefined && nLimits > 0 && nLimits <= limits.length &&
        nLimits <= MAX_TASK_LIMITS && Number.isInteger(nLimits)));
}

/**
 * Checks the options of `add()` both cores share: `nLimits` against `limits`,
 * the priority, the number of limits.
 *
 * @throws {CoreError} BAD_INPUT, BAD_PRIORITY, TOO_MANY_LIMITS
 */
export function checkAddOptions(
  priority: number,
  limits: ArrayLike<number> | undefined,
  nLimits: number,
): void {
  if (nLimits !== 0) checkCount("add task", nLimits, limits ?? []);
  if (!Number.isFinite(priority)) {
    throw coreError("add task", CoreStatus.BAD_PRIORITY, -1, priority);
  }
  if (nLimits > MAX_TASK_LIMITS) {
    throw coreError("add task", CoreStatus.TOO_MANY_LIMITS, -1, nLimits);
  }
}

/**
 * Checks that `limit` is an integer limit id in range (whether it was set is
 * the core's check).
 *
 * @throws {CoreError} UNKNOWN_LIMIT
 */
export function checkLimitId(action: string, limit: number): void {
  if (!Number.isInteger(limit) || limit < 0 || limit >= MAX_LIMITS) {
    throw coreError(action, CoreStatus.UNKNOWN_LIMIT, -1, limit);
  }
}

/**
 * Checks the arguments of `setLimit()`.
 *
 * @throws {CoreError} UNKNOWN_LIMIT, BAD_CAPACITY, BAD_KIND
 */
export function checkSetLimit(limit: number, capacity: number, kind: number): void {
  checkLimitId("set limit", limit);
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    throw coreError("set limit", CoreStatus.BAD_CAPACITY, -1, capacity);
  }
  if (kind !== LimitKind.CONCURRENCY && kind !== LimitKind.RATE) {
    throw coreError("set limit", CoreStatus.BAD_KIND, -1, kind);
  }
}

/**
 * Checks the arguments of `giveBack()` (whether `n` units are taken is the
 * core's check).
 *
 * @throws {CoreError} UNKNOWN_LIMIT, BAD_GIVEBACK
 */
export function checkGiveBack(limit: number, n: number): void {
  checkLimitId("give back units", limit);
  if (!Number.isInteger(n) || n < 0 || n > MAX_CAPACITY) {
    throw coreError("give back units", CoreStatus.BAD_GIVEBACK, -1, n);
  }
}

/** The RangeError of `takeOutputs()` when a buffer is too small. */
export function tooSmall(
  ready: Int32Array,
  failed: Int32Array,
  cancelled: Int32Array,
  admitted: Int32Array | undefined,
  nr: number,
  nf: number,
  nc: number,
  na: number,
): RangeError {
  const a = admitted === undefined ? "" : `/${admitted.length}`;
  const n = admitted === undefined ? "" : `/${na}`;
  return new RangeError(
    `Cannot take outputs as a buffer is too small (ready/failed/cancelled${
      admitted === undefined ? "" : "/admitted"
    } need ${nr}/${nf}/${nc}${n}): ${
      received(`${ready.length}/${failed.length}/${cancelled.length}${a}`)
    }`,
  );
}
