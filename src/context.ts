/**
 * `taskContext()`: what a running task body can learn about its task, and an
 * `AbortSignal` that aborts when the task is cancelled, times out, or its
 * engine shuts down.
 *
 * ```ts ignore
 * import { taskContext } from "jsr:@asyncflow/deno"; // or the mod.ts URL
 * export async function download(url: string) {
 *   const { signal } = taskContext()!;
 *   const res = await fetch(url, { signal }); // a cancel stops the download
 *   return await res.text();
 * }
 * ```
 *
 * The context is set by whatever runs the body: the inline backend in the
 * engine's process, and the runtimes of workers, subprocesses and Slurm
 * agents for `module` tasks (the abort crosses to them as a message). The
 * state lives on `globalThis` under a registered symbol, so two copies of
 * this module (say `mod.ts` imported from a URL by a task module and from
 * disk by the worker runtime) share it.
 *
 * In a synchronous body and in the synchronous part of any body,
 * `taskContext()` is always right. An `async function` body keeps it across
 * its awaits; a plain function that returns a promise should read it before
 * it returns (keep the object: it stays valid for the whole run).
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What a running task body can learn about its task. */
export interface TaskContext {
  /** The task's uid. */
  readonly uid: string;
  /** The task's name. */
  readonly name: string;
  /** The attempt: 1 for the first run, 2 for the first retry… */
  readonly attempt: number;
  /** The task's workflow id, if any. */
  readonly workflowId: string | undefined;
  /** Aborts when the task is cancelled, times out, or its engine shuts down. */
  readonly signal: AbortSignal;
}

/** What a runtime knows about a task it runs (the signal is made on demand). */
export interface ContextSource {
  readonly uid: string;
  readonly name: string;
  /** 0 for the first run (as `BackendTask.attempt`). */
  readonly attempt: number;
  readonly workflowId?: string | undefined;
}

/** Makes (or returns) the abort signal of a task on demand. */
export type SignalOf = (task: ContextSource) => AbortSignal;

interface Frame {
  readonly task: ContextSource;
  readonly signalOf: SignalOf;
}

interface State {
  /** The task whose synchronous part runs now. */
  task: ContextSource | undefined;
  signalOf: SignalOf | undefined;
  /** Frames of async bodies, across their awaits. */
  readonly als: AsyncLocalStorage<Frame>;
}

const KEY = Symbol.for("asyncflow.taskContext.v1");
const state: State = ((globalThis as Record<symbol, unknown>)[KEY] ??= {
  task: undefined,
  signalOf: undefined,
  als: new AsyncLocalStorage<Frame>(),
}) as State;

class Context implements TaskContext {
  readonly #task: ContextSource;
  readonly #signalOf: SignalOf;
  constructor(task: ContextSource, signalOf: SignalOf) {
    this.#task = task;
    this.#signalOf = signalOf;
  }
  get uid(): string {
    return this.#task.uid;
  }
  get name(): string {
    return this.#task.name;
  }
  get attempt(): number {
    return this.#task.attempt + 1;
  }
  get workflowId(): string | undefined {
    return this.#task.workflowId;
  }
  get signal(): AbortSignal {
    return this.#signalOf(this.#task);
  }
}

/**
 * The context of the task whose body calls it, or `undefined` outside a task
 * body.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { taskContext, WorkflowEngine } from "../mod.ts";
 * await using flow = await WorkflowEngine.create();
 * const whoAmI = flow.functionTask(function whoAmI() {
 *   const ctx = taskContext()!;
 *   return `${ctx.name} ${ctx.attempt} ${ctx.signal.aborted}`;
 * });
 * assertEquals(await whoAmI(), "whoAmI 1 false");
 * assert(taskContext() === undefined);
 * ```
 *
 * @returns the context, or undefined
 */
export function taskContext(): TaskContext | undefined {
  const task = state.task;
  if (task !== undefined) return new Context(task, state.signalOf!);
  const frame = state.als.getStore();
  return frame === undefined ? undefined : new Context(frame.task, frame.signalOf);
}

const AsyncFunction = (async () => {}).constructor;

/**
 * Calls `fn(...args)` as the body of `task`: `taskContext()` answers for it
 * during the call (and across the awaits of an async `fn`).
 *
 * @param task the task
 * @param signalOf makes the task's abort signal when the body asks for it
 * @param fn the body
 * @param args its arguments
 * @returns what `fn` returns
 */
export function callInContext(
  task: ContextSource,
  signalOf: SignalOf,
  fn: (...args: unknown[]) => unknown,
  args: readonly unknown[],
): unknown {
  if (fn instanceof AsyncFunction) {
    // an async body keeps its context across awaits (this costs a little more)
    return state.als.run({ task, signalOf }, () => fn(...args));
  }
  const prevTask = state.task;
  const prevSignal = state.signalOf;
  state.task = task;
  state.signalOf = signalOf;
  try {
    return fn(...args);
  } finally {
    state.task = prevTask;
    state.signalOf = prevSignal;
  }
}
