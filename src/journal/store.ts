/**
 * The journal: a `node:sqlite` database (WAL mode) that records runs and
 * the outcome of every task by its key, and a content store beside it for
 * the `OutputFile`s of recorded tasks.
 *
 * ## How the engine uses it
 *
 * ```
 * open ─► beginRun ─► ( lookup(key) / lookupMany(keys) ─► hit: restoreOutputs, stage({ cached, source }), complete
 *                      │                                 └► miss: run the task
 *                      └ on an outcome: [storeOutputs] ─► stage(record) )*
 *                      commit() once per flush, before the futures of that flush settle
 *         endRun ─► close
 * ```
 *
 * `commit()` writes everything staged in one transaction and throws when it
 * cannot: the engine then shuts down with that error instead of pretending
 * the outcomes are durable. A process killed at any moment leaves the
 * database readable (SQLite's WAL) with every committed record in it.
 * (`synchronous = NORMAL`: a commit survives the process being killed; a
 * power cut may lose the last commits, never the file.)
 *
 * Lookups in one synchronous stretch share one read transaction. A journal
 * that held no record with a value when it was opened asks SQLite only for
 * keys it committed itself (a Bloom filter) until another connection
 * commits: the first run of a fresh journal pays nothing for its lookups.
 *
 * ## The file
 *
 * ```
 * meta   (k, v)                          format name and version
 * runs   (id, engine, started, ended, done, failed, cancelled, cached, pid, host)
 * defs   (id, parts)                     one row per task definition: KeyParts.def as JSON
 * tasks  (id, run, k, key, name, state, vt, value, meta, extra)
 *        index tasks_hit on (k) where vt > 0: only records that can be hits
 * hits   (id, run, time, data)           the hits of one commit: "uid<TAB>record id" lines
 * ```
 *
 * One row per outcome, kept narrow (binding a column costs more than
 * joining a string): `key` is the hex key, `k` its first 48 bits (a small
 * integer index); `vt` says how `value` is stored (0: no value — failed,
 * cancelled, or not serialisable; primitives natively; anything else as
 * `node:v8` bytes); `meta` is `uid<TAB>kind<TAB>def<TAB>time`; `extra` is
 * JSON `{ parts?, outputs?, note? }` when any is set (the per-task
 * {@link KeyParts}, the stored outputs, an error or why no value). Hits
 * (tasks completed from the journal) cost one row per commit, not one per
 * task. The SQLite header carries `application_id` 0x41464a4c ("AFJL") and
 * `user_version` = the format version: a file without them is not a journal.
 *
 * @module
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { deserialize, serialize } from "node:v8";
import { createHash } from "node:crypto";
import { dirname, isAbsolute, join, resolve as resolvePath, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { hostname } from "node:os";
import { capText, messageOf, safeString } from "../_text.ts";
import type { DefinitionParts, KeyParts } from "./key.ts";

/** Version of the journal's file format. */
export const JOURNAL_VERSION = 1;
const APPLICATION_ID = 0x41464a4c; // "AFJL"
const SQLITE_MAGIC = "SQLite format 3\0";

/** A task's final state, as recorded. */
export type RecordState = "DONE" | "FAILED" | "CANCELLED";
const STATE_CODE: Record<RecordState, number> = { DONE: 1, FAILED: 2, CANCELLED: 3 };
const STATE_NAME: readonly (RecordState | undefined)[] = [
  undefined,
  "DONE",
  "FAILED",
  "CANCELLED",
];
/** The kinds of task a record can have. */
export type RecordKind = "function" | "executable" | "prompt" | "block";
const KIND_CODE: Record<RecordKind, number> = { function: 1, executable: 2, prompt: 3, block: 4 };
const KIND_NAME: readonly (RecordKind | undefined)[] = [
  undefined,
  "function",
  "executable",
  "prompt",
  "block",
];

/** How a value is stored (`tasks.vt`). */
const VT = {
  NONE: 0,
  UNDEFINED: 1,
  NULL: 2,
  FALSE: 3,
  TRUE: 4,
  NUMBER: 5,
  STRING: 6,
  V8: 7,
} as const;

/** Most characters of an error's message (or another note) a record keeps. */
export const MAX_NOTE = 2000;
/** Keys per query in `lookupMany()`. */
const LOOKUP_BATCH = 1000;
/** Records per multi-row INSERT in `commit()`. */
const ROWS_PER_INSERT = 32;
/** Columns of one task row as `stage()` binds them. */
const COLS = 9;

/** An `OutputFile` in the content store. */
export interface StoredOutput {
  /** The `OutputFile`'s name (relative to the sandbox). */
  readonly name: string;
  /** SHA-256 of its content: its name in the store. */
  readonly sha256: string;
  /** Its size in bytes. */
  readonly size: number;
}

/** An outcome to record. */
export interface TaskRecord {
  /** The task's key; absent for a task that never got one (e.g. its dependency failed). */
  readonly key?: string | undefined;
  /** The task's uid in its engine. */
  readonly uid: string;
  /** The task's name. */
  readonly name: string;
  /** The task's kind. */
  readonly kind: RecordKind;
  /** Its final state. */
  readonly state: RecordState;
  /** The value (DONE): recorded when `node:v8` can serialise it. */
  readonly value?: unknown;
  /** A DONE task whose value must not be reused, and why (e.g. its outputs could not be stored). */
  readonly noValue?: string | undefined;
  /** The error (FAILED, CANCELLED): its name and message are kept. */
  readonly error?: unknown;
  /** The stored `OutputFile`s (DONE; see {@link Journal.storeOutputs}). */
  readonly outputs?: readonly StoredOutput[] | undefined;
  /** What the key was computed from (see `taskKey`). */
  readonly parts?: KeyParts | undefined;
  /**
   * The task completed from the journal (a hit): give the hit's record id
   * (`Hit.id`) as `source`. Only `uid` and `source` are kept (the rest is
   * the source record's), in one row per commit.
   */
  readonly cached?: boolean | undefined;
  /** For a hit: the id of the record it hit. */
  readonly source?: number | undefined;
  /** When it became final (ms since the epoch). @default {Date.now()} */
  readonly time?: number | undefined;
}

