/**
 * The engine's machinery (internal): the dependency graph on the scheduler
 * core, the flush loop, blocks, scopes, routing to backends, and events.
 * `WorkflowEngine` in engine.ts is its public face.
 *
 * How a task flows (see DESIGN.md):
 * 1. `taskFn(a, futB)` scans the arguments, adds the task to the core with
 *    the ids of its live dependencies, creates the future and emits
 *    `TaskCreated` — synchronously.
 * 2. A flush (one microtask per turn, or synchronously after a cancel) reads
 *    the core's outputs: ready ids are dispatched (one `submit` per backend
 *    per flush), failed/cancelled ids are settled.
 * 3. Backends report through the host; a completion tells the core, which
 *    releases dependents, and schedules a flush. Nothing polls.
 * 4. Final tasks are released from the core after the flush that read the
 *    outputs they caused, so core memory is bounded by live tasks.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { BackendHost, BackendTask, ExecutionBackend } from "./backend.ts";
import { type SchedulerCore, SLOT_BITS, type TaskId } from "./core/types.ts";
import { ArgScan, scanArgs, substituteArgs } from "./args.ts";
import { settleWaiters, TaskFuture } from "./future.ts";
import {
  BackendError,
  CancelledError,
  DependencyFailureError,
  type FailedDependency,
  TaskTimeoutError,
} from "./errors.ts";
import { type FlowEvent, type FlowEventType, type FlowListener, now } from "./events.ts";
import {
  type CallOptions,
  describeValue,
  type ResolvedOptions,
  resolveOptions,
} from "./options.ts";
import { findDataFiles, stageInputs } from "./data.ts";
import { join, resolvePath } from "./path.ts";
import {
  DISPATCHED,
  EMPTY,
  FILES,
  HAS_DEPS,
  hex8,
  isFinalState,
  NESTED,
  newTask,
  type Scope,
  type Task,
  type TaskDef,
} from "./_task.ts";
import type { TaskFunction } from "./engine.ts";

const SLOT_MASK = (1 << SLOT_BITS) - 1;

/** The engine's implementation; `WorkflowEngine` is its public face. */
export class Engine {
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
  #bySlot: (Task | undefined)[] = [];
  #closed = false;
  #shutdown: Promise<void> | undefined;
  #scheduled = false;
  #flushing = false;
  #toRelease: number[] = [];
  #releaseBuf = new Int32Array(1024);
  #readyBuf = new Int32Array(1024);
  #failedBuf = new Int32Array(1024);
  #cancelledBuf = new Int32Array(1024);
  #depIds: number[] = [];
  #one = new Int32Array(1);
  #scan = new ArgScan();
  /** Tasks prepared asynchronously (builders, staging) waiting to be submitted. */
  #dispatchQueue: Task[] = [];
  #batches = new Map<ExecutionBackend, BackendTask[]>();
  /** The batch #enqueue used last (most tasks of a turn go to one backend). */
  #lastBackend: ExecutionBackend | undefined;
  #lastBatch: BackendTask[] | undefined;
  #signalHandlers: [() => void, () => void] | undefined;
  #shutdownHooks: (() => Promise<void>)[] = [];
  // stats
  pending = 0;
  running = 0;
  done = 0;
  failed = 0;
  cancelled = 0;
  readonly host: BackendHost;
  readonly #flushFn = () => this.#flush();
  readonly #own = (f: TaskFuture) => (f as Task).def.engine === this;

