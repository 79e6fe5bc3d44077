/**
 * Durable runs through the public API: `EngineOptions.journal`, cache hits
 * and misses, the Merkle property of keys, `cache: false` and `"deep"`,
 * blocks, OutputFile restore, unserialisable values, several engines on one
 * journal, bad journal values, explaining a miss, and a crash.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { type FlowEvent, InputFile, OutputFile, type TaskFuture, WorkflowEngine } from "../mod.ts";
import { explainTask, listTasks } from "../src/journal/mod.ts";

async function tmp(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "asyncflow_journal_" });
}

/** A tiny pipeline, counting its runs: prepare → square ×2 → sum. */
async function pipeline(db: string, opts: { offset?: number; sumSource?: boolean } = {}) {
  const runs: string[] = [];
  await using flow = await WorkflowEngine.create({ journal: db });
  const events: FlowEvent[] = [];
  flow.subscribe((e) => events.push(e));
  const prepare = flow.functionTask(function prepare(n: number) {
    runs.push("prepare");
    return n;
  });
  const square = flow.functionTask(function square(x: number, off: number) {
    runs.push("square");
    return x * x + off;
  });
  const sum = opts.sumSource
    ? flow.functionTask(function sum(a: number, b: number) {
      runs.push("sum");
      return a + b + 0; // another source text
    })
    : flow.functionTask(function sum(a: number, b: number) {
      runs.push("sum");
      return a + b;
    });
  const p = prepare(3);
  const a = square(p, opts.offset ?? 0);
  const b = square(4, 0);
  const s = sum(a, b);
  const value = await s;
  return { value, runs, futures: { p, a, b, s }, events };
}

