/**
 * Flow events: every state change of a task or block.
 *
 * @module
 */

/** The kinds of {@link FlowEvent}. */
export type FlowEventType =
  | "TaskCreated"
  | "TaskReady"
  | "TaskSubmitted"
  | "TaskStarted"
  | "TaskCompleted"
  | "TaskFailed"
  | "TaskCancelled";

/** One state change of a task or block. */
export interface FlowEvent {
  /** What happened. */
  type: FlowEventType;
  /** The task's uid (`task.NNNNNN` or `block.NNNNNN`). */
  uid: string;
  /** The task's name. */
  name: string;
  /** Milliseconds since the epoch, sub-millisecond precision. */
  time: number;
  /** The workflow (scope or block) the task belongs to. */
  workflowId?: string;
  /** The backend the task was routed to. */
  backend?: string;
  /** The error, on `TaskFailed` and `TaskCancelled`. */
  error?: unknown;
  /** On `TaskCreated`: the uids of this engine's futures among the arguments. */
  deps?: string[];
}

/** A subscriber. */
export type FlowListener = (event: FlowEvent) => void;

const origin = performance.timeOrigin;

/** Milliseconds since the epoch with sub-millisecond precision. */
export function now(): number {
  return origin + performance.now();
}
