/**
 * Local processes for executable tasks, shared by the backends that run
 * executables on this machine (inline, workers).
 *
 * ## Process groups
 *
 * Every command starts in its own session, hence its own process group whose
 * id is the child's pid. `Deno.Command` is started on util-linux's
 * `/usr/bin/setsid`, which calls `setsid()` and execs the command in the same
 * process (it forks only when it already leads a group, which a freshly
 * spawned child never does). Where `setsid` is missing (or `--allow-run` does
 * not cover it), `Deno.Command`'s `detached: true` does the same; it is not the
 * default because a `pre_exec` hook makes Rust fork the whole Deno process
 * instead of using `posix_spawn`, which measured 2-3x slower per process here
 * and grows with the heap. When setsid cannot exec an argv command (exit 126 /
 * 127 with its own message on stderr), the task fails with `BackendError`, as
 * a spawn failure does with `detached`. A cancel or shutdown signals the whole group with
 * `Deno.kill(-pid, …)`, so a shell's children and grandchildren stop with it:
 *
 * ```
 *  cancel ──► SIGTERM + SIGCONT to the group ──► leader exits, pipes close
 *                │                                    │
 *                │                          group empty? ──yes──► finished
 *                │                                    │ no
 *                └──────── after `killGraceMs` ──► SIGKILL to the group ──► finished
 * ```
 *
 * Linux keeps a process-group id from being reused while any member of the
 * group is alive (zombies included), so signalling `-pid` after the leader was
 * reaped reaches only that group's processes. After the group is empty the id
 * could in principle be reused; the grace timer is cleared as soon as the group
 * is seen empty to keep that window closed in the common case.
 *
 * No polling: completion is driven by the child's status promise and the end
 * of its stdout/stderr pipes; the only timer is the SIGKILL grace timer after
 * a cancel.
 *
 * @module
 */

import { dirname } from "node:path";
import type { BackendHost, ExecutableTask } from "./backend.ts";
import { BackendError, ExecutableError } from "./errors.ts";

/** Options of {@link LocalProcesses}. */
export interface LocalProcessesOptions {
  /**
   * Milliseconds between SIGTERM and SIGKILL when a process tree is stopped.
   * @default {2000}
   */
  killGraceMs?: number;
  /**
   * How a process gets its own session: `"setsid"` starts it on
   * `/usr/bin/setsid`, `"detached"` uses `Deno.Command`'s `detached` option.
   * @default {"setsid" when /usr/bin/setsid exists, else "detached"}
   */
  launcher?: "setsid" | "detached";
}

/** One process (tree) this runner started. */
interface Run {
  readonly task: ExecutableTask;
  /** The session/group leader, once spawned. */
  child: Deno.ChildProcess | undefined;
  /** The leader has exited (its status resolved). */
  exited: boolean;
  /** The leader has exited and its stdout/stderr are closed. */
  drained: boolean;
  /** A cancel was asked; no report is made afterwards. */
  cancelled: boolean;
  /** Stops copying stdout/stderr (a killed tree may leave a pipe open). */
  readonly stdio: AbortController;
  /** The SIGKILL grace timer, while it is armed. */
  killTimer: ReturnType<typeof setTimeout> | undefined;
  /** Resolves once the SIGKILL was sent or the group was found empty. */
  killed: PromiseWithResolvers<void> | undefined;
  /** Resolves when the process is gone and every resource is released. */
  finished: Promise<void>;
}

const DEFAULT_KILL_GRACE_MS = 2000;
const SETSID = "/usr/bin/setsid";

/**
 * Runs {@link ExecutableTask}s as local processes, each in its own process
 * group, and reports to a {@link BackendHost}.
 *
 * A string command runs through `/bin/sh -c` (quoting intact); an array is
 * argv, run without a shell. `env` is merged over the current environment.
 * The result is stdout as a string or, when `stdoutPath` is set, that path
 * (stdout and stderr are written to `stdoutPath` / `stderrPath`, parent
 * directories created). An exit code other than 0 or a signal fails the task
 * with {@link ExecutableError}; a command that cannot be started fails it
 * with {@link BackendError}.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { LocalProcesses } from "./exec.ts";
 * import type { BackendHost, BackendTask, ExecutableTask } from "./backend.ts";
 *
 * const { promise, resolve, reject } = Promise.withResolvers<unknown>();
 * const host: BackendHost = {
 *   running() {},
 *   done: (_t: BackendTask, value: unknown) => resolve(value),
 *   failed: (_t: BackendTask, error: unknown) => reject(error),
 *   cancelled: (_t: BackendTask, reason?: unknown) => reject(reason),
 * };
 * const task: ExecutableTask = {
 *   kind: "executable", uid: "task.000001", name: "hello", attempt: 0,
 *   timeout: undefined, engineUid: "flow.0", command: "echo hello",
 *   resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
 *   env: undefined, cwd: undefined, stdoutPath: undefined, stderrPath: undefined,
 * };
 * const processes = new LocalProcesses("inline");
 * processes.submit(task, host);
 * assert(await promise === "hello\n");
 * await processes.shutdown();
 * ```
 */
