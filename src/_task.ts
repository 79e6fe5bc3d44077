/**
 * The engine's record of one task (internal): what the future reads and what
 * a backend receives as its `BackendTask`. One object per task: the record
 * extends the future class (itself a native promise), so at a million tasks
 * per second what a task keeps alive stays small.
 *
 * ## Phases
 *
 * A record's `ph` is one of the {@link Phase} integers; the public `state`
 * maps them (everything before RUNNING is `PENDING`). Only the engine's
 * transition function (`Engine#to`) assigns `ph`.
 *
 * ```
 *  WAITING ──(deps done)──► PREPARING ──► HELD ──► SUBMITTED ──► RUNNING ──► DONE
 *     │                        │   (limits)  │          │           │  └────► FAILED
 *     │                        └────────(journal hit)───┼───────────┼──────► DONE (cached)
 *     └──(dep failed / cancelled, cancel(), shutdown)───┴───────────┴──────► FAILED / CANCELLED
 *                         BACKOFF ◄──(retry)── SUBMITTED / RUNNING
 *                            └──(timer)──► PREPARING
 * ```
 *
 * @module
 */
import type { ExecutionBackend } from "./backend.ts";
import { BlockFuture, takeResolver, TaskFuture, type TaskState } from "./future.ts";
import type { ResolvedOptions } from "./options.ts";
import type { ResolvedResources } from "./types.ts";
import type { ChatMessage, Kind } from "./kinds/mod.ts";
import type { NameStats } from "./summary.ts";

/** Where a task is in its life. Stable integers; ordered as a task moves on. */
export const Phase = {
  /** Created; waiting for its dependencies. */
  WAITING: 0,
  /** Dependencies done; its arguments are resolved and its kind prepares it. */
  PREPARING: 1,
  /** In the dispatch stage: waiting for a unit of its limits. */
  HELD: 2,
  /** Waiting on a timer before another attempt. */
  BACKOFF: 3,
  /** Handed to its backend, not started. */
  SUBMITTED: 4,
  /** Started (a block: its body runs). */
  RUNNING: 5,
  /** Final: a value. */
  DONE: 6,
  /** Final: an error. */
  FAILED: 7,
  /** Final: cancelled. */
  CANCELLED: 8,
} as const;
/** One of the {@link Phase} values. */
export type Phase = typeof Phase[keyof typeof Phase];
/** A final phase. */
export type FinalPhase = typeof Phase.DONE | typeof Phase.FAILED | typeof Phase.CANCELLED;

/** The public state of each phase. */
export const STATE_OF: readonly TaskState[] = Object.freeze([
  "PENDING",
  "PENDING",
  "PENDING",
  "PENDING",
  "PENDING",
  "RUNNING",
  "DONE",
  "FAILED",
  "CANCELLED",
]);

/** Whether a phase is final. */
export function isFinalPhase(ph: Phase): ph is FinalPhase {
  return ph >= Phase.DONE;
}

/** What a record needs of its engine. */
export interface EngineLink {
  /** The engine's uid. */
  readonly uid: string;
  /** Cancel `t` (and, for a block, its members); false when it was final. */
  cancelTask(t: Task, reason: unknown): boolean;
}

/** Per-definition data shared by all calls of one task function. */
export interface TaskDef {
  readonly kind: Kind;
  readonly fn: (...args: never[]) => unknown;
  readonly opts: ResolvedOptions;
  readonly name: string;
  readonly engine: EngineLink;
  /** Where calls are routed: undefined for blocks and unknown backend names. */
  readonly backend: ExecutionBackend | undefined;
  /** A failure every call of this definition ends with (unknown backend, misfit). */
  readonly doomed: (() => unknown) | undefined;
  /** The statistics of its name (shared by the definitions of one name). */
  readonly stats: NameStats;
  /** The core limit ids its runs take a unit of (undefined: none). */
  readonly limits: Int32Array | undefined;
}

/** A workflow scope (or a block body's scope). */
export interface Scope {
  readonly id: string;
  readonly block: Task | undefined;
  active: boolean;
  /** Inherited by members created in a block body. */
  readonly priority: number;
}

