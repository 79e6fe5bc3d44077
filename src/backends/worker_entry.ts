/**
 * The script every {@link WorkerBackend} worker runs, and the message
 * protocol between it and the pool (the pool imports only the types).
 *
 * ## Protocol
 *
 * ```
 *  host ── init {claims, concurrency} ──────────────────────────► worker
 *  host ── run {defs, tasks: [slot, fnId, args, ...]} ──────────► worker
 *  host ◄── report {started: [slot...], results: [slot, status, payload, ...]} ── worker
 *  host ◄── dying {reason} ────────────────────────────────────── worker
 * ```
 *
 * Tasks and results travel as flat arrays, many per message. A function
 * definition (`defs`) is sent once per worker; tasks name it by `fnId`.
 *
 * ## Claims
 *
 * `claims` is an `Int32Array` over a `SharedArrayBuffer`, one cell per slot
 * of this worker. The host writes QUEUED before it sends a task; the worker
 * moves the cell QUEUED → STARTED with a compare-exchange just before it calls
 * the function, and to FINISHED when the call settles. A cancel on the host
 * moves QUEUED → REVOKED with a compare-exchange: exactly one side wins, so a
 * queued task is either dropped (the worker skips it and acknowledges with a
 * SKIPPED result) or known to be running (the host terminates the worker).
 * This works while the worker is stuck in a synchronous loop.
 *
 * ## RUNNING notices
 *
 * A result implies that the task started, so a task that finishes within the
 * batch is reported once. A task still running at the end of the batch (an
 * async one) is listed in `started`. Before calling a function that is not
 * known to be fast, the worker first sends the pending notices and that
 * task's own start: a long synchronous task is reported RUNNING as it starts
 * (so timeouts and cancels see it). A function is "known fast" while its last
 * call's synchronous part took less than {@link FAST_CALL_MS} (one slow call
 * costs one extra message, so the rule need not be sticky). Pending notices
 * are also sent when a batch has been running for more than
 * {@link FLUSH_AFTER_MS}.
 *
 * Limitation: a function that was fast before and now loops forever inside a
 * batch is not reported RUNNING (its timeout never starts); `cancel()` still
 * stops it.
 *
 * ## Death
 *
 * `close()`, `Deno.exit()`, an uncaught error and an unhandled rejection post
 * `dying` (after the results so far) before the worker goes away.
 *
 * @module
 */

import { loadFunction, type ShippedFunction } from "../ship.ts";

/** Claim cell values. */
export const Claim = {
  IDLE: 0,
  QUEUED: 1,
  STARTED: 2,
  FINISHED: 3,
  REVOKED: 4,
} as const;

/** Result status codes in a `report`. */
export const Status = {
  /** payload: the value */
  OK: 0,
  /** payload: a {@link Thrown} */
  THREW: 1,
  /** payload: the DataCloneError message (the value could not be sent) */
  UNCLONEABLE_RESULT: 2,
  /** payload: null (the task was revoked before it started) */
  SKIPPED: 3,
} as const;

/** A serialised thrown value. */
export type Thrown =
  | {
    error: true;
    name: string;
    message: string;
    stack: string | undefined;
    cause: Thrown | undefined;
    /** Own enumerable properties with primitive values (e.g. `code`). */
    props: Record<string, string | number | boolean | null | undefined> | undefined;
  }
  | { error: false; value: unknown };

/** A function definition: `[fnId, shipped]`. */
export type FnDef = [number, ShippedFunction];

/** Host → worker. */
export type ToWorker =
  | { type: "init"; claims: Int32Array<SharedArrayBuffer>; concurrency: number }
  | { type: "run"; defs: FnDef[]; tasks: unknown[] };

/** Worker → host. */
export type FromWorker =
  | { type: "report"; started: number[]; results: unknown[] }
  | { type: "dying"; reason: string };

/** A synchronous call shorter than this marks its function as fast (ms). */
export const FAST_CALL_MS = 1;
/** Pending notices are sent when a batch has run longer than this (ms). */
export const FLUSH_AFTER_MS = 2;

