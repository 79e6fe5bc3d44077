/**
 * The journal's content store (internal): `OutputFile`s kept by the SHA-256
 * of their content in `<journal>.files/`, written to a temporary name and
 * renamed (a reader never sees half a file), restored by copying (a task
 * that writes to its file cannot change the store).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join, resolve as resolvePath, sep } from "node:path";
import { capText, messageOf } from "../_text.ts";
import type { StoredOutput } from "./types.ts";

/**
 * Copies files into the content store `dir`; undefined when a file is
 * missing or not a regular file.
 *
 * @param dir the store's directory
 * @param files each output's name (relative to the sandbox) and path
 * @returns what was stored, in order, or undefined
 * @throws {Error} when the store cannot be written; the message names it
 */
export async function storeFiles(
  dir: string,
  files: readonly { readonly name: string; readonly path: string }[],
): Promise<StoredOutput[] | undefined> {
  const out: StoredOutput[] = [];
  for (const f of files) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(f.path);
    } catch {
      return undefined;
    }
    if (!info.isFile) return undefined;
    try {
      out.push({ name: f.name, ...(await storeFile(dir, f.path)) });
    } catch (e) {
      throw new Error(
        `Cannot store output '${capText(f.name, 200)}' in journal store '${dir}': ${messageOf(e)}`,
        { cause: e },
      );
    }
  }
  return out;
}

async function storeFile(dir: string, path: string): Promise<{ sha256: string; size: number }> {
  await Deno.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${crypto.randomUUID()}`);
  const h = createHash("sha256");
  let size = 0;
  try {
    {
      using src = await Deno.open(path, { read: true });
      using dst = await Deno.open(tmp, { write: true, createNew: true, mode: 0o444 });
      const chunk = new Uint8Array(1 << 20);
      for (;;) {
        const n = await src.read(chunk);
        if (n === null) break;
        const part = chunk.subarray(0, n);
        h.update(part);
        size += n;
        for (let w = 0; w < n;) w += await dst.write(part.subarray(w));
      }
      await dst.sync();
    }
    const sha256 = h.digest("hex");
    const target = join(dir, sha256);
    if (await exists(target)) await Deno.remove(tmp);
    else await Deno.rename(tmp, target);
    return { sha256, size };
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Copies stored outputs from the content store `dir` into `sandbox`,
 * creating directories as needed.
 *
 * @param dir the store's directory
 * @param outputs what was stored
 * @param sandbox the task's sandbox directory
 * @throws {Error} when a stored file is missing or cannot be copied, or a
 * name would leave the sandbox
 */
export async function restoreFiles(
  dir: string,
  outputs: readonly StoredOutput[],
  sandbox: string,
): Promise<void> {
  const root = resolvePath(sandbox);
  for (const o of outputs) {
    const target = resolvePath(root, o.name);
    if (!target.startsWith(root + sep)) {
      throw new Error(
        `Cannot restore output '${capText(o.name, 200)}' as it would leave the sandbox ${root}`,
      );
    }
    const source = join(dir, o.sha256);
    try {
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.remove(target).catch(() => {});
      await Deno.copyFile(source, target);
      await Deno.chmod(target, 0o644);
    } catch (e) {
      throw new Error(
        `Cannot restore output '${capText(o.name, 200)}' from journal store ${source}: ${
          messageOf(e)
        }`,
        { cause: e },
      );
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
