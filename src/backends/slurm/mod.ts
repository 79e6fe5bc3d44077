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
 * `srun --verbose` runs each step (argv from `buildSrunArgv` (argv.ts)); its
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
 * `agentsPerNode` agents ({@link ./agent.ts}) per node with
 * `srun --overlap` (its own CPU accounting covers them). Tasks go to the
 * agent of the node they are placed on, many per frame, in the protocol every
 * out-of-process runtime speaks (`src/remote/protocol.ts`, shared with
 * `WorkerBackend` and `ProcessBackend`): the function crosses as its `module`
 * URL and name or as self-contained source; arguments and results cross in
 * the structured-clone format of `node:v8` (no functions, symbols or class
 * prototypes); errors arrive with their class, message, stack, `cause` and
 * fields; `taskContext()` answers in `module` tasks. An agent reports a task
 * RUNNING before it calls it. Tasks on one agent share its event loop: async
 * tasks overlap; CPU-bound synchronous ones run one after the other (raise
 * `agentsPerNode` for those). A cancel or timeout of a running function task
 * aborts its signal; if the body does not settle within 2 s, or the agent is
 * stuck in synchronous code, the agent is stopped, its other tasks start
 * over on another agent, and a new agent starts when needed.
 *
 * ## Executables on agents
 *
 * With `launch: "agents"`, single-rank executables without GPUs run as child
 * processes of the node agents, placed by the same slot accounting: one
 * `srun` per agent for the whole run instead of one per task. They stay in
 * their agent's step (Slurm ends them with it); a cancel or timeout kills the
 * task's process tree on its node (SIGTERM, then SIGKILL after
 * `killGraceMs`). Their environment is the agent's (the allocation's, not a
 * step's) with the task's `env` over it; `extraSrunArgs`, `--mem` and CPU
 * binding do not apply. Cancel and timeout kill the task's process tree on
 * its node. Tasks with `ranks` > 1 or GPUs still run as steps.
 *
 * @module
 */

import {
  type AttachContext,
  type BackendTask,
  type ExecutableTask,
  type ExecutionBackend,
  refuseKind,
  type ResolvedResources,
  type TaskKind,
  unsupportedKind,
} from "../../backend.ts";
import { BackendError } from "../../errors.ts";
import { backendName, positiveInt } from "../_options.ts";
import { received } from "../../_text.ts";
import { inPriorityOrder } from "../../remote/_queue.ts";
import { SlurmAgents } from "./_agents.ts";
import { SlurmAllocation } from "./_allocation.ts";
import { SlurmShared } from "./_shared.ts";
import { SlotScheduler } from "./_slots.ts";
import { SlurmSteps } from "./_steps.ts";
import { cleanSlurmEnvironment } from "./argv.ts";
import type { SlurmBackendOptions } from "./_types.ts";

export type { SlurmBackendOptions } from "./_types.ts";

const DEFAULT_KILL_GRACE_MS = 5000;

