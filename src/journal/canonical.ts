/**
 * The canonical form of task arguments: deterministic bytes for any value,
 * equal whenever two values are equal as data, different whenever any leaf
 * differs. Task keys hash these bytes (see `key.ts`).
 *
 * ## The encoding
 *
 * Every value starts with a one-byte tag; everything of variable length is
 * prefixed by its length (LEB128), so the encoding is prefix-free and two
 * different values never give the same bytes.
 *
 * | value | bytes |
 * | --- | --- |
 * | `undefined`, `null`, `false`, `true` | one tag |
 * | number | int32 (not `-0`): tag + 4 bytes; else tag + float64 (every `NaN` the same, `-0` distinct from `0`) |
 * | bigint, string, symbol | tag + length + text (strings: one byte per character when all are below 256, else UTF-16 code units, so lone surrogates survive) |
 * | array | tag + length + elements (a hole has its own tag, distinct from `undefined`) |
 * | plain object (prototype `Object.prototype` or `null`) | tag + count + (key, value) in sorted key order |
 * | `Map`, `Set` | tag + count + entries, each encoded alone and sorted by its bytes: insertion order does not matter |
 * | `Date`, `RegExp`, boxed primitives | tag + time / source and flags / the primitive |
 * | `ArrayBuffer`, typed arrays, `DataView` | tag (+ class name) + length + the bytes in view |
 * | `Error` | tag + name + message (+ `cause`); never the stack |
 * | `InputFile`, `OutputFile` | tag + path / name (a file's content is the key's business: see `key.ts`) |
 * | function | tag + name + source text |
 * | a {@link DependencyRef} (what `resolve` returns for a dependency) | tag + the dependency's key |
 * | other class instances | tag + class name + own enumerable fields (sorted), then what `toJSON()` returns or, when the class has its own `toString`, its text (so a `URL` is its `href`) |
 *
 * An object met again (shared substructure, or a cycle) is written as a
 * back-reference to its visit number, so `{ l: n, r: n }` forty levels deep
 * costs its size, not the number of paths through it, and a cycle ends.
 * Entries of a `Map` or `Set` are each encoded from the same visit state, so
 * their bytes do not depend on the order they were inserted in.
 *
 * @module
 */
import { InputFile, OutputFile } from "../data.ts";

/** Deepest nesting the encoder follows before it gives up with a `RangeError`. */
export const MAX_CANONICAL_DEPTH = 2000;

/** What a {@link Resolver} returns for a value that came from a dependency with a key. */
export class DependencyRef {
  /** The dependency's key (hex SHA-256). */
  readonly key: string;
  /** The dependency's task name (for explanations). */
  readonly name: string;

  /**
   * Stands for a dependency's value in a canonical form.
   *
   * @param key the dependency's key (hex SHA-256)
   * @param name the dependency's task name (for explanations)
   */
  constructor(key: string, name: string) {
    this.key = key;
    this.name = name;
  }
}

/**
 * Replaces a thenable met in the arguments before it is encoded: a
 * {@link DependencyRef} for a dependency that has a key, else its value.
 * Called only for objects with a callable `then`.
 */
export type Resolver = (thenable: object) => unknown;

const T = {
  UNDEFINED: 0x00,
  NULL: 0x01,
  FALSE: 0x02,
  TRUE: 0x03,
  INT: 0x04,
  FLOAT: 0x05,
  BIGINT: 0x06,
  STR8: 0x07,
  STR16: 0x08,
  SYMBOL: 0x09,
  FUNCTION: 0x0a,
  ARRAY: 0x10,
  HOLE: 0x11,
  OBJECT: 0x12,
  MAP: 0x13,
  SET: 0x14,
  DATE: 0x15,
  REGEXP: 0x16,
  ARRAY_BUFFER: 0x17,
  TYPED: 0x18,
  DATA_VIEW: 0x19,
  ERROR: 0x1a,
  INSTANCE: 0x1b,
  BOXED: 0x1c,
  INPUT_FILE: 0x1d,
  OUTPUT_FILE: 0x1e,
  BACKREF: 0x1f,
  DEPENDENCY: 0x20,
  SHARED_BUFFER: 0x21,
  BLOB: 0x22,
} as const;

