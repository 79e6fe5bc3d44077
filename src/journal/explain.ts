/**
 * Reading a journal: its runs, its task records by state, and — for a task
 * that ran again — which part of its key changed against the latest earlier
 * record with the same name ("argument 1 changed", "InputFile data.csv:
 * mtime changed", "function source changed", "dependency 'prepare' changed
 * (argument 1)" followed by why that dependency changed, down to the root).
 *
 * @module
 */
import type { DefinitionParts, InputPart, KeyParts } from "./key.ts";
import { Journal } from "./store.ts";
import type { RunInfo, TaskFilter, TaskInfo } from "./types.ts";

/** An open journal, or the path of one (opened for the call, never created). */
export type JournalSource = Journal | string | URL;

function using<T>(source: JournalSource, fn: (journal: Journal) => T): T {
  if (source instanceof Journal) return fn(source);
  const journal = Journal.open(source, { create: false });
  try {
    return fn(journal);
  } finally {
    journal.close();
  }
}

/** Which component of a key a {@link Change} is about. */
export type ChangedPart =
  | "kind"
  | "function"
  | "module"
  | "arguments"
  | "argument"
  | "dependency"
  | "command"
  | "messages"
  | "prompt"
  | "env"
  | "cwd"
  | "input"
  | "key";

/** One difference between two records' keys. */
export interface Change {
  /** The component. */
  readonly part: ChangedPart;
  /** The sentence: "argument 1 changed", "InputFile data.csv: mtime changed"… */
  readonly text: string;
  /** The argument (1 for the first), for `argument` and `dependency`. */
  readonly argument?: number;
  /** The dependency's name, for `dependency`. */
  readonly dependency?: string;
  /** The file name, for `input`. */
  readonly file?: string;
  /** Why the dependency changed (its own changes), for `dependency`. */
  readonly because?: readonly Change[];
}

/** What {@link explainTask} found. */
export interface Explanation {
  /** The record explained (the latest that matches), if any. */
  readonly task: TaskInfo | undefined;
  /** The latest earlier record with the same name and a different key, if any. */
  readonly previous: TaskInfo | undefined;
  /** What changed from `previous` to `task`. */
  readonly changes: readonly Change[];
  /** The explanation as sentences (nested causes indented by two spaces per level). */
  readonly sentences: readonly string[];
}

/** Options of {@link explainTask}. */
export interface ExplainOptions {
  /** Look for the task in this run only. */
  readonly run?: number | undefined;
  /** How many levels of dependencies to follow to a root cause. @default {20} */
  readonly depth?: number | undefined;
}

/**
 * The runs a journal recorded, oldest first.
 *
 * @param journal an open journal, or its path
 * @returns its runs
 * @throws {Error} when the path is not a journal (the message names it)
 */
export function listRuns(journal: JournalSource): RunInfo[] {
  return using(journal, (j) => j.runs());
}

/**
 * Task records, newest first, filtered by run, state, name, uid or key.
 *
 * @param journal an open journal, or its path
 * @param filter which ones (at most `limit`, default 1000)
 * @returns the records
 * @throws {Error} when the path is not a journal (the message names it)
 */
export function listTasks(journal: JournalSource, filter: TaskFilter = {}): TaskInfo[] {
  return using(journal, (j) => j.tasks(filter));
}

const KEY = /^[0-9a-f]{64}$/;
const UID = /^(task|block)\.\d+$/;

/**
 * Says why a task ran again: finds its latest record (by key, uid — in the
 * latest run that has it, or in `options.run` — or name), the latest earlier
 * record with the same name and a different key, and compares what their
 * keys were computed from. A changed dependency is followed to the change
 * that caused it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { explainTask, Journal, keyDefinition, type KeyResult, taskKey } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const journal = Journal.open(`${dir}/run.db`);
 * const def = keyDefinition({ kind: "function", fn: function square(x: number) { return x * x; } });
 * for (const x of [2, 3]) {
 *   const run = journal.beginRun(`flow.${x}`);
 *   const { key, parts } = taskKey(def, { args: [x] }) as KeyResult;
 *   journal.stage(run, { key, parts, uid: "task.000001", name: "square", kind: "function", state: "DONE", value: x * x });
 *   journal.commit();
 * }
 * assertEquals(explainTask(journal, "square").sentences, ["argument 1 changed"]);
 * journal.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param journal an open journal, or its path
 * @param task a key (64 hex characters), a uid (`task.000012`) or a task name
 * @param options see {@link ExplainOptions}
 * @returns the explanation
 * @throws {Error} when the path is not a journal (the message names it)
 */
export function explainTask(
  journal: JournalSource,
  task: string,
  options: ExplainOptions = {},
): Explanation {
  return using(journal, (j) => explain(j, task, options));
}

