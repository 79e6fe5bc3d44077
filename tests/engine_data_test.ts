import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { InputFile, OutputFile, WorkflowEngine } from "../mod.ts";

async function tempFlow() {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow-data-" });
  const flow = await WorkflowEngine.create({ workDir: dir, uid: "flow.test" });
  return {
    dir,
    flow,
    async [Symbol.asyncDispose]() {
      await flow.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("executableTask() with captureStdio writes stdout/stderr files and returns the path", async () => {
  await using t = await tempFlow();
  const sh = t.flow.executableTask((s: string) => s, { captureStdio: true });
  const f = sh("echo hello; echo warn >&2");
  const path = await f;
  assertEquals(path, `${t.dir}/flow.test/${f.uid}.stdout`);
  assertEquals(await Deno.readTextFile(path), "hello\n");
  assertEquals(await Deno.readTextFile(`${t.dir}/flow.test/${f.uid}.stderr`), "warn\n");
  const plain = t.flow.executableTask(() => "/bin/echo world");
  assertEquals(await plain(), "world\n");
});

Deno.test("executableTask() passes env and cwd", async () => {
  await using t = await tempFlow();
  const sh = t.flow.executableTask(() => 'printf "%s %s" "$GREETING" "$(pwd)"', {
    env: { GREETING: "hi there" },
    cwd: t.dir,
  });
  assertEquals(await sh(), `hi there ${t.dir}`);
});

Deno.test("OutputFile of a task is staged as InputFile into its dependent's sandbox", async () => {
  await using t = await tempFlow();
  const write = t.flow.executableTask((out: OutputFile) => `echo produced > ${out.filename}`);
  const read = t.flow.executableTask((_dep: unknown, inp: InputFile) => `cat ${inp.filename}; pwd`);
  const a = write(new OutputFile("data.txt"));
  const b = read(a, new InputFile("data.txt"));
  const out = await b;
  assertEquals(out, `produced\n${t.dir}/flow.test/${b.uid}\n`);
  assert((await Deno.stat(`${t.dir}/flow.test/${a.uid}/data.txt`)).isFile);
});

Deno.test("an InputFile that no dependency produces is taken from its path", async () => {
  await using t = await tempFlow();
  const src = `${t.dir}/source.txt`;
  await Deno.writeTextFile(src, "from disk");
  const read = t.flow.executableTask((inp: InputFile) => ["cat", inp.filename]);
  assertEquals(await read(new InputFile(src)), "from disk");
});

Deno.test("a missing InputFile fails the task with a message naming the file", async () => {
  await using t = await tempFlow();
  const read = t.flow.executableTask((inp: InputFile) => ["cat", inp.filename]);
  const dep = t.flow.functionTask((x: string) => x);
  const f = read(new InputFile(`${t.dir}/nope.txt`));
  const d = dep(f);
  const e = await assertRejects(() => f, Error);
  assertMatch(e.message, /nope\.txt/);
  await assertRejects(() => d, Error, "dependency failure");
});

Deno.test("OutputFile with an empty name or a trailing slash throws TypeError at construction", () => {
  assertThrows(() => new OutputFile(""), TypeError, 'received ""');
  assertThrows(() => new OutputFile("dir/"), TypeError, "dir/");
  assertEquals(new OutputFile("a/b.txt").filename, "b.txt");
});

Deno.test("executable builders run after their dependencies, with values", async () => {
  await using t = await tempFlow();
  const n = t.flow.functionTask(async () => {
    await new Promise((r) => setTimeout(r, 10));
    return 3;
  });
  const seen: unknown[] = [];
  const e = t.flow.executableTask((x: number, o: { y: number }) => {
    seen.push(x, o);
    return ["echo", `e_task1:${x + o.y}`];
  });
  assertEquals(await e(n(), { y: n() }), "e_task1:6\n");
  assertEquals(seen, [3, { y: 3 }]);
});

Deno.test("executable chains linked by futures append to a file in order (4 workflows)", async () => {
  await using t = await tempFlow();
  const step = t.flow.executableTask((file: string, i: number, _prev?: unknown) =>
    `echo "task${i}" >> '${file}'`
  );
  await Promise.all([0, 1, 2, 3].map(async (w) => {
    const file = `${t.dir}/wf${w}.log`;
    let prev: unknown = undefined;
    for (let i = 1; i <= 5; i++) prev = step(file, i, prev);
    await prev;
    assertEquals(await Deno.readTextFile(file), "task1\ntask2\ntask3\ntask4\ntask5\n");
  }));
});

Deno.test("a killed executable fails with ExecutableError naming the signal", async () => {
  await using t = await tempFlow();
  const sh = t.flow.executableTask(() => "kill -TERM $$");
  const e = await assertRejects(() => sh(), Error);
  assertEquals(e.name, "ExecutableError");
  assertEquals((e as unknown as { signal: string }).signal, "SIGTERM");
  assertEquals((e as unknown as { exitCode: null }).exitCode, null);
});
