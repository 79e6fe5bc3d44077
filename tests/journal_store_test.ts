import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Journal } from "../src/journal/store.ts";
import { MAX_NOTE, type TaskRecord } from "../src/journal/types.ts";
import { keyOf } from "./fixtures/journal_writer.ts";

const WRITER = new URL("./fixtures/journal_writer.ts", import.meta.url).pathname;

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "journal_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function done(key: string, value: unknown, more: Partial<TaskRecord> = {}): TaskRecord {
  return { key, uid: "task.000001", name: "t", kind: "function", state: "DONE", value, ...more };
}

/** Mounts a tmpfs of `kb` kilobytes (root only); undefined when that is not possible here. */
async function mountTmpfs(
  kb: number,
): Promise<{ dir: string; unmount(): Promise<void> } | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "journal_tmpfs_" });
  try {
    const out = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${kb}k`, "tmpfs", dir],
      stdout: "null",
      stderr: "null",
    }).output();
    if (out.success) {
      return {
        dir,
        async unmount() {
          await new Deno.Command("umount", { args: ["-l", dir] }).output();
          await Deno.remove(dir, { recursive: true });
        },
      };
    }
  } catch {
    // no mount command
  }
  await Deno.remove(dir);
  return undefined;
}

async function remountReadOnly(dir: string): Promise<boolean> {
  const out = await new Deno.Command("mount", {
    args: ["-o", "remount,ro", dir],
    stdout: "null",
    stderr: "null",
  }).output();
  return out.success;
}

const probe = await mountTmpfs(64);
const canMount = probe !== undefined;
await probe?.unmount();
if (!canMount) {
  console.log(
    "journal_store_test: cannot mount a tmpfs here (not root?): full/read-only disk tests skipped",
  );
}

Deno.test("Journal.open() creates a journal in WAL mode with its format marks", async () => {
  await withDir((dir) => {
    const path = `${dir}/run.db`;
    const journal = Journal.open(path);
    assertEquals(journal.path, path);
    assertEquals(journal.filesDir, `${path}.files`);
    const run = journal.beginRun("flow.00000001");
    journal.stage(run, done("a".repeat(64), 1));
    journal.commit();
    const db = new DatabaseSync(path);
    assertEquals(db.prepare("PRAGMA journal_mode").get(), { journal_mode: "wal" });
    assertEquals(db.prepare("PRAGMA application_id").get(), { application_id: 0x41464a4c });
    assertEquals(db.prepare("PRAGMA user_version").get(), { user_version: 1 });
    db.close();
    journal.close();
    journal.close(); // idempotent
    assert(journal.closed);
    // and it opens again
    const again = Journal.open(new URL(`file://${path}`));
    assertEquals(again.lookup("a".repeat(64))?.value, 1);
    again.close();
  });
});

Deno.test("Journal.open() accepts an empty file", async () => {
  await withDir((dir) => {
    Deno.writeFileSync(`${dir}/empty.db`, new Uint8Array());
    const journal = Journal.open(`${dir}/empty.db`);
    journal.beginRun("flow.1");
    journal.close();
  });
});

Deno.test("Journal.open() refuses a file that is not a journal and leaves it as it is", async () => {
  await withDir((dir) => {
    const text = `${dir}/notes.txt`;
    const content = "line one\nline two\n".repeat(100);
    Deno.writeTextFileSync(text, content);
    const e = assertThrows(() => Journal.open(text), Error);
    assertEquals(
      e.message,
      `Cannot open journal '${text}' as it is not a journal (not a SQLite database)`,
    );
    assertEquals(Deno.readTextFileSync(text), content);
    assertEquals([...Deno.readDirSync(dir)].map((d) => d.name), ["notes.txt"]);

    // another application's SQLite database
    const other = `${dir}/other.db`;
    const db = new DatabaseSync(other);
    db.exec("CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('ada')");
    db.close();
    const before = Deno.readFileSync(other);
    const e2 = assertThrows(() => Journal.open(other), Error);
    assertEquals(
      e2.message,
      `Cannot open journal '${other}' as it is not a journal (a SQLite database of another application)`,
    );
    assertEquals(Deno.readFileSync(other), before);
    const check = new DatabaseSync(other);
    assertEquals(check.prepare("PRAGMA journal_mode").get(), { journal_mode: "delete" });
    check.close();
  });
});

