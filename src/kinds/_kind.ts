/**
 * What a task kind is to the engine (a leaf module of types). Each kind
 * lives in its own module beside this one and owns its preparation and the
 * shape its backends receive; the engine dispatches by kind and holds no
 * kind-specific rule.
 *
 * @module
 */
import type { ResolvedOptions } from "../options.ts";

/** What a kind's preparation reads. */
export interface PrepareInput {
  /** The task's uid. */
  readonly uid: string;
  /** The task's name. */
  readonly name: string;
  /** The task function's body (a builder for executables and prompts). */
  readonly fn: (...args: never[]) => unknown;
  /** The resolved arguments. */
  readonly args: readonly unknown[];
  /** The task's options. */
  readonly opts: ResolvedOptions;
  /** The task's sandbox directory, when it has data files. */
  readonly sandbox: string | undefined;
  /** `<workDir>/<engine uid>/<task uid>`: where captured output goes. */
  readonly outputBase: string;
}

/** A task kind, as the engine sees it. */
export interface Kind {
  /** The kind's name (`BackendTask.kind` for kinds that run on a backend). */
  readonly name: "function" | "executable" | "prompt" | "block";
  /** The uid prefix of its tasks. */
  readonly prefix: "task." | "block.";
  /** Whether its tasks run on a backend (a block's body runs in the engine). */
  readonly onBackend: boolean;
  /**
   * Kind-specific preparation, after the dependencies are done and the
   * arguments resolved, before the dispatch stage: returns the fields its
   * backends read (command, cwd, messages…); a string `name` among them
   * names the task from then on (its events, messages and `future.name`).
   * A rejection fails the task
   * (it is the task's own failure: `retries` apply). Undefined when the kind
   * prepares nothing.
   */
  readonly prepare: ((input: PrepareInput) => Promise<Record<string, unknown>>) | undefined;
}
