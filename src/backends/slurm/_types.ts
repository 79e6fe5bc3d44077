/**
 * The types the parts of a `SlurmBackend` share (a leaf module: the parts
 * import it, and it imports none of them, so they form no cycle).
 *
 * @module
 */

import type { ExecutableTask, FunctionTask } from "../../backend.ts";

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
  /** Address the agents connect back to. @default {this host's name (`Deno.hostname()`, else /etc/hostname, else `SLURMD_NODENAME`)} */
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
  /**
   * How single-rank executables start: `"srun"`, one job step each; or
   * `"agents"`, as child processes of the node agents (one `srun` per agent
   * for the whole run). Tasks with `ranks` > 1 or GPUs always use `srun`.
   * @default {"srun"}
   */
  launch?: "srun" | "agents";
}

/** A task given to an agent: a function task, or an executable (`launch: "agents"`). */
export interface AgentRun {
  readonly kind: "agent";
  readonly task: FunctionTask | ExecutableTask;
  readonly shares: Share[];
  /** Unique per backend: names it in results and aborts. */
  readonly id: number;
  /** The function's id (0 for an executable). */
  readonly fnId: number;
  readonly agent: Agent;
  started: boolean;
  cancelled: boolean;
  /** After an abort: kills the agent unless it acknowledges / the task settles in time. */
  abortTimer: ReturnType<typeof setTimeout> | undefined;
  /** The agent acknowledged the abort. */
  acked: boolean;
}

/** A Deno agent process on one node. */
export interface Agent {
  readonly id: number;
  readonly node: SlotNode;
  state: "starting" | "ready" | "dead";
  child: Deno.ChildProcess | undefined;
  conn: Deno.Conn | undefined;
  writes: Promise<void>;
  /** Runs sent or waiting to be sent, by id. */
  readonly runs: Map<number, AgentRun>;
  /** Runs not yet sent. */
  outRuns: AgentRun[];
  readonly defined: Set<number>;
  flushQueued: boolean;
  readonly stderrTail: string[];
  nodeFailure: boolean;
  deathReason: string | undefined;
  /** Killed by the host after a cancel: its other runs are sent again, not failed. */
  resend: boolean;
  startTimer: ReturnType<typeof setTimeout> | undefined;
  killTimer: ReturnType<typeof setTimeout> | undefined;
  exited: Promise<void>;
}

/** One node of the allocation and its free slots. */
export interface SlotNode {
  readonly name: string;
  readonly cpus: number;
  readonly gpus: number;
  freeCpus: number;
  freeGpus: number;
  lost: boolean;
  readonly agents: Agent[];
}

/** What a started task holds on one node. */
export interface Share {
  readonly node: SlotNode;
  readonly cpus: number;
  readonly gpus: number;
}

/** A running executable step. */
export interface StepRun {
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

/** A started task: an executable step, or a task on an agent. */
export type Run = StepRun | AgentRun;