Deno.test("Journal.open() refuses a journal of a newer format", async () => {
  await withDir((dir) => {
    const path = `${dir}/run.db`;
    Journal.open(path).close();
    const db = new DatabaseSync(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    const e = assertThrows(() => Journal.open(path), Error);
    assertStringIncludes(
      e.message,
      `Cannot open journal '${path}' as it was written by a newer version`,
    );
  });
});

Deno.test("Journal.open() refuses a missing directory, a directory, and a missing file without create", async () => {
  await withDir((dir) => {
    const missing = `${dir}/no/such/dir/run.db`;
    const e = assertThrows(() => Journal.open(missing), Error);
    assertEquals(e.message, `Cannot open journal '${missing}' as its directory does not exist`);
    assert(!Deno.statSync(dir).isFile);
    assertEquals([...Deno.readDirSync(dir)].length, 0);

    const e2 = assertThrows(() => Journal.open(dir), Error);
    assertEquals(e2.message, `Cannot open journal '${dir}' as it is not a file`);

    const e3 = assertThrows(() => Journal.open(`${dir}/x.db`, { create: false }), Error);
    assertEquals(e3.message, `Cannot open journal '${dir}/x.db' as it does not exist`);
    assertEquals([...Deno.readDirSync(dir)].length, 0);
  });
});

Deno.test("Journal.open() throws TypeError or RangeError on bad arguments", () => {
  const e = assertThrows(() => Journal.open(""), TypeError);
  assertEquals(
    e.message,
    `Cannot open journal as 'path' must be a non-empty string or a file: URL: received ""`,
  );
  assertThrows(() => Journal.open(new URL("https://example.com/x.db")), TypeError);
  assertThrows(() => Journal.open(42 as unknown as string), TypeError);
  assertThrows(() => Journal.open("x.db", { busyTimeout: -1 }), RangeError);
});

Deno.test("Journal.open() resolves a relative path against the cwd", async () => {
  await withDir((dir) => {
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      const journal = Journal.open("rel.db");
      assertEquals(journal.path, `${Deno.realPathSync(dir)}/rel.db`);
      journal.close();
    } finally {
      Deno.chdir(cwd);
    }
  });
});

Deno.test("Journal.lookup() hits only committed DONE records with a value", async () => {
  await withDir((dir) => {
    const journal = Journal.open(`${dir}/run.db`);
    const run = journal.beginRun("flow.1");
    const [k1, k2, k3, k4, k5] = [1, 2, 3, 4, 5].map((i) => keyOf("lookup", i));
    journal.stage(run, done(k1!, "one"));
    assertEquals(journal.staged, 1);
    assertEquals(journal.lookup(k1!), undefined); // staged is not committed
    journal.commit();
    assertEquals(journal.staged, 0);
    assertEquals(journal.lookup(k1!)?.value, "one");
    const fail = new TypeError("bad input");
    journal.stage(run, { ...done(k2!, undefined), state: "FAILED", error: fail });
    journal.stage(run, {
      ...done(k3!, undefined),
      state: "CANCELLED",
      error: new Error("x".repeat(5000)),
    });
    journal.stage(run, done(k4!, () => "functions cannot be cloned"));
    journal.stage(run, done(k5!, 5, { noValue: "outputs missing" }));
    journal.commit();
    assertEquals(journal.lookup(k2!), undefined);
    assertEquals(journal.lookup(k3!), undefined);
    assertEquals(journal.lookup(k4!), undefined);
    assertEquals(journal.lookup(k5!), undefined);
    const byKey = (k: string) => journal.tasks({ key: k })[0]!;
    assertEquals(byKey(k2!).state, "FAILED");
    assertEquals(byKey(k2!).note, "TypeError: bad input");
    assertEquals(byKey(k3!).state, "CANCELLED");
    assert(byKey(k3!).note!.length <= MAX_NOTE);
    assertEquals(byKey(k4!).state, "DONE");
    assertEquals(byKey(k4!).hasValue, false);
    assertStringIncludes(byKey(k4!).note!, "value not recorded: ");
    assertStringIncludes(byKey(k4!).note!, "could not be cloned");
    assertEquals(byKey(k5!).note, "outputs missing");
    // a later DONE record of a key that failed before is a hit
    journal.stage(run, done(k2!, "fixed"));
    journal.commit();
    assertEquals(journal.lookup(k2!)?.value, "fixed");
    // the latest DONE record wins
    journal.stage(run, done(k1!, "one again"));
    journal.commit();
    assertEquals(journal.lookup(k1!)?.value, "one again");
    // a hit record has no value of its own and is never the hit
    journal.stage(run, done(k1!, undefined, { cached: true, source: journal.lookup(k1!)!.id }));
    journal.commit();
    assertEquals(journal.lookup(k1!)?.value, "one again");
    journal.close();
  });
});