/** What {@link Journal.lookup} returns for a hit. */
export interface Hit {
  /** The record's id (give it as `source` when staging the hit). */
  readonly id: number;
  /** The recorded value (a fresh copy). */
  readonly value: unknown;
  /** The recorded `OutputFile`s, to restore with {@link Journal.restoreOutputs}. */
  readonly outputs: readonly StoredOutput[] | undefined;
}

/** Counts of a run. */
export interface RunCounts {
  /** Tasks DONE (cached ones included). */
  readonly done: number;
  /** Tasks FAILED. */
  readonly failed: number;
  /** Tasks CANCELLED. */
  readonly cancelled: number;
  /** Tasks completed from the journal. */
  readonly cached: number;
}

/** A recorded run. */
export interface RunInfo {
  /** The run's id (1, 2, … in the journal). */
  readonly id: number;
  /** The engine's uid. */
  readonly engine: string;
  /** When it began (ms since the epoch). */
  readonly started: number;
  /** When it ended; undefined while it runs, or when its process died. */
  readonly ended: number | undefined;
  /** Its counts (set when it ended; else counted from its records). */
  readonly counts: RunCounts;
  /** The process id. */
  readonly pid: number;
  /** The host name. */
  readonly host: string;
}

/** A recorded task outcome. */
export interface TaskInfo {
  /**
   * The record's id (increasing in the order outcomes were committed); for
   * a hit, the id of the record it hit.
   */
  readonly id: number;
  /** The run it belongs to. */
  readonly run: number;
  /** The task's key (hex), if it had one. */
  readonly key: string | undefined;
  /** The task's uid in its engine. */
  readonly uid: string;
  /** The task's name. */
  readonly name: string;
  /** Its kind. */
  readonly kind: RecordKind;
  /** Its final state. */
  readonly state: RecordState;
  /** Completed from the journal. */
  readonly cached: boolean;
  /** When it became final (ms since the epoch). */
  readonly time: number;
  /** Whether a value is recorded (a later task with the same key can hit it). */
  readonly hasValue: boolean;
  /** The error's `name: message` (FAILED, CANCELLED), or why no value was recorded. */
  readonly note: string | undefined;
  /** The recorded `OutputFile`s. */
  readonly outputs: readonly StoredOutput[] | undefined;
}

/** Which records {@link Journal.tasks} lists. */
export interface TaskFilter {
  /** Only this run's. */
  readonly run?: number | undefined;
  /** Only this state's. */
  readonly state?: RecordState | undefined;
  /** Only tasks of this name. */
  readonly name?: string | undefined;
  /** Only tasks of this uid. */
  readonly uid?: string | undefined;
  /** Only tasks of this key (hex). */
  readonly key?: string | undefined;
  /** Only records whose key differs from this one (and that have a key). */
  readonly otherKey?: string | undefined;
  /** Only records with an id below this one. */
  readonly before?: number | undefined;
  /** Most records returned, newest first. @default {1000} */
  readonly limit?: number | undefined;
}

/** Options of {@link Journal.open}. */
export interface JournalOptions {
  /** Create the file when it does not exist. @default {true} */
  readonly create?: boolean | undefined;
  /**
   * How long (ms) a write waits for another connection (engine or process)
   * that holds the database before it fails. @default {10000}
   */
  readonly busyTimeout?: number | undefined;
}

