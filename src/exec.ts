/**
 * Local processes for executable tasks, shared by the backends that run
 * executables on this machine (inline, workers, processes).
 *
 * ## At most `maxProcesses` at once
 *
 * A {@link LocalProcesses} starts at most `maxProcesses` commands at once;
 * the others wait in a queue (still `PENDING` for the engine: `running` is
 * reported at spawn), higher `priority` first, then lower `seq`. A cancel of
 * a waiting task drops it. The default ({@link defaultMaxProcesses}) follows
 * the file-descriptor limit and the CPU count. A spawn (or an output file)
 * that fails for lack of file descriptors or processes (EMFILE, ENFILE,
 * EAGAIN) puts the task back in the queue until a process ends, so a small
 * `ulimit -n` makes tasks wait, never fail; only when no executable of this
 * isolate is running (nothing will free a descriptor) does it fail the task
 * with `BackendError`.
 *
 * ## Process groups, and no orphans
 *
 * With unrestricted `--allow-run` (which `Deno.kill` of a process group
 * needs) every command starts in its own session, hence its own process group
 * whose id is the child's pid, and the isolate's reaper (`_reaper.ts`: a tiny
 * `/bin/sh` watchdog holding a pipe from this process) is told the group: when
 * this process ends in any way — SIGKILL included — the reaper kills every
 * group still registered. `Deno.Command` is started on util-linux's
 * `/usr/bin/setsid`, which calls `setsid()` and execs the command in the same
 * process (it forks only when it already leads a group, which a freshly
 * spawned child never does). Where `setsid` is missing or not allowed,
 * `Deno.Command`'s `detached: true` does the same; it is not the default
 * because a `pre_exec` hook makes Rust fork the whole Deno process instead of
 * using `posix_spawn`, which measured 2-3x slower per process here and grows
 * with the heap. When setsid cannot exec an argv command (exit 126 / 127 with
 * its own message on stderr), the task fails with `BackendError`, as a spawn
 * failure does with `detached`. A cancel or shutdown signals the whole group
 * with `Deno.kill(-pid, …)`, so a shell's children and grandchildren stop with
 * it:
 *
 * ```
 *  cancel ──► SIGTERM + SIGCONT to the group ──► leader exits, pipes close
 *                │                                    │
 *                │                          group empty? ──yes──► finished
 *                │                                    │ no
 *                └──────── after `killGraceMs` ──► SIGKILL to the group ──► finished
 * ```
 *
 * Without those permissions (say `--allow-run=echo`) or without a shell for
 * the reaper, commands stay in the engine's own process group: Ctrl-C (SIGINT
 * to the terminal's foreground group) reaches them with the engine; a cancel,
 * timeout or shutdown stops the command's own process (SIGTERM, SIGKILL after
 * the grace) but not processes it started; a task waits for the end of its
 * output even when background processes hold it; SIGTERM or SIGKILL of the
 * engine alone leaves them running. Nothing prompts: permissions are queried
 * first.
 *
 * ## When a command has finished
 *
 * A task ends when its command (the group leader) has exited and its stdout
 * and stderr are closed. Processes it left in the background (`sleep 99 &
 * echo started`) may hold the pipes open: after the leader exited, output is
 * read for at most {@link DRAIN_MS} more while the group still has live
 * members, then the pipes are closed and the task reports. Such a group stays
 * registered (with the reaper too) and `shutdown()` kills it.
 *
 * Linux keeps a process-group id from being reused while any member of the
 * group is alive (zombies included), so signalling `-pid` after the leader was
 * reaped reaches only that group's processes. After the group is empty the id
 * could in principle be reused; a group is unregistered as soon as it is seen
 * empty (after the command ends, and as background groups are checked again
 * when other commands end) to keep that window closed in practice.
 *
 * No polling: completion is driven by the child's status promise and the end
 * of its stdout/stderr pipes; the timers are the SIGKILL grace after a cancel
 * and the bounded drain after the leader exited.
 *
 * @module
 */

