/**
 * {@link WorkerBackend}: function tasks on a pool of Deno Web Workers;
 * executable tasks as local processes.
 *
 * @module
 */

import {
  type AttachContext,
  type BackendHost,
  type BackendTask,
  type ExecutionBackend,
  type FunctionTask,
  refuseKind,
  type ResolvedResources,
  type TaskKind,
  unsupportedKind,
} from "../backend.ts";
import { attachOnce, backendName, positiveInt } from "./_options.ts";
import { BackendError } from "../errors.ts";
import { LocalProcesses } from "../exec.ts";
import { explainLoadError, shipFunction, type ShippedFunction } from "../ship.ts";
import {
  Claim,
  type FnDef,
  type FromWorker,
  Status,
  type Thrown,
  type ToWorker,
} from "./worker_entry.ts";

/** Options of {@link WorkerBackend}. */
export interface WorkerBackendOptions {
  /**
   * The name tasks are routed by.
   * @default {"workers"}
   */
  name?: string;
  /**
   * How many workers the pool holds at most.
   * @default {navigator.hardwareConcurrency}
   */
  workers?: number;
  /**
   * How many tasks one worker runs at once. Synchronous functions run one
   * after another anyway; this bounds how many async functions overlap (each
   * counts from its call until its promise settles).
   * @default {32}
   */
  concurrency?: number;
  /**
   * Most tasks per message to a worker. Up to `concurrency + 2 * batchSize`
   * tasks are in flight to one worker, so a worker always has the next batch
   * while the host handles the results of the last one.
   * @default {256}
   */
  batchSize?: number;
  /**
   * At most this many executables run at once; the others wait `PENDING`.
   * @default {defaultMaxProcesses(): min(max(64, 8 × CPUs), ⌊(ulimit -n − 128) / 8⌋, 1024)}
   */
  maxProcesses?: number;
}

const DEFAULT_CONCURRENCY = 32;
/**
 * Tasks per message. Measured with the backend driven by a counting host
 * (no engine), 100k no-op tasks, on a shared 2-core machine (noisy): 64 per
 * message gave 0.56–0.84 M tasks/s, 256 gave 0.83–1.3 M/s, 1024 gave
 * 1.1–1.7 M/s with one worker and 1.1–1.2 M/s with two. Unbatched bare
 * round trips reach 0.16 M/s. 256 takes most of the gain while keeping
 * messages small and the tail short (work stealing evens out the rest).
 */
const DEFAULT_BATCH_SIZE = 256;

/** A function task the pool was given and has not finished. */
class Entry {
  readonly task: FunctionTask;
  readonly fnId: number;
  readonly shipped: ShippedFunction;
  /** Cores it reserves (= whole workers when > 1). */
  readonly cores: number;
  /** The worker it was sent to, or undefined while it waits on the host. */
  worker: PoolWorker | undefined = undefined;
  slot = -1;
  /** `running` was reported. */
  running = false;
  /** Cancelled: report nothing, drop it when met. */
  cancelled = false;
  /** Submission order. */
  readonly seq: number;

  constructor(
    task: FunctionTask,
    fnId: number,
    shipped: ShippedFunction,
    cores: number,
    seq: number,
  ) {
    this.seq = seq;
    this.task = task;
    this.fnId = fnId;
    this.shipped = shipped;
    this.cores = cores;
  }
}

/** One worker of the pool and the tasks in flight to it. */
class PoolWorker {
  readonly id: number;
  readonly worker: Worker;
  readonly claims: Int32Array<SharedArrayBuffer>;
  /** Tasks in flight by slot; null: stolen, until the worker acknowledges it. */
  readonly slots: (Entry | null | undefined)[];
  /** Slots that are null. */
  tombs = 0;
  /** Free slot numbers (a stack). */
  readonly free: number[];
  /** Function ids this worker has a definition of. */
  readonly known = new Set<number>();
  /** Tasks assigned in the current dispatch, not yet posted. */
  out: Entry[] = [];
  /** Runs a multi-core task: gets nothing else. */
  exclusive: Entry | undefined = undefined;
  /** Held idle for the multi-core task running on that worker. */
  reservedFor: PoolWorker | undefined = undefined;
  dead = false;
  /** The worker has sent a message (so its module loaded). */
  heard = false;
  /** Grace timer after an `error` event, waiting for the in-order `dying` report. */
  errorTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(id: number, worker: Worker, capacity: number) {
    this.id = id;
    this.worker = worker;
    this.claims = new Int32Array(new SharedArrayBuffer(4 * capacity));
    this.slots = new Array(capacity).fill(undefined);
    this.free = Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
  }