/** The part of the worker global scope this script uses. */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  close(): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

const LOADING = 0;
const READY = 1;
const FAILED = 2;
type FnState = typeof LOADING | typeof READY | typeof FAILED;

interface FnRecord {
  state: FnState;
  fn: ((...args: unknown[]) => unknown) | undefined;
  error: unknown;
  loading: Promise<void> | undefined;
  /** The last synchronous call was short. */
  fast: boolean;
}

/**
 * Serialises a thrown value so that it survives a structured clone with its
 * class name, message, stack and cause.
 */
export function serializeThrown(value: unknown, depth = 0): Thrown {
  if (value instanceof Error) {
    let props: Record<string, string | number | boolean | null | undefined> | undefined;
    for (const key of Object.keys(value)) {
      const v = (value as unknown as Record<string, unknown>)[key];
      if (
        key !== "name" && key !== "message" && key !== "stack" && key !== "cause" &&
        (v === null || ["string", "number", "boolean", "undefined"].includes(typeof v))
      ) {
        (props ??= {})[key] = v as string | number | boolean | null | undefined;
      }
    }
    return {
      error: true,
      name: String(value.name),
      message: String(value.message),
      stack: typeof value.stack === "string" ? value.stack : undefined,
      cause: "cause" in value && depth < 8 ? serializeThrown(value.cause, depth + 1) : undefined,
      props,
    };
  }
  if (value === null || typeof value !== "object" && typeof value !== "function") {
    return typeof value === "symbol"
      ? { error: false, value: String(value) }
      : { error: false, value };
  }
  try {
    return { error: false, value: structuredClone(value) };
  } catch {
    return { error: false, value: String(value) };
  }
}