const objectToString = Object.prototype.toString;
const fnToString = Function.prototype.toString;
const TypedArray = Object.getPrototypeOf(Uint8Array) as abstract new () => ArrayBufferView;

/**
 * The encoder. One instance is reused across calls (its buffer grows and is
 * never shrunk); `canonicalBytes` is the one-shot form.
 */
export class CanonicalEncoder {
  /** The bytes written so far: `buf[0 .. pos)`. */
  buf: Uint8Array = new Uint8Array(256);
  /** Bytes written. */
  pos = 0;
  #view = new DataView(this.buf.buffer);
  /** Objects in visit order; the index is the back-reference number. */
  #visited: object[] = [];
  #index = new Map<object, number>();
  #depth = 0;
  /** The resolver for thenables. */
  resolve: Resolver | undefined = undefined;
  /** Dependencies met since the last {@link CanonicalEncoder.takeDeps}. */
  deps: DependencyRef[] | undefined = undefined;
  /** InputFiles met since the last reset, each instance once. */
  inputs: InputFile[] | undefined = undefined;

  /** Forget everything written and visited. */
  reset(): void {
    this.pos = 0;
    if (this.#visited.length !== 0) {
      this.#visited.length = 0;
      this.#index.clear();
    }
    this.#depth = 0;
    this.deps = undefined;
    this.inputs = undefined;
  }

  /** A copy of the bytes written. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  #grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.#view = new DataView(b.buffer);
  }

  /** Writes one byte. */
  byte(b: number): void {
    if (this.pos === this.buf.length) this.#grow(1);
    this.buf[this.pos++] = b;
  }

