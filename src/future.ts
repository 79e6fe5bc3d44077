/**
 * Task futures: what a call of a task function returns.
 *
 * A future is a thin view of the engine's task record. It creates a native
 * promise only when somebody awaits it (`then`), so a future that nobody
 * awaits never produces an unhandled rejection.
 *
 * @module
 */

/** A task's state. */
export type TaskState = "PENDING" | "RUNNING" | "DONE" | "FAILED" | "CANCELLED";

/**
 * The engine-side state every future carries: the engine's task record
 * extends the future classes, so a task is one object (see `_task.ts`).
 */
export interface FutureRecord {
  /** The state. */
  st: TaskState;
  /** The value when DONE, the error when FAILED or CANCELLED. */
  out: unknown;
  /** The workflow id. */
  wf: string | undefined;
  /**
   * Pending `then` reactions and `onDone` callbacks, flat quadruples
   * [onFulfilled, onRejected, resolve, reject, ...] (an onDone callback has no
   * resolve/reject); no object per reaction. Run by {@link settleWaiters}.
   */
  waiters: unknown[] | undefined;
}

/** The record fields of a future (every future is an engine record). */
function rec(f: TaskFuture<unknown>): FutureRecord {
  return f as unknown as FutureRecord;
}

const FINAL: Record<TaskState, boolean> = {
  PENDING: false,
  RUNNING: false,
  DONE: true,
  FAILED: true,
  CANCELLED: true,
};

/** Whether a state is final. */
export function isFinal(state: TaskState): boolean {
  return FINAL[state];
}

let capturedResolve: unknown;
let capturedReject: unknown;
function capture(resolve: unknown, reject: unknown): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * Run the `then` reactions of a future that just became final.
 *
 * @param w the record's waiters (flat quadruples)
 * @param ok whether it is DONE
 * @param v the value or the error
 */
export function settleWaiters(w: unknown[], ok: boolean, v: unknown): void {
  for (let i = 0; i < w.length; i += 4) {
    const f = w[ok ? i : i + 1];
    const resolve = w[i + 2] as ((x: unknown) => void) | undefined;
    const reject = w[i + 3] as (x: unknown) => void;
    if (resolve === undefined) {
      // an onDone callback: its errors are the caller's, reported, never swallowed
      try {
        (f as () => void)();
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
      continue;
    }
    if (typeof f !== "function") {
      if (ok) resolve(v);
      else reject(v);
      continue;
    }
    try {
      resolve(f(v));
    } catch (e) {
      reject(e);
    }
  }
}

/**
 * The future of a task. `PromiseLike`, so `await`, `Promise.all` and
 * `Promise.race` work; also exposes the task's identity and state.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { WorkflowEngine } from "../mod.ts";
 * await using flow = await WorkflowEngine.create();
 * const add = flow.functionTask((a: number, b: number) => a + b);
 * const f = add(1, 2);
 * assertEquals(f.state, "PENDING");
 * assertEquals(await f, 3);
 * assertEquals([f.state, f.result], ["DONE", 3]);
 * ```
 */
export class TaskFuture<T = unknown> implements PromiseLike<T> {
  /**
   * Futures are created by the engine only: its task record extends this
   * class (the record's fields live on the future itself, one object a task).
   * A future made with `new` is not attached to any engine.
   */
  constructor() {}

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
    return rec(this).st;
  }
  /** The workflow (scope or block uid) the task belongs to. */
  get workflowId(): string | undefined {
    return rec(this).wf;
  }
  /** The backend the task was routed to. */
  get backendName(): string | undefined {
    return undefined; // the engine's record overrides it
  }
  /** Whether the future is final (DONE, FAILED or CANCELLED). */
  get done(): boolean {
    return FINAL[rec(this).st];
  }
  /** The value once DONE, else undefined. */
  get result(): T | undefined {
    const r = rec(this);
    return r.st === "DONE" ? r.out as T : undefined;
  }
  /** The rejection reason once FAILED or CANCELLED, else undefined. */
  get error(): unknown {
    const r = rec(this);
    return r.st === "FAILED" || r.st === "CANCELLED" ? r.out : undefined;
  }

  /**
   * Cancel the task if it is not final.
   *
   * @param reason why; becomes the `reason` of the {@link CancelledError}
   * @returns true if the future was not final
   */
  cancel(_reason?: unknown): boolean {
    return false; // the engine's record overrides it
  }

  /**
   * Call `cb(future)` once the future is final (in a microtask if it already is).
   *
   * @param cb the callback; `state` is already final when it runs
   * @returns this future
   */
  onDone(cb: (future: this) => void): this {
    if (typeof cb !== "function") {
      throw new TypeError(
        `Cannot add done callback as 'cb' must be a function: received ${typeof cb}`,
      );
    }
    const r = rec(this);
    if (FINAL[r.st]) {
      queueMicrotask(() => cb(this));
    } else {
      const f = () => cb(this);
      if (r.waiters === undefined) r.waiters = [f, f, undefined, undefined];
      else r.waiters.push(f, f, undefined, undefined);
    }
    return this;
  }

  /**
   * As `Promise.prototype.then`. Reactions of a future that is not final yet run
   * when it settles, inside the engine's turn (no extra microtask per future).
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const r = rec(this);
    const s = r.st;
    if (s === "DONE") return Promise.resolve(r.out as T).then(onfulfilled, onrejected);
    if (s === "FAILED" || s === "CANCELLED") {
      return Promise.reject(r.out).then(onfulfilled, onrejected);
    }
    // a shared executor hands the resolvers over: no closure, no result object
    const promise = new Promise<R1 | R2>(capture);
    // a literal sized exactly: `[].push(...)` would reserve 17 slots
    if (r.waiters === undefined) {
      r.waiters = [onfulfilled, onrejected, capturedResolve, capturedReject];
    } else r.waiters.push(onfulfilled, onrejected, capturedResolve, capturedReject);
    return promise;
  }

  /** As `Promise.prototype.catch`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }

  /** As `Promise.prototype.finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }

  /** `[object TaskFuture]`-style tag. */
  get [Symbol.toStringTag](): string {
    return "TaskFuture";
  }
}

/**
 * The future of a block (a composite workflow). `cancel()` also cancels every
 * member that is not final, recursively through nested blocks.
 */
export class BlockFuture<T = unknown> extends TaskFuture<T> {
  /** `[object BlockFuture]`-style tag. */
  override get [Symbol.toStringTag](): string {
    return "BlockFuture";
  }
}
