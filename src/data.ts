/**
 * Data files: {@link InputFile} and {@link OutputFile} task arguments, and
 * the pure helpers the engine uses to give a task its sandbox.
 *
 * A task with any data file among its arguments runs in its own sandbox
 * `<workDir>/<engine uid>/<task uid>/`. An `OutputFile` named `f` in task A's
 * arguments and an `InputFile` named `f` in the arguments of task B that
 * depends on A make A's `f` available in B's sandbox; an `InputFile` that no
 * dependency produces is taken from its path.
 *
 * Staging links rather than copies: an input appears in the sandbox as a
 * symbolic link to its source (no data is copied, works across file systems
 * and for directories); where a symbolic link cannot be made, the file is
 * copied. A task that writes to its input through the link writes to the
 * source.
 *
 * @module
 */

import { basename, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { received } from "./_text.ts";

/**
 * A file a task reads. Its `filename` is the name it has in the task's
 * sandbox.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { InputFile } from "./data.ts";
 * const input = new InputFile("/data/raw/a.csv");
 * assert(input.filename === "a.csv" && input.path === "/data/raw/a.csv");
 * ```
 */
export class InputFile {
  /** The absolute path of the file (relative paths resolve against `Deno.cwd()`). */
  readonly path: string;
  /** Its base name: the name it has in a sandbox. */
  readonly filename: string;

  /**
   * Name an input file by its path or `file:` URL.
   *
   * @param path a path or a `file:` URL
   * @throws {TypeError} when `path` is not a non-empty string, a `file:` URL,
   * or does not name a file
   */
  constructor(path: string | URL) {
    let absolute: string;
    if (path instanceof URL || (typeof path === "string" && path.startsWith("file:"))) {
      const url = path instanceof URL ? path : parseUrl(path);
      if (url.protocol !== "file:") {
        throw new TypeError(
          `Cannot create InputFile as 'path' must be a path or a file: URL: ${received(url.href)}`,
        );
      }
      absolute = fileURLToPath(url);
    } else if (typeof path === "string") {
      if (path === "") {
        throw new TypeError(
          `Cannot create InputFile as 'path' must be a non-empty path: ${received(path)}`,
        );
      }
      absolute = isAbsolute(path) ? resolve(path) : resolve(Deno.cwd(), path);
    } else {
      throw new TypeError(
        `Cannot create InputFile as 'path' must be a string or a URL: ${received(path)}`,
      );
    }
    const filename = basename(absolute);
    if (filename === "") {
      throw new TypeError(
        `Cannot create InputFile as 'path' must name a file: ${received(absolute)}`,
      );
    }
    this.path = absolute;
    this.filename = filename;
  }
}

/**
 * A file a task writes in its sandbox under `filename`; a later task that
 * takes an {@link InputFile} of the same name finds it in its own sandbox.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { OutputFile } from "./data.ts";
 * assert(new OutputFile("result.txt").filename === "result.txt");
 * ```
 */
export class OutputFile {
  /** The name as given. */
  readonly name: string;
  /** Its base name: what it is matched by and created as in the sandbox. */
  readonly filename: string;

  /**
   * Name a file the task writes in its sandbox.
   *
   * @param name the file name
   * @throws {TypeError} when `name` is not a string, is empty or ends in `/`
   */
  constructor(name: string) {
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot create OutputFile as 'name' must be a string: ${received(name)}`,
      );
    }
    const filename = basename(name);
    if (
      name === "" || name.endsWith("/") || filename === "" || filename === "." || filename === ".."
    ) {
      throw new TypeError(
        `Cannot create OutputFile as 'name' must be a non-empty file name: ${received(name)}`,
      );
    }
    this.name = name;
    this.filename = filename;
  }
}

/** The data files found in a task's arguments. */
export interface DataFiles {
  /** Every {@link InputFile}, in order of appearance, each instance once. */
  inputs: InputFile[];
  /** Every {@link OutputFile}, in order of appearance, each instance once. */
  outputs: OutputFile[];
}

/**
 * Finds the data files among a task's arguments: positional, and anywhere
 * inside arrays and plain objects (other class instances are not entered).
 * Cycle-safe.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { findDataFiles, InputFile, OutputFile } from "./data.ts";
 * const found = findDataFiles([new InputFile("/a.txt"), { out: [new OutputFile("b.txt")] }, 42]);
 * assert(found.inputs.length === 1 && found.outputs[0]?.filename === "b.txt");
 * ```
 *
 * @param args the task's arguments
 * @returns the inputs and outputs, in order of appearance
 */
export function findDataFiles(args: readonly unknown[]): DataFiles {
  const found: DataFiles = { inputs: [], outputs: [] };
  let i = 0;
  while (i < args.length && (typeof args[i] !== "object" || args[i] === null)) i++;
  if (i === args.length) return found; // only primitives: the common case
  let seen: Set<object> | undefined;
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    if (value instanceof InputFile || value instanceof OutputFile || Array.isArray(value)) {
      // fallthrough to the seen check below
    } else {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return;
    }
    seen ??= new Set();
    if (seen.has(value)) return;
    seen.add(value);
    if (value instanceof InputFile) found.inputs.push(value);
    else if (value instanceof OutputFile) found.outputs.push(value);
    else if (Array.isArray(value)) { for (const item of value) visit(item); }
    else for (const key in value) visit((value as Record<string, unknown>)[key]);
  };
  for (; i < args.length; i++) visit(args[i]);
  return found;
}

/**
 * Maps what a task produced in its sandbox: each output's `filename` to its
 * absolute path there. Feed the union over a task's dependencies to
 * {@link stageInputs}.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { OutputFile, producedFiles } from "./data.ts";
 * const produced = producedFiles("/work/flow.1/task.000001", [new OutputFile("b.txt")]);
 * assert(produced.get("b.txt") === "/work/flow.1/task.000001/b.txt");
 * ```
 *
 * @param sandbox the producing task's sandbox directory
 * @param outputs its outputs
 * @param into a map to add to
 * @returns `into`, or a new map
 */
export function producedFiles(
  sandbox: string,
  outputs: readonly OutputFile[],
  into: Map<string, string> = new Map(),
): Map<string, string> {
  const root = resolve(sandbox);
  for (const output of outputs) into.set(output.filename, join(root, output.name));
  return into;
}

/**
 * Creates `sandbox` (with its parents) and makes each input available in it
 * under its `filename`: from `producers` (filename → absolute path of a file
 * an upstream task produced) when it names it, else from the input's own
 * path. Symbolic links are made; a copy where a link cannot be.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { InputFile, stageInputs } from "./data.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hello");
 * await stageInputs(`${dir}/box`, [new InputFile(`${dir}/a.txt`)], new Map());
 * assert(await Deno.readTextFile(`${dir}/box/a.txt`) === "hello");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param sandbox the task's sandbox directory
 * @param inputs the task's inputs
 * @param producers files made by the task's dependencies, by filename
 * @throws {Error} when an input does not exist where a producer left it or,
 * when no producer names it, at its path; the message names the file and
 * where it was looked for
 */
export async function stageInputs(
  sandbox: string,
  inputs: readonly InputFile[],
  producers: ReadonlyMap<string, string>,
): Promise<void> {
  const root = resolve(sandbox);
  await Deno.mkdir(root, { recursive: true });
  for (const input of inputs) {
    const produced = producers.get(input.filename);
    // A file an upstream task declared is taken from there only: falling back
    // to the input's path would hand a stale file to the task.
    const source = produced === undefined ? input.path : resolve(produced);
    if (!(await exists(source))) {
      throw new Error(
        `Cannot stage input file '${input.filename}' as it does not exist: looked in ${source}`,
      );
    }
    const target = join(root, input.filename);
    if (target === source) continue; // already in place
    await place(source, target);
  }
}

/** Makes `target` a symbolic link to `source`, replacing what is there; copies as a fallback. */
async function place(source: string, target: string): Promise<void> {
  try {
    await Deno.symlink(source, target);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) return await copy(source, target, error);
  }
  // A retry reuses the sandbox: replace the earlier link or file.
  await Deno.remove(target, { recursive: true });
  try {
    await Deno.symlink(source, target);
  } catch (error) {
    await copy(source, target, error);
  }
}

async function copy(source: string, target: string, linkError: unknown): Promise<void> {
  try {
    await Deno.copyFile(source, target);
  } catch (error) {
    throw new Error(
      `Cannot stage input file '${basename(target)}' from ${source}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: linkError },
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new TypeError(
      `Cannot create InputFile as 'path' must be a path or a file: URL: ${received(text)}`,
    );
  }
}
