/**
 * The workflow engine's public API: {@link WorkflowEngine} and the types of
 * its options and task functions. The machinery is in `_engine.ts`.
 *
 * @module
 */
import type { ExecutionBackend } from "./backend.ts";
import type { BlockFuture, TaskFuture } from "./future.ts";
import type { FlowListener } from "./events.ts";
import { type CallOptions, describeValue, type TaskOptions } from "./options.ts";
import { InlineBackend } from "./backends/inline.ts";
import { NoopBackend } from "./backends/noop.ts";
import { createCore } from "./core/mod.ts";
import { EventLog } from "./event_log.ts";
import { otelListener } from "./otel.ts";
import { Engine } from "./_engine.ts";
import { hex8 } from "./_task.ts";

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

/**
 * An argument that may also be given as a future or promise of its type, and
 * whose array elements and object fields may be too (at any depth).
 */
export type Awaitable<T> =
  | T
  | PromiseLike<T>
  | (T extends (...args: never[]) => unknown ? never
    : T extends object ? { [K in keyof T]: Awaitable<T[K]> }
    : never);

/** The parameters of a task function: each may be a future/promise of its type. */
export type TaskArgs<A extends readonly unknown[]> = { [K in keyof A]: Awaitable<A[K]> };

/**
 * A task function: call it to create a task; returns the future at once.
 * `.with(options)` gives one with call-time options merged over these.
 */
export interface TaskFunction<A extends readonly unknown[], R, F = TaskFuture<R>> {
  (...args: TaskArgs<A>): F;
  /** A task function with these options merged over the current ones. */
  with(options: CallOptions): TaskFunction<A, R, F>;
  /** The name tasks of this function get. */
  readonly taskName: string;
}

function checkBackend(b: unknown, i: number): ExecutionBackend {
  const o = b as Partial<ExecutionBackend> | null;
  if (
    typeof o !== "object" || o === null || typeof o.name !== "string" ||
    typeof o.submit !== "function" || typeof o.cancel !== "function" ||
    typeof o.shutdown !== "function" || typeof o.attach !== "function" ||
    typeof o.checkResources !== "function"
  ) {
    throw new TypeError(
      `Cannot create engine as 'backend[${i}]' must be an ExecutionBackend: received ${
        describeValue(b)
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
 * const square = flow.functionTask((x: number) => x * x);
 * const sum = flow.functionTask((a: number, b: number) => a + b);
 * assert((await sum(square(3), square(4))) === 25);
 * ```
 */
export class WorkflowEngine {
  readonly #e: Engine;

  private constructor(e: Engine) {
    this.#e = e;
  }

  /**
   * Create an engine and attach its backends.
   *
   * @param options see {@link EngineOptions}
   * @returns the engine
   * @throws {TypeError} for a bad option (wrong type, duplicate backend names)
   */
  static async create(options: EngineOptions = {}): Promise<WorkflowEngine> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create engine as 'options' must be an object: received ${describeValue(options)}`,
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
    ];
    for (const k of Object.keys(options)) {
      if (!known.includes(k)) {
        throw new TypeError(
          `Cannot create engine as 'options' has an unknown field: received ${JSON.stringify(k)}`,
        );
      }
    }
    const o = options;
    if (o.dryRun !== undefined && typeof o.dryRun !== "boolean") {
      throw new TypeError(
        `Cannot create engine as 'dryRun' must be a boolean: received ${describeValue(o.dryRun)}`,
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
          `Cannot create engine as two backends are named ${JSON.stringify(b.name)}: received ${
            backends.map((x) => x.name).join(", ")
          }`,
        );
      }
      names.add(b.name);
    }
    if (o.uid !== undefined && (typeof o.uid !== "string" || !/^[\w.-]+$/.test(o.uid))) {
      throw new TypeError(
        `Cannot create engine as 'uid' must be a non-empty string of letters, digits, '.', '_' or '-': received ${
          describeValue(o.uid)
        }`,
      );
    }
    if (o.workDir !== undefined && (typeof o.workDir !== "string" || o.workDir.length === 0)) {
      throw new TypeError(
        `Cannot create engine as 'workDir' must be a non-empty string: received ${
          describeValue(o.workDir)
        }`,
      );
    }
    if (o.core !== undefined && o.core !== "wasm" && o.core !== "ts") {
      throw new TypeError(
        `Cannot create engine as 'core' must be "wasm" or "ts": received ${describeValue(o.core)}`,
      );
    }
    const uid = o.uid ?? "flow." + hex8();
    const engine = new Engine(uid, backends, createCore(o.core ?? "wasm"), o.workDir);
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
    return this.#e.define("function", fn, options, "functionTask") as unknown as TaskFunction<
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
    return this.#e.define("executable", fn, options, "executableTask") as unknown as TaskFunction<
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
    return this.#e.define("block", fn, options, "block") as unknown as TaskFunction<
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