/** Per-task data most tasks never need, allocated on first use. */
export interface TaskExtra {
  /** The workflow id (a scope's or a block's), when the task has one. */
  wf?: string | undefined;
  /** Resolved values of foreign thenables (set by the gate). */
  values?: Map<unknown, unknown> | undefined;
  /** The gate of this task's foreign thenables, until it is released. */
  gate?: Gate | undefined;
  /** A failure or cancel decided at the call, applied when the task becomes ready. */
  pre?: { ph: typeof Phase.FAILED | typeof Phase.CANCELLED; error: unknown } | undefined;
  /** Names of the OutputFiles among the arguments (data-file tasks only). */
  outputs?: string[] | undefined;
  sandbox?: string | undefined;
  members?: Set<Task> | undefined;
  timer?: { cancel(): void } | undefined;
  /** Kind-specific fields the kind's preparation filled in (command, cwd, messages…). */
  prep?: Record<string, unknown> | undefined;
  /** Retries taken (the attempt number a backend sees). */
  retried?: number;
  /** This engine's futures among the arguments (data-file tasks only: who produced what). */
  depFutures?: TaskFuture[] | undefined;
  /** The block this task is a member of. */
  parent?: Task | undefined;
  /** Priority, when not 0. */
  priority?: number;
  /** Cache key, once computed. */
  key?: string;
  /** What the key was computed from (for the journal's explanations). */
  parts?: import("./journal/key.ts").KeyParts | undefined;
  /** With a journal: the arguments before substitution, until the key is computed. */
  raw?: readonly unknown[] | undefined;
  /** With a journal: the foreign thenables' values, until the key is computed. */
  rawValues?: Map<unknown, unknown> | undefined;
  /** A retry's request for rate units, while it waits (the engine's Ticket). */
  ticket?: { readonly id: number } | undefined;
  /** The journal record a cache hit came from. */
  source?: number | undefined;
  /** Completed from the journal. */
  cached?: boolean;
}

/** Argument-scan bits in `Task.flags`. */
export const ArgFlag = {
  /** A dependency sits inside an array or object (needs a deep rebuild). */
  NESTED: 1,
  /** An InputFile/OutputFile is among the arguments. */
  FILES: 2,
  /** Futures or thenables are among the arguments. */
  HAS_DEPS: 4,
  /** The runs started are counted in the bits above the three flags (no object per task). */
  ATTEMPT: 8,
} as const;

export const EMPTY: readonly unknown[] = Object.freeze([]);

/**
 * The engine's record of one task *is* its future. Fields are what every
 * task needs; the rest are prototype getters or live in `x`. The class
 * chain is kept short and every constructor explicit: a promise subclass
 * pays for each constructor level (a default derived constructor spreads
 * its arguments), and this runs a million times a second.
 */
export class FnTask extends TaskFuture {
  seq: number;
  def!: TaskDef;
  /** The phase (see {@link Phase}); assigned by the engine's transition function only. */
  ph: Phase;
  /** The promise's resolve function while not final; the value or error once final. */
  o: unknown;
  /** Core id, -1 before it has one. */
  id: number;
  /** The raw arguments; replaced by the resolved ones when the task is ready. */
  args: readonly unknown[];
  /** {@link ArgFlag} bits, and the runs started above them. */
  flags: number;
  x: TaskExtra | undefined;

  constructor() {
    super();
    this.seq = 0;
    this.ph = Phase.WAITING;
    this.o = takeResolver();
    this.id = -1;
    this.args = EMPTY;
    this.flags = 0;
    this.x = undefined;
  }

  override get state(): TaskState {
    return STATE_OF[this.ph]!;
  }
  override get done(): boolean {
    return this.ph >= Phase.DONE;
  }
  override get result(): unknown {
    return this.ph === Phase.DONE ? this.o : undefined;
  }
  override get error(): unknown {
    return this.ph > Phase.DONE ? this.o : undefined;
  }
  override get workflowId(): string | undefined {
    return this.x?.wf;
  }
  override get attempts(): number {
    return this.flags >>> 3;
  }
  override get key(): string | undefined {
    return this.x?.key;
  }
  override get cached(): boolean {
    return this.x?.cached ?? false;
  }
  /** The attempt number a backend sees: 0 for the first run. */
  get attempt(): number {
    return this.x?.retried ?? 0;
  }
  get parent(): Task | undefined {
    return this.x?.parent;
  }
  override get uid(): string {
    const n = this.seq;
    return this.def.kind.prefix + (n < 1000000 ? String(n).padStart(6, "0") : n);
  }
  override get name(): string {
    // a kind may name the task once prepared (an unnamed executable: its program)
    return (this.x?.prep?.name as string | undefined) ?? this.def.name;
  }
  get kind(): string {
    return this.def.kind.name;
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
    return this.def.engine.uid;
  }
  get priority(): number {
    return this.x?.priority ?? 0;
  }
  get env(): Readonly<Record<string, string>> | undefined {
    return this.def.opts.env;
  }
  // The record is also the BackendTask of every kind: the fields a kind's
  // preparation fills in (see src/kinds/) are read through `x.prep`.
  get command(): string | readonly string[] {
    return (this.x?.prep?.command as string | readonly string[] | undefined) ?? "";
  }
  get cwd(): string | undefined {
    const prep = this.x?.prep;
    return prep !== undefined ? prep.cwd as string | undefined : this.def.opts.cwd;
  }
  get stdoutPath(): string | undefined {
    return this.x?.prep?.stdoutPath as string | undefined;
  }
  get stderrPath(): string | undefined {
    return this.x?.prep?.stderrPath as string | undefined;
  }
  get messages(): readonly ChatMessage[] {
    return (this.x?.prep?.messages as ChatMessage[] | undefined) ?? [];
  }
  get model(): string | undefined {
    return this.def.opts.prompt?.model;
  }
  get temperature(): number | undefined {
    return this.def.opts.prompt?.temperature;
  }
  get maxTokens(): number | undefined {
    return this.def.opts.prompt?.maxTokens;
  }
  get extra(): TaskExtra {
    return this.x ??= {};
  }