Deno.test("Journal.lookup() never answers a key with another key's record when they share their first 52 bits", async () => {
  await withDir((dir) => {
    const journal = Journal.open(`${dir}/run.db`);
    const run = journal.beginRun("flow.1");
    const a = "0123456789abc" + "0".repeat(51), b = "0123456789abc" + "f".repeat(51);
    journal.stage(run, done(a, "a"));
    journal.commit();
    assertEquals(journal.lookup(b), undefined);
    assertEquals(journal.lookupMany([b]), [undefined]);
    journal.stage(run, done(b, "b"));
    journal.commit();
    assertEquals(journal.lookup(b)?.value, "b");
    // the index keeps one record per 52-bit prefix: a may now miss (and run again), never get b's value
    assertNotEquals(journal.lookup(a)?.value, "b");
    assertNotEquals(journal.lookupMany([a])[0]?.value, "b");
    journal.close();
  });
});

Deno.test("Journal round-trips values: primitives natively, the rest through node:v8", async () => {
  await withDir(async (dir) => {
    const values: unknown[] = [
      undefined,
      null,
      true,
      false,
      0,
      -0,
      1.5,
      2 ** 53 + 2,
      NaN,
      Infinity,
      -Infinity,
      123n,
      "",
      "text é \u20ac",
      "lone \ud800 surrogate",
      "x".repeat(100000),
      { a: [1, { b: "c" }] },
      new Map([[1, new Set(["x"])]]),
      new Date(12345),
      new Uint16Array([1, 2, 3]),
      [1, , 3],
      new RangeError("kept as an error"),
    ];
    const path = `${dir}/run.db`;
    const journal = Journal.open(path);
    const run = journal.beginRun("flow.1");
    values.forEach((v, i) => journal.stage(run, done(keyOf("v", i), v)));
    journal.commit();
    journal.close();
    // read back in a fresh connection, after a microtask
    await Promise.resolve();
    const again = Journal.open(path);
    values.forEach((v, i) => {
      const hit = again.lookup(keyOf("v", i));
      if (hit === undefined) throw new Error(`value ${i} is not a hit`);
      if (v instanceof Error) {
        assertInstanceOf(hit.value, RangeError);
        assertEquals((hit.value as Error).message, v.message);
      } else assertEquals(hit.value, v, `value ${i}`);
      if (Object.is(v, -0)) assert(Object.is(hit.value, -0));
    });
    again.close();
  });
});

Deno.test("Journal.lookup() returns a fresh copy each time", async () => {
  await withDir((dir) => {
    const journal = Journal.open(`${dir}/run.db`);
    const run = journal.beginRun("flow.1");
    journal.stage(run, done(keyOf("c", 0), { list: [1] }));
    journal.commit();
    const a = journal.lookup(keyOf("c", 0))!.value as { list: number[] };
    a.list.push(2);
    assertEquals(journal.lookup(keyOf("c", 0))!.value, { list: [1] });
    journal.close();
  });
});