  /** Writes a non-negative integer as LEB128. */
  uint(n: number): void {
    this.#grow(8);
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.pos++] = n;
  }

  #float(x: number): void {
    this.#grow(8);
    this.#view.setFloat64(this.pos, Number.isNaN(x) ? NaN : x, true);
    this.pos += 8;
  }

  /** Writes a string: tag, length, then one byte or two per code unit. */
  string(s: string): void {
    const n = s.length;
    let wide = false;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 255) {
        wide = true;
        break;
      }
    }
    this.byte(wide ? T.STR16 : T.STR8);
    this.uint(n);
    this.#grow(wide ? 2 * n : n);
    const buf = this.buf;
    let p = this.pos;
    if (wide) {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        buf[p++] = c & 255;
        buf[p++] = c >>> 8;
      }
    } else {
      for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    }
    this.pos = p;
  }

  #raw(bytes: Uint8Array): void {
    this.uint(bytes.length);
    this.#grow(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Writes `value` in canonical form.
   *
   * @param value anything
   * @throws {RangeError} when the value nests deeper than {@link MAX_CANONICAL_DEPTH}
   */
  value(value: unknown): void {
    switch (typeof value) {
      case "undefined":
        this.byte(T.UNDEFINED);
        return;
      case "boolean":
        this.byte(value ? T.TRUE : T.FALSE);
        return;
      case "number":
        if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
          this.#grow(5);
          const buf = this.buf;
          let p = this.pos;
          buf[p++] = T.INT;
          buf[p++] = value & 255;
          buf[p++] = (value >>> 8) & 255;
          buf[p++] = (value >>> 16) & 255;
          buf[p++] = value >>> 24;
          this.pos = p;
        } else {
          this.byte(T.FLOAT);
          this.#float(value);
        }
        return;
      case "string":
        this.string(value);
        return;
      case "bigint":
        this.byte(T.BIGINT);
        this.string(value.toString(16));
        return;
      case "symbol": {
        this.byte(T.SYMBOL);
        const registered = Symbol.keyFor(value);
        this.byte(registered !== undefined ? 1 : 0);
        this.string(registered ?? value.description ?? "");
        return;
      }
      case "function":
        this.byte(T.FUNCTION);
        this.string(value.name);
        this.string(fnToString.call(value));
        return;
    }
    if (value === null) {
      this.byte(T.NULL);
      return;
    }
    this.#object(value as object);
  }

  #object(o: object): void {
    let then: unknown;
    try {
      then = (o as { then?: unknown }).then;
    } catch {
      then = undefined;
    }
    if (typeof then === "function" && this.resolve !== undefined) {
      const r = this.resolve(o);
      if (r instanceof DependencyRef) {
        this.byte(T.DEPENDENCY);
        this.string(r.key);
        (this.deps ??= []).push(r);
        return;
      }
      if (r !== o) {
        this.value(r);
        return;
      }
    }
    const seen = this.#index.get(o);
    if (seen !== undefined) {
      this.byte(T.BACKREF);
      this.uint(seen);
      return;
    }
    this.#index.set(o, this.#visited.length);
    this.#visited.push(o);
    if (++this.#depth > MAX_CANONICAL_DEPTH) {
      throw new RangeError(
        `Cannot compute the canonical form as the value nests deeper than ${MAX_CANONICAL_DEPTH} levels: received a deeper structure`,
      );
    }
    try {
      this.#body(o);
    } finally {
      this.#depth--;
    }
  }

  #body(o: object): void {
    if (Array.isArray(o)) {
      const n = o.length;
      this.byte(T.ARRAY);
      this.uint(n);
      for (let i = 0; i < n; i++) {
        if (i in o) this.value(o[i]);
        else this.byte(T.HOLE);
      }
      return;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      this.byte(T.OBJECT);
      this.#fields(o);
      return;
    }
    if (o instanceof InputFile) {
      this.byte(T.INPUT_FILE);
      this.string(o.path);
      (this.inputs ??= []).push(o);
      return;
    }
    if (o instanceof OutputFile) {
      this.byte(T.OUTPUT_FILE);
      this.string(o.name);
      return;
    }
    if (o instanceof Map) {
      this.byte(T.MAP);
      this.#entries(o.size, o, true);
      return;
    }
    if (o instanceof Set) {
      this.byte(T.SET);
      this.#entries(o.size, o, false);
      return;
    }
    if (o instanceof Date) {
      this.byte(T.DATE);
      this.#float(o.getTime());
      return;
    }
    if (o instanceof RegExp) {
      this.byte(T.REGEXP);
      this.string(o.source);
      this.string(o.flags);
      return;
    }
    if (o instanceof ArrayBuffer) {
      this.byte(T.ARRAY_BUFFER);
      this.#raw(new Uint8Array(o));
      return;
    }
    if (typeof SharedArrayBuffer !== "undefined" && o instanceof SharedArrayBuffer) {
      this.byte(T.SHARED_BUFFER);
      this.#raw(new Uint8Array(o));
      return;
    }
    if (o instanceof TypedArray) {
      const v = o as unknown as ArrayBufferView & { constructor: { name: string } };
      this.byte(T.TYPED);
      this.string(objectToString.call(v).slice(8, -1));
      this.#raw(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return;
    }
    if (o instanceof DataView) {
      this.byte(T.DATA_VIEW);
      this.#raw(new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
      return;
    }
    if (o instanceof Error) {
      this.byte(T.ERROR);
      this.string(String(o.name));
      this.string(String(o.message));
      if (Object.hasOwn(o, "cause")) {
        this.byte(1);
        this.value(o.cause);
      } else this.byte(0);
      this.#fields(o);
      return;
    }
    if (
      o instanceof Number || o instanceof String || o instanceof Boolean ||
      o instanceof BigInt || o instanceof Symbol
    ) {
      this.byte(T.BOXED);
      this.value(o.valueOf());
      return;
    }
    if (typeof Blob !== "undefined" && o instanceof Blob) {
      // the content cannot be read synchronously: its size, type and (File) name
      this.byte(T.BLOB);
      this.uint(o.size);
      this.string(o.type);
      this.string(o instanceof File ? o.name : "");
      return;
    }
    this.#instance(o, proto);
  }

  /** Own enumerable string keys, sorted, with their values. */
  #fields(o: object): void {
    const keys = Object.keys(o);
    if (keys.length > 1) keys.sort();
    this.uint(keys.length);
    for (const k of keys) {
      this.string(k);
      this.value((o as Record<string, unknown>)[k]);
    }
  }

  #instance(o: object, proto: object): void {
    let name = "";
    try {
      const c = (proto as { constructor?: unknown }).constructor;
      if (typeof c === "function") name = c.name;
    } catch {
      // a throwing getter: no class name
    }
    this.byte(T.INSTANCE);
    this.string(name);
    this.#fields(o);
    // state the fields do not show (URL, Temporal, …): toJSON, else an own toString
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      this.byte(1);
      this.value(toJSON.call(o, ""));
      return;
    }
    const toString = (o as { toString?: unknown }).toString;
    if (typeof toString === "function" && toString !== objectToString) {
      this.byte(2);
      this.string(String(toString.call(o)));
      return;
    }
    this.byte(0);
  }

  /**
   * The entries of a Map or Set, each encoded from the same visit state, then
   * written sorted by their bytes, each with its length.
   */
  #entries(size: number, c: Map<unknown, unknown> | Set<unknown>, pairs: boolean): void {
    this.uint(size);
    if (size === 0) return;
    const mark = this.#visited.length;
    const start = this.pos;
    const ends: number[] = [];
    const each = (k: unknown, v: unknown) => {
      this.value(k);
      if (pairs) this.value(v);
      ends.push(this.pos);
      // forget what this entry visited: the next one starts from the same state
      const visited = this.#visited;
      for (let i = mark; i < visited.length; i++) this.#index.delete(visited[i]!);
      visited.length = mark;
    };
    if (pairs) { for (const [k, v] of c as Map<unknown, unknown>) each(k, v); }
    else for (const k of c as Set<unknown>) each(k, undefined);
    const region = this.buf.slice(start, this.pos);
    const ranges: [number, number][] = [];
    let from = 0;
    for (const end of ends) {
      ranges.push([from, end - start]);
      from = end - start;
    }
    ranges.sort((a, b) => compareRanges(region, a, b));
    this.pos = start;
    for (const [a, b] of ranges) this.#raw(region.subarray(a, b));
  }
}