export class LocalProcesses {
  readonly #backendName: string;
  readonly #killGraceMs: number;
  readonly #runs = new Map<ExecutableTask, Run>();
  /** Start through /usr/bin/setsid (decided at the first spawn). */
  #useSetsid: boolean | undefined;
  #closed = false;

  /**
   * @param backendName the name used in {@link BackendError}s
   * @param options tuning
   * @throws {RangeError} when `killGraceMs` is not a non-negative finite number
   * @throws {TypeError} when `launcher` is not one of its values
   */
  constructor(backendName: string, options: LocalProcessesOptions = {}) {
    const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    if (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0) {
      throw new RangeError(
        `Cannot create LocalProcesses as 'killGraceMs' must be a non-negative number: received ${
          String(grace)
        }`,
      );
    }
    const launcher = options.launcher;
    if (launcher !== undefined && launcher !== "setsid" && launcher !== "detached") {
      throw new TypeError(
        `Cannot create LocalProcesses as 'launcher' must be "setsid" or "detached": received ${
          JSON.stringify(launcher)
        }`,
      );
    }
    this.#backendName = backendName;
    this.#killGraceMs = grace;
    if (launcher !== undefined) this.#useSetsid = launcher === "setsid";
  }

  /** How many processes are started and not yet finished. */
  get size(): number {
    return this.#runs.size;
  }

  /**
   * Starts `task`'s command. Reports `running` once the process is spawned,
   * then exactly one of `done` / `failed` (nothing after a {@link cancel}).
   * Never throws.
   *
   * @param task the executable task
   * @param host where to report
   */
  submit(task: ExecutableTask, host: BackendHost): void {
    if (this.#closed) {
      host.failed(
        task,
        new BackendError(
          this.#backendName,
          `Cannot start task '${task.name}' as the backend is shut down`,
        ),
      );
      return;
    }
    const run: Run = {
      task,
      child: undefined,
      exited: false,
      drained: false,
      cancelled: false,
      stdio: new AbortController(),
      killTimer: undefined,
      killed: undefined,
      finished: Promise.resolve(),
    };
    this.#runs.set(task, run);
    // #execute runs synchronously up to its first await: without output
    // files, the process is spawned before submit returns.
    run.finished = this.#execute(run, host).finally(() => {
      if (this.#runs.get(task) === run) this.#runs.delete(task);
    });
  }

  /**
   * Stops `task`'s process tree: SIGTERM to its process group, SIGKILL after
   * the grace period if anything is left. No report follows. Never throws.
   *
   * @param task a task given to {@link submit}
   */
  cancel(task: ExecutableTask): void {
    const run = this.#runs.get(task);
    if (run !== undefined) this.#cancelRun(run);
  }

  /**
   * Stops every process tree and resolves when they are gone and every
   * resource is released. Idempotent; later submissions fail with
   * {@link BackendError}.
   *
   * @returns when everything is stopped
   */
  async shutdown(): Promise<void> {
    this.#closed = true;
    const runs = [...this.#runs.values()];
    for (const run of runs) this.#cancelRun(run);
    await Promise.allSettled(runs.map((run) => run.finished));
  }

  #cancelRun(run: Run): void {
    if (run.cancelled) return;
    run.cancelled = true;
    // Not spawned yet: #execute sees the flag and does not spawn. Drained:
    // the process is gone; only the report is left, and it is dropped.
    if (run.child === undefined || run.drained) return;
    const pid = run.child.pid;
    signalGroup(pid, "SIGTERM");
    // A stopped process only acts on SIGTERM once continued.
    signalGroup(pid, "SIGCONT");
    if (run.exited) run.stdio.abort();
    run.killed = Promise.withResolvers<void>();
    run.killTimer = setTimeout(() => {
      run.killTimer = undefined;
      signalGroup(pid, "SIGKILL");
      // Whatever still holds a pipe escaped the group; stop reading it.
      run.stdio.abort();
      run.killed?.resolve();
    }, this.#killGraceMs);
  }

  async #execute(
    run: Run,
    host: BackendHost,
    outFile?: Deno.FsFile,
    errFile?: Deno.FsFile,
  ): Promise<void> {
    const { task } = run;
    const name = this.#backendName;
    const opened = outFile !== undefined || errFile !== undefined;
    if (!opened && (task.stdoutPath !== undefined || task.stderrPath !== undefined)) {
      try {
        if (task.stdoutPath !== undefined) outFile = await openOutput(task.stdoutPath);
        if (task.stderrPath !== undefined) errFile = await openOutput(task.stderrPath);
      } catch (error) {
        outFile?.close();
        if (!run.cancelled) {
          host.failed(
            task,
            new BackendError(
              name,
              `Cannot start task '${task.name}' as its output file cannot be opened: ${
                messageOf(error)
              }`,
              { cause: error },
            ),
          );
        }
        return;
      }
      if (run.cancelled) {
        outFile?.close();
        errFile?.close();
        return;
      }
    }

    const command = task.command;
    let program: string;
    let args: string[];
    if (typeof command === "string") {
      program = "/bin/sh";
      args = ["-c", command];
    } else {
      program = command[0] ?? "";
      args = command.slice(1);
    }
    const viaSetsid = this.#useSetsid ??= hasSetsid();
    const options: Deno.CommandOptions = {
      args: viaSetsid ? [program, ...args] : args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    };
    if (!viaSetsid) options.detached = true;
    if (task.env !== undefined) options.env = { ...task.env };
    if (task.cwd !== undefined) options.cwd = task.cwd;

    let child: Deno.ChildProcess;
    try {
      if (program === "") throw new TypeError("the argv is empty");
      child = new Deno.Command(viaSetsid ? SETSID : program, options).spawn();
    } catch (error) {
      if (viaSetsid && error instanceof Deno.errors.NotCapable) {
        // --allow-run does not cover setsid: use `detached` from now on.
        this.#useSetsid = false;
        return await this.#execute(run, host, outFile, errFile);
      }
      outFile?.close();
      errFile?.close();
      let reason = messageOf(error);
      if (error instanceof Deno.errors.NotFound && task.cwd !== undefined) {
        const cwdExists = await Deno.stat(task.cwd).then(() => true, () => false);
        if (!cwdExists) reason = `its working directory ${task.cwd} does not exist`;
        if (run.cancelled) return;
      }
      this.#failStart(task, host, program, reason, error);
      return;
    }
    run.child = child;
    host.running(task);

    const signal = run.stdio.signal;
    const stdout = outFile !== undefined
      ? copyToFile(child.stdout, outFile, signal)
      : collect(child.stdout, signal);
    const stderr = errFile !== undefined
      ? copyToFile(child.stderr, errFile, signal)
      : collect(child.stderr, signal);
    const status = await child.status;
    run.exited = true;
    // A cancelled tree may keep a pipe open (a grandchild ignoring SIGTERM).
    if (run.cancelled) run.stdio.abort();
    const [out, err] = await Promise.all([stdout, stderr]);
    run.drained = true;

    if (run.cancelled) {
      if (run.killTimer !== undefined && !signalGroup(child.pid, "SIGCONT")) {
        // The group is empty: nothing left for the SIGKILL.
        clearTimeout(run.killTimer);
        run.killTimer = undefined;
        run.killed?.resolve();
      }
      await run.killed?.promise;
      return;
    }
    if (status.success) {
      host.done(task, task.stdoutPath ?? out);
      return;
    }
    const stderrText = task.stderrPath !== undefined ? await readText(task.stderrPath) : err;
    const stdoutText = task.stdoutPath !== undefined ? await readText(task.stdoutPath) : out;
    if (run.cancelled) return; // cancelled while the files were read
    if (viaSetsid && (status.code === 126 || status.code === 127)) {
      // setsid could not exec the program: a start failure, not the program's.
      const prefix = `setsid: failed to execute ${program}: `;
      if (stderrText.startsWith(prefix)) {
        this.#failStart(task, host, program, stderrText.slice(prefix.length).trim(), undefined);
        return;
      }
    }
    host.failed(
      task,
      new ExecutableError({
        exitCode: status.signal === null ? status.code : null,
        signal: status.signal,
        stdout: stdoutText,
        stderr: stderrText,
        command: typeof command === "string" ? command : [...command],
      }),
    );
  }

  #failStart(
    task: ExecutableTask,
    host: BackendHost,
    program: string,
    reason: string,
    cause: unknown,
  ): void {
    const shown = typeof task.command === "string" ? task.command : program;
    host.failed(
      task,
      new BackendError(
        this.#backendName,
        `Cannot start task '${task.name}' as command '${shown}' cannot be spawned: ${reason}`,
        cause === undefined ? undefined : { cause },
      ),
    );
  }
}