  override cancel(reason?: unknown): boolean {
    return this.def.engine.cancelTask(this as Task, reason);
  }
}

/** The record of a block: the same fields and members as {@link FnTask}, on a BlockFuture. */
export class BlockTask extends BlockFuture {
  seq: number;
  def!: TaskDef;
  ph: Phase;
  o: unknown;
  id: number;
  args: readonly unknown[];
  flags: number;
  x: TaskExtra | undefined;

  constructor() {
    super();
    this.seq = 0;
    this.ph = Phase.WAITING;
    this.o = takeResolver();
    this.id = -1;
    this.args = EMPTY;
    this.flags = 0;
    this.x = undefined;
  }
}
// the getters and methods are FnTask's (own string keys: BlockFuture keeps its toStringTag)
for (const key of Object.getOwnPropertyNames(FnTask.prototype)) {
  if (key === "constructor") continue;
  Object.defineProperty(
    BlockTask.prototype,
    key,
    Object.getOwnPropertyDescriptor(FnTask.prototype, key)!,
  );
}
// Every class sets its prototype's `constructor`; a future's must read `Promise`
// (see future.ts), or `await` and `Promise.all` wrap it in a new promise.
for (const C of [FnTask, BlockTask]) {
  Object.defineProperty(C.prototype, "constructor", {
    value: Promise,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
/** The members a block record takes from {@link FnTask}'s prototype. */
interface RecordMembers {
  readonly attempt: number;
  readonly parent: Task | undefined;
  readonly kind: string;
  readonly fn: (...args: never[]) => unknown;
  readonly backend: ExecutionBackend | undefined;
  readonly resources: ResolvedResources;
  readonly timeout: number | undefined;
  readonly module: string | undefined;
  readonly engineUid: string;
  readonly priority: number;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly command: string | readonly string[];
  readonly cwd: string | undefined;
  readonly stdoutPath: string | undefined;
  readonly stderrPath: string | undefined;
  readonly messages: readonly ChatMessage[];
  readonly model: string | undefined;
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  readonly extra: TaskExtra;
}
/** A block record has every member of a task record. */
export interface BlockTask extends RecordMembers {}
/** A task record of either kind. */
export type Task = FnTask | BlockTask;

/** A new record for `def`: a BlockFuture for blocks, a TaskFuture otherwise. */
export function newTask(seq: number, def: TaskDef, args: readonly unknown[]): Task {
  const t = def.kind.name === "block" ? new BlockTask() : new FnTask();
  t.seq = seq;
  t.def = def;
  t.args = args;
  return t;
}

/**
 * A core entry standing for the foreign thenables (promises, other engines'
 * futures) among one task's arguments: the task depends on it, and it
 * completes when they all resolve. Not a task: it has no future and emits no
 * event. Released when the thenables settle or its task becomes final,
 * whichever comes first; a released gate keeps nothing of its task alive.
 */
export class Gate {
  /** Core id. */
  id = -1;
  /** Set once the core has been told its outcome. */
  over = false;
  /** The error of a thenable that rejected. */
  error: unknown = undefined;
  /** Thenables not resolved yet. */
  left: number;
  /** The task, until the gate is over. */
  task: Task | undefined;
  /** How a dependency failure through this gate names it. */
  readonly uid: string;
  readonly name: string;
  constructor(task: Task, readonly thenables: readonly PromiseLike<unknown>[]) {
    this.task = task;
    this.left = thenables.length;
    const first = thenables[0];
    this.uid = first instanceof TaskFuture ? first.uid : "promise";
    this.name = first instanceof TaskFuture ? first.name : "promise";
  }
}

/** One foreign thenable the engine watches, and the gates waiting on it. */
export interface Watch {
  /** 0 pending, 1 resolved, 2 rejected. */
  settled: 0 | 1 | 2;
  value: unknown;
  readonly gates: Set<Gate>;
}
