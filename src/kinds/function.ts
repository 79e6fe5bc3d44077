/**
 * The function kind: `flow.functionTask(fn)`. Nothing to prepare: a backend
 * calls `fn(...args)` with the resolved arguments.
 *
 * @module
 */
import type { BackendTaskBase } from "../types.ts";
import type { Kind } from "./_kind.ts";

/** A function task as a backend receives it: call `fn(...args)`. */
export interface FunctionTask extends BackendTaskBase {
  /** Discriminates `BackendTask`. */
  readonly kind: "function";
  /** The function to call. */
  readonly fn: (...args: never[]) => unknown;
  /** Resolved arguments. */
  readonly args: readonly unknown[];
  /** Module URL that exports `fn` under `fn.name` (for out-of-process backends). */
  readonly module: string | undefined;
}

/** The function kind. */
export const functionKind: Kind = {
  name: "function",
  prefix: "task.",
  onBackend: true,
  prepare: undefined,
};
