/**
 * The executable kind: `flow.executableTask(builder)`. The builder runs after
 * the dependencies, with their values, and returns the command; this module
 * checks it and decides where the process runs and where its output goes.
 *
 * @module
 */
import { capText, received } from "../_text.ts";
import type { BackendTaskBase } from "../types.ts";
import type { Kind, PrepareInput } from "./_kind.ts";

/** An executable task as a backend receives it: run `command`. */
export interface ExecutableTask extends BackendTaskBase {
  /** Discriminates `BackendTask`. */
  readonly kind: "executable";
  /** A string runs through `/bin/sh -c`; an array is argv, run without a shell. */
  readonly command: string | readonly string[];
  /** Extra environment variables. */
  readonly env: Readonly<Record<string, string>> | undefined;
  /** Working directory (a sandbox, the `cwd` option, or undefined = inherit). */
  readonly cwd: string | undefined;
  /** When set, stdout goes to this file and the result is this path. */
  readonly stdoutPath: string | undefined;
  /** When set (with `stdoutPath`), stderr goes to this file. */
  readonly stderrPath: string | undefined;
}

/** The fields an executable's preparation fills in. */
export interface ExecutablePrep {
  command: string | readonly string[];
  /**
   * The task's name from here on when it has none of its own (no `name`
   * option, an anonymous builder): its program's name ({@link programName}).
   */
  name?: string;
  cwd: string | undefined;
  stdoutPath: string | undefined;
  stderrPath: string | undefined;
}

/**
 * Checks what a builder returned: a string with something other than
 * whitespace, or a non-empty array of strings (no holes) whose first element
 * is not empty; no NUL character anywhere.
 *
 * @param name the task's name (for the message)
 * @param cmd what the builder returned
 * @returns the command
 * @throws {TypeError} naming what was wrong and what was received
 */
export function checkCommand(name: string, cmd: unknown): string | string[] {
  const bad = (detail: string, shown: unknown): never => {
    throw new TypeError(
      `Cannot run executable task '${name}' as its builder must return a non-empty string or a non-empty array of strings${detail}: ${
        received(shown)
      }`,
    );
  };
  if (typeof cmd === "string") {
    if (cmd.trim().length === 0) bad("", cmd);
    if (cmd.includes("\0")) bad(" (the command contains a NUL character)", cmd);
    return cmd;
  }
  if (!Array.isArray(cmd) || cmd.length === 0) return bad("", cmd);
  for (let i = 0; i < cmd.length; i++) {
    // a for loop, not every(): every() skips the holes of a sparse array
    if (!(i in cmd)) bad(` (argv[${i}] is a hole in a sparse array)`, undefined);
    const a: unknown = cmd[i];
    if (typeof a !== "string") bad(` (argv[${i}] is not a string)`, a);
    if ((a as string).includes("\0")) bad(` (argv[${i}] contains a NUL character)`, a);
  }
  if ((cmd[0] as string).length === 0) bad(" (argv[0], the program, is empty)", "");
  return cmd as string[];
}

/**
 * The name of the program a command runs: the base name of `argv[0]`, or of
 * the first word of a shell string (after any leading `VAR=value`
 * assignments and `exec`; a quoted word is taken whole). Empty when there is
 * none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { programName } from "./executable.ts";
 * assertEquals(programName(["/usr/bin/python3", "-c", "print(1)"]), "python3");
 * assertEquals(programName("OMP_NUM_THREADS=4 ./simulate --steps 10 > out.txt"), "simulate");
 * assertEquals(programName(`"/opt/my tool/run" -v`), "run");
 * assertEquals(programName("exec sleep 30"), "sleep");
 * ```
 *
 * @param command a command as a builder returns it
 * @returns the program's name
 */
export function programName(command: string | readonly string[]): string {
  let word: string;
  if (typeof command !== "string") word = command[0] ?? "";
  else {
    const s = command.replace(/^\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:exec\s+)?/, "");
    const quote = s[0];
    if (quote === '"' || quote === "'") {
      const end = s.indexOf(quote, 1);
      word = s.slice(1, end < 0 ? undefined : end);
    } else word = /^[^\s;&|<>()]*/.exec(s)![0];
  }
  return word.slice(word.lastIndexOf("/") + 1);
}

/** Most characters of a task name taken from its program's name. */
const MAX_PROGRAM_NAME = 80;

async function prepare(input: PrepareInput): Promise<Record<string, unknown>> {
  const built = await (input.fn as (...a: unknown[]) => unknown)(...input.args);
  const command = checkCommand(input.name, built);
  const prep: ExecutablePrep = {
    command,
    cwd: input.sandbox ?? input.opts.cwd,
    stdoutPath: undefined,
    stderrPath: undefined,
  };
  // a task without a name of its own is named after its program once its
  // command is built (before that, and in its TaskCreated event, it is "task")
  if (input.opts.name === undefined && input.fn.name === "") {
    const program = programName(command);
    // (cut: a generated program path must not make every message about it huge)
    if (program !== "") prep.name = capText(program, MAX_PROGRAM_NAME);
  }
  if (input.opts.captureStdio) {
    prep.stdoutPath = input.outputBase + ".stdout";
    prep.stderrPath = input.outputBase + ".stderr";
  }
  return prep as unknown as Record<string, unknown>;
}

/** The executable kind. */
export const executableKind: Kind = {
  name: "executable",
  prefix: "task.",
  onBackend: true,
  prepare,
};
