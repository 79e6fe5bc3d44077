/**
 * The one protocol every out-of-process JavaScript runtime speaks: Web
 * Workers ({@link WorkerBackend}), the Deno subprocesses of `ProcessBackend`
 * and the node agents of `SlurmBackend`. The transports (`postMessage`, pipes,
 * TCP) only move these messages; what a message means, how a function is
 * named and how a thrown value crosses is defined here, once.
 *
 * ```
 *  host ── init {concurrency, claims?, where} ─────────────────────────► runtime
 *  host ── run {defs: [[fnId, shipped]…], tasks: [key, id, fnRef, args, ctx, …]} ► runtime
 *  host ── exec {tasks: [ExecSpec…]} ──────────────────────────────────► runtime (agents)
 *  host ── abort {id, reason} ─────────────────────────────────────────► runtime
 *  host ◄── hello {agent, token, node, pid} ─────────────────────────── runtime (processes, agents)
 *  host ◄── report {started: [key…], results: [key, status, payload, …], aborted?: [id…]} ── runtime
 *  host ◄── stdout {text} ───────────────────────────────────────────── runtime (processes)
 *  host ◄── dying {reason} ──────────────────────────────────────────── runtime
 * ```
 *
 * - **Batches**: tasks and results travel as flat arrays, many per message.
 *   A task is `key, id, fnRef, args, ctx`: `key` is what its start and result
 *   are reported by (a worker's slot, else `id`); `id` is unique per host and
 *   names the task in `abort`; `fnRef` is the function id, or `~fnId` (< 0)
 *   when the start must be reported even for a fast function (the task has a
 *   timeout, whose clock starts with that notice); `ctx` is
 *   `[uid, name, attempt, workflowId]` for `module` tasks (their bodies may
 *   call `taskContext()`), else undefined.
 * - **Function ids** ({@link FunctionIds}): a function is defined once per
 *   runtime (`defs`); tasks name it by id. The same source text, or the same
 *   module URL and export, keeps its id, however many times it is defined.
 * - **Started and results**: a result implies the start. A runtime reports a
 *   start on its own only for a task whose function is not known to be fast,
 *   or whose `fnRef` asks for it.
 * - **Abort**: a cancel, a timeout or a shutdown of a task the runtime holds.
 *   A queued or loading task is dropped (result {@link Status.SKIPPED}); a
 *   running one gets its `taskContext().signal` aborted with `reason` (a
 *   {@link Thrown}: the engine's `CancelledError` or `TaskTimeoutError`). The
 *   runtime acknowledges every abort (`aborted`) as soon as it reads it: a
 *   host that hears nothing within {@link ABORT_ACK_MS} knows the runtime is
 *   stuck in synchronous code and kills it; a body that has not settled
 *   within {@link ABORT_GRACE_MS} is killed too.
 * - **Thrown values** ({@link encodeThrown} / {@link decodeThrown}): built-in
 *   error classes and this library's classes are rebuilt as such, with
 *   message, stack, `cause` and own fields; any other thrown value keeps its
 *   fields (`throw { code: 42 }` arrives as `{ code: 42 }`).
 *
 * Web Workers also get `claims`: an `Int32Array` over a `SharedArrayBuffer`,
 * one cell per slot ({@link Claim}), so that the host can revoke a queued
 * task while the worker is stuck in a long synchronous call.
 *
 * @module
 */

import {
  BackendError,
  CancelledError,
  DependencyFailureError,
  ExecutableError,
  TaskTimeoutError,
} from "../errors.ts";
import { type AnyFunction, shipFunction, type ShippedFunction } from "../ship.ts";

/** Claim cell values (Web Workers: one cell per slot). */
export const Claim = {
  /** The slot is free. */
  IDLE: 0,
  /** The host sent a task in this slot; the worker has not started it. */
  QUEUED: 1,
  /** The worker started it (the host can no longer revoke it). */
  STARTED: 2,
  /** Its call settled. */
  FINISHED: 3,
  /** The host took it back before it started; the worker skips it. */
  REVOKED: 4,
  /** The worker holds it until its function's module has loaded. */
  PARKED: 5,
} as const;

/** Result status codes in a `report`. */
export const Status = {
  /** payload: the value */
  OK: 0,
  /** payload: a {@link Thrown} */
  THREW: 1,
  /** payload: the message of the error that kept the value from crossing */
  UNSENDABLE: 2,
  /** payload: null (dropped before it started: revoked or aborted) */
  SKIPPED: 3,
} as const;

