/**
 * Minimal POSIX path helpers (the library imports nothing outside itself).
 *
 * @module
 */

/** Join path segments with `/`, collapsing duplicate separators. */
export function join(...parts: string[]): string {
  return parts.filter((p) => p.length !== 0).join("/").replace(/\/{2,}/g, "/");
}

/** Make `p` absolute against the current directory and normalise `.`/`..`. */
export function resolvePath(p: string): string {
  const abs = p.startsWith("/") ? p : `${Deno.cwd()}/${p}`;
  const out: string[] = [];
  for (const seg of abs.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}