import { dirname } from "node:path";
import type { BackendHost, ExecutableTask } from "./backend.ts";
import { BackendError, ExecutableError } from "./errors.ts";
import { capText, received } from "./_text.ts";
import { granted, isExhaustion, reaper, SETSID, setsidUsable, SH } from "./_reaper.ts";

/** Options of {@link LocalProcesses}. */
export interface LocalProcessesOptions {
  /**
   * Milliseconds between SIGTERM and SIGKILL when a process tree is stopped.
   * @default {2000}
   */
  killGraceMs?: number;
  /**
   * How a process is placed: `"setsid"` starts it in its own session on
   * `/usr/bin/setsid`, `"detached"` uses `Deno.Command`'s `detached` option,
   * `"shared"` leaves it in this process's group (no process-group kill).
   * @default {"setsid" or "detached" with unrestricted --allow-run and a shell for the reaper, else "shared"}
   */
  launcher?: "setsid" | "detached" | "shared";
  /**
   * At most this many commands run at once; the others wait.
   * @default {defaultMaxProcesses()}
   */
  maxProcesses?: number;
}

/** One task given to {@link LocalProcesses.submit}. */
interface Run {
  readonly task: ExecutableTask;
  readonly host: BackendHost;
  /** Submission order (ties between equal priority and seq). */
  readonly order: number;
  /** Waiting for a slot, started (holds a slot), or over (slot released). */
  state: "waiting" | "started" | "over";
  /** The session/group leader, once spawned. */
  child: Deno.ChildProcess | undefined;
  /** Its own process group (the leader's pid), when started in one. */
  pgid: number | undefined;
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
/**
 * Milliseconds output is still read after a command exited while processes it
 * left in the background hold its stdout/stderr open.
 */
export const DRAIN_MS = 250;

/** The file-descriptor limit assumed when `/proc/self/limits` cannot be read. */
const ASSUMED_FD_LIMIT = 1024;
/** Descriptors kept for everything else (sockets, files, workers, the reaper). */
const FD_RESERVE = 128;
/**
 * Descriptors one process may cost: 2 pipe ends held while it runs, up to 6
 * while it is spawned, 2 more with output files.
 */
const FDS_PER_PROCESS = 8;
/** The largest default, whatever the limits. */
const MAX_DEFAULT_PROCESSES = 1024;

/**
 * The default `maxProcesses`: `min(max(64, 8 × CPUs), ⌊(fdLimit − 128) / 8⌋,
 * 1024)`, at least 1. `fdLimit` is the soft `ulimit -n` read from
 * `/proc/self/limits` when read permission for it is granted (queried, never
 * prompted), else 1024; CPUs is `navigator.hardwareConcurrency`. With
 * `ulimit -n 1024` and 2 cores that is 64; 1024 descriptors leave room for
 * 112 processes at 8 descriptors each.
 *
 * @returns the default number of commands one backend runs at once
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { defaultMaxProcesses } from "./exec.ts";
 * const n = defaultMaxProcesses();
 * assert(Number.isInteger(n) && n >= 1 && n <= 1024);
 * ```
 */
export function defaultMaxProcesses(): number {
  const fds = openFileLimit() ?? ASSUMED_FD_LIMIT;
  const byFds = Math.floor((fds - FD_RESERVE) / FDS_PER_PROCESS);
  const byCpus = Math.max(64, 8 * (navigator.hardwareConcurrency || 1));
  return Math.max(1, Math.min(byCpus, byFds, MAX_DEFAULT_PROCESSES));
}

/** The soft limit on open files, when `/proc/self/limits` may be read. */
function openFileLimit(): number | undefined {
  const path = "/proc/self/limits";
  if (!granted({ name: "read", path })) return undefined;
  try {
    const match = /^Max open files\s+(\S+)/m.exec(Deno.readTextFileSync(path));
    if (match === null) return undefined;
    if (match[1] === "unlimited") return Infinity;
    const n = Number(match[1]);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Processes started by every {@link LocalProcesses} of this isolate that hold
 * a slot; a spawn short of descriptors waits for one of them to end.
 */
let liveProcesses = 0;
/** Called (once each) when any of those processes ends. */
const endWaiters = new Set<() => void>();

function processEnded(): void {
  liveProcesses--;
  if (endWaiters.size === 0) return;
  const waiters = [...endWaiters];
  endWaiters.clear();
  for (const wake of waiters) wake();
}

/** Waiting runs in start order: a binary heap; cancelled runs are skipped. */
class RunQueue {
  #heap: Run[] = [];
  /** Cancelled runs still in the heap. */
  #stale = 0;

  get size(): number {
    return this.#heap.length - this.#stale;
  }

  push(run: Run): void {
    const heap = this.#heap;
    heap.push(run);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** The next run that is not cancelled, removed from the queue. */
  pop(): Run | undefined {
    for (;;) {
      const run = this.#take();
      if (run === undefined || !run.cancelled) return run;
      this.#stale--;
    }
  }

  /** A run in the queue was cancelled; compacts when most entries are stale. */
  dropped(): void {
    this.#stale++;
    if (this.#stale > 64 && this.#stale * 2 > this.#heap.length) {
      const live = this.#heap.filter((r) => !r.cancelled);
      this.#heap = [];
      this.#stale = 0;
      for (const run of live) this.push(run);
    }
  }

  /** Removes every run. */
  drain(): Run[] {
    const all = this.#heap.filter((r) => !r.cancelled);
    this.#heap = [];
    this.#stale = 0;
    return all;
  }

  #take(): Run | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) return top;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
}

/** Higher priority first, then lower seq, then submission order. */
function before(a: Run, b: Run): boolean {
  const pa = a.task.priority ?? 0;
  const pb = b.task.priority ?? 0;
  if (pa !== pb) return pa > pb;
  const sa = a.task.seq ?? 0;
  const sb = b.task.seq ?? 0;
  if (sa !== sb) return sa < sb;
  return a.order < b.order;
}

/**
 * Runs {@link ExecutableTask}s as local processes and reports to a
 * {@link BackendHost}: at most `maxProcesses` at once, each in its own
 * process group watched by the reaper where permissions allow (see the
 * module documentation).
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
  readonly #launcher: LocalProcessesOptions["launcher"];
  readonly #maxProcesses: number;
  readonly #runs = new Map<ExecutableTask, Run>();
  readonly #waiting = new RunQueue();
  /** Runs holding a slot. */
  #active = 0;
  #order = 0;
  /** Own process groups, or this process's group (decided at the first spawn). */
  #grouped: boolean | undefined;
  /** Start through /usr/bin/setsid (decided at the first grouped spawn). */
  #useSetsid: boolean | undefined;
  /** This runner holds a reference on the reaper. */
  #guarded = false;
  /** Groups of finished commands that still had live members. */
  readonly #lingering = new Set<number>();
  /** Check #lingering again when it grows past this. */
  #pruneAt = 64;
  /** A spawn ran out of descriptors: start nothing until a process ends. */
  #starved = false;
  #pumping = false;
  #pumpAgain = false;
  #closed = false;
  #shutdown: Promise<void> | undefined;
  readonly #wake = (): void => {
    this.#starved = false;
    this.#pump();
  };

  /**
   * @param backendName the name used in {@link BackendError}s
   * @param options tuning
   * @throws {RangeError} when `killGraceMs` is not a non-negative finite number
   * or `maxProcesses` is not a positive integer
   * @throws {TypeError} when `launcher` is not one of its values or
   * `maxProcesses` is not a number
   */
  constructor(backendName: string, options: LocalProcessesOptions = {}) {
    const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    if (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0) {
      throw new RangeError(
        `Cannot create LocalProcesses as 'killGraceMs' must be a non-negative number: ${
          received(grace)
        }`,
      );
    }
    const launcher = options.launcher;
    if (
      launcher !== undefined && launcher !== "setsid" && launcher !== "detached" &&
      launcher !== "shared"
    ) {
      throw new TypeError(
        `Cannot create LocalProcesses as 'launcher' must be "setsid", "detached" or "shared": ${
          received(launcher)
        }`,
      );
    }
    const max = options.maxProcesses;
    if (max !== undefined && (typeof max !== "number" || !Number.isSafeInteger(max) || max < 1)) {
      const Err = typeof max === "number" ? RangeError : TypeError;
      throw new Err(
        `Cannot create LocalProcesses as 'maxProcesses' must be a positive integer: ${
          received(max)
        }`,
      );
    }
    this.#backendName = backendName;
    this.#killGraceMs = grace;
    this.#launcher = launcher;
    this.#maxProcesses = max ?? defaultMaxProcesses();
    if (launcher === "shared") this.#grouped = false;
    else if (launcher !== undefined) {
      this.#grouped = true;
      this.#useSetsid = launcher === "setsid";
    }
  }

  /** How many tasks were given and are not finished (running or waiting). */
  get size(): number {
    return this.#active + this.#waiting.size;
  }

  /** How many commands run at once at most. */
  get maxProcesses(): number {
    return this.#maxProcesses;
  }

  /** How many commands hold a slot now (started, not yet ended). */
  get running(): number {
    return this.#active;
  }

  /** How many tasks wait for a slot. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * Starts `task`'s command, or queues it while `maxProcesses` run. Reports
   * `running` once the process is spawned, then exactly one of `done` /
   * `failed` (nothing after a {@link cancel}). Never throws.
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
      host,
      order: this.#order++,
      state: "waiting",
      child: undefined,
      pgid: undefined,
      exited: false,
      drained: false,
      cancelled: false,
      stdio: new AbortController(),
      killTimer: undefined,
      killed: undefined,
      finished: Promise.resolve(),
    };
    this.#runs.set(task, run);
    this.#waiting.push(run);
    // #execute runs synchronously up to its first await: with a free slot
    // and no output files, the process is spawned before submit returns.
    this.#pump();
  }

  /**
   * Stops `task`: a waiting task is dropped; a running one's process tree
   * gets SIGTERM, then SIGKILL after the grace period if anything is left.
   * No report follows. Never throws.
   *
   * @param task a task given to {@link submit}
   */
  cancel(task: ExecutableTask): void {
    const run = this.#runs.get(task);
    if (run === undefined) return;
    if (run.state === "waiting") {
      run.cancelled = true;
      this.#runs.delete(task);
      this.#waiting.dropped();
      return;
    }
    this.#cancelRun(run);
  }

  /**
   * Drops the waiting tasks, stops every process tree — and the groups that
   * finished commands left running in the background — and resolves when
   * they are gone and every resource is released. Idempotent; later
   * submissions fail with {@link BackendError}.
   *
   * @returns when everything is stopped
   */
  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#stopAll();
  }

  async #stopAll(): Promise<void> {
    this.#closed = true;
    endWaiters.delete(this.#wake);
    for (const run of this.#waiting.drain()) {
      run.cancelled = true;
      this.#runs.delete(run.task);
    }
    const runs = [...this.#runs.values()];
    for (const run of runs) this.#cancelRun(run);
    await Promise.all([
      Promise.allSettled(runs.map((run) => run.finished)),
      this.#killLingering(),
    ]);
    if (this.#guarded) {
      this.#guarded = false;
      await reaper.release();
    }
  }

  /** Kills the groups finished commands left behind: TERM, then KILL after the grace. */
  async #killLingering(): Promise<void> {
    const groups = [...this.#lingering];
    this.#lingering.clear();
    // (their leaders were reaped: a group whose id is a live process's now is not ours)
    const live = groups.filter((pgid) => !recycled(pgid) && signalGroup(pgid, "SIGTERM"));
    for (const pgid of live) signalGroup(pgid, "SIGCONT");
    // Delivery takes a moment; a group of zombies (its members exited, their
    // new parent has not reaped them yet) needs nothing more.
    let left = live.length === 0 ? [] : await liveGroupsAfter(live, 50);
    if (left.length !== 0) {
      await new Promise((r) => setTimeout(r, this.#killGraceMs));
      left = liveGroups(left);
      for (const pgid of left) if (!recycled(pgid)) signalGroup(pgid, "SIGKILL");
    }
    for (const pgid of groups) reaper.remove(pgid);
  }

  /** Starts waiting runs while slots are free. Re-entrant calls loop here. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        while (!this.#starved && !this.#closed && this.#active < this.#maxProcesses) {
          const run = this.#waiting.pop();
          if (run === undefined) break;
          this.#active++;
          liveProcesses++;
          run.state = "started";
          run.finished = this.#execute(run).finally(() => {
            if (run.state !== "waiting" && this.#runs.get(run.task) === run) {
              this.#runs.delete(run.task);
            }
          });
        }
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  /** The run gives its slot back (its leader is gone); the next may start. */
  #free(run: Run): void {
    if (run.state !== "started") return;
    run.state = "over";
    this.#active--;
    processEnded();
    this.#pump();
  }

  /**
   * Out of descriptors or processes: the run waits again until a process
   * ends; when none of this isolate runs, nothing would free one, and the
   * task fails.
   */
  #retryLater(run: Run, error: unknown): void {
    run.state = "waiting";
    this.#active--;
    liveProcesses--;
    if (run.cancelled) return;
    if (liveProcesses === 0 || this.#closed) {
      run.state = "over";
      run.host.failed(
        run.task,
        new BackendError(
          this.#backendName,
          `Cannot start task '${run.task.name}' as the system is out of file descriptors or processes and no executable is running to free one: ${
            messageOf(error)
          }`,
          { cause: error },
        ),
      );
      return;
    }
    this.#waiting.push(run);
    if (!this.#starved) {
      this.#starved = true;
      endWaiters.add(this.#wake);
    }
  }

  #cancelRun(run: Run): void {
    if (run.cancelled) return;
    run.cancelled = true;
    // Not spawned yet: #execute sees the flag and does not spawn. Drained:
    // the process is gone; only the report is left, and it is dropped.
    if (run.child === undefined || run.drained) return;
    this.#signal(run, "SIGTERM");
    // A stopped process only acts on SIGTERM once continued.
    this.#signal(run, "SIGCONT");
    if (run.exited) run.stdio.abort();
    run.killed = Promise.withResolvers<void>();
    run.killTimer = setTimeout(() => {
      run.killTimer = undefined;
      this.#signal(run, "SIGKILL");
      // Whatever still holds a pipe escaped the group; stop reading it.
      run.stdio.abort();
      run.killed?.resolve();
    }, this.#killGraceMs);
  }

  /** Signals the run's group, or its process when it has no group of its own. */
  #signal(run: Run, signal: Deno.Signal): void {
    if (run.pgid !== undefined) {
      // once the leader is reaped, its id may be another process's by now
      if (!run.exited || !recycled(run.pgid)) signalGroup(run.pgid, signal);
    } else if (!run.exited) {
      try {
        run.child?.kill(signal);
      } catch {
        // exited meanwhile
      }
    }
  }

  /** Decides, once, where processes go, and takes the reaper when grouped. */
  #prepare(): void {
    if (this.#grouped === undefined) {
      // Deno.kill of a group needs unrestricted --allow-run.
      this.#grouped = granted({ name: "run" });
    }
    if (this.#grouped && !this.#guarded) {
      // Throws when out of descriptors: the caller retries later.
      if (reaper.acquire()) this.#guarded = true;
      else if (this.#launcher === undefined) this.#grouped = false;
    }
  }

  /** Spawns the command; throws what the spawn threw. */
  #spawn(task: ExecutableTask, program: string, args: string[]): Deno.ChildProcess {
    if (program === "") throw new TypeError("the argv is empty");
    this.#prepare();
    const options: Deno.CommandOptions = {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    };
    if (task.env !== undefined) options.env = { ...task.env };
    if (task.cwd !== undefined) options.cwd = task.cwd;
    if (!this.#grouped) return new Deno.Command(program, options).spawn();
    const detached = () => new Deno.Command(program, { ...options, detached: true }).spawn();
    if (!(this.#useSetsid ??= setsidUsable())) return detached();
    try {
      return new Deno.Command(SETSID, { ...options, args: [program, ...args] }).spawn();
    } catch (error) {
      if (!(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.NotFound)) {
        throw error;
      }
      // setsid is not allowed or not there (or the cwd is missing: then this
      // throws too and nothing changes): `detached` does the same.
      const child = detached();
      this.#useSetsid = false;
      return child;
    }
  }

  async #execute(run: Run): Promise<void> {
    const { task, host } = run;
    const name = this.#backendName;
    let outFile: Deno.FsFile | undefined;
    let errFile: Deno.FsFile | undefined;
    if (task.stdoutPath !== undefined || task.stderrPath !== undefined) {
      try {
        if (task.stdoutPath !== undefined) outFile = await openOutput(task.stdoutPath);
        if (task.stderrPath !== undefined) errFile = await openOutput(task.stderrPath);
      } catch (error) {
        outFile?.close();
        if (isExhaustion(error)) return this.#retryLater(run, error);
        this.#free(run);
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
        this.#free(run);
        return;
      }
    }

    const command = task.command;
    let program: string;
    let args: string[];
    if (typeof command === "string") {
      program = SH;
      args = ["-c", command];
    } else {
      program = command[0] ?? "";
      args = command.slice(1);
    }

    let child: Deno.ChildProcess;
    try {
      child = this.#spawn(task, program, args);
    } catch (error) {
      outFile?.close();
      errFile?.close();
      if (isExhaustion(error)) return this.#retryLater(run, error);
      this.#free(run);
      let reason = messageOf(error);
      if (error instanceof Deno.errors.NotFound && task.cwd !== undefined) {
        const cwdExists = await Deno.stat(task.cwd).then(() => true, () => false);
        if (!cwdExists) reason = `its working directory ${task.cwd} does not exist`;
      }
      if (!run.cancelled) this.#failStart(task, host, program, reason, error);
      return;
    }
    const viaSetsid = this.#grouped === true && this.#useSetsid === true;
    run.child = child;
    if (this.#grouped) {
      run.pgid = child.pid;
      if (this.#guarded) reaper.add(child.pid);
    }
    host.running(task);

    const signal = run.stdio.signal;
    const stdout = outFile !== undefined
      ? copyToFile(child.stdout, outFile, signal)
      : collect(child.stdout, signal);
    const stderr = errFile !== undefined
      ? copyToFile(child.stderr, errFile, signal)
      : collect(child.stderr, signal);
    let outputEnded = false;
    const output = Promise.all([stdout, stderr]).finally(() => outputEnded = true);
    const status = await child.status;
    run.exited = true;
    // the leader is reaped: its id may go to a new process once the group empties
    if (run.pgid !== undefined) reaper.leaderGone(run.pgid);
    // A cancelled tree may keep a pipe open (a grandchild ignoring SIGTERM).
    if (run.cancelled) run.stdio.abort();
    else if (!outputEnded && run.pgid !== undefined) await drain(run, run.pgid, output);
    const [out, err] = await output;
    run.drained = true;

    const pgid = run.pgid;
    if (run.cancelled) {
      this.#free(run);
      if (
        run.killTimer !== undefined &&
        (pgid === undefined || liveGroups([pgid]).length === 0 || recycled(pgid))
      ) {
        // The group is empty: nothing left for the SIGKILL.
        clearTimeout(run.killTimer);
        run.killTimer = undefined;
        run.killed?.resolve();
      }
      await run.killed?.promise;
      if (pgid !== undefined) reaper.remove(pgid);
      return;
    }
    if (pgid !== undefined) this.#settleGroup(pgid);
    this.#free(run);

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

  /**
   * A command ended: its group stays registered while background processes
   * live in it (shutdown kills them), else it is forgotten. Background
   * groups are checked again as their number grows.
   */
  #settleGroup(pgid: number): void {
    if (groupExists(pgid)) this.#lingering.add(pgid);
    else reaper.remove(pgid);
    if (this.#lingering.size <= this.#pruneAt) return;
    for (const g of this.#lingering) {
      if (!groupExists(g) || recycled(g)) {
        this.#lingering.delete(g);
        reaper.remove(g);
      }
    }
    this.#pruneAt = Math.max(64, 2 * this.#lingering.size);
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
        // the command is cut, not the reason: a huge command must not hide why it failed
        `Cannot start task '${task.name}' as command '${capText(shown, 400)}' cannot be spawned: ${
          capText(reason, 400)
        }`,
        cause === undefined ? undefined : { cause },
      ),
    );
  }
}

/**
 * The leader exited but stdout/stderr are still open: wait for them up to
 * {@link DRAIN_MS}; then, if the group still has live members (background
 * processes holding the pipes), stop reading. An empty group means the end
 * of the pipes is on its way (or a process that left the group holds them):
 * keep waiting for it.
 */
async function drain(run: Run, pgid: number, output: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), DRAIN_MS);
  });
  const isLate = await Promise.race([output.then(() => false, () => false), late]);
  clearTimeout(timer);
  if (isLate && !run.cancelled && liveGroups([pgid]).length !== 0) run.stdio.abort();
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