/**
 * Milliseconds a host waits for a runtime to acknowledge an abort: a runtime
 * that does not is stuck in synchronous code and is killed. A healthy runtime
 * answers within milliseconds, but on a loaded machine (two cores, a test
 * suite in parallel) its turn can come hundreds of milliseconds late; a kill
 * then would take the body's chance to see its signal, so the wait is long.
 */
export const ABORT_ACK_MS = 1000;
/**
 * Milliseconds a cancelled or timed-out body has, after its signal aborted,
 * to settle before its runtime is killed.
 */
export const ABORT_GRACE_MS = 2000;

/** A function definition: `[fnId, shipped]`. */
export type FnDef = readonly [id: number, shipped: ShippedFunction];

/** What a `module` task's body learns from `taskContext()`: `[uid, name, attempt, workflowId]`. */
export type TaskCtx = readonly [
  uid: string,
  name: string,
  attempt: number,
  workflowId: string | undefined,
];

/** Values in a `run` message per task. */
export const TASK_STRIDE = 5;

/** An executable a node agent runs as its child process. */
export interface ExecSpec {
  /** Unique per host; reported as the key. */
  readonly id: number;
  /** The task's uid. */
  readonly uid: string;
  /** The task's name. */
  readonly name: string;
  /** A string runs through `/bin/sh -c`; an array is argv. */
  readonly command: string | readonly string[];
  /** Extra environment variables. */
  readonly env: Readonly<Record<string, string>> | undefined;
  /** Working directory. */
  readonly cwd: string | undefined;
  /** Where stdout goes (the result is then this path). */
  readonly stdoutPath: string | undefined;
  /** Where stderr goes. */
  readonly stderrPath: string | undefined;
}

/** Host → runtime. */
export type ToRuntime =
  | {
    readonly t: "init";
    /** Most async bodies in flight at once. */
    readonly concurrency: number;
    /** Web Workers: one claim cell per slot. */
    readonly claims: Int32Array<SharedArrayBuffer> | undefined;
    /** What the runtime is, for messages ("a worker", "a subprocess", "a Slurm agent"). */
    readonly where: string;
  }
  | { readonly t: "run"; readonly defs: FnDef[]; readonly tasks: unknown[] }
  | { readonly t: "exec"; readonly tasks: ExecSpec[] }
  | { readonly t: "abort"; readonly id: number; readonly reason: Thrown };

/** Runtime → host. */
export type FromRuntime =
  | {
    readonly t: "hello";
    readonly agent: number;
    readonly token: string;
    readonly node: string;
    readonly pid: number;
  }
  | {
    readonly t: "report";
    readonly started: number[];
    readonly results: unknown[];
    readonly aborted?: number[];
  }
  | { readonly t: "stdout"; readonly text: string }
  | { readonly t: "dying"; readonly reason: string };

// ── function ids ─────────────────────────────────────────────────────────────

/** A function's id and shipped form. */
export interface FunctionDef {
  /** Its id (> 0). */
  readonly id: number;
  /** What crosses to a runtime. */
  readonly shipped: ShippedFunction;
}

/**
 * Ids of shipped task functions, one registry per host. A function defined
 * again (a closure made per call, a task function defined in a loop) ships
 * the same text: it keeps its id, so runtimes keep the function they loaded
 * instead of loading a new one; a different function with the same name gets
 * its own id.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { FunctionIds } from "./protocol.ts";
 * const ids = new FunctionIds();
 * const make = () => (x: number) => x + 1;
 * assert(ids.define(make(), undefined).id === ids.define(make(), undefined).id);
 * ```
 */
export class FunctionIds {
  readonly #byFn = new WeakMap<AnyFunction, { module: string | undefined; def: FunctionDef }>();
  readonly #byKey = new Map<string, FunctionDef>();
  #next = 1;