Deno.test("Journal objects sharing one file see each other's commits", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/shared.db`;
    const a = Journal.open(path), b = Journal.open(path);
    const ra = a.beginRun("flow.a"), rb = b.beginRun("flow.b");
    assertNotEquals(ra, rb);
    assertEquals(b.lookup(keyOf("s", 1)), undefined);
    a.stage(ra, done(keyOf("s", 1), "from a"));
    a.commit();
    await Promise.resolve(); // b's read transaction ends with the microtask
    assertEquals(b.lookup(keyOf("s", 1))?.value, "from a");
    b.stage(rb, done(keyOf("s", 2), "from b"));
    b.commit();
    assertEquals(a.lookup(keyOf("s", 2))?.value, "from b");
    // interleaved commits from both, many times
    for (let i = 0; i < 200; i++) {
      (i % 2 ? a : b).stage(i % 2 ? ra : rb, done(keyOf("i", i), i));
      (i % 2 ? a : b).commit();
    }
    assertEquals(a.tasks({ limit: 10000 }).length, 202);
    a.close();
    b.close();
  });
});

Deno.test("Journal can be written by several processes at once", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/multi.db`;
    Journal.open(path).close();
    const writers = ["p1", "p2", "p3"].map((prefix) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", WRITER, path, prefix, "600", "20"],
        stdout: "null",
        stderr: "piped",
      }).output()
    );
    // and this process too
    const here = Journal.open(path);
    const run = here.beginRun("flow.here");
    for (let i = 0; i < 300; i++) {
      here.stage(run, done(keyOf("here", i), i));
      if (i % 10 === 9) here.commit();
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    here.commit();
    for (const out of await Promise.all(writers)) {
      assert(out.success, new TextDecoder().decode(out.stderr));
    }
    await Promise.resolve();
    assertEquals(here.tasks({ limit: 100000 }).length, 3 * 600 + 300);
    assertEquals(here.lookup(keyOf("p2", 599))?.value, 599);
    const runs = here.runs();
    assertEquals(runs.length, 4);
    assertEquals(
      runs.filter((r) => r.engine !== "flow.here").map((r) => r.counts.done),
      [600, 600, 600],
    );
    here.close();
  });
});