/** The options {@link SlurmBackend} takes besides `name`. */
const OPTION_NAMES: readonly string[] = [
  "srun",
  "salloc",
  "scontrol",
  "scancel",
  "squeue",
  "allocation",
  "partition",
  "account",
  "nodes",
  "time",
  "sallocArgs",
  "extraSrunArgs",
  "oversubscribe",
  "agentsPerNode",
  "agentAddress",
  "listenAddress",
  "deno",
  "agentDenoArgs",
  "killGraceMs",
  "agentStartTimeoutMs",
  "launch",
];

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
  /** Executables as job steps, function tasks on node agents. */
  readonly kinds: readonly TaskKind[] = ["function", "executable"];
  readonly #shared: SlurmShared;
  readonly #allocation: SlurmAllocation;
  readonly #slots: SlotScheduler;
  readonly #steps: SlurmSteps;
  readonly #agents: SlurmAgents;
  readonly #launch: "srun" | "agents";
  #shutdown: Promise<void> | undefined;

  /**
   * Create the backend; the allocation is found or requested when the engine attaches it.
   *
   * @param options see {@link SlurmBackendOptions}
   * @throws {TypeError} on options of the wrong type
   * @throws {RangeError} on a non-positive `nodes` / `agentsPerNode` or a negative `killGraceMs`
   */
  constructor(options: SlurmBackendOptions = {}) {
    this.name = backendName("SlurmBackend", options, OPTION_NAMES, "slurm");
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
          `Cannot create SlurmBackend as '${key}' must be a non-empty string: ${received(v)}`,
        );
      }
    }
    for (const key of ["sallocArgs", "extraSrunArgs", "agentDenoArgs"] as const) {
      const v = options[key];
      if (v !== undefined && (!Array.isArray(v) || v.some((a) => typeof a !== "string"))) {
        throw new TypeError(
          `Cannot create SlurmBackend as '${key}' must be an array of strings: ${received(v)}`,
        );
      }
    }
    positiveInt("SlurmBackend", "nodes", options.nodes, 1);
    positiveInt("SlurmBackend", "agentsPerNode", options.agentsPerNode, 1);
    positiveInt("SlurmBackend", "agentStartTimeoutMs", options.agentStartTimeoutMs, 1);
    if (options.oversubscribe !== undefined && typeof options.oversubscribe !== "boolean") {
      throw new TypeError(
        `Cannot create SlurmBackend as 'oversubscribe' must be a boolean: ${
          received(options.oversubscribe)
        }`,
      );
    }
    if (options.launch !== undefined && options.launch !== "srun" && options.launch !== "agents") {
      throw new TypeError(
        `Cannot create SlurmBackend as 'launch' must be "srun" or "agents": ${
          received(options.launch)
        }`,
      );
    }
    this.#launch = options.launch ?? "srun";
    const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    if (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0) {
      throw new RangeError(
        `Cannot create SlurmBackend as 'killGraceMs' must be a non-negative number: ${
          received(grace)
        }`,
      );
    }
    this.#shared = new SlurmShared(this.name, { ...options }, grace);
    this.#allocation = new SlurmAllocation(this.#shared);
    this.#slots = new SlotScheduler(this.#shared, this.#allocation, {
      start: (task, shares) => {
        if (task.kind === "function") this.#agents.start(task, shares);
        else if (task.kind !== "executable") return;
        else if (this.#onAgent(task)) this.#agents.start(task, shares);
        else this.#steps.start(task, shares);
      },
      nodeLost: (node) => this.#agents.nodeLost(node),
    });
    this.#steps = new SlurmSteps(this.#shared, this.#allocation, this.#slots);
    this.#agents = new SlurmAgents(
      this.#shared,
      this.#allocation,
      this.#slots,
      options.agentsPerNode ?? 1,
    );
  }

  /**
   * Whether an executable runs on a node agent: with `launch: "agents"`, a
   * single-rank task without GPUs (Slurm binds GPUs only to steps).
   */
  #onAgent(task: ExecutableTask): boolean {
    return this.#launch === "agents" && task.resources.ranks === 1 &&
      task.resources.gpusPerRank === 0;
  }

  /** The allocation's job id, once attached. */
  get jobId(): string | undefined {
    return this.#allocation.jobId;
  }

  /** The usable nodes with their CPUs and GPUs, once attached. */
  get nodes(): { name: string; cpus: number; gpus: number }[] {
    return this.#slots.live().map((n) => ({
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
    if (this.#shared.host === undefined || this.#shared.options.oversubscribe) return undefined;
    return this.#slots.neverFits(resources, false);
  }

  /**
   * Binds to the engine: finds or requests the allocation and reads its
   * nodes.
   *
   * @throws {Error} when the allocation cannot be obtained or read
   */
  async attach(context: AttachContext): Promise<void> {
    const shared = this.#shared;
    if (shared.host !== undefined) {
      throw new Error(`Cannot attach backend '${this.name}' as it already serves an engine`);
    }
    shared.host = context.host;
    shared.engineUid = context.engineUid;
    shared.baseEnv = cleanSlurmEnvironment(Deno.env.toObject());
    const info = await this.#allocation.obtain();
    if (this.#slots.setNodes(info.nodes) === 0) {
      if (this.#allocation.owned) await this.#allocation.release();
      throw new Error(
        `Cannot attach backend '${this.name}' as allocation ${info.jobId} has no nodes`,
      );
    }
  }

  /** Queues these tasks; they start as slots free up. Never throws. */
  submit(tasks: readonly BackendTask[]): void {
    const host = this.#shared.host;
    if (host === undefined) return;
    for (const task of inPriorityOrder(tasks)) {
      if (this.#slots.closed) {
        host.failed(
          task,
          new BackendError(
            this.name,
            `Cannot start task '${task.name}' as the backend is shut down`,
          ),
        );
        continue;
      }
      switch (task.kind) {
        case "function":
        case "executable":
          break;
        case "prompt":
          host.failed(task, refuseKind(this.name, task));
          continue;
        default:
          host.failed(task, unsupportedKind(this.name, task));
          continue;
      }
      if (task.kind === "function" && !this.#shared.options.oversubscribe) {
        const need = task.resources.ranks * task.resources.coresPerRank;
        const largest = Math.max(0, ...this.#slots.live().map((n) => n.cpus));
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
      this.#slots.enqueue(task);
    }
  }

  /**
   * Stops a queued or running task; frees its slots once it is gone. A task
   * on an agent gets an abort (its `taskContext().signal` aborts with
   * `reason`; an executable's process tree is killed). Never throws.
   */
  cancel(task: BackendTask, reason: unknown): void {
    if (this.#slots.dequeue(task)) return;
    const run = this.#shared.runs.get(task);
    if (run === undefined || run.cancelled) return;
    run.cancelled = true;
    if (run.kind === "step") this.#steps.stop(run);
    else this.#agents.cancel(run, reason);
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
    this.#allocation.releaseSync();
  }

  async #doShutdown(): Promise<void> {
    const shared = this.#shared;
    this.#slots.close();
    const host = shared.host;
    for (const run of [...shared.runs.values()]) {
      if (run.cancelled) continue;
      run.cancelled = true;
      host?.cancelled(run.task, "backend shut down");
      if (run.kind === "step") this.#steps.stop(run);
    }
    // the engine aborted every running task just before: let the agents say
    // they passed it on (abort listeners run), then stop them
    await this.#agents.acknowledged();
    this.#agents.stopAll("the backend shut down");
    await this.#steps.settled();
    await this.#agents.settled();
    this.#agents.closeListener();
    await this.#allocation.release();
    // Until nothing this backend started is left (scancels, readers).
    while (shared.chores.size > 0) await Promise.allSettled([...shared.chores]);
  }
}
