import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { DependencyRef } from "../src/journal/canonical.ts";
import {
  type KeyDefinition,
  keyDefinition,
  taskKey,
  type TaskKeyInput,
} from "../src/journal/key.ts";
import { Journal } from "../src/journal/store.ts";
import { explainTask, listRuns, listTasks } from "../src/journal/explain.ts";
import { InputFile } from "../src/data.ts";
import { main } from "../tools/journal.ts";

async function withJournal(fn: (journal: Journal, dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir({ prefix: "journal_explain_" });
  const journal = Journal.open(`${dir}/run.db`);
  try {
    await fn(journal, dir);
  } finally {
    journal.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Records one task as the engine would: key, then outcome. */
async function record(
  journal: Journal,
  run: number,
  def: KeyDefinition,
  name: string,
  input: TaskKeyInput,
  more: { uid?: string; state?: "DONE" | "FAILED"; cached?: boolean } = {},
): Promise<string> {
  const { key, parts } = await taskKey(def, input);
  const source = more.cached ? journal.lookup(key)?.id : undefined;
  journal.stage(run, {
    key,
    parts,
    uid: more.uid ?? "task.000001",
    name,
    kind: def.parts.kind,
    state: more.state ?? "DONE",
    value: "v",
    error: more.state === "FAILED" ? new Error("it broke") : undefined,
    cached: more.cached,
    source,
  });
  journal.commit();
  return key;
}

const square = keyDefinition({
  kind: "function",
  fn: function square(x: number) {
    return x * x;
  },
});

Deno.test("explainTask() says which argument changed", async () => {
  await withJournal(async (journal) => {
    await record(journal, journal.beginRun("flow.1"), square, "square", { args: [2, "same"] });
    await record(journal, journal.beginRun("flow.2"), square, "square", { args: [3, "same"] });
    const x = explainTask(journal, "square");
    assertEquals(x.sentences, ["argument 1 changed"]);
    assertEquals(x.changes, [{ part: "argument", text: "argument 1 changed", argument: 1 }]);
    assertEquals([x.task?.run, x.previous?.run], [2, 1]);
    // one more argument
    await record(journal, journal.beginRun("flow.3"), square, "square", {
      args: [3, "same", 1],
    });
    assertEquals(explainTask(journal, "square").sentences, [
      "number of arguments changed (2 → 3)",
    ]);
  });
});

Deno.test("explainTask() says an InputFile's mtime or content changed", async () => {
  await withJournal(async (journal, dir) => {
    const load = keyDefinition({ kind: "function", fn: function load(_f: InputFile) {} });
    const path = `${dir}/data.csv`;
    await Deno.writeTextFile(path, "a,b\n");
    const input = new InputFile(path);
    await record(journal, journal.beginRun("flow.1"), load, "load", { args: [input] });
    const later = new Date(Date.now() + 60_000);
    await Deno.utime(path, later, later);
    await record(journal, journal.beginRun("flow.2"), load, "load", { args: [input] });
    assertEquals(explainTask(journal, "load").sentences, ["InputFile data.csv: mtime changed"]);
    await Deno.writeTextFile(path, "a,b,c\n");
    await record(journal, journal.beginRun("flow.3"), load, "load", { args: [input] });
    assertEquals(explainTask(journal, "load").sentences, [
      "InputFile data.csv: size and mtime changed",
    ]);

    // deep: content
    await record(journal, journal.beginRun("flow.4"), load, "load", { args: [input], deep: true });
    await Deno.writeTextFile(path, "x,y,z\n"); // same size
    await record(journal, journal.beginRun("flow.5"), load, "load", { args: [input], deep: true });
    const x = explainTask(journal, "load");
    assertEquals(x.sentences, ["InputFile data.csv: content changed"]);
    assertEquals(x.changes[0]?.file, "data.csv");
  });
});

Deno.test("explainTask() says the function's source changed", async () => {
  await withJournal(async (journal) => {
    const v1 = keyDefinition({
      kind: "function",
      fn: function clean(x: number) {
        return x;
      },
    });
    const v2 = keyDefinition({
      kind: "function",
      fn: function clean(x: number) {
        return Math.abs(x);
      },
    });
    await record(journal, journal.beginRun("flow.1"), v1, "clean", { args: [1] });
    await record(journal, journal.beginRun("flow.2"), v2, "clean", { args: [1] });
    assertEquals(explainTask(journal, "clean").sentences, ["function source changed"]);
  });
});

Deno.test("explainTask() follows a changed dependency to its cause", async () => {
  await withJournal(async (journal) => {
    const prepare = keyDefinition({
      kind: "function",
      fn: function prepare(n: number) {
        return n;
      },
    });
    const train = keyDefinition({
      kind: "function",
      fn: function train(data: unknown) {
        return data;
      },
    });
    const upstream = Promise.resolve();
    for (const [i, n] of [[1, 10], [2, 20]] as const) {
      const run = journal.beginRun(`flow.${i}`);
      const kp = await record(journal, run, prepare, "prepare", { args: [n] });
      await record(journal, run, train, "train", {
        args: [{ data: upstream }, "adam"],
        resolve: () => new DependencyRef(kp, "prepare"),
      }, { uid: "task.000002" });
    }
    const x = explainTask(journal, "train");
    assertEquals(x.sentences, [
      "dependency 'prepare' changed (argument 1)",
      "  argument 1 changed",
    ]);
    assertEquals(x.changes[0]?.dependency, "prepare");
    assertEquals(x.changes[0]?.because?.[0]?.text, "argument 1 changed");
    // by uid in a given run, and by key
    assertEquals(explainTask(journal, "task.000002", { run: 2 }).task?.name, "train");
    assertEquals(
      explainTask(journal, "task.000002", { run: 1 }).sentences,
      ["no earlier record of 'train'"],
    );
    const key = x.task!.key!;
    assertEquals(explainTask(journal, key).sentences, x.sentences);
  });
});

Deno.test("explainTask() names the command, env and cwd of executables", async () => {
  await withJournal(async (journal) => {
    const build = (f: string) => ["wc", "-l", f];
    const a = keyDefinition({ kind: "executable", fn: build, env: { A: "1" }, cwd: "/tmp" });
    const b = keyDefinition({ kind: "executable", fn: build, env: { A: "2" }, cwd: "/var" });
    await record(journal, journal.beginRun("flow.1"), a, "count", {
      args: ["x"],
      command: ["wc", "-l", "x"],
    });
    await record(journal, journal.beginRun("flow.2"), b, "count", {
      args: ["x"],
      command: ["wc", "-c", "x"],
    });
    assertEquals(explainTask(journal, "count").sentences, [
      "env changed",
      "cwd changed (/tmp → /var)",
      "command changed",
    ]);
  });
});

Deno.test("explainTask() says why a task with an unchanged key ran again, or that it did not", async () => {
  await withJournal(async (journal) => {
    assertEquals(explainTask(journal, "nothing").sentences, ["no record of 'nothing'"]);
    assertEquals(explainTask(journal, "nothing").task, undefined);
    const r1 = journal.beginRun("flow.1");
    await record(journal, r1, square, "square", { args: [5] }, { state: "FAILED" });
    assertEquals(explainTask(journal, "square").sentences, ["no earlier record of 'square'"]);
    const r2 = journal.beginRun("flow.2");
    await record(journal, r2, square, "square", { args: [5] });
    const x = explainTask(journal, "square");
    assertStringIncludes(x.sentences[0]!, "key unchanged; the earlier record");
    assertStringIncludes(x.sentences[0]!, "ended FAILED (Error: it broke)");
    const r3 = journal.beginRun("flow.3");
    await record(journal, r3, square, "square", { args: [5] }, { cached: true });
    assertEquals(explainTask(journal, "square").sentences, [
      "'square' completed from the journal (record 2): it did not run",
    ]);
    const hit = explainTask(journal, "square").task!;
    assertEquals([hit.cached, hit.run, hit.state, hit.hasValue], [true, 3, "DONE", false]);
    // a later run that changed the argument is explained against the latest record that ran
    const r4 = journal.beginRun("flow.4");
    await record(journal, r4, square, "square", { args: [6] });
    await record(journal, journal.beginRun("flow.5"), square, "square", { args: [7] });
    assertEquals(explainTask(journal, "square").sentences, ["argument 1 changed"]);
    assertEquals(listRuns(journal).length, 5);
    assertEquals(listRuns(journal.path).length, 5); // by path: opened and closed for the call
    assertEquals(explainTask(new URL(`file://${journal.path}`), "square").sentences, [
      "argument 1 changed",
    ]);
    assertEquals(listTasks(journal, { state: "FAILED" }).length, 1);
    assertEquals(listTasks(journal, { name: "square", run: r2 }).length, 1);
  });
});

function capture(): { log(s: string): void; error(s: string): void; out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  return { log: (s) => out.push(s), error: (s) => err.push(s), out, err };
}

Deno.test("journal tool main() lists runs and tasks and explains a task", async () => {
  await withJournal(async (journal) => {
    await record(journal, journal.beginRun("flow.aaaa0001"), square, "square", { args: [2] });
    const r2 = journal.beginRun("flow.aaaa0002");
    await record(journal, r2, square, "square", { args: [3] });
    journal.stage(r2, {
      uid: "task.000002",
      name: "broken",
      kind: "function",
      state: "FAILED",
      error: new RangeError("out of range"),
    });
    journal.commit();
    journal.endRun(r2, { done: 1, failed: 1, cancelled: 0, cached: 0 });
    const path = journal.path;

    let c = capture();
    assertEquals(main(["runs", path], c), 0);
    const runs = c.out.join("\n").split("\n");
    assertStringIncludes(runs[0]!, "run  engine");
    assertStringIncludes(runs[1]!, "flow.aaaa0001");
    assertStringIncludes(runs[1]!, "did not end");
    assert(/^2\s+flow\.aaaa0002\s.*\s1\s+1\s+0\s+0\s/.test(runs[2]!), runs[2]);

    c = capture();
    assertEquals(main(["tasks", path, "--state", "failed"], c), 0);
    const tasks = c.out.join("\n").split("\n");
    assertEquals(tasks.length, 2);
    assertStringIncludes(tasks[1]!, "FAILED");
    assertStringIncludes(tasks[1]!, "broken");
    assertStringIncludes(tasks[1]!, "RangeError: out of range");

    c = capture();
    assertEquals(main(["tasks", path, "--run", "1", "--json"], c), 0);
    const json = JSON.parse(c.out.join(""));
    assertEquals(json.length, 1);
    assertEquals(json[0].name, "square");

    c = capture();
    assertEquals(main(["explain", path, "square"], c), 0);
    assertEquals(c.out.join("\n").split("\n").slice(1), ["  argument 1 changed"]);
    assertStringIncludes(c.out[0]!, "'square' task.000001 (run 2, record 2, DONE)");

    c = capture();
    assertEquals(main(["explain", path, "square", "--json"], c), 0);
    assertEquals(JSON.parse(c.out.join("")).sentences, ["argument 1 changed"]);

    c = capture();
    assertEquals(main(["--help"], c), 0);
    assertStringIncludes(c.out[0]!, "Usage: deno task journal");
  });
});

Deno.test("journal tool main() fails clearly on a missing file, a non-journal and bad usage", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let c = capture();
    assertEquals(main(["runs", `${dir}/missing.db`], c), 1);
    assertEquals(c.err, [`Cannot open journal '${dir}/missing.db' as it does not exist`]);
    assertEquals([...Deno.readDirSync(dir)].length, 0); // not created

    await Deno.writeTextFile(`${dir}/notes.txt`, "hello");
    c = capture();
    assertEquals(main(["tasks", `${dir}/notes.txt`], c), 1);
    assertEquals(c.err, [
      `Cannot open journal '${dir}/notes.txt' as it is not a journal (not a SQLite database)`,
    ]);

    for (
      const [args, text] of [
        [[], "no command is given"],
        [["list", "x.db"], 'the command is unknown: received "list"'],
        [["runs"], "no journal file is given"],
        [["explain", "x.db"], "explain needs one task"],
        [["runs", "x.db", "extra"], "'runs' takes no argument after the journal"],
        [["tasks", "x.db", "--state", "LOST"], "--state must be DONE, FAILED or CANCELLED"],
        [["tasks", "x.db", "--run", "0"], "--run must be a positive integer"],
        [["tasks", "x.db", "--bogus"], "the option is unknown: received --bogus"],
      ] as const
    ) {
      c = capture();
      assertEquals(main([...args], c), 2, args.join(" "));
      assertStringIncludes(c.err[0]!, `Cannot read journal as ${text}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task journal runs as a command", async () => {
  await withJournal(async (journal) => {
    await record(journal, journal.beginRun("flow.cmd"), square, "square", { args: [2] });
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "journal", "tasks", journal.path],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    assertStringIncludes(new TextDecoder().decode(out.stdout), "square");
  });
});
