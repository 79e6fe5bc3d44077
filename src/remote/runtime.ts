/**
 * The runtime side of the protocol ({@link ./protocol.ts}): runs the tasks a
 * host sends and reports their starts and results. The worker entry, the
 * subprocess entry and the Slurm agent only differ in how messages travel;
 * each hands what it receives to {@link TaskRuntime.receive} and sends what
 * the runtime gives its `send`.
 *
 * - **Functions** are loaded once per id: source text at once, a `module` by
 *   import. Tasks of a function whose module is still loading wait beside
 *   the queue (and are reported started, so their timeout runs): a module
 *   whose top-level await never finishes holds only its own tasks.
 * - **Concurrency**: up to `concurrency` async bodies in flight; synchronous
 *   bodies run one after another anyway.
 * - **Starts**: a task whose function is not known to be fast is reported
 *   started before it is called (a long synchronous body is RUNNING while it
 *   blocks); a fast one's result implies its start. A function is "known
 *   fast" while its last call's synchronous part took less than
 *   {@link FAST_CALL_MS}. Pending notices are also sent when a batch has run
 *   longer than {@link FLUSH_AFTER_MS}.
 * - **Context**: `module` tasks run through `callInContext`, so their body's
 *   `taskContext()` answers, and its `signal` aborts when an `abort` arrives.
 * - **Executables** (Slurm agents): run by the {@link ExecRunner} it is given.
 *
 * Limitation: a function that was fast before and now loops forever inside a
 * batch is not reported RUNNING (its timeout never starts); a cancel still
 * stops it (the host kills a runtime that does not acknowledge the abort).
 *
 * @module
 */

import { callInContext, type ContextSource } from "../context.ts";
import {
  explainLoadError,
  loadFunction,
  loadSourceFunction,
  type ShippedFunction,
} from "../ship.ts";
import { setRuntimeKind } from "./_loading.ts";
import {
  Claim,
  decodeThrown,
  encodeThrown,
  type ExecSpec,
  type FromRuntime,
  Status,
  TASK_STRIDE,
  type TaskCtx,
  type Thrown,
  type ToRuntime,
} from "./protocol.ts";

/** A synchronous call shorter than this marks its function as fast (ms). */
export const FAST_CALL_MS = 1;
/** Pending notices are sent when a batch has run longer than this (ms). */
export const FLUSH_AFTER_MS = 2;

/** How an executable's run is reported back to the runtime. */
export interface ExecReport {
  /** Its process started (a runtime may report the start itself, before the spawn). */
  started(): void;
  /** It ended well, with this value. */
  done(value: unknown): void;
  /** It failed with this error. */
  failed(error: unknown): void;
}

/** Runs executables for a runtime (Slurm agents). */
export interface ExecRunner {
  /** Starts `spec`; reports through `report` (nothing after a cancel). */
  start(spec: ExecSpec, report: ExecReport): void;
  /** Stops the process tree of `id`. */
  cancel(id: number): void;
}

/** What a {@link TaskRuntime} needs from its transport. */
export interface RuntimeOptions {
  /**
   * Sends a message; throws (synchronously) when a value in it cannot cross.
   * A transport whose writes complete later (a socket) returns a promise:
   * the runtime then waits for a start notice to be written before it calls
   * a body that may block the event loop (which would keep it from leaving).
   */
  send(message: FromRuntime): void | Promise<unknown>;
  /** Runs executables (agents); without it an `exec` message fails its tasks. */
  exec?: ExecRunner;
}

const LOADING = 0;
const READY = 1;
const FAILED = 2;

interface FnRecord {
  state: typeof LOADING | typeof READY | typeof FAILED;
  fn: ((...args: unknown[]) => unknown) | undefined;
  error: unknown;
  readonly shipped: ShippedFunction;
  /** Tasks waiting for the module to load: flat, {@link TASK_STRIDE} per task. */
  parked: unknown[];
  /** The last synchronous call was short. */
  fast: boolean;
}

/** The context source of a running `module` task. */
class RunCtx implements ContextSource {
  readonly uid: string;
  readonly name: string;
  readonly attempt: number;
  readonly workflowId: string | undefined;
  readonly id: number;
  constructor(ctx: TaskCtx, id: number) {
    this.uid = ctx[0];
    this.name = ctx[1];
    this.attempt = ctx[2];
    this.workflowId = ctx[3];
    this.id = id;
  }
}

/** A task whose body (or process) is in flight. */
interface Live {
  readonly key: number;
  readonly exec: boolean;
}

