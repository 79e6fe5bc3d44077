// Private: status codes → CoreError, and the host-side batch checks both cores share.
import { received } from "../_text.ts";
import { CoreError, CoreStatus, MAX_SLOTS } from "./types.ts";

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
  const where = batch && index >= 0 ? ` (batch index ${index})` : "";
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
