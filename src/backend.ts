/**
 * The execution-backend interface: what the engine hands a backend and how a
 * backend reports back. One file per implementation under `backends/`.
 *
 * Contract:
 * - The engine calls {@link ExecutionBackend.attach} once, from
 *   `WorkflowEngine.create`, and awaits it. A backend belongs to one engine.
 * - The engine calls {@link ExecutionBackend.submit} with batches of ready
 *   tasks (one call per backend per turn). Arguments are already resolved
 *   (futures replaced by values); executable commands are already built.
 * - The backend reports through the {@link BackendHost}: `running` when a task
 *   really starts (not when it is queued), then exactly one of `done`,
 *   `failed`, `cancelled`. Reports for a task the engine already finalised
 *   (cancelled, timed out) are ignored by the engine, so a backend never needs
 *   to guard against that race.
 * - A backend never throws into the engine from `submit` or `cancel`: it
 *   reports `failed` with a {@link BackendError} instead.
 * - {@link ExecutionBackend.cancel} asks the backend to stop a task it was
 *   given (queued or running). The engine has already settled the future; the
 *   backend only has to make sure the work stops (kill the process, terminate
 *   the worker, scancel the step) and release its slot.
 * - Timeouts are owned by the engine: it starts the clock at `running`, and on
 *   expiry calls `cancel(task, "timeout")` and fails the task.
 * - {@link ExecutionBackend.shutdown} stops everything the backend started.
 *   Idempotent.
 *
 * @module
 */

/** What one run of a task needs. */
export interface Resources {
  /** Processes (MPI ranks). @default {1} */
  ranks?: number;
  /** Cores per rank. @default {1} */
  coresPerRank?: number;
  /** GPUs per rank. @default {0} */
  gpusPerRank?: number;
  /** Memory in MB for the whole run. @default {0} (unspecified) */
  memoryMB?: number;
}

/** Resources with every field filled in. */
export type ResolvedResources = Required<Resources>;

/** Fields shared by every task a backend receives. */
export interface BackendTaskBase {
  /** `"task.NNNNNN"`, unique within the engine. */
  readonly uid: string;
  /** The task's name. */
  readonly name: string;
  /** What one run needs (defaults filled in). */
  readonly resources: ResolvedResources;
  /** Attempt number, 0 for the first run (retries count up). */
  readonly attempt: number;
  /** The task's timeout in ms, if any (the engine enforces it). */
  readonly timeout: number | undefined;
  /** The engine's uid (for file names, job names). */
  readonly engineUid: string;
}

/** A function task: call `fn(...args)`. */
export interface FunctionTask extends BackendTaskBase {
  /** Discriminates {@link BackendTask}. */
  readonly kind: "function";
  /** The function to call. */
  readonly fn: (...args: never[]) => unknown;
  /** Resolved arguments. */
  readonly args: readonly unknown[];
  /** Module URL that exports `fn` under `fn.name` (for out-of-process backends). */
  readonly module: string | undefined;
}

/** An executable task: run `command`. */
export interface ExecutableTask extends BackendTaskBase {
  /** Discriminates {@link BackendTask}. */
  readonly kind: "executable";
  /** A string runs through `/bin/sh -c`; an array is argv, run without a shell. */
  readonly command: string | readonly string[];
  /** Extra environment variables. */
  readonly env: Readonly<Record<string, string>> | undefined;
  /** Working directory (a sandbox, the `cwd` option, or undefined = inherit). */
  readonly cwd: string | undefined;
  /** When set, stdout goes to this file and the result is this path. */
  readonly stdoutPath: string | undefined;
  /** When set (with `stdoutPath`), stderr goes to this file. */
  readonly stderrPath: string | undefined;
}

/** What a backend receives. */
export type BackendTask = FunctionTask | ExecutableTask;

/** How a backend reports. Pass back the same task object it was given. */
export interface BackendHost {
  /** The task started running. */
  running(task: BackendTask): void;
  /** The task finished with `value`. */
  done(task: BackendTask, value: unknown): void;
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
   * Whether a run with these resources could ever be satisfied. Returns
   * `undefined` when it can, else a message saying what is too large and what
   * the backend has (the engine fails the task with a `RangeError` carrying
   * it). Called before attach is not required to work.
   */
  checkResources(resources: ResolvedResources): string | undefined;
  /** Bind to an engine; called once from `WorkflowEngine.create`. */
  attach(context: AttachContext): void | Promise<void>;
  /** Start these ready tasks. Never throws; failures are reported. */
  submit(tasks: readonly BackendTask[]): void;
  /** Stop a task given earlier (queued or running). Never throws. */
  cancel(task: BackendTask, reason: unknown): void;
  /** Stop everything; idempotent. */
  shutdown(): Promise<void>;
}
