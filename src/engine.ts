/**
 * The workflow engine's public API: {@link WorkflowEngine} and the types of
 * its options and task functions. The machinery is in `_engine.ts`.
 *
 * @module
 */
import type { ExecutionBackend } from "./backend.ts";
import type { BlockFuture } from "./future.ts";
import type { FlowListener } from "./events.ts";
import type { TaskOptions } from "./options.ts";
import { InlineBackend } from "./backends/inline.ts";
import { NoopBackend } from "./backends/noop.ts";
import { createCore } from "./core/mod.ts";
import { EventLog } from "./event_log.ts";
import { otelListener } from "./otel.ts";
import {
  checkDashboardOptions,
  type Dashboard,
  ENGINE_DASHBOARD_OPTIONS,
  openDashboard,
} from "./dashboard.ts";
import { Engine } from "./_engine.ts";
import {
  blockKind,
  type ChatMessage,
  executableKind,
  functionKind,
  promptKind,
} from "./kinds/mod.ts";
import type { TaskFunction } from "./task_function.ts";
import type { Summary } from "./summary.ts";
import { asCompleted, type MapOptions, mapTasks, type SettledFuture } from "./stream.ts";
import type { TaskFuture } from "./future.ts";
import { hex8, received } from "./_text.ts";
import { assertNotLoadingTaskModule } from "./remote/_loading.ts";

export type { Awaitable, TaskArgs, TaskFunction } from "./task_function.ts";

/** Options of {@link WorkflowEngine.create}. */
export interface EngineOptions {
  /** One backend or several; the first is the default. @default {new InlineBackend()} */
  backend?: ExecutionBackend | ExecutionBackend[];
  /** With no `backend`: use a `NoopBackend` (no task body runs). @default {false} */
  dryRun?: boolean;
  /** Engine id. @default {"flow." + 8 hex chars} */
  uid?: string;
  /** Root for task sandboxes and captured output. @default {Deno.cwd()} */
  workDir?: string;
  /** Which scheduler core tracks readiness. @default {"wasm"} */
  core?: "wasm" | "ts";
  /** Shut down on SIGINT/SIGTERM (then exit 130/143). @default {false} */
  installSignalHandlers?: boolean;
  /**
   * Write every {@link FlowEvent} as one JSON line to this file (created or
   * truncated); `deno task timeline <file> <out.html>` draws it.
   */
  eventLog?: string | URL;
  /**
   * Named limits tasks take a unit of (`TaskOptions.limit`): `concurrency`
   * counts tasks from start to final state; `rate` admits at most `count`
   * starts per `perMs` window. A task waiting for a limit stays PENDING.
   */
  limits?: Record<string, LimitSpec>;
  /**
   * A SQLite file (`node:sqlite`, created if missing) that records every
   * task's outcome: a task whose key has a `DONE` record completes from it
   * without running (`future.cached`), so a script run again after a crash
   * re-runs only what had not finished. See the README, "Resume after a
   * crash". Several engines may share one journal.
   */
  journal?: string | URL;
}

/** One named limit (see {@link EngineOptions.limits}). */
export interface LimitSpec {
  /** At most this many tasks of the limit between start and final state. */
  concurrency?: number;
  /** At most `count` starts in any window of `perMs` milliseconds. */
  rate?: { count: number; perMs: number };
}

/** Task counts by state. */
export interface EngineStats {
  /** Created and not started (waiting for dependencies, queued, or preparing). */
  pending: number;
  /** Started on a backend (or block bodies running). */
  running: number;
  /** Finished with a value. */
  done: number;
  /** Failed (their own error or a dependency's). */
  failed: number;
  /** Cancelled. */
  cancelled: number;
}

