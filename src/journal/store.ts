/**
 * The journal: a `node:sqlite` database (WAL mode) that records runs and
 * the outcome of every task by its key, and a content store beside it for
 * the `OutputFile`s of recorded tasks.
 *
 * ## How the engine uses it
 *
 * ```
 * open ─► beginRun ─► ( lookup(key) ─► hit: restoreOutputs, complete
 *                      │              └► miss: run the task
 *                      └ on an outcome: [storeOutputs] ─► stage(record) )*
 *                      commit() once per flush, before the futures of that flush settle
 *         endRun ─► close
 * ```
 *
 * `commit()` writes everything staged in one transaction and throws when it
 * cannot: the engine then shuts down with that error instead of pretending
 * the outcomes are durable. A process killed at any moment leaves the
 * database readable (SQLite's WAL) with every committed record in it.
 *
 * ## The file
 *
 * ```
 * meta   (k, v)                          format name and version
 * runs   (id, engine, started, ended, done, failed, cancelled, cached, pid, host)
 * defs   (id, parts)                     one row per task definition: KeyParts.def as JSON
 * tasks  (id, run, k, key, uid, name, kind, def, state, cached, time, vt, value, outputs, note, parts)
 *        index tasks_hit on (k) where vt > 0: only records that can be hits
 * ```
 *
 * `key` is the 32-byte key, `k` its first 48 bits (a small integer index);
 * `vt` says how `value` is stored (0: no value — failed, cancelled, a hit,
 * or not serialisable; primitives natively; anything else as `node:v8`
 * bytes). `parts` holds the per-task {@link KeyParts} (arguments, command,
 * inputs) as JSON; the per-definition parts live in `defs`.
 * The SQLite header carries `application_id` 0x41464a4c ("AFJL") and
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
/** Records per multi-row INSERT in `commit()`. */
const ROWS_PER_INSERT = 32;
/** Columns of one task row as `stage()` binds them. */
const COLS = 15;

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
  /** The task completed from the journal (a hit): it has no value of its own. */
  readonly cached?: boolean | undefined;
  /** When it became final (ms since the epoch). @default {Date.now()} */
  readonly time?: number | undefined;
}