function explain(journal: Journal, task: string, options: ExplainOptions): Explanation {
  const filter: TaskFilter = KEY.test(task)
    ? { key: task }
    : UID.test(task)
    ? { uid: task, run: options.run }
    : { name: task, run: options.run };
  const found = journal.tasks({ ...filter, limit: 1 })[0];
  if (found === undefined) {
    return {
      task: undefined,
      previous: undefined,
      changes: [],
      sentences: [`no record of '${task}'`],
    };
  }
  if (found.key === undefined) {
    return {
      task: found,
      previous: undefined,
      changes: [],
      sentences: [
        `'${found.name}' (${found.uid}) has no key: it ended before it was ready${
          found.note ? ` (${found.note})` : ""
        }`,
      ],
    };
  }
  if (found.cached) {
    return {
      task: found,
      previous: undefined,
      changes: [],
      sentences: [
        `'${found.name}' completed from the journal (record ${
          found.source ?? "unknown"
        }): it did not run`,
      ],
    };
  }
  const previous = journal.tasks({
    name: found.name,
    before: found.id,
    otherKey: found.key,
    limit: 1,
  })[0];
  if (previous === undefined) {
    return { task: found, previous, changes: [], sentences: sameKey(journal, found) };
  }
  const now = journal.partsOf(found), then = journal.partsOf(previous);
  const changes = now === undefined || then === undefined
    ? [{ part: "key", text: "key changed (what it was computed from is not recorded)" } as Change]
    : diffParts(journal, then, now, options.depth ?? 20);
  return { task: found, previous, changes, sentences: render(changes, 0) };
}

/** Why a task whose key did not change ran again (or that it did not). */
function sameKey(journal: Journal, task: TaskInfo): string[] {
  const earlier = journal.tasks({ key: task.key, before: task.id, limit: 1 })[0];
  if (earlier === undefined) {
    const other = journal.tasks({ name: task.name, before: task.id, limit: 1 })[0];
    return other === undefined
      ? [`no earlier record of '${task.name}'`]
      : [`no earlier record of '${task.name}' with a key`];
  }
  if (earlier.state !== "DONE") {
    return [
      `key unchanged; the earlier record (${earlier.id}, run ${earlier.run}) ended ${earlier.state}${
        earlier.note ? ` (${earlier.note})` : ""
      }: failed and cancelled outcomes are never reused`,
    ];
  }
  if (!earlier.hasValue) {
    return [
      `key unchanged; the earlier record (${earlier.id}, run ${earlier.run}) has no value${
        earlier.note ? ` (${earlier.note})` : ""
      }`,
    ];
  }
  return [
    `key unchanged; the earlier record (${earlier.id}, run ${earlier.run}) has a value: the task ran with cache: false, or while that record was not yet committed`,
  ];
}

/**
 * What changed from `then` to `now`, one {@link Change} per component.
 *
 * @param journal the journal (to follow changed dependencies)
 * @param then the earlier parts
 * @param now the later parts
 * @param depth levels of dependencies still to follow
 * @returns the changes (empty when the parts are equal)
 */
export function diffParts(
  journal: Journal | undefined,
  then: KeyParts,
  now: KeyParts,
  depth = 20,
): Change[] {
  const out: Change[] = [];
  diffDef(then.def, now.def, out);
  const n = Math.min(then.args.length, now.args.length);
  if (then.args.length !== now.args.length) {
    out.push({
      part: "arguments",
      text: `number of arguments changed (${then.args.length} → ${now.args.length})`,
    });
  }
  for (let i = 0; i < n; i++) {
    if (then.args[i] === now.args[i]) continue;
    const before = then.deps?.[i] ?? [], after = now.deps?.[i] ?? [];
    const sameNames = before.length === after.length &&
      before.every((b, j) => b.name === after[j]!.name);
    const changedDeps: Change[] = [];
    for (let j = 0; j < after.length; j++) {
      const d = after[j]!;
      // the same dependencies in the same places: pair them by place, else by name
      const old = sameNames ? before[j] : before.find((b) => b.name === d.name);
      if (old === undefined || old.key === d.key) continue;
      const because = depth > 0 && journal !== undefined
        ? dependencyChanges(journal, old.key, d.key, depth - 1)
        : undefined;
      changedDeps.push({
        part: "dependency",
        text: `dependency '${d.name}' changed (argument ${i + 1})`,
        argument: i + 1,
        dependency: d.name,
        ...(because !== undefined ? { because } : {}),
      });
    }
    if (changedDeps.length !== 0 && sameNames) out.push(...changedDeps);
    else {
      out.push({ part: "argument", text: `argument ${i + 1} changed`, argument: i + 1 });
      out.push(...changedDeps);
    }
  }
  if (then.command !== now.command) out.push({ part: "command", text: "command changed" });
  if (then.messages !== now.messages) out.push({ part: "messages", text: "messages changed" });
  diffInputs(then.inputs ?? [], now.inputs ?? [], out);
  return out;
}

