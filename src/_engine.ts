/**
 * The engine's machinery (internal): the dependency graph on the scheduler
 * core, the flush loop, the transition function, the dispatch stage, blocks,
 * scopes, routing to backends, and events. `WorkflowEngine` in engine.ts is
 * its public face.
 *
 * How a task flows (see DESIGN.md):
 * 1. `taskFn(a, futB)` scans the arguments, adds the task to the core with
 *    the ids of its live dependencies, creates the future and emits
 *    `TaskCreated` — synchronously.
 * 2. A flush (one microtask per turn, or synchronously after a cancel) reads
 *    the core's outputs: failed/cancelled ids are settled, ready ids move to
 *    PREPARING: their arguments are resolved and their kind prepares them
 *    (an executable's builder runs).
 * 3. The dispatch stage: its steps (the journal, then limits) may complete a
 *    prepared task without running it, or hold it; what passes goes into its
 *    backend's batch (one `submit` per backend per flush).
 * 4. Backends report through the host; every change of state goes through
 *    {@link Engine#to}, which keeps the counts, timers, events, the future
 *    and the core's outcome; the core releases dependents. Nothing polls.
 * 5. Final tasks are released from the core after the flush that read the
 *    outputs they caused, so core memory is bounded by live tasks.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type BackendHost,
  type BackendTask,
  type CompletionInfo,
  type ExecutionBackend,
  kindsOf,
} from "./backend.ts";
import { LimitKind, Outcome, type SchedulerCore, SLOT_BITS, type TaskId } from "./core/types.ts";
import { ArgScan, forEachFuture, scanArgs, substituteArgs } from "./args.ts";
import { TaskFuture } from "./future.ts";
import {
  BackendError,
  CancelledError,
  DependencyFailureError,
  type FailedDependency,
  TaskTimeoutError,
} from "./errors.ts";
import {
  type FlowEvent,
  type FlowListener,
  now,
  type TaskEvent,
  type TaskEventType,
} from "./events.ts";
import { type CallOptions, type ResolvedOptions, resolveOptions, retryDelay } from "./options.ts";
import { findDataFiles, stageInputs } from "./data.ts";
import { join, resolve as resolvePath } from "node:path";
import {
  ArgFlag,
  EMPTY,
  type EngineLink,
  Gate,
  newTask,
  Phase,
  type Scope,
  type Task,
  type TaskDef,
  type Watch,
} from "./_task.ts";
import type { Kind } from "./kinds/mod.ts";
import type { TaskFunction } from "./task_function.ts";
import { after } from "./_timer.ts";
import { NameStats, type Summary } from "./summary.ts";
import { Durable } from "./_durable.ts";
import { capText, hex8, received } from "./_text.ts";

const SLOT_MASK = (1 << SLOT_BITS) - 1;

/** What a dispatch step decided about a prepared task. */
export const Step = {
  /** Go on to the next step (and finally the backend). */
  PASS: 0,
  /** The step took the task: it completed it, or holds it and hands it on later. */
  TAKEN: 1,
} as const;
/** One of the {@link Step} values. */
export type Step = typeof Step[keyof typeof Step];

/**
 * A step of the dispatch stage: the stretch between "prepared" (dependencies
 * done, arguments resolved, the kind's preparation done) and "handed to a
 * backend". Steps run in order for each task (the journal lookup, then
 * limits and priority); with no step, a prepared task goes straight into its
 * backend's batch.
 */
export interface DispatchStep {
  /**
   * Looks at a prepared task (phase PREPARING). Returns `PASS` to go on,
   * `TAKEN` when it completed the task (`engine.complete`) or holds it (it
   * calls `engine.pass(t, this)` later), or a promise of either for work
   * that must wait (a file hash); a rejection fails the task.
   */
  admit(t: Task): Step | Promise<Step>;
}

/** A rejected "thenable" that settles a future as rejected through its resolve function. */
function rejecting(error: unknown): PromiseLike<never> {
  return {
    then(_ok: unknown, fail?: ((e: unknown) => unknown) | null) {
      fail?.(error);
      return undefined as unknown as PromiseLike<never>;
    },
  } as PromiseLike<never>;
}

function noop(): void {}

const TIME_ORIGIN = performance.timeOrigin;

/** Settles a future: resolves it, or marks it handled and rejects it. */
function settle(t: Task, resolve: (value: unknown) => void, ok: boolean, v: unknown): void {
  if (ok) resolve(v);
  else {
    // nobody may ever await this future: a rejection must not be "unhandled"
    Promise.prototype.then.call(t, undefined, noop);
    resolve(rejecting(v));
  }
}

function includes(a: Int32Array, n: number, v: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] === v) return true;
  return false;
}

/**
 * One rate limit's window: each start takes a unit that comes back `perMs`
 * later. The return times are a FIFO (they are in admission order) with one
 * timer for the earliest, so a window costs one timer, not one per task.
 */
class RateWindow {
  readonly #due: number[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #engine: { giveBack(limit: number, n: number): void } | undefined;
  constructor(readonly perMs: number, readonly limit: number) {}

  /** A unit was taken now. */
  took(engine: { giveBack(limit: number, n: number): void }): void {
    this.#engine = engine;
    this.#due.push(performance.now() + this.perMs);
    if (this.#timer === undefined) this.#arm();
  }

  #arm(): void {
    const first = this.#due[this.#head];
    if (first === undefined) return;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, first - performance.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    let n = 0;
    while (this.#head < this.#due.length && this.#due[this.#head]! <= now + 0.5) {
      this.#head++;
      n++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#due.length) {
      this.#due.splice(0, this.#head);
      this.#head = 0;
    }
    if (n > 0) this.#engine?.giveBack(this.limit, n);
    this.#arm();
  }

