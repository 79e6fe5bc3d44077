/**
 * NoopBackend: no task body runs; every task completes with "Dummy Output".
 *
 * @module
 */
import {
  type AttachContext,
  type BackendHost,
  type BackendTask,
  type ExecutionBackend,
  type ResolvedResources,
  type TaskKind,
  unsupportedKind,
} from "../backend.ts";
import { TASK_KINDS } from "../types.ts";
import { attachOnce, backendName } from "./_options.ts";

/** Options of {@link NoopBackend}. */
export interface NoopBackendOptions {
  /** The name tasks are routed by. @default {"noop"} */
  name?: string;
}

/** What a function or executable task gives on a {@link NoopBackend}. */
export const DUMMY_OUTPUT = "Dummy Output";
/** What a prompt task gives on a {@link NoopBackend}. */
export const DUMMY_PROMPT_OUTPUT = "Dummy Prompt Output";

/**
 * Completes every task at once with `"Dummy Output"` (prompt tasks:
 * `"Dummy Prompt Output"`), reporting RUNNING first. What `dryRun: true` uses: the graph, routing and events are real,
 * nothing runs.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { WorkflowEngine } from "../../mod.ts";
 * await using flow = await WorkflowEngine.create({ dryRun: true });
 * assertEquals(flow.backend.name, "noop");
 * const t = flow.functionTask(() => 42);
 * const out: unknown = await t(); // typed number, but nothing ran
 * assertEquals(out, "Dummy Output");
 * ```
 */
export class NoopBackend implements ExecutionBackend {
  /** The backend's name. */
  readonly name: string;
  /** Every kind: nothing runs. */
  readonly kinds: readonly TaskKind[] = TASK_KINDS;
  #host: BackendHost | undefined;

  /**
   * Creates the backend.
   *
   * @param options see {@link NoopBackendOptions}
   * @throws {TypeError} when `options` is not an object, has an unknown
   * field, or `name` is not a non-empty string
   */
  constructor(options: NoopBackendOptions = {}) {
    this.name = backendName("NoopBackend", options, [], "noop");
  }

  /** Nothing runs, so any request fits. */
  checkResources(_resources: ResolvedResources): string | undefined {
    return undefined;
  }

  /** Bind to the engine. */
  attach(context: AttachContext): void {
    this.#host = attachOnce(this.name, this.#host, context);
  }

  /** Complete every task at once. */
  submit(tasks: readonly BackendTask[]): void {
    const host = this.#host!;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      switch (t.kind) {
        case "function":
        case "executable":
          host.running(t);
          host.done(t, DUMMY_OUTPUT);
          break;
        case "prompt":
          host.running(t);
          host.done(t, DUMMY_PROMPT_OUTPUT);
          break;
        default:
          host.failed(t, unsupportedKind(this.name, t));
      }
    }
  }

  /** Nothing to stop. */
  cancel(_task: BackendTask, _reason: unknown): void {}

  /** Nothing to stop. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
