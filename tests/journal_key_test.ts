import { assert, assertEquals, assertInstanceOf, assertNotEquals, assertThrows } from "@std/assert";
import { DependencyRef } from "../src/journal/canonical.ts";
import {
  hashPath,
  keyDefinition,
  type KeyResult,
  taskKey,
  type TaskKeyInput,
} from "../src/journal/key.ts";
import { InputFile, OutputFile } from "../src/data.ts";
import type { KeyDefinition } from "../src/journal/key.ts";
import { add as fixtureAdd } from "./fixtures/journal_fn.ts";

function sync(def: KeyDefinition, input: TaskKeyInput): KeyResult {
  const r = taskKey(def, input);
  if (r instanceof Promise) throw new Error("expected a synchronous key");
  return r;
}

function add(a: number, b: number): number {
  return a + b;
}

const addDef = keyDefinition({ kind: "function", fn: add });

Deno.test("taskKey() is a hex SHA-256 that depends on the arguments only through their values", () => {
  const k = sync(addDef, { args: [1, 2] });
  assert(/^[0-9a-f]{64}$/.test(k.key));
  assertEquals(sync(addDef, { args: [1, 2] }).key, k.key);
  assertEquals(sync(keyDefinition({ kind: "function", fn: add }), { args: [1, 2] }).key, k.key);
  assertNotEquals(sync(addDef, { args: [2, 1] }).key, k.key);
  assertNotEquals(sync(addDef, { args: [1, 2, undefined] }).key, k.key);
  assertNotEquals(sync(addDef, { args: [1] }).key, k.key);
});

Deno.test("taskKey() is the same in another process", async () => {
  const def = keyDefinition({ kind: "function", fn: fixtureAdd });
  const here = sync(def, { args: [1, { a: new Map([["x", 1n]]), b: new Set([1, 2]) }] }).key;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./fixtures/journal_fn.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert(out.success);
  assertEquals(new TextDecoder().decode(out.stdout).trim(), here);
});

Deno.test("taskKey() changes with the function's name, source, kind and module, not with what it captures", () => {
  const base = sync(addDef, { args: [1, 2] }).key;
  const other = keyDefinition({
    kind: "function",
    fn: function add(a: number, b: number) {
      return a + b + 0;
    },
  });
  assertNotEquals(sync(other, { args: [1, 2] }).key, base);
  const renamed = keyDefinition({
    kind: "function",
    fn: function plus(a: number, b: number): number {
      return a + b;
    },
  });
  assertNotEquals(sync(renamed, { args: [1, 2] }).key, base);
  assertNotEquals(
    sync(keyDefinition({ kind: "executable", fn: add }), { args: [1, 2] }).key,
    base,
  );
  assertNotEquals(
    sync(keyDefinition({ kind: "function", fn: add, module: "file:///m.ts" }), { args: [1, 2] })
      .key,
    base,
  );
  // captured variables are not part of a function's identity
  const make = (offset: number) => (x: number) => x + offset;
  assertEquals(
    sync(keyDefinition({ kind: "function", fn: make(1) }), { args: [1] }).key,
    sync(keyDefinition({ kind: "function", fn: make(2) }), { args: [1] }).key,
  );
});

Deno.test("taskKey() changes with the command, env, cwd, messages and prompt options", () => {
  const build = (x: string) => ["echo", x];
  const exe = keyDefinition({ kind: "executable", fn: build });
  const k = sync(exe, { args: ["a"], command: ["echo", "a"] });
  assertNotEquals(sync(exe, { args: ["a"], command: ["echo", "b"] }).key, k.key);
  assertNotEquals(sync(exe, { args: ["a"], command: "echo a" }).key, k.key);
  assertEquals(sync(exe, { args: ["a"], command: ["echo", "a"] }).parts.command, k.parts.command);
  const withEnv = keyDefinition({ kind: "executable", fn: build, env: { A: "1" } });
  assertNotEquals(sync(withEnv, { args: ["a"], command: ["echo", "a"] }).key, k.key);
  assertEquals(
    sync(keyDefinition({ kind: "executable", fn: build, env: { B: "2", A: "1" } }), {
      args: [],
    }).parts.def.env,
    sync(keyDefinition({ kind: "executable", fn: build, env: { A: "1", B: "2" } }), {
      args: [],
    }).parts.def.env,
  );
  const withCwd = keyDefinition({ kind: "executable", fn: build, cwd: "/tmp" });
  const kc = sync(withCwd, { args: ["a"], command: ["echo", "a"] });
  assertNotEquals(kc.key, k.key);
  assertEquals(kc.parts.def.cwd, "/tmp");

  const ask = (q: string) => q;
  const prompt = (model: string) =>
    keyDefinition({ kind: "prompt", fn: ask, prompt: { model, temperature: 0 } });
  const messages = [{ role: "user", content: "hi" }];
  const p = sync(prompt("m1"), { args: ["hi"], messages });
  assertNotEquals(sync(prompt("m2"), { args: ["hi"], messages }).key, p.key);
  assertNotEquals(
    sync(prompt("m1"), { args: ["hi"], messages: [{ role: "user", content: "ho" }] }).key,
    p.key,
  );
});