  /** Stop the timer (shutdown). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * A core entry that asks for a unit of a task's rate limits for a retry (a
 * retry is a start, and its task was admitted already). It waits in the
 * core's queues like a task, in the task's priority, and is completed as
 * soon as it is admitted. Not a task: no future, no event.
 */
class Ticket {
  id = -1;
  constructor(readonly task: Task) {}
}

/** A growable list of ids on an Int32Array (it never shrinks: reuse allocates nothing). */
class IdList {
  a = new Int32Array(256);
  n = 0;
  push(id: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = id;
  }
}

/**
 * An engine's growable buffers. A shut-down engine hands them to the next
 * engine created: memory the process has not touched yet costs page faults
 * (on the build machine's VM more than the work done in it), and a program
 * that creates an engine per job would pay them per job.
 */
interface Scratch {
  times: Float64Array;
  ready: Int32Array;
  failed: Int32Array;
  cancelled: Int32Array;
  admitted: Int32Array;
  release: IdList;
  spare: IdList;
}
let spareScratch: Scratch | undefined;
/** Bytes of buffers kept for the next engine at most (a huge engine's are left to the GC). */
const SCRATCH_KEPT = 8 << 20;

/** The engine's implementation; `WorkflowEngine` is its public face. */
export class Engine implements EngineLink {
  readonly uid: string;
  readonly backends: Map<string, ExecutionBackend>;
  readonly defaultBackend: ExecutionBackend;
  readonly #core: SchedulerCore;
  readonly #workDirOption: string | undefined;
  #workDir: string | undefined;
  readonly #als = new AsyncLocalStorage<Scope>();
  #activeScopes = 0;
  #listeners: FlowListener[] = [];
  #seq = 0;
  #bySlot: (Task | Gate | Ticket | undefined)[] = [];
  /** Foreign thenables among arguments, each watched once. */
  readonly #watches = new WeakMap<PromiseLike<unknown>, Watch>();
  #closed = false;
  #shutdown: Promise<void> | undefined;
  #scheduled = false;
  #flushing = false;
  /** Final tasks the core has been told about, released after the flush reads their outputs. */
  #toRelease: IdList;
  /** The other release list (the two alternate, so a flush allocates none). */
  #spare: IdList;
  #readyBuf: Int32Array;
  #failedBuf: Int32Array;
  #cancelledBuf: Int32Array;
  #depIds = new Int32Array(64);
  #one = new Int32Array(1);
  #scan = new ArgScan();
  /** The dispatch stage's steps, in order. */
  readonly #steps: DispatchStep[] = [];
  /** Each backend's batch for this flush (its array is reused: `n` counts what is in it). */
  #batches = new Map<ExecutionBackend, { tasks: Task[]; n: number }>();
  #lastBackend: ExecutionBackend | undefined;
  #lastBatch: { tasks: Task[]; n: number } | undefined;
  /** The backends whose batch holds tasks, in the order they got their first. */
  #dirty: ExecutionBackend[] = [];
  #nDirty = 0;
  #signalHandlers: [() => void, () => void] | undefined;
  #shutdownHooks: (() => Promise<void>)[] = [];
  /** Per core slot: when the task became ready, and when it first started (ms). */
  #times: Float64Array;
  /** The engine's clock, read at most once per turn (see #time). */
  #clock = 0;
  #clockFresh = false;
  /** When the first task was created, and when the last one became final (ms). */
  #firstAt = -1;
  #lastFinalAt = -1;
  #cachedCount = 0;
  readonly #names = new Map<string, NameStats>();
  // counts by public state
  pending = 0;
  running = 0;
  done = 0;
  failed = 0;
  cancelled = 0;
  readonly host: BackendHost;
  readonly #flushFn = () => this.#flush();
  readonly #own = (f: TaskFuture) => (f as Task).def?.engine === this;

  /** The journal, when the engine has one. */
  #durable: Durable | undefined;
  /**
   * Final tasks whose futures settle once the flush's records are committed:
   * flat triples (task, its resolve function, whether it is DONE).
   */
  #toSettle: unknown[] = [];
  /** An error the engine shut down with (a journal write that failed). */
  #fatal: unknown = undefined;
  /** Core limit ids of each named limit. */
  readonly #limitIds = new Map<string, number[]>();
  /** Rate windows by core limit id: units come back on a timer. */
  readonly #rates = new Map<number, RateWindow>();
  /** The limits step, when the engine has limits. */
  #limitStep: DispatchStep | undefined;
  #admittedBuf: Int32Array;
  /** HELD tasks to ask the core to admit, once per flush. */
  #toAdmit = new IdList();
  /** The engine's named limits. */
  readonly limits: ReadonlyMap<
    string,
    { concurrency?: number; rate?: { count: number; perMs: number } }
  >;

  constructor(
    uid: string,
    backends: ExecutionBackend[],
    core: SchedulerCore,
    workDir: string | undefined,
    limits: ReadonlyMap<string, { concurrency?: number; rate?: { count: number; perMs: number } }> =
      new Map(),
  ) {
    this.uid = uid;
    this.limits = limits;
    const scratch = spareScratch;
    spareScratch = undefined;
    this.#times = scratch?.times ?? new Float64Array(2048);
    this.#readyBuf = scratch?.ready ?? new Int32Array(1024);
    this.#failedBuf = scratch?.failed ?? new Int32Array(1024);
    this.#cancelledBuf = scratch?.cancelled ?? new Int32Array(1024);
    this.#admittedBuf = scratch?.admitted ?? new Int32Array(1024);
    this.#toRelease = scratch?.release ?? new IdList();
    this.#spare = scratch?.spare ?? new IdList();
    // each named limit is one or two core limits: a concurrency and a rate one
    let next = 0;
    for (const [name, spec] of limits) {
      const ids: number[] = [];
      if (spec.concurrency !== undefined) {
        core.setLimit(next, spec.concurrency, LimitKind.CONCURRENCY);
        ids.push(next++);
      }
      if (spec.rate !== undefined) {
        core.setLimit(next, spec.rate.count, LimitKind.RATE);
        this.#rates.set(next, new RateWindow(spec.rate.perMs, next));
        ids.push(next++);
      }
      this.#limitIds.set(name, ids);
    }
    this.#core = core;
    this.#workDirOption = workDir;
    this.backends = new Map();
    for (const b of backends) this.backends.set(b.name, b);
    this.defaultBackend = backends[0]!;
    this.host = {
      running: (t) => this.#started(t as unknown as Task),
      done: (t, v, info) => this.#reported(t as unknown as Task, v, info),
      failed: (t, e) => this.#reportedFailure(t as unknown as Task, e),
      cancelled: (t, r) => this.#reportedCancel(t as unknown as Task, r),
    };
  }

  get workDir(): string {
    return this.#workDir ??= resolvePath(this.#workDirOption ?? Deno.cwd());
  }

  /** Run `hook` at the end of shutdown (after the backends stopped). */
  onShutdown(hook: () => Promise<void>): void {
    this.#shutdownHooks.push(hook);
  }

  get closed(): boolean {
    return this.#closed;
  }

  installSignals(shutdown: () => Promise<void>): void {
    const onInt = () => void shutdown().finally(() => Deno.exit(130));
    const onTerm = () => void shutdown().finally(() => Deno.exit(143));
    this.#signalHandlers = [onInt, onTerm];
    Deno.addSignalListener("SIGINT", onInt);
    Deno.addSignalListener("SIGTERM", onTerm);
  }

  /**
   * Opens the journal (before any task function is defined: its step is the
   * dispatch stage's first). Throws naming the path when it cannot be used.
   */
  useJournal(path: string | URL): void {
    const d = Durable.open(path, {
      uid: this.uid,
      complete: (t, v, more) => this.complete(t, v, more),
      pass: (t, step) => this.pass(t, step as DispatchStep),
      emitFor: (type, t, more) => this.emitFor(type, t, more),
    });
    this.#durable = d;
    this.#steps.unshift(d.step as DispatchStep);
    this.onShutdown(() =>
      d.close({ done: this.done, failed: this.failed, cancelled: this.cancelled })
    );
  }

  /** Closes the journal of an engine that never started (attach failed). */
  async closeJournal(): Promise<void> {
    await this.#durable?.close({ done: 0, failed: 0, cancelled: 0 });
  }

  /** Add a step at the end of the dispatch stage. */
  addStep(step: DispatchStep): void {
    this.#steps.push(step);
  }

  // ---------------------------------------------------------------- events

  subscribe(listener: FlowListener): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(
        `Cannot subscribe as 'listener' must be a function: ${received(listener)}`,
      );
    }
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Whether anybody listens (events cost nothing when nobody does). */
  get listening(): boolean {
    return this.#listeners.length !== 0;
  }

  /** See `WorkflowEngine.emit`. */
  emitCustom(type: unknown, attrs: unknown): void {
    if (typeof type !== "string" || !/^[^.\s]+(\.[^.\s]+)+$/.test(type)) {
      throw new TypeError(
        `Cannot emit event as 'type' must be a dotted name such as "myapp.Checkpoint": ${
          received(type)
        }`,
      );
    }
    if (typeof attrs !== "object" || attrs === null || Array.isArray(attrs)) {
      throw new TypeError(`Cannot emit event as 'attrs' must be an object: ${received(attrs)}`);
    }
    let copy: Record<string, unknown>;
    try {
      copy = structuredClone(attrs) as Record<string, unknown>;
    } catch (e) {
      throw new TypeError(
        `Cannot emit event as 'attrs' must be structured-cloneable (${capText(String(e))}): ${
          received(attrs)
        }`,
      );
    }
    const ev = { type, time: now(), attrs: copy } as FlowEvent;
    const wf = this.currentWorkflowId();
    if (wf !== undefined) ev.workflowId = wf;
    this.deliver(ev);
  }