  /** Tasks in flight (stolen ones not counted). */
  get live(): number {
    return this.slots.length - this.free.length - this.tombs;
  }

  /** Can take single-core tasks. */
  get open(): boolean {
    return !this.dead && this.exclusive === undefined && this.reservedFor === undefined;
  }
}

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/** Rebuilds an error (or thrown value) sent by a worker. */
function revive(t: Thrown): unknown {
  if (!t.error) return t.value;
  const Ctor = BUILTIN_ERRORS[t.name] ?? Error;
  const error = t.cause === undefined
    ? new Ctor(t.message)
    : new Ctor(t.message, { cause: revive(t.cause) });
  if (error.name !== t.name) {
    Object.defineProperty(error, "name", {
      value: t.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (t.stack !== undefined) {
    Object.defineProperty(error, "stack", {
      value: t.stack,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (t.props !== undefined) Object.assign(error, t.props);
  return error;
}

/**
 * Runs function tasks on a pool of Deno module Workers, executable tasks as
 * local processes (process groups, as on the inline backend).
 *
 * - **Workers start lazily**: none at construction or attach; one is started
 *   when a function task finds no idle worker, up to `workers`. A worker that
 *   dies or is terminated is replaced the same way, on demand. `shutdown()`
 *   terminates all of them.
 * - **Shipping**: with the task's `module` option the worker imports that URL
 *   and calls the export named `fn.name`; without it the function's source
 *   text is sent (see `src/ship.ts`). A source-shipped function that refers to
 *   an outer variable fails with an error that says to use `module`.
 * - **Data**: arguments and results cross as structured clones; one that
 *   cannot be cloned fails its task with a `TypeError` naming the task and the
 *   `DataCloneError`. An error thrown by the function arrives with its `name`,
 *   `message`, `stack`, `cause` and primitive own properties; built-in classes
 *   (`TypeError`, `RangeError`, ...) are rebuilt as such, others as `Error`
 *   with the original `name`.
 * - **Slots**: a task with `coresPerRank` 1 takes one of its worker's
 *   `concurrency` slots. A task with `coresPerRank` k > 1 takes k whole
 *   workers: it runs alone on one of them while k − 1 others get no task (so
 *   k cores are its own, e.g. for workers it starts itself). Tasks start in
 *   the order they were submitted: a multi-core task at the head waits for
 *   enough workers to drain. `ranks` > 1 cannot run here, nor `coresPerRank`
 *   larger than `workers`: {@link WorkerBackend.checkResources} says so.
 *   `gpusPerRank` and `memoryMB` are not enforced. Executable tasks do not use
 *   worker slots.
 * - **Cancel / timeout** of a queued task drops it; of a running task
 *   terminates its worker; the other tasks of that worker are sent again (they
 *   start over) and a fresh worker replaces it. Caveat (Deno 2.9):
 *   `Worker.terminate()` does not stop a worker stuck in a synchronous JS loop
 *   (denoland/deno#35657): the backend forgets it and goes on, but its thread
 *   keeps a core busy until the process exits. A task that awaits is stopped.
 * - **Load balance**: tasks are spread over the workers in batches; a worker
 *   that runs dry takes back half of the not-yet-started tasks of the busiest
 *   one (claims in shared memory make that safe while the busy worker is stuck
 *   in a long synchronous task).
 * - **Crash**: a worker that dies (`close()`, `Deno.exit()`, an uncaught error
 *   or unhandled rejection) fails the tasks it had started with
 *   `BackendError`; those it had not started are sent again.
 *
 * @example
 * ```ts ignore
 * import { WorkerBackend } from "./worker.ts";
 * const backend = new WorkerBackend({ workers: 2 });
 * // await using flow = await WorkflowEngine.create({ backend });
 * ```
 */
export class WorkerBackend implements ExecutionBackend {
  /** The name tasks are routed by. */
  readonly name: string;
  /** Function tasks in workers, executables as local processes. */
  readonly kinds: readonly TaskKind[] = ["function", "executable"];
  readonly #maxWorkers: number;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #capacity: number;
  readonly #local: LocalProcesses;
  #host: BackendHost | undefined = undefined;
  #closed = false;
  /** Live workers. */
  #pool: PoolWorker[] = [];
  #nextWorkerId = 1;
  /** Waiting on the host; `#head` is the next one. Cancelled entries stay until met. */
  #queue: Entry[] = [];
  #head = 0;
  /** Sent again after a worker went away: these go first. */
  #again: Entry[] = [];
  /** Function tasks given and not finished. */
  readonly #entries = new Map<BackendTask, Entry>();
  readonly #fnIds = new WeakMap<
    (...args: never[]) => unknown,
    { module: string | undefined; id: number; shipped: ShippedFunction }
  >();
  #nextFnId = 1;
  /** Function ids by what was shipped (module URL + export, or source text). */
  readonly #idsByShipped = new Map<string, number>();
  #seq = 0;
  /** Reports are being handled or tasks placed: submit() only queues. */
  #busy = false;
  /** submit() queued tasks while busy. */
  #dirty = false;

  /**
   * Create a pool; workers start lazily, when function tasks need them.
   *
   * @param options pool size and tuning
   * @throws {TypeError} when `name` is not a non-empty string or a number
   * option is not a number
   * @throws {RangeError} when `workers`, `concurrency`, `batchSize` or
   * `maxProcesses` is not a positive integer
   */
  constructor(options: WorkerBackendOptions = {}) {
    this.name = backendName(
      "WorkerBackend",
      options,
      ["workers", "concurrency", "batchSize", "maxProcesses"],
      "workers",
    );
    const o = options ?? {};
    this.#maxWorkers = positiveInt(
      "WorkerBackend",
      "workers",
      o.workers,
      navigator.hardwareConcurrency,
    );
    this.#concurrency = positiveInt(
      "WorkerBackend",
      "concurrency",
      o.concurrency,
      DEFAULT_CONCURRENCY,
    );
    this.#batchSize = positiveInt("WorkerBackend", "batchSize", o.batchSize, DEFAULT_BATCH_SIZE);
    this.#capacity = this.#concurrency + 2 * this.#batchSize;
    this.#local = new LocalProcesses(
      this.name,
      o.maxProcesses === undefined
        ? {}
        : { maxProcesses: positiveInt("WorkerBackend", "maxProcesses", o.maxProcesses, 1) },
    );
  }

  /** How many workers are alive now (they start lazily). */
  get liveWorkers(): number {
    return this.#pool.length;
  }

  /**
   * Whether a run with these resources can ever fit this pool.
   *
   * @param resources what one run needs
   * @returns undefined when it fits, else why not
   */
  checkResources(resources: ResolvedResources): string | undefined {
    if (resources.ranks !== 1) {
      return `Cannot run a task with ${resources.ranks} ranks on backend '${this.name}' as a worker runs one rank: received ranks = ${resources.ranks}`;
    }
    if (resources.coresPerRank > this.#maxWorkers) {
      return `Cannot run a task with ${resources.coresPerRank} cores per rank on backend '${this.name}' as its pool has ${this.#maxWorkers} worker(s): received coresPerRank = ${resources.coresPerRank}`;
    }
    return undefined;
  }

  /**
   * Binds to an engine. Starts no worker.
   *
   * @param context the engine's context
   * @throws {Error} when already attached
   */
  attach(context: AttachContext): void {
    this.#host = attachOnce(this.name, this.#host, context);
  }

  /**
   * Queues ready tasks and sends what fits to the workers. Never throws.
   *
   * @param tasks ready tasks
   */
  submit(tasks: readonly BackendTask[]): void {
    const host = this.#host;
    if (host === undefined) {
      throw new Error(`Cannot submit tasks to backend '${this.name}' as it is not attached`);
    }
    for (const task of tasks) {
      if (this.#closed) {
        host.failed(
          task,
          new BackendError(
            this.name,
            `Cannot run task '${task.name}' as backend '${this.name}' is shut down`,
          ),
        );
        continue;
      }
      if (task.kind === "executable") {
        this.#local.submit(task, host);
        continue;
      }
      if (task.kind === "prompt") {
        host.failed(task, refuseKind(this.name, task));
        continue;
      }
      if (task.kind !== "function") {
        host.failed(task, unsupportedKind(this.name, task));
        continue;
      }
      const misfit = this.checkResources(task.resources);
      if (misfit !== undefined) {
        host.failed(task, new RangeError(misfit));
        continue;
      }
      let info = this.#fnIds.get(task.fn);
      if (info === undefined || info.module !== task.module) {
        let shipped: ShippedFunction;
        try {
          shipped = shipFunction(task.fn, task.module);
        } catch (error) {
          host.failed(task, error);
          continue;
        }
        // A function defined again (a closure made per call, a task function
        // defined in a loop) ships the same text: reuse its id, so workers keep
        // the function they loaded and compiled instead of loading a new one.
        const key = shipped.kind === "module"
          ? `m ${shipped.url}#${shipped.name}`
          : `s ${shipped.source}`;
        let id = this.#idsByShipped.get(key);
        if (id === undefined) {
          id = this.#nextFnId++;
          this.#idsByShipped.set(key, id);
        }
        info = { module: task.module, id, shipped };
        this.#fnIds.set(task.fn, info);
      }
      const entry = new Entry(
        task,
        info.id,
        info.shipped,
        task.resources.coresPerRank,
        this.#seq++,
      );
      this.#entries.set(task, entry);
      this.#queue.push(entry);
    }
    this.#dispatch();
  }

  /**
   * Stops a task: drops it when it waits, terminates its worker when it runs.
   * Never throws.
   *
   * @param task a task given to {@link submit}
   * @param _reason why (unused: the engine settles the future)
   */
  cancel(task: BackendTask, _reason: unknown): void {
    if (task.kind === "executable") {
      this.#local.cancel(task);
      return;
    }
    const entry = this.#entries.get(task);
    if (entry === undefined) return;
    this.#entries.delete(task);
    entry.cancelled = true;
    const w = entry.worker;
    if (w === undefined) return; // Still on the host: dispatch skips it.
    const was = Atomics.compareExchange(w.claims, entry.slot, Claim.QUEUED, Claim.REVOKED);
    // QUEUED: the worker will skip it and acknowledge (that frees the slot).
    // FINISHED: its result is on the way and will be ignored.
    if (was !== Claim.STARTED) return;
    this.#retire(w, undefined);
    this.#dispatch();
  }

  /** Terminates every worker and stops local processes; idempotent. */
  async shutdown(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const w of this.#pool) this.#terminate(w);
      this.#pool = [];
      this.#queue = [];
      this.#head = 0;
      this.#again = [];
      this.#entries.clear();
    }
    await this.#local.shutdown();
  }

  // ── dispatch ────────────────────────────────────────────────────────────

  /** Takes the next entry to place (skipping cancelled ones) without removing it. */
  #peek(): Entry | undefined {
    while (this.#again.length > 0) {
      const e = this.#again[0]!;
      if (!e.cancelled) return e;
      this.#again.shift();
    }
    const q = this.#queue;
    while (this.#head < q.length) {
      const e = q[this.#head]!;
      if (!e.cancelled) return e;
      q[this.#head++] = undefined as unknown as Entry;
    }
    return undefined;
  }

  #pop(): void {
    if (this.#again.length > 0) {
      this.#again.shift();
      return;
    }
    this.#queue[this.#head++] = undefined as unknown as Entry;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #waiting(): number {
    return this.#again.length + this.#queue.length - this.#head;
  }

  #spawn(): PoolWorker {
    const id = this.#nextWorkerId++;
    const worker = new Worker(new URL("./worker_entry.ts", import.meta.url), {
      type: "module",
      name: `${this.name}-${id}`,
    });
    const w = new PoolWorker(id, worker, this.#capacity);
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#onMessage(w, event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#onError(w, event.message);
    };
    worker.onmessageerror = () => {
      this.#onError(w, "a message from the worker could not be deserialized");
    };
    const init: ToWorker = { type: "init", claims: w.claims, concurrency: this.#concurrency };
    worker.postMessage(init);
    this.#pool.push(w);
    return w;
  }

  #dispatch(): void {
    if (this.#closed) return;
    if (this.#busy) {
      this.#dirty = true;
      return;
    }
    this.#busy = true;
    try {
      do {
        this.#dirty = false;
        this.#place();
      } while (this.#dirty && !this.#closed);
    } finally {
      this.#busy = false;
    }
  }

  #place(): void {
    do this.#placeQueued(); while (this.#steal());
    for (const w of this.#pool) if (w.out.length > 0) this.#post(w);
  }

  #placeQueued(): void {
    for (;;) {
      const e = this.#peek();
      if (e === undefined) return;
      if (e.cores > 1) {
        if (!this.#placeMulti(e)) return; // Head of line: wait for workers to drain.
        this.#pop();
        continue;
      }
      // The open worker with the fewest tasks; a new one when none is idle.
      let best: PoolWorker | undefined;
      let open = 0;
      for (const w of this.#pool) {
        if (!w.open) continue;
        open++;
        if (w.free.length > 0 && (best === undefined || w.live < best.live)) best = w;
      }
      if ((best === undefined || best.live > 0) && this.#pool.length < this.#maxWorkers) {
        best = this.#spawn();
        open++;
      }
      if (best === undefined) return;
      // Spread what waits over the workers that are or may be started.
      const share = Math.ceil(this.#waiting() / (open + this.#maxWorkers - this.#pool.length));
      let n = Math.min(best.free.length, share, this.#batchSize - best.out.length);
      while (n-- > 0) {
        const next = this.#peek();
        if (next === undefined || next.cores > 1) break;
        this.#pop();
        this.#assign(best, next);
        if (best.out.length >= this.#batchSize) this.#post(best);
      }
    }
  }

  /**
   * Work stealing: when nothing waits on the host and an open worker is idle,
   * take back half of the tasks another worker holds but has not started (a
   * compare-exchange on their claims, which works while that worker is stuck
   * in a long synchronous task) and queue them again. Their slots stay taken
   * until that worker acknowledges them (as SKIPPED).
   */
  #steal(): boolean {
    if (this.#waiting() > 0) return false;
    let thief: PoolWorker | undefined;
    let victim: PoolWorker | undefined;
    for (const w of this.#pool) {
      if (!w.open) continue;
      if (w.live === 0 && w.out.length === 0) thief ??= w;
      else if (victim === undefined || w.live > victim.live) victim = w;
    }
    if (thief === undefined || victim === undefined || victim.live < 2) return false;
    const queued: Entry[] = [];
    for (const e of victim.slots) {
      if (e && Atomics.load(victim.claims, e.slot) === Claim.QUEUED) queued.push(e);
    }
    queued.sort((x, y) => x.seq - y.seq);
    let stolen = 0;
    for (const e of queued.slice(Math.floor(queued.length / 2))) {
      if (
        Atomics.compareExchange(victim.claims, e.slot, Claim.QUEUED, Claim.REVOKED) !==
          Claim.QUEUED
      ) continue;
      victim.slots[e.slot] = null;
      victim.tombs++;
      e.worker = undefined;
      e.slot = -1;
      this.#again.push(e);
      stolen++;
    }
    return stolen > 0;
  }

  /** Places a multi-core entry when enough workers are idle (or can be started). */
  #placeMulti(e: Entry): boolean {
    const idle: PoolWorker[] = [];
    for (const w of this.#pool) if (w.open && w.live === 0) idle.push(w);
    if (idle.length + this.#maxWorkers - this.#pool.length < e.cores) return false;
    while (idle.length < e.cores) idle.push(this.#spawn());
    const [runner, ...held] = idle.slice(0, e.cores) as [PoolWorker, ...PoolWorker[]];
    runner.exclusive = e;
    for (const w of held) w.reservedFor = runner;
    this.#assign(runner, e);
    this.#post(runner);
    return true;
  }

  #assign(w: PoolWorker, e: Entry): void {
    const slot = w.free.pop()!;
    w.slots[slot] = e;
    e.worker = w;
    e.slot = slot;
    Atomics.store(w.claims, slot, Claim.QUEUED);
    w.out.push(e);
  }

  /** Sends the assigned entries of `w` in one message. */
  #post(w: PoolWorker): void {
    const out = w.out;
    w.out = [];
    const defs: FnDef[] = [];
    const tasks: unknown[] = new Array(out.length * 3);
    let i = 0;
    for (const e of out) {
      if (!w.known.has(e.fnId)) {
        w.known.add(e.fnId);
        defs.push([e.fnId, e.shipped]);
      }
      tasks[i++] = e.slot;
      // ~fnId: report the start even if the function is fast (the timeout starts then)
      tasks[i++] = e.task.timeout === undefined ? e.fnId : ~e.fnId;
      tasks[i++] = e.task.args;
    }
    const msg: ToWorker = { type: "run", defs, tasks };
    try {
      w.worker.postMessage(msg);
    } catch (error) {
      for (const [fnId] of defs) w.known.delete(fnId);
      this.#postOneByOne(w, out, error);
    }
  }

  /** A batch could not be cloned: find the tasks whose arguments cannot be. */
  #postOneByOne(w: PoolWorker, out: Entry[], batchError: unknown): void {
    const host = this.#host!;
    const ok: Entry[] = [];
    for (const e of out) {
      try {
        structuredClone(e.task.args);
        ok.push(e);
      } catch (error) {
        this.#release(w, e);
        this.#entries.delete(e.task);
        const why = error instanceof Error ? error.message : String(error);
        host.failed(
          e.task,
          new TypeError(
            `Cannot send the arguments of task '${e.task.name}' to a worker as they cannot be structured-cloned: ${why}`,
            { cause: error },
          ),
        );
      }
    }
    if (ok.length === out.length) {
      // Nothing to blame on one task: fail them all with the batch's error.
      for (const e of out) {
        this.#release(w, e);
        this.#entries.delete(e.task);
        host.failed(
          e.task,
          new BackendError(this.name, `Cannot send task '${e.task.name}' to a worker`, {
            cause: batchError,
          }),
        );
      }
      return;
    }
    if (ok.length > 0) {
      w.out = ok;
      this.#post(w);
    }
  }

  /** Frees the slot of `e` on `w` (and the workers a multi-core entry held). */
  #release(w: PoolWorker, e: Entry): void {
    if (w.slots[e.slot] === e) {
      w.slots[e.slot] = undefined;
      Atomics.store(w.claims, e.slot, Claim.IDLE);
      w.free.push(e.slot);
    }
    if (w.exclusive === e) {
      w.exclusive = undefined;
      for (const other of this.#pool) if (other.reservedFor === w) other.reservedFor = undefined;
    }
    e.worker = undefined;
    e.slot = -1;
  }

  // ── reports ─────────────────────────────────────────────────────────────

  #onMessage(w: PoolWorker, msg: FromWorker): void {
    if (w.dead) return;
    w.heard = true;
    this.#busy = true;
    try {
      if (msg.type === "dying") this.#retire(w, msg.reason);
      else this.#onReport(w, msg.started, msg.results);
    } finally {
      this.#busy = false;
    }
    this.#dispatch();
  }

  #onReport(w: PoolWorker, started: number[], r: unknown[]): void {
    const host = this.#host!;
    const slots = w.slots;
    for (const slot of started) {
      const e = slots[slot];
      if (e && !e.running && !e.cancelled) {
        e.running = true;
        host.running(e.task);
      }
    }
    for (let i = 0; i < r.length; i += 3) {
      const slot = r[i] as number;
      const e = slots[slot];
      if (e === null) {
        // A stolen task, acknowledged: the slot is free again.
        slots[slot] = undefined;
        w.tombs--;
        Atomics.store(w.claims, slot, Claim.IDLE);
        w.free.push(slot);
        continue;
      }
      if (e === undefined) continue;
      const status = r[i + 1] as number;
      this.#release(w, e);
      if (e.cancelled) continue;
      if (status === Status.SKIPPED) {
        this.#again.push(e); // Revoked without a cancel: send it again.
        continue;
      }
      this.#entries.delete(e.task);
      if (!e.running) {
        e.running = true;
        host.running(e.task);
      }
      const payload = r[i + 2];
      if (status === Status.OK) {
        host.done(e.task, payload);
      } else if (status === Status.THREW) {
        host.failed(e.task, explainLoadError(e.shipped, revive(payload as Thrown)));
      } else {
        host.failed(
          e.task,
          new TypeError(
            `Cannot return the result of task '${e.task.name}' from a worker as it cannot be structured-cloned: ${
              String(payload)
            }`,
          ),
        );
      }
    }
  }

  #onError(w: PoolWorker, message: string): void {
    if (w.dead || w.errorTimer !== undefined) return;
    // The worker's own `dying` report comes in order after its last results;
    // this event may overtake them. Wait a little for the report.
    w.errorTimer = setTimeout(() => {
      w.errorTimer = undefined;
      if (w.dead) return;
      this.#busy = true;
      try {
        this.#retire(w, message);
      } finally {
        this.#busy = false;
      }
      this.#dispatch();
    }, 100);
  }

  #terminate(w: PoolWorker): void {
    w.dead = true;
    if (w.errorTimer !== undefined) {
      clearTimeout(w.errorTimer);
      w.errorTimer = undefined;
    }
    w.worker.terminate();
  }

  /**
   * Removes `w` from the pool and terminates it. Its tasks that had not
   * started are sent again. Started ones are sent again too after a cancel
   * (`died` undefined), or fail with a BackendError when the worker died.
   */
  #retire(w: PoolWorker, died: string | undefined): void {
    if (w.dead) return;
    // A worker that died before it said anything and before any task started
    // could not load (e.g. no read permission for its entry): a new one would
    // die the same way, so fail what waits instead of restarting forever.
    const noStart = died !== undefined && !w.heard &&
      !w.slots.some((e) => e && Atomics.load(w.claims, e.slot) === Claim.STARTED);
    this.#terminate(w);
    this.#pool = this.#pool.filter((p) => p !== w);
    for (const other of this.#pool) if (other.reservedFor === w) other.reservedFor = undefined;
    const host = this.#host!;
    const again: Entry[] = [];
    for (const e of w.slots) {
      if (!e) continue;
      const was = Atomics.compareExchange(w.claims, e.slot, Claim.QUEUED, Claim.REVOKED);
      this.#release(w, e);
      if (e.cancelled) continue;
      if (died !== undefined && was === Claim.STARTED) {
        this.#entries.delete(e.task);
        host.failed(
          e.task,
          new BackendError(
            this.name,
            `Worker ${w.id} of backend '${this.name}' died while running task '${e.task.name}': ${died}`,
          ),
        );
      } else {
        again.push(e);
      }
    }
    w.out = [];
    this.#again.push(...again);
    if (noStart) this.#failWaiting(`Cannot start a worker for backend '${this.name}': ${died}`);
  }

  /** Fails every task that waits on the host with a BackendError. */
  #failWaiting(message: string): void {
    const host = this.#host!;
    for (let e = this.#peek(); e !== undefined; e = this.#peek()) {
      this.#pop();
      this.#entries.delete(e.task);
      host.failed(e.task, new BackendError(this.name, message));
    }
  }
}
