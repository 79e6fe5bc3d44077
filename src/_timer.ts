/**
 * Timers of any length (internal). `setTimeout` fires at once for delays
 * above 2^31 − 1 ms (about 24.8 days); these re-arm until the whole delay has
 * passed, so a 30-day timeout means 30 days.
 *
 * @module
 */

/** The longest delay one `setTimeout` honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that can be cancelled. */
export interface Timer {
  /** Stop it; calling again does nothing. */
  cancel(): void;
}

class LongTimer implements Timer {
  #handle: ReturnType<typeof setTimeout> | undefined;
  #end: number;
  #fn: () => void;
  constructor(ms: number, fn: () => void) {
    this.#end = Date.now() + ms;
    this.#fn = fn;
    this.#arm(ms);
  }
  #arm(ms: number): void {
    this.#handle = setTimeout(() => {
      const left = this.#end - Date.now();
      if (left > 0) this.#arm(left);
      else {
        this.#handle = undefined;
        this.#fn();
      }
    }, Math.min(ms, MAX_TIMER_MS));
  }
  cancel(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}

class ShortTimer implements Timer {
  readonly #handle: ReturnType<typeof setTimeout>;
  constructor(ms: number, fn: () => void) {
    this.#handle = setTimeout(fn, ms);
  }
  cancel(): void {
    clearTimeout(this.#handle);
  }
}

/**
 * Calls `fn` once after `ms` milliseconds, however long that is.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { after } from "./_timer.ts";
 * const { promise, resolve } = Promise.withResolvers<void>();
 * after(1, resolve);
 * await promise;
 * after(30 * 24 * 3600 * 1000, () => assert(false)).cancel(); // 30 days, then never
 * ```
 *
 * @param ms the delay (non-negative)
 * @param fn what to call
 * @returns the timer
 */
export function after(ms: number, fn: () => void): Timer {
  return ms > MAX_TIMER_MS ? new LongTimer(ms, fn) : new ShortTimer(ms, fn);
}