  /**
   * The id of `fn` shipped as `module` (or as source text when undefined).
   *
   * @param fn the task function
   * @param module the `module` option
   * @returns its id and shipped form
   * @throws {TypeError} when the function cannot be shipped (see `shipFunction`)
   */
  define(fn: AnyFunction, module: string | undefined): FunctionDef {
    const known = this.#byFn.get(fn);
    if (known !== undefined && known.module === module) return known.def;
    const shipped = shipFunction(fn, module);
    const key = shipped.kind === "module"
      ? `m ${shipped.url}#${shipped.name}`
      : `s ${shipped.source}`;
    let def = this.#byKey.get(key);
    if (def === undefined) {
      def = { id: this.#next++, shipped };
      this.#byKey.set(key, def);
    }
    this.#byFn.set(fn, { module, def });
    return def;
  }
}

/**
 * The `ctx` of a task in a `run` message: its context for `module` tasks,
 * else undefined (a body shipped as source text cannot import `taskContext`).
 *
 * @param task the task
 * @returns the context tuple or undefined
 */
export function taskCtx(
  task: {
    readonly uid: string;
    readonly name: string;
    readonly attempt: number;
    readonly workflowId?: string | undefined;
    readonly module: string | undefined;
  },
): TaskCtx | undefined {
  return task.module === undefined
    ? undefined
    : [task.uid, task.name, task.attempt, task.workflowId];
}

// ── thrown values ────────────────────────────────────────────────────────────

/** A thrown value in a form that survives a structured clone or `node:v8`. */
export type Thrown =
  | {
    /** An error. */
    readonly e: 1;
    /** The class it is rebuilt as (a key of the class table), or "" for `Error`. */
    readonly cls: string;
    readonly message: string;
    readonly stack: string | undefined;
    /** Present when the error has a `cause` (of any value). */
    readonly cause?: Thrown;
    /** Own enumerable fields (`name` of library errors, `code`, `exitCode`…). */
    readonly props: readonly (readonly [string, Thrown])[] | undefined;
    /** `name` when it differs from the class's. */
    readonly name: string | undefined;
    /** An `AggregateError`'s `errors`. */
    readonly errors?: readonly Thrown[];
  }
  | {
    /** Any other value. */
    readonly e: 0;
    readonly value: unknown;
  };

/** Deepest nesting of causes and fields that is kept. */
const MAX_DEPTH = 8;

/** The classes rebuilt as themselves, by the name of their constructor. */
const CLASSES: Record<string, new (message?: string, options?: ErrorOptions) => Error> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
  AggregateError: AggregateError as unknown as new (
    message?: string,
    options?: ErrorOptions,
  ) => Error,
  BackendError: BackendError as unknown as new (m?: string, o?: ErrorOptions) => Error,
  CancelledError: CancelledError as unknown as new (m?: string, o?: ErrorOptions) => Error,
  DependencyFailureError: DependencyFailureError as unknown as new (
    m?: string,
    o?: ErrorOptions,
  ) => Error,
  ExecutableError: ExecutableError as unknown as new (m?: string, o?: ErrorOptions) => Error,
  TaskTimeoutError: TaskTimeoutError as unknown as new (m?: string, o?: ErrorOptions) => Error,
};

/** Classes whose constructor takes other parameters: built without running it. */
const LIBRARY = new Set([
  "BackendError",
  "CancelledError",
  "DependencyFailureError",
  "ExecutableError",
  "TaskTimeoutError",
]);

function isError(value: object): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === "[object Error]" ||
    (typeof DOMException === "function" && value instanceof DOMException);
}