/**
 * Whether the id of process group `pgid`, whose leader this process has
 * reaped, now belongs to a live process: the group emptied and its id was
 * given to a new process (pids wrap at `pid_max`, 32768 on many systems), so
 * signalling `-pgid` would reach a stranger's group. A pid is not given out
 * again while a group of that id has a member, so no such process exists while
 * our group does. False when /proc may not be read (nothing to check with).
 *
 * @param pgid the group's id (its reaped leader's pid)
 * @returns true when the id is another process's now
 */
export function recycled(pgid: number): boolean {
  if (procReadable === undefined) procReadable = granted({ name: "read", path: "/proc" });
  if (!procReadable) return false;
  try {
    Deno.statSync(`/proc/${pgid}`);
    return true;
  } catch {
    return false;
  }
}
let procReadable: boolean | undefined;

/** Whether process group `pgid` has a member (a zombie counts). */
function groupExists(pgid: number): boolean {
  try {
    // Signal 0 checks existence and permission without sending anything.
    Deno.kill(-pgid, 0 as unknown as Deno.Signal);
    return true;
  } catch (error) {
    if (error instanceof TypeError) return signalGroup(pgid, "SIGCONT");
    return !(error instanceof Deno.errors.NotFound);
  }
}

/**
 * The groups among `pgids` with a member that is not a zombie. Without read
 * access to /proc every group that exists counts as live.
 */
function liveGroups(pgids: readonly number[]): number[] {
  const existing = pgids.filter(groupExists);
  if (existing.length === 0 || !granted({ name: "read", path: "/proc" })) return existing;
  const wanted = new Set(existing);
  const live = new Set<number>();
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      const c = entry.name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      let stat: string;
      try {
        stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      } catch {
        continue; // exited meanwhile
      }
      // Fields after "(comm)": state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3);
      const pgrp = Number(fields[2]);
      if (fields[0] !== "Z" && wanted.has(pgrp)) live.add(pgrp);
    }
  } catch {
    return existing;
  }
  return existing.filter((pgid) => live.has(pgid));
}

/** {@link liveGroups} after `ms` (signals take a moment to act). */
async function liveGroupsAfter(pgids: readonly number[], ms: number): Promise<number[]> {
  await new Promise((r) => setTimeout(r, ms));
  return liveGroups(pgids);
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
