import { assert, assertEquals, assertInstanceOf, assertRejects, assertThrows } from "@std/assert";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { findDataFiles, InputFile, OutputFile, producedFiles, stageInputs } from "../src/data.ts";

/** `assertInstanceOf` that returns the narrowed value (the npm build of std has no types). */
function instanceOf<T>(value: unknown, ctor: abstract new (...args: never[]) => T): T {
  assertInstanceOf(value, ctor);
  return value as T;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("Expected a throw");
}

Deno.test("InputFile() keeps an absolute path and its base name", () => {
  const input = new InputFile("/data/raw/a.csv");
  assertEquals(input.path, "/data/raw/a.csv");
  assertEquals(input.filename, "a.csv");
});

Deno.test("InputFile() resolves a relative path against the cwd", () => {
  const input = new InputFile("sub/../b.txt");
  assertEquals(input.path, join(Deno.cwd(), "b.txt"));
  assertEquals(input.filename, "b.txt");
});

Deno.test("InputFile() converts file: URLs and strings", () => {
  const fromUrl = new InputFile(new URL("file:///tmp/with%20space.txt"));
  assertEquals(fromUrl.path, "/tmp/with space.txt");
  assertEquals(fromUrl.filename, "with space.txt");
  assertEquals(new InputFile("file:///tmp/x.txt").path, "/tmp/x.txt");
});

Deno.test("InputFile() throws TypeError on bad paths", () => {
  assertEquals(
    instanceOf(thrown(() => new InputFile("")), TypeError).message,
    `Cannot create InputFile as 'path' must be a non-empty path: received ""`,
  );
  assertEquals(
    instanceOf(thrown(() => new InputFile(new URL("https://example.com/a.txt"))), TypeError)
      .message,
    "Cannot create InputFile as 'path' must be a path or a file: URL: received \"https://example.com/a.txt\"",
  );
  assertEquals(
    instanceOf(thrown(() => new InputFile(42 as unknown as string)), TypeError).message,
    "Cannot create InputFile as 'path' must be a string or a URL: received 42",
  );
  assertEquals(
    instanceOf(thrown(() => new InputFile("/")), TypeError).message,
    `Cannot create InputFile as 'path' must name a file: received "/"`,
  );
});

Deno.test("OutputFile() keeps the name and its base name", () => {
  assertEquals(new OutputFile("result.txt").filename, "result.txt");
  const nested = new OutputFile("sub/result.txt");
  assertEquals(nested.name, "sub/result.txt");
  assertEquals(nested.filename, "result.txt");
});

Deno.test("OutputFile() throws TypeError on an empty name or one ending in /", () => {
  assertEquals(
    instanceOf(thrown(() => new OutputFile("")), TypeError).message,
    `Cannot create OutputFile as 'name' must be a non-empty file name: received ""`,
  );
  assertEquals(
    instanceOf(thrown(() => new OutputFile("dir/")), TypeError).message,
    `Cannot create OutputFile as 'name' must be a non-empty file name: received "dir/"`,
  );
  assertThrows(() => new OutputFile(".."), TypeError, "must be a non-empty file name");
  assertEquals(
    instanceOf(thrown(() => new OutputFile(undefined as unknown as string)), TypeError).message,
    "Cannot create OutputFile as 'name' must be a string: received undefined",
  );
  assertEquals(
    instanceOf(thrown(() => new OutputFile(null as unknown as string)), TypeError).message,
    "Cannot create OutputFile as 'name' must be a string: received null",
  );
});

Deno.test("findDataFiles() splits inputs from outputs and ignores plain values", () => {
  const a = new InputFile("/a.txt");
  const b = new OutputFile("b.txt");
  const found = findDataFiles([a, b, 42, "string", null, undefined]);
  assertEquals(found.inputs.map((f) => f.filename), ["a.txt"]);
  assertEquals(found.outputs.map((f) => f.filename), ["b.txt"]);
  assert(found.inputs[0] === a && found.outputs[0] === b);
});

Deno.test("findDataFiles() walks nested arrays and plain objects in order", () => {
  const i1 = new InputFile("/1");
  const i2 = new InputFile("/2");
  const o1 = new OutputFile("o1");
  const bare = Object.assign(Object.create(null), { deep: [o1] });
  const found = findDataFiles([{ x: [[i1]], y: { z: bare } }, [i2, i1]]);
  assertEquals(found.inputs, [i1, i2]); // each instance once
  assertEquals(found.outputs, [o1]);
});