/** Validates `EngineOptions.limits`. */
function checkLimits(limits: unknown): Map<string, LimitSpec> {
  const out = new Map<string, LimitSpec>();
  if (limits === undefined) return out;
  const action = "Cannot create engine as";
  if (typeof limits !== "object" || limits === null || Array.isArray(limits)) {
    throw new TypeError(
      `${action} 'limits' must be an object of named limits: ${received(limits)}`,
    );
  }
  for (const [name, spec] of Object.entries(limits)) {
    const at = `'limits.${name}'`;
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
      throw new TypeError(`${action} ${at} must be an object: ${received(spec)}`);
    }
    for (const k of Object.keys(spec)) {
      if (k !== "concurrency" && k !== "rate") {
        throw new TypeError(
          `${action} ${at} has an unknown field (known: concurrency, rate): ${received(k)}`,
        );
      }
    }
    const { concurrency, rate } = spec as { concurrency?: unknown; rate?: unknown };
    if (concurrency === undefined && rate === undefined) {
      throw new TypeError(`${action} ${at} must set 'concurrency' or 'rate': ${received(spec)}`);
    }
    const checked: LimitSpec = {};
    if (concurrency !== undefined) {
      if (
        typeof concurrency !== "number" || !Number.isSafeInteger(concurrency) || concurrency < 1
      ) {
        const E = typeof concurrency === "number" ? RangeError : TypeError;
        throw new E(
          `${action} '${name}.concurrency' must be a positive integer: ${received(concurrency)}`,
        );
      }
      checked.concurrency = concurrency;
    }
    if (rate !== undefined) {
      if (typeof rate !== "object" || rate === null || Array.isArray(rate)) {
        throw new TypeError(`${action} '${name}.rate' must be { count, perMs }: ${received(rate)}`);
      }
      for (const k of Object.keys(rate)) {
        if (k !== "count" && k !== "perMs") {
          throw new TypeError(
            `${action} '${name}.rate' has an unknown field (known: count, perMs): ${received(k)}`,
          );
        }
      }
      const { count, perMs } = rate as { count?: unknown; perMs?: unknown };
      if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 1) {
        const E = typeof count === "number" ? RangeError : TypeError;
        throw new E(
          `${action} '${name}.rate.count' must be a positive integer: ${received(count)}`,
        );
      }
      if (typeof perMs !== "number" || !(perMs > 0) || !Number.isFinite(perMs)) {
        const E = typeof perMs === "number" ? RangeError : TypeError;
        throw new E(
          `${action} '${name}.rate.perMs' must be a positive number of ms: ${received(perMs)}`,
        );
      }
      checked.rate = { count, perMs };
    }
    out.set(name, checked);
  }
  return out;
}

function checkBackend(b: unknown, i: number): ExecutionBackend {
  const o = b as Partial<ExecutionBackend> | null;
  if (
    typeof o !== "object" || o === null || typeof o.name !== "string" ||
    typeof o.submit !== "function" || typeof o.cancel !== "function" ||
    typeof o.shutdown !== "function" || typeof o.attach !== "function" ||
    (o.checkResources !== undefined && typeof o.checkResources !== "function") ||
    (o.kinds !== undefined && !Array.isArray(o.kinds))
  ) {
    throw new TypeError(
      `Cannot create engine as 'backend[${i}]' must be an ExecutionBackend (name, attach, submit, cancel, shutdown): ${
        received(b)
      }`,
    );
  }
  return o as ExecutionBackend;
}

/**
 * The workflow engine. Create it with {@link WorkflowEngine.create}.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { WorkflowEngine } from "../mod.ts";
 * await using flow = await WorkflowEngine.create();
 * const square = flow.functionTask((x: number) => x * x, { name: "square" });
 * const sum = flow.functionTask((a: number, b: number) => a + b, { name: "sum" });
 * assert((await sum(square(3), square(4))) === 25);
 * ```
 */
export class WorkflowEngine {
  readonly #e: Engine;
  #dashboard: Promise<Dashboard> | undefined;

  private constructor(e: Engine) {
    this.#e = e;
  }