// No NOT NULL on tasks: with a constraint, SQLite (3.53) takes a slow path for the
// multi-row INSERT commit() uses — about 3x the time per row, measured.
const SCHEMA = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  engine TEXT NOT NULL,
  started REAL NOT NULL,
  ended REAL,
  done INTEGER, failed INTEGER, cancelled INTEGER, cached INTEGER,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL
);
CREATE TABLE defs (id INTEGER PRIMARY KEY, parts TEXT NOT NULL UNIQUE);
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  run INTEGER,
  k INTEGER,
  key TEXT,
  name TEXT,
  state INTEGER,
  vt INTEGER,
  value,
  meta TEXT,
  extra TEXT
);
CREATE INDEX tasks_hit ON tasks (k) WHERE vt > 0;
CREATE TABLE hits (id INTEGER PRIMARY KEY, run INTEGER NOT NULL, time REAL NOT NULL, data TEXT NOT NULL);
`;

const TASK_COLUMNS = "run, k, key, name, state, vt, value, meta, extra";
const ROW = "(" + new Array(COLS).fill("?").join(",") + ")";

/**
 * A journal file, open. One per engine (several may share a file: each
 * opens its own). Not safe to use after {@link Journal.close}.
 */
export class Journal {
  /** The journal's absolute path. */
  readonly path: string;
  /** The content store's directory (`<path>.files`). */
  readonly filesDir: string;
  readonly #db: DatabaseSync;
  readonly #lookup: StatementSync;
  readonly #lookupRow: (k: number, key: string) => SQLInputValue[] | undefined;
  readonly #lookupManyRows: (ks: string) => SQLInputValue[][];
  readonly #insertOne: StatementSync;
  readonly #insertMany: StatementSync;
  readonly #insertHits: StatementSync;
  /**
   * Staged rows in chunks of ROWS_PER_INSERT (COLS values per row, flat): each
   * full chunk is the parameter list of one multi-row INSERT as it is, and no
   * array grows with the number staged.
   */
  #chunks: SQLInputValue[][] = [];
  #chunk: SQLInputValue[] = [];
  #nStaged = 0;
  /** Staged hits by run: "uid<TAB>record id" lines. */
  #hits = new Map<number, string[]>();
  #nHits = 0;
  #defIds = new WeakMap<DefinitionParts, number>();
  #reading = false;
  #closed = false;
  /**
   * Whether a lookup can hit a record this connection did not write: false
   * while the journal held no record with a value when opened and no other
   * connection has committed since (`PRAGMA data_version`). While false, a
   * lookup asks SQLite only for keys in {@link Journal.#own} — a fresh
   * journal's first run pays no lookups.
   */
  #foreign = true;
  #dataVersion = 0;
  readonly #version: StatementSync;
  /** A Bloom filter of the keys this connection committed with a value (while `#foreign` is false). */
  #own: Uint32Array | undefined;
  readonly #endRead = () => this.#finishRead();

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.filesDir = path + ".files";
    this.#db = db;
    this.#version = db.prepare("PRAGMA data_version");
    this.#dataVersion = (this.#version.get() as { data_version: number }).data_version;
    if (db.prepare("SELECT 1 FROM tasks WHERE vt > 0 LIMIT 1").get() === undefined) {
      this.#foreign = false;
      this.#own = new Uint32Array(BLOOM_WORDS);
    }
    this.#lookup = db.prepare(
      // `extra` begins with the outputs when there are any: only then is it read
      `SELECT id, vt, value, CASE WHEN extra LIKE '{"outputs":%' THEN extra END AS x
       FROM tasks WHERE k = ? AND key = ? AND vt > 0 ORDER BY id DESC LIMIT 1`,
    );
    const many = db.prepare(
      `SELECT j.key AS i, t.id, t.key, t.vt, t.value,
         CASE WHEN t.extra LIKE '{"outputs":%' THEN t.extra END AS x
       FROM json_each(?) AS j JOIN tasks AS t ON t.k = j.value WHERE t.vt > 0`,
    );
    // rows as arrays where the runtime can (no object with named fields per lookup)
    const arrays = (st: StatementSync) => {
      const x = st as unknown as { setReturnArrays?: (on: boolean) => void };
      if (typeof x.setReturnArrays !== "function") return false;
      x.setReturnArrays(true);
      return true;
    };
    if (arrays(this.#lookup) && arrays(many)) {
      this.#lookupRow = (k, key) => this.#lookup.get(k, key) as unknown as SQLInputValue[];
      this.#lookupManyRows = (ks) => many.all(ks) as unknown as SQLInputValue[][];
    } else {
      this.#lookupRow = (k, key) => {
        const r = this.#lookup.get(k, key) as Record<string, SQLInputValue> | undefined;
        return r === undefined ? undefined : [r.id!, r.vt!, r.value ?? null, r.x ?? null];
      };
      this.#lookupManyRows = (ks) =>
        (many.all(ks) as Record<string, SQLInputValue>[]).map((r) => [
          r.i!,
          r.id!,
          r.key!,
          r.vt!,
          r.value ?? null,
          r.x ?? null,
        ]);
    }
    this.#insertOne = db.prepare(`INSERT INTO tasks (${TASK_COLUMNS}) VALUES ${ROW}`);
    this.#insertHits = db.prepare("INSERT INTO hits (run, time, data) VALUES (?, ?, ?)");
    this.#insertMany = db.prepare(
      `INSERT INTO tasks (${TASK_COLUMNS}) VALUES ${
        new Array(ROWS_PER_INSERT).fill(ROW).join(",")
      }`,
    );
  }

  /**
   * Opens (or creates) a journal. Refuses, naming the path and leaving the
   * file as it is: a path whose directory does not exist, a directory, a file
   * that is not a journal (not SQLite, or another application's database), a
   * journal of a newer format, and a file that cannot be opened for writing.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Journal } from "./store.ts";
   * const dir = await Deno.makeTempDir();
   * const journal = Journal.open(`${dir}/run.db`);
   * const run = journal.beginRun("flow.1234abcd");
   * journal.stage(run, { key: "ab".repeat(32), uid: "task.000001", name: "f", kind: "function", state: "DONE", value: 42 });
   * journal.commit();
   * assertEquals(journal.lookup("ab".repeat(32))?.value, 42);
   * journal.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @param path a file path or `file:` URL
   * @param options see {@link JournalOptions}
   * @returns the open journal
   * @throws {TypeError} when `path` is not a non-empty string or a `file:` URL
   * @throws {Error} when the file cannot be used as a journal; the message names the path
   */
  static open(path: string | URL, options: JournalOptions = {}): Journal {
    const abs = absolutePath(path);
    const create = options.create ?? true;
    const busy = options.busyTimeout ?? 10000;
    if (!Number.isInteger(busy) || busy < 0) {
      throw new RangeError(
        `Cannot open journal as 'busyTimeout' must be a non-negative integer: received ${
          safeString(busy)
        }`,
      );
    }
    const refuse = (why: string, cause?: unknown): never => {
      throw new Error(
        `Cannot open journal '${abs}' as ${why}`,
        cause === undefined ? undefined : { cause },
      );
    };
    let dirInfo: Deno.FileInfo | undefined;
    try {
      dirInfo = Deno.statSync(dirname(abs));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) refuse("its directory does not exist");
      refuse(`its directory cannot be read: ${messageOf(e)}`, e);
    }
    if (!dirInfo!.isDirectory) refuse("its parent is not a directory");
    let info: Deno.FileInfo | undefined;
    try {
      info = Deno.statSync(abs);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) refuse(`it cannot be read: ${messageOf(e)}`, e);
    }
    if (info === undefined && !create) refuse("it does not exist");
    if (info !== undefined) {
      if (!info.isFile) refuse("it is not a file");
      if (info.size > 0) {
        let head: string;
        try {
          head = readHead(abs);
        } catch (e) {
          return refuse(`it cannot be read: ${messageOf(e)}`, e);
        }
        if (head !== SQLITE_MAGIC) refuse("it is not a journal (not a SQLite database)");
      }
    }
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(abs);
    } catch (e) {
      return refuse(`it cannot be opened: ${messageOf(e)}`, e);
    }
    try {
      db.exec(`PRAGMA busy_timeout = ${busy}`);
      const appId = pragma(db, "application_id");
      const version = pragma(db, "user_version");
      if (appId === APPLICATION_ID) {
        if (version > JOURNAL_VERSION) {
          refuse(
            `it was written by a newer version of asyncflow (format ${version}; this one reads ${JOURNAL_VERSION})`,
          );
        }
      } else if (appId !== 0 || schemaObjects(db) !== 0) {
        refuse("it is not a journal (a SQLite database of another application)");
      }
      const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode?: string };
      if (mode?.journal_mode !== "wal") {
        refuse(`its file system does not support SQLite's WAL mode (got '${mode?.journal_mode}')`);
      }
      db.exec(
        "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; PRAGMA journal_size_limit = 67108864",
      );
      if (appId !== APPLICATION_ID) initialise(db);
      return new Journal(abs, db);
    } catch (e) {
      try {
        db.close();
      } catch {
        // closing a connection that failed to open
      }
      if (e instanceof Error && e.message.startsWith(`Cannot open journal '${abs}'`)) throw e;
      return refuse(`it cannot be used: ${messageOf(e)}`, e);
    }
  }

  /** Whether {@link Journal.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  // ------------------------------------------------------------------ runs

  /**
   * Records the start of a run (written at once).
   *
   * @param engineUid the engine's uid
   * @returns the run's id
   * @throws {Error} when the journal cannot be written; the message names the path
   */
  beginRun(engineUid: string): number {
    this.#finishRead();
    return this.#write("record the start of a run", () => {
      const r = this.#db.prepare(
        "INSERT INTO runs (engine, started, pid, host) VALUES (?, ?, ?, ?)",
      ).run(engineUid, Date.now(), Deno.pid, safeHostname());
      return Number(r.lastInsertRowid);
    });
  }

  /**
   * Records the end of a run and its counts (written at once).
   *
   * @param run the run's id
   * @param counts its counts
   * @throws {Error} when the journal cannot be written; the message names the path
   */
  endRun(run: number, counts: RunCounts): void {
    this.#finishRead();
    this.#write("record the end of a run", () => {
      this.#db.prepare(
        "UPDATE runs SET ended = ?, done = ?, failed = ?, cancelled = ?, cached = ? WHERE id = ?",
      ).run(Date.now(), counts.done, counts.failed, counts.cancelled, counts.cached, run);
    });
  }

  // ------------------------------------------------------------------ hits

  /**
   * The latest `DONE` record of `key` that has a value, if any. Lookups made
   * in one synchronous stretch share one read transaction (ended in a
   * microtask or by the next write).
   *
   * @param key a task key (64 hex characters)
   * @returns the hit, or undefined
   * @throws {Error} when the journal cannot be read; the message names the path
   */
  lookup(key: string): Hit | undefined {
    if (!this.#reading) this.#beginRead();
    if (!this.#foreign && !bloomHas(this.#own!, key)) return undefined;
    let row: SQLInputValue[] | undefined;
    try {
      row = this.#lookupRow(k48(key), key);
    } catch (e) {
      throw this.#error("read", e);
    }
    return row === undefined ? undefined : hitOf(row[0], row[1], row[2], row[3]);
  }

  /**
   * {@link Journal.lookup} for many keys in one query: a batch of tasks that
   * became ready together pays one round trip into SQLite instead of one
   * each (about half the cost per key).
   *
   * @param keys task keys (64 hex characters each)
   * @returns the hit or undefined for each key, in order
   * @throws {Error} when the journal cannot be read; the message names the path
   */
  lookupMany(keys: readonly string[]): (Hit | undefined)[] {
    const n = keys.length;
    const out: (Hit | undefined)[] = new Array(n).fill(undefined);
    if (n === 0) return out;
    if (!this.#reading) this.#beginRead();
    const own = this.#foreign ? undefined : this.#own;
    // json_each gives each k back with its index in the array: the rows say which key they answer
    const ks: (number | null)[] = new Array(Math.min(n, LOOKUP_BATCH));
    const best: (SQLInputValue[] | undefined)[] = [];
    for (let from = 0; from < n; from += LOOKUP_BATCH) {
      const to = Math.min(n, from + LOOKUP_BATCH);
      ks.length = to - from;
      let any = false;
      for (let i = from; i < to; i++) {
        const key = keys[i]!;
        if (own !== undefined && !bloomHas(own, key)) ks[i - from] = null;
        else {
          ks[i - from] = k48(key);
          any = true;
        }
      }
      if (!any) continue;
      let rows: SQLInputValue[][];
      try {
        rows = this.#lookupManyRows(JSON.stringify(ks));
      } catch (e) {
        throw this.#error("read", e);
      }
      // the newest row that matches a key is its hit
      best.length = to - from;
      best.fill(undefined);
      for (const row of rows) {
        const at = row[0] as number;
        if (row[2] !== keys[from + at]) continue; // another key with the same 48 bits
        const b = best[at];
        if (b === undefined || (b[1] as number) < (row[1] as number)) best[at] = row;
      }
      for (let i = 0; i < best.length; i++) {
        const row = best[i];
        if (row !== undefined) out[from + i] = hitOf(row[1], row[3], row[4], row[5]);
      }
    }
    return out;
  }

  #beginRead(): void {
    if (this.#closed) throw new Error(`Cannot use journal '${this.path}' as it is closed`);
    if (this.#db.isTransaction) return;
    try {
      this.#db.exec("BEGIN");
    } catch (e) {
      throw this.#error("read", e);
    }
    this.#reading = true;
    queueMicrotask(this.#endRead);
    if (!this.#foreign) this.#checkForeign();
  }

  /** Another connection committed since we last looked: its records may be hits. */
  #checkForeign(): void {
    let v: number;
    try {
      v = (this.#version.get() as { data_version: number }).data_version;
    } catch (e) {
      throw this.#error("read", e);
    }
    if (v !== this.#dataVersion) {
      this.#foreign = true;
      this.#own = undefined;
    }
  }

  #finishRead(): void {
    if (!this.#reading) return;
    this.#reading = false;
    if (this.#db.isTransaction) {
      try {
        this.#db.exec("COMMIT");
      } catch {
        // ending a read transaction cannot lose anything
      }
    }
  }

  // ------------------------------------------------------------------ writes

  /**
   * Stages an outcome for the next {@link Journal.commit}. A `DONE` value
   * that `node:v8` cannot serialise is staged without it (the task will run
   * again next time); so is one given `noValue`. Errors keep their name and
   * message (capped at {@link MAX_NOTE} characters).
   *
   * @param run the run's id (from {@link Journal.beginRun})
   * @param record the outcome
   * @throws {Error} when a new task definition cannot be written
   */
  stage(run: number, record: TaskRecord): void {
    const state = STATE_CODE[record.state];
    const kind = KIND_CODE[record.kind];
    if (state === undefined || kind === undefined) {
      throw new TypeError(
        `Cannot stage journal record as 'state' or 'kind' is unknown: received ${
          capText(safeString(record.state), 40)
        } / ${capText(safeString(record.kind), 40)}`,
      );
    }
    if (record.cached && state === 1) {
      let lines = this.#hits.get(run);
      if (lines === undefined) this.#hits.set(run, lines = []);
      lines.push(`${record.uid}\t${record.source ?? 0}`);
      this.#nHits++;
      return;
    }
    const key = record.key;
    let vt: number = VT.NONE;
    let value: SQLInputValue = null;
    let note: string | undefined;
    if (state === 1) {
      if (record.noValue !== undefined) note = capText(record.noValue, MAX_NOTE);
      else if (key === undefined) note = "no key";
      else {
        try {
          const v = record.value;
          // the common cases inline: no array per record
          if (v === undefined) vt = VT.UNDEFINED;
          else if (typeof v === "string" && v.isWellFormed()) {
            vt = VT.STRING;
            value = v;
          } else [vt, value] = encodeValue(v);
        } catch (e) {
          vt = VT.NONE;
          value = null;
          note = capText(`value not recorded: ${errorText(e)}`, MAX_NOTE);
        }
      }
    } else {
      note = capText(errorText(record.error), MAX_NOTE);
    }
    const parts = record.parts;
    const def = parts === undefined ? "" : this.#defId(parts.def);
    const outputs = record.outputs;
    let extra: string | null = null;
    const own = parts === undefined ? undefined : taskParts(parts);
    if (own !== undefined || note !== undefined || (outputs !== undefined && outputs.length)) {
      // the outputs first: lookup() reads `extra` only when it starts with them
      extra = "{";
      if (outputs !== undefined && outputs.length !== 0) {
        extra += `"outputs":${JSON.stringify(outputs)}`;
      }
      if (own !== undefined) extra += `${extra.length > 1 ? "," : ""}"parts":${own}`;
      if (note !== undefined) {
        extra += `${extra.length > 1 ? "," : ""}"note":${JSON.stringify(note)}`;
      }
      extra += "}";
    }
    let c = this.#chunk;
    if (c.length === COLS * ROWS_PER_INSERT) {
      this.#chunks.push(c);
      c = this.#chunk = [];
    }
    c.push(
      run,
      key === undefined ? null : k48(key),
      key ?? null,
      record.name,
      state,
      vt,
      value,
      `${record.uid}\t${kind}\t${def}\t${record.time ?? Date.now()}`,
      extra,
    );
    this.#nStaged++;
  }

  /** Records staged and not yet committed (hits included). */
  get staged(): number {
    return this.#nStaged + this.#nHits;
  }

  /**
   * Writes everything staged in one transaction. On failure nothing staged
   * is written, the staged records are dropped, and it throws: outcomes
   * must not be reported as durable when they are not.
   *
   * @throws {Error} when the journal cannot be written (disk full, read-only,
   * busy past the timeout…); the message names the path
   */
  commit(): void {
    if (this.#nStaged === 0 && this.#nHits === 0) return;
    const chunks = this.#chunks, last = this.#chunk;
    const hits = this.#hits;
    this.#chunks = [];
    this.#chunk = [];
    this.#nStaged = 0;
    this.#hits = new Map();
    this.#nHits = 0;
    this.#finishRead();
    this.#write("commit outcomes", () => {
      const db = this.#db;
      db.exec("BEGIN IMMEDIATE");
      try {
        for (const c of chunks) this.#insertMany.run(...c);
        if (last.length === COLS * ROWS_PER_INSERT) this.#insertMany.run(...last);
        else {for (let i = 0; i < last.length; i += COLS) {
            this.#insertOne.run(...last.slice(i, i + COLS));
          }}
        if (hits.size !== 0) {
          const now = Date.now();
          for (const [run, lines] of hits) this.#insertHits.run(run, now, lines.join("\n"));
        }
        // our own commit does not change data_version; another's in the meantime does
        if (!this.#foreign) this.#checkForeign();
        db.exec("COMMIT");
        const own = this.#own;
        if (own !== undefined) {
          for (const c of chunks) bloomAdd(own, c);
          bloomAdd(own, last);
        }
      } catch (e) {
        if (db.isTransaction) {
          try {
            db.exec("ROLLBACK");
          } catch {
            // the error that matters is the first one
          }
        }
        throw e;
      }
    });
  }

  #defId(def: DefinitionParts): number {
    const known = this.#defIds.get(def);
    if (known !== undefined) return known;
    const json = JSON.stringify(def);
    this.#finishRead();
    const id = this.#write("record a task definition", () => {
      const db = this.#db;
      db.prepare("INSERT OR IGNORE INTO defs (parts) VALUES (?)").run(json);
      const row = db.prepare("SELECT id FROM defs WHERE parts = ?").get(json) as { id: number };
      return row.id;
    });
    this.#defIds.set(def, id);
    return id;
  }

  #write<T>(what: string, fn: () => T): T {
    if (this.#closed) throw new Error(`Cannot use journal '${this.path}' as it is closed`);
    try {
      return fn();
    } catch (e) {
      throw this.#error(what, e);
    }
  }

  #error(what: string, cause: unknown): Error {
    return new Error(`Cannot ${what} in journal '${this.path}': ${messageOf(cause)}`, { cause });
  }

  // ------------------------------------------------------------------ files

  /**
   * Copies files into the content store (`<journal>.files/<sha256>`, each
   * written to a temporary name and renamed, so a reader never sees half a
   * file). Returns undefined when a file is missing or not a regular file
   * (the outcome is then recorded without a value).
   *
   * @param files each output's name (relative to the sandbox) and path
   * @returns what was stored, in order, or undefined
   * @throws {Error} when the store cannot be written (disk full…); the message names the path
   */
  async storeOutputs(
    files: readonly { readonly name: string; readonly path: string }[],
  ): Promise<StoredOutput[] | undefined> {
    const out: StoredOutput[] = [];
    for (const f of files) {
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(f.path);
      } catch {
        return undefined;
      }
      if (!info.isFile) return undefined;
      try {
        out.push({ name: f.name, ...(await this.#storeFile(f.path)) });
      } catch (e) {
        throw new Error(
          `Cannot store output '${capText(f.name, 200)}' in journal store '${this.filesDir}': ${
            messageOf(e)
          }`,
          { cause: e },
        );
      }
    }
    return out;
  }

  async #storeFile(path: string): Promise<{ sha256: string; size: number }> {
    await Deno.mkdir(this.filesDir, { recursive: true });
    const tmp = join(this.filesDir, `.tmp-${crypto.randomUUID()}`);
    const h = createHash("sha256");
    let size = 0;
    try {
      {
        using src = await Deno.open(path, { read: true });
        using dst = await Deno.open(tmp, { write: true, createNew: true, mode: 0o444 });
        const chunk = new Uint8Array(1 << 20);
        for (;;) {
          const n = await src.read(chunk);
          if (n === null) break;
          const part = chunk.subarray(0, n);
          h.update(part);
          size += n;
          for (let w = 0; w < n;) w += await dst.write(part.subarray(w));
        }
        await dst.sync();
      }
      const sha256 = h.digest("hex");
      const target = join(this.filesDir, sha256);
      if (await exists(target)) await Deno.remove(tmp);
      else await Deno.rename(tmp, target);
      return { sha256, size };
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
  }

  /**
   * Puts stored outputs back into a sandbox (copies, never links: a task
   * that writes to its file cannot change the store). Creates directories
   * as needed.
   *
   * @param outputs what {@link Journal.lookup} returned
   * @param sandbox the task's sandbox directory
   * @throws {Error} when a stored file is missing or cannot be copied (then
   * run the task instead), or when a name would leave the sandbox
   */
  async restoreOutputs(outputs: readonly StoredOutput[], sandbox: string): Promise<void> {
    const root = resolvePath(sandbox);
    for (const o of outputs) {
      const target = resolvePath(root, o.name);
      if (!target.startsWith(root + sep)) {
        throw new Error(
          `Cannot restore output '${capText(o.name, 200)}' as it would leave the sandbox ${root}`,
        );
      }
      const source = join(this.filesDir, o.sha256);
      try {
        await Deno.mkdir(dirname(target), { recursive: true });
        await Deno.remove(target).catch(() => {});
        await Deno.copyFile(source, target);
        await Deno.chmod(target, 0o644);
      } catch (e) {
        throw new Error(
          `Cannot restore output '${capText(o.name, 200)}' from journal store ${source}: ${
            messageOf(e)
          }`,
          { cause: e },
        );
      }
    }
  }

  // ------------------------------------------------------------------ reading

  /**
   * The runs recorded, oldest first.
   *
   * @returns every run
   */
  runs(): RunInfo[] {
    this.#finishRead();
    const rows = this.#read(() =>
      this.#db.prepare("SELECT * FROM runs ORDER BY id").all()
    ) as Record<string, SQLInputValue>[];
    // a run that did not end (its process died) is counted from its records
    let counted: Map<number, { done: number; failed: number; cancelled: number; cached: number }>;
    const count = (run: number) => {
      if (counted === undefined) {
        const c = counted = new Map();
        const get = (r: number) => {
          let x = c.get(r);
          if (x === undefined) c.set(r, x = { done: 0, failed: 0, cancelled: 0, cached: 0 });
          return x;
        };
        const all = this.#read(() =>
          this.#db.prepare("SELECT run, state, count(*) AS n FROM tasks GROUP BY run, state").all()
        ) as { run: number; state: number; n: number }[];
        for (const r of all) {
          const x = get(r.run);
          if (r.state === 1) x.done += r.n;
          else if (r.state === 2) x.failed += r.n;
          else x.cancelled += r.n;
        }
        const hits = this.#read(() =>
          this.#db.prepare(
            "SELECT run, sum(length(data) - length(replace(data, char(10), '')) + 1) AS n FROM hits GROUP BY run",
          ).all()
        ) as { run: number; n: number }[];
        for (const r of hits) {
          const x = get(r.run);
          x.done += r.n;
          x.cached += r.n;
        }
      }
      return counted.get(run) ?? { done: 0, failed: 0, cancelled: 0, cached: 0 };
    };
    return rows.map((r) => ({
      id: r.id as number,
      engine: r.engine as string,
      started: r.started as number,
      ended: (r.ended ?? undefined) as number | undefined,
      counts: r.ended === null ? count(r.id as number) : {
        done: r.done as number,
        failed: r.failed as number,
        cancelled: r.cancelled as number,
        cached: r.cached as number,
      },
      pid: r.pid as number,
      host: r.host as string,
    }));
  }

  /**
   * Recorded task outcomes, newest first (by the time they became final);
   * hits (tasks completed from the journal) are listed with `cached: true`
   * unless `before` or `otherKey` is given.
   *
   * @param filter which ones
   * @returns the records
   */
  tasks(filter: TaskFilter = {}): TaskInfo[] {
    this.#finishRead();
    const limit = Math.max(0, Math.floor(filter.limit ?? 1000));
    const own = this.#taskRows(filter, limit).map(taskInfo);
    if (
      filter.before !== undefined || filter.otherKey !== undefined ||
      (filter.state !== undefined && filter.state !== "DONE")
    ) return own;
    const hits = this.#hitInfos(filter);
    if (hits.length === 0) return own;
    const all = own.concat(hits);
    all.sort((a, b) => b.time - a.time || b.id - a.id);
    return all.slice(0, limit);
  }

  /** Hit entries as records: the source record's, with the hit's run, uid and time. */
  #hitInfos(filter: TaskFilter): TaskInfo[] {
    const rows = this.#read(() =>
      filter.run === undefined
        ? this.#db.prepare("SELECT run, time, data FROM hits").all()
        : this.#db.prepare("SELECT run, time, data FROM hits WHERE run = ?").all(filter.run)
    ) as { run: number; time: number; data: string }[];
    if (rows.length === 0) return [];
    const entries: { run: number; time: number; uid: string; source: number }[] = [];
    for (const r of rows) {
      for (const line of r.data.split("\n")) {
        const tab = line.indexOf("\t");
        const uid = line.slice(0, tab);
        if (filter.uid !== undefined && uid !== filter.uid) continue;
        entries.push({ run: r.run, time: r.time, uid, source: Number(line.slice(tab + 1)) });
      }
    }
    const sources = new Map<number, TaskInfo>();
    const ids = [...new Set(entries.map((e) => e.source))];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const found = this.#read(() =>
        this.#db.prepare(
          `SELECT id, run, key, name, state, vt, meta, extra FROM tasks WHERE id IN (${
            chunk.map(() => "?").join(",")
          })`,
        ).all(...chunk)
      ) as Record<string, SQLInputValue>[];
      for (const f of found) sources.set(f.id as number, taskInfo(f));
    }
    const out: TaskInfo[] = [];
    for (const e of entries) {
      const src = sources.get(e.source);
      if (src === undefined) continue;
      if (filter.name !== undefined && src.name !== filter.name) continue;
      if (filter.key !== undefined && src.key !== filter.key) continue;
      out.push({
        ...src,
        run: e.run,
        uid: e.uid,
        time: e.time,
        cached: true,
        hasValue: false,
        note: undefined,
      });
    }
    return out;
  }

  /**
   * The key parts a record was computed from, if recorded (for a hit: those
   * of the record it hit).
   *
   * @param task a record
   * @returns its parts
   */
  partsOf(task: TaskInfo): KeyParts | undefined {
    this.#finishRead();
    const row = this.#read(() =>
      this.#db.prepare("SELECT meta, extra FROM tasks WHERE id = ?").get(task.id)
    ) as { meta: string; extra: string | null } | undefined;
    const defId = row?.meta.split("\t")[2];
    if (row === undefined || !defId) return undefined;
    const def = this.#read(() =>
      this.#db.prepare("SELECT parts FROM defs WHERE id = ?").get(Number(defId))
    ) as { parts: string } | undefined;
    if (def === undefined) return undefined;
    const own = row.extra === null
      ? undefined
      : (JSON.parse(row.extra) as { parts?: object }).parts;
    return { args: [], ...own, def: JSON.parse(def.parts) as DefinitionParts } as KeyParts;
  }

  #taskRows(filter: TaskFilter, limit: number): Record<string, SQLInputValue>[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (filter.run !== undefined) {
      where.push("run = ?");
      params.push(filter.run);
    }
    if (filter.state !== undefined) {
      const code = STATE_CODE[filter.state];
      if (code === undefined) {
        throw new TypeError(
          `Cannot list tasks as 'state' must be DONE, FAILED or CANCELLED: received ${
            capText(safeString(filter.state), 40)
          }`,
        );
      }
      where.push("state = ?");
      params.push(code);
    }
    if (filter.name !== undefined) {
      where.push("name = ?");
      params.push(filter.name);
    }
    if (filter.uid !== undefined) {
      // meta starts with the uid and a tab
      where.push("substr(meta, 1, ?) = ?");
      params.push(filter.uid.length + 1, filter.uid + "\t");
    }
    if (filter.key !== undefined) {
      if (!/^[0-9a-f]{64}$/.test(filter.key)) return [];
      where.push("k = ? AND key = ?");
      params.push(k48(filter.key), filter.key);
    }
    if (filter.otherKey !== undefined) {
      where.push("key IS NOT NULL AND key != ?");
      params.push(filter.otherKey);
    }
    if (filter.before !== undefined) {
      where.push("id < ?");
      params.push(filter.before);
    }
    const sql = `SELECT id, run, key, name, state, vt, meta, extra
      FROM tasks ${where.length === 0 ? "" : "WHERE " + where.join(" AND ")}
      ORDER BY id DESC LIMIT ${limit}`;
    return this.#read(() => this.#db.prepare(sql).all(...params)) as Record<
      string,
      SQLInputValue
    >[];
  }

  #read<T>(fn: () => T): T {
    if (this.#closed) throw new Error(`Cannot use journal '${this.path}' as it is closed`);
    try {
      return fn();
    } catch (e) {
      throw this.#error("read", e);
    }
  }

  /**
   * Closes the database (records staged and not committed are dropped).
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#finishRead();
    this.#closed = true;
    this.#chunks = [];
    this.#chunk = [];
    this.#nStaged = 0;
    this.#hits = new Map();
    this.#nHits = 0;
    try {
      this.#db.close();
    } catch {
      // already closed
    }
  }

  /** `Journal.close()` for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

// ------------------------------------------------------------------ helpers

function absolutePath(path: string | URL): string {
  if (path instanceof URL || (typeof path === "string" && path.startsWith("file:"))) {
    let url: URL;
    try {
      url = path instanceof URL ? path : new URL(path);
    } catch {
      throw new TypeError(
        `Cannot open journal as 'path' must be a path or a file: URL: received ${
          capText(JSON.stringify(path), 200)
        }`,
      );
    }
    if (url.protocol !== "file:") {
      throw new TypeError(
        `Cannot open journal as 'path' must be a path or a file: URL: received ${
          capText(url.href, 200)
        }`,
      );
    }
    return fileURLToPath(url);
  }
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(
      `Cannot open journal as 'path' must be a non-empty string or a file: URL: received ${
        typeof path === "string" ? '""' : typeof path
      }`,
    );
  }
  return isAbsolute(path) ? resolvePath(path) : resolvePath(Deno.cwd(), path);
}

function readHead(path: string): string {
  using f = Deno.openSync(path, { read: true });
  const buf = new Uint8Array(16);
  let n = 0;
  while (n < 16) {
    const r = f.readSync(buf.subarray(n));
    if (r === null) break;
    n += r;
  }
  return String.fromCharCode(...buf.subarray(0, n));
}

function pragma(db: DatabaseSync, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, number> | undefined;
  return row?.[name] ?? 0;
}

function schemaObjects(db: DatabaseSync): number {
  const row = db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number };
  return row.n;
}

function initialise(db: DatabaseSync): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    // another process may have created it since we looked
    if (pragma(db, "application_id") !== APPLICATION_ID) {
      if (schemaObjects(db) !== 0) {
        throw new Error("it is not a journal (a SQLite database of another application)");
      }
      db.exec(SCHEMA);
      db.prepare("INSERT INTO meta (k, v) VALUES ('format', 'asyncflow-journal'), ('version', ?)")
        .run(String(JOURNAL_VERSION));
      db.exec(
        `PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${JOURNAL_VERSION}`,
      );
    }
    db.exec("COMMIT");
  } catch (e) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw e;
  }
}

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return "";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Words of the Bloom filter of own keys (1 MiB: about 3% false positives at a million keys). */
const BLOOM_WORDS = 1 << 18;
const BLOOM_MASK = BLOOM_WORDS * 32 - 1;