Deno.test("Journal keeps every committed record when its process is killed with SIGKILL", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/killed.db`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", WRITER, path, "k", "forever", "25"],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    let committed = 0;
    let buffered = "";
    const reader = child.stdout.getReader();
    while (committed < 3000) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buffered += new TextDecoder().decode(value);
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      if (lines.length) committed = Number(lines.at(-1));
    }
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel().catch(() => {});
    assert(committed >= 3000, `the writer committed ${committed}`);
    const journal = Journal.open(path);
    const runs = journal.runs();
    assertEquals(runs.length, 1);
    assertEquals(runs[0]!.ended, undefined);
    assert(runs[0]!.counts.done >= committed);
    for (const i of [0, 1, committed >> 1, committed - 1]) {
      assertEquals(journal.lookup(keyOf("k", i))?.value, i, `record ${i}`);
    }
    journal.close();
  });
});

Deno.test("Journal.commit() throws naming the path when the database is gone", async () => {
  await withDir((dir) => {
    const path = `${dir}/run.db`;
    const journal = Journal.open(path);
    const run = journal.beginRun("flow.1");
    journal.close();
    const e = assertThrows(() => {
      journal.stage(run, done(keyOf("x", 1), 1));
      journal.commit();
    }, Error);
    assertStringIncludes(e.message, path);
    assertThrows(() => journal.lookup(keyOf("x", 1)), Error, path);
  });
});

Deno.test({
  name:
    "Journal.commit() throws naming the path when the disk is full, and keeps what was committed",
  ignore: !canMount,
  async fn() {
    const fs = (await mountTmpfs(512))!;
    try {
      const path = `${fs.dir}/full.db`;
      const journal = Journal.open(path);
      const run = journal.beginRun("flow.1");
      journal.stage(run, done(keyOf("f", 0), "first"));
      journal.commit();
      const big = "x".repeat(64 * 1024);
      let error: unknown;
      let i = 1;
      for (; i < 100; i++) {
        try {
          journal.stage(run, done(keyOf("f", i), big + i));
          journal.commit();
        } catch (e) {
          error = e;
          break;
        }
      }
      assertInstanceOf(error, Error);
      assertStringIncludes((error as Error).message, `Cannot commit outcomes in journal '${path}'`);
      assertEquals(journal.staged, 0);
      await Promise.resolve();
      assertEquals(journal.lookup(keyOf("f", 0))?.value, "first");
      assertEquals(journal.lookup(keyOf("f", i)), undefined);
      // the content store fails loudly too, and leaves no partial file
      const outside = await Deno.makeTempFile();
      await Deno.writeFile(outside, new Uint8Array(1024 * 1024));
      await assertRejects(
        () => journal.storeOutputs([{ name: "big.bin", path: outside }]),
        Error,
        `Cannot store output 'big.bin' in journal store '${path}.files'`,
      );
      await Deno.remove(outside);
      assertEquals([...Deno.readDirSync(journal.filesDir)].length, 0);
      journal.close();
    } finally {
      await fs.unmount();
    }
  },
});

Deno.test({
  name: "Journal.open() fails naming the path on a read-only file system",
  ignore: !canMount,
  async fn() {
    const fs = (await mountTmpfs(1024))!;
    try {
      const path = `${fs.dir}/ro.db`;
      const journal = Journal.open(path);
      journal.beginRun("flow.1");
      journal.close();
      await Deno.writeTextFile(`${fs.dir}/out.txt`, "data");
      assert(await remountReadOnly(fs.dir));
      const e = assertThrows(() => {
        const j = Journal.open(path);
        try {
          j.beginRun("flow.2");
        } finally {
          j.close();
        }
      }, Error);
      assertStringIncludes(e.message, path);
      const e2 = assertThrows(() => Journal.open(`${fs.dir}/new.db`), Error);
      assertStringIncludes(e2.message, `${fs.dir}/new.db`);
    } finally {
      await fs.unmount();
    }
  },
});

Deno.test("Journal.storeOutputs() and restoreOutputs() keep files byte for byte in a content store", async () => {
  await withDir(async (dir) => {
    const journal = Journal.open(`${dir}/run.db`);
    const box = `${dir}/box`;
    await Deno.mkdir(`${box}/sub`, { recursive: true });
    const bytes = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i += 65536) {
      crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + 65536)));
    }
    await Deno.writeFile(`${box}/big.bin`, bytes);
    await Deno.writeTextFile(`${box}/sub/small.txt`, "small");
    await Deno.writeTextFile(`${box}/copy.txt`, "small");
    const stored = await journal.storeOutputs([
      { name: "big.bin", path: `${box}/big.bin` },
      { name: "sub/small.txt", path: `${box}/sub/small.txt` },
      { name: "copy.txt", path: `${box}/copy.txt` },
    ]);
    if (stored === undefined) throw new Error("expected the outputs to be stored");
    assertEquals(stored.map((s) => [s.name, s.size]), [
      ["big.bin", bytes.length],
      ["sub/small.txt", 5],
      ["copy.txt", 5],
    ]);
    assertEquals(stored[1]!.sha256, stored[2]!.sha256); // same content, one file
    const inStore = [...Deno.readDirSync(journal.filesDir)].map((e) => e.name).sort();
    assertEquals(inStore, [stored[0]!.sha256, stored[1]!.sha256].sort());

    // recorded with the outcome, restored on a hit
    const run = journal.beginRun("flow.1");
    journal.stage(run, done(keyOf("o", 1), "made files", { outputs: stored }));
    journal.commit();
    const hit = journal.lookup(keyOf("o", 1))!;
    assertEquals(hit.outputs, stored);
    const box2 = `${dir}/box2`;
    await journal.restoreOutputs(hit.outputs!, box2);
    assertEquals(await Deno.readFile(`${box2}/big.bin`), bytes);
    assertEquals(await Deno.readTextFile(`${box2}/sub/small.txt`), "small");
    // a copy: writing to it leaves the store alone
    await Deno.writeTextFile(`${box2}/copy.txt`, "changed");
    assertEquals(await Deno.readTextFile(`${journal.filesDir}/${stored[2]!.sha256}`), "small");
    // restoring over an existing file replaces it
    await journal.restoreOutputs(hit.outputs!, box2);
    assertEquals(await Deno.readTextFile(`${box2}/copy.txt`), "small");
    // no temporary files are left behind
    assert(![...Deno.readDirSync(journal.filesDir)].some((e) => e.name.startsWith(".tmp")));
    journal.close();
  });
});

Deno.test("Journal.storeOutputs() returns undefined when an output is missing or not a file", async () => {
  await withDir(async (dir) => {
    const journal = Journal.open(`${dir}/run.db`);
    assertEquals(await journal.storeOutputs([{ name: "x", path: `${dir}/missing` }]), undefined);
    await Deno.mkdir(`${dir}/d`);
    assertEquals(await journal.storeOutputs([{ name: "d", path: `${dir}/d` }]), undefined);
    journal.close();
  });
});

Deno.test("Journal.restoreOutputs() throws when a stored file is gone or a name leaves the sandbox", async () => {
  await withDir(async (dir) => {
    const journal = Journal.open(`${dir}/run.db`);
    await Deno.writeTextFile(`${dir}/a.txt`, "a");
    const [a] = (await journal.storeOutputs([{ name: "a.txt", path: `${dir}/a.txt` }]))!;
    await assertRejects(
      () => journal.restoreOutputs([{ ...a!, name: "../escape.txt" }], `${dir}/box`),
      Error,
      "Cannot restore output '../escape.txt' as it would leave the sandbox",
    );
    await Deno.remove(`${journal.filesDir}/${a!.sha256}`);
    await assertRejects(
      () => journal.restoreOutputs([a!], `${dir}/box`),
      Error,
      "Cannot restore output 'a.txt' from journal store",
    );
    journal.close();
  });
});

Deno.test("Journal.runs() lists runs with their counts, counting runs that did not end", async () => {
  await withDir((dir) => {
    const journal = Journal.open(`${dir}/run.db`);
    const r1 = journal.beginRun("flow.one");
    journal.stage(r1, done(keyOf("r", 1), 1));
    journal.stage(r1, { ...done(keyOf("r", 2), 1), state: "FAILED", error: new Error("x") });
    journal.commit();
    journal.endRun(r1, { done: 1, failed: 1, cancelled: 0, cached: 0 });
    const r2 = journal.beginRun("flow.two");
    const hit = journal.lookup(keyOf("r", 1))!;
    journal.stage(r2, done(keyOf("r", 1), undefined, { cached: true, source: hit.id }));
    journal.stage(r2, {
      ...done(undefined as unknown as string, 1),
      key: undefined,
      state: "CANCELLED",
    });
    journal.commit();
    const runs = journal.runs();
    assertEquals(runs.map((r) => [r.id, r.engine]), [[r1, "flow.one"], [r2, "flow.two"]]);
    assertEquals(runs[0]!.counts, { done: 1, failed: 1, cancelled: 0, cached: 0 });
    assert(runs[0]!.ended! >= runs[0]!.started);
    assertEquals(runs[1]!.ended, undefined);
    assertEquals(runs[1]!.counts, { done: 1, failed: 0, cancelled: 1, cached: 1 });
    assertEquals(runs[1]!.pid, Deno.pid);
    assertEquals(
      journal.tasks({ run: r2 }).map((t) => [t.state, t.cached, t.key, t.uid]).sort(),
      [
        ["CANCELLED", false, undefined, "task.000001"],
        ["DONE", true, keyOf("r", 1), "task.000001"],
      ],
    );
    assertEquals(journal.tasks({ state: "FAILED" }).length, 1);
    assertThrows(
      () => journal.tasks({ state: "LOST" as "DONE" }),
      TypeError,
      "Cannot list tasks as 'state' must be DONE, FAILED or CANCELLED",
    );
    journal.close();
  });
});

Deno.test("Journal.lookupMany() answers like lookup() for each key, in one query", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/run.db`;
    const writer = Journal.open(path);
    const run = writer.beginRun("flow.1");
    for (let i = 0; i < 100; i++) {
      writer.stage(run, done(keyOf("m", i), i % 3 === 0 ? { n: i } : `v${i}`));
    }
    writer.stage(run, { ...done(keyOf("m", 100), undefined), state: "FAILED" });
    writer.stage(run, done(keyOf("m", 5), "newer"));
    writer.commit();
    const outputs = [{ name: "o.txt", sha256: "a".repeat(64), size: 1 }];
    writer.stage(run, done(keyOf("m", 7), "with outputs", { outputs }));
    writer.commit();
    writer.close();
    await Promise.resolve();
    for (const journal of [Journal.open(path), Journal.open(path)]) {
      const keys = [
        ...Array.from({ length: 101 }, (_, i) => keyOf("m", i)),
        keyOf("none", 1),
        keyOf("m", 5), // asked twice
      ];
      const many = journal.lookupMany(keys);
      assertEquals(many.length, keys.length);
      keys.forEach((k, i) => assertEquals(many[i], journal.lookup(k), `key ${i}`));
      assertEquals(many[5]?.value, "newer");
      assertEquals(many[102]?.value, "newer");
      assert(many[5]!.value !== undefined && many[102] !== many[5]);
      assertEquals(many[7]?.outputs, outputs);
      assertEquals(many[100], undefined);
      assertEquals(many[101], undefined);
      assertEquals(journal.lookupMany([]), []);
      journal.close();
    }
  });
});

