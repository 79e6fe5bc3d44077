/**
 * Flow events: every state change of a task or block, and custom events.
 *
 * @module
 */

/** The task event types. */
export type TaskEventType =
  | "TaskCreated"
  | "TaskReady"
  | "TaskSubmitted"
  | "TaskStarted"
  | "TaskCached"
  | "TaskRetrying"
  | "TaskCompleted"
  | "TaskFailed"
  | "TaskCancelled";

/**
 * The kinds of {@link FlowEvent}: the task events, and custom types (which
 * contain a dot, e.g. `"myapp.Checkpoint"`) emitted with `flow.emit()`.
 */
export type FlowEventType = TaskEventType | `${string}.${string}`;

/**
 * One state change of a task or block, or a custom event.
 *
 * Custom events (from `flow.emit(type, attrs)`) carry `type`, `time`,
 * `workflowId` (when emitted in a scope) and `attrs`, and no `uid` or `name`:
 * tell them apart by `attrs !== undefined` (or a dot in `type`).
 */
export interface FlowEvent {
  /** What happened. */
  type: FlowEventType;
  /** The task's uid (`task.NNNNNN` or `block.NNNNNN`); absent on custom events. */
  uid: string;
  /** The task's name; absent on custom events. */
  name: string;
  /** Milliseconds since the epoch, sub-millisecond precision. */
  time: number;
  /** The workflow (scope or block) the task belongs to, or the custom event was emitted in. */
  workflowId?: string;
  /** The backend the task was routed to. */
  backend?: string;
  /** The error, on `TaskFailed`, `TaskCancelled` and `TaskRetrying`. */
  error?: unknown;
  /** On `TaskCreated`: the uids of this engine's futures among the arguments. */
  deps?: string[];
  /** On `TaskCreated`: the named limits the task takes a unit of (a task waiting for them is ready, not submitted). */
  limits?: string[];
  /** On `TaskCreated`: the task's priority, when not 0. */
  priority?: number;
  /** On `TaskRetrying`: the attempt that comes next (2 for the first retry). */
  attempt?: number;
  /** On `TaskRetrying`: milliseconds until it starts. */
  delay?: number;
  /** On a prompt task's `TaskCompleted`: the tokens it used, when the server said. */
  usage?: { promptTokens: number; completionTokens: number };
  /** The task's cache key, where known (with a journal). */
  key?: string;
  /** On `TaskCached` and the `TaskCompleted` after it: true. */
  cached?: boolean;
  /** On custom events only: what `flow.emit(type, attrs)` was given. */
  attrs?: Record<string, unknown>;
}

/** A task event (every event but the custom ones). */
export type TaskEvent = FlowEvent & { type: TaskEventType };

/** A subscriber. */
export type FlowListener = (event: FlowEvent) => void;

const origin = performance.timeOrigin;

/** Milliseconds since the epoch with sub-millisecond precision. */
export function now(): number {
  return origin + performance.now();
}