Deno.test("taskKey() forms a Merkle DAG: a change upstream changes everything downstream and nothing else", () => {
  // a → b → c, and d independent; dependencies enter by their keys
  const fa = keyDefinition({
    kind: "function",
    fn: function a(x: number) {
      return x;
    },
  });
  const fb = keyDefinition({
    kind: "function",
    fn: function b(x: number) {
      return x;
    },
  });
  const fc = keyDefinition({
    kind: "function",
    fn: function c(x: number, y: number) {
      return x + y;
    },
  });
  const fd = keyDefinition({
    kind: "function",
    fn: function d(x: number) {
      return x;
    },
  });
  const pa = Promise.resolve(), pb = Promise.resolve();
  const keys = (aArg: number, cArg: number) => {
    const ka = sync(fa, { args: [aArg] }).key;
    let kb = "";
    const resolve = (t: object): unknown =>
      t === pa ? new DependencyRef(ka, "a") : t === pb ? new DependencyRef(kb, "b") : t;
    kb = sync(fb, { args: [pa], resolve }).key;
    const kc = sync(fc, { args: [{ from: pb }, cArg], resolve }).key;
    const kd = sync(fd, { args: [7] }).key;
    return { ka, kb, kc, kd };
  };
  const base = keys(1, 1);
  assertEquals(keys(1, 1), base); // same inputs, same keys
  const up = keys(2, 1);
  assertNotEquals(up.ka, base.ka);
  assertNotEquals(up.kb, base.kb);
  assertNotEquals(up.kc, base.kc);
  assertEquals(up.kd, base.kd);
  const down = keys(1, 2);
  assertEquals([down.ka, down.kb, down.kd], [base.ka, base.kb, base.kd]);
  assertNotEquals(down.kc, base.kc);
});

Deno.test("taskKey() parts give one digest per argument and the dependencies in each", () => {
  const fn = keyDefinition({ kind: "function", fn: function f(..._a: unknown[]) {} });
  const dep = Promise.resolve();
  const resolve = () => new DependencyRef("c".repeat(64), "prepare");
  const a = sync(fn, { args: [1, { x: dep }, "s"], resolve }).parts;
  const b = sync(fn, { args: [1, { x: dep }, "t"], resolve }).parts;
  assertEquals(a.args.length, 3);
  assertEquals(a.args[0], b.args[0]);
  assertEquals(a.args[1], b.args[1]);
  assertNotEquals(a.args[2], b.args[2]);
  assertEquals(a.deps, { 1: [{ name: "prepare", key: "c".repeat(64) }] });
  assertEquals(a.def.fnName, "f");
  assertEquals(a.def.kind, "function");
  assertEquals(a.inputs, undefined);
  // a dependency's value without a key of its own enters by its canonical form
  const byValue = (v: unknown) => sync(fn, { args: [dep], resolve: () => v }).key;
  assertEquals(byValue(5), sync(fn, { args: [5] }).key);
  assertNotEquals(byValue(5), byValue(6));
});

