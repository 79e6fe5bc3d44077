/**
 * The line format of the journal's `batches` rows and the encoding of
 * values in its `hits` rows (internal; `store.ts` describes the layout).
 *
 * @module
 */
import { deserialize } from "node:v8";
import type { SQLInputValue } from "node:sqlite";
import { capText, safeString } from "../_text.ts";
import type { KeyParts } from "./key.ts";
import {
  type Hit,
  MAX_NOTE,
  type RecordKind,
  type RecordState,
  type StoredOutput,
  type TaskInfo,
} from "./types.ts";

export const STATE_CODE: Record<RecordState, number> = { DONE: 1, FAILED: 2, CANCELLED: 3 };
export const STATE_NAME: readonly (RecordState | undefined)[] = [
  undefined,
  "DONE",
  "FAILED",
  "CANCELLED",
];

export const KIND_CODE: Record<RecordKind, number> = {
  function: 1,
  executable: 2,
  prompt: 3,
  block: 4,
};
export const KIND_NAME: readonly (RecordKind | undefined)[] = [
  undefined,
  "function",
  "executable",
  "prompt",
  "block",
];

/** How a value is kept (a line's `vt`). */
export const VT = {
  NONE: 0,
  UNDEFINED: 1,
  NULL: 2,
  FALSE: 3,
  TRUE: 4,
  NUMBER: 5,
  STRING: 6,
  V8: 7,
} as const;

/** Line fields. */
export const F = {
  KEY: 0,
  UID: 1,
  NAME: 2,
  KIND: 3,
  STATE: 4,
  DEF: 5,
  TIME: 6,
  VT: 7,
  ARGS: 8,
  EXTRA: 9,
  SOURCE: 10,
} as const;

/** A batch's lines and value bytes, decoded for lookups. */
export interface Batch {
  /** The number of its first record. */
  readonly id: number;
  readonly lines: string[];
  readonly time: number;
  readonly run: number;
}

/** Words of the Bloom filter of own keys (1 MiB: about 3% false positives at a million keys). */
export const BLOOM_WORDS = 1 << 18;
const BLOOM_MASK = BLOOM_WORDS * 32 - 1;

/** A bit position from 6 hex characters of a key at `at` (its first 13 are `k`). */
function bloomBit(key: string, at: number): number {
  let n = 0;
  for (let i = at; i < at + 6; i++) {
    const c = key.charCodeAt(i);
    n = (n << 4) | (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return n & BLOOM_MASK;
}

export function bloomHas(bits: Uint32Array, key: string): boolean {
  for (let at = 13; at < 31; at += 6) {
    const b = bloomBit(key, at);
    if ((bits[b >>> 5]! & (1 << (b & 31))) === 0) return false;
  }
  return true;
}

export function bloomAdd(bits: Uint32Array, key: string): void {
  for (let at = 13; at < 31; at += 6) {
    const b = bloomBit(key, at);
    bits[b >>> 5]! |= 1 << (b & 31);
  }
}

/** A `batches` row as read. */
export interface Row {
  id: number;
  run: number;
  time: number;
  recs: string;
}

export function batchOf(r: Row): Batch {
  return { id: r.id, lines: r.recs.split("\n"), time: r.time, run: r.run };
}

/** Bits 52–103 of a hex key, as a number (tells apart keys that share their first 52). */
export function k2(key: string): number {
  let n = 0;
  for (let i = 13; i < 26; i++) {
    const c = key.charCodeAt(i);
    n = n * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return n === n ? n : 0;
}

/** The first 52 bits of a hex key, as a number (the `hits` key). */
export function k52(key: string): number {
  let n = 0;
  for (let i = 0; i < 13; i++) {
    const c = key.charCodeAt(i);
    n = n * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return n === n ? n : 0;
}

const NEEDS_ESCAPE = /[\t\n\r\\]/;

/** Whether `key` is 64 lowercase hex characters (a loop: a regex costs more per record). */
export function isHexKey(key: string): boolean {
  if (key.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = key.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Text safe in a line: tabs, newlines and backslashes escaped. */
export function escape(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(
    /[\t\n\r\\]/g,
    (c) => (c === "\t" ? "\\t" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\\\"),
  );
}

export function unescape(s: string): string {
  if (!s.includes("\\")) return s;
  return s.replace(
    /\\(.)/g,
    (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c),
  );
}

/**
 * The hit in a `hits` row (`row[from..]` = k2, rec, vt, value, outputs) if
 * it is `key`'s: another key may share the first 52 bits.
 */
export function hitOf(row: SQLInputValue[], from: number, key: string): Hit | undefined {
  if (row[from] !== k2(key)) return undefined;
  let value: unknown;
  try {
    value = decodeValue(row[from + 2] as number, row[from + 3] ?? null);
  } catch {
    return undefined; // a value this runtime cannot read back: run the task
  }
  const outputs = row[from + 4];
  return {
    id: row[from + 1] as number,
    value,
    outputs: outputs === null || outputs === undefined
      ? undefined
      : JSON.parse(outputs as string) as StoredOutput[],
  };
}

export function decodeValue(vt: number, value: SQLInputValue): unknown {
  switch (vt) {
    case VT.UNDEFINED:
      return undefined;
    case VT.NULL:
      return null;
    case VT.FALSE:
      return false;
    case VT.TRUE:
      return true;
    case VT.NUMBER:
      return value as number;
    case VT.STRING:
      return value as string;
    case VT.V8:
      return deserialize(value as Uint8Array);
  }
  throw new RangeError(`Cannot read a journal value of unknown type ${vt}`);
}

/** The parts other than the definition and the arguments, as JSON, or undefined when none. */
export function otherParts(parts: KeyParts): string | undefined {
  if (
    parts.deps === undefined && parts.command === undefined && parts.messages === undefined &&
    parts.inputs === undefined
  ) return undefined;
  const { def: _def, args: _args, ...more } = parts;
  return JSON.stringify(more);
}

export function taskInfo(rec: number, batch: Batch, f: string[]): TaskInfo {
  const extra = f[F.EXTRA] === ""
    ? undefined
    : JSON.parse(f[F.EXTRA]!) as { outputs?: StoredOutput[]; note?: string };
  const source = f[F.SOURCE] === "" ? undefined : Number(f[F.SOURCE]);
  return {
    id: rec,
    run: batch.run,
    key: f[F.KEY] === "" ? undefined : f[F.KEY],
    uid: unescape(f[F.UID]!),
    name: unescape(f[F.NAME]!),
    kind: KIND_NAME[Number(f[F.KIND])] ?? "function",
    state: STATE_NAME[Number(f[F.STATE])] ?? "DONE",
    cached: source !== undefined,
    source,
    time: batch.time + Number(f[F.TIME]),
    hasValue: f[F.VT] !== "0",
    note: extra?.note,
    outputs: extra?.outputs,
  };
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    return `${safeString(e.name)}: ${capText(safeString(e.message), MAX_NOTE)}`;
  }
  if (e === undefined) return "";
  return capText(safeString(e), MAX_NOTE);
}