  /** Deliver an event to every listener; a listener's error never reaches the engine. */
  deliver(ev: FlowEvent): void {
    for (const l of this.#listeners) {
      try {
        l(ev);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  #emit(type: TaskEventType, t: Task, more?: Partial<TaskEvent>): void {
    const ev: TaskEvent = { type, uid: t.uid, name: t.name, time: now() };
    const wf = t.x?.wf;
    if (wf !== undefined) ev.workflowId = wf;
    const b = t.def.backend;
    if (b !== undefined) ev.backend = b.name;
    const key = t.x?.key;
    if (key !== undefined) ev.key = key;
    if (more !== undefined) Object.assign(ev, more);
    this.deliver(ev);
  }

  // ---------------------------------------------------------------- scopes

  #scope(): Scope | undefined {
    if (this.#activeScopes === 0) return undefined;
    const s = this.#als.getStore();
    return s !== undefined && s.active ? s : undefined;
  }

  /** The id of the workflow scope the caller runs in (a block's uid inside its body). */
  currentWorkflowId(): string | undefined {
    return this.#scope()?.id;
  }

  workflowScope<T>(id: string | undefined, fn: (id: string) => Promise<T>): Promise<T> {
    if (id !== undefined && (typeof id !== "string" || id.length === 0)) {
      throw new TypeError(
        `Cannot open workflow scope as 'id' must be a non-empty string or undefined: ${
          received(id)
        }`,
      );
    }
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot open workflow scope as 'fn' must be a function: ${received(fn)}`);
    }
    const wid = id ?? "wf-" + hex8();
    const outer = this.#scope();
    const scope: Scope = {
      id: wid,
      block: undefined,
      active: true,
      priority: outer?.priority ?? 0,
    };
    return this.#runInScope(scope, () => fn(wid));
  }

  #runInScope<T>(scope: Scope, fn: () => T | Promise<T>): Promise<T> {
    this.#activeScopes++;
    let p: Promise<T>;
    try {
      p = Promise.resolve(this.#als.run(scope, fn));
    } catch (e) {
      p = Promise.reject(e);
    }
    const end = () => {
      scope.active = false;
      this.#activeScopes--;
    };
    p.then(end, end);
    return p;
  }

  // ---------------------------------------------------------------- definitions

  define<F extends TaskFuture>(
    kind: Kind,
    fn: unknown,
    options: unknown,
    factory: string,
  ): TaskFunction<unknown[], unknown, F> {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot create task with ${factory}() as 'fn' must be a function: ${received(fn)}`,
      );
    }
    const action = `Cannot create task with ${factory}()`;
    const opts = resolveOptions(action, options, undefined, false);
    this.#checkLimitNames(action, opts);
    return this.#makeTaskFunction<F>(kind, fn as TaskDef["fn"], opts);
  }