Deno.test("taskKey() fingerprints InputFiles by size and mtime, and by content when deep", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/data.csv`;
    await Deno.writeTextFile(path, "a,b\n1,2\n");
    const fn = keyDefinition({ kind: "function", fn: function load(_f: InputFile) {} });
    const input = new InputFile(path);
    const k1 = sync(fn, { args: [input] });
    assertEquals(k1.parts.inputs?.length, 1);
    const fp = k1.parts.inputs![0]!;
    assertEquals([fp.file, fp.path, fp.size], ["data.csv", path, 8]);
    assertEquals(typeof fp.mtime, "number");
    assertEquals(sync(fn, { args: [new InputFile(path)] }).key, k1.key);

    // touch: a new mtime changes a shallow key
    const later = new Date(Date.now() + 5000);
    await Deno.utime(path, later, later);
    const k2 = sync(fn, { args: [input] });
    assertNotEquals(k2.key, k1.key);
    assertEquals(k2.parts.inputs![0]!.size, 8);

    // deep: a promise; touching changes nothing, content does
    const d1 = taskKey(fn, { args: [input], deep: true });
    assertInstanceOf(d1, Promise);
    const deep1 = await d1;
    assertEquals(deep1.parts.inputs![0]!.sha256, await hashPath(path));
    const evenLater = new Date(Date.now() + 10000);
    await Deno.utime(path, evenLater, evenLater);
    const deep2 = await taskKey(fn, { args: [input], deep: true });
    assertEquals(deep2.key, deep1.key);
    await Deno.writeTextFile(path, "a,b\n1,3\n");
    await Deno.utime(path, evenLater, evenLater); // same size and mtime: only content differs
    const shallow = sync(fn, { args: [input] });
    const deep3 = await taskKey(fn, { args: [input], deep: true });
    assertNotEquals(deep3.key, deep1.key);
    assertEquals(shallow.parts.inputs![0]!.mtime, deep3.parts.inputs![0]!.mtime);

    // a missing input is fingerprinted as missing
    const gone = sync(fn, { args: [new InputFile(`${dir}/nope.csv`)] });
    assertEquals(gone.parts.inputs![0]!.missing, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("taskKey() fingerprints an InputFile a dependency produces by that producer's key", () => {
  const fn = keyDefinition({
    kind: "function",
    fn: function use(_f: InputFile, _o: OutputFile) {},
  });
  const input = new InputFile("/nonexistent/dir/made.txt"); // never looked at
  const out = new OutputFile("result.txt");
  const k = (producer: string) =>
    sync(fn, {
      args: [input, out],
      producers: new Map([["made.txt", { key: producer }]]),
      deep: true,
    });
  const a = k("a".repeat(64));
  assertEquals(a.parts.inputs, [{
    file: "made.txt",
    path: "/nonexistent/dir/made.txt",
    producer: "a".repeat(64),
  }]);
  assertNotEquals(k("b".repeat(64)).key, a.key);
});

Deno.test("hashPath() hashes a directory by its names and contents", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/d/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/d/a.txt`, "A");
    await Deno.writeTextFile(`${dir}/d/sub/b.txt`, "B");
    const h1 = await hashPath(`${dir}/d`);
    assertEquals(await hashPath(`${dir}/d`), h1);
    await Deno.writeTextFile(`${dir}/d/sub/b.txt`, "C");
    const h2 = await hashPath(`${dir}/d`);
    assertNotEquals(h2, h1);
    await Deno.rename(`${dir}/d/a.txt`, `${dir}/d/z.txt`);
    assertNotEquals(await hashPath(`${dir}/d`), h2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keyDefinition() throws TypeError on a bad kind or function", () => {
  const e1 = assertThrows(
    () => keyDefinition({ kind: "block" as "function", fn: add }),
    TypeError,
  );
  assertEquals(
    e1.message,
    `Cannot make key definition as 'kind' must be "function", "executable" or "prompt": received "block"`,
  );
  const e2 = assertThrows(
    () => keyDefinition({ kind: "function", fn: 3 as unknown as () => void }),
    TypeError,
  );
  assertEquals(
    e2.message,
    "Cannot make key definition as 'fn' must be a function: received 3",
  );
});

Deno.test("taskKey() throws RangeError for arguments nested too deep", () => {
  let deep: unknown = 0;
  for (let i = 0; i < 3000; i++) deep = [deep];
  assertThrows(() => taskKey(addDef, { args: [deep] }), RangeError);
  // the shared encoder recovers
  assertEquals(sync(addDef, { args: [1, 2] }).key, sync(addDef, { args: [1, 2] }).key);
});
