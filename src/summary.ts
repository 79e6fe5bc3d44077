/**
 * What `flow.summary()` reports, and the per-name statistics the engine keeps
 * for it as tasks run (no event listener needed).
 *
 * Durations are in milliseconds. Percentiles are nearest-rank over the tasks
 * that ran (`null` when none did). A name keeps its first
 * {@link EXACT_SAMPLES} durations of each kind exactly; beyond that, memory
 * stays flat: further durations go into logarithmic buckets (about 1%
 * relative precision) and the percentiles are read from those; `max` is
 * always exact.
 *
 * The engine reads its clock at most once per turn of the event loop (a
 * clock read costs about as much as running a no-op task here), so a
 * synchronous body on the inline backend — which blocks the loop for its
 * whole run — is timed with the resolution of that turn.
 *
 * @module
 */

/** Percentiles of one duration. */
export interface Percentiles {
  /** Median (nearest rank), ms. */
  p50: number | null;
  /** 95th percentile (nearest rank), ms. */
  p95: number | null;
  /** Largest, ms. */
  max: number | null;
}

/** The statistics of the tasks (and blocks) of one name. */
export interface NameSummary {
  /** Tasks created. */
  count: number;
  /** Of them, DONE (cached ones included). */
  done: number;
  /** FAILED. */
  failed: number;
  /** CANCELLED. */
  cancelled: number;
  /** Completed from the journal without running. */
  cached: number;
  /** Started → final, over the tasks that ran. */
  runMs: Percentiles;
  /** Ready (dependencies done) → started, over the tasks that ran. */
  waitMs: Percentiles;
}

/** What `flow.summary()` returns. */
export interface Summary {
  /** `stats()` plus the tasks completed from the journal. */
  counts: {
    pending: number;
    running: number;
    done: number;
    failed: number;
    cancelled: number;
    cached: number;
  };
  /** From the first task's creation to now (or to the last final state once all are final). */
  wallMs: number;
  /** Final tasks over `wallMs`. */
  tasksPerSecond: number;
  /** By task (or block) name. */
  byName: Record<string, NameSummary>;
}

/** Durations kept exactly per name and kind before the buckets take over. */
export const EXACT_SAMPLES = 65536;

/** Buckets per doubling of a duration (relative width ≈ 2^(1/64) − 1 ≈ 1.1%). */
const PER_OCTAVE = 64;
/** The last bucket (durations of more than 10^300 years share it). */
const MAX_BUCKET = 1024 * PER_OCTAVE;
/** Durations below this (ms) share the first bucket. */
const FLOOR_MS = 1e-3;

/** Durations of one kind for one name: exact first, then logarithmic buckets. */
export class Samples {
  #exact = new Float64Array(64);
  #n = 0;
  #max = -Infinity;
  /** Count per bucket index (a typed array: no map lookup per sample past the exact ones). */
  #buckets: Float64Array | undefined;
  #bucketed = 0;

  /** How many durations were added. */
  get size(): number {
    return this.#n + this.#bucketed;
  }

  /** Adds a duration (ms). */
  add(ms: number): void {
    if (ms < 0) ms = 0;
    if (ms > this.#max) this.#max = ms;
    if (this.#n < EXACT_SAMPLES) {
      if (this.#n === this.#exact.length) {
        const a = new Float64Array(this.#exact.length * 2);
        a.set(this.#exact);
        this.#exact = a;
      }
      this.#exact[this.#n++] = ms;
      return;
    }
    let b = ms <= FLOOR_MS ? 0 : Math.ceil(Math.log2(ms / FLOOR_MS) * PER_OCTAVE);
    if (!(b < MAX_BUCKET)) b = MAX_BUCKET; // 2^1024 µs: never, but the array stays finite
    let m = this.#buckets;
    if (m === undefined || b >= m.length) {
      const a = new Float64Array(Math.max(b + 1, (m?.length ?? 512) * 2));
      if (m !== undefined) a.set(m);
      this.#buckets = m = a;
    }
    m[b] = m[b]! + 1;
    this.#bucketed++;
  }

  /** p50, p95 and max (nearest rank). */
  percentiles(): Percentiles {
    const total = this.size;
    if (total === 0) return { p50: null, p95: null, max: null };
    const sorted = this.#exact.slice(0, this.#n).sort();
    const at = (p: number): number => {
      const rank = Math.max(1, Math.ceil(p * total)); // 1-based nearest rank
      if (this.#buckets === undefined) return sorted[rank - 1]!;
      // merge the exact values with the buckets' upper bounds, in order
      const counts = this.#buckets;
      const bounds: [number, number][] = [];
      for (let b = 0; b < counts.length; b++) if (counts[b] !== 0) bounds.push([b, counts[b]!]);
      let i = 0;
      let seen = 0;
      for (const [b, count] of bounds) {
        const upper = b === 0 ? FLOOR_MS : FLOOR_MS * 2 ** (b / PER_OCTAVE);
        while (i < sorted.length && sorted[i]! <= upper) {
          if (++seen === rank) return sorted[i]!;
          i++;
        }
        if (seen + count >= rank) return Math.min(upper, this.#max);
        seen += count;
      }
      return sorted[i + (rank - seen) - 1] ?? this.#max;
    };
    return { p50: at(0.5), p95: at(0.95), max: this.#max };
  }
}

/** The running statistics of one task name (shared by its definitions). */
export class NameStats {
  count = 0;
  done = 0;
  failed = 0;
  cancelled = 0;
  cached = 0;
  readonly run = new Samples();
  readonly wait = new Samples();

  /** This name's part of a summary. */
  summary(): NameSummary {
    return {
      count: this.count,
      done: this.done,
      failed: this.failed,
      cancelled: this.cancelled,
      cached: this.cached,
      runMs: this.run.percentiles(),
      waitMs: this.wait.percentiles(),
    };
  }
}