  /**
   * Create an engine and attach its backends.
   *
   * @param options see {@link EngineOptions}
   * @returns the engine
   * @throws {TypeError} for a bad option (wrong type, duplicate backend names)
   * @throws {Error} when called from the top level of a module that a worker,
   * subprocess or Slurm agent is importing to load a task function (a script
   * without an `if (import.meta.main)` guard)
   */
  static async create(options: EngineOptions = {}): Promise<WorkflowEngine> {
    // first, synchronously: a script's top level that a worker, subprocess or
    // agent is importing for its task functions must not start engines there
    assertNotLoadingTaskModule("create engine");
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create engine as 'options' must be an object: ${received(options)}`,
      );
    }
    const known = [
      "backend",
      "dryRun",
      "uid",
      "workDir",
      "core",
      "installSignalHandlers",
      "eventLog",
      "limits",
      "journal",
    ];
    for (const k of Object.keys(options)) {
      if (!known.includes(k)) {
        throw new TypeError(
          `Cannot create engine as 'options' has an unknown field: ${received(k)}`,
        );
      }
    }
    const o = options;
    if (o.dryRun !== undefined && typeof o.dryRun !== "boolean") {
      throw new TypeError(
        `Cannot create engine as 'dryRun' must be a boolean: ${received(o.dryRun)}`,
      );
    }
    if (o.installSignalHandlers !== undefined && typeof o.installSignalHandlers !== "boolean") {
      throw new TypeError(
        `Cannot create engine as 'installSignalHandlers' must be a boolean: ${
          received(o.installSignalHandlers)
        }`,
      );
    }
    let backends: ExecutionBackend[];
    if (o.backend === undefined) {
      backends = [o.dryRun ? new NoopBackend() : new InlineBackend()];
    } else {
      const list = Array.isArray(o.backend) ? o.backend : [o.backend];
      if (list.length === 0) {
        throw new TypeError(
          "Cannot create engine as 'backend' must not be an empty array: received []",
        );
      }
      backends = list.map(checkBackend);
    }
    const names = new Set<string>();
    for (const b of backends) {
      if (names.has(b.name)) {
        throw new TypeError(
          `Cannot create engine as two backends are named ${JSON.stringify(b.name)}: ${
            received(backends.map((x) => x.name))
          }`,
        );
      }
      names.add(b.name);
    }
    if (
      o.uid !== undefined &&
      (typeof o.uid !== "string" || !/^[\w.-]{1,200}$/.test(o.uid) || /^\.+$/.test(o.uid))
    ) {
      // the uid names a directory under workDir: "." or ".." would put files outside it
      throw new TypeError(
        `Cannot create engine as 'uid' must be 1 to 200 letters, digits, '.', '_' or '-', and not only dots: ${
          received(o.uid)
        }`,
      );
    }
    if (o.workDir !== undefined && (typeof o.workDir !== "string" || o.workDir.length === 0)) {
      throw new TypeError(
        `Cannot create engine as 'workDir' must be a non-empty string: ${received(o.workDir)}`,
      );
    }
    if (o.core !== undefined && o.core !== "wasm" && o.core !== "ts") {
      throw new TypeError(
        `Cannot create engine as 'core' must be "wasm" or "ts": ${received(o.core)}`,
      );
    }
    const limits = checkLimits(o.limits);
    if (
      o.journal !== undefined && !(o.journal instanceof URL) &&
      (typeof o.journal !== "string" || o.journal.length === 0)
    ) {
      throw new TypeError(
        `Cannot create engine as 'journal' must be a non-empty path or a file: URL: ${
          received(o.journal)
        }`,
      );
    }
    const uid = o.uid ?? "flow." + hex8();
    const engine = new Engine(uid, backends, createCore(o.core ?? "wasm"), o.workDir, limits);
    // the journal first: a path that cannot be used fails create() before anything starts
    if (o.journal !== undefined) engine.useJournal(o.journal);
    const attached: ExecutionBackend[] = [];
    try {
      for (const b of backends) {
        await b.attach({
          engineUid: uid,
          get workDir() {
            return engine.workDir;
          },
          host: engine.host,
        });
        attached.push(b);
      }
    } catch (e) {
      await Promise.allSettled(attached.map((b) => b.shutdown()));
      await engine.closeJournal().catch(() => {});
      throw e;
    }
    try {
      if (o.eventLog !== undefined) {
        const log = await EventLog.open(o.eventLog);
        engine.subscribe(log.listener);
        engine.onShutdown(() => log.close());
      }
      const otel = await otelListener();
      if (otel !== undefined) engine.subscribe(otel);
    } catch (e) {
      await engine.shutdown();
      throw e;
    }
    const flow = new WorkflowEngine(engine);
    if (o.installSignalHandlers) engine.installSignals(() => flow.shutdown());
    return flow;
  }

  /** The engine's uid. */
  get uid(): string {
    return this.#e.uid;
  }

  /** The registered backends by name. */
  get backends(): ReadonlyMap<string, ExecutionBackend> {
    return this.#e.backends;
  }

  /** The default backend (the first one). */
  get backend(): ExecutionBackend {
    return this.#e.defaultBackend;
  }

  /** The engine's work directory (absolute). */
  get workDir(): string {
    return this.#e.workDir;
  }

  /**
   * Define a function task.
   *
   * @param fn the body (sync or async); its return value is the result
   * @param options see {@link TaskOptions}
   * @returns a task function; each call creates a task and returns its future
   * @throws {TypeError} when `fn` is not a function or an option is malformed
   */
  functionTask<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    options?: TaskOptions,
  ): TaskFunction<A, Awaited<R>> {
    return this.#e.define(functionKind, fn, options, "functionTask") as unknown as TaskFunction<
      A,
      Awaited<R>
    >;
  }

  /**
   * Define an executable task. `fn` runs after the dependencies resolve and
   * returns the command: a string (run by `/bin/sh -c`) or an argv array.
   *
   * @param fn the command builder (sync or async)
   * @param options see {@link TaskOptions}
   * @returns a task function whose result is the command's stdout (or its path)
   * @throws {TypeError} when `fn` is not a function or an option is malformed
   */
  executableTask<A extends unknown[]>(
    fn: (...args: A) => string | string[] | PromiseLike<string | string[]>,
    options?: TaskOptions,
  ): TaskFunction<A, string> {
    return this.#e.define(executableKind, fn, options, "executableTask") as unknown as TaskFunction<
      A,
      string
    >;
  }

  /**
   * Define a prompt task (an AI task): `builder` runs after the dependencies
   * resolve, with their values, and returns the user message (a non-empty
   * string) or a non-empty list of chat messages; an inference backend
   * (`OpenAIBackend`; `NoopBackend` answers `"Dummy Prompt Output"`) sends
   * it. The `prompt` option sets the model, a system message, the
   * temperature and `maxTokens`.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { WorkflowEngine } from "../mod.ts";
   * await using flow = await WorkflowEngine.create({ dryRun: true });
   * const summarise = flow.promptTask((text: string) => `Summarise: ${text}`, {
   *   name: "summarise",
   *   prompt: { system: "Be brief.", maxTokens: 64 },
   * });
   * assertEquals(await summarise("a long text"), "Dummy Prompt Output");
   * ```
   *
   * @param builder the message builder (sync or async)
   * @param options see {@link TaskOptions}
   * @returns a task function whose result is the model's answer
   * @throws {TypeError} when `builder` is not a function or an option is malformed
   */
  promptTask<A extends unknown[]>(
    builder: (...args: A) => string | ChatMessage[] | PromiseLike<string | ChatMessage[]>,
    options?: TaskOptions,
  ): TaskFunction<A, string> {
    return this.#e.define(promptKind, builder, options, "promptTask") as unknown as TaskFunction<
      A,
      string
    >;
  }

  /**
   * Define a block: a composite workflow whose body runs in the engine once its
   * dependencies resolve; tasks created while it runs are its members.
   *
   * @param fn the body
   * @param options see {@link TaskOptions}
   * @returns a task function returning {@link BlockFuture}s
   * @throws {TypeError} when `fn` is not a function or an option is malformed
   */
  block<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    options?: TaskOptions,
  ): TaskFunction<A, Awaited<R>, BlockFuture<Awaited<R>>> {
    return this.#e.define(blockKind, fn, options, "block") as unknown as TaskFunction<
      A,
      Awaited<R>,
      BlockFuture<Awaited<R>>
    >;
  }

