/**
 * Durable runs: the building blocks of the engine's journal.
 *
 * - {@link canonicalBytes} — the canonical form of task arguments;
 * - {@link keyDefinition} and {@link taskKey} — task keys (a Merkle DAG of
 *   hex SHA-256s) and the parts they were computed from;
 * - {@link Journal} — the `node:sqlite` file (WAL) that records runs and
 *   outcomes, answers lookups, and keeps `OutputFile`s in a content store;
 * - {@link listRuns}, {@link listTasks}, {@link explainTask} — reading it, and
 *   saying why a task ran again.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Journal, keyDefinition, type KeyResult, taskKey } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const def = keyDefinition({ kind: "function", fn: function add(a: number, b: number) { return a + b; } });
 * const { key, parts } = taskKey(def, { args: [1, 2] }) as KeyResult;
 *
 * const journal = Journal.open(`${dir}/run.db`);
 * const run = journal.beginRun("flow.0000abcd");
 * assertEquals(journal.lookup(key), undefined); // a miss: run the task
 * journal.stage(run, { key, parts, uid: "task.000001", name: "add", kind: "function", state: "DONE", value: 3 });
 * journal.commit(); // then settle the future
 * assertEquals(journal.lookup(key)?.value, 3); // the next run's hit
 * journal.endRun(run, { done: 1, failed: 0, cancelled: 0, cached: 0 });
 * journal.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export { canonicalBytes, DependencyRef, MAX_CANONICAL_DEPTH, type Resolver } from "./canonical.ts";
export {
  type DefinitionParts,
  type DependencyPart,
  hashFile,
  hashPath,
  type InputPart,
  KEY_FORMAT,
  KeyDefinition,
  keyDefinition,
  type KeyDefinitionInput,
  type KeyedKind,
  type KeyParts,
  type KeyResult,
  type Producer,
  taskKey,
  type TaskKeyInput,
} from "./key.ts";
export { Journal } from "./store.ts";
export {
  type Hit,
  JOURNAL_VERSION,
  type JournalOptions,
  MAX_NOTE,
  MAX_VALUE_BYTES,
  type RecordKind,
  type RecordState,
  type RunCounts,
  type RunInfo,
  type StoredOutput,
  type TaskFilter,
  type TaskInfo,
  type TaskRecord,
} from "./types.ts";
export {
  type Change,
  type ChangedPart,
  diffParts,
  type ExplainOptions,
  explainTask,
  type Explanation,
  type JournalSource,
  listRuns,
  listTasks,
} from "./explain.ts";