Deno.test("findDataFiles() does not enter class instances, maps or sets", () => {
  class Holder {
    file = new InputFile("/hidden");
  }
  const found = findDataFiles([
    new Holder(),
    new Map([["k", new InputFile("/m")]]),
    new Set([new OutputFile("s")]),
  ]);
  assertEquals(found, { inputs: [], outputs: [] });
});

Deno.test("findDataFiles() terminates on cycles", () => {
  const input = new InputFile("/c.txt");
  const obj: Record<string, unknown> = { input };
  const arr: unknown[] = [obj];
  obj.self = obj;
  obj.arr = arr;
  arr.push(arr);
  assertEquals(findDataFiles([obj, arr]).inputs, [input]);
});

Deno.test("producedFiles() maps each output's filename to its path in the sandbox", () => {
  const produced = producedFiles("/w/flow.1/task.000001", [
    new OutputFile("b.txt"),
    new OutputFile("sub/c.txt"),
  ]);
  assertEquals([...produced], [
    ["b.txt", "/w/flow.1/task.000001/b.txt"],
    ["c.txt", "/w/flow.1/task.000001/sub/c.txt"],
  ]);
});

Deno.test("stageInputs() takes an input from its path when no producer has it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "from path");
    const sandbox = `${dir}/flow.1/task.000002`;
    await stageInputs(sandbox, [new InputFile(pathToFileURL(`${dir}/a.txt`))], new Map());
    assertEquals(await Deno.readTextFile(`${sandbox}/a.txt`), "from path");
    assertEquals(await Deno.readLink(`${sandbox}/a.txt`), `${dir}/a.txt`); // linked, not copied
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stageInputs() prefers the file an upstream task produced", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/b.txt`, "stale original");
    const upstream = `${dir}/flow.1/task.000001`;
    await Deno.mkdir(upstream, { recursive: true });
    await Deno.writeTextFile(`${upstream}/b.txt`, "produced");
    const produced = producedFiles(upstream, [new OutputFile("b.txt")]);
    const sandbox = `${dir}/flow.1/task.000002`;
    await stageInputs(sandbox, [new InputFile(`${dir}/b.txt`)], produced);
    assertEquals(await Deno.readTextFile(`${sandbox}/b.txt`), "produced");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stageInputs() replaces what an earlier attempt staged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/one.txt`, "one");
    await Deno.mkdir(`${dir}/other`);
    await Deno.writeTextFile(`${dir}/other/one.txt`, "two");
    const sandbox = `${dir}/box`;
    await stageInputs(sandbox, [new InputFile(`${dir}/one.txt`)], new Map());
    await stageInputs(sandbox, [new InputFile(`${dir}/other/one.txt`)], new Map());
    assertEquals(await Deno.readTextFile(`${sandbox}/one.txt`), "two");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stageInputs() leaves an input that already sits in the sandbox alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/here.txt`, "here");
    await stageInputs(dir, [new InputFile(`${dir}/here.txt`)], new Map());
    assertEquals(await Deno.readTextFile(`${dir}/here.txt`), "here");
    assert((await Deno.lstat(`${dir}/here.txt`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stageInputs() throws naming a missing file and where it looked, without falling back to a stale one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sandbox = `${dir}/box`;
    await Deno.writeTextFile(`${dir}/y.txt`, "stale");
    await assertRejects(
      () =>
        stageInputs(
          sandbox,
          [new InputFile(`${dir}/y.txt`)],
          new Map([["y.txt", `${dir}/up/y.txt`]]),
        ),
      Error,
      `Cannot stage input file 'y.txt' as it does not exist: looked in ${dir}/up/y.txt`,
    );
    await assertRejects(
      () => stageInputs(sandbox, [new InputFile(`${dir}/x.txt`)], new Map()),
      Error,
      `Cannot stage input file 'x.txt' as it does not exist: looked in ${dir}/x.txt`,
    );
    await assertRejects(
      () =>
        stageInputs(
          sandbox,
          [new InputFile(`${dir}/x.txt`)],
          new Map([["x.txt", `${dir}/up/x.txt`]]),
        ),
      Error,
      `Cannot stage input file 'x.txt' as it does not exist: looked in ${dir}/up/x.txt`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
