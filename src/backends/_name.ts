/** Validation shared by backend constructors. @module */

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