  /**
   * Run `fn` in a workflow scope: every task and block it creates (across
   * awaits) carries `workflowId === id`.
   *
   * @param id the workflow id; `"wf-" + 8 hex` when undefined
   * @param fn the workflow; receives the id
   * @returns what `fn` returns
   * @throws {TypeError} for a bad id or fn
   */
  workflowScope<T>(id: string | undefined, fn: (id: string) => Promise<T>): Promise<T> {
    return this.#e.workflowScope(id, fn);
  }

  /**
   * Listen to every state change.
   *
   * @param listener called synchronously, in order
   * @returns a function that unsubscribes
   */
  subscribe(listener: FlowListener): () => void {
    return this.#e.subscribe(listener);
  }

  /**
   * A custom event: subscribers, the event log, OpenTelemetry (as a span
   * event) and the dashboard receive `{ type, time, workflowId?, attrs }`
   * (the workflow id of the scope it is emitted in; inside a block body, the
   * block's uid).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { WorkflowEngine, type FlowEvent } from "../mod.ts";
   * await using flow = await WorkflowEngine.create();
   * const seen: FlowEvent[] = [];
   * flow.subscribe((e) => seen.push(e));
   * flow.emit("myapp.Checkpoint", { step: 3 });
   * assertEquals(seen[0]?.attrs, { step: 3 });
   * ```
   *
   * @param type a dotted name, e.g. `"myapp.Checkpoint"`
   * @param attrs a structured-cloneable object (copied)
   * @throws {TypeError} when `type` has no dot or `attrs` is not a cloneable object
   */
  emit(type: `${string}.${string}`, attrs: Record<string, unknown> = {}): void {
    this.#e.emitCustom(type, attrs);
  }

  /**
   * What the run has done so far: counts by state (and cached), wall time,
   * throughput, and per task name the counts and percentiles of run and wait
   * times (see `src/summary.ts` for the precision rules).
   *
   * @returns the summary
   */
  summary(): Summary {
    return this.#e.summary();
  }