/** What {@link Journal.lookup} returns for a hit. */
export interface Hit {
  /** The record's id. */
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
  /** The record's id (increasing in the order outcomes were committed). */
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
  run INTEGER NOT NULL,
  k INTEGER,
  key BLOB,
  uid TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  def INTEGER,
  state INTEGER NOT NULL,
  cached INTEGER NOT NULL,
  time REAL NOT NULL,
  vt INTEGER NOT NULL,
  value,
  outputs TEXT,
  note TEXT,
  parts TEXT
);
CREATE INDEX tasks_hit ON tasks (k) WHERE vt > 0;
`;

const TASK_COLUMNS =
  "run, k, key, uid, name, kind, def, state, cached, time, vt, value, outputs, note, parts";
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
  readonly #insertOne: StatementSync;
  readonly #insertMany: StatementSync;
  /** Staged rows, flat: COLS values per record. */
  #staged: SQLInputValue[] = [];
  #defIds = new WeakMap<DefinitionParts, number>();
  #reading = false;
  #closed = false;
  readonly #endRead = () => this.#finishRead();

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.filesDir = path + ".files";
    this.#db = db;
    this.#lookup = db.prepare(
      "SELECT id, vt, value, outputs FROM tasks WHERE k = ? AND key = ? AND vt > 0 ORDER BY id DESC LIMIT 1",
    );
    this.#insertOne = db.prepare(`INSERT INTO tasks (${TASK_COLUMNS}) VALUES ${ROW}`);
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
    let row: Record<string, SQLInputValue> | undefined;
    try {
      row = this.#lookup.get(k48(key), bytesOf(key)) as Record<string, SQLInputValue> | undefined;
    } catch (e) {
      throw this.#error("read", e);
    }
    if (row === undefined) return undefined;
    const outputs = row.outputs === null ? undefined : JSON.parse(row.outputs as string);
    let value: unknown;
    try {
      value = decodeValue(row.vt as number, row.value ?? null);
    } catch {
      return undefined; // a value this runtime cannot read back: run the task
    }
    return { id: row.id as number, value, outputs };
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
    const key = record.key;
    let vt: number = VT.NONE;
    let value: SQLInputValue = null;
    let note: string | null = null;
    if (state === 1 && !record.cached) {
      if (record.noValue !== undefined) note = capText(record.noValue, MAX_NOTE);
      else if (key === undefined) note = "no key";
      else {
        try {
          [vt, value] = encodeValue(record.value);
        } catch (e) {
          vt = VT.NONE;
          value = null;
          note = capText(`value not recorded: ${errorText(e)}`, MAX_NOTE);
        }
      }
    } else if (state !== 1) {
      note = capText(errorText(record.error), MAX_NOTE);
    }
    const parts = record.parts;
    const def = parts === undefined ? null : this.#defId(parts.def);
    const s = this.#staged;
    s.push(
      run,
      key === undefined ? null : k48(key),
      key === undefined ? null : bytesOf(key),
      record.uid,
      record.name,
      kind,
      def,
      state,
      record.cached ? 1 : 0,
      record.time ?? Date.now(),
      vt,
      value,
      record.outputs === undefined || record.outputs.length === 0
        ? null
        : JSON.stringify(record.outputs),
      note,
      parts === undefined ? null : taskPartsJson(parts),
    );
  }

  /** Records staged and not yet committed. */
  get staged(): number {
    return this.#staged.length / COLS;
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
    const s = this.#staged;
    if (s.length === 0) return;
    this.#staged = [];
    this.#finishRead();
    this.#write("commit outcomes", () => {
      const db = this.#db;
      db.exec("BEGIN IMMEDIATE");
      try {
        const many = COLS * ROWS_PER_INSERT;
        let i = 0;
        for (; i + many <= s.length; i += many) this.#insertMany.run(...s.slice(i, i + many));
        for (; i < s.length; i += COLS) this.#insertOne.run(...s.slice(i, i + COLS));
        db.exec("COMMIT");
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
        counted = new Map();
        const all = this.#read(() =>
          this.#db.prepare(
            "SELECT run, state, cached, count(*) AS n FROM tasks GROUP BY run, state, cached",
          ).all()
        ) as { run: number; state: number; cached: number; n: number }[];
        for (const r of all) {
          let c = counted.get(r.run);
          if (c === undefined) {
            counted.set(r.run, c = { done: 0, failed: 0, cancelled: 0, cached: 0 });
          }
          if (r.state === 1) c.done += r.n;
          else if (r.state === 2) c.failed += r.n;
          else c.cancelled += r.n;
          if (r.cached === 1) c.cached += r.n;
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
   * Recorded task outcomes, newest first.
   *
   * @param filter which ones
   * @returns the records
   */
  tasks(filter: TaskFilter = {}): TaskInfo[] {
    return this.#taskRows(filter).map((r) => taskInfo(r));
  }

  /**
   * The key parts of a record (its own, or — for a hit, which has none —
   * those of the record it hit), if known.
   *
   * @param task a record
   * @returns its parts
   */
  partsOf(task: TaskInfo): KeyParts | undefined {
    this.#finishRead();
    const sql =
      "SELECT t.parts, d.parts AS defparts FROM tasks t JOIN defs d ON d.id = t.def WHERE ";
    let row = this.#read(() => this.#db.prepare(sql + "t.id = ?").get(task.id)) as
      | Record<string, SQLInputValue>
      | undefined;
    if (row === undefined && task.key !== undefined) {
      row = this.#read(() =>
        this.#db.prepare(sql + "t.k = ? AND t.key = ? ORDER BY t.id DESC LIMIT 1")
          .get(k48(task.key!), bytesOf(task.key!))
      ) as Record<string, SQLInputValue> | undefined;
    }
    if (row === undefined) return undefined;
    const def = JSON.parse(row.defparts as string) as DefinitionParts;
    const own = row.parts === null ? {} : JSON.parse(row.parts as string);
    return { args: [], ...own, def } as KeyParts;
  }

  #taskRows(filter: TaskFilter): Record<string, SQLInputValue>[] {
    this.#finishRead();
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
      where.push("uid = ?");
      params.push(filter.uid);
    }
    if (filter.key !== undefined) {
      if (!/^[0-9a-f]{64}$/.test(filter.key)) return [];
      where.push("k = ? AND key = ?");
      params.push(k48(filter.key), bytesOf(filter.key));
    }
    if (filter.otherKey !== undefined) {
      where.push("key IS NOT NULL AND key != ?");
      params.push(bytesOf(filter.otherKey));
    }
    if (filter.before !== undefined) {
      where.push("id < ?");
      params.push(filter.before);
    }
    const limit = filter.limit ?? 1000;
    const sql = `SELECT id, run, key, uid, name, kind, state, cached, time, vt, note, outputs
      FROM tasks ${where.length === 0 ? "" : "WHERE " + where.join(" AND ")}
      ORDER BY id DESC LIMIT ${Math.max(0, Math.floor(limit))}`;
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
    this.#staged = [];
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

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, "0"));

/** The first 48 bits of a hex key, as a number (the hit index). */
function k48(key: string): number {
  return parseInt(key.slice(0, 12), 16) || 0;
}

function hexVal(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/** A hex key as 32 bytes. */
function bytesOf(key: string): Uint8Array {
  const n = key.length >>> 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = (hexVal(key.charCodeAt(2 * i)) << 4) | hexVal(key.charCodeAt(2 * i + 1));
  }
  return out;
}

function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]!;
  return s;
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

/** The per-task parts as stored (the definition's parts live in `defs`). */
function taskPartsJson(parts: KeyParts): string | null {
  const { def: _def, args, ...rest } = parts;
  let extra = false;
  for (const _ in rest) {
    extra = true;
    break;
  }
  if (args.length === 0 && !extra) return null;
  return JSON.stringify(extra ? { args, ...rest } : { args });
}

function taskInfo(r: Record<string, SQLInputValue>): TaskInfo {
  return {
    id: r.id as number,
    run: r.run as number,
    key: r.key === null ? undefined : hexOf(r.key as Uint8Array),
    uid: r.uid as string,
    name: r.name as string,
    kind: KIND_NAME[r.kind as number] ?? "function",
    state: STATE_NAME[r.state as number] ?? "DONE",
    cached: r.cached === 1,
    time: r.time as number,
    hasValue: (r.vt as number) > 0,
    note: (r.note ?? undefined) as string | undefined,
    outputs: r.outputs === null ? undefined : JSON.parse(r.outputs as string),
  };
}