  /** An unknown limit name is refused when the task function is defined. */
  #checkLimitNames(action: string, opts: ResolvedOptions): void {
    for (const name of opts.limit ?? []) {
      if (!this.limits.has(name)) {
        const known = [...this.limits.keys()];
        throw new TypeError(
          `${action} as 'limit' names an unknown limit (${
            known.length !== 0 ? `known: ${known.join(", ")}` : "the engine has no limits"
          }): ${received(name)}`,
        );
      }
    }
  }

  /**
   * Where calls of a definition go, and the failure every call ends with when
   * they cannot run there (decided once per definition).
   */
  #route(
    kind: Kind,
    opts: ResolvedOptions,
    name: string,
  ): Pick<TaskDef, "backend" | "doomed"> {
    if (!kind.onBackend) return { backend: undefined, doomed: undefined };
    const wanted = opts.backend;
    const b = wanted === undefined ? this.defaultBackend : this.backends.get(wanted);
    if (b === undefined) {
      const known = [...this.backends.keys()].join(", ");
      return {
        backend: undefined,
        doomed: () =>
          new BackendError(
            wanted!,
            `Cannot run task '${name}' as no backend is named ${
              capText(JSON.stringify(wanted))
            }: known backends are ${known}`,
          ),
      };
    }
    const k = kind.name as BackendTask["kind"];
    if (!kindsOf(b).includes(k)) {
      const can = [...this.backends.values()].filter((x) => kindsOf(x).includes(k)).map((x) =>
        `'${x.name}'`
      );
      return {
        backend: b,
        doomed: () =>
          new BackendError(
            b.name,
            `Cannot run ${k} task '${name}' on backend '${b.name}' as it does not run ${k} tasks: ${
              can.length !== 0
                ? `route it to ${can.join(" or ")} with the 'backend' option`
                : `no backend of this engine does (backends: ${
                  [...this.backends.keys()].join(", ")
                })`
            }`,
          ),
      };
    }
    let misfit: string | undefined;
    try {
      misfit = b.checkResources?.(opts.resources);
    } catch (e) {
      return {
        backend: b,
        doomed: () =>
          new BackendError(b.name, `Backend '${b.name}' threw from checkResources()`, { cause: e }),
      };
    }
    if (misfit === undefined) return { backend: b, doomed: undefined };
    return {
      backend: b,
      doomed: () => new RangeError(`Cannot run task '${name}' on backend '${b.name}': ${misfit}`),
    };
  }

  #makeTaskFunction<F extends TaskFuture>(
    kind: Kind,
    fn: TaskDef["fn"],
    opts: ResolvedOptions,
  ): TaskFunction<unknown[], unknown, F> {
    const name = opts.name ?? (fn.name || "task");
    let stats = this.#names.get(name);
    if (stats === undefined) this.#names.set(name, stats = new NameStats());
    let limits: Int32Array | undefined;
    if (opts.limit !== undefined && kind.onBackend) {
      limits = Int32Array.from(opts.limit.flatMap((n) => this.#limitIds.get(n) ?? []));
      this.#ensureLimitStep();
    }
    const def: TaskDef = {
      kind,
      fn,
      opts,
      name,
      engine: this,
      stats,
      limits,
      ...this.#route(kind, opts, name),
    };
    const call = (...args: unknown[]) => this.call(def, args) as unknown as F;
    const tf = call as unknown as TaskFunction<unknown[], unknown, F>;
    Object.defineProperty(tf, "taskName", { value: def.name });
    Object.defineProperty(tf, "with", {
      value: (o: CallOptions) => {
        const action = `Cannot set options of task '${def.name}'`;
        const merged = resolveOptions(action, o, opts, true);
        this.#checkLimitNames(action, merged);
        return this.#makeTaskFunction<F>(kind, fn, merged);
      },
    });
    return tf;
  }

  // ---------------------------------------------------------------- calls

  call(def: TaskDef, args: unknown[]): Task {
    if (this.#closed) {
      throw new Error(
        this.#fatal === undefined
          ? "Cannot submit task as the engine is shut down"
          : `Cannot submit task as the engine is shut down: ${capText(String(this.#fatal))}`,
        this.#fatal === undefined ? undefined : { cause: this.#fatal },
      );
    }
    // scan first: bad arguments throw before anything is registered
    const s = this.#scan;
    scanArgs(args, s, this.#own);
    // keep no per-call array alive for calls without arguments (survivors cost GC time)
    const t = newTask(++this.#seq, def, args.length === 0 ? EMPTY : args);
    const scope = this.#scope();
    const wf = def.opts.workflowId ?? scope?.id;
    if (wf !== undefined) t.extra.wf = wf;
    const priority = def.opts.priority ?? scope?.priority ?? 0;
    if (priority !== 0) t.extra.priority = priority;
    def.stats.count++;
    if (this.#firstAt < 0) this.#firstAt = this.#time();
    const parent = scope?.block;
    if (parent !== undefined) {
      t.extra.parent = parent;
      (parent.extra.members ??= new Set()).add(t);
    }
    if (def.doomed !== undefined) t.extra.pre = { ph: Phase.FAILED, error: def.doomed() };

    // dependencies
    let deps = this.#depIds;
    let nDeps = 0;
    let failedDeps: FailedDependency[] | undefined;
    let firstFailure: unknown;
    let cancelledBy: Task | undefined;
    const nf = s.nFutures;
    if (nf !== 0) {
      if (deps.length < nf + 1) deps = this.#depIds = new Int32Array(2 * nf + 2);
      const seen = nf > 8 ? new Set<number>() : undefined;
      for (let i = 0; i < nf; i++) {
        const d = s.futures[i] as Task;
        const ph = d.ph;
        if (ph === Phase.DONE) continue;
        if (ph === Phase.FAILED) {
          if (failedDeps === undefined || !failedDeps.some((f) => f.uid === d.uid)) {
            (failedDeps ??= []).push({ uid: d.uid, name: d.name });
          }
          if (firstFailure === undefined) firstFailure = d.o;
        } else if (ph === Phase.CANCELLED) {
          cancelledBy ??= d;
        } else if (seen === undefined ? !includes(deps, nDeps, d.id) : !seen.has(d.id)) {
          deps[nDeps++] = d.id;
          seen?.add(d.id);
        }
      }
    }
    if (s.nested) t.flags |= ArgFlag.NESTED;
    if (s.files) {
      t.flags |= ArgFlag.FILES;
      if (nf !== 0) t.extra.depFutures = s.futures.slice(0, nf);
    }
    if (nf !== 0 || s.nThenables !== 0) t.flags |= ArgFlag.HAS_DEPS;
    if (t.x?.pre === undefined) {
      if (failedDeps !== undefined) {
        t.extra.pre = {
          ph: Phase.FAILED,
          error: new DependencyFailureError(t.name, failedDeps, firstFailure),
        };
      } else if (cancelledBy !== undefined) {
        t.extra.pre = {
          ph: Phase.CANCELLED,
          error: new CancelledError(
            `dependency '${cancelledBy.name}' (${cancelledBy.uid}) was cancelled`,
            t.uid,
          ),
        };
      }
    }
    // a task decided at the call is ready at once and settled when it turns ready
    if (t.x?.pre !== undefined) nDeps = 0;
    else if (s.nThenables !== 0) {
      deps[nDeps++] = this.#gate(t, s.thenables.slice(0, s.nThenables));
    }

    const lim = def.limits;
    t.id = lim === undefined && priority === 0
      ? this.#core.add(deps, nDeps)
      : this.#core.add(deps, nDeps, priority, lim, lim?.length ?? 0);
    this.#bySlot[t.id & SLOT_MASK] = t;
    this.pending++;
    if (this.#listeners.length !== 0) {
      const more: Partial<TaskEvent> = {};
      if (nf !== 0) more.deps = s.futures.slice(0, nf).map((f) => f.uid);
      if (def.opts.limit !== undefined) more.limits = [...def.opts.limit];
      if (priority !== 0) more.priority = priority;
      this.#emit("TaskCreated", t, more);
    }
    if (parent !== undefined && parent.ph >= Phase.DONE) {
      // a member created in a block that is already over: cancel it with the block
      this.cancelTask(t, parent.ph === Phase.DONE ? "block is over" : parent.o);
    }
    this.#schedule();
    return t;
  }

  /** A core entry that completes when all foreign thenables resolve. */
  #gate(t: Task, thenables: PromiseLike<unknown>[]): number {
    const g = new Gate(t, thenables);
    g.id = this.#core.add(EMPTY as number[]);
    this.#bySlot[g.id & SLOT_MASK] = g;
    t.extra.gate = g;
    for (const th of thenables) this.#watch(th, g);
    return g.id;
  }

  /**
   * Watches a foreign thenable for a gate. One reaction per thenable however
   * many tasks wait on it, and the reaction holds no task: a gate released
   * early (its task was cancelled) leaves nothing behind on a thenable that
   * never settles.
   */
  #watch(th: PromiseLike<unknown>, g: Gate): void {
    let w = this.#watches.get(th);
    if (w === undefined) {
      const watch: Watch = { settled: 0, value: undefined, gates: new Set() };
      w = watch;
      this.#watches.set(th, watch);
      Promise.resolve(th).then(
        (v) => this.#settleWatch(th, watch, 1, v),
        (e) => this.#settleWatch(th, watch, 2, e),
      );
    }
    if (w.settled !== 0) {
      const watch = w;
      queueMicrotask(() => this.#gateSees(g, th, watch.settled as 1 | 2, watch.value));
    } else w.gates.add(g);
  }

  #settleWatch(th: PromiseLike<unknown>, w: Watch, settled: 1 | 2, value: unknown): void {
    w.settled = settled;
    w.value = value;
    const gates = [...w.gates];
    w.gates.clear();
    for (const g of gates) this.#gateSees(g, th, settled, value);
  }

  /** A thenable of `g` settled. */
  #gateSees(g: Gate, th: PromiseLike<unknown>, settled: 1 | 2, value: unknown): void {
    const t = g.task;
    if (g.over || t === undefined) return;
    if (settled === 2) {
      g.error = value;
      this.#gateOver(g, value instanceof CancelledError ? Outcome.CANCELLED : Outcome.FAILED);
      return;
    }
    ((t.extra.values ??= new Map()) as Map<unknown, unknown>).set(th, value);
    if (--g.left === 0) this.#gateOver(g, Outcome.DONE);
  }

  #gateOver(g: Gate, outcome: Outcome): void {
    g.over = true;
    for (const th of g.thenables) this.#watches.get(th)?.gates.delete(g);
    g.task = undefined;
    this.#core.completeOne(g.id as TaskId, outcome);
    this.#toRelease.push(g.id);
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#scheduled && !this.#flushing) {
      this.#scheduled = true;
      queueMicrotask(this.#flushFn);
    }
  }

  // ---------------------------------------------------------------- the transition function

  /**
   * Moves `t` to phase `next`: the one place a task's state changes, with
   * everything that follows from it — the counts, the run's timer, the
   * event, the future, and (for a final phase) the core's outcome, the gate
   * of its foreign thenables and its block's member set. A final task never
   * moves again.
   *
   * @param t the task
   * @param next its new phase
   * @param v the value (DONE), the error (FAILED, CANCELLED, BACKOFF), or
   * the delay (BACKOFF uses `more.delay`)
   * @param viaCore the core decided this outcome itself (a dependency's
   * failure or cancel propagated): the flush that read it releases the slot
   * @param more extra event fields
   */
  #to(t: Task, next: Phase, v?: unknown, viaCore = false, more?: Partial<TaskEvent>): void {
    const prev = t.ph;
    if (prev >= Phase.DONE) return;
    t.ph = next;
    if (prev === Phase.RUNNING) this.running--;
    else this.pending--;
    const x = t.x;
    if (x?.timer !== undefined && (prev === Phase.RUNNING || prev === Phase.BACKOFF)) {
      x.timer.cancel();
      x.timer = undefined;
    }
    const listening = this.#listeners.length !== 0;
    switch (next) {
      case Phase.PREPARING:
        this.pending++;
        if (prev !== Phase.WAITING) return; // back from HELD: it was ready already
        this.#stamp(t.id, 0);
        if (listening) this.#emit("TaskReady", t);
        return;
      case Phase.HELD:
        this.pending++;
        return;
      case Phase.BACKOFF:
        this.pending++;
        if (listening) this.#emit("TaskRetrying", t, { error: v, ...more });
        return;
      case Phase.SUBMITTED:
        this.pending++;
        if (listening) this.#emit("TaskSubmitted", t);
        return;
      case Phase.RUNNING: {
        this.running++;
        if (t.flags < ArgFlag.ATTEMPT) {
          // the first run: its wait ends, its run starts
          const at = this.#stamp(t.id, 1);
          t.def.stats.wait.add(at - this.#times[(t.id & SLOT_MASK) * 2]!);
        }
        t.flags += ArgFlag.ATTEMPT;
        const ms = t.def.opts.timeout;
        if (ms !== undefined) t.extra.timer = after(ms, () => this.#timedOut(t, ms));
        if (listening) this.#emit("TaskStarted", t);
        return;
      }
    }
    // final
    const outcome = next === Phase.DONE
      ? Outcome.DONE
      : next === Phase.FAILED
      ? Outcome.FAILED
      : Outcome.CANCELLED;
    const stats = t.def.stats;
    if (outcome === Outcome.DONE) {
      this.done++;
      stats.done++;
      if (more?.cached === true) {
        stats.cached++;
        this.#cachedCount++;
      }
    } else if (outcome === Outcome.FAILED) {
      this.failed++;
      stats.failed++;
    } else {
      this.cancelled++;
      stats.cancelled++;
    }
    this.#lastFinalAt = this.#time();
    if (t.flags >= ArgFlag.ATTEMPT) {
      stats.run.add(this.#lastFinalAt - this.#times[(t.id & SLOT_MASK) * 2 + 1]!);
    }
    const resolve = t.o as (value: unknown) => void;
    t.o = v;
    // the core: the task's outcome releases (or fails, or cancels) its dependents;
    // an outcome the core decided itself is released by the flush that read it
    if (viaCore) { /* nothing to tell the core */ }
    else if (prev === Phase.WAITING) {
      // still WAITING (or READY, unread) in the core: cancel() reports it and its dependents
      this.#one[0] = t.id;
      this.#core.cancel(1, this.#one);
    } else {
      this.#core.completeOne(t.id as TaskId, outcome);
      this.#toRelease.push(t.id);
    }
    if (x !== undefined) {
      const g = x.gate;
      if (g !== undefined) {
        x.gate = undefined;
        if (!g.over) this.#gateOver(g, Outcome.CANCELLED); // its thenables no longer matter
      }
      x.values = undefined;
      x.parent?.x?.members?.delete(t);
      const k = x.ticket;
      if (k !== undefined) {
        // a retry that waited for a rate unit: its ticket goes (the core reports it cancelled)
        x.ticket = undefined;
        this.#one[0] = k.id;
        this.#core.cancel(1, this.#one);
      }
    }
    t.args = EMPTY; // drop what the task no longer needs
    if (listening) {
      this.#emit(
        outcome === Outcome.DONE
          ? "TaskCompleted"
          : outcome === Outcome.FAILED
          ? "TaskFailed"
          : "TaskCancelled",
        t,
        outcome === Outcome.DONE ? more : { error: v, ...more },
      );
    }
    const durable = this.#durable;
    if (durable !== undefined && durable.records(t, next)) {
      // on disk before it settles: the record is committed at the end of the flush
      const copying = durable.record(t, next, v, TIME_ORIGIN + this.#lastFinalAt);
      const ok = outcome === Outcome.DONE;
      if (copying === undefined) this.#toSettle.push(t, resolve, ok);
      else {
        void copying.then(() => {
          this.#toSettle.push(t, resolve, ok);
          this.#schedule();
        });
      }
    } else settle(t, resolve, outcome === Outcome.DONE, v);
    this.#schedule();
  }

  /**
   * The end of a flush with a journal: commit what the flush staged, then
   * settle those futures. A failed write shuts the engine down with the
   * error, and the futures it could not record reject with it.
   */
  #commitAndSettle(): void {
    const items = this.#toSettle;
    if (items.length === 0 && this.#durable?.error === undefined) return;
    this.#toSettle = [];
    let error: unknown;
    try {
      this.#durable!.commit();
    } catch (e) {
      error = e;
    }
    // flat triples: the task (its value or error is in `o` now), its resolve function, ok
    for (let i = 0; i < items.length; i += 3) {
      const t = items[i] as Task;
      const resolve = items[i + 1] as (value: unknown) => void;
      if (error === undefined) settle(t, resolve, items[i + 2] as boolean, t.o);
      else settle(t, resolve, false, error);
    }
    if (error !== undefined && !this.#closed) {
      this.#fatal ??= error;
      void this.shutdown().catch(() => {});
    }
  }

  // ---------------------------------------------------------------- the flush loop

  #flush(): void {
    this.#scheduled = false;
    if (this.#flushing) return;
    this.#flushing = true;
    const core = this.#core;
    try {
      for (;;) {
        const nr = core.readyCount();
        const nf = core.failedCount() * 2;
        const nc = core.cancelledCount() * 2;
        // final tasks whose outcome the core has read: released after their outputs are handled
        const releasable = this.#toRelease;
        const na = core.admittedCount();
        if (
          nr + nf + nc + na === 0 && this.#nDirty === 0 && this.#toAdmit.n === 0 &&
          (this.#durable === undefined || this.#durable.waiting === 0)
        ) {
          this.#release(releasable);
          if (
            core.readyCount() + core.failedCount() + core.cancelledCount() +
                core.admittedCount() === 0
          ) break;
          continue;
        }
        this.#toRelease = this.#spare;
        // copy the outputs out of core memory: handling them calls the core again
        if (this.#readyBuf.length < nr) this.#readyBuf = new Int32Array(nr * 2);
        if (this.#failedBuf.length < nf) this.#failedBuf = new Int32Array(nf * 2);
        if (this.#cancelledBuf.length < nc) this.#cancelledBuf = new Int32Array(nc * 2);
        if (this.#admittedBuf.length < na) this.#admittedBuf = new Int32Array(na * 2);
        const rb = this.#readyBuf, fb = this.#failedBuf, cb = this.#cancelledBuf;
        const ab = this.#admittedBuf;
        core.takeOutputs(rb, fb, cb, ab);
        const bySlot = this.#bySlot;
        for (let i = 0; i < nf; i += 2) {
          const t = bySlot[fb[i]! & SLOT_MASK]!;
          this.#toRelease.push(t.id);
          if (t instanceof Gate || t instanceof Ticket || t.ph >= Phase.DONE) continue;
          this.#dependencyFailed(t, this.#entry(fb[i + 1]!));
        }
        for (let i = 0; i < nc; i += 2) {
          const t = bySlot[cb[i]! & SLOT_MASK]!;
          this.#toRelease.push(t.id);
          if (t instanceof Gate || t instanceof Ticket || t.ph >= Phase.DONE) continue;
          const c = this.#entry(cb[i + 1]!);
          const why = c === undefined
            ? "cancelled"
            : c instanceof Gate
            ? `dependency ${c.uid} was cancelled`
            : `dependency '${c.name}' (${c.uid}) was cancelled`;
          this.#to(t, Phase.CANCELLED, new CancelledError(why, t.uid), true);
        }
        for (let i = 0; i < na; i++) {
          const t = bySlot[ab[i]! & SLOT_MASK];
          if (t === undefined || t.id !== ab[i] || t instanceof Gate) continue;
          if (t instanceof Ticket) this.#ticketAdmitted(t);
          else this.#admitted(t);
        }
        for (let i = 0; i < nr; i++) {
          const t = bySlot[rb[i]! & SLOT_MASK]!;
          if (t instanceof Gate) continue;
          if (t instanceof Ticket) this.#toAdmit.push(t.id); // a retry's rate units
          else this.#ready(t);
        }
        // the journal's lookups of this pass, in one query (hits complete, misses go on)
        this.#durable?.drain();
        if (this.#toAdmit.n !== 0) {
          // only the ones still HELD: a cancel may have ended one since
          const q = this.#toAdmit;
          let k = 0;
          for (let i = 0; i < q.n; i++) {
            const e = bySlot[q.a[i]! & SLOT_MASK];
            if (
              e !== undefined && e.id === q.a[i] && !(e instanceof Gate) &&
              (e instanceof Ticket ? e.task.x?.ticket === e : e.ph === Phase.HELD)
            ) q.a[k++] = q.a[i]!;
          }
          q.n = 0;
          if (k !== 0) core.admit(k, q.a);
        }
        this.#submitBatches();
        this.#release(releasable);
        this.#spare = releasable;
      }
      if (this.#durable !== undefined) this.#commitAndSettle();
    } finally {
      this.#flushing = false;
      this.#clockFresh = false; // the next turn reads the clock again
    }
  }

  /**
   * The engine's clock (ms): read at most once per turn of the event loop —
   * a clock read costs about as much as running a no-op task here — and
   * again in the next turn (the flush marks it stale when it ends).
   */
  #time(): number {
    if (!this.#clockFresh) {
      this.#clock = performance.now();
      this.#clockFresh = true;
    }
    return this.#clock;
  }

  /** Records now as a task's ready (0) or start (1) time; returns it. */
  #stamp(id: number, which: 0 | 1): number {
    const i = (id & SLOT_MASK) * 2 + which;
    if (i >= this.#times.length) {
      const a = new Float64Array(Math.max(this.#times.length * 2, i + 2));
      a.set(this.#times);
      this.#times = a;
    }
    return this.#times[i] = this.#time();
  }

  /** See `WorkflowEngine.summary`. */
  summary(): Summary {
    const final = this.done + this.failed + this.cancelled;
    const end = this.pending + this.running === 0 && this.#lastFinalAt >= 0
      ? this.#lastFinalAt
      : performance.now();
    const wallMs = this.#firstAt < 0 ? 0 : Math.max(0, end - this.#firstAt);
    const byName: Summary["byName"] = {};
    for (const [name, stats] of this.#names) {
      if (stats.count !== 0) byName[name] = stats.summary();
    }
    return {
      counts: {
        pending: this.pending,
        running: this.running,
        done: this.done,
        failed: this.failed,
        cancelled: this.cancelled,
        cached: this.#cachedCount,
      },
      wallMs,
      tasksPerSecond: wallMs > 0 ? final / (wallMs / 1000) : 0,
      byName,
    };
  }

  /** The task or gate a core id names, if it is still live. */
  #entry(id: number): Task | Gate | undefined {
    if (id < 0) return undefined;
    const e = this.#bySlot[id & SLOT_MASK];
    return e?.id === id && !(e instanceof Ticket) ? e : undefined;
  }

  #release(ids: IdList): void {
    const n = ids.n;
    if (n === 0) return;
    const buf = ids.a;
    const bySlot = this.#bySlot;
    for (let i = 0; i < n; i++) {
      const id = buf[i]!;
      const slot = id & SLOT_MASK;
      if (bySlot[slot]?.id === id) bySlot[slot] = undefined;
    }
    ids.n = 0;
    this.#core.release(n, buf);
  }

  /** A dependency failed: name every dependency that is FAILED now. */
  #dependencyFailed(t: Task, cause: Task | Gate | undefined): void {
    const failed: FailedDependency[] = [];
    const seen = new Set<TaskFuture>();
    if (cause instanceof Gate) failed.push({ uid: cause.uid, name: cause.name });
    forEachFuture(t.args, (f) => {
      const d = f as Task;
      if (d.def?.engine !== this || d.ph !== Phase.FAILED || seen.has(d)) return;
      seen.add(d);
      failed.push({ uid: d.uid, name: d.name });
    });
    if (failed.length === 0) {
      failed.push({ uid: cause?.uid ?? "unknown", name: cause?.name ?? "unknown" });
    }
    const error = cause instanceof Gate ? cause.error : cause?.o;
    this.#to(t, Phase.FAILED, new DependencyFailureError(t.name, failed, error), true);
  }

  /** The core says `t`'s dependencies are done. */
  #ready(t: Task): void {
    if (t.ph !== Phase.WAITING) return;
    this.#to(t, Phase.PREPARING);
    const pre = t.x?.pre;
    if (pre !== undefined) {
      this.#to(t, pre.ph, pre.error);
      return;
    }
    const kind = t.def.kind;
    if (this.#durable !== undefined && kind.onBackend && (t.flags & ArgFlag.HAS_DEPS)) {
      // the key needs the arguments as called (a dependency enters it by its key)
      const x = t.extra;
      x.raw = t.args.slice();
      x.rawValues = x.values;
    }
    t.args = this.#resolveArgs(t);
    if (!kind.onBackend) this.#runInEngine(t);
    else if (kind.prepare !== undefined || (t.flags & ArgFlag.FILES)) this.#prepare(t, kind);
    else this.#stage(t, 0);
  }

  /** The arguments with futures and thenables replaced by their values. */
  #resolveArgs(t: Task): readonly unknown[] {
    if (!(t.flags & ArgFlag.HAS_DEPS)) return t.args;
    const values = t.x?.values;
    const out = substituteArgs(t.args, (t.flags & ArgFlag.NESTED) !== 0, values);
    if (values !== undefined) t.x!.values = undefined;
    t.flags &= ~ArgFlag.HAS_DEPS;
    return out;
  }

  /** Data staging and the kind's own preparation: async work before the dispatch stage. */
  #prepare(t: Task, kind: Kind): void {
    (async () => {
      const x = t.extra;
      const base = join(this.workDir, this.uid, t.uid);
      if (t.flags & ArgFlag.FILES) {
        x.sandbox = base;
        const { inputs, outputs } = findDataFiles(t.args);
        x.outputs = outputs.map((o) => o.filename);
        const producers = new Map<string, string>();
        forEachFuture(x.depFutures ?? EMPTY, (df) => {
          const dx = (df as Task).x;
          if (dx?.sandbox === undefined || dx.outputs === undefined) return;
          for (const name of dx.outputs) producers.set(name, join(dx.sandbox, name));
        });
        await stageInputs(base, inputs, producers);
      }
      if (kind.prepare !== undefined) {
        x.prep = await kind.prepare({
          uid: t.uid,
          name: t.name,
          fn: t.def.fn,
          args: t.args,
          opts: t.def.opts,
          sandbox: x.sandbox,
          outputBase: base,
        });
      }
    })().then(
      () => {
        if (t.ph === Phase.PREPARING) this.#stage(t, 0);
      },
      (e) => {
        if (t.ph === Phase.PREPARING) this.#to(t, Phase.FAILED, e);
      },
    );
  }

  /**
   * The dispatch stage: runs the steps from `from` on; a task every step
   * passes goes into its backend's batch.
   */
  #stage(t: Task, from: number): void {
    const steps = this.#steps;
    for (let i = from; i < steps.length; i++) {
      let r: Step | Promise<Step>;
      try {
        r = steps[i]!.admit(t);
      } catch (e) {
        this.#to(t, Phase.FAILED, e);
        return;
      }
      if (r === Step.PASS) continue;
      if (r === Step.TAKEN) return;
      r.then(
        (s) => {
          if (t.ph === Phase.PREPARING && s === Step.PASS) this.#stage(t, i + 1);
        },
        (e) => {
          if (t.ph === Phase.PREPARING) this.#to(t, Phase.FAILED, e);
        },
      );
      return;
    }
    this.#submit(t);
  }

  /** A step that held `t` hands it on to the next step. */
  pass(t: Task, step: DispatchStep): void {
    if (t.ph >= Phase.SUBMITTED) return;
    if (t.ph === Phase.HELD) this.#to(t, Phase.PREPARING);
    const i = this.#steps.indexOf(step);
    this.#stage(t, i + 1);
  }

  /** A step holds `t` (waiting for a limit). */
  hold(t: Task): void {
    if (t.ph === Phase.PREPARING) this.#to(t, Phase.HELD);
  }

  /** A step completes `t` without running it (a journal hit). */
  complete(t: Task, value: unknown, more?: Partial<TaskEvent>): void {
    if (t.ph >= Phase.SUBMITTED) return;
    this.#to(t, Phase.DONE, value, false, more);
  }

  /** Emits an event for `t` outside a transition (e.g. `TaskCached`). */
  emitFor(type: TaskEventType, t: Task, more?: Partial<TaskEvent>): void {
    if (this.#listeners.length !== 0) this.#emit(type, t, more);
  }

  /**
   * The limits step (the last of the dispatch stage): a task with limits asks
   * the core for a unit of each and waits HELD until it gets them, in
   * priority order; the flush hands admitted ones on (#admitted).
   */
  #ensureLimitStep(): void {
    if (this.#limitStep !== undefined) return;
    const step: DispatchStep = {
      admit: (t) => {
        if (t.def.limits === undefined) return Step.PASS;
        this.#to(t, Phase.HELD);
        // asked for in one batch per flush: the core admits a batch in priority order
        this.#toAdmit.push(t.id);
        this.#schedule();
        return Step.TAKEN;
      },
    };
    this.#limitStep = step;
    this.addStep(step);
  }

  /** The core granted `t` a unit of each of its limits. */
  #admitted(t: Task): void {
    if (t.ph !== Phase.HELD) return;
    const lim = t.def.limits!;
    for (let i = 0; i < lim.length; i++) this.#rates.get(lim[i]!)?.took(this);
    this.pass(t, this.#limitStep!);
  }

  /**
   * A retry starts again: it first takes a unit of each of its rate limits
   * (a start is a start; the concurrency units it holds are still its own)
   * through a {@link Ticket}, then goes to its backend.
   */
  #resubmit(t: Task): void {
    const lim = t.def.limits;
    let rates: number[] | undefined;
    if (lim !== undefined) {
      for (let i = 0; i < lim.length; i++) {
        if (this.#rates.has(lim[i]!)) (rates ??= []).push(lim[i]!);
      }
    }
    if (rates === undefined) {
      this.#submit(t);
      return;
    }
    const ticket = new Ticket(t);
    ticket.id = this.#core.add(EMPTY as number[], 0, t.priority, rates, rates.length);
    this.#bySlot[ticket.id & SLOT_MASK] = ticket;
    t.extra.ticket = ticket;
    this.#schedule(); // the flush reads it as ready and asks for its units
  }

  /** A ticket's units were granted: take them, and the retry goes on. */
  #ticketAdmitted(k: Ticket): void {
    const lim = k.task.def.limits!;
    for (let i = 0; i < lim.length; i++) this.#rates.get(lim[i]!)?.took(this);
    this.#endTicket(k);
    if (k.task.ph === Phase.BACKOFF) this.#submit(k.task);
  }

  #endTicket(k: Ticket): void {
    const x = k.task.x;
    if (x?.ticket === k) x.ticket = undefined;
    this.#core.completeOne(k.id as TaskId, Outcome.DONE);
    this.#toRelease.push(k.id);
  }

  /** A rate window's unit comes back (its timer fired). */
  giveBack(limit: number, n: number): void {
    if (this.#closed) return;
    this.#core.giveBack(limit, n);
    this.#schedule();
  }

  /** Puts a prepared task into its backend's batch. */
  #submit(t: Task): void {
    this.#to(t, Phase.SUBMITTED);
    const b = t.def.backend!;
    // the backend of the last task submitted (one backend for most workloads): no map lookup
    let batch = b === this.#lastBackend ? this.#lastBatch! : this.#batches.get(b);
    if (batch === undefined) this.#batches.set(b, batch = { tasks: [], n: 0 });
    this.#lastBackend = b;
    this.#lastBatch = batch;
    if (batch.n === 0) this.#dirty[this.#nDirty++] = b;
    batch.tasks[batch.n++] = t;
    this.#schedule();
  }

  #submitBatches(): void {
    const dirty = this.#dirty;
    // one submit per backend; a backend may report synchronously from submit, and a
    // retry it reports lands in a new batch (submitted by this loop too)
    let i = 0;
    for (; i < this.#nDirty; i++) {
      const b = dirty[i]!;
      const staged = b === this.#lastBackend ? this.#lastBatch! : this.#batches.get(b)!;
      // the backend gets an array of its own (it may keep it): exactly sized
      const n = staged.n;
      const tasks = staged.tasks;
      let batch: Task[];
      if (n === 1) {
        // a chain submits one task per pass: no builtin calls for it
        batch = [tasks[0]!];
        tasks[0] = undefined as unknown as Task;
      } else {
        batch = tasks.slice(0, n);
        tasks.fill(undefined as unknown as Task, 0, n);
      }
      staged.n = 0;
      try {
        b.submit(batch as unknown as BackendTask[]);
      } catch (e) {
        // only the tasks the backend had not started: one fault never throws away another's run
        for (const t of batch) {
          if (t.ph === Phase.SUBMITTED) {
            this.#fail(
              t,
              new BackendError(b.name, `Backend '${b.name}' threw from submit()`, { cause: e }),
            );
          }
        }
      }
    }
    // cleared without shrinking (a shrunk array allocates again on the next push)
    for (let k = 0; k < i; k++) dirty[k] = undefined as unknown as ExecutionBackend;
    this.#nDirty = 0;
  }

  /** Runs an in-engine kind (a block): its body in its own scope. */
  #runInEngine(t: Task): void {
    this.#to(t, Phase.RUNNING);
    const scope: Scope = { id: t.uid, block: t, active: true, priority: t.priority };
    const args = t.args;
    this.#runInScope(scope, () => (t.def.fn as (...a: unknown[]) => unknown)(...args)).then(
      (v) => {
        if (t.ph === Phase.RUNNING) this.#to(t, Phase.DONE, v);
      },
      (e) => {
        if (t.ph === Phase.RUNNING) this.#to(t, Phase.FAILED, e);
      },
    );
  }

  // ---------------------------------------------------------------- reports

  /** Whether `t` is one of this engine's tasks in the hands of its backend. */
  #onBackend(t: Task): boolean {
    return t instanceof TaskFuture && t.def?.engine === this &&
      (t.ph === Phase.SUBMITTED || t.ph === Phase.RUNNING);
  }

  #started(t: Task): void {
    if (t instanceof TaskFuture && t.ph === Phase.SUBMITTED && t.def.engine === this) {
      this.#to(t, Phase.RUNNING);
    }
  }

  #reported(t: Task, v: unknown, info: CompletionInfo | undefined): void {
    if (!this.#onBackend(t)) return;
    if ((typeof v === "object" && v !== null) || typeof v === "function") {
      // a thenable result is adopted first: the future must never settle against the engine
      let then: unknown;
      try {
        then = (v as { then?: unknown }).then;
      } catch (e) {
        this.#reportedFailure(t, e);
        return;
      }
      if (typeof then === "function") {
        new Promise((ok, fail) => (then as (a: unknown, b: unknown) => void).call(v, ok, fail))
          .then((value) => this.#reported(t, value, info), (e) => this.#reportedFailure(t, e));
        return;
      }
    }
    if (t.ph === Phase.SUBMITTED) this.#to(t, Phase.RUNNING);
    this.#to(
      t,
      Phase.DONE,
      v,
      false,
      info?.usage !== undefined ? { usage: info.usage } : undefined,
    );
  }

  #reportedFailure(t: Task, e: unknown): void {
    if (this.#onBackend(t)) this.#fail(t, e);
  }

  #reportedCancel(t: Task, reason: unknown): void {
    if (this.#onBackend(t)) this.#to(t, Phase.CANCELLED, new CancelledError(reason, t.uid));
  }

  /**
   * A run failed: another attempt when the task has retries left (after its
   * policy's delay, on a timer), else FAILED.
   */
  #fail(t: Task, e: unknown): void {
    const opts = t.def.opts;
    const retried = t.x?.retried ?? 0;
    if (retried >= opts.retries || !t.def.kind.onBackend || this.#closed) {
      this.#to(t, Phase.FAILED, e);
      return;
    }
    const policy = opts.retry;
    let delay = 0;
    if (policy !== undefined) {
      if (policy.retryIf !== undefined) {
        let again: unknown;
        try {
          again = policy.retryIf(e, retried + 1);
        } catch (thrown) {
          // a bug in retryIf surfaces as the task's failure, the original error as its cause
          this.#to(
            t,
            Phase.FAILED,
            thrown instanceof Error && thrown.cause === undefined
              ? Object.assign(thrown, { cause: e })
              : thrown,
          );
          return;
        }
        if (again !== true) {
          this.#to(t, Phase.FAILED, e);
          return;
        }
      }
      delay = retryDelay(policy, retried + 1, Math.random());
    }
    t.extra.retried = retried + 1;
    this.#to(t, Phase.BACKOFF, e, false, { attempt: retried + 2, delay });
    if (delay <= 0) this.#resubmit(t);
    else {
      t.extra.timer = after(delay, () => {
        if (t.ph !== Phase.BACKOFF) return;
        t.x!.timer = undefined;
        this.#resubmit(t);
      });
    }
  }

  #timedOut(t: Task, ms: number): void {
    if (t.ph !== Phase.RUNNING) return;
    t.x!.timer = undefined;
    const error = new TaskTimeoutError(ms, t.name);
    this.#stopOnBackend(t, error);
    const members = t.x?.members;
    if (members !== undefined) {
      for (const m of [...members]) this.cancelTask(m, "block timed out", false);
    }
    this.#fail(t, error);
  }

  #stopOnBackend(t: Task, reason: unknown): void {
    const b = t.def.backend;
    if (b === undefined || (t.ph !== Phase.SUBMITTED && t.ph !== Phase.RUNNING)) return;
    try {
      b.cancel(t as unknown as BackendTask, reason);
    } catch {
      // a backend never throws into the engine; ignore one that does
    }
  }

  // ---------------------------------------------------------------- cancel and shutdown

  /**
   * Cancels `t` (a block: its members first, recursively). Dependents become
   * CANCELLED before this returns (the flush runs now unless one is running).
   */
  cancelTask(t: Task, reason: unknown, flushNow = true): boolean {
    if (t.ph >= Phase.DONE) return false;
    const members = t.x?.members;
    if (members !== undefined) {
      for (const m of [...members]) this.cancelTask(m, reason, false);
    }
    const error = new CancelledError(reason, t.uid);
    this.#stopOnBackend(t, error);
    this.#to(t, Phase.CANCELLED, error);
    if (flushNow && !this.#flushing) this.#flush();
    return true;
  }

  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#doShutdown();
  }

  async #doShutdown(): Promise<void> {
    this.#closed = true;
    for (const w of this.#rates.values()) w.stop();
    if (this.#signalHandlers !== undefined) {
      try {
        Deno.removeSignalListener("SIGINT", this.#signalHandlers[0]);
        Deno.removeSignalListener("SIGTERM", this.#signalHandlers[1]);
      } catch {
        // already gone
      }
    }
    // cancel blocks first (their members go with them), then everything else
    const live = this.#bySlot.filter((t): t is Task =>
      t !== undefined && !(t instanceof Gate) && !(t instanceof Ticket) && t.ph < Phase.DONE
    );
    for (const t of live) {
      if (!t.def.kind.onBackend && t.parent === undefined) {
        this.cancelTask(t, "engine shut down", false);
      }
    }
    for (const t of live) this.cancelTask(t, "engine shut down", false);
    if (!this.#flushing) this.#flush();
    const errors: unknown[] = [];
    await Promise.all(
      [...this.backends.values()].map((b) =>
        Promise.resolve().then(() => b.shutdown()).catch((e) => errors.push(e))
      ),
    );
    // after the backends: the last events (cancels) are still delivered to hooks
    for (const hook of this.#shutdownHooks) await hook().catch((e) => errors.push(e));
    // every task is final: the core's memory goes to the next engine (the core stays
    // usable, empty, for a late report)
    if (this.pending + this.running === 0) {
      this.#bySlot = [];
      this.#core.dispose?.();
      // and its buffers (this engine keeps small new ones, for a late report)
      const bytes = this.#times.byteLength + this.#readyBuf.byteLength +
        this.#failedBuf.byteLength + this.#cancelledBuf.byteLength +
        this.#admittedBuf.byteLength + this.#toRelease.a.byteLength + this.#spare.a.byteLength;
      if (spareScratch === undefined && bytes <= SCRATCH_KEPT) {
        this.#toRelease.n = 0;
        this.#spare.n = 0;
        spareScratch = {
          times: this.#times,
          ready: this.#readyBuf,
          failed: this.#failedBuf,
          cancelled: this.#cancelledBuf,
          admitted: this.#admittedBuf,
          release: this.#toRelease,
          spare: this.#spare,
        };
        this.#times = new Float64Array(16);
        this.#readyBuf = new Int32Array(16);
        this.#failedBuf = new Int32Array(16);
        this.#cancelledBuf = new Int32Array(16);
        this.#admittedBuf = new Int32Array(16);
      }
      this.#toRelease = new IdList();
      this.#spare = new IdList();
    }
    if (this.#fatal !== undefined && !errors.includes(this.#fatal)) errors.unshift(this.#fatal);
    if (errors.length !== 0) {
      throw new AggregateError(errors, `Cannot shut down engine '${this.uid}' cleanly`);
    }
  }
}
