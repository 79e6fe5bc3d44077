/**
 * SlurmBackend: executable tasks as `srun` job steps inside a Slurm
 * allocation; function tasks on long-lived Deno agents that it starts with
 * `srun` on the allocation's nodes.
 *
 * ## Allocation
 *
 * The allocation is the `allocation` option, else `SLURM_JOB_ID` of the
 * environment (the engine runs inside a job), else one the backend requests
 * at attach and releases at shutdown. A requested allocation is held by
 *
 * ```
 *  salloc --no-kill --nodes=N --exclusive … -- /bin/sh -c 'echo "$SLURM_JOB_ID"; exec cat >/dev/null'
 * ```
 *
 * whose stdin is a pipe from this process: when this process ends in any way
 * (shutdown, `Deno.exit`, an uncaught error, a signal, SIGKILL) the pipe
 * closes, `cat` exits and `salloc` relinquishes the allocation, which also
 * ends its steps. `shutdown()` additionally runs `scancel` and waits for it;
 * {@link SlurmBackend.releaseSync} does the same synchronously (for signal
 * handlers), and an `unload` listener calls it. `--no-kill` keeps the
 * allocation when a node fails: the node is dropped and the rest serve on.
 *
 * ## Slots
 *
 * The backend reads the allocation's nodes with their CPUs and GPUs
 * (`scontrol show job -d`) and keeps a free count per node. A task starts only
 * when its ranks fit (one node when they fit on one, best fit; else spread
 * over nodes in order); the rest wait in a FIFO queue from which smaller tasks
 * backfill. Steps run with `--exact` and an explicit `--nodelist`, so Slurm
 * never has to say "step creation temporarily disabled". With
 * `oversubscribe: true` no slot is counted and steps run with `--overlap`.
 *
 * ## Executables
 *
 * `srun --verbose` runs each step (argv from {@link buildSrunArgv}); its
 * `launching StepId=J.S` line marks the task RUNNING and names the step.
 * Outcome: stdout (or the `stdoutPath`) on success; the task's own exit code
 * or signal (from srun's task exit notices) → `ExecutableError`; a node
 * failure, an `srun` that never launched the step, or an `srun: error:` with
 * exit 0 → `BackendError` carrying Slurm's lines. Cancel: SIGTERM to `srun`
 * (which ends the step) and `scancel J.S`; SIGKILL to `srun` after
 * `killGraceMs`. The slot is freed when `srun` has exited, i.e. when the step
 * is gone.
 *
 * ## Function tasks
 *
 * On the first function task the backend listens on TCP and starts
 * `agentsPerNode` agents ({@link ./slurm_agent.ts}) per node with
 * `srun --overlap` (its own CPU accounting covers them). Tasks go to the
 * agent of the node they are placed on, many per frame; the function crosses
 * as its `module` URL and name or as self-contained source (as with
 * `WorkerBackend`); arguments and results cross in the structured-clone
 * format of `node:v8` (no functions, symbols or class prototypes). An agent
 * reports a batch RUNNING before it calls it. Tasks on one agent share its
 * event loop: async tasks overlap; CPU-bound synchronous ones run one after
 * the other (raise `agentsPerNode` for those). Cancelling a running function
 * task stops its agent: the other tasks on that agent fail with
 * `BackendError`, and a new agent starts when needed.
 *
 * @module
 */

import { dirname } from "node:path";
import type {
  AttachContext,
  BackendHost,
  BackendTask,
  ExecutableTask,
  ExecutionBackend,
  FunctionTask,
  ResolvedResources,
} from "../backend.ts";
import { BackendError, ExecutableError } from "../errors.ts";
import { shipFunction, type ShippedFunction } from "../ship.ts";
import { checkName } from "./_name.ts";
import {
  encodeFrame,
  FrameReader,
  type FromAgent,
  fromThrownValue,
  ResultStatus,
  type ThrownValue,
} from "./slurm_agent.ts";
import { buildSrunArgv, cleanSlurmEnvironment, srunEnvironment } from "./slurm_argv.ts";
import { type JobInfo, parseJobInfo, parseSrunLine, signalName } from "./slurm_parse.ts";

/** Options of {@link SlurmBackend}. */
export interface SlurmBackendOptions {
  /** The name tasks are routed by. @default {"slurm"} */
  name?: string;
  /** The `srun` executable. @default {"srun"} */
  srun?: string;
  /** The `salloc` executable. @default {"salloc"} */
  salloc?: string;
  /** The `scontrol` executable. @default {"scontrol"} */
  scontrol?: string;
  /** The `scancel` executable. @default {"scancel"} */
  scancel?: string;
  /** The `squeue` executable. @default {"squeue"} */
  squeue?: string;
  /** Job id of an existing allocation to use (default: `SLURM_JOB_ID`, else request one). */
  allocation?: string;
  /** Requested allocation: partition (`--partition`). */
  partition?: string;
  /** Requested allocation: account (`--account`). */
  account?: string;
  /** Requested allocation: whole nodes (`--nodes=N --exclusive`). @default {1} */
  nodes?: number;
  /** Requested allocation: time limit (`--time`, e.g. `"1:00:00"`). */
  time?: string;
  /** Requested allocation: more `salloc` flags (after the generated ones). */
  sallocArgs?: string[];
  /** More `srun` flags for every step (after the generated ones). */
  extraSrunArgs?: string[];
  /** Start every task at once with `--overlap`, counting no slots. @default {false} */
  oversubscribe?: boolean;
  /** Agents per node for function tasks. @default {1} */
  agentsPerNode?: number;
  /** Address the agents connect back to. @default {Deno.hostname()} */
  agentAddress?: string;
  /** Address the backend listens on for agents. @default {"0.0.0.0"} */
  listenAddress?: string;
  /** The Deno binary the agents run. @default {Deno.execPath()} */
  deno?: string;
  /** Flags for `deno run` of the agents. @default {["-A", "--no-prompt"]} */
  agentDenoArgs?: string[];
  /** Milliseconds between SIGTERM and SIGKILL to an `srun` being stopped. @default {5000} */
  killGraceMs?: number;
  /** Milliseconds an agent may take to start and say hello. @default {60000} */
  agentStartTimeoutMs?: number;
}

