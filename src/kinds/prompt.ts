/**
 * The prompt kind: `flow.promptTask(builder)`. The builder runs after the
 * dependencies, with their values, and returns the user message or a list of
 * chat messages; this module checks it and builds the messages an inference
 * backend sends.
 *
 * @module
 */
import { received } from "../_text.ts";
import type { BackendTaskBase } from "../types.ts";
import type { Kind, PrepareInput } from "./_kind.ts";

/** One chat message. */
export interface ChatMessage {
  /** Who says it. */
  role: "system" | "user" | "assistant";
  /** What is said. */
  content: string;
}

export type { PromptOptions } from "../options.ts";

/** A prompt task as a backend receives it: send `messages`. */
export interface PromptTask extends BackendTaskBase {
  /** Discriminates `BackendTask`. */
  readonly kind: "prompt";
  /** The chat messages, the system message (if any) first. */
  readonly messages: readonly ChatMessage[];
  /** The `prompt` option's model, if given. */
  readonly model: string | undefined;
  /** The `prompt` option's temperature, if given. */
  readonly temperature: number | undefined;
  /** The `prompt` option's maxTokens, if given. */
  readonly maxTokens: number | undefined;
}

/** The fields a prompt's preparation fills in. */
export interface PromptPrep {
  messages: ChatMessage[];
}

const ROLES = new Set(["system", "user", "assistant"]);

/**
 * Checks what a prompt builder returned and makes the chat messages: a
 * non-empty string is the user message; an array must hold at least one
 * `{ role, content }` with a known role and string content. A `system`
 * option is put first unless the messages start with a system message.
 *
 * @param name the task's name (for the message)
 * @param built what the builder returned
 * @param system the `prompt.system` option
 * @returns the messages
 * @throws {TypeError} naming what was wrong and what was received
 */
export function checkPrompt(
  name: string,
  built: unknown,
  system: string | undefined,
): ChatMessage[] {
  const bad = (detail: string, shown: unknown): never => {
    throw new TypeError(
      `Cannot run prompt task '${name}' as its builder must return a non-empty string or a non-empty array of { role, content } messages${detail}: ${
        received(shown)
      }`,
    );
  };
  let messages: ChatMessage[];
  if (typeof built === "string") {
    if (built.trim().length === 0) bad("", built);
    messages = [{ role: "user", content: built }];
  } else if (Array.isArray(built) && built.length !== 0) {
    messages = [];
    for (let i = 0; i < built.length; i++) {
      if (!(i in built)) bad(` (message ${i} is a hole in a sparse array)`, undefined);
      const m: unknown = built[i];
      if (typeof m !== "object" || m === null || Array.isArray(m)) {
        bad(` (message ${i} is not an object)`, m);
      }
      const { role, content } = m as { role?: unknown; content?: unknown };
      if (typeof role !== "string" || !ROLES.has(role)) {
        bad(
          ` (message ${i} has role ${received(role).slice(9)}; roles are system, user, assistant)`,
          m,
        );
      }
      if (typeof content !== "string") bad(` (message ${i} has no string content)`, m);
      messages.push({ role: role as ChatMessage["role"], content: content as string });
    }
  } else {
    return bad("", built);
  }
  if (system !== undefined && messages[0]!.role !== "system") {
    messages.unshift({ role: "system", content: system });
  }
  return messages;
}

async function prepare(input: PrepareInput): Promise<Record<string, unknown>> {
  const built = await (input.fn as (...a: unknown[]) => unknown)(...input.args);
  const prep: PromptPrep = { messages: checkPrompt(input.name, built, input.opts.prompt?.system) };
  return prep as unknown as Record<string, unknown>;
}

/** The prompt kind. */
export const promptKind: Kind = {
  name: "prompt",
  prefix: "task.",
  onBackend: true,
  prepare,
};
