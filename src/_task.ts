/**
 * The engine's record of one task (internal): what the future reads and what
 * a backend receives as its `BackendTask`.
 *
 * @module
 */
import type { ExecutionBackend, ResolvedResources } from "./backend.ts";
import { BlockFuture, type FutureRecord, TaskFuture, type TaskState } from "./future.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Engine } from "./_engine.ts";

/** What a record stands for. */
export type Kind = "function" | "executable" | "block" | "gate";

/** Per-definition data shared by all calls of one task function. */
export interface TaskDef {
  readonly kind: Kind;
  readonly fn: (...args: never[]) => unknown;
  readonly opts: ResolvedOptions;
  readonly name: string;
  readonly engine: Engine;
  /** Where calls are routed: undefined for blocks, gates and unknown backend names. */
  readonly backend: ExecutionBackend | undefined;
  /** The backend accepted `opts.resources` once (it fails tasks itself if it shrinks later). */
  fits?: boolean;
  /** Gates only: the uid they stand for. */
  readonly uid?: string;
}

export interface Scope {
  readonly id: string;
  readonly block: Task | undefined;
  active: boolean;
}

/** Per-task data most tasks never need, allocated on first use. */
export interface TaskExtra {
  /** Resolved values of foreign thenables (set by the gate). */
  values?: Map<unknown, unknown> | undefined;
  /** A failure or cancel decided at the call, applied when the task becomes ready. */
  pre?: { state: "FAILED" | "CANCELLED"; error: unknown } | undefined;
  /** Own-engine dependencies (data-file tasks only). */
  depFutures?: TaskFuture[] | undefined;
  /** Names of the OutputFiles among the arguments (data-file tasks only). */
  outputs?: string[] | undefined;
  sandbox?: string | undefined;
  members?: Set<Task> | undefined;
  timer?: ReturnType<typeof setTimeout> | undefined;
  command?: string | readonly string[];
  cwd?: string | undefined;
  stdoutPath?: string | undefined;
  stderrPath?: string | undefined;
  attempt?: number;
  /** The block this task is a member of. */
  parent?: Task | undefined;
}

export const NESTED = 1;
export const FILES = 2;
export const DISPATCHED = 4;
export const HAS_DEPS = 8;

/**
 * The engine's record of one task *is* its future: the record fields live on
 * the `TaskFuture` (or `BlockFuture`) object, and it is also the `BackendTask`
 * a backend receives. One object per task: at a million tasks per second,
 * what each task keeps alive is GC time. Fields are what every task needs;
 * the rest are prototype getters or live in `x`.
 */
// deno-lint-ignore no-explicit-any
function record<B extends new (...args: any[]) => TaskFuture>(Base: B) {
  return class TaskRecord extends Base implements FutureRecord {
    seq = 0;
    def!: TaskDef;
    /** The workflow id. */
    wf: string | undefined = undefined;
    st: TaskState = "PENDING";
    /** The value (DONE) or the error (FAILED, CANCELLED). */
    out: unknown = undefined;
    /** `then` reactions and `onDone` callbacks (see future.ts). */
    waiters: unknown[] | undefined = undefined;
    /** Core id, -1 before it has one. */
    id = -1;
    /** The raw arguments; replaced by the resolved ones when the task is ready. */
    args: readonly unknown[] = EMPTY;
    flags = 0;
    x: TaskExtra | undefined = undefined;

    get engine(): Engine {
      return this.def.engine;
    }
    get attempt(): number {
      return this.x?.attempt ?? 0;
    }
    get parent(): Task | undefined {
      return this.x?.parent;
    }
    override get uid(): string {
      const d = this.def;
      if (d.uid !== undefined) return d.uid;
      const n = this.seq;
      return (d.kind === "block" ? "block." : "task.") +
        (n < 1000000 ? String(n).padStart(6, "0") : n);
    }
    override get name(): string {
      return this.def.name;
    }
    get kind(): Kind {
      return this.def.kind;
    }
    get fn(): (...args: never[]) => unknown {
      return this.def.fn;
    }
    get backend(): ExecutionBackend | undefined {
      return this.def.backend;
    }
    override get backendName(): string | undefined {
      return this.def.backend?.name;
    }
    get resources(): ResolvedResources {
      return this.def.opts.resources;
    }
    get timeout(): number | undefined {
      return this.def.opts.timeout;
    }
    get module(): string | undefined {
      return this.def.opts.module;
    }
    get engineUid(): string {
      return this.engine.uid;
    }
    get env(): Readonly<Record<string, string>> | undefined {
      return this.def.opts.env;
    }
    get command(): string | readonly string[] {
      return this.x?.command ?? "";
    }
    get cwd(): string | undefined {
      return this.x?.cwd ?? this.def.opts.cwd;
    }
    get stdoutPath(): string | undefined {
      return this.x?.stdoutPath;
    }
    get stderrPath(): string | undefined {
      return this.x?.stderrPath;
    }
    get extra(): TaskExtra {
      return this.x ??= {};
    }

    override cancel(reason?: unknown): boolean {
      return this.def.engine._cancel(this as unknown as Task, reason, true);
    }
  };
}

/** The record of a function or executable task (and of gates). */
export class FnTask extends record(TaskFuture) {}
/** The record of a block. */
export class BlockTask extends record(BlockFuture) {}
/** A task record of either kind. */
export type Task = FnTask | BlockTask;

/** A new record for `def`: a BlockFuture for blocks, a TaskFuture otherwise. */
export function newTask(seq: number, def: TaskDef, args: readonly unknown[]): Task {
  const t = def.kind === "block" ? new BlockTask() : new FnTask();
  t.seq = seq;
  t.def = def;
  t.args = args;
  return t;
}

export const EMPTY: readonly unknown[] = Object.freeze([]);

export function hex8(): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

export function isFinalState(s: TaskState): boolean {
  return s === "DONE" || s === "FAILED" || s === "CANCELLED";
}
