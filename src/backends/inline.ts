/**
 * InlineBackend: function tasks on the engine's own event loop; executables
 * as local processes in their own process groups.
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
import { callInContext, type ContextSource } from "../context.ts";
import { LocalProcesses } from "../exec.ts";
import { attachOnce, backendName, positiveInt } from "./_options.ts";

/** Options of {@link InlineBackend}. */
export interface InlineBackendOptions {
  /** The name tasks are routed by. @default {"inline"} */
  name?: string;
  /**
   * At most this many executables run at once; the others wait `PENDING`
   * (higher priority first).
   * @default {defaultMaxProcesses(): min(max(64, 8 × CPUs), ⌊(ulimit -n − 128) / 8⌋, 1024)}
   */
  maxProcesses?: number;
}

/**
 * Runs function tasks on the engine's event loop (a synchronous body runs to
 * completion at once; an async one interleaves with everything else) and
 * executables as local processes. A cancel or timeout of a running function
 * task settles its future at once but cannot stop JavaScript that is already
 * running; a running executable's whole process tree is killed.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { InlineBackend, WorkflowEngine } from "../../mod.ts";
 * await using flow = await WorkflowEngine.create({ backend: new InlineBackend() });
 * const twice = flow.functionTask((s: string) => s + s);
 * const echo = flow.executableTask((s: string) => ["echo", s]); // needs --allow-run
 * assertEquals(await echo(twice("hi")), "hihi\n");
 * ```
 */
export class InlineBackend implements ExecutionBackend {
  /** The backend's name. */
  readonly name: string;
  /** Function tasks and executables. */
  readonly kinds: readonly TaskKind[] = ["function", "executable"];
  #host: BackendHost | undefined;
  #processes: LocalProcesses;
  /** Abort controllers of running function tasks whose body asked for its signal. */
  readonly #aborts = new Map<ContextSource, AbortController>();
  readonly #signalOf = (task: ContextSource): AbortSignal => {
    let c = this.#aborts.get(task);
    if (c === undefined) this.#aborts.set(task, c = new AbortController());
    return c.signal;
  };

  /**
   * Creates the backend; it starts nothing until tasks arrive.
   *
   * @param options see {@link InlineBackendOptions}
   * @throws {TypeError} when `options` is not an object, has an unknown
   * field, `name` is not a non-empty string, or `maxProcesses` is not a number
   * @throws {RangeError} when `maxProcesses` is not a positive integer
   */
  constructor(options: InlineBackendOptions = {}) {
    this.name = backendName("InlineBackend", options, ["maxProcesses"], "inline");
    const max = options?.maxProcesses;
    this.#processes = new LocalProcesses(
      this.name,
      max === undefined
        ? {}
        : { maxProcesses: positiveInt("InlineBackend", "maxProcesses", max, 1) },
    );
  }

  /** Function tasks run in this process: any resources request is accepted. */
  checkResources(_resources: ResolvedResources): string | undefined {
    return undefined;
  }

  /** Bind to the engine. */
  attach(context: AttachContext): void {
    this.#host = attachOnce(this.name, this.#host, context);
  }

  /** Start ready tasks. */
  submit(tasks: readonly BackendTask[]): void {
    const host = this.#host!;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      switch (t.kind) {
        case "function":
          this.#call(t, host);
          break;
        case "executable":
          this.#processes.submit(t, host);
          break;
        case "prompt":
          host.failed(t, refuseKind(this.name, t));
          break;
        default:
          host.failed(t, unsupportedKind(this.name, t));
      }
    }
  }

  /** Calls a function task; whatever it does, only its own task is affected. */
  #call(t: FunctionTask, host: BackendHost): void {
    host.running(t);
    let r: unknown;
    try {
      r = callInContext(t, this.#signalOf, t.fn as (...a: unknown[]) => unknown, t.args);
    } catch (e) {
      this.#end(t);
      host.failed(t, e);
      return;
    }
    if (r === null || (typeof r !== "object" && typeof r !== "function")) {
      this.#end(t);
      host.done(t, r);
      return;
    }
    // a result that is a thenable is awaited; its `then` (or a getter for it) may throw
    let then: unknown;
    try {
      then = (r as { then?: unknown }).then;
      if (typeof then === "function") {
        (then as PromiseLike<unknown>["then"]).call(
          r,
          (v) => {
            this.#end(t);
            host.done(t, v);
          },
          (e) => {
            this.#end(t);
            host.failed(t, e);
          },
        );
        return;
      }
    } catch (e) {
      this.#end(t);
      host.failed(t, e);
      return;
    }
    this.#end(t);
    host.done(t, r);
  }

  /** The body is over: forget its abort controller. */
  #end(t: FunctionTask): void {
    if (this.#aborts.size !== 0) this.#aborts.delete(t);
  }

  /**
   * Stop a task: kills an executable's process tree; aborts a function
   * task's signal (`taskContext().signal`), which is all a body that is
   * JavaScript on this event loop can be told.
   */
  cancel(task: BackendTask, reason: unknown): void {
    if (task.kind === "executable") this.#processes.cancel(task);
    else if (task.kind === "function") {
      // a body that asks for its signal later must still see the abort
      this.#signalOf(task);
      this.#aborts.get(task)!.abort(reason);
    }
  }

  /** Kill every running process tree; abort every function task's signal. */
  async shutdown(): Promise<void> {
    for (const c of this.#aborts.values()) c.abort(new Error("the backend shut down"));
    this.#aborts.clear();
    await this.#processes.shutdown();
  }
}
