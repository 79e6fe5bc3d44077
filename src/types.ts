/**
 * Types shared by the engine, the task kinds and the backends (a leaf module:
 * it imports nothing, so every other module may import it).
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

/** The kinds of task a backend may be given. */
export type TaskKind = "function" | "executable" | "prompt";

/** Every {@link TaskKind}, in a fixed order. */
export const TASK_KINDS: readonly TaskKind[] = Object.freeze(["function", "executable", "prompt"]);

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
  /** Higher starts first among tasks a backend queues; equal ones in creation order. @default {0} */
  readonly priority?: number;
  /** Creation order within the engine (ties between equal priorities). @default {0} */
  readonly seq?: number;
  /** The workflow the task belongs to. */
  readonly workflowId?: string | undefined;
}