  /**
   * Each future once it is final, in completion order. What it yields is
   * the future itself (typed {@link SettledFuture}: TypeScript would type a
   * thenable in `for await` as its value).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { WorkflowEngine } from "../mod.ts";
   * await using flow = await WorkflowEngine.create();
   * const wait = flow.functionTask(
   *   (ms: number) => new Promise<number>((r) => setTimeout(() => r(ms), ms)),
   *   { name: "wait" },
   * );
   * const order: number[] = [];
   * for await (const f of flow.asCompleted([wait(30), wait(10), wait(20)])) order.push(f.result!);
   * assertEquals(order, [10, 20, 30]);
   * ```
   *
   * @param futures task futures
   * @returns them, as they become final
   * @throws {TypeError} when `futures` is not an iterable of task futures
   */
  asCompleted<F extends TaskFuture>(futures: Iterable<F>): AsyncIterable<SettledFuture<F>> {
    return asCompleted(futures);
  }

  /**
   * Calls `taskFn(input)` for each input of an Iterable or AsyncIterable,
   * pulling lazily so that at most `maxLive` of these tasks are in flight,
   * and yields each future once it is final, in completion order (failed and
   * cancelled ones too). Leaving the loop early cancels the tasks it started
   * that are not final and pulls no more input.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { WorkflowEngine } from "../mod.ts";
   * await using flow = await WorkflowEngine.create();
   * const square = flow.functionTask((x: number) => x * x, { name: "square" });
   * async function* numbers() {
   *   for (let i = 1; i <= 100; i++) yield i;
   * }
   * let sum = 0;
   * for await (const f of flow.map(square, numbers(), { maxLive: 10 })) sum += f.result!;
   * assertEquals(sum, 338350);
   * ```
   *
   * @param taskFn a task function of this engine
   * @param inputs the inputs
   * @param options `maxLive` (default 1000)
   * @returns the futures, in completion order
   * @throws {TypeError} when `taskFn` is not a function, `inputs` is not
   * iterable or `maxLive` is not a positive integer
   */
  map<I, F extends TaskFuture>(
    taskFn: (input: I) => F,
    inputs: Iterable<I> | AsyncIterable<I>,
    options?: MapOptions,
  ): AsyncIterable<SettledFuture<F>> {
    return mapTasks(taskFn, inputs, options);
  }

  /**
   * Serve a live page of this engine: a Gantt timeline that grows while
   * tasks run, counts by state, throughput, per-backend running and waiting
   * tasks, failures with their errors, custom events. It updates by itself
   * (Server-Sent Events); `<url>events` streams every {@link FlowEvent} as
   * JSON, a late client getting the events so far (or a `DashboardSnapshot`
   * message) first. The page is self-contained: nothing is fetched from
   * another host. It shows the events from the first call on (call it before
   * the work starts), keeps bounded memory however many tasks run, and
   * closes at shutdown. One dashboard per engine: later calls return the
   * same handle.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { WorkflowEngine } from "../mod.ts";
   * await using flow = await WorkflowEngine.create();
   * const { url } = await flow.dashboard();
   * await flow.functionTask((x: number) => x * 2, { name: "double" })(21);
   * const state = await (await fetch(`${url}state`)).json();
   * assertEquals(state.counts.done, 1);
   * ```
   *
   * @param options `port` (0 picks a free one) and `hostname` (default `"127.0.0.1"`)
   * @returns the page's `url` (ending with `/`) and `close()`
   * @throws {TypeError} for a bad option
   * @throws {RangeError} for a port out of range
   * @throws {Error} when the engine is shut down (and had no dashboard)
   */
  dashboard(options: { port?: number; hostname?: string } = {}): Promise<Dashboard> {
    const o = checkDashboardOptions(options, ENGINE_DASHBOARD_OPTIONS);
    if (this.#dashboard !== undefined) return this.#dashboard;
    const e = this.#e;
    if (e.closed) throw new Error("Cannot start dashboard as the engine is shut down");
    let d: Dashboard;
    try {
      d = openDashboard({ title: e.uid, subscribe: (l) => e.subscribe(l) }, o);
    } catch (err) {
      // not remembered: a later call may try another port
      return Promise.reject(err);
    }
    e.onShutdown(() => d.close());
    return this.#dashboard = Promise.resolve(d);
  }

  /** Task counts by state. */
  stats(): EngineStats {
    const e = this.#e;
    return {
      pending: e.pending,
      running: e.running,
      done: e.done,
      failed: e.failed,
      cancelled: e.cancelled,
    };
  }

  /**
   * Cancel every task and block that is not final, shut every backend down.
   * Idempotent and safe to call concurrently.
   */
  shutdown(): Promise<void> {
    return this.#e.shutdown();
  }

  /** Calls {@link WorkflowEngine.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