function compareRanges(buf: Uint8Array, a: [number, number], b: [number, number]): number {
  const la = a[1] - a[0], lb = b[1] - b[0];
  const n = Math.min(la, lb);
  for (let i = 0; i < n; i++) {
    const d = buf[a[0] + i]! - buf[b[0] + i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/**
 * Deterministic bytes for any value: equal for values that are equal as data
 * (plain objects whatever their key order, Maps and Sets whatever their
 * insertion order), different when any leaf differs.
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals } from "@std/assert";
 * import { canonicalBytes } from "./canonical.ts";
 * assertEquals(
 *   canonicalBytes({ a: 1, b: new Set([1, 2]) }),
 *   canonicalBytes({ b: new Set([2, 1]), a: 1 }),
 * );
 * assertNotEquals(canonicalBytes([0]), canonicalBytes([-0]));
 * ```
 *
 * @param value anything
 * @param resolve replaces each thenable met (e.g. a dependency's future by a {@link DependencyRef})
 * @returns the canonical bytes
 * @throws {RangeError} when the value nests deeper than {@link MAX_CANONICAL_DEPTH}
 */
export function canonicalBytes(value: unknown, resolve?: Resolver): Uint8Array {
  const e = new CanonicalEncoder();
  e.resolve = resolve;
  e.value(value);
  return e.bytes();
}