/** The nearest class of `value`'s prototype chain that is rebuilt, or "" (Error). */
function classOf(value: object): string {
  if (typeof DOMException === "function" && value instanceof DOMException) return "DOMException";
  for (let p = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
    const name = Object.prototype.hasOwnProperty.call(p, "constructor")
      ? (p.constructor as { name?: unknown }).name
      : undefined;
    if (typeof name === "string" && name in CLASSES) return name === "Error" ? "" : name;
  }
  return "";
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Encodes a thrown value so that it crosses a structured clone (or
 * `node:v8` serialisation) and {@link decodeThrown} rebuilds it: errors with
 * their class (built-in classes and this library's), message, stack, `cause`
 * (any value) and own enumerable fields, each encoded the same way (so an
 * error in a field keeps its class); `AggregateError.errors` too. Any other
 * value crosses as a structured clone; one that cannot (a function, an object
 * holding one) as a copy of its own fields that can, the others as strings.
 *
 * @example
 * ```ts
 * import { assert, assertEquals, assertInstanceOf } from "@std/assert";
 * import { decodeThrown, encodeThrown } from "./protocol.ts";
 * const e = new RangeError("out", { cause: new TypeError("why") });
 * const back = decodeThrown(structuredClone(encodeThrown(e))) as RangeError;
 * assertInstanceOf(back, RangeError);
 * assertInstanceOf(back.cause, TypeError);
 * assertEquals(decodeThrown(structuredClone(encodeThrown({ code: 42 }))), { code: 42 });
 * ```
 *
 * @param value what was thrown
 * @param depth nesting so far (internal)
 * @returns the encoded form
 */
export function encodeThrown(value: unknown, depth = 0): Thrown {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return typeof value === "symbol" ? { e: 0, value: String(value) } : { e: 0, value };
  }
  if (typeof value === "object" && isError(value)) return encodeError(value, depth);
  if (cloneable(value)) return { e: 0, value };
  if (typeof value === "function") return { e: 0, value: safeText(value) };
  // an object holding something that cannot cross: keep what can
  const copy: Record<string, unknown> = {};
  for (const key of ownKeys(value)) {
    const v = read(value, key);
    copy[key] = cloneable(v) ? v : safeText(v);
  }
  return { e: 0, value: copy };
}

function encodeError(error: Error, depth: number): Thrown {
  const cls = classOf(error);
  let props: [string, Thrown][] | undefined;
  for (const key of ownKeys(error)) {
    if (key === "message" || key === "stack" || key === "cause" || key === "errors") continue;
    if (key === "name" && !LIBRARY.has(cls)) continue; // kept in `name` below
    const v = read(error, key);
    (props ??= []).push([key, depth < MAX_DEPTH ? encodeThrown(v, depth + 1) : text(v)]);
  }
  const name = safeText(read(error, "name"));
  const base = cls === "" ? "Error" : cls;
  const thrown: {
    e: 1;
    cls: string;
    message: string;
    stack: string | undefined;
    cause?: Thrown;
    props: [string, Thrown][] | undefined;
    name: string | undefined;
    errors?: Thrown[];
  } = {
    e: 1,
    cls,
    message: safeText(read(error, "message")),
    stack: typeof read(error, "stack") === "string" ? read(error, "stack") as string : undefined,
    props,
    name: name === base ? undefined : name,
  };
  if ("cause" in error) {
    const cause = read(error, "cause");
    thrown.cause = depth < MAX_DEPTH ? encodeThrown(cause, depth + 1) : text(cause);
  }
  const errors = read(error, "errors");
  if (cls === "AggregateError" && Array.isArray(errors)) {
    thrown.errors = errors.map((x) => depth < MAX_DEPTH ? encodeThrown(x, depth + 1) : text(x));
  }
  return thrown;
}

function text(v: unknown): Thrown {
  return { e: 0, value: safeText(v) };
}

function ownKeys(value: object): string[] {
  try {
    return Object.keys(value);
  } catch {
    return []; // a proxy that throws
  }
}

function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch (error) {
    return `[field '${key}' threw: ${safeText(error)}]`;
  }
}

function safeText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/**
 * Rebuilds a thrown value encoded by {@link encodeThrown}, in this realm.
 *
 * @param t the encoded form
 * @returns the value to fail the task with
 */
export function decodeThrown(t: Thrown): unknown {
  if (t.e === 0) return t.value;
  let error: Error;
  const cause = t.cause === undefined ? undefined : { cause: decodeThrown(t.cause) };
  if (t.cls === "DOMException" && typeof DOMException === "function") {
    error = new DOMException(t.message, t.name ?? "Error");
    if (cause !== undefined) define(error, "cause", cause.cause);
  } else if (t.cls === "AggregateError") {
    error = new AggregateError((t.errors ?? []).map(decodeThrown), t.message, cause);
  } else if (LIBRARY.has(t.cls)) {
    // an Error object of that class, without running its constructor (whose
    // parameters are not a message); its fields come with `props`
    error = Reflect.construct(
      Error,
      cause === undefined ? [t.message] : [t.message, cause],
      CLASSES[t.cls]!,
    );
  } else {
    const Ctor = CLASSES[t.cls] ?? Error;
    error = cause === undefined ? new Ctor(t.message) : new Ctor(t.message, cause);
  }
  if (t.name !== undefined && t.cls !== "DOMException") define(error, "name", t.name);
  if (t.stack !== undefined) define(error, "stack", t.stack);
  if (t.props !== undefined) {
    for (const [key, value] of t.props) {
      try {
        (error as unknown as Record<string, unknown>)[key] = decodeThrown(value);
      } catch {
        define(error, key, decodeThrown(value)); // a getter-only field of the class
      }
    }
  }
  return error;
}
