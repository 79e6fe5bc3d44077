/**
 * Text for messages (internal): the one way a received value is shown, and
 * the caps on user data that ends up in messages and error fields.
 *
 * Messages follow Deno's std: the failed action, then the detail, then what
 * was received — `Cannot create pool as 'workers' must be a positive
 * integer: received 0`. {@link received} renders the last part for any value
 * (never throws, whatever the value does in `toString`), and
 * {@link capText} keeps user data in a message short: a 10 MB command that
 * cannot be spawned gives a message of about a thousand characters, not 10 MB.
 *
 * @module
 */

/** Most characters of user data a message or error field keeps. */
export const MAX_SHOWN = 1000;

/**
 * `text` cut to `max` characters, ending with `…` when cut.
 *
 * @param text any string
 * @param max most characters kept (the ellipsis included)
 * @returns the string, cut
 */
export function capText(text: string, max: number = MAX_SHOWN): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - 1)) + "…";
}

/**
 * The last `max` characters of `text`, starting with `…` when cut (for
 * output streams, where the end says most).
 *
 * @param text any string
 * @param max most characters kept (the ellipsis included)
 * @returns the string's tail
 */
export function capTail(text: string, max: number = MAX_SHOWN): string {
  return text.length <= max ? text : "…" + text.slice(text.length - Math.max(0, max - 1));
}

/**
 * `String(value)` that never throws (a value with a throwing `toString`, or
 * an object with no prototype, gives its `Object.prototype.toString` tag).
 *
 * @param value anything
 * @returns a string for it
 */
export function safeString(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return "[object]";
    }
  }
}

/**
 * A short description of a value for messages: strings quoted, numbers and
 * the like as they print, `null`, `an array (length 3)`, `an object`,
 * `an object (Date)`, `function f`. Capped at {@link MAX_SHOWN} characters;
 * never throws.
 *
 * @param value anything
 * @returns the description
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return capText(JSON.stringify(value));
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return capText(safeString(value));
    case "function":
      return `function ${capText(safeName(value)) || "(anonymous)"}`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array (length ${value.length})`;
  let proto: unknown;
  try {
    proto = Object.getPrototypeOf(value);
  } catch {
    return "an object";
  }
  if (proto === Object.prototype) return "an object";
  if (proto === null) return "an object (null prototype)";
  let ctor = "";
  try {
    const c = (proto as { constructor?: unknown }).constructor;
    if (typeof c === "function") ctor = safeName(c);
  } catch {
    // a throwing getter: no class name
  }
  return ctor ? `an object (${capText(ctor, 100)})` : "an object";
}

function safeName(f: unknown): string {
  try {
    const n = (f as { name?: unknown }).name;
    return typeof n === "string" ? n : "";
  } catch {
    return "";
  }
}

/**
 * `"received " + describe(value)`: the end of every bad-input message.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { received } from "./_text.ts";
 * assertEquals(received(0), "received 0");
 * assertEquals(received("x"), 'received "x"');
 * assertEquals(received(Object.create(null)), "received an object (null prototype)");
 * ```
 *
 * @param value what was received
 * @returns the phrase
 */
export function received(value: unknown): string {
  return "received " + describe(value);
}

/**
 * `"received "` and the value as JSON, cut to `max` characters: for data
 * that arrived as JSON (a request body), whose JSON says more than
 * {@link describe}. A value JSON cannot show is described instead.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { receivedJSON } from "./_text.ts";
 * assertEquals(receivedJSON({ ref: 3 }), 'received {"ref":3}');
 * assertEquals(receivedJSON(undefined), "received undefined");
 * ```
 *
 * @param value what was received
 * @param max most characters of the JSON kept (the ellipsis included)
 * @returns the phrase
 */
export function receivedJSON(value: unknown, max = 80): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return "received " + (json === undefined ? describe(value) : capText(json, max));
}

/** Eight random hex characters (ids). */
export function hex8(): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/**
 * The message of a thrown value, never throwing.
 *
 * @param error anything thrown
 * @returns its message, or the value as a string
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return safeString(error.message);
  return safeString(error);
}
