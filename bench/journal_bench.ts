/**
 * The journal's per-task costs, no-op tasks (a function with 0–3 primitive
 * arguments): what the engine pays on top of running a task when a journal
 * is set.
 *
 * - `key`: `taskKey()` for one task (the definition hashed once, outside).
 * - `first run`: per 1000 tasks — key, lookup (a miss: free in a fresh
 *   journal), stage, and one commit (the engine commits once per flush); the
 *   journal grows by 1000 records per iteration, and a commit's cost per
 *   record grows with it (random keys land on index pages all over).
 * - `second run`: per 1000 tasks — key, lookup (a hit, value decoded),
 *   stage a hit record, one commit.
 * - `lookup`: one lookup, hit or miss, in a journal of 100k records opened
 *   again (so misses go to SQLite); and `lookupMany` of 1000 keys.
 *
 * At module load it also prints the journal's size per recorded no-op task
 * (file size over records, WAL checkpointed). Run with
 * `deno bench -A bench/journal_bench.ts`.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { keyDefinition, type KeyResult, taskKey } from "../src/journal/key.ts";
import { Journal } from "../src/journal/store.ts";

const RECORDS = 100_000;
const BATCH = 1000;
const dir = await Deno.makeTempDir({ prefix: "journal_bench_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const noop = keyDefinition({ kind: "function", fn: function noop(..._args: unknown[]) {} });
const sync = (r: KeyResult | Promise<KeyResult>) => r as KeyResult;

for (
  const [label, args] of [
    ["0 args", []],
    ["1 arg", [42]],
    ["3 args", [42, "sample-0007", true]],
  ] as const
) {
  Deno.bench({
    name: `taskKey(), ${label}`,
    group: "key",
    baseline: label === "0 args",
    fn() {
      sync(taskKey(noop, { args: args as readonly unknown[] }));
    },
  });
}

/** A journal holding `n` DONE no-op records (keys of args [0], [1], …). */
function filled(path: string, n: number): { journal: Journal; run: number } {
  const journal = Journal.open(path);
  const run = journal.beginRun("flow.bench");
  for (let i = 0; i < n; i++) {
    const { key, parts } = sync(taskKey(noop, { args: [i] }));
    journal.stage(run, {
      key,
      parts,
      uid: "task.000001",
      name: "noop",
      kind: "function",
      state: "DONE",
      value: undefined,
    });
    if (i % BATCH === BATCH - 1) journal.commit();
  }
  journal.commit();
  return { journal, run };
}

// size per recorded no-op task
{
  const path = `${dir}/size.db`;
  const { journal } = filled(path, RECORDS);
  journal.close();
  const db = new DatabaseSync(path);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  let bytes = 0;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      bytes += Deno.statSync(path + suffix).size;
    } catch {
      // not there
    }
  }
  console.log(
    `journal size: ${
      (bytes / RECORDS).toFixed(1)
    } bytes per recorded no-op task (1 arg; ${RECORDS} records, ${bytes} bytes)`,
  );
}

{
  // first run: every lookup misses, every outcome is recorded
  const { journal, run } = filled(`${dir}/first.db`, 0);
  let next = 1_000_000_000;
  Deno.bench({
    name: "key + lookup (miss) + stage + commit, per 1000 tasks",
    group: "first run",
    baseline: true,
    fn() {
      for (let i = 0; i < BATCH; i++) {
        const { key, parts } = sync(taskKey(noop, { args: [next++] }));
        if (journal.lookup(key) !== undefined) throw new Error("unexpected hit");
        journal.stage(run, {
          key,
          parts,
          uid: "task.000001",
          name: "noop",
          kind: "function",
          state: "DONE",
          value: undefined,
        });
      }
      journal.commit();
    },
  });
  Deno.bench({
    name: "stage + commit only, per 1000 tasks",
    group: "first run",
    fn() {
      for (let i = 0; i < BATCH; i++) {
        const { key, parts } = sync(taskKey(noop, { args: [next++] }));
        journal.stage(run, {
          key,
          parts,
          uid: "task.000001",
          name: "noop",
          kind: "function",
          state: "DONE",
          value: undefined,
        });
      }
      journal.commit();
    },
  });
}

{
  // second run: every lookup hits (a journal opened again, as a later run does)
  filled(`${dir}/second.db`, RECORDS).journal.close();
  const journal = Journal.open(`${dir}/second.db`);
  const run = journal.beginRun("flow.second");
  let i = 0;
  Deno.bench({
    name: "key + lookup (hit) + stage a hit record + commit, per 1000 tasks",
    group: "second run",
    baseline: true,
    fn() {
      for (let b = 0; b < BATCH; b++) {
        const { key } = sync(taskKey(noop, { args: [i++ % RECORDS] }));
        const hit = journal.lookup(key);
        if (hit === undefined) throw new Error("unexpected miss");
        journal.stage(run, {
          key,
          uid: "task.000001",
          name: "noop",
          kind: "function",
          state: "DONE",
          cached: true,
        });
      }
      journal.commit();
    },
  });
  Deno.bench({
    name: "key + lookupMany (hit) + stage hit records + commit, per 1000 tasks",
    group: "second run",
    fn() {
      const keys: string[] = new Array(BATCH);
      for (let b = 0; b < BATCH; b++) keys[b] = sync(taskKey(noop, { args: [i++ % RECORDS] })).key;
      const hits = journal.lookupMany(keys);
      for (let b = 0; b < BATCH; b++) {
        const hit = hits[b];
        if (hit === undefined) throw new Error("unexpected miss");
        journal.stage(run, {
          key: keys[b],
          uid: "task.000001",
          name: "noop",
          kind: "function",
          state: "DONE",
          cached: true,
          source: hit.id,
        });
      }
      journal.commit();
    },
  });
  Deno.bench({
    name: "key + lookup (hit), nothing recorded, per 1000 tasks",
    group: "second run",
    fn() {
      for (let b = 0; b < BATCH; b++) {
        const { key } = sync(taskKey(noop, { args: [i++ % RECORDS] }));
        if (journal.lookup(key) === undefined) throw new Error("unexpected miss");
      }
    },
  });

  const hitKeys = Array.from(
    { length: 1000 },
    (_, k) => sync(taskKey(noop, { args: [k * 97] })).key,
  );
  const missKeys = Array.from(
    { length: 1000 },
    (_, k) => sync(taskKey(noop, { args: [-k - 1] })).key,
  );
  let h = 0, m = 0;
  Deno.bench({
    name: "lookup, a hit (100k records)",
    group: "lookup",
    baseline: true,
    fn() {
      journal.lookup(hitKeys[h++ % 1000]!);
    },
  });
  Deno.bench({
    name: "lookupMany, 1000 hits (100k records), per 1000 keys",
    group: "lookup",
    n: 200,
    fn() {
      journal.lookupMany(hitKeys);
    },
  });
  Deno.bench({
    name: "lookup, a miss (100k records)",
    group: "lookup",
    fn() {
      journal.lookup(missKeys[m++ % 1000]!);
    },
  });
}
