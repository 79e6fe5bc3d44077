/**
 * # asyncflow for Deno
 *
 * Asynchronous task-graph workflows: calling a task function returns a future
 * at once; futures passed as arguments make the dependency graph; ready tasks
 * run on the engine's event loop ({@link InlineBackend}), in a pool of Web
 * Workers (`WorkerBackend`) or of Deno subprocesses (`ProcessBackend`), or on
 * a Slurm allocation (`SlurmBackend`). Blocks compose workflows into larger
 * ones. Readiness is tracked by a scheduler core compiled from AssemblyScript
 * to WebAssembly.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { WorkflowEngine } from "./mod.ts";
 *
 * await using flow = await WorkflowEngine.create();
 * // a task is named after its function, or by the `name` option
 * const fetchData = flow.functionTask(async function fetchData(n: number) {
 *   return n * 10;
 * });
 * const combine = flow.functionTask((a: number, b: number) => a + b, { name: "combine" });
 * const report = flow.executableTask((total: number) => ["echo", `total=${total}`], {
 *   name: "report",
 * });
 *
 * const total = combine(fetchData(1), fetchData(2)); // runs when both are done
 * assert((await report(total)) === "total=30\n");
 * ```
 *
 * @module
 */
export {
  type Awaitable,
  type EngineOptions,
  type EngineStats,
  type LimitSpec,
  type TaskArgs,
  type TaskFunction,
  WorkflowEngine,
} from "./src/engine.ts";
export { BlockFuture, TaskFuture, type TaskState } from "./src/future.ts";
export type { CallOptions, RetryPolicy, TaskOptions } from "./src/options.ts";
export type { NameSummary, Percentiles, Summary } from "./src/summary.ts";
export type { MapOptions, SettledFuture } from "./src/stream.ts";
export {
  BackendError,
  type BackendErrorOptions,
  CancelledError,
  DependencyFailureError,
  ExecutableError,
  type ExecutableErrorInit,
  type FailedDependency,
  TaskTimeoutError,
} from "./src/errors.ts";
export type {
  FlowEvent,
  FlowEventType,
  FlowListener,
  TaskEvent,
  TaskEventType,
} from "./src/events.ts";
export { InputFile, OutputFile } from "./src/data.ts";
export {
  type Dashboard,
  type DashboardOptions,
  type DashboardSource,
  startDashboard,
} from "./src/dashboard.ts";
export { type TaskContext, taskContext } from "./src/context.ts";
export {
  type AttachContext,
  type BackendHost,
  type BackendTask,
  type BackendTaskBase,
  byPriority,
  type ChatMessage,
  type CompletionInfo,
  type ExecutableTask,
  type ExecutionBackend,
  type FunctionTask,
  type PromptOptions,
  type PromptTask,
  refuseKind,
  type ResolvedResources,
  type Resources,
  type TaskKind,
  unsupportedKind,
} from "./src/backend.ts";
export { InlineBackend, type InlineBackendOptions } from "./src/backends/inline.ts";
export {
  DUMMY_OUTPUT,
  DUMMY_PROMPT_OUTPUT,
  NoopBackend,
  type NoopBackendOptions,
} from "./src/backends/noop.ts";
export { OpenAIBackend, type OpenAIBackendOptions } from "./src/backends/openai.ts";
export { WorkerBackend, type WorkerBackendOptions } from "./src/backends/worker.ts";
export { ProcessBackend, type ProcessBackendOptions } from "./src/backends/process.ts";
export { SlurmBackend, type SlurmBackendOptions } from "./src/backends/slurm/mod.ts";
