/**
 * {@link ProcessBackend}: function tasks in a pool of Deno subprocesses;
 * executable tasks as local processes.
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
import { attachOnce, backendName, positiveInt } from "./_options.ts";
import { BackendError } from "../errors.ts";
import { LocalProcesses } from "../exec.ts";
import { received } from "../_text.ts";
import { explainLoadError, type ShippedFunction } from "../ship.ts";
import { inPriorityOrder, PriorityQueue } from "../remote/_queue.ts";
import { encodeFrame, FrameReader, FrameWriter, unserialisable } from "../remote/frames.ts";
import {
  ABORT_ACK_MS,
  ABORT_GRACE_MS,
  decodeThrown,
  encodeThrown,
  type FnDef,
  type FromRuntime,
  FunctionIds,
  Status,
  TASK_STRIDE,
  taskCtx,
  type Thrown,
  type ToRuntime,
} from "../remote/protocol.ts";

/** Options of {@link ProcessBackend}. */
export interface ProcessBackendOptions {
  /**
   * The name tasks are routed by.
   * @default {"processes"}
   */
  name?: string;
  /**
   * How many subprocesses the pool holds at most (they start lazily).
   * @default {navigator.hardwareConcurrency}
   */
  processes?: number;
  /**
   * Caps each subprocess's JavaScript heap, in MB
   * (`--v8-flags=--max-old-space-size`). A task that exceeds it fails with a
   * `BackendError`; the engine and the other subprocesses go on.
   * @default {V8's own limit}
   */
  memoryMB?: number;
  /**
   * Most executables running at once (local processes); the rest wait
   * `PENDING`. The default is that of the local process runner.
   */
  maxProcesses?: number;
  /**
   * How many function tasks one subprocess runs at once (async bodies
   * overlap; synchronous ones run one after another anyway). With 1, a
   * cancel, a timeout or running out of memory concerns one task only.
   * @default {1}
   */
  concurrency?: number;
  /**
   * The flags of `deno run` for each subprocess, in place of the inherited
   * permissions (see {@link ProcessBackend}): e.g.
   * `["--allow-read", "--allow-net=api.example.com"]`. `--no-prompt`,
   * `--quiet` and the `memoryMB` flag are always added.
   */
  denoArgs?: string[];
  /**
   * The Deno binary the subprocesses run (needed in a `deno compile`d
   * program, whose own binary cannot run other scripts).
   * @default {Deno.execPath()}
   */
  deno?: string;
}

const ENTRY = new URL("../remote/process_entry.ts", import.meta.url).href;
const PERMISSIONS = ["read", "write", "net", "env", "run", "sys", "ffi", "import"] as const;
/** Lines of a subprocess's stderr kept for error messages. */
const TAIL_LINES = 20;

/**
 * The `deno run` flags that give a subprocess each permission this process
 * holds in full (a partial grant such as `--allow-read=/data` cannot be read
 * back from Deno and is not passed on).
 */
export function inheritedPermissions(): string[] {
  const flags: string[] = [];
  for (const name of PERMISSIONS) {
    try {
      const state = Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state;
      if (state === "granted") flags.push(`--allow-${name}`);
    } catch {
      // a permission this Deno does not know
    }
  }
  return flags;
}

/** A function task the pool was given and has not finished. */
class Entry {
  readonly task: FunctionTask;
  readonly fnId: number;
  readonly shipped: ShippedFunction;
  readonly id: number;
  readonly priority: number;
  readonly cores: number;
  sub: Sub | undefined = undefined;
  running = false;
  cancelled = false;
  abortTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  acked = false;
  constructor(task: FunctionTask, fnId: number, shipped: ShippedFunction, id: number) {
    this.task = task;
    this.fnId = fnId;
    this.shipped = shipped;
    this.id = id;
    this.priority = task.priority ?? 0;
    this.cores = task.resources.coresPerRank;
  }
}

