import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { createHash } from "node:crypto";
import { canonicalBytes, DependencyRef, MAX_CANONICAL_DEPTH } from "../src/journal/canonical.ts";
import { Sha256 } from "../src/journal/_sha256.ts";
import { InputFile, OutputFile } from "../src/data.ts";
import { rng } from "./_rng.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const same = (a: unknown, b: unknown) =>
  assertEquals(hex(canonicalBytes(a)), hex(canonicalBytes(b)));
const differ = (a: unknown, b: unknown) =>
  assertNotEquals(hex(canonicalBytes(a)), hex(canonicalBytes(b)));

Deno.test("Sha256 gives node:crypto's digest for every length and split", () => {
  const r = rng(7);
  for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70000]) {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = Math.floor(r() * 256);
    const want = createHash("sha256").update(bytes).digest("hex");
    assertEquals(new Sha256().update(bytes).hex(), want, `length ${n}`);
    const split = new Sha256();
    for (let i = 0; i < n;) {
      const step = 1 + Math.floor(r() * 90);
      split.update(bytes, i, Math.min(n, i + step));
      i += step;
    }
    assertEquals(split.hex(), want, `length ${n}, split`);
    // from a saved prefix
    const cut = Math.floor(n / 3);
    const state = new Sha256().update(bytes, 0, cut).save();
    assertEquals(Sha256.from(state).update(bytes, cut).hex(), want, `length ${n}, resumed`);
    assertEquals(new Sha256().reset(state).update(bytes, cut).hex(), want);
    assertEquals(hex(new Sha256().update(bytes).digest()), want);
  }
});

Deno.test("canonicalBytes() tells primitives apart", () => {
  const values: unknown[] = [
    undefined,
    null,
    false,
    true,
    0,
    -0,
    1,
    -1,
    2 ** 31,
    -(2 ** 31),
    2 ** 31 - 1,
    1.5,
    NaN,
    Infinity,
    -Infinity,
    0n,
    1n,
    -1n,
    2n ** 80n,
    "",
    "0",
    "1",
    "a",
    "é",
    "\u20ac",
    "\ud800",
    "\udc00",
    "true",
    "null",
    Symbol("s"),
    Symbol.for("s"),
    Symbol("t"),
  ];
  const seen = new Map<string, unknown>();
  for (const v of values) {
    const h = hex(canonicalBytes(v));
    assert(!seen.has(h), `${String(v)} encodes like ${String(seen.get(h))}`);
    seen.set(h, v);
  }
  // every NaN is the same NaN
  same(NaN, Number("x"));
  same(new Float64Array([NaN])[0], 0 / 0);
  same(Symbol("s"), Symbol("s")); // symbols by description
});

Deno.test("canonicalBytes() gives equal bytes for equal structures", () => {
  same({ a: 1, b: { c: [1, 2], d: "x" } }, { b: { d: "x", c: [1, 2] }, a: 1 });
  same(Object.assign(Object.create(null), { x: 1 }), { x: 1 });
  same(new Map([["a", 1], ["b", 2]]), new Map([["b", 2], ["a", 1]]));
  same(new Set([1, "a", { z: 1 }]), new Set([{ z: 1 }, "a", 1]));
  same(new Map([[{ k: 1 }, new Set([1, 2])]]), new Map([[{ k: 1 }, new Set([2, 1])]]));
  same(new Date(5), new Date(5));
  same(/a+b/gi, /a+b/gi);
  same(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]));
  same(new Uint8Array([9, 1, 2, 3]).subarray(1), new Uint8Array([1, 2, 3])); // bytes in view
  same(new Uint8Array([1, 2]).buffer, new Uint8Array([1, 2]).buffer);
  same(new DataView(new Uint8Array([4, 5]).buffer), new DataView(new Uint8Array([4, 5]).buffer));
  same(new RangeError("x"), new RangeError("x")); // never the stack
  same(new Error("x", { cause: 1 }), new Error("x", { cause: 1 }));
  same(new InputFile("/data/a.csv"), new InputFile("file:///data/a.csv"));
  same(new OutputFile("out.txt"), new OutputFile("out.txt"));
  same(new URL("https://a.example/x"), new URL("https://a.example/x"));
  same(function f(x: number) {
    return x;
  }, function f(x: number) {
    return x;
  });
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  same(new Point(1, 2), new Point(1, 2));
  same(new Number(3), new Number(3));
});