Deno.test("Journal.lookup() of a fresh journal asks SQLite only for its own keys, and sees other connections' records", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/fresh.db`;
    const a = Journal.open(path);
    const ra = a.beginRun("flow.a");
    assertEquals(a.lookup(keyOf("f", 1)), undefined);
    a.stage(ra, done(keyOf("f", 1), "mine"));
    a.commit();
    assertEquals(a.lookup(keyOf("f", 1))?.value, "mine"); // its own commit
    await Promise.resolve();
    // another connection commits: a must see it
    const b = Journal.open(path);
    const rb = b.beginRun("flow.b");
    b.stage(rb, done(keyOf("f", 2), "theirs"));
    b.commit();
    await Promise.resolve();
    assertEquals(a.lookup(keyOf("f", 2))?.value, "theirs");
    assertEquals(a.lookupMany([keyOf("f", 2), keyOf("f", 1)]).map((h) => h?.value), [
      "theirs",
      "mine",
    ]);
    a.close();
    b.close();
  });
});

Deno.test("Journal.commit() splits many records and runs into batches that read back whole", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/big.db`;
    const journal = Journal.open(path);
    const r1 = journal.beginRun("flow.1"), r2 = journal.beginRun("flow.2");
    const n = 10_000; // more than one batch
    for (let i = 0; i < n; i++) {
      const run = i % 3 === 0 ? r2 : r1;
      const value = i % 5 === 0 ? { i, list: [i, "x\ty\nz"] } : i % 7 === 0 ? `s\t${i}\\` : i;
      journal.stage(
        run,
        done(keyOf("b", i), value, { uid: `task.${i}`, name: i % 2 ? "odd\tname" : "even" }),
      );
    }
    assertEquals(journal.staged, n);
    journal.commit();
    journal.close();
    await Promise.resolve();
    const again = Journal.open(path);
    const hits = again.lookupMany(Array.from({ length: n }, (_, i) => keyOf("b", i)));
    for (let i = 0; i < n; i++) {
      const want = i % 5 === 0 ? { i, list: [i, "x\ty\nz"] } : i % 7 === 0 ? `s\t${i}\\` : i;
      assertEquals(hits[i]?.value, want, `record ${i}`);
    }
    assertEquals(again.lookup(keyOf("b", 9999))?.value, 9999);
    assertEquals(again.tasks({ run: r2, limit: n }).length, Math.ceil(n / 3));
    const odd = again.tasks({ name: "odd\tname", limit: n });
    assertEquals(odd.length, n / 2);
    assertEquals(odd[0]?.name, "odd\tname");
    assertEquals(again.tasks({ uid: "task.42" })[0]?.key, keyOf("b", 42));
    const ids = again.tasks({ limit: n }).map((t) => t.id);
    assertEquals(ids.length, n);
    assertEquals(new Set(ids).size, n);
    assertEquals(Math.min(...ids), 1);
    assertEquals(Math.max(...ids), n);
    again.close();
  });
});

Deno.test("Journal.stage() throws TypeError on a key that is not 64 hex characters, and on an unknown state", async () => {
  await withDir((dir) => {
    const journal = Journal.open(`${dir}/run.db`);
    const run = journal.beginRun("flow.1");
    assertThrows(
      () => journal.stage(run, done("abc\tdef", 1)),
      TypeError,
      "Cannot stage journal record as 'key' must be 64 lowercase hex characters",
    );
    assertThrows(
      () => journal.stage(run, { ...done(keyOf("x", 1), 1), state: "LOST" as "DONE" }),
      TypeError,
      "Cannot stage journal record as 'state' or 'kind' is unknown",
    );
    assertEquals(journal.staged, 0);
    journal.close();
  });
});
