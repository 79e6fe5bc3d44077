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
import { explainLoadError, type ShippedFunction } from "../ship.ts";
import { inPriorityOrder, PriorityQueue } from "../remote/_queue.ts";
import {
  ABORT_ACK_MS,
  ABORT_GRACE_MS,
  Claim,
  decodeThrown,
  encodeThrown,
  type FnDef,
  type FromRuntime,
  FunctionIds,
  Status,
  TASK_STRIDE,
  taskCtx,
  type Thrown,
  type ToRuntime,
} from "../remote/protocol.ts";

const ENTRY = new URL("./worker_entry.ts", import.meta.url);

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
  /** Unique in this pool: names the task in an `abort`. */
  readonly id: number;
  /** Priority (higher first). */
  readonly priority: number;
  /** Creation order (ties between equal priorities). */
  readonly seq: number;
  /** The worker it was sent to, or undefined while it waits on the host. */
  worker: PoolWorker | undefined = undefined;
  slot = -1;
  /** `running` was reported. */
  running = false;
  /** Cancelled: report nothing, drop it when met. */
  cancelled = false;
  /** After an abort: kills the worker unless it acknowledges / the body settles in time. */
  abortTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The worker acknowledged the abort (its event loop is free). */
  acked = false;

  constructor(task: FunctionTask, fnId: number, shipped: ShippedFunction, id: number, seq: number) {
    this.task = task;
    this.fnId = fnId;
    this.shipped = shipped;
    this.cores = task.resources.coresPerRank;
    this.id = id;
    this.priority = task.priority ?? 0;
    this.seq = task.seq ?? seq;
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
  /** Cancelled entries it holds, waiting for their abort to be acknowledged or settled. */
  readonly aborting = new Map<number, Entry>();
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

  /** Aborts it has not acknowledged. */
  get unacked(): number {
    let n = 0;
    for (const e of this.aborting.values()) if (!e.acked) n++;
    return n;
  }
}

/**
 * The permission a worker needs to load its entry module, or undefined when
 * there is nothing to check (a `data:` URL, an unknown scheme).
 */
function entryPermission(url: URL): Deno.PermissionDescriptor | undefined {
  if (url.protocol === "file:") return { name: "read", path: url };
  if (url.protocol === "http:" || url.protocol === "https:") {
    return { name: "import", host: url.host } as Deno.PermissionDescriptor;
  }
  return undefined;
}