/** One node of the allocation and its free slots. */
interface SlotNode {
  readonly name: string;
  readonly cpus: number;
  readonly gpus: number;
  freeCpus: number;
  freeGpus: number;
  lost: boolean;
  readonly agents: Agent[];
}

/** What a started task holds on one node. */
interface Share {
  readonly node: SlotNode;
  readonly cpus: number;
  readonly gpus: number;
}

/** A running executable step. */
interface StepRun {
  readonly kind: "step";
  readonly task: ExecutableTask;
  readonly shares: Share[];
  child: Deno.ChildProcess | undefined;
  /** `J.S`, once srun said it launched. */
  step: string | undefined;
  cancelled: boolean;
  killTimer: ReturnType<typeof setTimeout> | undefined;
  finished: Promise<void>;
}

/** A function task given to an agent. */
interface FnRun {
  readonly kind: "fn";
  readonly task: FunctionTask;
  readonly shares: Share[];
  readonly id: number;
  readonly fnId: number;
  readonly agent: Agent;
  started: boolean;
  cancelled: boolean;
}

type Run = StepRun | FnRun;

/** A Deno agent process on one node. */
interface Agent {
  readonly id: number;
  readonly node: SlotNode;
  state: "starting" | "ready" | "dead";
  child: Deno.ChildProcess | undefined;
  conn: Deno.Conn | undefined;
  writes: Promise<void>;
  /** Runs sent or waiting to be sent, by id. */
  readonly runs: Map<number, FnRun>;
  /** Flat [id, fnId, args] of runs not yet sent. */
  outbox: unknown[];
  outRuns: FnRun[];
  readonly defined: Set<number>;
  flushQueued: boolean;
  readonly stderrTail: string[];
  nodeFailure: boolean;
  deathReason: string | undefined;
  startTimer: ReturnType<typeof setTimeout> | undefined;
  killTimer: ReturnType<typeof setTimeout> | undefined;
  exited: Promise<void>;
}

/** A queued task. */
interface Pending {
  readonly task: BackendTask;
  /** Set when the entry was started or cancelled. */
  gone: boolean;
}

const DEFAULT_KILL_GRACE_MS = 5000;
const AGENT_URL = new URL("./slurm_agent.ts", import.meta.url).href;
const TERMINAL_JOB_STATES = new Set([
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "DEADLINE",
  "FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PREEMPTED",
  "TIMEOUT",
]);

/**
 * Runs executable tasks as Slurm job steps and function tasks on Deno agents
 * inside one allocation (see the module documentation for the details).
 *
 * @example
 * ```ts ignore
 * import { SlurmBackend, WorkflowEngine } from "../../mod.ts";
 * await using flow = await WorkflowEngine.create({ backend: new SlurmBackend({ nodes: 2 }) });
 * const hostname = flow.executableTask(() => "hostname", { resources: { ranks: 2 } });
 * console.log(await hostname());
 * ```
 */
export class SlurmBackend implements ExecutionBackend {
  /** The backend's name. */
  readonly name: string;
  readonly #options: SlurmBackendOptions;
  readonly #killGraceMs: number;
  readonly #agentsPerNode: number;
  #host: BackendHost | undefined;
  #engineUid = "";
  #jobId: string | undefined;
  #owned = false;
  #released = false;
  #salloc: Deno.ChildProcess | undefined;
  #sallocStdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #baseEnv: Record<string, string> = {};
  #nodes: SlotNode[] = [];
  #queue: Pending[] = [];
  #queueHead = 0;
  readonly #pendingByTask = new Map<BackendTask, Pending>();
  readonly #runs = new Map<BackendTask, Run>();
  readonly #steps = new Set<Promise<void>>();
  readonly #chores = new Set<Promise<unknown>>();
  #pumpQueued = false;
  #closed = false;
  #shutdown: Promise<void> | undefined;
  // Agents
  #listener: Deno.TcpListener | undefined;
  #token = "";
  #agentSeq = 0;
  #runSeq = 0;
  readonly #agents = new Map<number, Agent>();
  readonly #fnIds = new WeakMap<object, Map<string, { fnId: number; shipped: ShippedFunction }>>();
  readonly #shippedById = new Map<number, ShippedFunction>();
  #fnSeq = 0;
  readonly #onUnload = () => this.releaseSync();

  /**
   * Create the backend; the allocation is found or requested when the engine attaches it.
   *
   * @param options see {@link SlurmBackendOptions}
   * @throws {TypeError} on options of the wrong type
   * @throws {RangeError} on a non-positive `nodes` / `agentsPerNode` or a negative `killGraceMs`
   */
  constructor(options: SlurmBackendOptions = {}) {
    this.name = checkName("SlurmBackend", options, "slurm");
    for (
      const key of [
        "srun",
        "salloc",
        "scontrol",
        "scancel",
        "squeue",
        "allocation",
        "partition",
        "account",
        "time",
        "agentAddress",
        "listenAddress",
        "deno",
      ] as const
    ) {
      const v = options[key];
      if (v !== undefined && (typeof v !== "string" || v === "")) {
        throw new TypeError(
          `Cannot create SlurmBackend as '${key}' must be a non-empty string: received ${
            describe(v)
          }`,
        );
      }
    }
    for (const key of ["sallocArgs", "extraSrunArgs", "agentDenoArgs"] as const) {
      const v = options[key];
      if (v !== undefined && (!Array.isArray(v) || v.some((a) => typeof a !== "string"))) {
        throw new TypeError(
          `Cannot create SlurmBackend as '${key}' must be an array of strings: received ${
            describe(v)
          }`,
        );
      }
    }
    positiveInteger("nodes", options.nodes);
    positiveInteger("agentsPerNode", options.agentsPerNode);
    positiveInteger("agentStartTimeoutMs", options.agentStartTimeoutMs);
    const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    if (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0) {
      throw new RangeError(
        `Cannot create SlurmBackend as 'killGraceMs' must be a non-negative number: received ${
          describe(grace)
        }`,
      );
    }
    this.#options = { ...options };
    this.#killGraceMs = grace;
    this.#agentsPerNode = options.agentsPerNode ?? 1;
  }

