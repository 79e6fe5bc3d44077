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
 * that held no hit when it was opened asks SQLite only for keys it committed
 * itself (a Bloom filter) until another connection commits: the first run
 * of a fresh journal pays nothing for its lookups.
 *
 * ## The file
 *
 * ```
 * meta    (k, v)                         format name and version
 * runs    (id, engine, started, ended, done, failed, cancelled, cached, pid, host)
 * defs    (id, parts)                    one row per task definition: KeyParts.def as JSON
 * batches (id, run, time, n, recs)       the outcomes of one commit (at most 4096): history
 * hits    (k INTEGER PRIMARY KEY, k2, rec, vt, value, outputs)
 *                                        a key's latest DONE record with a value: what a hit needs
 * ```
 *
 * SQLite costs about as much per row as per kilobyte, so a commit writes
 * its outcomes as one `batches` row — `recs` is one line per record, fields
 * separated by tabs — and one `hits` row per `DONE` record with a value. A
 * lookup reads one `hits` row (by the key's first 52 bits; `k2` holds the
 * next 52, so two keys are told apart unless 104 bits agree), never a batch.
 * Records are numbered 1, 2, 3… in commit order: a batch's id is the number
 * of its first record, so record `r` is line `r - id` of the batch with the
 * greatest `id <= r`. A line holds:
 *
 * ```
 * key  uid  name  kind  state  def  Δtime  vt  args  extra  source
 * ```
 *
 * `kind`, `state` and `vt` are small integers; `def` is the `defs` id (set
 * when the key's parts are recorded); `Δtime` is ms after the batch's
 * `time`; `vt` says how the value is kept in `hits` (0: not at all —
 * failed, cancelled, a hit, or not serialisable; undefined, null and
 * booleans by `vt` alone; finite numbers and well-formed strings natively;
 * anything else as `node:v8` bytes); `args` is the arguments' digests,
 * comma-separated; `extra` is JSON `{ outputs?, parts?, note? }` (the stored
 * outputs, the parts other than arguments, an error or why no value);
 * `source` is, for a hit, the id of the record it hit. Tabs, newlines and
 * backslashes in text are escaped with a backslash. A newer record of a key
 * replaces its `hits` row.
 *
 * The SQLite header carries `application_id` 0x41464a4c ("AFJL") and
 * `user_version` = the format version: a file without them is not a journal.
 *
 * @module
 */

import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { serialize } from "node:v8";
import { dirname, isAbsolute, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { hostname } from "node:os";
import { capText, messageOf, received, safeString } from "../_text.ts";
import type { DefinitionParts, KeyParts } from "./key.ts";
import {
  type Batch,
  batchOf,
  BLOOM_WORDS,
  bloomAdd,
  bloomHas,
  errorText,
  escape,
  F,
  hitOf,
  isHexKey,
  k2,
  k52,
  KIND_CODE,
  otherParts,
  type Row,
  STATE_CODE,
  taskInfo,
  VT,
} from "./_format.ts";
import { restoreFiles, storeFiles } from "./_files.ts";
import {
  type Hit,
  JOURNAL_VERSION,
  type JournalOptions,
  MAX_NOTE,
  MAX_VALUE_BYTES,
  type RunCounts,
  type RunInfo,
  type StoredOutput,
  type TaskFilter,
  type TaskInfo,
  type TaskRecord,
} from "./types.ts";

const APPLICATION_ID = 0x41464a4c; // "AFJL"
const SQLITE_MAGIC = "SQLite format 3\0";
/** Keys per query in `lookupMany()`. */
const LOOKUP_BATCH = 1000;
/** Most records in one `batches` row. */
const MAX_BATCH = 4096;
/** `hits` rows per multi-row INSERT in `commit()`. */
const HITS_PER_INSERT = 32;
/** Columns of a `hits` row. */
const HIT_COLS = 6;
/** Batches whose decoded lines are kept (explaining reads several records of one batch). */
const BATCH_CACHE = 32;

// No NOT NULL on the tables written per commit: with a constraint, SQLite
// (3.53) takes a slow path for multi-row INSERTs — about 3x the time per row.
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
CREATE TABLE batches (id INTEGER PRIMARY KEY, run INTEGER, time REAL, n INTEGER, recs TEXT);
CREATE TABLE hits (k INTEGER PRIMARY KEY, k2 INTEGER, rec INTEGER, vt INTEGER, value, outputs TEXT);
`;

/** The records of one run being staged, up to MAX_BATCH (one `batches` row). */
interface Chunk {
  readonly run: number;
  /** When the first record was staged: lines keep their time relative to it. */
  readonly t0: number;
  readonly lines: string[];
  /** Keys of the lines that can be hits (for the Bloom filter). */
  readonly hitKeys: string[];
  /**
   * Their `hits` rows by column (numbers in typed arrays: no boxed number per
   * record), grown by doubling: a commit of one record allocates little.
   */
  hk: Float64Array;
  hk2: Float64Array;
  hline: Uint16Array;
  hvt: Uint8Array;
  /** Values and outputs, only where not null, by index in the columns above. */
  hval: Map<number, SQLInputValue> | undefined;
  hout: Map<number, string> | undefined;
}

/** Doubles the capacity of a chunk's hits columns. */
function grow(c: Chunk): void {
  const n = c.hk.length * 2;
  const hk = new Float64Array(n), hk2 = new Float64Array(n);
  const hline = new Uint16Array(n), hvt = new Uint8Array(n);
  hk.set(c.hk);
  hk2.set(c.hk2);
  hline.set(c.hline);
  hvt.set(c.hvt);
  c.hk = hk;
  c.hk2 = hk2;
  c.hline = hline;
  c.hvt = hvt;
}

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
  readonly #hitOne: (k: number) => SQLInputValue[] | undefined;
  readonly #hitMany: (ks: string) => SQLInputValue[][];
  readonly #insertBatch: StatementSync;
  readonly #insertHitsMany: StatementSync;
  readonly #insertHitsOne: StatementSync;
  readonly #getBatch: StatementSync;
  readonly #nextId: StatementSync;
  /** Chunks being staged, by run (the last of each run is open). */
  #staging = new Map<number, Chunk>();
  #full: Chunk[] = [];
  #nStaged = 0;
  #batches = new Map<number, Batch>();
  /** `defs` ids (as text, as lines hold them) of the definitions seen. */
  #defIds = new WeakMap<DefinitionParts, string>();
  #reading = false;
  #closed = false;
  /**
   * Whether a lookup can hit a record this connection did not write: false
   * while the journal held no hit when opened and no other connection has
   * committed since (`PRAGMA data_version`). While false, a lookup asks
   * SQLite only for keys in {@link Journal.#own}.
   */
  #foreign = true;
  #dataVersion = 0;
  readonly #version: StatementSync;
  /** A Bloom filter of the keys this connection committed as hits (while `#foreign` is false). */
  #own: Uint32Array | undefined;
  readonly #endRead = () => this.#finishRead();

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.filesDir = path + ".files";
    this.#db = db;
    this.#version = db.prepare("PRAGMA data_version");
    this.#dataVersion = (this.#version.get() as { data_version: number }).data_version;
    if (db.prepare("SELECT 1 FROM hits LIMIT 1").get() === undefined) {
      this.#foreign = false;
      this.#own = new Uint32Array(BLOOM_WORDS);
    }
    const one = db.prepare("SELECT k2, rec, vt, value, outputs FROM hits WHERE k = ?");
    const many = db.prepare(
      `SELECT j.key, h.k2, h.rec, h.vt, h.value, h.outputs
       FROM json_each(?) AS j JOIN hits AS h ON h.k = j.value`,
    );
    // rows as arrays where the runtime can (no object with named fields per row)
    const arrays = (st: StatementSync) => {
      const x = st as unknown as { setReturnArrays?: (on: boolean) => void };
      if (typeof x.setReturnArrays !== "function") return false;
      x.setReturnArrays(true);
      return true;
    };
    if (arrays(one) && arrays(many)) {
      this.#hitOne = (k) => one.get(k) as unknown as SQLInputValue[] | undefined;
      this.#hitMany = (ks) => many.all(ks) as unknown as SQLInputValue[][];
    } else {
      const row = (
        r: Record<string, SQLInputValue>,
      ) => [r.k2!, r.rec!, r.vt!, r.value!, r.outputs!];
      this.#hitOne = (k) => {
        const r = one.get(k) as Record<string, SQLInputValue> | undefined;
        return r === undefined ? undefined : row(r);
      };
      this.#hitMany = (ks) =>
        (many.all(ks) as Record<string, SQLInputValue>[]).map((r) => [r.key!, ...row(r)]);
    }
    this.#insertBatch = db.prepare(
      "INSERT INTO batches (id, run, time, n, recs) VALUES (?, ?, ?, ?, ?)",
    );
    const hit = "(?, ?, ?, ?, ?, ?)";
    this.#insertHitsOne = db.prepare(
      `INSERT OR REPLACE INTO hits (k, k2, rec, vt, value, outputs) VALUES ${hit}`,
    );
    this.#insertHitsMany = db.prepare(
      `INSERT OR REPLACE INTO hits (k, k2, rec, vt, value, outputs) VALUES ${
        new Array(HITS_PER_INSERT).fill(hit).join(", ")
      }`,
    );
    this.#getBatch = db.prepare(
      "SELECT id, run, time, recs FROM batches WHERE id <= ? ORDER BY id DESC LIMIT 1",
    );
    this.#nextId = db.prepare("SELECT id + n AS next FROM batches ORDER BY id DESC LIMIT 1");
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
        `Cannot open journal as 'busyTimeout' must be a non-negative integer: ${received(busy)}`,
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
      // NORMAL: a commit survives the process being killed (the WAL is written, not
      // synced); checkpoints (which sync) every 64 MiB of WAL, not SQLite's 4 MiB — on
      // this project's machines they were most of the cost of small commits
      db.exec(
        "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 16384; PRAGMA journal_size_limit = 67108864",
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
      row = this.#hitOne(k52(key));
    } catch (e) {
      throw this.#error("read", e);
    }
    return row === undefined ? undefined : hitOf(row, 0, key);
  }

  /**
   * {@link Journal.lookup} for many keys in one query: a batch of tasks that
   * became ready together pays one round trip into SQLite instead of one
   * each.
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
    for (let from = 0; from < n; from += LOOKUP_BATCH) {
      const to = Math.min(n, from + LOOKUP_BATCH);
      ks.length = to - from;
      let any = false;
      for (let i = from; i < to; i++) {
        const key = keys[i]!;
        if (own !== undefined && !bloomHas(own, key)) ks[i - from] = null;
        else {
          ks[i - from] = k52(key);
          any = true;
        }
      }
      if (!any) continue;
      let rows: SQLInputValue[][];
      try {
        rows = this.#hitMany(JSON.stringify(ks));
      } catch (e) {
        throw this.#error("read", e);
      }
      for (const row of rows) {
        const at = from + (row[0] as number);
        out[at] = hitOf(row, 1, keys[at]!);
      }
    }
    return out;
  }

  /** The committed batch that holds record `rec`, decoded (cached: batches never change). */
  #batch(rec: number): Batch | undefined {
    const cache = this.#batches;
    for (const b of cache.values()) if (b.id <= rec && rec < b.id + b.lines.length) return b;
    let row: Row | undefined;
    try {
      row = this.#getBatch.get(rec) as Row | undefined;
    } catch (e) {
      throw this.#error("read", e);
    }
    if (row === undefined) return undefined;
    const batch = batchOf(row);
    if (cache.size >= BATCH_CACHE) cache.delete(cache.keys().next().value!);
    cache.set(batch.id, batch);
    return batch;
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

  // ------------------------------------------------------------------ writes

  /**
   * Stages an outcome for the next {@link Journal.commit}. A `DONE` value
   * that `node:v8` cannot serialise is staged without it (the task will run
   * again next time); so is one given `noValue`. Errors keep their name and
   * message (capped at {@link MAX_NOTE} characters).
   *
   * @param run the run's id (from {@link Journal.beginRun})
   * @param record the outcome
   * @throws {TypeError} when `state` or `kind` is unknown
   * @throws {Error} when a new task definition cannot be written
   */
  stage(run: number, record: TaskRecord): void {
    const state = STATE_CODE[record.state];
    const kind = KIND_CODE[record.kind];
    if (state === undefined || kind === undefined) {
      throw new TypeError(
        `Cannot stage journal record as 'state' or 'kind' is unknown: ${
          received(`${safeString(record.state)} / ${safeString(record.kind)}`)
        }`,
      );
    }
    const key = record.key ?? "";
    if (key !== "" && !isHexKey(key)) {
      throw new TypeError(
        `Cannot stage journal record as 'key' must be 64 lowercase hex characters: ${
          received(key)
        }`,
      );
    }
    let c = this.#staging.get(run);
    const time = record.time ?? Date.now();
    if (c === undefined || c.lines.length === MAX_BATCH) {
      if (c !== undefined) this.#full.push(c);
      c = {
        run,
        t0: time,
        lines: [],
        hitKeys: [],
        hk: new Float64Array(16),
        hk2: new Float64Array(16),
        hline: new Uint16Array(16),
        hvt: new Uint8Array(16),
        hval: undefined,
        hout: undefined,
      };
      this.#staging.set(run, c);
    }
    const name = escape(record.name);
    const uid = escape(record.uid);
    const dt = time - c.t0;
    this.#nStaged++;
    if (record.cached && state === 1) {
      c.lines.push(
        `${key}\t${uid}\t${name}\t${kind}\t1\t\t${dt}\t0\t\t\t${record.source ?? ""}`,
      );
      return;
    }
    let vt: number = VT.NONE;
    let value: SQLInputValue = null;
    let note: string | undefined;
    if (state === 1) {
      if (record.noValue !== undefined) note = capText(record.noValue, MAX_NOTE);
      else if (key === "") note = "no key";
      else {
        const v = record.value;
        if (v === undefined) vt = VT.UNDEFINED;
        else if (v === null) vt = VT.NULL;
        else if (v === true) vt = VT.TRUE;
        else if (v === false) vt = VT.FALSE;
        else if (typeof v === "number" && Number.isFinite(v)) {
          vt = VT.NUMBER;
          value = v;
        } else if (typeof v === "string" && v.isWellFormed()) {
          vt = VT.STRING;
          value = v;
        } else {
          try {
            const bytes = serialize(v);
            if (bytes.length > MAX_VALUE_BYTES) {
              throw new RangeError(
                `the value takes ${bytes.length} bytes (at most ${MAX_VALUE_BYTES})`,
              );
            }
            vt = VT.V8;
            value = bytes;
          } catch (e) {
            note = capText(`value not recorded: ${errorText(e)}`, MAX_NOTE);
          }
        }
      }
    } else {
      note = capText(errorText(record.error), MAX_NOTE);
    }
    const parts = record.parts;
    let def = "", args = "", extra = "";
    if (parts !== undefined) {
      def = this.#defId(parts.def);
      const a = parts.args;
      args = a.length === 0 ? "" : a.length === 1 ? a[0]! : a.join(",");
    }
    const outputs = record.outputs !== undefined && record.outputs.length !== 0
      ? JSON.stringify(record.outputs)
      : undefined;
    const more = parts === undefined ? undefined : otherParts(parts);
    if (more !== undefined || note !== undefined || outputs !== undefined) {
      extra = "{";
      if (outputs !== undefined) extra += `"outputs":${outputs}`;
      if (more !== undefined) extra += `${extra.length > 1 ? "," : ""}"parts":${more}`;
      if (note !== undefined) {
        extra += `${extra.length > 1 ? "," : ""}"note":${JSON.stringify(note)}`;
      }
      extra += "}";
    }
    if (vt !== VT.NONE) {
      const h = c.hitKeys.length;
      if (h === c.hk.length) grow(c);
      c.hitKeys.push(key);
      c.hk[h] = k52(key);
      c.hk2[h] = k2(key);
      c.hline[h] = c.lines.length;
      c.hvt[h] = vt;
      if (value !== null) (c.hval ??= new Map()).set(h, value);
      if (outputs !== undefined) (c.hout ??= new Map()).set(h, outputs);
    }
    c.lines.push(
      `${key}\t${uid}\t${name}\t${kind}\t${state}\t${def}\t${dt}\t${vt}\t${args}\t${extra}\t`,
    );
  }

  /** Records staged and not yet committed. */
  get staged(): number {
    return this.#nStaged;
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
    if (this.#nStaged === 0) return;
    const chunks = this.#full;
    for (const c of this.#staging.values()) chunks.push(c);
    this.#full = [];
    this.#staging = new Map();
    this.#nStaged = 0;
    this.#finishRead();
    this.#write("commit outcomes", () => {
      const db = this.#db;
      db.exec("BEGIN IMMEDIATE");
      try {
        for (const c of chunks) this.#insertHits(c, this.#insert(c));
        // our own commit does not change data_version; another's in the meantime does
        if (!this.#foreign) this.#checkForeign();
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
    const own = this.#own;
    if (own !== undefined) { for (const c of chunks) for (const k of c.hitKeys) bloomAdd(own, k); }
  }

  /** One chunk's batch row; returns the number of its first record. */
  #insert(c: Chunk): number {
    const last = this.#nextId.get() as { next: number } | undefined;
    const base = last?.next ?? 1;
    this.#insertBatch.run(base, c.run, c.t0, c.lines.length, c.lines.join("\n"));
    return base;
  }

  /** The `hits` rows of a chunk whose first record is `base`. */
  #insertHits(c: Chunk, base: number): void {
    const n = c.hitKeys.length;
    const params: SQLInputValue[] = new Array(HIT_COLS * Math.min(n, HITS_PER_INSERT));
    const fill = (h: number, at: number) => {
      params[at] = c.hk[h]!;
      params[at + 1] = c.hk2[h]!;
      params[at + 2] = base + c.hline[h]!;
      params[at + 3] = c.hvt[h]!;
      params[at + 4] = c.hval?.get(h) ?? null;
      params[at + 5] = c.hout?.get(h) ?? null;
    };
    let h = 0;
    for (; h + HITS_PER_INSERT <= n; h += HITS_PER_INSERT) {
      for (let j = 0; j < HITS_PER_INSERT; j++) fill(h + j, HIT_COLS * j);
      this.#insertHitsMany.run(...params);
    }
    for (; h < n; h++) {
      fill(h, 0);
      this.#insertHitsOne.run(...params.slice(0, HIT_COLS));
    }
  }

  #defId(def: DefinitionParts): string {
    const known = this.#defIds.get(def);
    if (known !== undefined) return known;
    const json = JSON.stringify(def);
    this.#finishRead();
    const id = this.#write("record a task definition", () => {
      const db = this.#db;
      db.prepare("INSERT OR IGNORE INTO defs (parts) VALUES (?)").run(json);
      const row = db.prepare("SELECT id FROM defs WHERE parts = ?").get(json) as { id: number };
      return String(row.id);
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
  storeOutputs(
    files: readonly { readonly name: string; readonly path: string }[],
  ): Promise<StoredOutput[] | undefined> {
    return storeFiles(this.filesDir, files);
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
  restoreOutputs(outputs: readonly StoredOutput[], sandbox: string): Promise<void> {
    return restoreFiles(this.filesDir, outputs, sandbox);
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
    return rows.map((r) => ({
      id: r.id as number,
      engine: r.engine as string,
      started: r.started as number,
      ended: (r.ended ?? undefined) as number | undefined,
      // a run that did not end (its process died) is counted from its records
      counts: r.ended === null ? this.#count(r.id as number) : {
        done: r.done as number,
        failed: r.failed as number,
        cancelled: r.cancelled as number,
        cached: r.cached as number,
      },
      pid: r.pid as number,
      host: r.host as string,
    }));
  }

  #count(run: number): RunCounts {
    const c = { done: 0, failed: 0, cancelled: 0, cached: 0 };
    this.#eachBatch(run, (batch) => {
      for (const line of batch.lines) {
        const f = line.split("\t", F.STATE + 1);
        const state = f[F.STATE];
        if (state === "1") c.done++;
        else if (state === "2") c.failed++;
        else c.cancelled++;
        if (line.charCodeAt(line.length - 1) !== 9) c.cached++; // a source at the end
      }
      return true;
    });
    return c;
  }

  /** Calls `fn` for each batch, newest first (of `run` only, if given), until it returns false. */
  #eachBatch(run: number | undefined, fn: (batch: Batch) => boolean): void {
    this.#finishRead();
    const rows = this.#read(() =>
      run === undefined
        ? this.#db.prepare("SELECT id, run, time, recs FROM batches ORDER BY id DESC")
          .iterate()
        : this.#db.prepare(
          "SELECT id, run, time, recs FROM batches WHERE run = ? ORDER BY id DESC",
        ).iterate(run)
    ) as Iterable<Row>;
    for (const r of rows) if (!fn(batchOf(r))) break;
  }

  /**
   * Recorded task outcomes, newest first; hits (tasks completed from the
   * journal) are listed with `cached: true` unless `before` or `otherKey` is
   * given. Reads the records from the newest back until `limit` are found.
   *
   * @param filter which ones
   * @returns the records
   * @throws {TypeError} when `filter.state` is not a state
   */
  tasks(filter: TaskFilter = {}): TaskInfo[] {
    const limit = Math.max(0, Math.floor(filter.limit ?? 1000));
    let state: string | undefined;
    if (filter.state !== undefined) {
      const code = STATE_CODE[filter.state];
      if (code === undefined) {
        throw new TypeError(
          `Cannot list tasks as 'state' must be DONE, FAILED or CANCELLED: ${
            received(filter.state)
          }`,
        );
      }
      state = String(code);
    }
    const noHits = filter.before !== undefined || filter.otherKey !== undefined;
    const out: TaskInfo[] = [];
    if (limit === 0) return out;
    const { key, otherKey, before } = filter;
    const uid = filter.uid === undefined ? undefined : escape(filter.uid);
    const name = filter.name === undefined ? undefined : escape(filter.name);
    this.#eachBatch(filter.run, (batch) => {
      const base = batch.id;
      if (before !== undefined && base >= before) return true;
      const lines = batch.lines;
      for (let i = lines.length - 1; i >= 0; i--) {
        const rec = base + i;
        if (before !== undefined && rec >= before) continue;
        const line = lines[i]!;
        const f = line.split("\t");
        if (state !== undefined && f[F.STATE] !== state) continue;
        if (name !== undefined && f[F.NAME] !== name) continue;
        if (uid !== undefined && f[F.UID] !== uid) continue;
        if (key !== undefined && f[F.KEY] !== key) continue;
        if (otherKey !== undefined && (f[F.KEY] === "" || f[F.KEY] === otherKey)) continue;
        if (noHits && f[F.SOURCE] !== "") continue;
        out.push(taskInfo(rec, batch, f));
        if (out.length === limit) return false;
      }
      return true;
    });
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
    let rec = task.id;
    for (let hop = 0; hop < 2; hop++) {
      const batch = this.#batch(rec);
      const line = batch?.lines[rec - batch.id];
      if (line === undefined) return undefined;
      const f = line.split("\t");
      if (f[F.SOURCE] !== "") {
        rec = Number(f[F.SOURCE]);
        continue;
      }
      if (f[F.DEF] === "") return undefined;
      const def = this.#read(() =>
        this.#db.prepare("SELECT parts FROM defs WHERE id = ?").get(Number(f[F.DEF]))
      ) as { parts: string } | undefined;
      if (def === undefined) return undefined;
      const extra = f[F.EXTRA] === ""
        ? undefined
        : (JSON.parse(f[F.EXTRA]!) as { parts?: object }).parts;
      const args = f[F.ARGS] === "" ? [] : f[F.ARGS]!.split(",");
      return { ...extra, args, def: JSON.parse(def.parts) as DefinitionParts } as KeyParts;
    }
    return undefined;
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
    this.#staging = new Map();
    this.#full = [];
    this.#nStaged = 0;
    this.#batches.clear();
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
        `Cannot open journal as 'path' must be a path or a file: URL: ${received(path)}`,
      );
    }
    if (url.protocol !== "file:") {
      throw new TypeError(
        `Cannot open journal as 'path' must be a path or a file: URL: ${received(url.href)}`,
      );
    }
    return fileURLToPath(url);
  }
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(
      `Cannot open journal as 'path' must be a non-empty string or a file: URL: ${received(path)}`,
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

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return "";
  }
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
