/**
 * What every backend constructor and `attach` check, in one place (internal).
 *
 * @module
 */
import type { AttachContext, BackendHost } from "../backend.ts";
import { received } from "../_text.ts";

/**
 * The host a backend reports to, from `attach()`: a backend serves one engine.
 *
 * @param name the backend's name
 * @param current the host it has, if attached already
 * @param context what `attach` was given
 * @returns the host
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
 * Checks a backend's constructor options — an object (or undefined) with no
 * field but `known` (`name` is always known) — and returns its `name`.
 *
 * @param cls the backend's class name (for messages)
 * @param options what the constructor was given
 * @param known the option names the backend takes, besides `name`
 * @param fallback the default name
 * @returns the backend's name
 * @throws {TypeError} when options is not an object, has an unknown field, or
 * `name` is not a non-empty string
 */
export function backendName(
  cls: string,
  options: unknown,
  known: readonly string[],
  fallback: string,
): string {
  if (options === undefined) return fallback;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot create ${cls} as 'options' must be an object: ${received(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== "name" && !known.includes(key)) {
      throw new TypeError(
        `Cannot create ${cls} as 'options' has an unknown field (known: ${
          ["name", ...known].join(", ")
        }): ${received(key)}`,
      );
    }
  }
  const name = (options as { name?: unknown }).name;
  if (name === undefined) return fallback;
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(
      `Cannot create ${cls} as 'name' must be a non-empty string: ${received(name)}`,
    );
  }
  return name;
}

/**
 * A positive integer option, or its default when undefined.
 *
 * @param cls the backend's class name
 * @param field the option's name
 * @param value what was given
 * @param fallback the default
 * @returns the value
 * @throws {TypeError} when it is not a number (`null` included)
 * @throws {RangeError} when it is not a positive safe integer
 */
export function positiveInt(cls: string, field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create ${cls} as '${field}' must be a positive integer: ${received(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot create ${cls} as '${field}' must be a positive integer: ${received(value)}`,
    );
  }
  return value;
}