/** Whether /usr/bin/setsid can be used (false without read permission on it). */
function hasSetsid(): boolean {
  try {
    return Deno.statSync(SETSID).isFile;
  } catch {
    return false;
  }
}

/** Sends `signal` to process group `pgid`; false when the group is gone. */
function signalGroup(pgid: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

async function openOutput(path: string): Promise<Deno.FsFile> {
  await Deno.mkdir(dirname(path), { recursive: true });
  return await Deno.open(path, { write: true, create: true, truncate: true });
}

/** Reads `stream` to its end (or until `signal`) and decodes it as UTF-8. */
async function collect(stream: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<string> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  // Cancelling the reader ends a pending read and closes the pipe.
  const stop = () => void reader.cancel().catch(() => {});
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } catch {
    // The pipe broke: keep what was read.
  } finally {
    signal.removeEventListener("abort", stop);
  }
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const all = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return decoder.decode(all);
}

/** Copies `stream` into `file` (closed at the end); resolves to "". */
async function copyToFile(
  stream: ReadableStream<Uint8Array>,
  file: Deno.FsFile,
  signal: AbortSignal,
): Promise<string> {
  try {
    // pipeTo closes (or aborts) file.writable, which closes the file.
    await stream.pipeTo(file.writable, { signal });
  } catch {
    // Aborted after a cancel, or the disk failed; the exit status decides.
  }
  return "";
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const decoder = new TextDecoder();
