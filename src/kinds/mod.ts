/**
 * The task kinds: one module each, and the shape each kind's tasks have when
 * a backend receives them.
 *
 * @module
 */
export type { Kind, PrepareInput } from "./_kind.ts";
export { functionKind, type FunctionTask } from "./function.ts";
export { checkCommand, executableKind, type ExecutableTask } from "./executable.ts";
export { blockKind } from "./block.ts";
export {
  type ChatMessage,
  checkPrompt,
  promptKind,
  type PromptOptions,
  type PromptTask,
} from "./prompt.ts";
