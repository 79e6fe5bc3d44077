/** Validation shared by the backends. @module */
import type { AttachContext, BackendHost } from "../backend.ts";

/**
 * The host a backend reports to, from `attach()`: a backend serves one engine.
 *
 * @throws {Error} when the backend is already attached
 */
export function attachOnce(
  name: string,
  current: BackendHost | undefined,
  context: AttachContext,
): BackendHost {
  if (current !== undefined) {
    throw new Error(`Cannot attach backend '${name}' as it already serves an engine`);
  }
  return context.host;
}

/**
 * Read and check the `name` option of a backend constructor.
 *
 * @throws {TypeError} when options is not an object or name is not a non-empty string
 */
export function checkName(cls: string, options: unknown, fallback: string): string {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot create ${cls} as 'options' must be an object: received ${
        options === null ? "null" : Array.isArray(options) ? "an array" : typeof options
      }`,
    );
  }
  const name = (options as { name?: unknown }).name;
  if (name === undefined) return fallback;
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(
      `Cannot create ${cls} as 'name' must be a non-empty string: received ${
        typeof name === "string" ? '""' : String(name)
      }`,
    );
  }
  return name;
}