/** One subprocess and the tasks sent to it. */
class Sub {
  readonly id: number;
  readonly child: Deno.ChildProcess;
  /** It leads its own process group (killed as a group). */
  readonly group: boolean;
  readonly stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly writer: FrameWriter;
  /** Sent and not finished, by id. */
  readonly inflight = new Map<number, Entry>();
  readonly known = new Set<number>();
  out: Entry[] = [];
  /** Runs a multi-core task: gets nothing else. */
  exclusive: Entry | undefined = undefined;
  /** Held idle for the multi-core task running on that subprocess. */
  reservedFor: Sub | undefined = undefined;
  /** Slots a multi-core task holds that no live subprocess stands for. */
  phantom = 0;
  dead = false;
  /** It said hello (its runtime loaded). */
  heard = false;
  /** Why the host killed it (its tasks are then sent again, not failed). */
  killedBecause: string | undefined = undefined;
  /** What it said when it went away. */
  dying: string | undefined = undefined;
  /** V8 ran out of heap. */
  outOfMemory = false;
  readonly tail: string[] = [];
  exited: Promise<void> = Promise.resolve();
  constructor(id: number, child: Deno.ChildProcess, group: boolean) {
    this.id = id;
    this.child = child;
    this.group = group;
    const stdin = child.stdin.getWriter();
    this.stdin = stdin;
    this.writer = new FrameWriter(async (bytes) => {
      await stdin.write(bytes);
      return bytes.length;
    });
  }
  get open(): boolean {
    return !this.dead && this.exclusive === undefined && this.reservedFor === undefined;
  }
  get unacked(): number {
    let n = 0;
    for (const e of this.inflight.values()) if (e.cancelled && !e.acked) n++;
    return n;
  }
}

/** Milliseconds the pipes of an exited subprocess may stay open (held by what it started). */
const PIPE_GRACE_MS = 1000;

/**
 * Whether to try the orphan guard (setpriv + setsid): only when this process
 * may run setpriv already (asking would prompt the user for a helper they
 * did not name). A spawn that fails (no setpriv here) falls back to a plain one.
 */
function guardAllowed(): boolean {
  try {
    return Deno.permissions.querySync({ name: "run", command: "/usr/bin/setpriv" }).state ===
      "granted";
  } catch {
    return false;
  }
}

/**
 * Runs function tasks in a pool of Deno subprocesses it starts, and
 * executable tasks as local processes. The subprocesses speak the protocol of
 * `src/remote/protocol.ts` over pipes, like `SlurmBackend`'s node agents do
 * over TCP: this backend is their local twin (debug function tasks for a
 * cluster on a laptop).
 *
 * - **Shipping**: as on `WorkerBackend` — a function crosses as source text
 *   when self-contained, or with the `module` option as its module URL and
 *   export name (the subprocess imports the module; guard its top level with
 *   `if (import.meta.main)`). Arguments and results cross in the
 *   structured-clone format (`node:v8`). Errors arrive with their class
 *   (built-in and this library's), message, stack, `cause` and fields;
 *   `taskContext()` answers in `module` tasks.
 * - **Pool**: up to `processes` subprocesses, started when tasks need them;
 *   each runs `concurrency` tasks at once (default 1). Tasks wait on the host
 *   in priority order (higher `priority` first, then creation order).
 *   `coresPerRank` k takes k subprocesses (one runs it, k − 1 stay idle);
 *   `ranks` > 1 cannot run here.
 * - **Memory**: `memoryMB` caps each subprocess's heap. A task that exceeds it
 *   fails with a `BackendError` saying so; a new subprocess takes the place
 *   of the old one, and everything else goes on.
 * - **Cancel / timeout** of a running task aborts its `taskContext().signal`;
 *   a body that settles within 2 s keeps its subprocess. Otherwise — and at
 *   once when the subprocess does not even read the abort because it is stuck
 *   in synchronous code, such as `for (;;) {}` — the subprocess (and its
 *   process group) is killed and a new one takes its place; the other tasks
 *   it ran are sent again. A crash (`Deno.exit()`, an uncaught error) fails
 *   the tasks it ran with `BackendError`.
 * - **Shutdown** kills every subprocess and waits until they are gone.
 *   Subprocesses are started through `setpriv --pdeathsig KILL` and `setsid`
 *   when those exist and may be run: if this process dies, they die with it;
 *   otherwise they exit when their stdin closes.
 * - **Output**: what a task prints on stdout appears on this process's
 *   stdout; its stderr is forwarded (the V8 out-of-memory report is kept
 *   for the error message instead).
 *
 * **Permissions.** A subprocess runs `deno run --no-prompt --quiet <flags>
 * <entry>`, where `<flags>` are by default the permissions this process holds
 * in full: `--allow-read` if this process has `--allow-read` for everything,
 * and so on for write, net, env, run, sys, ffi and import (so `-A` gives
 * `-A`'s equivalent). Partial grants (`--allow-read=/data`) cannot be read
 * back from Deno and are not passed on: give the flags yourself with
 * `denoArgs`, e.g. `denoArgs: ["--allow-read=/data", "--allow-net"]`, which
 * replaces the inherited ones. A subprocess needs read access to the modules
 * of `module` tasks (or `--allow-import` for remote ones). This process
 * needs `--allow-run` for the Deno binary (and, for the orphan guard,
 * `/usr/bin/setpriv`). The subprocesses find `deno.json` from the current
 * directory, as `deno run` does there.
 *
 * @example
 * ```ts ignore
 * import { ProcessBackend, WorkflowEngine } from "../../mod.ts";
 * export function heavy(n: number): number {
 *   let s = 0;
 *   for (let i = 0; i < n; i++) s += Math.sqrt(i);
 *   return s;
 * }
 * if (import.meta.main) {
 *   const backend = new ProcessBackend({ processes: 4, memoryMB: 512 });
 *   await using flow = await WorkflowEngine.create({ backend });
 *   const task = flow.functionTask(heavy, { module: import.meta.url, timeout: 60_000 });
 *   console.log(await Promise.all([task(1e8), task(2e8)]));
 * }
 * ```
 */