function main(scope: WorkerScope): void {
  let claims: Int32Array<SharedArrayBuffer> = new Int32Array(new SharedArrayBuffer(0));
  let concurrency = 1;
  const fns = new Map<number, FnRecord>();
  /** Received and not started: [slot, fnId, args, ...]. */
  let queue: unknown[] = [];
  let head = 0;
  let active = 0;
  let started: number[] = [];
  let results: unknown[] = [];
  let flushQueued = false;
  let closing = false;
  let batchStart = 0;

  function post(message: FromWorker): void {
    scope.postMessage(message);
  }

  function flush(): void {
    flushQueued = false;
    if (started.length === 0 && results.length === 0) return;
    const s = started;
    const r = results;
    started = [];
    results = [];
    try {
      post({ type: "report", started: s, results: r });
    } catch {
      // Some value cannot be cloned: send one result at a time to find it.
      post({ type: "report", started: s, results: [] });
      for (let i = 0; i < r.length; i += 3) {
        const one = [r[i], r[i + 1], r[i + 2]];
        try {
          post({ type: "report", started: [], results: one });
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          const status = r[i + 1] === Status.OK ? Status.UNCLONEABLE_RESULT : Status.THREW;
          const payload = status === Status.THREW
            ? serializeThrown(new TypeError(`Thrown value cannot be cloned: ${why}`))
            : why;
          post({ type: "report", started: [], results: [r[i], status, payload] });
        }
      }
    }
  }

  function queueFlush(): void {
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  }

  function settle(slot: number, status: number, payload: unknown): void {
    Atomics.store(claims, slot, Claim.FINISHED);
    active--;
    results.push(slot, status, payload);
    queueFlush();
    if (head < queue.length) pump();
  }

  function pump(): void {
    let t0 = performance.now();
    batchStart = t0;
    while (active < concurrency && head < queue.length && !closing) {
      const slot = queue[head] as number;
      let fnId = queue[head + 1] as number;
      // a negative id (~id) asks for a start notice even for a fast function:
      // the task has a timeout, whose clock starts with that notice
      const notify = fnId < 0;
      if (notify) fnId = ~fnId;
      const rec = fns.get(fnId);
      if (rec === undefined) throw new Error(`Unknown function id ${fnId}`);
      if (rec.state === LOADING) {
        // Keep the order: wait for this function, then go on.
        rec.loading!.then(() => {
          pump();
          flush();
        });
        return;
      }
      const args = queue[head + 2] as unknown[];
      queue[head] = queue[head + 1] = queue[head + 2] = undefined;
      head += 3;
      if (Atomics.compareExchange(claims, slot, Claim.QUEUED, Claim.STARTED) !== Claim.QUEUED) {
        results.push(slot, Status.SKIPPED, null);
        continue;
      }
      if (rec.state === FAILED) {
        Atomics.store(claims, slot, Claim.FINISHED);
        results.push(slot, Status.THREW, serializeThrown(rec.error));
        continue;
      }
      const fast = rec.fast && !notify;
      if (!fast) {
        started.push(slot);
        flush();
      } else if (t0 - batchStart > FLUSH_AFTER_MS) {
        flush();
        batchStart = t0;
      }
      let value: unknown;
      try {
        value = rec.fn!(...args);
      } catch (error) {
        Atomics.store(claims, slot, Claim.FINISHED);
        results.push(slot, Status.THREW, serializeThrown(error));
        t0 = timed(rec, t0);
        continue;
      }
      t0 = timed(rec, t0);
      if (
        value !== null && (typeof value === "object" || typeof value === "function") &&
        typeof (value as PromiseLike<unknown>).then === "function"
      ) {
        active++;
        if (fast) started.push(slot);
        Promise.resolve(value).then(
          (v) => settle(slot, Status.OK, v),
          (e) => settle(slot, Status.THREW, serializeThrown(e)),
        );
      } else {
        Atomics.store(claims, slot, Claim.FINISHED);
        results.push(slot, Status.OK, value);
      }
    }
    if (head === queue.length) {
      queue = [];
      head = 0;
    }
  }

  function timed(rec: FnRecord, t0: number): number {
    const t1 = performance.now();
    rec.fast = t1 - t0 < FAST_CALL_MS;
    return t1;
  }

  function define(fnId: number, shipped: ShippedFunction): void {
    const rec: FnRecord = {
      state: LOADING,
      fn: undefined,
      error: undefined,
      loading: undefined,
      fast: false,
    };
    rec.loading = loadFunction(shipped).then(
      (fn) => {
        rec.state = READY;
        rec.fn = fn;
      },
      (error) => {
        rec.state = FAILED;
        rec.error = error;
      },
    );
    fns.set(fnId, rec);
  }

  function dying(reason: string): void {
    if (closing) return;
    closing = true;
    flush();
    post({ type: "dying", reason });
  }

  scope.onmessage = (event) => {
    const msg = event.data;
    switch (msg.type) {
      case "init":
        claims = msg.claims;
        concurrency = msg.concurrency;
        return;
      case "run":
        for (const [fnId, shipped] of msg.defs) define(fnId, shipped);
        if (head === queue.length) {
          queue = msg.tasks;
          head = 0;
        } else {
          for (const item of msg.tasks) queue.push(item);
        }
        pump();
        flush();
        return;
    }
  };

  const realClose = scope.close.bind(scope);
  scope.close = () => {
    dying("the worker called close()");
    realClose();
  };
  const realExit = Deno.exit;
  try {
    Deno.exit = ((code?: number) => {
      dying(`the worker called Deno.exit(${code ?? ""})`);
      return realExit(code);
    }) as typeof Deno.exit;
  } catch {
    // Not writable in this runtime: such an exit is then seen as a crash.
  }
  scope.addEventListener("error", (event) => {
    const e = event as ErrorEvent;
    dying(
      `uncaught ${e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : e.message}`,
    );
  });
  scope.addEventListener("unhandledrejection", (event) => {
    const r = (event as PromiseRejectionEvent).reason;
    dying(`unhandled rejection ${r instanceof Error ? `${r.name}: ${r.message}` : String(r)}`);
  });
}

// Run only as a worker (never when the pool imports this module for types).
if (
  "postMessage" in globalThis &&
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function"
) {
  main(globalThis as unknown as WorkerScope);
}
