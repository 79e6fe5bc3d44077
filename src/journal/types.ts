/**
 * The journal's public types (a leaf module: the store, its line format and
 * the explanations all read them).
 *
 * @module
 */
import type { KeyParts } from "./key.ts";

/** Version of the journal's file format. */
export const JOURNAL_VERSION = 1;

/** A task's final state, as recorded. */
export type RecordState = "DONE" | "FAILED" | "CANCELLED";
/** The kinds of task a record can have. */
export type RecordKind = "function" | "executable" | "prompt" | "block";

/** Most characters of an error's message (or another note) a record keeps. */
export const MAX_NOTE = 2000;

/** The largest value recorded (a larger one is not: the task runs again next time). */
export const MAX_VALUE_BYTES = 256 * 1024 * 1024;

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
   * (`Hit.id`) as `source`. No value is kept (it is the source's).
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
  /** For a hit: the id of the record it hit. */
  readonly source: number | undefined;
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
