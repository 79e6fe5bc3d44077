/**
 * The error classes a caller is expected to catch. `name` equals the class name.
 *
 * Every message that embeds user data (a reason, a command, stderr, a
 * backend's report) is capped at about a thousand characters, so an error
 * about a 10 MB command is not 10 MB; `ExecutableError.command` keeps the
 * whole command.
 *
 * @module
 */
import { capTail, capText, MAX_SHOWN, messageOf } from "./_text.ts";

/** A failed dependency, as named in {@link DependencyFailureError}. */
export interface FailedDependency {
  /** The uid of the dependency that failed. */
  uid: string;
  /** Its name. */
  name: string;
}

/**
 * A task did not run because a dependency failed.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DependencyFailureError } from "./errors.ts";
 * const root = new Error("boom");
 * const direct = new DependencyFailureError("b", [{ uid: "task.000001", name: "a" }], root);
 * const e = new DependencyFailureError("c", [{ uid: "task.000002", name: "b" }], direct);
 * assertEquals(e.message, "Cannot execute 'c' due to dependency failure");
 * assertEquals([e.cause, e.rootCause], [direct, root]); // the root cause is found upstream
 * ```
 */
export class DependencyFailureError extends Error {
  /** The dependencies that had failed when this task was failed. */
  readonly failedDependencies: FailedDependency[];
  /** The first original error upstream; never itself a DependencyFailureError. */
  readonly rootCause: unknown;

  /**
   * Creates the error for a task that did not run.
   *
   * @param taskName the name of the task that could not run
   * @param failedDependencies the dependencies that failed
   * @param cause the direct dependency's error
   * @param rootCause the original error; derived from `cause` when omitted
   */
  constructor(
    taskName: string,
    failedDependencies: FailedDependency[],
    cause: unknown,
    rootCause?: unknown,
  ) {
    super(`Cannot execute '${taskName}' due to dependency failure`, { cause });
    this.name = "DependencyFailureError";
    this.failedDependencies = failedDependencies;
    this.rootCause = rootCause ??
      (cause instanceof DependencyFailureError ? cause.rootCause : cause);
  }
}

/** A future was cancelled; `reason` is what `cancel(reason)` was given. */
export class CancelledError extends Error {
  /** The reason given to `cancel()`, if any. */
  readonly reason: unknown;
  /**
   * Creates the error a cancelled future rejects with.
   *
   * @param reason why the task was cancelled
   * @param what the uid or name of what was cancelled
   */
  constructor(reason?: unknown, what?: string) {
    // any value is a valid reason, even one that cannot become a string
    const why = reason === undefined ? "" : `: ${capText(messageOf(reason))}`;
    super(`${what ? `'${what}' was cancelled` : "Cancelled"}${why}`);
    this.name = "CancelledError";
    this.reason = reason;
  }
}

/**
 * Most characters of a command's stdout and stderr an {@link ExecutableError}
 * keeps (the end of each: where a failing program says why).
 */
export const MAX_OUTPUT = 16384;

/** Options of {@link ExecutableError}. */
export interface ExecutableErrorInit {
  /** The exit code, or null when killed by a signal. */
  exitCode: number | null;
  /** The signal that killed it, or null. */
  signal: string | null;
  /** What it wrote on stdout. */
  stdout: string;
  /** What it wrote on stderr. */
  stderr: string;
  /** The command as given (string for the shell, or argv). */
  command: string | string[];
}

/** An executable exited with a non-zero code or was killed by a signal. */
export class ExecutableError extends Error {
  /** The exit code, or null when killed by a signal. */
  readonly exitCode: number | null;
  /** The signal that killed it, or null. */
  readonly signal: string | null;
  /** Its stdout (the last {@link MAX_OUTPUT} characters). */
  readonly stdout: string;
  /** Its stderr (the last {@link MAX_OUTPUT} characters). */
  readonly stderr: string;
  /** The command. */
  readonly command: string | string[];
  /**
   * Creates the error from what the process did; the message names the
   * command, the exit code or signal, and the last lines of stderr.
   *
   * @param init what happened
   */
  constructor(init: ExecutableErrorInit) {
    // the message stays about a thousand characters: half command, half stderr
    const cmd = capText(
      typeof init.command === "string" ? init.command : JSON.stringify(init.command),
      MAX_SHOWN / 2,
    );
    const how = init.signal !== null
      ? `was killed by ${init.signal}`
      : `exited with code ${init.exitCode}`;
    const tail = capTail(init.stderr.trim().split("\n").slice(-3).join("\n"), MAX_SHOWN / 2);
    super(`Command ${cmd} ${how}${tail ? `: ${tail}` : ""}`);
    this.name = "ExecutableError";
    this.exitCode = init.exitCode;
    this.signal = init.signal;
    this.stdout = capTail(init.stdout, MAX_OUTPUT);
    this.stderr = capTail(init.stderr, MAX_OUTPUT);
    this.command = init.command;
  }
}

/** A run took longer than its `timeout`. */
export class TaskTimeoutError extends Error {
  /** The timeout in milliseconds. */
  readonly timeout: number;
  /**
   * Creates the error for a run that exceeded its timeout.
   *
   * @param timeout the timeout in ms
   * @param what the task's name or uid
   */
  constructor(timeout: number, what?: string) {
    super(`${what ? `Task '${what}'` : "Task"} timed out after ${timeout} ms`);
    this.name = "TaskTimeoutError";
    this.timeout = timeout;
  }
}

/** The infrastructure failed a task (unknown backend, crashed worker, launcher failure). */
export class BackendError extends Error {
  /** The name of the backend. */
  readonly backend: string;
  /** The HTTP status of the answer that failed the task (network backends), if any. */
  readonly status?: number;
  /** The start of that answer's body (a few KB at most), if any. */
  readonly body?: string;
  /**
   * Creates the error for a task the infrastructure failed.
   *
   * @param backend the backend's name
   * @param message what went wrong (capped at about a thousand characters)
   * @param options the underlying cause; `status` and `body` of an HTTP answer
   */
  constructor(backend: string, message: string, options?: BackendErrorOptions) {
    super(capText(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BackendError";
    this.backend = backend;
    if (options?.status !== undefined) this.status = options.status;
    if (options?.body !== undefined) this.body = capText(options.body, MAX_BODY);
  }
}

/** Most characters of an HTTP body a {@link BackendError} keeps in `body`. */
export const MAX_BODY = 4096;

/** Options of {@link BackendError}. */
export interface BackendErrorOptions {
  /** The underlying cause. */
  cause?: unknown;
  /** The HTTP status of the answer that failed the task. */
  status?: number;
  /** The start of its body. */
  body?: string;
}
