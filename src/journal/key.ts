/**
 * Task keys: a hex SHA-256 over what makes a task's outcome what it is — its
 * kind, its function's identity, its arguments in canonical form (a value
 * from a dependency is that dependency's key, so keys form a Merkle DAG),
 * the built command or messages, `env`, `cwd`, and each `InputFile`'s
 * fingerprint (path, size and mtime; its content's hash when deep).
 *
 * Two steps, so that what is shared by every call of a task function is
 * hashed once: {@link keyDefinition} (once per definition: kind, function
 * identity, `env`, `cwd`, prompt options), then {@link taskKey} (per task).
 * `taskKey` returns at once unless a file's content must be hashed.
 *
 * Besides the key, {@link KeyParts} keep a short digest of each component —
 * what `explain.ts` compares to say why a task ran again.
 *
 * @module
 */
import { received } from "../_text.ts";
import { createHash } from "node:crypto";
import { CanonicalEncoder, type DependencyRef, type Resolver } from "./canonical.ts";
import { type SavedState, Sha256 } from "./_sha256.ts";
import type { InputFile } from "../data.ts";

/** Version of the key format; part of every key (a new format never hits old records). */
export const KEY_FORMAT = 1;

/** The kinds of task that have keys (blocks are never cached). */
export type KeyedKind = "function" | "executable" | "prompt";

/** What identifies a task definition (everything shared by its calls). */
export interface KeyDefinitionInput {
  /** The task's kind. */
  readonly kind: KeyedKind;
  /** The task function (the builder, for executables and prompts). */
  readonly fn: (...args: never[]) => unknown;
  /** The `module` option: the function is also identified by its module URL. */
  readonly module?: string | undefined;
  /** The `env` option (executables). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** The `cwd` option (executables) — the option, not a sandbox path. */
  readonly cwd?: string | undefined;
  /** The prompt options that shape an answer (prompts); `system` is part of the messages. */
  readonly prompt?: {
    readonly model?: string | undefined;
    readonly temperature?: number | undefined;
    readonly maxTokens?: number | undefined;
  } | undefined;
}

/** The per-definition components of a key, as short digests (shared by its tasks). */
export interface DefinitionParts {
  /** The task's kind. */
  readonly kind: KeyedKind;
  /** The function's name. */
  readonly fnName: string;
  /** Digest of the function's source text. */
  readonly fn: string;
  /** The module URL, when the function is identified by one. */
  readonly module?: string;
  /** Digest of the `env` option, when set. */
  readonly env?: string;
  /** The `cwd` option, when set. */
  readonly cwd?: string;
  /** Digest of the prompt options (model, temperature, maxTokens), for prompts. */
  readonly prompt?: string;
}

/** A dependency met in an argument. */
export interface DependencyPart {
  /** The dependency's task name. */
  readonly name: string;
  /** The dependency's key. */
  readonly key: string;
}

/** The fingerprint of one `InputFile`. */
export interface InputPart {
  /** The file's name in the sandbox. */
  readonly file: string;
  /** Its path (where it is taken from, when no dependency produces it). */
  readonly path: string;
  /** The key of the dependency that produces it (then nothing else is looked at). */
  readonly producer?: string;
  /** Size in bytes. */
  readonly size?: number;
  /** Modification time, ms since the epoch. */
  readonly mtime?: number;
  /** SHA-256 of its content (with `cache: "deep"`). */
  readonly sha256?: string;
  /** Set when the file did not exist. */
  readonly missing?: true;
}

/** The components of a task's key, as short digests: what an explanation compares. */
export interface KeyParts {
  /** The definition's components (one object shared by all its tasks). */
  readonly def: DefinitionParts;
  /** A digest per argument, in order. */
  readonly args: readonly string[];
  /** Dependencies per argument index (only arguments that have any). */
  readonly deps?: Readonly<Record<number, readonly DependencyPart[]>>;
  /** Digest of the built command (executables). */
  readonly command?: string;
  /** Digest of the built messages (prompts). */
  readonly messages?: string;
  /** Each distinct `InputFile` among the arguments. */
  readonly inputs?: readonly InputPart[];
}

/** A task's key and its parts. */
export interface KeyResult {
  /** Hex SHA-256. */
  readonly key: string;
  /** What it was computed from. */
  readonly parts: KeyParts;
}

