/**
 * The types of task functions: what `functionTask`, `executableTask`,
 * `promptTask` and `block` return.
 *
 * @module
 */
import type { TaskFuture } from "./future.ts";
import type { CallOptions } from "./options.ts";

/**
 * An argument that may also be given as a future or promise of its type, and
 * whose array elements and object fields may be too (at any depth).
 */
export type Awaitable<T> =
  | T
  | PromiseLike<T>
  | (T extends (...args: never[]) => unknown ? never
    : T extends object ? { [K in keyof T]: Awaitable<T[K]> }
    : never);

/** The parameters of a task function: each may be a future/promise of its type. */
export type TaskArgs<A extends readonly unknown[]> = { [K in keyof A]: Awaitable<A[K]> };

/**
 * A task function: call it to create a task; returns the future at once.
 * `.with(options)` gives one with call-time options merged over these.
 */
export interface TaskFunction<A extends readonly unknown[], R, F = TaskFuture<R>> {
  (...args: TaskArgs<A>): F;
  /** A task function with these options merged over the current ones. */
  with(options: CallOptions): TaskFunction<A, R, F>;
  /** The name tasks of this function get. */
  readonly taskName: string;
}