function diffDef(a: DefinitionParts, b: DefinitionParts, out: Change[]): void {
  if (a.kind !== b.kind) out.push({ part: "kind", text: `kind changed (${a.kind} → ${b.kind})` });
  if (a.fnName !== b.fnName) {
    out.push({
      part: "function",
      text: `function name changed ('${a.fnName}' → '${b.fnName}')`,
    });
  }
  if (a.fn !== b.fn) out.push({ part: "function", text: "function source changed" });
  if (a.module !== b.module) {
    out.push({
      part: "module",
      text: `function module changed (${a.module ?? "none"} → ${b.module ?? "none"})`,
    });
  }
  if (a.prompt !== b.prompt) out.push({ part: "prompt", text: "prompt options changed" });
  if (a.env !== b.env) out.push({ part: "env", text: "env changed" });
  if (a.cwd !== b.cwd) {
    out.push({
      part: "cwd",
      text: `cwd changed (${a.cwd ?? "unset"} → ${b.cwd ?? "unset"})`,
    });
  }
}

function diffInputs(a: readonly InputPart[], b: readonly InputPart[], out: Change[]): void {
  const key = (f: InputPart) => f.file;
  const before = new Map(a.map((f) => [key(f), f]));
  const seen = new Set<string>();
  for (const f of b) {
    seen.add(key(f));
    const old = before.get(key(f));
    const say = (what: string) =>
      out.push({ part: "input", text: `InputFile ${f.file}: ${what}`, file: f.file });
    if (old === undefined) {
      say("added");
      continue;
    }
    if (old.path !== f.path && old.producer === undefined && f.producer === undefined) {
      say(`path changed (${old.path} → ${f.path})`);
      continue;
    }
    if ((old.producer === undefined) !== (f.producer === undefined)) {
      say(
        f.producer !== undefined
          ? "now produced by a dependency"
          : "no longer produced by a dependency",
      );
      continue;
    }
    if (f.producer !== undefined) {
      if (old.producer !== f.producer) say("its producer changed");
      continue;
    }
    if (old.missing !== f.missing) {
      say(f.missing ? "missing" : "no longer missing");
      continue;
    }
    if (old.sha256 !== undefined && f.sha256 !== undefined) {
      if (old.sha256 !== f.sha256) say("content changed");
      continue;
    }
    if ((old.sha256 === undefined) !== (f.sha256 === undefined)) {
      say(
        f.sha256 !== undefined
          ? 'now hashed by content (cache: "deep")'
          : "no longer hashed by content",
      );
      continue;
    }
    const what: string[] = [];
    if (old.size !== f.size) what.push("size");
    if (old.mtime !== f.mtime) what.push("mtime");
    if (what.length !== 0) say(`${what.join(" and ")} changed`);
  }
  for (const f of a) {
    if (!seen.has(key(f))) {
      out.push({ part: "input", text: `InputFile ${f.file}: removed`, file: f.file });
    }
  }
}

/** Why a dependency's key changed from `oldKey` to `newKey` (empty when not recorded). */
function dependencyChanges(
  journal: Journal,
  oldKey: string,
  newKey: string,
  depth: number,
): Change[] | undefined {
  const a = journal.tasks({ key: oldKey, limit: 1 })[0];
  const b = journal.tasks({ key: newKey, limit: 1 })[0];
  if (a === undefined || b === undefined) return undefined;
  const then = journal.partsOf(a), now = journal.partsOf(b);
  if (then === undefined || now === undefined) return undefined;
  return diffParts(journal, then, now, depth);
}

/**
 * The sentences of `changes`, nested causes indented. Identical changes
 * (the same sentence with the same causes, e.g. 24 dependencies that changed
 * for the same reason) are said once, with a count.
 */
function render(changes: readonly Change[], level: number): string[] {
  const pad = "  ".repeat(level);
  const groups = new Map<string, { first: string; count: number; because: string[] }>();
  for (const c of changes) {
    const because = c.because === undefined ? [] : render(c.because, level + 1);
    const id = c.text + "\n" + because.join("\n");
    const g = groups.get(id);
    if (g === undefined) groups.set(id, { first: c.text, count: 1, because });
    else g.count++;
  }
  const out: string[] = [];
  for (const g of groups.values()) {
    out.push(pad + g.first + (g.count > 1 ? ` (and ${g.count - 1} more like it)` : ""));
    out.push(...g.because);
  }
  return out;
}
