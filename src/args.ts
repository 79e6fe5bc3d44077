/**
 * Finding dependencies in a task's arguments and substituting their values.
 *
 * Futures and other thenables count anywhere in positional arguments, nested
 * arrays and plain objects (prototype `Object.prototype` or `null`). Class
 * instances other than futures are opaque: passed through untouched.
 *
 * Each array or object is visited once, however often it is reachable, so
 * shared substructure (`{ l: n, r: n }` forty levels deep) costs its size, not
 * the number of paths through it, and a cycle (`o.self = o`) ends. The
 * substitution keeps the shape: a container reachable twice is copied once,
 * and a cycle stays a cycle.
 *
 * @module
 */
import { TaskFuture } from "./future.ts";
import { InputFile, OutputFile } from "./data.ts";

/** Deepest nesting of arguments that is scanned. */
export const MAX_ARG_DEPTH = 1000;

/**
 * What a scan found. Reused by the engine across calls (its arrays are never
 * shrunk: `length = 0` would free their storage and the next push allocate
 * it again); read `futures[0 .. nFutures)` and copy what you keep.
 */
export class ArgScan {
  /** Futures of the scanning engine (by identity, duplicates removed later). */
  readonly futures: TaskFuture[] = [];
  /** How many of `futures` this scan found. */
  nFutures = 0;
  /** Other thenables (foreign futures, promises). */
  readonly thenables: PromiseLike<unknown>[] = [];
  /** How many of `thenables` this scan found. */
  nThenables = 0;
  /** Whether a dependency sits inside an array or object (needs a deep rebuild). */
  nested = false;
  /** Whether an InputFile/OutputFile was seen. */
  files = false;
  /** Containers visited by this scan. */
  readonly seen = new Set<object>();

  /** Forget the last scan. */
  clear(): void {
    this.nFutures = 0;
    this.nThenables = 0;
    if (this.seen.size) this.seen.clear();
    this.nested = false;
    this.files = false;
  }
}

function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Whether `v` has a callable `then`; a `then` getter that throws counts (it rejects when awaited). */
function isThenable(v: object): boolean {
  try {
    return typeof (v as { then?: unknown }).then === "function";
  } catch {
    return true;
  }
}

function tooDeep(): never {
  throw new RangeError(
    `Cannot create task as its arguments nest deeper than ${MAX_ARG_DEPTH} levels: received a deeper structure`,
  );
}

function scanValue(v: object, s: ArgScan, depth: number, own: (f: TaskFuture) => boolean): void {
  if (v instanceof TaskFuture) {
    if (depth > 0) s.nested = true;
    if (own(v)) s.futures[s.nFutures++] = v;
    else s.thenables[s.nThenables++] = v;
    return;
  }
  if (v instanceof InputFile || v instanceof OutputFile) {
    s.files = true;
    return;
  }
  if (Array.isArray(v)) {
    if (s.seen.has(v)) return;
    if (depth >= MAX_ARG_DEPTH) tooDeep();
    s.seen.add(v);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === "object" && x !== null) scanValue(x, s, depth + 1, own);
    }
    return;
  }
  if (isThenable(v)) {
    if (depth > 0) s.nested = true;
    s.thenables[s.nThenables++] = v as PromiseLike<unknown>;
    return;
  }
  if (isPlainObject(v)) {
    if (s.seen.has(v)) return;
    if (depth >= MAX_ARG_DEPTH) tooDeep();
    s.seen.add(v);
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === "object" && x !== null) scanValue(x, s, depth + 1, own);
    }
  }
}

/**
 * Scan arguments for dependencies into `s` (cleared first).
 *
 * @param args the call's arguments
 * @param s where to put what was found
 * @param own whether a future belongs to the scanning engine
 * @throws {RangeError} when the arguments nest deeper than {@link MAX_ARG_DEPTH}
 */
export function scanArgs(
  args: readonly unknown[],
  s: ArgScan,
  own: (f: TaskFuture) => boolean,
): void {
  s.clear();
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (typeof x === "object" && x !== null) scanValue(x, s, 0, own);
  }
}

/**
 * Visits every future among `args` once (for naming every failed dependency
 * of a task that will not run).
 *
 * @param args the raw arguments
 * @param visit called with each future
 */
export function forEachFuture(args: readonly unknown[], visit: (f: TaskFuture) => void): void {
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): void => {
    if (typeof v !== "object" || v === null || depth > MAX_ARG_DEPTH) return;
    if (v instanceof TaskFuture) {
      visit(v);
      return;
    }
    if (seen.has(v)) return;
    if (Array.isArray(v)) {
      seen.add(v);
      for (let i = 0; i < v.length; i++) walk(v[i], depth + 1);
    } else if (isPlainObject(v) && !isThenable(v)) {
      seen.add(v);
      for (const k in v) walk((v as Record<string, unknown>)[k], depth + 1);
    }
  };
  for (let i = 0; i < args.length; i++) walk(args[i], 0);
}

function valueOf(v: TaskFuture, values: Map<unknown, unknown> | undefined): unknown {
  return v.done ? v.result : values?.get(v);
}

function subst(
  v: unknown,
  values: Map<unknown, unknown> | undefined,
  memo: Map<object, unknown>,
): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (v instanceof TaskFuture) return valueOf(v, values);
  if (v instanceof InputFile || v instanceof OutputFile) return v;
  const done = memo.get(v);
  if (done !== undefined) return done;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    memo.set(v, out);
    for (let i = 0; i < v.length; i++) out[i] = subst(v[i], values, memo);
    return out;
  }
  if (isThenable(v)) return values?.get(v);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(v));
    memo.set(v, out);
    for (const k in v) out[k] = subst((v as Record<string, unknown>)[k], values, memo);
    return out;
  }
  return v;
}

/**
 * Replace futures and thenables by their values, preserving structure.
 * Without nesting the replacement happens in place in `args` (the engine's own
 * copy of the call's arguments); nested containers are copied, each once.
 *
 * @param args the raw arguments
 * @param nested whether dependencies sit inside containers
 * @param values resolved values of foreign thenables
 * @returns a new argument array
 */
export function substituteArgs(
  args: readonly unknown[],
  nested: boolean,
  values: Map<unknown, unknown> | undefined,
): unknown[] {
  const n = args.length;
  if (!nested) {
    // top-level only: the engine owns the call's argument array, replace in place
    const out = args as unknown[];
    for (let i = 0; i < n; i++) {
      const x = args[i];
      if (x instanceof TaskFuture) out[i] = valueOf(x, values);
      else if (values !== undefined && typeof x === "object" && x !== null && values.has(x)) {
        out[i] = values.get(x);
      } else out[i] = x;
    }
    return out;
  }
  const memo = new Map<object, unknown>();
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = subst(args[i], values, memo);
  return out;
}