/** Runs what a host sends (see the module documentation). */
export class TaskRuntime {
  readonly #send: (message: FromRuntime) => void | Promise<unknown>;
  /** A start notice is being written; the call waits for it. */
  #blocked = false;
  readonly #exec: ExecRunner | undefined;
  #claims: Int32Array<SharedArrayBuffer> | undefined = undefined;
  #concurrency = 1;
  readonly #fns = new Map<number, FnRecord>();
  /** Received and not started: flat, {@link TASK_STRIDE} per task. */
  #queue: unknown[] = [];
  #head = 0;
  /** Async bodies in flight. */
  #active = 0;
  /** Bodies (async) and processes in flight, by id. */
  readonly #live = new Map<number, Live>();
  /** Parked task id → its function id. */
  readonly #parkedIds = new Map<number, number>();
  /** Abort controllers by task id (made when a body asks for its signal or an abort comes). */
  readonly #controllers = new Map<number, AbortController>();
  #started: number[] = [];
  #results: unknown[] = [];
  #aborted: number[] = [];
  #flushQueued = false;
  #closing = false;
  #batchStart = 0;
  readonly #flushNow = () => this.#flush();
  readonly #signalOf = (task: ContextSource): AbortSignal => {
    const id = (task as RunCtx).id;
    let c = this.#controllers.get(id);
    if (c === undefined) this.#controllers.set(id, c = new AbortController());
    return c.signal;
  };

  /** @param options the transport */
  constructor(options: RuntimeOptions) {
    this.#send = options.send;
    this.#exec = options.exec;
  }

  /** Whether {@link TaskRuntime.dying} was called. */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Handles one message from the host.
   *
   * @param msg the message
   */
  receive(msg: ToRuntime): void {
    switch (msg.t) {
      case "init":
        this.#claims = msg.claims;
        this.#concurrency = msg.concurrency;
        setRuntimeKind(msg.where);
        return;
      case "run":
        for (const [fnId, shipped] of msg.defs) this.#define(fnId, shipped);
        if (this.#head === this.#queue.length) {
          this.#queue = msg.tasks;
          this.#head = 0;
        } else {
          for (const item of msg.tasks) this.#queue.push(item);
        }
        this.#pump();
        this.#flush();
        return;
      case "exec":
        this.#startExecs(msg.tasks);
        return;
      case "abort":
        this.#abort(msg.id, msg.reason);
        this.#queueFlush();
        return;
    }
  }

  /**
   * Sends what is pending, then `dying` (the runtime is about to go away).
   *
   * @param reason why, for the host's error messages
   */
  dying(reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#flush();
    this.#send({ t: "dying", reason });
  }

  // ── functions ──────────────────────────────────────────────────────────────

  #define(fnId: number, shipped: ShippedFunction): void {
    const rec: FnRecord = {
      state: LOADING,
      fn: undefined,
      error: undefined,
      shipped,
      parked: [],
      fast: false,
    };
    this.#fns.set(fnId, rec);
    if (shipped.kind === "source") {
      try {
        rec.fn = loadSourceFunction(shipped.source);
        rec.state = READY;
      } catch (error) {
        rec.error = error;
        rec.state = FAILED;
      }
      return;
    }
    loadFunction(shipped).then(
      (fn) => {
        rec.fn = fn;
        rec.state = READY;
      },
      (error) => {
        rec.error = error;
        rec.state = FAILED;
      },
    ).then(() => this.#unpark(rec));
  }

  /** The module of `rec` settled: its parked tasks go to the front of the queue. */
  #unpark(rec: FnRecord): void {
    const parked = rec.parked;
    rec.parked = [];
    if (parked.length === 0) return;
    for (let i = 0; i < parked.length; i += TASK_STRIDE) {
      this.#parkedIds.delete(parked[i + 1] as number);
      // back to QUEUED so that the start below claims it as any other
      if (this.#claims !== undefined) {
        Atomics.store(this.#claims, parked[i] as number, Claim.QUEUED);
      }
    }
    const rest = this.#queue.slice(this.#head);
    this.#queue = parked.concat(rest);
    this.#head = 0;
    this.#pump();
    this.#flush();
  }

  // ── running ────────────────────────────────────────────────────────────────

  #claim(key: number, to: number): boolean {
    const claims = this.#claims;
    return claims === undefined ||
      Atomics.compareExchange(claims, key, Claim.QUEUED, to) === Claim.QUEUED;
  }

  #finish(key: number): void {
    if (this.#claims !== undefined) Atomics.store(this.#claims, key, Claim.FINISHED);
  }

  #threw(rec: FnRecord, key: number, error: unknown): void {
    this.#finish(key);
    this.#results.push(key, Status.THREW, encodeThrown(explainLoadError(rec.shipped, error)));
  }

  #pump(): void {
    let t0 = performance.now();
    this.#batchStart = t0;
    while (
      this.#active < this.#concurrency && this.#head < this.#queue.length && !this.#closing &&
      !this.#blocked
    ) {
      const q = this.#queue;
      const h = this.#head;
      const key = q[h] as number;
      const id = q[h + 1] as number;
      let fnId = q[h + 2] as number;
      const args = q[h + 3] as unknown[];
      const ctx = q[h + 4] as TaskCtx | undefined;
      q[h] =
        q[h + 1] =
        q[h + 2] =
        q[h + 3] =
        q[h + 4] =
          undefined;
      this.#head = h + TASK_STRIDE;
      if (key === undefined) continue; // dropped by an abort
      // a negative id (~id) asks for a start notice even for a fast function:
      // the task has a timeout, whose clock starts with that notice
      const notify = fnId < 0;
      if (notify) fnId = ~fnId;
      const rec = this.#fns.get(fnId);
      if (rec === undefined) {
        this.#finish(key);
        this.#results.push(
          key,
          Status.THREW,
          encodeThrown(new Error(`Cannot run task as function id ${fnId} is not defined`)),
        );
        continue;
      }
      if (rec.state === LOADING) {
        // wait beside the queue; reported started: loading is part of its run
        if (!this.#claim(key, Claim.PARKED)) {
          this.#results.push(key, Status.SKIPPED, null);
          continue;
        }
        rec.parked.push(key, id, fnId, args, ctx);
        this.#parkedIds.set(id, fnId);
        this.#started.push(key);
        continue;
      }
      if (!this.#claim(key, Claim.STARTED)) {
        this.#results.push(key, Status.SKIPPED, null);
        continue;
      }
      if (rec.state === FAILED) {
        this.#threw(rec, key, rec.error);
        continue;
      }
      const fast = rec.fast && !notify;
      if (!fast) {
        this.#started.push(key);
        const written = this.#flush();
        if (written !== undefined) {
          // call once the notice is on its way: a long synchronous call would
          // keep an asynchronous write from leaving (and the host from knowing)
          this.#blocked = true;
          const go = () => {
            this.#blocked = false;
            this.#call(rec, key, id, args, ctx, false, performance.now());
            this.#pump();
            this.#queueFlush();
          };
          written.then(go, go);
          return;
        }
      } else if (t0 - this.#batchStart > FLUSH_AFTER_MS) {
        this.#flush();
        this.#batchStart = t0;
      }
      t0 = this.#call(rec, key, id, args, ctx, fast, t0);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  /** Calls a body; returns the time after its synchronous part. */
  #call(
    rec: FnRecord,
    key: number,
    id: number,
    args: unknown[],
    ctx: TaskCtx | undefined,
    fast: boolean,
    t0: number,
  ): number {
    let value: unknown;
    try {
      value = ctx === undefined
        ? rec.fn!(...args)
        : callInContext(new RunCtx(ctx, id), this.#signalOf, rec.fn!, args);
    } catch (error) {
      this.#threw(rec, key, error);
      if (this.#controllers.size !== 0) this.#controllers.delete(id);
      return this.#timed(rec, t0);
    }
    t0 = this.#timed(rec, t0);
    let then: unknown;
    try {
      then = value !== null && (typeof value === "object" || typeof value === "function")
        ? (value as { then?: unknown }).then
        : undefined;
    } catch (error) {
      this.#threw(rec, key, error);
      return t0;
    }
    if (typeof then === "function") {
      this.#active++;
      if (fast) this.#started.push(key);
      this.#live.set(id, { key, exec: false });
      Promise.resolve(value).then(
        (v) => this.#settle(id, key, Status.OK, v),
        (e) => this.#settle(id, key, Status.THREW, encodeThrown(explainLoadError(rec.shipped, e))),
      );
    } else {
      if (this.#controllers.size !== 0) this.#controllers.delete(id);
      this.#finish(key);
      this.#results.push(key, Status.OK, value);
    }
    return t0;
  }

  #timed(rec: FnRecord, t0: number): number {
    const t1 = performance.now();
    rec.fast = t1 - t0 < FAST_CALL_MS;
    return t1;
  }

  #settle(id: number, key: number, status: number, payload: unknown): void {
    if (this.#live.delete(id)) this.#active--;
    else return; // already settled (dropped)
    if (this.#controllers.size !== 0) this.#controllers.delete(id);
    this.#finish(key);
    this.#results.push(key, status, payload);
    this.#queueFlush();
    if (this.#head < this.#queue.length) this.#pump();
  }

  // ── executables ────────────────────────────────────────────────────────────

  /**
   * Starts executables. Their start is reported first, and the processes are
   * spawned once that report is on its way: the host knows a task is RUNNING
   * before anything the process does can be seen.
   */
  #startExecs(specs: readonly ExecSpec[]): void {
    const exec = this.#exec;
    if (exec === undefined) {
      for (const spec of specs) {
        this.#results.push(
          spec.id,
          Status.THREW,
          encodeThrown(new Error(`Cannot run executable '${spec.name}' as this runtime runs none`)),
        );
      }
      this.#queueFlush();
      return;
    }
    for (const spec of specs) {
      this.#live.set(spec.id, { key: spec.id, exec: true });
      this.#started.push(spec.id);
    }
    const spawn = () => {
      for (const spec of specs) {
        // aborted while the report was written: dropped already
        if (this.#live.has(spec.id)) this.#spawnExec(exec, spec);
      }
      this.#queueFlush();
    };
    const written = this.#flush();
    if (written === undefined) spawn();
    else written.then(spawn, spawn);
  }

  #spawnExec(exec: ExecRunner, spec: ExecSpec): void {
    const end = (status: number, payload: unknown) => {
      if (!this.#live.delete(spec.id)) return;
      this.#results.push(spec.id, status, payload);
      this.#queueFlush();
    };
    exec.start(spec, {
      started: () => {}, // reported before the spawn
      done: (value) => end(Status.OK, value),
      failed: (error) => end(Status.THREW, encodeThrown(error)),
    });
  }

  // ── aborts ─────────────────────────────────────────────────────────────────

  #abort(id: number, reason: Thrown): void {
    this.#aborted.push(id);
    const live = this.#live.get(id);
    if (live !== undefined) {
      if (live.exec) {
        this.#live.delete(id);
        this.#exec?.cancel(id);
        this.#results.push(live.key, Status.SKIPPED, null);
        return;
      }
      let c = this.#controllers.get(id);
      if (c === undefined) this.#controllers.set(id, c = new AbortController());
      // listeners run now; their errors are theirs (reported, not thrown here)
      try {
        c.abort(decodeThrown(reason));
      } catch {
        // an abort listener threw: the body still gets its signal
      }
      return;
    }
    const fnId = this.#parkedIds.get(id);
    if (fnId !== undefined) {
      this.#parkedIds.delete(id);
      const rec = this.#fns.get(fnId)!;
      const p = rec.parked;
      for (let i = 0; i < p.length; i += TASK_STRIDE) {
        if (p[i + 1] !== id) continue;
        const key = p[i] as number;
        p.splice(i, TASK_STRIDE);
        this.#finish(key);
        this.#results.push(key, Status.SKIPPED, null);
        return;
      }
      return;
    }
    const q = this.#queue;
    for (let i = this.#head; i < q.length; i += TASK_STRIDE) {
      if (q[i + 1] !== id || q[i] === undefined) continue;
      const key = q[i] as number;
      q[i] = undefined; // the pump skips it
      this.#finish(key);
      this.#results.push(key, Status.SKIPPED, null);
      return;
    }
  }

  // ── reports ────────────────────────────────────────────────────────────────

  #queueFlush(): void {
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushNow);
    }
  }

  /** Sends what is pending; returns the write when the transport's writes complete later. */
  #flush(): Promise<unknown> | undefined {
    this.#flushQueued = false;
    if (this.#started.length === 0 && this.#results.length === 0 && this.#aborted.length === 0) {
      return undefined;
    }
    const started = this.#started;
    const results = this.#results;
    const aborted = this.#aborted;
    this.#started = [];
    this.#results = [];
    if (aborted.length !== 0) this.#aborted = [];
    try {
      const written = this.#send(
        aborted.length === 0
          ? { t: "report", started, results }
          : { t: "report", started, results, aborted },
      );
      return written instanceof Promise ? written : undefined;
    } catch {
      // some value cannot cross: send one result at a time to find it
      this.#send({ t: "report", started, results: [], aborted });
      for (let i = 0; i < results.length; i += 3) {
        const one = [results[i], results[i + 1], results[i + 2]];
        try {
          this.#send({ t: "report", started: [], results: one });
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          const status = results[i + 1] === Status.OK ? Status.UNSENDABLE : Status.THREW;
          const payload = status === Status.THREW
            ? encodeThrown(new TypeError(`Thrown value cannot be sent back: ${why}`))
            : why;
          this.#send({ t: "report", started: [], results: [results[i], status, payload] });
        }
      }
      return undefined;
    }
  }
}