/** Three bit positions from characters 12–29 of a hex key (its first 48 bits are `k`). */
function bloomBits(key: string, at: number): number {
  let n = 0;
  for (let i = at; i < at + 6; i++) {
    const c = key.charCodeAt(i);
    n = (n << 4) | (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return n & BLOOM_MASK;
}

function bloomHas(bits: Uint32Array, key: string): boolean {
  for (let at = 12; at < 30; at += 6) {
    const b = bloomBits(key, at);
    if ((bits[b >>> 5]! & (1 << (b & 31))) === 0) return false;
  }
  return true;
}

/** Adds the keys of the rows in `chunk` that have a value. */
function bloomAdd(bits: Uint32Array, chunk: readonly SQLInputValue[]): void {
  for (let i = 0; i < chunk.length; i += COLS) {
    const key = chunk[i + 2];
    if (typeof key !== "string" || (chunk[i + 5] as number) === 0) continue;
    for (let at = 12; at < 30; at += 6) {
      const b = bloomBits(key, at);
      bits[b >>> 5]! |= 1 << (b & 31);
    }
  }
}

/** The first 48 bits of a hex key, as a number (the hit index). */
function k48(key: string): number {
  let n = 0;
  for (let i = 0; i < 12; i++) {
    const c = key.charCodeAt(i);
    n = n * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return n === n ? n : 0;
}

function encodeValue(v: unknown): [number, SQLInputValue] {
  switch (typeof v) {
    case "undefined":
      return [VT.UNDEFINED, null];
    case "boolean":
      return [v ? VT.TRUE : VT.FALSE, null];
    case "number":
      if (Number.isFinite(v)) return [VT.NUMBER, v];
      break;
    case "string":
      if (v.isWellFormed()) return [VT.STRING, v];
      break;
    case "object":
      if (v === null) return [VT.NULL, null];
      break;
  }
  return [VT.V8, serialize(v)];
}

/** A hit from a row's id, value type, value and outputs (`extra` when it starts with them). */
function hitOf(id: unknown, vt: unknown, value: unknown, extra: unknown): Hit | undefined {
  let v: unknown;
  try {
    v = decodeValue(vt as number, (value ?? null) as SQLInputValue);
  } catch {
    return undefined; // a value this runtime cannot read back: run the task
  }
  const outputs = extra === null || extra === undefined
    ? undefined
    : (JSON.parse(extra as string) as { outputs?: StoredOutput[] }).outputs;
  return { id: id as number, value: v, outputs };
}

function decodeValue(vt: number, value: SQLInputValue): unknown {
  switch (vt) {
    case VT.UNDEFINED:
      return undefined;
    case VT.NULL:
      return null;
    case VT.FALSE:
      return false;
    case VT.TRUE:
      return true;
    case VT.NUMBER:
      return value as number;
    case VT.STRING:
      return value as string;
    default:
      return deserialize(value as Uint8Array);
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    return `${safeString(e.name)}: ${capText(safeString(e.message), MAX_NOTE)}`;
  }
  if (e === undefined) return "";
  return capText(safeString(e), MAX_NOTE);
}

/** The per-task parts as JSON (the definition's parts live in `defs`), or undefined when empty. */
function taskParts(parts: KeyParts): string | undefined {
  const args = parts.args;
  if (
    parts.deps === undefined && parts.command === undefined && parts.messages === undefined &&
    parts.inputs === undefined
  ) {
    // the common case, by hand: digests are hex, nothing to escape
    return args.length === 0 ? undefined : `{"args":["${args.join('","')}"]}`;
  }
  const { def: _def, ...own } = parts;
  return JSON.stringify(own);
}

function taskInfo(r: Record<string, SQLInputValue>): TaskInfo {
  const [uid = "", kind = "1", , time = "0"] = (r.meta as string).split("\t");
  const extra = r.extra === null
    ? undefined
    : JSON.parse(r.extra as string) as { outputs?: StoredOutput[]; note?: string };
  return {
    id: r.id as number,
    run: r.run as number,
    key: (r.key ?? undefined) as string | undefined,
    uid,
    name: r.name as string,
    kind: KIND_NAME[Number(kind)] ?? "function",
    state: STATE_NAME[r.state as number] ?? "DONE",
    cached: false,
    time: Number(time),
    hasValue: (r.vt as number) > 0,
    note: extra?.note,
    outputs: extra?.outputs,
  };
}