  constructor(
    uid: string,
    backends: ExecutionBackend[],
    core: SchedulerCore,
    workDir: string | undefined,
  ) {
    this.uid = uid;
    this.#core = core;
    this.#workDirOption = workDir;
    this.backends = new Map();
    for (const b of backends) this.backends.set(b.name, b);
    this.defaultBackend = backends[0]!;
    this.host = {
      running: (t) => this.#onRunning(t as unknown as Task),
      done: (t, v) => this.#onDone(t as unknown as Task, v),
      failed: (t, e) => this.#onFailed(t as unknown as Task, e),
      cancelled: (t, r) => this.#onBackendCancelled(t as unknown as Task, r),
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

  // ---------------------------------------------------------------- events

  subscribe(listener: FlowListener): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(
        `Cannot subscribe as 'listener' must be a function: received ${describeValue(listener)}`,
      );
    }
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  #emit(type: FlowEventType, t: Task, error?: unknown, deps?: string[]): void {
    const ev: FlowEvent = { type, uid: t.uid, name: t.name, time: now() };
    if (t.wf !== undefined) ev.workflowId = t.wf;
    if (t.backendName !== undefined) ev.backend = t.backendName;
    if (error !== undefined) ev.error = error;
    if (deps !== undefined) ev.deps = deps;
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

  // ---------------------------------------------------------------- scopes

  #scope(): Scope | undefined {
    if (this.#activeScopes === 0) return undefined;
    const s = this.#als.getStore();
    return s !== undefined && s.active ? s : undefined;
  }

  workflowScope<T>(id: string | undefined, fn: (id: string) => Promise<T>): Promise<T> {
    if (id !== undefined && (typeof id !== "string" || id.length === 0)) {
      throw new TypeError(
        `Cannot open workflow scope as 'id' must be a non-empty string or undefined: received ${
          describeValue(id)
        }`,
      );
    }
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot open workflow scope as 'fn' must be a function: received ${describeValue(fn)}`,
      );
    }
    const wid = id ?? "wf-" + hex8();
    const scope: Scope = { id: wid, block: undefined, active: true };
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
    kind: "function" | "executable" | "block",
    fn: unknown,
    options: unknown,
    factory: string,
  ): TaskFunction<unknown[], unknown, F> {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot create task with ${factory}() as 'fn' must be a function: received ${
          describeValue(fn)
        }`,
      );
    }
    const action = `Cannot create task with ${factory}()`;
    const opts = resolveOptions(action, options, undefined, false);
    return this.#makeTaskFunction<F>(kind, fn as TaskDef["fn"], opts);
  }

  #makeTaskFunction<F extends TaskFuture>(
    kind: "function" | "executable" | "block",
    fn: TaskDef["fn"],
    opts: ResolvedOptions,
  ): TaskFunction<unknown[], unknown, F> {
    const def: TaskDef = {
      kind,
      fn,
      opts,
      name: opts.name ?? (fn.name || "task"),
      engine: this,
      backend: kind === "block"
        ? undefined
        : opts.backend === undefined
        ? this.defaultBackend
        : this.backends.get(opts.backend),
    };
    const call = (...args: unknown[]) => this.submit(def, args) as F;
    const tf = call as unknown as TaskFunction<unknown[], unknown, F>;
    Object.defineProperty(tf, "taskName", { value: def.name });
    Object.defineProperty(tf, "with", {
      value: (o: CallOptions) =>
        this.#makeTaskFunction<F>(
          kind,
          fn,
          resolveOptions(`Cannot set options of task '${def.name}'`, o, opts, true),
        ),
    });
    return tf;
  }

  // ---------------------------------------------------------------- submission

  submit(def: TaskDef, args: unknown[]): TaskFuture {
    if (this.#closed) throw new Error("Cannot submit task as the engine is shut down");
    const isBlock = def.kind === "block";
    const opts = def.opts;
    // keep no per-call array alive for calls without arguments (survivors cost GC time)
    const t = newTask(++this.#seq, def, args.length === 0 ? EMPTY : args);
    const scope = this.#scope();
    t.wf = opts.workflowId ?? scope?.id;
    const parent = scope?.block;
    if (parent !== undefined) {
      t.extra.parent = parent;
      (parent.extra.members ??= new Set()).add(t);
    }

    // routing and resources (blocks run in the engine)
    if (!isBlock) {
      const b = def.backend;
      if (b === undefined) {
        t.extra.pre = {
          state: "FAILED",
          error: new BackendError(
            opts.backend!,
            `Cannot run task '${t.name}' as no backend is named ${
              JSON.stringify(opts.backend)
            }: known backends are ${[...this.backends.keys()].join(", ")}`,
          ),
        };
      } else {
        const msg = def.fits ? undefined : b.checkResources(opts.resources);
        if (msg === undefined) def.fits = true;
        else {
          t.extra.pre = {
            state: "FAILED",
            error: new RangeError(`Cannot run task '${t.name}' on backend '${b.name}': ${msg}`),
          };
        }
      }
    }

    // dependencies
    const s = this.#scan;
    scanArgs(args, s, this.#own);
    const deps = this.#depIds;
    deps.length = 0;
    let failedDeps: FailedDependency[] | undefined;
    let firstFailure: unknown;
    let cancelledBy: Task | undefined;
    if (s.futures.length !== 0) {
      const seen = s.futures.length > 8 ? new Set<number>() : undefined;
      for (const df of s.futures) {
        const d = df as Task;
        switch (d.st) {
          case "DONE":
            break;
          case "FAILED":
            (failedDeps ??= []).push({ uid: d.uid, name: d.name });
            if (firstFailure === undefined) firstFailure = d.out;
            break;
          case "CANCELLED":
            cancelledBy ??= d;
            break;
          default:
            if (seen === undefined ? !deps.includes(d.id) : !seen.has(d.id)) {
              deps.push(d.id);
              seen?.add(d.id);
            }
        }
      }
      if (s.files) t.extra.depFutures = s.futures.slice();
    }
    if (s.nested) t.flags |= NESTED;
    if (s.files) t.flags |= FILES;
    if (s.futures.length !== 0 || s.thenables.length !== 0) t.flags |= HAS_DEPS;
    if (t.x?.pre === undefined) {
      if (failedDeps !== undefined) {
        t.extra.pre = {
          state: "FAILED",
          error: new DependencyFailureError(t.name, failedDeps, firstFailure),
        };
      } else if (cancelledBy !== undefined) {
        t.extra.pre = {
          state: "CANCELLED",
          error: new CancelledError(
            `dependency '${cancelledBy.name}' (${cancelledBy.uid}) was cancelled`,
            t.uid,
          ),
        };
      }
    }
    if (t.x?.pre !== undefined) deps.length = 0; // ready at once, failed when it turns ready
    else if (s.thenables.length !== 0) deps.push(this.#gate(t, s.thenables));

    t.id = this.#core.add(deps);
    this.#bySlot[t.id & SLOT_MASK] = t;
    this.pending++;
    if (this.#listeners.length !== 0) {
      this.#emit(
        "TaskCreated",
        t,
        undefined,
        s.futures.length ? s.futures.map((f) => f.uid) : undefined,
      );
    }
    if (parent !== undefined && isFinalState(parent.st)) {
      // a member created in a block that is already over: cancel it with the block
      this._cancel(t, parent.out ?? "block is over", false);
    }
    this.#schedule();
    return t;
  }

  /** A core entry that completes when all foreign thenables resolve. */
  #gate(t: Task, scanned: PromiseLike<unknown>[]): number {
    const thenables = scanned.slice(); // the scan's array is reused by the next call
    const first = thenables[0];
    const gdef: TaskDef = {
      kind: "gate",
      engine: this,
      backend: undefined,
      fn: t.fn,
      opts: t.def.opts,
      name: first instanceof TaskFuture ? first.name : "promise",
      uid: first instanceof TaskFuture ? first.uid : "promise",
    };
    const g = newTask(0, gdef, EMPTY);
    g.id = this.#core.add([]);
    this.#bySlot[g.id & SLOT_MASK] = g;
    Promise.all(thenables).then(
      (vals) => {
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < thenables.length; i++) m.set(thenables[i], vals[i]);
        t.extra.values = m;
        this.#finishGate(g, "DONE", undefined);
      },
      (e) => this.#finishGate(g, e instanceof CancelledError ? "CANCELLED" : "FAILED", e),
    );
    return g.id;
  }

  #finishGate(g: Task, state: "DONE" | "FAILED" | "CANCELLED", error: unknown): void {
    if (isFinalState(g.st)) return;
    g.st = state;
    g.out = error;
    this.#coreFinal(g, state === "DONE" ? 3 : state === "FAILED" ? 4 : 5);
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#scheduled && !this.#flushing) {
      this.#scheduled = true;
      queueMicrotask(this.#flushFn);
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
        const releasable = this.#toRelease;
        if (nr + nf + nc === 0 && this.#dispatchQueue.length === 0) {
          this.#release(releasable);
          if (core.readyCount() + core.failedCount() + core.cancelledCount() === 0) break;
          continue;
        }
        this.#toRelease = [];
        // copy the outputs out of core memory: handling them calls the core again
        if (this.#readyBuf.length < nr) this.#readyBuf = new Int32Array(nr * 2);
        if (this.#failedBuf.length < nf) this.#failedBuf = new Int32Array(nf * 2);
        if (this.#cancelledBuf.length < nc) this.#cancelledBuf = new Int32Array(nc * 2);
        const rb = this.#readyBuf, fb = this.#failedBuf, cb = this.#cancelledBuf;
        if (nr) rb.set(core.ready().subarray(0, nr));
        if (nf) fb.set(core.failed().subarray(0, nf));
        if (nc) cb.set(core.cancelled().subarray(0, nc));
        core.clearOutputs();
        const bySlot = this.#bySlot;
        for (let i = 0; i < nf; i += 2) {
          const t = bySlot[fb[i]! & SLOT_MASK]!;
          const cid = fb[i + 1]!;
          const c0 = bySlot[cid & SLOT_MASK];
          const c = c0?.id === cid ? c0 : undefined;
          this.#toRelease.push(t.id);
          if (t.kind === "gate" || isFinalState(t.st)) continue;
          const cause = c?.out;
          const fd: FailedDependency[] = c === undefined || c.kind === "gate"
            ? [{ uid: c?.uid ?? "unknown", name: c?.name ?? "unknown" }]
            : [{ uid: c.uid, name: c.name }];
          this.#finalize(t, "FAILED", new DependencyFailureError(t.name, fd, cause));
        }
        for (let i = 0; i < nc; i += 2) {
          const t = bySlot[cb[i]! & SLOT_MASK]!;
          const cid = cb[i + 1]!;
          this.#toRelease.push(t.id);
          if (t.kind === "gate" || isFinalState(t.st)) continue;
          const c0 = cid >= 0 ? bySlot[cid & SLOT_MASK] : undefined;
          const c = c0?.id === cid ? c0 : undefined;
          const why = c === undefined
            ? "cancelled"
            : c.kind === "gate"
            ? `dependency ${c.uid} was cancelled`
            : `dependency '${c.name}' (${c.uid}) was cancelled`;
          this.#finalize(t, "CANCELLED", new CancelledError(why, t.uid));
        }
        for (let i = 0; i < nr; i++) {
          const t = bySlot[rb[i]! & SLOT_MASK]!;
          if (t.kind !== "gate") this.#onReady(t);
        }
        const q = this.#dispatchQueue;
        if (q.length !== 0) {
          this.#dispatchQueue = [];
          for (const t of q) if (t.st === "PENDING" && !(t.flags & DISPATCHED)) this.#enqueue(t);
        }
        this.#submitBatches();
        this.#release(releasable);
      }
    } finally {
      this.#flushing = false;
    }
  }

  #release(ids: number[]): void {
    const n = ids.length;
    if (n === 0) return;
    if (this.#releaseBuf.length < n) this.#releaseBuf = new Int32Array(n * 2);
    const buf = this.#releaseBuf;
    const bySlot = this.#bySlot;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      buf[i] = id;
      const slot = id & SLOT_MASK;
      if (bySlot[slot]?.id === id) bySlot[slot] = undefined;
    }
    ids.length = 0;
    this.#core.release(n, buf);
  }

  #onReady(t: Task): void {
    if (t.st !== "PENDING") return;
    if (this.#listeners.length !== 0) this.#emit("TaskReady", t);
    const pre = t.x?.pre;
    if (pre !== undefined) {
      this.#finalize(t, pre.state, pre.error);
      this.#coreFinal(t, pre.state === "FAILED" ? 4 : 5);
      return;
    }
    if (t.kind === "block") {
      this.#runBlock(t);
      return;
    }
    t.args = this.#resolveArgs(t);
    if (t.def.kind === "executable" || (t.flags & FILES)) {
      this.#prepare(t);
      return;
    }
    this.#enqueue(t);
  }

  /** The arguments with futures and thenables replaced by their values. */
  #resolveArgs(t: Task): readonly unknown[] {
    if (!(t.flags & HAS_DEPS)) return t.args;
    const values = t.x?.values;
    const out = substituteArgs(t.args, (t.flags & NESTED) !== 0, values);
    if (values !== undefined) t.x!.values = undefined;
    t.flags &= ~HAS_DEPS;
    return out;
  }

  #enqueue(t: Task): void {
    t.flags |= DISPATCHED;
    const b = t.backend!;
    let batch = b === this.#lastBackend ? this.#lastBatch : this.#batches.get(b);
    if (batch === undefined) {
      batch = [];
      this.#batches.set(b, batch);
    }
    this.#lastBackend = b;
    this.#lastBatch = batch;
    batch.push(t as unknown as BackendTask);
    if (this.#listeners.length !== 0) this.#emit("TaskSubmitted", t);
  }

  #submitBatches(): void {
    if (this.#batches.size === 0) return;
    this.#lastBackend = this.#lastBatch = undefined;
    // one submit per backend; a backend may report synchronously from submit
    for (const [b, batch] of this.#batches) {
      this.#batches.delete(b);
      try {
        b.submit(batch);
      } catch (e) {
        for (const t of batch) {
          this.#onFailed(
            t as unknown as Task,
            new BackendError(b.name, `Backend '${b.name}' threw from submit()`, { cause: e }),
          );
        }
      }
    }
  }

  /** Executable builders and data staging: async work before dispatch. */
  #prepare(t: Task): void {
    (async () => {
      const x = t.extra;
      if (t.flags & FILES) {
        const sandbox = join(this.workDir, this.uid, t.uid);
        x.sandbox = sandbox;
        const { inputs, outputs } = findDataFiles(t.args);
        x.outputs = outputs.map((o) => o.filename);
        const producers = new Map<string, string>();
        for (const df of x.depFutures ?? []) {
          const dx = (df as Task).x;
          if (dx?.sandbox === undefined || dx.outputs === undefined) continue;
          for (const name of dx.outputs) producers.set(name, join(dx.sandbox, name));
        }
        await stageInputs(sandbox, inputs, producers);
      }
      if (t.kind === "executable") {
        const cmd = await (t.def.fn as (...a: unknown[]) => unknown)(...t.args);
        if (
          !((typeof cmd === "string" && cmd.trim().length !== 0) ||
            (Array.isArray(cmd) && cmd.length !== 0 && cmd.every((x) => typeof x === "string") &&
              (cmd[0] as string).length !== 0))
        ) {
          throw new TypeError(
            `Cannot run executable task '${t.name}' as its builder must return a non-empty string or a non-empty array of strings: received ${
              describeValue(cmd)
            }`,
          );
        }
        x.command = cmd as string | string[];
        x.cwd = x.sandbox ?? t.def.opts.cwd;
        if (t.def.opts.captureStdio) {
          const base = join(this.workDir, this.uid, t.uid);
          x.stdoutPath = base + ".stdout";
          x.stderrPath = base + ".stderr";
        }
      }
    })().then(
      () => {
        if (t.st !== "PENDING") return;
        this.#dispatchQueue.push(t);
        this.#schedule();
      },
      (e) => {
        if (t.st !== "PENDING") return;
        this.#finalize(t, "FAILED", e);
        this.#coreFinal(t, 4);
        this.#schedule();
      },
    );
  }

  #runBlock(t: Task): void {
    this.#onRunning(t);
    const scope: Scope = { id: t.uid, block: t, active: true };
    const args = this.#resolveArgs(t);
    this.#runInScope(scope, () => (t.def.fn as (...a: unknown[]) => unknown)(...args)).then(
      (v) => this.#onDone(t, v),
      (e) => this.#onFailed(t, e),
    );
  }

  // ---------------------------------------------------------------- reports

  #onRunning(t: Task): void {
    if (t.st !== "PENDING") return;
    t.st = "RUNNING";
    this.pending--;
    this.running++;
    if (t.timeout !== undefined) {
      const ms = t.timeout;
      t.extra.timer = setTimeout(() => {
        t.x!.timer = undefined;
        if (t.st !== "RUNNING") return;
        this.#stopOnBackend(t, "timeout");
        const members = t.x?.members;
        if (members !== undefined) {
          for (const m of [...members]) this._cancel(m, "block timed out", false);
        }
        this.#fail(t, new TaskTimeoutError(ms, t.name));
      }, ms);
    }
    if (this.#listeners.length !== 0) this.#emit("TaskStarted", t);
  }

  #onDone(t: Task, v: unknown): void {
    if (isFinalState(t.st)) return;
    this.#finalize(t, "DONE", v);
    this.#coreFinal(t, 3);
    this.#schedule();
  }

  #onFailed(t: Task, e: unknown): void {
    if (isFinalState(t.st)) return;
    this.#fail(t, e);
  }

  /** Fail a task that ran (or was dispatched); retries when it has attempts left. */
  #fail(t: Task, e: unknown): void {
    if (t.attempt < t.def.opts.retries && t.kind !== "block" && !this.#closed) {
      t.extra.attempt = t.attempt + 1;
      if (t.x?.timer !== undefined) {
        clearTimeout(t.x.timer);
        t.x.timer = undefined;
      }
      if (t.st === "RUNNING") {
        this.running--;
        this.pending++;
      }
      t.st = "PENDING";
      t.flags &= ~DISPATCHED;
      this.#dispatchQueue.push(t);
      this.#schedule();
      return;
    }
    this.#finalize(t, "FAILED", e);
    this.#coreFinal(t, 4);
    this.#schedule();
  }

  #onBackendCancelled(t: Task, reason: unknown): void {
    if (isFinalState(t.st)) return;
    this.#finalize(t, "CANCELLED", new CancelledError(reason, t.uid));
    this.#coreFinal(t, 5);
    this.#schedule();
  }

  /** Tell the core a READY task ended; its slot is released after the next output read. */
  #coreFinal(t: Task, outcome: 3 | 4 | 5): void {
    this.#core.completeOne(t.id as TaskId, outcome);
    this.#toRelease.push(t.id);
  }

  #stopOnBackend(t: Task, reason: unknown): void {
    if (!(t.flags & DISPATCHED) || t.backend === undefined) return;
    try {
      t.backend.cancel(t as unknown as BackendTask, reason);
    } catch {
      // a backend never throws into the engine; ignore one that does
    }
  }

  // ---------------------------------------------------------------- cancel and finalize

  _cancel(t: Task, reason: unknown, flushNow: boolean): boolean {
    if (isFinalState(t.st) || t.kind === "gate") return false;
    const members = t.x?.members;
    if (members !== undefined) {
      for (const m of [...members]) this._cancel(m, reason, false);
    }
    const dispatched = (t.flags & DISPATCHED) !== 0;
    const inCore = t.st === "RUNNING" || dispatched;
    if (dispatched) this.#stopOnBackend(t, reason);
    this.#finalize(t, "CANCELLED", new CancelledError(reason, t.uid));
    if (inCore) this.#coreFinal(t, 5);
    else {
      // still WAITING or READY in the core: cancel() reports it (and its dependents) as outputs
      this.#one[0] = t.id;
      this.#core.cancel(1, this.#one);
    }
    if (flushNow && !this.#flushing) this.#flush();
    else this.#schedule();
    return true;
  }

  #finalize(t: Task, state: "DONE" | "FAILED" | "CANCELLED", v: unknown): void {
    const was = t.st;
    if (was === "RUNNING") this.running--;
    else this.pending--;
    t.st = state;
    if (state === "DONE") {
      this.done++;
    } else {
      if (state === "FAILED") this.failed++;
      else this.cancelled++;
    }
    t.out = v;
    const x = t.x;
    if (x !== undefined) {
      if (x.timer !== undefined) {
        clearTimeout(x.timer);
        x.timer = undefined;
      }
      x.values = undefined;
    }
    const parent = x?.parent;
    if (parent !== undefined) parent.x?.members?.delete(t);
    // drop what the task no longer needs
    t.args = EMPTY;
    if (this.#listeners.length !== 0) {
      this.#emit(
        state === "DONE" ? "TaskCompleted" : state === "FAILED" ? "TaskFailed" : "TaskCancelled",
        t,
        state === "DONE" ? undefined : v,
      );
    }
    const w = t.waiters;
    if (w !== undefined) {
      t.waiters = undefined;
      settleWaiters(w, state === "DONE", v);
    }
  }

  // ---------------------------------------------------------------- shutdown

  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#doShutdown();
  }

  async #doShutdown(): Promise<void> {
    this.#closed = true;
    if (this.#signalHandlers !== undefined) {
      try {
        Deno.removeSignalListener("SIGINT", this.#signalHandlers[0]);
        Deno.removeSignalListener("SIGTERM", this.#signalHandlers[1]);
      } catch {
        // already gone
      }
    }
    // cancel blocks first (their members go with them), then everything else
    const live = this.#bySlot.filter((t): t is Task => t !== undefined && !isFinalState(t.st));
    for (const t of live) {
      if (t.kind === "block" && t.parent === undefined) {
        this._cancel(t, "engine shut down", false);
      }
    }
    for (const t of live) {
      if (t.kind === "gate") continue;
      this._cancel(t, "engine shut down", false);
    }
    if (!this.#flushing) this.#flush();
    const errors: unknown[] = [];
    await Promise.all(
      [...this.backends.values()].map((b) => b.shutdown().catch((e) => errors.push(e))),
    );
    // after the backends: the last events (cancels) are still delivered to hooks
    for (const hook of this.#shutdownHooks) await hook().catch((e) => errors.push(e));
    if (errors.length !== 0) {
      throw new AggregateError(errors, `Cannot shut down engine '${this.uid}' cleanly`);
    }
  }
}