/** Where an input is taken from when a dependency produced it. */
export type Producer =
  /** A dependency with a key: the input is fingerprinted by that key. */
  | { readonly key: string }
  /** A dependency without a key: the file it left at this path is fingerprinted. */
  | { readonly path: string };

/** What varies per task. */
export interface TaskKeyInput {
  /** The task's arguments, with dependencies still in place (futures, promises). */
  readonly args: readonly unknown[];
  /** Replaces each thenable among the arguments (see `Resolver`). */
  readonly resolve?: Resolver | undefined;
  /** The built command (executables). */
  readonly command?: string | readonly string[] | undefined;
  /** The built messages (prompts). */
  readonly messages?: readonly { readonly role: string; readonly content: string }[] | undefined;
  /** Files produced by dependencies, by file name. */
  readonly producers?: ReadonlyMap<string, Producer> | undefined;
  /** Hash `InputFile` contents (`cache: "deep"`). */
  readonly deep?: boolean | undefined;
}

/** A definition's precomputed key state; make one per task definition with {@link keyDefinition}. */
export class KeyDefinition {
  /** The definition's parts, shared by the parts of all its tasks. */
  readonly parts: DefinitionParts;
  /** @internal the hash state after the definition's bytes */
  readonly state: SavedState;

  /**
   * Use {@link keyDefinition}.
   *
   * @param parts the definition's parts
   * @param state the hash state after its bytes
   */
  constructor(parts: DefinitionParts, state: SavedState) {
    this.parts = parts;
    this.state = state;
  }
}

const encoder = new CanonicalEncoder();
const sha = new Sha256();
const PREFIX = new TextEncoder().encode(`asyncflow-key/${KEY_FORMAT}\0`);

/**
 * The per-definition part of keys: hashes the kind, the function's identity
 * (name and source text, and its module URL when given), `env`, `cwd` and
 * the prompt options once. Make one per task definition and pass it to every
 * {@link taskKey} of its calls.
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals } from "@std/assert";
 * import { keyDefinition, taskKey } from "./key.ts";
 * const def = keyDefinition({ kind: "function", fn: function add(a: number, b: number) { return a + b; } });
 * const k1 = taskKey(def, { args: [1, 2] });
 * if (k1 instanceof Promise) throw new Error("sync without deep hashing");
 * assertEquals(k1.key.length, 64);
 * assertEquals(k1.parts.def.fnName, "add");
 * assertNotEquals(k1.key, (taskKey(def, { args: [1, 3] }) as typeof k1).key);
 * ```
 *
 * @param input the definition
 * @returns its key state
 * @throws {TypeError} when `kind` or `fn` is not what it should be
 */
