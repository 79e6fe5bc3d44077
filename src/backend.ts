/**
 * The execution-backend interface: what the engine hands a backend and how a
 * backend reports back. One file per implementation under `backends/`.
 *
 * Contract:
 * - The engine calls {@link ExecutionBackend.attach} once, from
 *   `WorkflowEngine.create`, and awaits it. A backend belongs to one engine.
 * - The engine calls {@link ExecutionBackend.submit} with batches of ready
 *   tasks (one call per backend per turn). Arguments are already resolved
 *   (futures replaced by values); each kind's preparation is done (an
 *   executable's command is built and checked). Tasks a backend queues
 *   start in priority order (higher first, then `seq`).
 * - A backend handles the kinds it knows and fails any other with a
 *   {@link BackendError} ({@link unsupportedKind}): a `switch` over
 *   `task.kind` whose `default` passes the task to `unsupportedKind` does not
 *   compile until every kind of {@link BackendTask} is handled. `kinds`
 *   tells the engine which kinds to route to it at all.
 * - The backend reports through the {@link BackendHost}: `running` when a task
 *   really starts (not when it is queued), then exactly one of `done`,
 *   `failed`, `cancelled`. Reports for a task the engine already finalised
 *   (cancelled, timed out) are ignored by the engine, so a backend never needs
 *   to guard against that race.
 * - A backend never throws into the engine from `submit` or `cancel`: it
 *   reports `failed` with a {@link BackendError} instead. (If one does throw,
 *   the engine fails only the tasks of that batch that had not started.)
 * - {@link ExecutionBackend.cancel} asks the backend to stop a task it was
 *   given (queued or running). The engine has already settled the future; the
 *   backend only has to make sure the work stops (kill the process, terminate
 *   the worker, scancel the step) and release its slot.
 * - Timeouts are owned by the engine: it starts the clock at `running`, and on
 *   expiry calls `cancel(task, error)` with the `TaskTimeoutError` and fails
 *   the task. A cancel passes the `CancelledError` the future rejects with.
 *   A backend that runs function bodies aborts the task's
 *   `taskContext().signal` with that reason.
 * - {@link ExecutionBackend.shutdown} stops everything the backend started.
 *   Idempotent.
 *
 * @module
 */
import { BackendError } from "./errors.ts";
import type { ResolvedResources, TaskKind } from "./types.ts";
import type { FunctionTask } from "./kinds/function.ts";
import type { ExecutableTask } from "./kinds/executable.ts";
import type { PromptTask } from "./kinds/prompt.ts";

export type { BackendTaskBase, ResolvedResources, Resources, TaskKind } from "./types.ts";
export type { FunctionTask } from "./kinds/function.ts";
export type { ExecutableTask } from "./kinds/executable.ts";
export type { ChatMessage, PromptOptions, PromptTask } from "./kinds/prompt.ts";

/** What a backend receives: one shape per task kind, discriminated by `kind`. */
export type BackendTask = FunctionTask | ExecutableTask | PromptTask;

/** Extra facts a backend may report with a result. */
export interface CompletionInfo {
  /** Tokens a prompt used, when the server said. */
  usage?: { promptTokens: number; completionTokens: number };
}

/** How a backend reports. Pass back the same task object it was given. */
export interface BackendHost {
  /** The task started running. */
  running(task: BackendTask): void;
  /** The task finished with `value`. */
  done(task: BackendTask, value: unknown, info?: CompletionInfo): void;
  /** The task failed with `error`. */
  failed(task: BackendTask, error: unknown): void;
  /** The task was cancelled by the backend itself (e.g. lost allocation). */
  cancelled(task: BackendTask, reason?: unknown): void;
}

/** What the engine tells a backend when it attaches. */
export interface AttachContext {
  /** The engine's uid. */
  readonly engineUid: string;
  /** The engine's work directory (absolute). */
  readonly workDir: string;
  /** Where to report. */
  readonly host: BackendHost;
}

/** An execution backend. */
export interface ExecutionBackend {
  /** The name tasks are routed by. */
  readonly name: string;
  /**
   * The task kinds this backend runs. A task of another kind routed to it
   * fails with a `BackendError` naming the backends that can run it.
   * @default {["function", "executable"]}
   */
  readonly kinds?: readonly TaskKind[];
  /**
   * Whether a run with these resources could ever be satisfied. Returns
   * `undefined` when it can, else a message saying what is too large and what
   * the backend has (the engine fails the task with a `RangeError` carrying
   * it). Absent: every request fits.
   */
  checkResources?(resources: ResolvedResources): string | undefined;
  /** Bind to an engine; called once from `WorkflowEngine.create`. */
  attach(context: AttachContext): void | Promise<void>;
  /** Start these ready tasks. Never throws; failures are reported. */
  submit(tasks: readonly BackendTask[]): void;
  /** Stop a task given earlier (queued or running). Never throws. */
  cancel(task: BackendTask, reason: unknown): void;
  /** Stop everything; idempotent. */
  shutdown(): Promise<void>;
}

/** The kinds a backend runs (its `kinds`, else function and executable). */
export function kindsOf(backend: ExecutionBackend): readonly TaskKind[] {
  return backend.kinds ?? DEFAULT_KINDS;
}
const DEFAULT_KINDS: readonly TaskKind[] = Object.freeze(["function", "executable"]);

/**
 * The error for a task of a kind a backend does not run (list such kinds as
 * their own `case` in the backend's switch over `task.kind`).
 *
 * @param backend the backend's name
 * @param task the task
 * @returns the error to fail the task with
 */
export function refuseKind(
  backend: string,
  task: { readonly kind: string; readonly name: string },
): BackendError {
  return new BackendError(
    backend,
    `Cannot run ${task.kind} task '${task.name}' as backend '${backend}' does not run ${task.kind} tasks`,
  );
}

/**
 * The `default` branch of a backend's switch over `task.kind`: its parameter
 * is `never`, so the switch does not compile while a kind of
 * {@link BackendTask} is left unhandled (a kind added later cannot be
 * mishandled silently); at run time (a backend compiled against fewer kinds)
 * it makes the same error as {@link refuseKind}.
 *
 * @param backend the backend's name
 * @param task the task (typed `never` when every kind is handled)
 * @returns the error to fail the task with
 */
export function unsupportedKind(backend: string, task: never): BackendError {
  const t = task as { kind?: unknown; name?: unknown };
  return refuseKind(backend, {
    kind: typeof t.kind === "string" ? t.kind : String(typeof t.kind),
    name: typeof t.name === "string" ? t.name : "task",
  });
}

/**
 * Orders tasks as backends queue them: higher `priority` first, then lower
 * `seq` (creation order).
 */
export function byPriority(a: BackendTask, b: BackendTask): number {
  return (b.priority ?? 0) - (a.priority ?? 0) || (a.seq ?? 0) - (b.seq ?? 0);
}
