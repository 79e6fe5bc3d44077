/**
 * Finding dependencies in a task's arguments and substituting their values.
 *
 * Futures and other thenables count anywhere in positional arguments, nested
 * arrays and plain objects (prototype `Object.prototype` or `null`). Class
 * instances other than futures are opaque: passed through untouched.
 *
 * @module
 */
import { TaskFuture } from "./future.ts";
import { InputFile, OutputFile } from "./data.ts";

/** What a scan found. Reused by the engine across calls; copy what you keep. */
export class ArgScan {
  /** Futures of the scanning engine (by identity, duplicates removed later). */
  futures: TaskFuture[] = [];
  /** Other thenables (foreign futures, promises). */
  thenables: PromiseLike<unknown>[] = [];
  /** Whether a dependency sits inside an array or object (needs a deep rebuild). */
  nested = false;
  /** Whether an InputFile/OutputFile was seen. */
  files = false;

  /** Forget the last scan. */
  clear(): void {
    if (this.futures.length) this.futures.length = 0;
    if (this.thenables.length) this.thenables.length = 0;
    this.nested = false;
    this.files = false;
  }
}

function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function scanValue(v: object, s: ArgScan, depth: number, own: (f: TaskFuture) => boolean): void {
  if (v instanceof TaskFuture) {
    if (depth > 0) s.nested = true;
    if (own(v)) s.futures.push(v);
    else s.thenables.push(v);
    return;
  }
  if (v instanceof InputFile || v instanceof OutputFile) {
    s.files = true;
    return;
  }
  if (Array.isArray(v)) {
    if (depth > 64) return;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === "object" && x !== null) scanValue(x, s, depth + 1, own);
    }
    return;
  }
  if (typeof (v as { then?: unknown }).then === "function") {
    if (depth > 0) s.nested = true;
    s.thenables.push(v as PromiseLike<unknown>);
    return;
  }
  if (depth <= 64 && isPlainObject(v)) {
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

function subst(v: unknown, values: Map<unknown, unknown> | undefined, depth: number): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (v instanceof TaskFuture) return v.done ? v.result : values?.get(v);
  if (v instanceof InputFile || v instanceof OutputFile) return v;
  if (Array.isArray(v)) {
    if (depth > 64) return v;
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = subst(v[i], values, depth + 1);
    return out;
  }
  if (typeof (v as { then?: unknown }).then === "function") return values?.get(v);
  if (depth <= 64 && isPlainObject(v)) {
    const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(v));
    for (const k in v) out[k] = subst((v as Record<string, unknown>)[k], values, depth + 1);
    return out;
  }
  return v;
}

/**
 * Replace futures and thenables by their values, preserving structure.
 * Without nesting the replacement happens in place in `args` (the engine's own
 * copy of the call's arguments); nested containers are copied.
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
      if (x instanceof TaskFuture) out[i] = x.done ? x.result : values?.get(x);
      else if (
        values !== undefined && typeof x === "object" && x !== null &&
        typeof (x as { then?: unknown }).then === "function"
      ) out[i] = values.get(x);
      else out[i] = x;
    }
    return out;
  }
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = subst(args[i], values, 0);
  return out;
}
