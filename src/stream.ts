/**
 * Streaming over futures: `flow.asCompleted(futures)` yields each future once
 * it is final, in completion order; `flow.map(taskFn, inputs, { maxLive })`
 * calls a task function for each input of a (possibly endless, possibly
 * async) iterable, pulling lazily so that memory stays flat.
 *
 * @module
 */
import { TaskFuture } from "./future.ts";
import { received } from "./_text.ts";

/** Options of `flow.map`. */
export interface MapOptions {
  /**
   * At most this many of the tasks `map` started are neither yielded yet nor
   * final… precisely: started and not yet yielded (so at most this many are
   * not final, and finished ones wait for a slow consumer without pulling
   * more input).
   * @default {1000}
   */
  maxLive?: number;
}

/** Calls `cb` once `f` is final, in a reaction (never synchronously). */
function whenFinal(f: TaskFuture, cb: () => void): void {
  Promise.prototype.then.call(f, cb, cb);
}

/**
 * A queue of final futures and the one consumer waiting for the next.
 */
class Finished {
  readonly #queue: TaskFuture[] = [];
  #head = 0;
  #wake: (() => void) | undefined;

  push(f: TaskFuture): void {
    this.#queue.push(f);
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  get size(): number {
    return this.#queue.length - this.#head;
  }

  shift(): TaskFuture {
    const f = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined as unknown as TaskFuture;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return f;
  }

  /** Resolves when something is pushed. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#wake = resolve);
  }
}

/**
 * A final future as `flow.map` and `flow.asCompleted` yield it. At run time it
 * is the {@link TaskFuture} itself (`instanceof TaskFuture` holds). Its type
 * leaves out `then`, `catch` and `finally`: TypeScript types what `for await`
 * gives as the *awaited* value of anything thenable, so without this the
 * loop variable would be typed as the task's result while it holds the
 * future. Read `state`, `result`, `error`, `uid`… directly; cast to
 * `TaskFuture` to await it again.
 */
export type SettledFuture<F extends TaskFuture = TaskFuture> = Omit<
  F,
  "then" | "catch" | "finally"
>;

/**
 * An async iterator over final futures. Not an async generator: `yield` in
 * an async generator awaits its operand, which would hand out the future's
 * value (or throw its error) instead of the future.
 */
abstract class FutureIterator<F extends TaskFuture>
  implements AsyncIterableIterator<SettledFuture<F>> {
  [Symbol.asyncIterator](): this {
    return this;
  }
  abstract next(): Promise<IteratorResult<SettledFuture<F>>>;
  return(): Promise<IteratorResult<SettledFuture<F>>> {
    return Promise.resolve({ done: true, value: undefined });
  }
}

class Completed<F extends TaskFuture> extends FutureIterator<F> {
  readonly #done = new Finished();
  #left: number;
  constructor(list: readonly F[]) {
    super();
    this.#left = list.length;
    for (const f of list) whenFinal(f, () => this.#done.push(f));
  }
  override async next(): Promise<IteratorResult<SettledFuture<F>>> {
    if (this.#left === 0) return { done: true, value: undefined };
    if (this.#done.size === 0) await this.#done.next();
    this.#left--;
    return { done: false, value: this.#done.shift() as F };
  }
  override return(): Promise<IteratorResult<SettledFuture<F>>> {
    this.#left = 0;
    return super.return();
  }
}

/**
 * Each future once it is final (DONE, FAILED or CANCELLED), in completion
 * order. Futures final already come first, in the order given.
 *
 * @param futures the futures
 * @returns an async iterable of them, in completion order
 * @throws {TypeError} when `futures` is not iterable or holds something that is not a task future
 */
export function asCompleted<F extends TaskFuture>(
  futures: Iterable<F>,
): AsyncIterable<SettledFuture<F>> {
  const list = iterableToArray(futures, "iterate as completed", "futures");
  list.forEach((f, i) => {
    if (!(f instanceof TaskFuture)) {
      throw new TypeError(
        `Cannot iterate as completed as 'futures[${i}]' must be a task future: ${received(f)}`,
      );
    }
  });
  return { [Symbol.asyncIterator]: () => new Completed(list) };
}

function iterableToArray<T>(v: Iterable<T>, action: string, field: string): T[] {
  if (
    v === null || v === undefined ||
    typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(`Cannot ${action} as '${field}' must be iterable: ${received(v)}`);
  }
  return [...v];
}

class Mapped<I, F extends TaskFuture> extends FutureIterator<F> {
  readonly #taskFn: (input: I) => F;
  readonly #it: AsyncIterator<I> | Iterator<I>;
  readonly #maxLive: number;
  /** The started futures not yet final, by slot (no hash table: 10M adds and deletes churn one). */
  readonly #live: (F | undefined)[] = [];
  readonly #free: number[] = [];
  #liveCount = 0;
  readonly #done = new Finished();
  #exhausted = false;
  #closed = false;

  constructor(taskFn: (input: I) => F, it: AsyncIterator<I> | Iterator<I>, maxLive: number) {
    super();
    this.#taskFn = taskFn;
    this.#it = it;
    this.#maxLive = maxLive;
  }

  override async next(): Promise<IteratorResult<SettledFuture<F>>> {
    if (this.#closed) return { done: true, value: undefined };
    try {
      for (;;) {
        // pull while fewer than maxLive are started and not yet yielded
        while (!this.#exhausted && this.#liveCount + this.#done.size < this.#maxLive) {
          const r = await this.#it.next();
          if (this.#closed) return { done: true, value: undefined };
          if (r.done) {
            this.#exhausted = true;
            break;
          }
          const f = this.#taskFn(r.value);
          if (!(f instanceof TaskFuture)) {
            throw new TypeError(`Cannot map as 'taskFn' must return a task future: ${received(f)}`);
          }
          const slot = this.#free.length !== 0 ? this.#free.pop()! : this.#live.length;
          this.#live[slot] = f;
          this.#liveCount++;
          whenFinal(f, () => {
            if (this.#live[slot] !== f) return; // the loop was left
            this.#live[slot] = undefined;
            this.#free.push(slot);
            this.#liveCount--;
            this.#done.push(f);
          });
        }
        if (this.#done.size !== 0) return { done: false, value: this.#done.shift() as F };
        if (this.#liveCount === 0 && this.#exhausted) {
          this.#closed = true;
          return { done: true, value: undefined };
        }
        await this.#done.next();
      }
    } catch (e) {
      await this.#close();
      throw e;
    }
  }

  /** Leaving the loop early: cancel what was started, pull no more. */
  override async return(): Promise<IteratorResult<SettledFuture<F>>> {
    await this.#close();
    return { done: true, value: undefined };
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const live = this.#live.splice(0);
    this.#free.length = 0;
    this.#liveCount = 0;
    for (const f of live) f?.cancel("the map loop was left");
    if (!this.#exhausted) {
      this.#exhausted = true;
      try {
        await this.#it.return?.();
      } catch {
        // the input's own cleanup failed: the loop is left anyway
      }
    }
  }
}

/**
 * Calls `taskFn(input)` for each input, pulling lazily (see
 * {@link MapOptions.maxLive}), and yields each future once final, in
 * completion order (failed and cancelled ones too). Leaving the loop early
 * (`break`, `return`, a throw) cancels the tasks it started that are not
 * final and pulls no more input (the input iterator's `return()` is called).
 * An error from the input iterator, or from `taskFn` itself (bad arguments,
 * an engine shut down), ends the iteration with that error after cancelling
 * what it started.
 *
 * @param taskFn a task function (returns a future per call)
 * @param inputs an Iterable or AsyncIterable
 * @param options see {@link MapOptions}
 * @returns the futures, in completion order
 * @throws {TypeError} when `taskFn` is not a function, `inputs` is not
 * iterable, or `maxLive` is not a positive integer
 */
export function mapTasks<I, F extends TaskFuture>(
  taskFn: (input: I) => F,
  inputs: Iterable<I> | AsyncIterable<I>,
  options: MapOptions = {},
): AsyncIterable<SettledFuture<F>> {
  if (typeof taskFn !== "function") {
    throw new TypeError(`Cannot map as 'taskFn' must be a task function: ${received(taskFn)}`);
  }
  const getAsync = (inputs as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator];
  const getSync = (inputs as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator];
  if (typeof getAsync !== "function" && typeof getSync !== "function") {
    throw new TypeError(
      `Cannot map as 'inputs' must be an Iterable or AsyncIterable: ${received(inputs)}`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot map as 'options' must be an object: ${received(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (k !== "maxLive") {
      throw new TypeError(
        `Cannot map as 'options' has an unknown field (known: maxLive): ${received(k)}`,
      );
    }
  }
  const maxLive = options.maxLive ?? 1000;
  if (typeof maxLive !== "number" || !Number.isSafeInteger(maxLive) || maxLive < 1) {
    const E = typeof maxLive === "number" ? RangeError : TypeError;
    throw new E(`Cannot map as 'maxLive' must be a positive integer: ${received(maxLive)}`);
  }
  return {
    [Symbol.asyncIterator]: () =>
      new Mapped(
        taskFn,
        typeof getAsync === "function"
          ? (getAsync as () => AsyncIterator<I>).call(inputs)
          : (getSync as () => Iterator<I>).call(inputs),
        maxLive,
      ),
  };
}