export function keyDefinition(input: KeyDefinitionInput): KeyDefinition {
  const { kind, fn } = input;
  if (kind !== "function" && kind !== "executable" && kind !== "prompt") {
    throw new TypeError(
      `Cannot make key definition as 'kind' must be "function", "executable" or "prompt": ${
        received(kind)
      }`,
    );
  }
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot make key definition as 'fn' must be a function: ${received(fn)}`,
    );
  }
  const source = Function.prototype.toString.call(fn);
  const e = new CanonicalEncoder();
  const parts: { -readonly [K in keyof DefinitionParts]: DefinitionParts[K] } = {
    kind,
    fnName: fn.name,
    fn: digestOf(e, source),
  };
  if (input.module !== undefined) parts.module = input.module;
  if (input.env !== undefined) parts.env = digestOf(e, input.env);
  if (input.cwd !== undefined) parts.cwd = input.cwd;
  let prompt: unknown = null;
  if (kind === "prompt") {
    const p = input.prompt;
    prompt = [p?.model ?? null, p?.temperature ?? null, p?.maxTokens ?? null];
    parts.prompt = digestOf(e, prompt);
  }
  e.reset();
  e.value([
    kind,
    fn.name,
    source,
    input.module ?? null,
    input.env ?? null,
    input.cwd ?? null,
    prompt,
  ]);
  // zeros to the end of a 64-byte block: a task's own bytes (a few for a no-op) then
  // start a block, and most keys cost one compression (the encoding is prefix-free,
  // so the padding cannot make two definitions alike)
  const head = PREFIX.length + e.pos;
  const h = new Sha256().update(PREFIX).update(e.buf, 0, e.pos)
    .update(new Uint8Array((64 - (head % 64)) % 64));
  return new KeyDefinition(Object.freeze(parts), h.save());
}

function digestOf(e: CanonicalEncoder, value: unknown): string {
  e.reset();
  e.value(value);
  return hash53(e.buf, 0, e.pos);
}

/**
 * A 53-bit digest of `buf[from .. to)` as 14 hex characters (cyrb53): parts
 * only tell whether a component changed; the key itself is SHA-256.
 */
function hash53(buf: Uint8Array, from: number, to: number): string {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const c = CODES;
  const hi = h2 & 0x1fffff;
  for (let i = 0; i < 6; i++) c[i] = DIGITS.charCodeAt((hi >>> (20 - 4 * i)) & 15);
  for (let i = 0; i < 8; i++) c[6 + i] = DIGITS.charCodeAt((h1 >>> (28 - 4 * i)) & 15);
  return String.fromCharCode.apply(null, c);
}

const DIGITS = "0123456789abcdef";
const CODES: number[] = new Array(14).fill(0);

/** Tags of the sections after the arguments (kept apart from the canonical tags). */
const SECTION = { COMMAND: 0xf0, MESSAGES: 0xf1, INPUTS: 0xf2 } as const;

/**
 * A task's key: a hex SHA-256 over its definition (see {@link keyDefinition}),
 * its arguments in canonical form (each dependency replaced by `resolve`, for
 * a dependency with a key, by a `DependencyRef`), the built command or
 * messages, and each `InputFile`'s fingerprint: its producer's key when a
 * dependency produces it, else path, size and mtime (and, with `deep`, the
 * SHA-256 of its content — or of a directory's files and names).
 *
 * Returns the result at once, or a promise of it when a file's content must
 * be hashed (`deep`). Synchronous file system calls: a `stat` per input.
 *
 * @example
 * ```ts
 * import { assertNotEquals } from "@std/assert";
 * import { DependencyRef } from "./canonical.ts";
 * import { keyDefinition, type KeyResult, taskKey } from "./key.ts";
 * const def = keyDefinition({ kind: "function", fn: function double(x: number) { return 2 * x; } });
 * const upstream = Promise.resolve(21);
 * const key = (k: string) =>
 *   (taskKey(def, { args: [upstream], resolve: () => new DependencyRef(k, "prepare") }) as KeyResult)
 *     .key;
 * // a change upstream changes the key downstream
 * assertNotEquals(key("a".repeat(64)), key("b".repeat(64)));
 * ```
 *
 * @param def the task's definition
 * @param input what varies per task
 * @returns the key and its parts, or a promise of them
 * @throws {RangeError} when the arguments nest too deep to encode
 */
export function taskKey(
  def: KeyDefinition,
  input: TaskKeyInput,
): KeyResult | Promise<KeyResult> {
  const e = encoder;
  e.reset();
  e.resolve = input.resolve;
  try {
    const args = input.args;
    const n = args.length;
    const digests: string[] = new Array(n);
    let deps: Record<number, DependencyPart[]> | undefined;
    e.byte(0x10); // an array of the arguments
    e.uint(n);
    for (let i = 0; i < n; i++) {
      const from = e.pos;
      e.value(args[i]);
      digests[i] = hash53(e.buf, from, e.pos);
      if (e.deps !== undefined) {
        (deps ??= {})[i] = e.deps.map(depPart);
        e.deps = undefined;
      }
    }
    const parts: { -readonly [K in keyof KeyParts]: KeyParts[K] } = {
      def: def.parts,
      args: digests,
    };
    if (deps !== undefined) parts.deps = deps;
    if (input.command !== undefined) {
      e.byte(SECTION.COMMAND);
      const from = e.pos;
      e.value(input.command);
      parts.command = hash53(e.buf, from, e.pos);
    }
    if (input.messages !== undefined) {
      e.byte(SECTION.MESSAGES);
      const from = e.pos;
      e.value(input.messages);
      parts.messages = hash53(e.buf, from, e.pos);
    }
    const files = e.inputs;
    if (files === undefined) return finish(def, e.buf, e.pos, parts);
    const fps = fingerprints(files, input.producers);
    if (!input.deep || fps.every((f) => f.producer !== undefined || f.missing)) {
      parts.inputs = fps;
      writeInputs(e, fps);
      return finish(def, e.buf, e.pos, parts);
    }
    // content hashing is async: the shared encoder must not wait
    const head = e.bytes();
    return hashContents(fps).then((hashed) => {
      parts.inputs = hashed;
      const tail = new CanonicalEncoder();
      writeInputs(tail, hashed);
      const h = Sha256.from(def.state).update(head).update(tail.buf, 0, tail.pos);
      return { key: h.hex(), parts };
    });
  } finally {
    e.resolve = undefined;
  }
}

function depPart(r: DependencyRef): DependencyPart {
  return { name: r.name, key: r.key };
}

function finish(def: KeyDefinition, buf: Uint8Array, n: number, parts: KeyParts): KeyResult {
  const key = sha.reset(def.state).update(buf, 0, n).hex();
  return { key, parts };
}

function writeInputs(e: CanonicalEncoder, fps: readonly InputPart[]): void {
  e.byte(SECTION.INPUTS);
  e.uint(fps.length);
  for (const f of fps) {
    e.string(f.file);
    if (f.producer !== undefined) {
      e.byte(1);
      e.string(f.producer);
    } else if (f.missing) {
      e.byte(2);
      e.string(f.path);
    } else if (f.sha256 !== undefined) {
      // deep: the content decides; touching a file changes nothing
      e.byte(4);
      e.string(f.path);
      e.string(f.sha256);
    } else {
      e.byte(3);
      e.string(f.path);
      e.value(f.size);
      e.value(f.mtime);
    }
  }
}

/** One fingerprint per distinct input (by file name and path), in order of appearance. */
function fingerprints(
  files: readonly InputFile[],
  producers: ReadonlyMap<string, Producer> | undefined,
): InputPart[] {
  const out: InputPart[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const id = f.filename + "\0" + f.path;
    if (seen.has(id)) continue;
    seen.add(id);
    const p = producers?.get(f.filename);
    if (p !== undefined && "key" in p) {
      out.push({ file: f.filename, path: f.path, producer: p.key });
      continue;
    }
    const path = p !== undefined ? p.path : f.path;
    let st: Deno.FileInfo;
    try {
      st = Deno.statSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        out.push({ file: f.filename, path, missing: true });
        continue;
      }
      throw error;
    }
    out.push({ file: f.filename, path, size: st.size, mtime: st.mtime?.getTime() ?? 0 });
  }
  return out;
}

/** Content hashes in progress, by path: tasks that become ready together share one read. */
const hashing = new Map<string, Promise<string>>();

function hashContents(fps: InputPart[]): Promise<InputPart[]> {
  return Promise.all(fps.map((f) => {
    if (f.producer !== undefined || f.missing) return f;
    return contentHash(f.path).then((sha256) => ({ ...f, sha256 }));
  }));
}

/**
 * A content hash. Only a hash in progress is shared: a finished one is not
 * kept, since no cheap fingerprint (size, mtime, ctime, inode) proves the
 * content unchanged — that is what `deep` is asked for.
 */
function contentHash(path: string): Promise<string> {
  let p = hashing.get(path);
  if (p === undefined) {
    p = hashPath(path);
    hashing.set(path, p);
    const done = () => hashing.delete(path);
    p.then(done, done);
  }
  return p;
}

/**
 * SHA-256 (hex) of a file's content, read in chunks (never the whole file in
 * memory); of a directory: over its entries' names, kinds and content
 * hashes, in name order, recursively (symbolic links by their target text).
 *
 * @param path a file or directory
 * @returns the hex digest
 */
export async function hashPath(path: string): Promise<string> {
  const st = await Deno.stat(path);
  if (!st.isDirectory) return await hashFile(path);
  const h = createHash("sha256");
  h.update("dir\0");
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(path)) entries.push(entry);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const p = `${path}/${entry.name}`;
    h.update(entry.name).update("\0");
    if (entry.isSymlink) h.update("link\0").update(await Deno.readLink(p));
    else h.update(entry.isDirectory ? "d\0" : "f\0").update(await hashPath(p));
    h.update("\0");
  }
  return h.digest("hex");
}

/** SHA-256 (hex) of a file's content, streamed. */
export async function hashFile(path: string): Promise<string> {
  const h = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const chunk = new Uint8Array(1 << 20);
  for (;;) {
    const n = await file.read(chunk);
    if (n === null) break;
    h.update(chunk.subarray(0, n));
  }
  return h.digest("hex");
}