Deno.test("journal: a second run completes every task from the journal without running it", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    const first = await pipeline(db);
    assertEquals(first.value, 25);
    assertEquals(first.runs.sort(), ["prepare", "square", "square", "sum"]);
    for (const f of Object.values(first.futures)) {
      assert(!f.cached);
      assertMatch(f.key!, /^[0-9a-f]{64}$/);
      assertEquals(f.attempts, 1);
    }
    const second = await pipeline(db);
    assertEquals(second.value, 25);
    assertEquals(second.runs, []);
    for (const [name, f] of Object.entries(second.futures)) {
      assert(f.cached, `${name} ran again`);
      assertEquals(f.attempts, 0);
      assertEquals(f.key, (first.futures as Record<string, TaskFuture>)[name]!.key);
    }
    // TaskCached, then TaskCompleted (with cached and the key); never TaskStarted
    const s = second.futures.s;
    const types = second.events.filter((e) => e.uid === s.uid).map((e) => e.type);
    assertEquals(types, ["TaskCreated", "TaskReady", "TaskCached", "TaskCompleted"]);
    const done = second.events.find((e) => e.uid === s.uid && e.type === "TaskCompleted")!;
    assertEquals([done.cached, done.key], [true, s.key]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: keys form a Merkle DAG — a change upstream re-runs everything downstream, and nothing else", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    await pipeline(db);
    // square(p, 1): its argument changed → it and sum run; prepare and square(4, 0) hit
    const changed = await pipeline(db, { offset: 1 });
    assertEquals(changed.value, 26);
    assertEquals(changed.runs.sort(), ["square", "sum"]);
    assert(changed.futures.p.cached && changed.futures.b.cached);
    assert(!changed.futures.a.cached && !changed.futures.s.cached);
    // the function's source text is part of its identity
    const edited = await pipeline(db, { sumSource: true });
    assertEquals(edited.runs, ["sum"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: explainTask says which part of the key changed", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    await pipeline(db);
    await pipeline(db, { offset: 1 });
    const square = await explainTask(db, "square");
    assertMatch(square.sentences.join("\n"), /argument 2 changed/);
    const sum = await explainTask(db, "sum");
    assertMatch(sum.sentences.join("\n"), /dependency 'square' changed/);
    await pipeline(db, { offset: 1, sumSource: true });
    assertMatch((await explainTask(db, "sum")).sentences.join("\n"), /function source changed/);
    // an input file whose mtime changed
    const data = `${dir}/data.csv`;
    await Deno.writeTextFile(data, "a,b\n");
    const readIt = async () => {
      // the sandbox goes under the test's directory, not the current one
      await using flow = await WorkflowEngine.create({ journal: db, workDir: dir });
      const read = flow.functionTask(function read(f: InputFile) {
        return Deno.readTextFileSync(f.path);
      }, { name: "read" });
      return await read(new InputFile(data));
    };
    await readIt();
    await Deno.utime(data, new Date(), new Date(Date.now() + 60_000));
    await readIt();
    assertMatch(
      (await explainTask(db, "read")).sentences.join("\n"),
      /InputFile data\.csv: mtime changed/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: cache false always runs (and records); cache deep follows file content, not mtime", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    const data = `${dir}/in.txt`;
    await Deno.writeTextFile(data, "one");
    let runs = 0;
    const go = async (cache: boolean | "deep") => {
      await using flow = await WorkflowEngine.create({ journal: db, workDir: dir });
      const read = flow.functionTask(function read(f: InputFile) {
        runs++;
        return Deno.readTextFileSync(f.path);
      }, { cache });
      const f = read(new InputFile(data));
      return [await f, f.cached] as const;
    };
    assertEquals(await go(false), ["one", false]);
    assertEquals(await go(false), ["one", false]);
    assertEquals(runs, 2);
    const tasks = await listTasks(db, { name: "read" });
    assertEquals(tasks.length, 2); // recorded anyway
    assertEquals(await go("deep"), ["one", false]);
    // touched, same content: a deep key does not change
    await Deno.utime(data, new Date(), new Date(Date.now() + 120_000));
    assertEquals(await go("deep"), ["one", true]);
    // new content: it runs
    await Deno.writeTextFile(data, "two");
    assertEquals(await go("deep"), ["two", false]);
    assertEquals(runs, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: block bodies run again; their members hit", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    const log: string[] = [];
    const go = async () => {
      await using flow = await WorkflowEngine.create({ journal: db });
      const inner = flow.functionTask(function inner(x: number) {
        log.push("inner");
        return x + 1;
      });
      const b = flow.block(async function outer(x: number) {
        log.push("body");
        return await inner(x);
      });
      const f = b(1);
      return [await f, f.cached] as const;
    };
    assertEquals(await go(), [2, false]);
    assertEquals(await go(), [2, false]);
    assertEquals(log, ["body", "inner", "body"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: a hit restores the task's OutputFiles into its sandbox, and its dependents read them", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    const go = async () => {
      await using flow = await WorkflowEngine.create({ journal: db, workDir: dir });
      // an executable runs in its sandbox: it writes result.txt there
      const produce = flow.executableTask(function produce(_out: OutputFile) {
        return ["sh", "-c", `echo run >> ${dir}/runs.log; echo made once > result.txt; echo ok`];
      });
      const consume = flow.executableTask(function consume(_dep: string, _f: InputFile) {
        return ["cat", "result.txt"];
      }, { cache: false });
      const p = produce(new OutputFile("result.txt"));
      return [await consume(p, new InputFile("result.txt")), p.cached] as const;
    };
    assertEquals(await go(), ["made once\n", false]);
    assertEquals(await go(), ["made once\n", true]);
    const writes = (await Deno.readTextFile(`${dir}/runs.log`)).trim().split("\n").length;
    assertEquals(writes, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: a value that cannot be serialised is not recorded; the task runs again; failures never hit", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    let runs = 0;
    let fails = 0;
    const go = async () => {
      await using flow = await WorkflowEngine.create({ journal: db });
      const fn = flow.functionTask(function makeFn() {
        runs++;
        return { f: () => 1 }; // a function: not serialisable
      });
      const bad = flow.functionTask(function bad() {
        fails++;
        throw new Error("no");
      });
      await fn();
      await assertRejects(() => bad());
    };
    await go();
    await go();
    assertEquals([runs, fails], [2, 2]);
    const failed = await listTasks(db, { state: "FAILED" });
    assertEquals(failed.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: several engines, in one process and in several, share one journal", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    const a = await WorkflowEngine.create({ journal: db });
    const b = await WorkflowEngine.create({ journal: db });
    const f = (flow: WorkflowEngine) =>
      flow.functionTask(function shared(x: number) {
        return x * 10;
      });
    assertEquals(await Promise.all([f(a)(1), f(b)(2)]), [10, 20]);
    const hit = f(b)(1);
    assertEquals(await hit, 10);
    assert(hit.cached, "b did not see a's record");
    await a.shutdown();
    await b.shutdown();
    // two processes at once
    const script = `
      import { WorkflowEngine } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
      await using flow = await WorkflowEngine.create({ journal: ${JSON.stringify(db)} });
      const w = flow.functionTask(function work(i) { return i * 2; });
      const fs = Array.from({ length: 200 }, (_, i) => w(i + Number(Deno.args[0])));
      console.log((await Promise.all(fs)).length);`;
    await Deno.writeTextFile(`${dir}/w.js`, script);
    const outs = await Promise.all(
      [0, 100].map((off) =>
        new Deno.Command(Deno.execPath(), { args: ["run", "-A", `${dir}/w.js`, String(off)] })
          .output()
      ),
    );
    for (const o of outs) {
      assert(o.success, new TextDecoder().decode(o.stderr));
      assertEquals(new TextDecoder().decode(o.stdout).trim(), "200");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: a bad path, a missing directory or a file that is not a journal is refused by create(), naming the path", async () => {
  const dir = await tmp();
  try {
    await assertRejects(
      () => WorkflowEngine.create({ journal: 5 as never }),
      TypeError,
      "'journal' must be a non-empty path or a file: URL: received 5",
    );
    await assertRejects(() => WorkflowEngine.create({ journal: "" }), TypeError, "'journal'");
    const missing = `${dir}/no/such/dir/run.db`;
    const e1 = await assertRejects(() => WorkflowEngine.create({ journal: missing }));
    assert((e1 as Error).message.includes(missing), (e1 as Error).message);
    const text = `${dir}/notes.txt`;
    await Deno.writeTextFile(text, "my precious notes\n");
    const e2 = await assertRejects(() => WorkflowEngine.create({ journal: text }));
    assert((e2 as Error).message.includes(text), (e2 as Error).message);
    assertEquals(await Deno.readTextFile(text), "my precious notes\n"); // left as it is
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: a process SIGKILLed half-way re-runs, on the next run, no task it had printed as done", async () => {
  const dir = await tmp();
  try {
    const db = `${dir}/run.db`;
    const log = `${dir}/ran.log`;
    const script = `
      import { WorkflowEngine } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
      await using flow = await WorkflowEngine.create({ journal: ${JSON.stringify(db)} });
      const step = flow.functionTask(async function step(i) {
        Deno.writeTextFileSync(${JSON.stringify(log)}, i + "\\n", { append: true });
        await new Promise((r) => setTimeout(r, 2));
        return i;
      });
      const fs = [];
      for (let i = 0; i < 300; i++) {
        const f = step(i);
        fs.push(f.then((v) => console.log("done " + v)));
      }
      await Promise.all(fs);
      console.log("finished");`;
    await Deno.writeTextFile(`${dir}/crash.js`, script);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${dir}/crash.js`],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    // read until half of them were printed, then SIGKILL
    const printed = new Set<number>();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    while (printed.size < 150) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith("done ")) printed.add(Number(l.slice(5)));
    }
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel().catch(() => {});
    assert(printed.size >= 150 && printed.size < 300, `printed ${printed.size}`);
    await Deno.writeTextFile(log, "");
    const rerun = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${dir}/crash.js`],
    })
      .output();
    assert(rerun.success, new TextDecoder().decode(rerun.stderr));
    assertMatch(new TextDecoder().decode(rerun.stdout), /finished/);
    const again = (await Deno.readTextFile(log)).trim().split("\n").filter((l) => l !== "").map(
      Number,
    );
    const rerunPrinted = again.filter((i) => printed.has(i));
    assertEquals(rerunPrinted, [], "tasks that had settled ran again");
    assert(again.length < 300 - 100, `${again.length} tasks ran again`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: a write that fails mid-run shuts the engine down with an error naming the path", async (t) => {
  const mnt = await Deno.makeTempDir({ prefix: "asyncflow_journal_full_" });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt],
    stderr: "piped",
  }).output().catch((e) => ({ success: false, stderr: new TextEncoder().encode(String(e)) }));
  if (!mount.success) {
    console.log(
      `skipped: cannot mount a small tmpfs here (${new TextDecoder().decode(mount.stderr).trim()})`,
    );
    await Deno.remove(mnt);
    return;
  }
  try {
    const db = `${mnt}/run.db`;
    const flow = await WorkflowEngine.create({ journal: db });
    const big = flow.functionTask(function big(i: number) {
      return "x".repeat(64 * 1024) + i; // each record ~64 KB: the disk fills in a few
    });
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => big(i)));
    const failed = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    assert(failed.length > 0, "every write succeeded on a 512 KB disk");
    assert(String(failed[0]!.reason).includes(db) || String(failed[0]!.reason?.cause).includes(db));
    // the engine is shut down: calls throw with the cause, shutdown() reports it
    await t.step("calls after the failure throw", () => {
      let thrown: unknown;
      try {
        big(99);
      } catch (e) {
        thrown = e;
      }
      assert(thrown instanceof Error && thrown.message.includes("shut down"));
    });
    const e = await assertRejects(() => flow.shutdown(), AggregateError);
    assert(
      e.errors.some((x: unknown) =>
        String(x).includes(db) || String((x as Error).cause).includes(db)
      ),
    );
  } finally {
    await new Deno.Command("umount", { args: [mnt] }).output();
    await Deno.remove(mnt, { recursive: true });
  }
});