/**
 * Runs function tasks on a pool of Deno module Workers, executable tasks as
 * local processes (process groups, as on the inline backend). The workers
 * speak the protocol of `src/remote/protocol.ts`, like `ProcessBackend`'s
 * subprocesses and `SlurmBackend`'s agents.
 *
 * - **Workers start lazily**: none at construction or attach; one is started
 *   when a function task finds no idle worker, up to `workers`. A worker that
 *   dies or is terminated is replaced the same way, on demand. `shutdown()`
 *   terminates all of them. A worker can only load its entry module with
 *   read access to it (`--allow-read`, or `--allow-import` for a remote
 *   URL): without it, function tasks fail with one `BackendError` saying so
 *   and no worker is started.
 * - **Shipping**: with the task's `module` option the worker imports that URL
 *   and calls the export named `fn.name`; without it the function's source
 *   text is sent (see `src/ship.ts`). A source-shipped function that refers to
 *   an outer variable fails with an error that says to use `module`. A
 *   `module` task's body can call `taskContext()`. Tasks wait for their own
 *   module only: a module whose top-level await never finishes holds its own
 *   tasks (whose timeout runs), not the others. A script that creates an
 *   engine at its top level without an `if (import.meta.main)` guard fails
 *   its `module` tasks with an error that says to add one.
 * - **Data**: arguments and results cross as structured clones; one that
 *   cannot be cloned fails its task with a `TypeError` naming the task and the
 *   `DataCloneError`. An error thrown by the function arrives with its class
 *   (built-in and this library's classes), `message`, `stack`, `cause` and
 *   own fields; any other thrown value keeps its fields.
 * - **Slots**: a task with `coresPerRank` 1 takes one of its worker's
 *   `concurrency` slots. A task with `coresPerRank` k > 1 takes k whole
 *   workers: it runs alone on one of them while k − 1 others get no task (so
 *   k cores are its own, e.g. for workers it starts itself). Tasks start in
 *   priority order (higher `priority` first, then creation order): a
 *   multi-core task at the head waits for enough workers to drain, and a
 *   task sent to a worker that has not started it yet is taken back when a
 *   higher-priority task arrives. `ranks` > 1 cannot run here, nor
 *   `coresPerRank` larger than `workers`: {@link WorkerBackend.checkResources}
 *   says so. `gpusPerRank` and `memoryMB` are not enforced. Executable tasks
 *   do not use worker slots.
 * - **Cancel / timeout** of a queued task drops it. Of a running task, it
 *   aborts the body's `taskContext().signal` (with the `CancelledError` or
 *   `TaskTimeoutError`); a body that settles within 2 s keeps its worker.
 *   Otherwise the worker is terminated, its other tasks are sent again (they
 *   start over) and a fresh worker replaces it. Caveat (Deno 2.9):
 *   `Worker.terminate()` does not stop a worker stuck in a synchronous JS
 *   loop (denoland/deno#35657): the backend forgets it and goes on, but its
 *   thread keeps a core busy and the process cannot exit until the loop ends;
 *   `shutdown()` warns, naming the task. Use `ProcessBackend` for tasks that
 *   may spin: it kills its subprocess.
 * - **Load balance**: tasks are spread over the workers in batches; a worker
 *   that runs dry takes back half of the not-yet-started tasks of the busiest
 *   one (claims in shared memory make that safe while the busy worker is stuck
 *   in a long synchronous task).
 * - **Crash**: a worker that dies (`close()`, `Deno.exit()`, an uncaught error
 *   or unhandled rejection) fails the tasks it had started with one
 *   `BackendError` each (Deno prints nothing); those it had not started are
 *   sent again. Out of memory ends the whole process: use `ProcessBackend`
 *   with `memoryMB` for tasks that may.
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
  #shutdown: Promise<void> | undefined = undefined;
  /** Live workers. */
  #pool: PoolWorker[] = [];
  #nextWorkerId = 1;
  /** Waiting on the host, by priority. Cancelled entries stay until met. */
  readonly #queue = new PriorityQueue<Entry>();
  /** The entries sent to a worker (and those sent back to the queue), by task. */
  readonly #entries = new Map<BackendTask, Entry>();
  /** Tasks cancelled while queued on the host (never sent): dropped when the queue meets them. */
  readonly #cancelledQueued = new Set<BackendTask>();
  readonly #fnIds = new FunctionIds();
  #nextEntryId = 1;
  /** Lowest priority among entries sent since the pool last ran dry. */
  #minSentPriority = Infinity;
  /** Why no worker can load its entry module (checked before the first start). */
  #entryProblem: string | undefined | null = null;
  /** Tasks whose worker was abandoned while stuck in synchronous code, with their claim cell. */
  readonly #abandoned: { label: string; claims: Int32Array<SharedArrayBuffer>; slot: number }[] =
    [];
  /** Resolves shutdown's wait for acknowledgements. */
  #ackWaiter: (() => void) | undefined = undefined;
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
    let top = -Infinity;
    let lastResources: unknown = undefined;
    let lastMisfit: string | undefined = undefined;
    let lastFn: unknown = undefined;
    let lastModule: string | undefined = undefined;
    let lastDef: ReturnType<FunctionIds["define"]> | undefined = undefined;
    for (const task of inPriorityOrder(tasks)) {
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
      switch (task.kind) {
        case "function":
          break;
        case "executable":
          this.#local.submit(task, host);
          continue;
        case "prompt":
          host.failed(task, refuseKind(this.name, task));
          continue;
        default:
          host.failed(task, unsupportedKind(this.name, task));
          continue;
      }
      // a batch's tasks mostly share one definition: its resources and function
      // are checked once, not per task
      const resources = task.resources;
      if (resources !== lastResources) {
        lastResources = resources;
        lastMisfit = this.checkResources(resources);
      }
      if (lastMisfit !== undefined) {
        host.failed(task, new RangeError(lastMisfit));
        continue;
      }
      let def;
      const fn = task.fn, module = task.module;
      if (fn === lastFn && module === lastModule && lastDef !== undefined) def = lastDef;
      else {
        try {
          def = this.#fnIds.define(fn, module);
        } catch (error) {
          host.failed(task, error);
          continue;
        }
        lastFn = fn;
        lastModule = module;
        lastDef = def;
      }
      const id = this.#nextEntryId++;
      const entry = new Entry(task, def.id, def.shipped, id, id);
      // (in #entries from when it is sent: a queued task's cancel is noted in #cancelledQueued)
      this.#queue.push(entry, entry.priority);
      if (entry.priority > top) top = entry.priority;
    }
    if (top > this.#minSentPriority) this.#preempt(top);
    this.#dispatch();
  }

  /**
   * Stops a task: drops it when it waits; when it runs, aborts its signal and
   * terminates its worker unless the body settles in time. Never throws.
   *
   * @param task a task given to {@link submit}
   * @param reason the engine's `CancelledError` or `TaskTimeoutError`
   */
  cancel(task: BackendTask, reason: unknown): void {
    if (task.kind === "executable") {
      this.#local.cancel(task);
      return;
    }
    const entry = this.#entries.get(task);
    if (entry === undefined) {
      // still queued on the host (or no longer ours): the queue drops it when met
      this.#cancelledQueued.add(task);
      return;
    }
    this.#entries.delete(task);
    entry.cancelled = true;
    const w = entry.worker;
    if (w === undefined) return; // Still on the host: dispatch skips it.
    const was = Atomics.compareExchange(w.claims, entry.slot, Claim.QUEUED, Claim.REVOKED);
    // QUEUED: the worker will skip it and acknowledge (that frees the slot).
    // FINISHED: its result is on the way and will be ignored.
    if (was !== Claim.STARTED && was !== Claim.PARKED) return;
    this.#abort(w, entry, reason);
  }

  /**
   * Terminates every worker (after the bodies just aborted had a moment to
   * see their signal) and stops local processes; idempotent. Warns when a
   * worker stuck in synchronous code was abandoned (the process cannot exit
   * until that code returns).
   */
  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#doShutdown();
  }

  async #doShutdown(): Promise<void> {
    this.#closed = true;
    // the engine aborted every running task just before: wait (a little) for
    // the workers to acknowledge, so abort listeners run before the end
    if (this.#pool.some((w) => !w.dead && w.unacked > 0)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ABORT_ACK_MS);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#ackWaiter = done;
      });
      this.#ackWaiter = undefined;
    }
    for (const w of this.#pool) {
      if (w.unacked > 0) this.#abandon(w);
      for (const e of w.aborting.values()) clearTimeout(e.abortTimer);
      this.#terminate(w);
    }
    this.#pool = [];
    this.#queue.clear();
    this.#entries.clear();
    this.#cancelledQueued.clear();
    await this.#local.shutdown();
    // a body that has returned since marked its cell: that thread is free again
    const stuck = this.#abandoned.filter((a) => Atomics.load(a.claims, a.slot) === Claim.STARTED);
    if (stuck.length > 0) {
      console.warn(
        `Warning: WorkerBackend '${this.name}' abandoned a worker stuck in synchronous code (task ${
          stuck.map((a) => a.label).join(", ")
        }). Deno cannot stop a Web Worker that never yields (denoland/deno#35657): its thread runs on and this process cannot exit until that code returns (Deno.exit() still ends it). Run such tasks on ProcessBackend, which kills its subprocess.`,
      );
    }
  }

  // ── aborts ──────────────────────────────────────────────────────────────

  /** Aborts a cancelled entry the worker holds; arms the timer that kills the worker. */
  #abort(w: PoolWorker, e: Entry, reason: unknown): void {
    w.aborting.set(e.id, e);
    e.abortTimer = setTimeout(() => this.#abortOverdue(w, e), ABORT_ACK_MS);
    let encoded: Thrown;
    try {
      encoded = encodeThrown(reason);
    } catch {
      encoded = { e: 0, value: "cancelled" };
    }
    try {
      w.worker.postMessage({ t: "abort", id: e.id, reason: encoded } satisfies ToRuntime);
    } catch {
      // the worker is gone: the timer retires it
    }
  }

  /** The worker did not acknowledge in time (stuck), or the body did not settle. */
  #abortOverdue(w: PoolWorker, e: Entry): void {
    e.abortTimer = undefined;
    if (w.dead || w.slots[e.slot] !== e) return;
    if (!e.acked) this.#abandon(w);
    this.#busy = true;
    try {
      this.#retire(w, undefined);
    } finally {
      this.#busy = false;
    }
    this.#dispatch();
  }

  /** Notes the tasks of a worker about to be terminated while stuck in synchronous code. */
  #abandon(w: PoolWorker): void {
    for (const e of w.slots) {
      if (e && Atomics.load(w.claims, e.slot) === Claim.STARTED) {
        this.#abandoned.push({
          label: `'${e.task.name}' (${e.task.uid})`,
          claims: w.claims,
          slot: e.slot,
        });
      }
    }
  }

  #onAborted(w: PoolWorker, ids: number[]): void {
    for (const id of ids) {
      const e = w.aborting.get(id);
      if (e === undefined || e.acked) continue;
      e.acked = true;
      clearTimeout(e.abortTimer);
      if (w.slots[e.slot] === e) {
        // responsive: the body has a while to settle (it may stop on its signal)
        e.abortTimer = setTimeout(() => this.#abortOverdue(w, e), ABORT_GRACE_MS);
      } else {
        w.aborting.delete(id);
      }
    }
    if (this.#ackWaiter !== undefined && this.#pool.every((p) => p.dead || p.unacked === 0)) {
      this.#ackWaiter();
    }
  }

  // ── dispatch ────────────────────────────────────────────────────────────

  /** Takes the next entry to place (skipping cancelled ones) without removing it. */
  #peek(): Entry | undefined {
    for (;;) {
      const e = this.#queue.peek();
      if (e === undefined) return e;
      if (!e.cancelled) {
        const cq = this.#cancelledQueued;
        if (cq.size === 0 || !cq.delete(e.task)) return e;
        e.cancelled = true;
      }
      this.#queue.shift();
    }
  }

  #pop(): void {
    this.#queue.shift();
  }

  #waiting(): number {
    return this.#queue.size;
  }

  /** Sends an entry back to the host queue, ahead of its priority's others. */
  #requeue(e: Entry): void {
    e.worker = undefined;
    e.slot = -1;
    this.#queue.unshift(e, e.priority);
  }

  /**
   * A task of priority `top` arrived: take back the tasks of lower priority
   * that workers hold but have not started, so that it goes first.
   */
  #preempt(top: number): void {
    let min = Infinity;
    for (const w of this.#pool) {
      const back: Entry[] = [];
      for (const e of w.slots) {
        if (!e) continue;
        if (e.priority >= top) {
          if (e.priority < min) min = e.priority;
          continue;
        }
        if (
          Atomics.compareExchange(w.claims, e.slot, Claim.QUEUED, Claim.REVOKED) !== Claim.QUEUED
        ) {
          if (e.priority < min) min = e.priority;
          continue;
        }
        w.slots[e.slot] = null;
        w.tombs++;
        back.push(e);
      }
      back.sort((x, y) => y.seq - x.seq);
      for (const e of back) this.#requeue(e);
    }
    this.#minSentPriority = min;
  }

  #spawn(): PoolWorker {
    const id = this.#nextWorkerId++;
    const worker = new Worker(new URL("./worker_entry.ts", import.meta.url), {
      type: "module",
      name: `${this.name}-${id}`,
    });
    const w = new PoolWorker(id, worker, this.#capacity);
    worker.onmessage = (event: MessageEvent<FromRuntime>) => this.#onMessage(w, event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#onError(w, event.message);
    };
    worker.onmessageerror = () => {
      this.#onError(w, "a message from the worker could not be deserialized");
    };
    const init: ToRuntime = {
      t: "init",
      claims: w.claims,
      concurrency: this.#concurrency,
      where: "a worker",
    };
    worker.postMessage(init);
    this.#pool.push(w);
    return w;
  }

  /**
   * Why no worker can start (no permission to load the entry module), asked
   * once: a prompt, if any, comes once, not once per worker.
   */
  #cannotStart(): string | undefined {
    if (this.#entryProblem !== null) return this.#entryProblem;
    const desc = entryPermission(ENTRY);
    let problem: string | undefined;
    if (desc !== undefined) {
      try {
        let state = Deno.permissions.querySync(desc).state;
        if (state === "prompt") state = Deno.permissions.requestSync(desc).state;
        if (state !== "granted") {
          const flag = desc.name === "read" ? "--allow-read" : `--allow-import=${ENTRY.host}`;
          problem =
            `Cannot start a worker for backend '${this.name}': a worker needs ${desc.name} access to its entry module ${ENTRY.href} (run with ${flag})`;
        }
      } catch {
        // a permission this Deno does not know: try the worker
      }
    }
    this.#entryProblem = problem;
    return problem;
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
    if (this.#pool.length === 0 && this.#peek() !== undefined) {
      const problem = this.#cannotStart();
      if (problem !== undefined) {
        this.#failWaiting(problem);
        return;
      }
    }
    do this.#placeQueued(); while (this.#steal());
    for (const w of this.#pool) if (w.out.length > 0) this.#post(w);
    if (this.#pool.every((w) => w.live === 0) && this.#waiting() === 0) {
      this.#minSentPriority = Infinity;
    }
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
    queued.sort((x, y) => byPriorityOf(x, y));
    const taken: Entry[] = [];
    for (const e of queued.slice(Math.floor(queued.length / 2))) {
      if (
        Atomics.compareExchange(victim.claims, e.slot, Claim.QUEUED, Claim.REVOKED) !==
          Claim.QUEUED
      ) continue;
      victim.slots[e.slot] = null;
      victim.tombs++;
      taken.push(e);
    }
    for (let i = taken.length - 1; i >= 0; i--) this.#requeue(taken[i]!);
    return taken.length > 0;
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
    this.#entries.set(e.task, e);
    const slot = w.free.pop()!;
    w.slots[slot] = e;
    e.worker = w;
    e.slot = slot;
    Atomics.store(w.claims, slot, Claim.QUEUED);
    w.out.push(e);
    if (e.priority < this.#minSentPriority) this.#minSentPriority = e.priority;
  }

  /** Sends the assigned entries of `w` in one message. */
  #post(w: PoolWorker): void {
    const out = w.out;
    w.out = [];
    const defs: FnDef[] = [];
    const tasks: unknown[] = new Array(out.length * TASK_STRIDE);
    let i = 0;
    for (const e of out) {
      if (!w.known.has(e.fnId)) {
        w.known.add(e.fnId);
        defs.push([e.fnId, e.shipped]);
      }
      const t = e.task;
      tasks[i++] = e.slot;
      tasks[i++] = e.id;
      // ~fnId: report the start even if the function is fast (the timeout starts then)
      tasks[i++] = t.timeout === undefined ? e.fnId : ~e.fnId;
      tasks[i++] = t.args;
      tasks[i++] = t.module === undefined ? undefined : taskCtx(t);
    }
    const msg: ToRuntime = { t: "run", defs, tasks };
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
      // a terminated worker's cells are left as they are: a STARTED one tells
      // shutdown() whether that worker is still stuck in the task's code
      if (!w.dead) Atomics.store(w.claims, e.slot, Claim.IDLE);
      w.free.push(e.slot);
    }
    if (w.exclusive === e) {
      w.exclusive = undefined;
      for (const other of this.#pool) if (other.reservedFor === w) other.reservedFor = undefined;
    }
    if (e.abortTimer !== undefined) {
      clearTimeout(e.abortTimer);
      e.abortTimer = undefined;
    }
    if (w.aborting.size !== 0) w.aborting.delete(e.id);
    e.worker = undefined;
    e.slot = -1;
  }

  // ── reports ─────────────────────────────────────────────────────────────

  #onMessage(w: PoolWorker, msg: FromRuntime): void {
    if (w.dead) return;
    w.heard = true;
    this.#busy = true;
    try {
      if (msg.t === "dying") this.#retire(w, msg.reason);
      else if (msg.t === "report") {
        this.#onReport(w, msg.started, msg.results);
        if (msg.aborted !== undefined) this.#onAborted(w, msg.aborted);
      }
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
        this.#requeue(e); // Revoked without a cancel: send it again.
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
        host.failed(e.task, explainLoadError(e.shipped, decodeThrown(payload as Thrown)));
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
    for (const e of w.aborting.values()) clearTimeout(e.abortTimer);
    w.aborting.clear();
    w.out = [];
    again.sort(byPriorityOf);
    for (let i = again.length - 1; i >= 0; i--) this.#requeue(again[i]!);
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

/** Entries in queue order: higher priority first, then creation order. */
function byPriorityOf(a: Entry, b: Entry): number {
  return b.priority - a.priority || a.seq - b.seq;
}