export class ProcessBackend implements ExecutionBackend {
  /** The name tasks are routed by. */
  readonly name: string;
  /** Function tasks in subprocesses, executables as local processes. */
  readonly kinds: readonly TaskKind[] = ["function", "executable"];
  readonly #max: number;
  readonly #concurrency: number;
  readonly #memoryMB: number | undefined;
  readonly #denoArgs: readonly string[] | undefined;
  readonly #deno: string | undefined;
  readonly #local: LocalProcesses;
  #host: BackendHost | undefined = undefined;
  #closed = false;
  #shutdown: Promise<void> | undefined = undefined;
  #pool: Sub[] = [];
  #nextSubId = 1;
  #nextEntryId = 1;
  readonly #queue = new PriorityQueue<Entry>();
  readonly #entries = new Map<BackendTask, Entry>();
  readonly #fnIds = new FunctionIds();
  /** Spawn through setpriv + setsid (decided at the first spawn). */
  #guarded: boolean | undefined = undefined;
  /** Why no subprocess can start (set when one cannot). */
  #startProblem: string | undefined = undefined;
  #ackWaiter: (() => void) | undefined = undefined;
  #busy = false;
  #dirty = false;

  /**
   * Creates the pool; subprocesses start lazily, when function tasks need them.
   *
   * @param options see {@link ProcessBackendOptions}
   * @throws {TypeError} when an option has the wrong type or is unknown
   * @throws {RangeError} when a number option is not a positive integer
   */
  constructor(options: ProcessBackendOptions = {}) {
    this.name = backendName(
      "ProcessBackend",
      options,
      ["processes", "memoryMB", "maxProcesses", "concurrency", "denoArgs", "deno"],
      "processes",
    );
    const o = options ?? {};
    this.#max = positiveInt(
      "ProcessBackend",
      "processes",
      o.processes,
      navigator.hardwareConcurrency,
    );
    this.#concurrency = positiveInt("ProcessBackend", "concurrency", o.concurrency, 1);
    this.#memoryMB = o.memoryMB === undefined
      ? undefined
      : positiveInt("ProcessBackend", "memoryMB", o.memoryMB, 1);
    if (
      o.denoArgs !== undefined &&
      (!Array.isArray(o.denoArgs) || o.denoArgs.some((a) => typeof a !== "string"))
    ) {
      throw new TypeError(
        `Cannot create ProcessBackend as 'denoArgs' must be an array of strings: ${
          received(o.denoArgs)
        }`,
      );
    }
    this.#denoArgs = o.denoArgs === undefined ? undefined : [...o.denoArgs];
    if (o.deno !== undefined && (typeof o.deno !== "string" || o.deno === "")) {
      throw new TypeError(
        `Cannot create ProcessBackend as 'deno' must be a non-empty string: ${received(o.deno)}`,
      );
    }
    this.#deno = o.deno;
    this.#local = new LocalProcesses(
      this.name,
      o.maxProcesses === undefined
        ? {}
        : { maxProcesses: positiveInt("ProcessBackend", "maxProcesses", o.maxProcesses, 1) },
    );
  }

  /** How many subprocesses are alive now (they start lazily). */
  get liveProcesses(): number {
    return this.#pool.length;
  }

  /** The pids of the live subprocesses. */
  get pids(): number[] {
    return this.#pool.map((s) => s.child.pid);
  }

  /**
   * Whether a run with these resources can ever fit this pool.
   *
   * @param resources what one run needs
   * @returns undefined when it fits, else why not
   */
  checkResources(resources: ResolvedResources): string | undefined {
    if (resources.ranks !== 1) {
      return `Cannot run a task with ${resources.ranks} ranks on backend '${this.name}' as a subprocess runs one rank: received ranks = ${resources.ranks}`;
    }
    if (resources.coresPerRank > this.#max) {
      return `Cannot run a task with ${resources.coresPerRank} cores per rank on backend '${this.name}' as its pool has ${this.#max} subprocess(es): received coresPerRank = ${resources.coresPerRank}`;
    }
    return undefined;
  }

  /**
   * Binds to an engine. Starts no subprocess.
   *
   * @param context the engine's context
   * @throws {Error} when already attached
   */
  attach(context: AttachContext): void {
    this.#host = attachOnce(this.name, this.#host, context);
  }

  /**
   * Queues ready tasks and sends what fits to the subprocesses. Never throws.
   *
   * @param tasks ready tasks
   */
  submit(tasks: readonly BackendTask[]): void {
    const host = this.#host;
    if (host === undefined) {
      throw new Error(`Cannot submit tasks to backend '${this.name}' as it is not attached`);
    }
    for (const task of inPriorityOrder(tasks)) {
      if (this.#closed) {
        host.failed(
          task,
          new BackendError(
            this.name,
            `Cannot run task '${task.name}' as backend '${this.name}' is shut down`,
          ),
        );
        continue;
      }
      switch (task.kind) {
        case "function":
          break;
        case "executable":
          this.#local.submit(task, host);
          continue;
        case "prompt":
          host.failed(task, refuseKind(this.name, task));
          continue;
        default:
          host.failed(task, unsupportedKind(this.name, task));
          continue;
      }
      const misfit = this.checkResources(task.resources);
      if (misfit !== undefined) {
        host.failed(task, new RangeError(misfit));
        continue;
      }
      let def;
      try {
        def = this.#fnIds.define(task.fn, task.module);
      } catch (error) {
        host.failed(task, error);
        continue;
      }
      const entry = new Entry(task, def.id, def.shipped, this.#nextEntryId++);
      this.#entries.set(task, entry);
      this.#queue.push(entry, entry.priority);
    }
    this.#dispatch();
  }

  /**
   * Stops a task: drops it when it waits; when it runs, aborts its signal and
   * kills its subprocess unless the body settles in time. Never throws.
   *
   * @param task a task given to {@link submit}
   * @param reason the engine's `CancelledError` or `TaskTimeoutError`
   */
  cancel(task: BackendTask, reason: unknown): void {
    if (task.kind === "executable") {
      this.#local.cancel(task);
      return;
    }
    const e = this.#entries.get(task);
    if (e === undefined) return;
    this.#entries.delete(task);
    e.cancelled = true;
    const sub = e.sub;
    if (sub === undefined) return; // on the host: dropped when met
    let encoded: Thrown;
    try {
      encoded = encodeThrown(reason);
    } catch {
      encoded = { e: 0, value: "cancelled" };
    }
    e.abortTimer = setTimeout(() => this.#abortOverdue(sub, e), ABORT_ACK_MS);
    this.#write(sub, { t: "abort", id: e.id, reason: encoded });
  }

  /**
   * Kills every subprocess (after the bodies just aborted had a moment to see
   * their signal), waits until they are gone, and stops local processes;
   * idempotent.
   */
  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#doShutdown();
  }

  async #doShutdown(): Promise<void> {
    this.#closed = true;
    if (this.#pool.some((s) => !s.dead && s.unacked > 0)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ABORT_ACK_MS);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#ackWaiter = done;
      });
      this.#ackWaiter = undefined;
    }
    const exits: Promise<void>[] = [];
    for (const sub of this.#pool) {
      for (const e of sub.inflight.values()) clearTimeout(e.abortTimer);
      sub.killedBecause ??= "the backend shut down";
      this.#kill(sub);
      exits.push(sub.exited);
    }
    this.#queue.clear();
    this.#entries.clear();
    await Promise.allSettled(exits);
    this.#pool = [];
    await this.#local.shutdown();
  }

  // ── subprocesses ────────────────────────────────────────────────────────

  #argv(): string[] | string {
    const deno = this.#deno ?? Deno.execPath();
    if (this.#deno === undefined && import.meta.url.includes("/deno-compile-")) {
      return `Cannot start a subprocess for backend '${this.name}' in a compiled program, whose binary runs only itself: pass the 'deno' option (a Deno binary)`;
    }
    const flags = this.#denoArgs ?? inheritedPermissions();
    const args = [deno, "run", "--no-prompt", "--quiet", ...flags];
    if (this.#memoryMB !== undefined) {
      args.push(`--v8-flags=--max-old-space-size=${this.#memoryMB}`);
    }
    args.push(ENTRY);
    return args;
  }

  #spawn(): Sub | undefined {
    const argv = this.#argv();
    if (typeof argv === "string") {
      this.#startProblem = argv;
      return undefined;
    }
    const options: Deno.CommandOptions = {
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    };
    let child: Deno.ChildProcess | undefined;
    let group = false;
    this.#guarded ??= guardAllowed();
    if (this.#guarded) {
      // the subprocess dies with this process (pdeathsig) and leads its own
      // process group (a kill takes what its tasks started with it)
      try {
        child = new Deno.Command("/usr/bin/setpriv", {
          ...options,
          args: ["--pdeathsig", "KILL", "--", "/usr/bin/setsid", ...argv],
        }).spawn();
        this.#guarded = true;
        group = true;
      } catch {
        this.#guarded = false;
      }
    }
    if (child === undefined) {
      try {
        child = new Deno.Command(argv[0]!, { ...options, args: argv.slice(1) }).spawn();
      } catch (error) {
        this.#startProblem = `Cannot start a subprocess for backend '${this.name}' as '${
          argv[0]
        }' could not be started: ${error instanceof Error ? error.message : String(error)}`;
        return undefined;
      }
    }
    const sub = new Sub(this.#nextSubId++, child, group);
    const frames = new FrameReader((m) => this.#onMessage(sub, m as FromRuntime));
    const out = child.stdout.getReader();
    const err = child.stderr.getReader();
    const stdoutDone = (async () => {
      try {
        for (;;) {
          const r = await out.read();
          if (r.done) break;
          frames.push(r.value);
        }
      } catch {
        // broken pipe or a bad frame: the subprocess is treated as gone
      }
    })();
    const stderrDone = this.#readStderr(sub, err);
    sub.exited = child.status.then(async (status) => {
      // the pipes end with the process, unless something it started holds them
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([stdoutDone, stderrDone]),
        new Promise((r) => timer = setTimeout(r, PIPE_GRACE_MS)),
      ]);
      clearTimeout(timer);
      await Promise.allSettled([out.cancel(), err.cancel(), sub.stdin.close()]);
      this.#gone(sub, status);
    });
    this.#pool.push(sub);
    const init: ToRuntime = {
      t: "init",
      concurrency: this.#concurrency,
      claims: undefined,
      where: "a subprocess",
    };
    this.#write(sub, init);
    return sub;
  }

  /** Forwards the subprocess's stderr, except V8's out-of-memory report (kept for the message). */
  async #readStderr(sub: Sub, err: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    let rest = "";
    let blanks = 0; // held back: V8's report starts with blank lines
    const write = (text: string): void => {
      try {
        Deno.stderr.writeSync(enc.encode(text));
      } catch {
        // stderr closed: nothing to do
      }
    };
    const line = (l: string): void => {
      sub.tail.push(l);
      if (sub.tail.length > TAIL_LINES) sub.tail.shift();
      if (/^<--- Last few GCs --->|Fatal (JavaScript|process) out of memory/.test(l)) {
        sub.outOfMemory = true;
      }
      if (sub.outOfMemory) return;
      if (l === "") {
        blanks++;
        return;
      }
      write("\n".repeat(blanks) + l + "\n");
      blanks = 0;
    };
    try {
      for (;;) {
        const r = await err.read();
        if (r.done) break;
        rest += dec.decode(r.value, { stream: true });
        let nl: number;
        while ((nl = rest.indexOf("\n")) >= 0) {
          line(rest.slice(0, nl));
          rest = rest.slice(nl + 1);
        }
      }
    } catch {
      // the pipe broke
    }
    if (rest !== "") line(rest);
    if (blanks > 0 && !sub.outOfMemory) write("\n".repeat(blanks));
  }

  #write(sub: Sub, msg: ToRuntime): void {
    let frame: Uint8Array;
    try {
      frame = encodeFrame(msg);
    } catch {
      return; // callers check what they send; an abort or init always encodes
    }
    sub.writer.write(frame).catch(() => {
      // the subprocess is gone: its exit is handled by #gone
    });
  }

  #kill(sub: Sub): void {
    if (sub.dead) return;
    sub.dead = true;
    try {
      if (sub.group) Deno.kill(-sub.child.pid, "SIGKILL");
      else sub.child.kill("SIGKILL");
    } catch {
      try {
        sub.child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  /** A subprocess has exited: settle or resend what it held. */
  #gone(sub: Sub, status: Deno.CommandStatus): void {
    sub.dead = true;
    this.#pool = this.#pool.filter((s) => s !== sub);
    for (const other of this.#pool) if (other.reservedFor === sub) other.reservedFor = undefined;
    if (this.#closed) return;
    const host = this.#host!;
    const how = status.signal !== null
      ? `was killed by ${status.signal}`
      : `exited with code ${status.code}`;
    const tail = sub.tail.filter((l) => l.trim() !== "").slice(-5).join("\n");
    let why: string;
    if (sub.outOfMemory) {
      why = `ran out of memory (memoryMB = ${this.#memoryMB ?? "V8's default"})`;
    } else if (sub.dying !== undefined) {
      why = `${how}: ${sub.dying}`;
    } else {
      why = `${how}${tail ? `: ${tail}` : ""}`;
    }
    const again: Entry[] = [];
    for (const e of sub.inflight.values()) {
      this.#release(sub, e);
      if (e.cancelled) continue;
      if (sub.killedBecause !== undefined) {
        again.push(e);
        continue;
      }
      this.#entries.delete(e.task);
      if (!e.running) {
        e.running = true;
        host.running(e.task);
      }
      host.failed(
        e.task,
        new BackendError(
          this.name,
          `Subprocess ${sub.id} of backend '${this.name}' ${why} while running task '${e.task.name}'`,
        ),
      );
    }
    sub.inflight.clear();
    for (let i = again.length - 1; i >= 0; i--) this.#requeue(again[i]!);
    if (!sub.heard && sub.killedBecause === undefined) {
      // it died before its runtime loaded: a new one would too
      this.#startProblem = `Cannot start a subprocess for backend '${this.name}': it ${why}`;
    }
    this.#dispatch();
  }

  // ── aborts ──────────────────────────────────────────────────────────────

  #abortOverdue(sub: Sub, e: Entry): void {
    e.abortTimer = undefined;
    if (sub.dead || e.sub !== sub) return;
    sub.killedBecause = e.acked
      ? `task '${e.task.name}' did not stop within ${ABORT_GRACE_MS} ms of its cancel`
      : `task '${e.task.name}' was cancelled while its subprocess was stuck in synchronous code`;
    this.#kill(sub);
  }

  #onAborted(sub: Sub, ids: number[]): void {
    for (const id of ids) {
      const e = sub.inflight.get(id);
      if (e === undefined || e.acked) continue;
      e.acked = true;
      clearTimeout(e.abortTimer);
      e.abortTimer = setTimeout(() => this.#abortOverdue(sub, e), ABORT_GRACE_MS);
    }
    if (this.#ackWaiter !== undefined && this.#pool.every((s) => s.dead || s.unacked === 0)) {
      this.#ackWaiter();
    }
  }

  // ── dispatch ────────────────────────────────────────────────────────────

  #peek(): Entry | undefined {
    for (;;) {
      const e = this.#queue.peek();
      if (e === undefined || !e.cancelled) return e;
      this.#queue.shift();
    }
  }

  #requeue(e: Entry): void {
    e.sub = undefined;
    this.#queue.unshift(e, e.priority);
  }

  #dispatch(): void {
    if (this.#closed) return;
    if (this.#busy) {
      this.#dirty = true;
      return;
    }
    this.#busy = true;
    try {
      do {
        this.#dirty = false;
        this.#place();
      } while (this.#dirty && !this.#closed);
    } finally {
      this.#busy = false;
    }
  }

  /** Live subprocesses plus the slots multi-core tasks hold without one. */
  #used(): number {
    let n = this.#pool.length;
    for (const s of this.#pool) n += s.phantom;
    return n;
  }

  #place(): void {
    for (;;) {
      const e = this.#peek();
      if (e === undefined) break;
      if (this.#startProblem !== undefined) {
        // fail what waits now; a later task tries again
        const problem = this.#startProblem;
        this.#startProblem = undefined;
        this.#failWaiting(problem);
        break;
      }
      if (e.cores > 1) {
        if (!this.#placeMulti(e)) break; // head of line: wait for subprocesses to drain
        continue;
      }
      let best: Sub | undefined;
      for (const s of this.#pool) {
        if (!s.open || s.inflight.size + s.out.length >= this.#concurrency) continue;
        if (best === undefined || s.inflight.size < best.inflight.size) best = s;
      }
      if ((best === undefined || best.inflight.size > 0) && this.#used() < this.#max) {
        best = this.#spawn() ?? best;
        if (this.#startProblem !== undefined) continue;
      }
      if (best === undefined) break;
      this.#queue.shift();
      this.#assign(best, e);
    }
    for (const s of this.#pool) if (s.out.length > 0) this.#post(s);
  }

  #placeMulti(e: Entry): boolean {
    const idle = this.#pool.filter((s) => s.open && s.inflight.size === 0 && s.out.length === 0);
    const free = this.#max - this.#used();
    if (idle.length + free < e.cores) return false;
    let runner = idle.shift();
    if (runner === undefined) {
      runner = this.#spawn();
      if (runner === undefined) return true; // #place fails what waits
    }
    this.#queue.shift();
    runner.exclusive = e;
    let need = e.cores - 1;
    for (const s of idle) {
      if (need === 0) break;
      s.reservedFor = runner;
      need--;
    }
    runner.phantom = need;
    this.#assign(runner, e);
    return true;
  }

  #assign(sub: Sub, e: Entry): void {
    e.sub = sub;
    sub.inflight.set(e.id, e);
    sub.out.push(e);
  }

  #release(sub: Sub, e: Entry): void {
    sub.inflight.delete(e.id);
    if (e.abortTimer !== undefined) {
      clearTimeout(e.abortTimer);
      e.abortTimer = undefined;
    }
    if (sub.exclusive === e) {
      sub.exclusive = undefined;
      sub.phantom = 0;
      for (const other of this.#pool) if (other.reservedFor === sub) other.reservedFor = undefined;
    }
    e.sub = undefined;
  }

  #post(sub: Sub): void {
    let out = sub.out;
    sub.out = [];
    const build = (list: Entry[]): ToRuntime => {
      const defs: FnDef[] = [];
      const tasks: unknown[] = new Array(list.length * TASK_STRIDE);
      let i = 0;
      for (const e of list) {
        if (!sub.known.has(e.fnId)) {
          sub.known.add(e.fnId);
          defs.push([e.fnId, e.shipped]);
        }
        const t = e.task;
        tasks[i++] = e.id;
        tasks[i++] = e.id;
        tasks[i++] = t.timeout === undefined ? e.fnId : ~e.fnId;
        tasks[i++] = t.args;
        tasks[i++] = t.module === undefined ? undefined : taskCtx(t);
      }
      return { t: "run", defs, tasks };
    };
    const known = new Set(sub.known);
    let frame: Uint8Array;
    try {
      frame = encodeFrame(build(out));
    } catch {
      // some arguments cannot be serialised: fail those tasks, send the rest
      sub.known.clear();
      for (const id of known) sub.known.add(id);
      const ok: Entry[] = [];
      for (const e of out) {
        const error = unserialisable(e.task.args);
        if (error === undefined) {
          ok.push(e);
          continue;
        }
        this.#release(sub, e);
        this.#entries.delete(e.task);
        this.#host!.failed(
          e.task,
          new TypeError(
            `Cannot send the arguments of task '${e.task.name}' to a subprocess as they cannot be serialised: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { cause: error },
          ),
        );
      }
      out = ok;
      if (out.length === 0) {
        this.#dirty = true;
        return;
      }
      frame = encodeFrame(build(out));
    }
    sub.writer.write(frame).catch(() => {
      // the subprocess is gone: #gone settles its tasks
    });
  }

  // ── reports ─────────────────────────────────────────────────────────────

  #onMessage(sub: Sub, msg: FromRuntime): void {
    if (sub.dead && msg.t !== "dying") return;
    this.#busy = true;
    try {
      switch (msg.t) {
        case "hello":
          sub.heard = true;
          break;
        case "report":
          this.#onReport(sub, msg.started, msg.results);
          if (msg.aborted !== undefined) this.#onAborted(sub, msg.aborted);
          break;
        case "stdout":
          try {
            Deno.stdout.writeSync(new TextEncoder().encode(msg.text));
          } catch {
            // stdout closed
          }
          break;
        case "dying":
          sub.dying = msg.reason;
          break;
      }
    } finally {
      this.#busy = false;
    }
    this.#dispatch();
  }

  #onReport(sub: Sub, started: number[], r: unknown[]): void {
    const host = this.#host!;
    for (const id of started) {
      const e = sub.inflight.get(id);
      if (e && !e.running && !e.cancelled) {
        e.running = true;
        host.running(e.task);
      }
    }
    for (let i = 0; i < r.length; i += 3) {
      const e = sub.inflight.get(r[i] as number);
      if (e === undefined) continue;
      const status = r[i + 1] as number;
      this.#release(sub, e);
      if (e.cancelled) continue;
      if (status === Status.SKIPPED) {
        this.#requeue(e);
        continue;
      }
      this.#entries.delete(e.task);
      if (!e.running) {
        e.running = true;
        host.running(e.task);
      }
      const payload = r[i + 2];
      if (status === Status.OK) host.done(e.task, payload);
      else if (status === Status.THREW) {
        host.failed(e.task, explainLoadError(e.shipped, decodeThrown(payload as Thrown)));
      } else {
        host.failed(
          e.task,
          new TypeError(
            `Cannot return the result of task '${e.task.name}' from a subprocess as it cannot be serialised: ${
              String(payload)
            }`,
          ),
        );
      }
    }
  }

  #failWaiting(message: string): void {
    const host = this.#host!;
    for (let e = this.#peek(); e !== undefined; e = this.#peek()) {
      this.#queue.shift();
      this.#entries.delete(e.task);
      host.failed(e.task, new BackendError(this.name, message));
    }
  }
}
