/**
 * The queue of tasks a backend holds before it sends them on: higher
 * priority first, then in arrival order (which is creation order for tasks
 * the engine submits; `byPriority` in `backend.ts` states the rule). Tasks of
 * one priority share a bucket, so the common case (every priority 0) is a
 * plain FIFO; a task sent back (its worker died, it was preempted) goes to
 * the front of its bucket.
 *
 * @module
 */

import { type BackendTask, byPriority } from "../backend.ts";

class Deque<T> {
  items: (T | undefined)[] = [];
  head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * A queue ordered by priority (higher first), FIFO within a priority.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { PriorityQueue } from "./_queue.ts";
 * const q = new PriorityQueue<string>();
 * q.push("a", 0);
 * q.push("b", 5);
 * q.push("c", 0);
 * q.unshift("z", 0);
 * assertEquals([q.shift(), q.shift(), q.shift(), q.shift()], ["b", "z", "a", "c"]);
 * ```
 */
export class PriorityQueue<T> {
  /** Distinct priorities that have a bucket, highest first. */
  #priorities: number[] = [];
  readonly #buckets = new Map<number, Deque<T>>();
  #size = 0;

  /** How many items it holds. */
  get size(): number {
    return this.#size;
  }

  #bucket(priority: number): Deque<T> {
    let b = this.#buckets.get(priority);
    if (b === undefined) {
      b = new Deque<T>();
      this.#buckets.set(priority, b);
      const ps = this.#priorities;
      let i = ps.length;
      while (i > 0 && ps[i - 1]! < priority) i--;
      ps.splice(i, 0, priority);
    }
    return b;
  }

  /** Adds `item` behind the others of its priority. */
  push(item: T, priority: number): void {
    this.#bucket(priority).push(item);
    this.#size++;
  }

  /** Adds `item` ahead of the others of its priority (a task sent back). */
  unshift(item: T, priority: number): void {
    this.#bucket(priority).unshift(item);
    this.#size++;
  }

  /** The next item, left in place. */
  peek(): T | undefined {
    const p = this.#priorities[0];
    return p === undefined ? undefined : this.#buckets.get(p)!.peek();
  }

  /** Removes and returns the next item. */
  shift(): T | undefined {
    const p = this.#priorities[0];
    if (p === undefined) return undefined;
    const b = this.#buckets.get(p)!;
    const item = b.shift();
    this.#size--;
    if (b.size === 0) {
      this.#buckets.delete(p);
      this.#priorities.shift();
    }
    return item;
  }

  /** Removes everything. */
  clear(): void {
    this.#priorities = [];
    this.#buckets.clear();
    this.#size = 0;
  }
}

/**
 * `tasks` in priority order (higher first, then `seq`): the same array when
 * every priority is equal (the order the engine gave is kept).
 *
 * @param tasks a batch from `submit`
 * @returns the batch in the order to queue it
 */
export function inPriorityOrder(tasks: readonly BackendTask[]): readonly BackendTask[] {
  const p = tasks[0]?.priority ?? 0;
  for (let i = 1; i < tasks.length; i++) {
    if ((tasks[i]!.priority ?? 0) !== p) return [...tasks].sort(byPriority);
  }
  return tasks;
}