Deno.test("canonicalBytes() tells apart values that differ in any leaf or in type", () => {
  differ([1, 2], [2, 1]);
  differ([undefined], [,]); // a hole is not undefined
  differ([], {});
  differ({ a: undefined }, {});
  differ({ a: 1 }, { a: "1" });
  differ(new Map([["a", 1]]), { a: 1 });
  differ(new Map([["a", 1]]), new Map([["a", 2]]));
  differ(new Set([1]), new Set([1, 2]));
  differ(new Set([1]), [1]);
  differ(new Date(5), new Date(6));
  differ(new Date(5), 5);
  differ(/a/g, /a/i);
  differ(/a/, "a");
  differ(new Uint8Array([1, 2]), new Int8Array([1, 2]));
  differ(new Uint8Array([1, 2]), new Uint8Array([1, 3]));
  differ(new Uint8Array([1, 2]), new Uint8Array([1, 2]).buffer);
  differ(new Uint8Array([1, 2]), [1, 2]);
  differ(new Error("x"), new TypeError("x"));
  differ(new Error("x"), new Error("y"));
  differ(new Error("x", { cause: 1 }), new Error("x"));
  differ(new InputFile("/a"), new InputFile("/b"));
  differ(new InputFile("/a"), "/a");
  differ(new OutputFile("a"), new InputFile("/x/a"));
  differ(new URL("https://a.example/x"), new URL("https://a.example/y"));
  differ(function f() {}, function g() {});
  differ(function f() {
    return 1;
  }, function f() {
    return 2;
  });
  class A {
    x = 1;
  }
  class B {
    x = 1;
  }
  differ(new A(), new B());
  differ(new A(), { x: 1 });
  differ(new Number(3), 3);
  differ(new Number(3), new Number(4));
  differ("ab", ["a", "b"]);
  differ(["ab", "c"], ["a", "bc"]); // length prefixes
  differ({ ab: "c" }, { a: "bc" });
  differ(new DependencyRef("a".repeat(64), "p"), new DependencyRef("b".repeat(64), "p"));
});

/** A random value of depth at most `depth` from `r`, and a way to make a copy with one leaf changed. */
function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth <= 0 ? 6 : 11));
  switch (pick) {
    case 0:
      return Math.floor(r() * 10);
    case 1:
      return r() < 0.5 ? r() * 1e6 : -Math.floor(r() * 2 ** 40);
    case 2:
      return ["", "a", "b", "é", "\u20ac", "xyz"][Math.floor(r() * 6)]!;
    case 3:
      return [true, false, null, undefined][Math.floor(r() * 4)];
    case 4:
      return BigInt(Math.floor(r() * 1000));
    case 5:
      return new Date(Math.floor(r() * 1e12));
    case 6:
    case 7: {
      const n = Math.floor(r() * 4);
      return Array.from({ length: n }, () => randomValue(r, depth - 1));
    }
    case 8: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 4);
      for (let i = 0; i < n; i++) o["k" + Math.floor(r() * 6)] = randomValue(r, depth - 1);
      return o;
    }
    case 9: {
      const m = new Map<unknown, unknown>();
      const n = Math.floor(r() * 3);
      for (let i = 0; i < n; i++) m.set("m" + Math.floor(r() * 5), randomValue(r, depth - 1));
      return m;
    }
    default: {
      const s = new Set<unknown>();
      const n = Math.floor(r() * 3);
      for (let i = 0; i < n; i++) s.add(Math.floor(r() * 100));
      return s;
    }
  }
}

/** A deep copy built in a different order (object keys reversed, Map/Set insertion reversed). */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered);
  if (v instanceof Map) return new Map([...v].reverse().map(([k, x]) => [k, reordered(x)]));
  if (v instanceof Set) return new Set([...v].reverse());
  if (v instanceof Date) return new Date(v.getTime());
  if (typeof v === "object" && v !== null) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) o[k] = reordered((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

/** Paths to every leaf of `v`, for changing one. */
function leaves(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...path, i], out));
  else if (v instanceof Map) { for (const [k, x] of v) leaves(x, [...path, k as string], out); }
  else if (
    typeof v === "object" && v !== null && !(v instanceof Set) && !(v instanceof Date)
  ) {
    for (const k of Object.keys(v)) leaves((v as Record<string, unknown>)[k], [...path, k], out);
  } else out.push(path);
  return out;
}