  /** The allocation's job id, once attached. */
  get jobId(): string | undefined {
    return this.#jobId;
  }

  /** The usable nodes with their CPUs and GPUs, once attached. */
  get nodes(): { name: string; cpus: number; gpus: number }[] {
    return this.#nodes.filter((n) => !n.lost).map((n) => ({
      name: n.name,
      cpus: n.cpus,
      gpus: n.gpus,
    }));
  }

  /**
   * Whether a run with these resources could ever fit the allocation;
   * `undefined` before attach (nothing is known yet).
   */
  checkResources(resources: ResolvedResources): string | undefined {
    if (this.#host === undefined || this.#options.oversubscribe) return undefined;
    return this.#neverFits(resources, false);
  }

  /**
   * Binds to the engine: finds or requests the allocation and reads its
   * nodes.
   *
   * @throws {Error} when the allocation cannot be obtained or read
   */
  async attach(context: AttachContext): Promise<void> {
    if (this.#host !== undefined) {
      throw new Error(`Cannot attach backend '${this.name}' as it already serves an engine`);
    }
    this.#host = context.host;
    this.#engineUid = context.engineUid;
    this.#baseEnv = cleanSlurmEnvironment(Deno.env.toObject());
    const given = this.#options.allocation ?? Deno.env.get("SLURM_JOB_ID");
    let info: JobInfo;
    if (given !== undefined && given !== "") {
      this.#jobId = given;
      info = await this.#waitRunning(given);
    } else {
      this.#jobId = await this.#requestAllocation();
      try {
        info = await this.#waitRunning(this.#jobId);
      } catch (error) {
        await this.#release();
        throw error;
      }
    }
    this.#nodes = info.nodes.map((n) => ({
      name: n.name,
      cpus: n.cpus,
      gpus: n.gpus,
      freeCpus: n.cpus,
      freeGpus: n.gpus,
      lost: false,
      agents: [],
    }));
    if (this.#nodes.length === 0) {
      if (this.#owned) await this.#release();
      throw new Error(
        `Cannot attach backend '${this.name}' as allocation ${info.jobId} has no nodes`,
      );
    }
  }

  /** Queues these tasks; they start as slots free up. Never throws. */
  submit(tasks: readonly BackendTask[]): void {
    const host = this.#host;
    if (host === undefined) return;
    for (const task of tasks) {
      if (this.#closed) {
        host.failed(
          task,
          new BackendError(
            this.name,
            `Cannot start task '${task.name}' as the backend is shut down`,
          ),
        );
        continue;
      }
      if (task.kind === "function" && !this.#options.oversubscribe) {
        const need = task.resources.ranks * task.resources.coresPerRank;
        const largest = Math.max(0, ...this.#live().map((n) => n.cpus));
        if (need > largest) {
          host.failed(
            task,
            new RangeError(
              `Cannot run function task '${task.name}' on backend '${this.name}' as it needs ${need} cores on one node but the largest node has ${largest}`,
            ),
          );
          continue;
        }
      }
      const pending: Pending = { task, gone: false };
      this.#queue.push(pending);
      this.#pendingByTask.set(task, pending);
    }
    this.#pump();
  }

  /** Stops a queued or running task; frees its slots once it is gone. Never throws. */
  cancel(task: BackendTask, _reason: unknown): void {
    const pending = this.#pendingByTask.get(task);
    if (pending !== undefined) {
      pending.gone = true;
      this.#pendingByTask.delete(task);
      return;
    }
    const run = this.#runs.get(task);
    if (run === undefined || run.cancelled) return;
    run.cancelled = true;
    if (run.kind === "step") this.#stopStep(run);
    else this.#cancelFunction(run);
  }

  /**
   * Stops every step and agent, reports tasks still queued or running as
   * cancelled, and releases an allocation this backend requested. Idempotent.
   */
  shutdown(): Promise<void> {
    return this.#shutdown ??= this.#doShutdown();
  }

  /**
   * Releases a requested allocation synchronously (`scancel`), for signal
   * handlers and `unload`. Running steps end with it. Does nothing for an
   * allocation the backend did not request, or when already released.
   */
  releaseSync(): void {
    if (!this.#owned || this.#released || this.#jobId === undefined) return;
    this.#released = true;
    try {
      new Deno.Command(this.#options.scancel ?? "scancel", {
        args: [this.#jobId],
        env: this.#baseEnv,
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).outputSync();
    } catch {
      // Nothing more can be done synchronously; the salloc watchdog still
      // releases the allocation when this process ends.
    }
    globalThis.removeEventListener("unload", this.#onUnload);
  }

  // ------------------------------------------------------------ allocation

  async #requestAllocation(): Promise<string> {
    const o = this.#options;
    const args = [
      "--no-kill",
      `--job-name=asyncflow-${this.#engineUid}`,
      `--nodes=${o.nodes ?? 1}`,
      "--exclusive",
    ];
    if (o.partition !== undefined) args.push(`--partition=${o.partition}`);
    if (o.account !== undefined) args.push(`--account=${o.account}`);
    if (o.time !== undefined) args.push(`--time=${o.time}`);
    if (o.sallocArgs !== undefined) args.push(...o.sallocArgs);
    args.push("--", "/bin/sh", "-c", 'echo "$SLURM_JOB_ID"; exec cat >/dev/null');
    const salloc = o.salloc ?? "salloc";
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(salloc, {
        args,
        env: this.#baseEnv,
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new Error(
        `Cannot request a Slurm allocation as '${salloc}' could not be started: ${message(error)}`,
        { cause: error },
      );
    }
    this.#salloc = child;
    this.#owned = true;
    this.#sallocStdin = child.stdin.getWriter();
    const stderr: string[] = [];
    let pendingId: string | undefined;
    const stderrDone = readLines(child.stderr, (line) => {
      stderr.push(line);
      const m = /job allocation (\d+)/.exec(line);
      if (m !== null) pendingId ??= m[1];
    });
    this.#chore(stderrDone);
    let jobId: string | undefined;
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const status = child.status;
    while (jobId === undefined) {
      const r = await reader.read();
      if (r.done) break;
      text += r.value;
      const nl = text.indexOf("\n");
      if (nl >= 0) jobId = text.slice(0, nl).trim();
    }
    void reader.cancel().catch(() => {});
    if (jobId === undefined || !/^\d+$/.test(jobId)) {
      const code = (await status).code;
      await stderrDone;
      this.#jobId = pendingId;
      await this.#release();
      throw new Error(
        `Cannot request a Slurm allocation as salloc exited with code ${code}: ${
          stderr.join("\n").trim() || `stdout ${JSON.stringify(text)}`
        }`,
      );
    }
    child.unref();
    globalThis.addEventListener("unload", this.#onUnload);
    return jobId;
  }

  async #waitRunning(jobId: string): Promise<JobInfo> {
    for (let attempt = 0;; attempt++) {
      const out = await this.#run(this.#options.scontrol ?? "scontrol", [
        "show",
        "job",
        "-d",
        jobId,
      ]);
      if (!out.ok) {
        throw new Error(
          `Cannot read Slurm allocation ${jobId} as scontrol failed: ${
            out.stderr.trim() || out.stdout.trim()
          }`,
        );
      }
      const info = parseJobInfo(out.stdout);
      if (info.state === "RUNNING" && info.nodes.length > 0) return info;
      if (TERMINAL_JOB_STATES.has(info.state)) {
        throw new Error(
          `Cannot use Slurm allocation ${jobId} as it is ${info.state} (reason: ${info.reason})`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * (attempt + 1))));
    }
  }

  async #release(): Promise<void> {
    if (!this.#owned || this.#released) return;
    this.#released = true;
    globalThis.removeEventListener("unload", this.#onUnload);
    const writer = this.#sallocStdin;
    if (writer !== undefined) await writer.close().catch(() => {});
    if (this.#jobId !== undefined) {
      await this.#run(this.#options.scancel ?? "scancel", [this.#jobId]);
    }
    const child = this.#salloc;
    if (child !== undefined) {
      const timer = setTimeout(() => tryKill(child, "SIGKILL"), 10_000);
      await child.status;
      clearTimeout(timer);
    }
  }

  // ------------------------------------------------------------- scheduling

  #live(): SlotNode[] {
    return this.#nodes.filter((n) => !n.lost);
  }

  /** Why `r` can never fit the usable nodes, or undefined. */
  #neverFits(r: ResolvedResources, lost: boolean): string | undefined {
    const live = this.#live();
    const what = `allocation ${this.#jobId} (${
      live.map((n) => `${n.name}: ${n.cpus} CPUs${n.gpus > 0 ? `, ${n.gpus} GPUs` : ""}`).join(
        "; ",
      ) || "no nodes left"
    })${lost ? " after losing nodes" : ""}`;
    const maxCpus = Math.max(0, ...live.map((n) => n.cpus));
    if (r.coresPerRank > maxCpus) {
      return `it needs ${r.coresPerRank} cores per rank but the largest node of ${what} has ${maxCpus}`;
    }
    const maxGpus = Math.max(0, ...live.map((n) => n.gpus));
    if (r.gpusPerRank > maxGpus) {
      return `it needs ${r.gpusPerRank} GPUs per rank but the node with most GPUs of ${what} has ${maxGpus}`;
    }
    let ranks = 0;
    for (const n of live) {
      let k = Math.floor(n.cpus / r.coresPerRank);
      if (r.gpusPerRank > 0) k = Math.min(k, Math.floor(n.gpus / r.gpusPerRank));
      ranks += k;
    }
    if (r.ranks > ranks) {
      return `it needs ${r.ranks} ranks of ${r.coresPerRank} cores${
        r.gpusPerRank > 0 ? ` and ${r.gpusPerRank} GPUs` : ""
      } but ${what} holds at most ${ranks}`;
    }
    return undefined;
  }

  /** Chooses nodes for `task` among the free slots, or undefined. */
  #place(task: BackendTask): Share[] | undefined {
    if (this.#options.oversubscribe) return [];
    const { ranks, coresPerRank, gpusPerRank } = task.resources;
    const cpus = ranks * coresPerRank;
    const gpus = ranks * gpusPerRank;
    let best: SlotNode | undefined;
    for (const n of this.#nodes) {
      if (n.lost || n.freeCpus < cpus || n.freeGpus < gpus) continue;
      if (best === undefined || n.freeCpus < best.freeCpus) best = n;
    }
    if (best !== undefined) return [{ node: best, cpus, gpus }];
    if (task.kind === "function" || ranks === 1) return undefined;
    const shares: Share[] = [];
    let left = ranks;
    for (const n of this.#nodes) {
      if (n.lost) continue;
      let k = Math.floor(n.freeCpus / coresPerRank);
      if (gpusPerRank > 0) k = Math.min(k, Math.floor(n.freeGpus / gpusPerRank));
      k = Math.min(k, left);
      if (k <= 0) continue;
      shares.push({ node: n, cpus: k * coresPerRank, gpus: k * gpusPerRank });
      left -= k;
      if (left === 0) return shares;
    }
    return undefined;
  }

  #pump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#drainQueue();
    });
  }

  #drainQueue(): void {
    if (this.#closed) return;
    const q = this.#queue;
    // Smallest single-node request (cores, gpus) that did not fit in this pass:
    // any request at least as large on both counts cannot fit either.
    let failCpus = Infinity;
    let failGpus = Infinity;
    for (let i = this.#queueHead; i < q.length; i++) {
      const p = q[i]!;
      if (p.gone) {
        if (i === this.#queueHead) this.#queueHead++;
        continue;
      }
      const r = p.task.resources;
      const cpus = r.ranks * r.coresPerRank;
      const gpus = r.ranks * r.gpusPerRank;
      if (cpus >= failCpus && gpus >= failGpus) continue;
      const shares = this.#place(p.task);
      if (shares === undefined) {
        if (p.task.kind === "function" || r.ranks === 1) {
          if (cpus <= failCpus && gpus <= failGpus) {
            failCpus = cpus;
            failGpus = gpus;
          }
        }
        if (this.#live().every((n) => n.freeCpus === 0)) break;
        continue;
      }
      p.gone = true;
      this.#pendingByTask.delete(p.task);
      if (i === this.#queueHead) this.#queueHead++;
      for (const s of shares) {
        s.node.freeCpus -= s.cpus;
        s.node.freeGpus -= s.gpus;
      }
      if (p.task.kind === "executable") this.#startStep(p.task, shares);
      else this.#startFunction(p.task, shares);
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > q.length) {
      this.#queue = q.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  #free(shares: readonly Share[]): void {
    for (const s of shares) {
      s.node.freeCpus += s.cpus;
      s.node.freeGpus += s.gpus;
    }
  }

  /** A node failed: stop using it; fail queued tasks that can no longer fit. */
  #nodeLost(name: string): void {
    const node = this.#nodes.find((n) => n.name === name);
    if (node === undefined || node.lost) return;
    node.lost = true;
    for (const agent of [...node.agents]) this.#killAgent(agent, `node ${name} failed`);
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      const p = this.#queue[i]!;
      if (p.gone) continue;
      const why = this.#neverFits(p.task.resources, true);
      if (why === undefined) continue;
      p.gone = true;
      this.#pendingByTask.delete(p.task);
      this.#host?.failed(
        p.task,
        new BackendError(
          this.name,
          `Cannot run task '${p.task.name}' on backend '${this.name}' as ${why}`,
        ),
      );
    }
  }

  // ------------------------------------------------------------ executables

  #startStep(task: ExecutableTask, shares: Share[]): void {
    const run: StepRun = {
      kind: "step",
      task,
      shares,
      child: undefined,
      step: undefined,
      cancelled: false,
      killTimer: undefined,
      finished: Promise.resolve(),
    };
    this.#runs.set(task, run);
    const finished = this.#executeStep(run).catch((error) => {
      // Unexpected: never leave the task without an outcome.
      if (!run.cancelled) {
        this.#host?.failed(task, new BackendError(this.name, message(error), { cause: error }));
      }
    }).finally(() => {
      clearTimeout(run.killTimer);
      this.#runs.delete(task);
      this.#free(shares);
      this.#steps.delete(finished);
      this.#pump();
    });
    run.finished = finished;
    this.#steps.add(finished);
  }

  async #executeStep(run: StepRun): Promise<void> {
    const { task } = run;
    const host = this.#host!;
    let argv: string[];
    try {
      argv = buildSrunArgv(task, {
        ...(this.#options.srun !== undefined ? { srun: this.#options.srun } : {}),
        jobId: this.#jobId,
        nodes: this.#options.oversubscribe ? undefined : nodeNames(run.shares),
        overlap: this.#options.oversubscribe ?? false,
        verbose: true,
        extraArgs: this.#options.extraSrunArgs,
      });
      for (const path of [task.stdoutPath, task.stderrPath]) {
        if (path !== undefined) await Deno.mkdir(dirname(path), { recursive: true });
      }
    } catch (error) {
      if (run.cancelled) return;
      // Bad command, env or resources: the argv builder's TypeError/RangeError.
      const bad = error instanceof TypeError || error instanceof RangeError;
      host.failed(
        task,
        bad
          ? error
          : new BackendError(this.name, `Cannot start task '${task.name}': ${message(error)}`, {
            cause: error,
          }),
      );
      return;
    }
    if (run.cancelled) return;
    const captured = task.stdoutPath !== undefined;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(argv[0]!, {
        args: argv.slice(1),
        env: srunEnvironment(task, this.#baseEnv),
        clearEnv: true,
        stdin: "null",
        stdout: captured ? "null" : "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      host.failed(
        task,
        new BackendError(
          this.name,
          `Cannot start task '${task.name}' as '${argv[0]}' could not be started: ${
            message(error)
          }`,
          {
            cause: error,
          },
        ),
      );
      return;
    }
    run.child = child;
    let launched = false;
    let nodeFailure: string | undefined;
    let finishStatus = 0;
    const slurmErrors: string[] = [];
    const stderrLines: string[] = [];
    const stderrDone = readLines(child.stderr, (line) => {
      const l = parseSrunLine(line);
      switch (l.kind) {
        case "launching":
          if (run.step === undefined) {
            run.step = `${l.jobId}.${l.stepId}`;
            if (run.cancelled) this.#scancel(run.step);
          }
          if (!launched) {
            launched = true;
            if (!run.cancelled) host.running(task);
          }
          break;
        case "finished":
          if (finishStatus === 0) finishStatus = l.status;
          break;
        case "error":
          slurmErrors.push(line);
          if (l.nodeFailure !== undefined) nodeFailure ??= l.nodeFailure;
          break;
        case "output":
          stderrLines.push(line);
          break;
      }
    });
    const stdoutText = captured ? Promise.resolve("") : new Response(child.stdout).text();
    const [status, stdout] = await Promise.all([
      child.status,
      stdoutText.catch(() => ""),
      stderrDone,
    ]);
    if (nodeFailure !== undefined) {
      this.#nodeLost(nodeFailure);
      // The step's record stays behind after a node failure: clear it.
      if (run.step !== undefined) this.#scancel(run.step);
    }
    if (run.cancelled) return;
    const stderr = stderrLines.length > 0 ? stderrLines.join("\n") + "\n" : "";
    const command = typeof task.command === "string" ? task.command : [...task.command];
    if (nodeFailure !== undefined) {
      host.failed(
        task,
        new BackendError(
          this.name,
          `Cannot finish task '${task.name}' as Slurm reported a node failure: ${
            slurmErrors.join("\n")
          }`,
        ),
      );
    } else if (!launched) {
      host.failed(
        task,
        new BackendError(
          this.name,
          `Cannot start task '${task.name}' as srun exited with code ${status.code} before launching the step: ${
            (slurmErrors.length > 0 ? slurmErrors : stderrLines).slice(-5).join("\n") ||
            "no message"
          }`,
        ),
      );
    } else if (finishStatus !== 0 || status.code !== 0) {
      const signal = finishStatus & 0x7f;
      host.failed(
        task,
        new ExecutableError({
          exitCode: signal !== 0 ? null : finishStatus !== 0 ? finishStatus >> 8 : status.code,
          signal: signal !== 0 ? signalName(signal) : null,
          stdout,
          stderr,
          command,
        }),
      );
    } else if (slurmErrors.length > 0) {
      host.failed(
        task,
        new BackendError(
          this.name,
          `Cannot finish task '${task.name}' as srun reported: ${slurmErrors.join("\n")}`,
        ),
      );
    } else {
      host.done(task, task.stdoutPath ?? stdout);
    }
  }

  #stopStep(run: StepRun): void {
    const child = run.child;
    if (run.step !== undefined) this.#scancel(run.step);
    if (child === undefined) return; // not spawned yet: #executeStep sees the flag
    tryKill(child, "SIGTERM");
    run.killTimer = setTimeout(() => {
      tryKill(child, "SIGKILL");
      // srun is gone; a step it had created without telling us is found by name.
      if (run.step === undefined) this.#scancelByName(run.task.uid);
    }, this.#killGraceMs);
  }

  #scancel(step: string): void {
    this.#chore(this.#run(this.#options.scancel ?? "scancel", ["--quiet", step]));
  }

  #scancelByName(name: string): void {
    this.#chore((async () => {
      if (this.#jobId === undefined) return;
      const out = await this.#run(this.#options.squeue ?? "squeue", [
        "--noheader",
        "--steps",
        `--jobs=${this.#jobId}`,
        "--format=%i %j",
      ]);
      for (const line of out.stdout.split("\n")) {
        const [id, jobName] = line.trim().split(/\s+/);
        if (id !== undefined && jobName === name) {
          await this.#run(this.#options.scancel ?? "scancel", ["--quiet", id]);
        }
      }
    })());
  }

  // --------------------------------------------------------- function tasks

  #startFunction(task: FunctionTask, shares: Share[]): void {
    const host = this.#host!;
    let def: { fnId: number; shipped: ShippedFunction };
    try {
      def = this.#define(task);
    } catch (error) {
      this.#free(shares);
      host.failed(task, error);
      this.#pump();
      return;
    }
    const node = shares[0]?.node ?? this.#live()[0];
    if (node === undefined) {
      this.#free(shares);
      host.failed(
        task,
        new BackendError(
          this.name,
          `Cannot run task '${task.name}' as the allocation has no nodes left`,
        ),
      );
      return;
    }
    let agent: Agent;
    try {
      agent = this.#agentFor(node);
    } catch (error) {
      this.#free(shares);
      host.failed(
        task,
        new BackendError(this.name, `Cannot run task '${task.name}': ${message(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    const run: FnRun = {
      kind: "fn",
      task,
      shares,
      id: ++this.#runSeq,
      fnId: def.fnId,
      agent,
      started: false,
      cancelled: false,
    };
    this.#runs.set(task, run);
    agent.runs.set(run.id, run);
    agent.outbox.push(run.id, def.fnId, task.args);
    agent.outRuns.push(run);
    if (agent.state === "ready") this.#queueFlush(agent);
  }

  #define(task: FunctionTask): { fnId: number; shipped: ShippedFunction } {
    const key = task.module ?? "";
    let byModule = this.#fnIds.get(task.fn);
    if (byModule === undefined) {
      byModule = new Map();
      this.#fnIds.set(task.fn, byModule);
    }
    let def = byModule.get(key);
    if (def === undefined) {
      const shipped = shipFunction(task.fn as (...args: unknown[]) => unknown, task.module);
      def = { fnId: ++this.#fnSeq, shipped };
      byModule.set(key, def);
      this.#shippedById.set(def.fnId, shipped);
    }
    return def;
  }

  #agentFor(node: SlotNode): Agent {
    const live = node.agents.filter((a) => a.state !== "dead");
    if (live.length < this.#agentsPerNode) {
      const started = this.#startAgent(node);
      return started;
    }
    let best = live[0]!;
    for (const a of live) if (a.runs.size < best.runs.size) best = a;
    return best;
  }

  #ensureListener(): Deno.TcpListener {
    if (this.#listener !== undefined) return this.#listener;
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    this.#token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const listener = Deno.listen({ hostname: this.#options.listenAddress ?? "0.0.0.0", port: 0 });
    this.#listener = listener;
    this.#chore((async () => {
      try {
        for await (const conn of listener) this.#greet(conn);
      } catch {
        // Listener closed.
      }
    })());
    return listener;
  }

  /** Reads the first frame of a new connection: an agent's hello with the token. */
  #greet(conn: Deno.TcpConn): void {
    let agent: Agent | undefined;
    const timer = setTimeout(() => {
      if (agent === undefined) tryClose(conn);
    }, 10_000);
    const reader = new FrameReader((message) => {
      const m = message as FromAgent;
      if (agent === undefined) {
        clearTimeout(timer);
        const candidate = m.t === "hello" && m.token === this.#token
          ? this.#agents.get(m.agent)
          : undefined;
        if (candidate === undefined || candidate.state !== "starting") {
          tryClose(conn);
          throw new Error("unknown agent");
        }
        agent = candidate;
        this.#agentReady(agent, conn);
        return;
      }
      if (m.t === "report") this.#onReport(agent, m.started, m.results);
    });
    this.#chore((async () => {
      try {
        for await (const chunk of conn.readable) reader.push(chunk);
      } catch {
        // Reset, or a bad frame: the agent is treated as gone.
      }
      clearTimeout(timer);
      tryClose(conn);
      if (agent !== undefined) this.#killAgent(agent, "its connection closed");
    })());
  }

  #startAgent(node: SlotNode): Agent {
    const listener = this.#ensureListener();
    const id = ++this.#agentSeq;
    const agent: Agent = {
      id,
      node,
      state: "starting",
      child: undefined,
      conn: undefined,
      writes: Promise.resolve(),
      runs: new Map(),
      outbox: [],
      outRuns: [],
      defined: new Set(),
      flushQueued: false,
      stderrTail: [],
      nodeFailure: false,
      deathReason: undefined,
      startTimer: undefined,
      killTimer: undefined,
      exited: Promise.resolve(),
    };
    const port = (listener.addr as Deno.NetAddr).port;
    const address = this.#options.agentAddress ?? Deno.hostname();
    const deno = this.#options.deno ?? Deno.execPath();
    const argv = buildSrunArgv({
      uid: `asyncflow-agent.${this.#engineUid}.${id}`,
      resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
      command: [
        deno,
        "run",
        ...(this.#options.agentDenoArgs ?? ["-A", "--no-prompt"]),
        AGENT_URL,
        address,
        String(port),
        String(id),
      ],
    }, {
      ...(this.#options.srun !== undefined ? { srun: this.#options.srun } : {}),
      jobId: this.#jobId,
      nodes: [node.name],
      overlap: true,
    });
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      env: { ...this.#baseEnv, ASYNCFLOW_AGENT_TOKEN: this.#token },
      clearEnv: true,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).spawn();
    agent.child = child;
    this.#agents.set(id, agent);
    node.agents.push(agent);
    const stderrDone = readLines(child.stderr, (line) => {
      const l = parseSrunLine(line);
      if (l.kind === "error" && l.nodeFailure !== undefined) agent.nodeFailure = true;
      if (l.kind === "output") console.error(line);
      agent.stderrTail.push(line);
      if (agent.stderrTail.length > 20) agent.stderrTail.shift();
    });
    agent.startTimer = setTimeout(
      () =>
        this.#killAgent(
          agent,
          `it did not connect within ${this.#options.agentStartTimeoutMs ?? 60_000} ms`,
        ),
      this.#options.agentStartTimeoutMs ?? 60_000,
    );
    agent.exited = Promise.all([child.status, stderrDone]).then(([status]) => {
      clearTimeout(agent.startTimer);
      clearTimeout(agent.killTimer);
      if (agent.nodeFailure) this.#nodeLost(node.name);
      this.#agentGone(agent, agent.deathReason ?? `it exited with code ${status.code}`);
    });
    this.#chore(agent.exited);
    return agent;
  }

  #agentReady(agent: Agent, conn: Deno.TcpConn): void {
    if (agent.state !== "starting") {
      tryClose(conn);
      return;
    }
    clearTimeout(agent.startTimer);
    agent.state = "ready";
    agent.conn = conn;
    try {
      conn.setNoDelay(true);
    } catch {
      // Not a TCP connection option everywhere.
    }
    if (agent.outbox.length > 0) this.#queueFlush(agent);
  }

  #queueFlush(agent: Agent): void {
    if (agent.flushQueued) return;
    agent.flushQueued = true;
    queueMicrotask(() => {
      agent.flushQueued = false;
      this.#flush(agent);
    });
  }

  #flush(agent: Agent): void {
    if (agent.state !== "ready" || agent.outbox.length === 0) return;
    let tasks = agent.outbox;
    let runs = agent.outRuns;
    agent.outbox = [];
    agent.outRuns = [];
    const defs: [number, ShippedFunction][] = [];
    for (const run of runs) {
      if (!agent.defined.has(run.fnId)) {
        agent.defined.add(run.fnId);
        defs.push([run.fnId, this.#shippedById.get(run.fnId)!]);
      }
    }
    let frame: Uint8Array;
    try {
      frame = encodeFrame({ t: "run", defs, tasks });
    } catch {
      // Some arguments cannot be serialised: fail those tasks, send the rest.
      const keepTasks: unknown[] = [];
      const keepRuns: FnRun[] = [];
      for (let i = 0; i < runs.length; i++) {
        const run = runs[i]!;
        try {
          encodeFrame(tasks[i * 3 + 2]);
          keepTasks.push(run.id, run.fnId, tasks[i * 3 + 2]);
          keepRuns.push(run);
        } catch (error) {
          agent.runs.delete(run.id);
          this.#runs.delete(run.task);
          this.#free(run.shares);
          this.#host?.failed(
            run.task,
            new TypeError(
              `Cannot send the arguments of task '${run.task.name}' to a Slurm agent as they cannot be serialised: ${
                message(error)
              }`,
            ),
          );
        }
      }
      tasks = keepTasks;
      runs = keepRuns;
      this.#pump();
      if (runs.length === 0 && defs.length === 0) return;
      frame = encodeFrame({ t: "run", defs, tasks });
    }
    const conn = agent.conn!;
    agent.writes = agent.writes.then(async () => {
      let at = 0;
      while (at < frame.length) at += await conn.write(frame.subarray(at));
    }).catch(() => this.#killAgent(agent, "writing to it failed"));
  }

  #onReport(agent: Agent, started: number[], results: unknown[]): void {
    const host = this.#host!;
    for (const id of started) {
      const run = agent.runs.get(id);
      if (run === undefined || run.started) continue;
      run.started = true;
      if (!run.cancelled) host.running(run.task);
    }
    for (let i = 0; i < results.length; i += 3) {
      const id = results[i] as number;
      const status = results[i + 1] as number;
      const payload = results[i + 2];
      const run = agent.runs.get(id);
      if (run === undefined) continue;
      agent.runs.delete(id);
      this.#runs.delete(run.task);
      this.#free(run.shares);
      if (run.cancelled) continue;
      if (!run.started) {
        run.started = true;
        host.running(run.task);
      }
      if (status === ResultStatus.OK) host.done(run.task, payload);
      else if (status === ResultStatus.THREW) {
        host.failed(run.task, fromThrownValue(payload as ThrownValue));
      } else {
        host.failed(
          run.task,
          new TypeError(
            `Cannot return the result of task '${run.task.name}' from a Slurm agent as it cannot be serialised: ${
              String(payload)
            }`,
          ),
        );
      }
    }
    if (results.length > 0) this.#pump();
  }

  #cancelFunction(run: FnRun): void {
    const agent = run.agent;
    const i = agent.outRuns.indexOf(run);
    if (i >= 0) {
      // Not sent yet: drop it.
      agent.outRuns.splice(i, 1);
      agent.outbox.splice(i * 3, 3);
      agent.runs.delete(run.id);
      this.#runs.delete(run.task);
      this.#free(run.shares);
      this.#pump();
      return;
    }
    // Running JavaScript cannot be interrupted: stop the agent.
    this.#killAgent(agent, `task '${run.task.name}' on it was cancelled`);
  }

  /** Stops an agent; its tasks fail (or end quietly when cancelled) once its srun is gone. */
  #killAgent(agent: Agent, reason: string): void {
    if (agent.state === "dead") return;
    agent.state = "dead";
    agent.deathReason = reason;
    clearTimeout(agent.startTimer);
    if (agent.conn !== undefined) tryClose(agent.conn);
    const child = agent.child;
    if (child !== undefined) {
      tryKill(child, "SIGTERM");
      agent.killTimer = setTimeout(() => tryKill(child, "SIGKILL"), this.#killGraceMs);
    }
  }

  /** The agent's srun has exited: settle what it held. */
  #agentGone(agent: Agent, reason: string): void {
    agent.state = "dead";
    if (agent.conn !== undefined) tryClose(agent.conn);
    this.#agents.delete(agent.id);
    const list = agent.node.agents;
    const at = list.indexOf(agent);
    if (at >= 0) list.splice(at, 1);
    const tail = agent.stderrTail.slice(-5).join("\n");
    for (const run of agent.runs.values()) {
      this.#runs.delete(run.task);
      this.#free(run.shares);
      if (run.cancelled) continue;
      this.#host?.failed(
        run.task,
        new BackendError(
          this.name,
          `Cannot finish task '${run.task.name}' as its Slurm agent on node ${agent.node.name} stopped because ${reason}${
            tail ? `: ${tail}` : ""
          }`,
        ),
      );
    }
    agent.runs.clear();
    agent.outbox = [];
    agent.outRuns = [];
    this.#pump();
  }

  // --------------------------------------------------------------- shutdown

  async #doShutdown(): Promise<void> {
    this.#closed = true;
    const host = this.#host;
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      const p = this.#queue[i]!;
      if (p.gone) continue;
      p.gone = true;
      host?.cancelled(p.task, "backend shut down");
    }
    this.#queue = [];
    this.#queueHead = 0;
    this.#pendingByTask.clear();
    for (const run of [...this.#runs.values()]) {
      if (run.cancelled) continue;
      run.cancelled = true;
      host?.cancelled(run.task, "backend shut down");
      if (run.kind === "step") this.#stopStep(run);
    }
    for (const agent of [...this.#agents.values()]) this.#killAgent(agent, "the backend shut down");
    await Promise.allSettled([...this.#steps]);
    await Promise.allSettled([...this.#agents.values()].map((a) => a.exited));
    try {
      this.#listener?.close();
    } catch {
      // Already closed.
    }
    await this.#release();
    // Until nothing this backend started is left (scancels, readers).
    while (this.#chores.size > 0) await Promise.allSettled([...this.#chores]);
  }

  // ---------------------------------------------------------------- helpers

  #chore(p: Promise<unknown>): void {
    const tracked = p.catch(() => {}).finally(() => this.#chores.delete(tracked));
    this.#chores.add(tracked);
  }

  async #run(
    cmd: string,
    args: string[],
  ): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    try {
      const out = await new Deno.Command(cmd, {
        args,
        env: this.#baseEnv,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const d = new TextDecoder();
      return { ok: out.success, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
    } catch (error) {
      return { ok: false, stdout: "", stderr: `'${cmd}' could not be started: ${message(error)}` };
    }
  }
}

/** Calls `onLine` for every line of a byte stream; resolves at its end. */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    }
  } catch {
    // The stream broke: what was read is all there is.
  }
  if (rest !== "") onLine(rest);
}

function nodeNames(shares: readonly Share[]): string[] {
  return shares.map((s) => s.node.name);
}

function tryKill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already exited.
  }
}

function tryClose(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : String(value);
}

function positiveInteger(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot create SlurmBackend as '${name}' must be a positive integer: received ${
        describe(value)
      }`,
    );
  }
}
