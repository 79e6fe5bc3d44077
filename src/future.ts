/**
 * Task futures: what a call of a task function returns.
 *
 * A future *is* a native promise (a `Promise` subclass whose `constructor`
 * reads `Promise`), so `await`, `Promise.all` and `Promise.race` take V8's
 * fast paths: `Promise.resolve(future)` returns the future itself and its
 * `then` is the native one. Reactions therefore always run asynchronously,
 * in the async context they were registered in — never inside `cancel()`, a
 * backend report or an engine flush. The engine's task record extends this
 * class, so a task is one object (see `_task.ts`).
 *
 * A future that nobody awaits never produces an unhandled rejection: the
 * engine marks a future handled just before it rejects it.
 *
 * @module
 */
import { received } from "./_text.ts";

/** A task's state. */
export type TaskState = "PENDING" | "RUNNING" | "DONE" | "FAILED" | "CANCELLED";

/**
 * What the engine's record gives a future (the record overrides these
 * getters; a future made with `new` reads the defaults).
 */
export interface FutureView {
  /** The state as the public sees it. */
  readonly state: TaskState;
}

let captured: ((value: unknown) => void) | undefined;
function capture(resolve: (value: unknown) => void): void {
  captured = resolve;
}

/**
 * The resolve function of the future constructed last (the engine's record
 * takes it right after `super()`); cleared on read.
 *
 * @returns the resolving function
 */
export function takeResolver(): (value: unknown) => void {
  const r = captured!;
  captured = undefined;
  return r;
}

const INSPECT = Symbol.for("Deno.customInspect");

/**
 * The future of a task. A native promise, so `await`, `Promise.all` and
 * `Promise.race` work at native speed; also exposes the task's identity and
 * state.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { WorkflowEngine } from "../mod.ts";
 * await using flow = await WorkflowEngine.create();
 * const add = flow.functionTask((a: number, b: number) => a + b, { name: "add" });
 * const f = add(1, 2);
 * assertEquals(f.state, "PENDING");
 * assertEquals(await f, 3);
 * assertEquals([f.state, f.result], ["DONE", 3]);
 * assertEquals(String(f), "TaskFuture(add task.000001 DONE)");
 * ```
 */
export class TaskFuture<T = unknown> extends Promise<T> {
  /**
   * Futures are created by the engine: its task record extends this class.
   * A future made with `new` (without an executor) is attached to no engine
   * and never settles.
   *
   * @param executor as for `new Promise(executor)`; the engine passes none
   */
  constructor(
    executor?: (resolve: (value: T | PromiseLike<T>) => void, reject: (e: unknown) => void) => void,
  ) {
    super((executor ?? capture) as never);
  }

  /** `then`, `catch` and `finally` make plain promises. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** `"task.NNNNNN"` or `"block.NNNNNN"`, unique within the engine. */
  get uid(): string {
    return ""; // the engine's record overrides it
  }
  /** The task's name. */
  get name(): string {
    return ""; // the engine's record overrides it
  }
  /** The current state; `PENDING` right after the call. */
  get state(): TaskState {
    return "PENDING"; // the engine's record overrides it
  }
  /** The workflow (scope or block uid) the task belongs to. */
  get workflowId(): string | undefined {
    return undefined; // the engine's record overrides it
  }
  /** The backend the task was routed to. */
  get backendName(): string | undefined {
    return undefined; // the engine's record overrides it
  }
  /** Whether the future is final (DONE, FAILED or CANCELLED). */
  get done(): boolean {
    return false; // the engine's record overrides it
  }
  /** The value once DONE, else undefined. */
  get result(): T | undefined {
    return undefined; // the engine's record overrides it
  }
  /** The rejection reason once FAILED or CANCELLED, else undefined. */
  get error(): unknown {
    return undefined; // the engine's record overrides it
  }
  /** Runs started: 0 while pending, 1 after one run, 2 after one retry… (0 for a cache hit). */
  get attempts(): number {
    return 0; // the engine's record overrides it
  }
  /** The task's cache key (hex SHA-256) once known; undefined without a journal. */
  get key(): string | undefined {
    return undefined; // the engine's record overrides it
  }
  /** Whether the task completed from the journal without running. */
  get cached(): boolean {
    return false; // the engine's record overrides it
  }

  /**
   * Cancel the task if it is not final.
   *
   * @param reason why; becomes the `reason` of the `CancelledError` (any value)
   * @returns true if the future was not final
   */
  cancel(_reason?: unknown): boolean {
    return false; // the engine's record overrides it
  }

  /**
   * Call `cb(future)` once the future is final (in a microtask if it already
   * is); `state` is already final when it runs. An error thrown by `cb` is
   * reported as an uncaught error, never swallowed.
   *
   * @param cb the callback
   * @returns this future
   * @throws {TypeError} when `cb` is not a function
   */
  onDone(cb: (future: this) => void): this {
    if (typeof cb !== "function") {
      throw new TypeError(
        `Cannot add done callback as 'cb' must be a function: ${received(cb)}`,
      );
    }
    const run = () => {
      try {
        cb(this);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    };
    Promise.prototype.then.call(this, run, run);
    return this;
  }

  /** `TaskFuture(<name> <uid> <state>)`. */
  override toString(): string {
    return `${this[Symbol.toStringTag]}(${this.name} ${this.uid} ${this.state})`;
  }

  /** What `JSON.stringify` shows: the same as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }

  /** What `Deno.inspect` and `console.log` show: the same as {@link toString}. */
  [INSPECT](): string {
    return this.toString();
  }

  /** `[object TaskFuture]`-style tag. */
  override get [Symbol.toStringTag](): string {
    return "TaskFuture";
  }
}

// `Promise.resolve(future)` and `await future` return the future itself only
// when its `constructor` is `Promise`: that keeps V8's fast paths.
Object.defineProperty(TaskFuture.prototype, "constructor", {
  value: Promise,
  writable: true,
  configurable: true,
  enumerable: false,
});

/**
 * The future of a block (a composite workflow). `cancel()` also cancels every
 * member that is not final, recursively through nested blocks.
 */
export class BlockFuture<T = unknown> extends TaskFuture<T> {
  /**
   * Block futures are created by the engine (see {@link TaskFuture}).
   *
   * @param executor as for `new Promise(executor)`; the engine passes none
   */
  constructor(
    executor?: (resolve: (value: T | PromiseLike<T>) => void, reject: (e: unknown) => void) => void,
  ) {
    super(executor);
  }

  /** `[object BlockFuture]`-style tag. */
  override get [Symbol.toStringTag](): string {
    return "BlockFuture";
  }
}
Object.defineProperty(BlockFuture.prototype, "constructor", {
  value: Promise,
  writable: true,
  configurable: true,
  enumerable: false,
});