function withLeaf(v: unknown, path: (string | number)[], leaf: (old: unknown) => unknown): unknown {
  if (path.length === 0) return leaf(v);
  const [head, ...rest] = path;
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? withLeaf(x, rest, leaf) : x));
  if (v instanceof Map) {
    return new Map([...v].map(([k, x]) => [k, k === head ? withLeaf(x, rest, leaf) : x]));
  }
  const o = { ...(v as Record<string, unknown>) };
  o[head as string] = withLeaf(o[head as string], rest, leaf);
  return o;
}

function changed(old: unknown): unknown {
  if (typeof old === "number") return Number.isNaN(old) ? 0 : old + 1;
  if (typeof old === "string") return old + "!";
  if (typeof old === "bigint") return old + 1n;
  if (old instanceof Date) return new Date(old.getTime() + 1);
  if (old instanceof Set) return new Set([...old, "new"]);
  if (old === undefined) return null;
  if (old === null) return undefined;
  if (typeof old === "boolean") return !old;
  return "changed";
}

Deno.test("canonicalBytes() is equal for reordered copies and differs when any leaf changes (property)", () => {
  const r = rng(12345);
  for (let trial = 0; trial < 400; trial++) {
    const v = randomValue(r, 4);
    const bytes = hex(canonicalBytes(v));
    assertEquals(hex(canonicalBytes(reordered(v))), bytes, `trial ${trial}: reordered copy`);
    assertEquals(hex(canonicalBytes(structuredClone(v))), bytes, `trial ${trial}: clone`);
    for (const path of leaves(v)) {
      const w = withLeaf(v, path, changed);
      assertNotEquals(hex(canonicalBytes(w)), bytes, `trial ${trial}: leaf ${path.join(".")}`);
    }
  }
});

Deno.test("canonicalBytes() ends on cycles and encodes shared substructure once", () => {
  const a: Record<string, unknown> = { x: 1 };
  a.self = a;
  const b: Record<string, unknown> = { x: 1 };
  b.self = b;
  same(a, b);
  const c: Record<string, unknown> = { x: 2 };
  c.self = c;
  differ(a, c);
  const m = new Map<string, unknown>();
  m.set("me", m);
  assert(canonicalBytes(m).length < 50);
  // 2^40 paths through a DAG of 40 levels: linear size
  let n: unknown = 0;
  for (let i = 0; i < 40; i++) n = { l: n, r: n };
  assert(canonicalBytes(n).length < 1000);
  // sets whose entries share an object: insertion order still does not matter
  const shared = { s: 1 };
  same(new Set([[shared, 1], [shared, 2]]), new Set([[shared, 2], [shared, 1]]));
});

Deno.test("canonicalBytes() throws RangeError past its depth limit", () => {
  let deep: unknown = 0;
  for (let i = 0; i < MAX_CANONICAL_DEPTH + 5; i++) deep = [deep];
  const e = assertThrows(() => canonicalBytes(deep), RangeError);
  assert(e.message.startsWith("Cannot compute the canonical form as the value nests deeper"));
});

Deno.test("canonicalBytes() replaces thenables through resolve()", () => {
  const dep = Promise.resolve(1);
  const asRef = (k: string) => () => new DependencyRef(k, "prepare");
  const a = hex(canonicalBytes([dep, { nested: dep }], asRef("a".repeat(64))));
  const b = hex(canonicalBytes([dep, { nested: dep }], asRef("b".repeat(64))));
  assertNotEquals(a, b);
  // a resolver that gives a value: the value is encoded
  same(42, 42);
  assertEquals(hex(canonicalBytes([dep], () => 42)), hex(canonicalBytes([42])));
  // non-thenables never reach the resolver
  let calls = 0;
  canonicalBytes([{ a: 1 }, [2], new Map()], (t) => {
    calls++;
    return t;
  });
  assertEquals(calls, 0);
});
