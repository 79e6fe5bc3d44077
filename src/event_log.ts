/**
 * A JSON-lines log of {@link FlowEvent}s: one event per line, written in
 * batches.
 *
 * Each line is the event as JSON, with its `error` (if any) turned into a
 * plain object `{ name, message, stack?, ... }` so it survives the round
 * trip. {@link parseEventLog} reads such a file back.
 *
 * @module
 */
import type { FlowEvent, FlowListener } from "./events.ts";
import { received, safeString } from "./_text.ts";

/** Options of {@link EventLog.open}. */
export interface EventLogOptions {
  /**
   * Buffered characters that trigger a write at once.
   *
   * @default {65536}
   */
  bufferSize?: number;
  /**
   * Longest time (ms) a line waits in the buffer before it is written.
   *
   * @default {50}
   */
  flushInterval?: number;
}

/** An error as it is stored in the log. */
export interface SerializedError {
  /** The error's `name` (`"Error"` for values that are not errors). */
  name: string;
  /** The error's `message` (or the value as a string). */
  message: string;
  /** The stack, when the error has one. */
  stack?: string;
  /** Further own fields of the error that are plain JSON data. */
  [field: string]: unknown;
}

const encoder = new TextEncoder();
const MAX_FIELD = 4096;
const SKIP_FIELDS = new Set(["name", "message", "stack", "cause"]);

/**
 * Turn an error into plain JSON data: `{ name, message, stack?, cause?, ... }`.
 * Own enumerable fields whose JSON is short (exit codes, failed dependencies,
 * reasons) are kept, errors among them (`cause`, `rootCause`) are turned
 * the same way (4 levels deep at most); long strings are cut to 4096
 * characters.
 *
 * @param error any thrown value
 * @returns a plain object that `JSON.stringify` accepts
 */
export function serializeError(error: unknown): SerializedError {
  return serializeAt(error, 0);
}

function serializeAt(error: unknown, depth: number): SerializedError {
  if (!(error instanceof Error)) {
    return { name: "Error", message: typeof error === "string" ? error : safeString(error) };
  }
  const out: SerializedError = { name: String(error.name), message: String(error.message) };
  if (typeof error.stack === "string") out.stack = cut(error.stack);
  for (const key of Object.keys(error)) {
    if (SKIP_FIELDS.has(key)) continue;
    const v = (error as unknown as Record<string, unknown>)[key];
    if (typeof v === "string") out[key] = cut(v);
    else if (typeof v === "number" || typeof v === "boolean" || v === null) out[key] = v;
    else if (v instanceof Error) {
      if (depth < 4) out[key] = serializeAt(v, depth + 1);
    } else if (typeof v === "object") {
      try {
        const json = JSON.stringify(v);
        if (json !== undefined && json.length <= MAX_FIELD) out[key] = JSON.parse(json);
      } catch {
        // not plain data: left out
      }
    }
  }
  if (error.cause !== undefined && depth < 4) out.cause = serializeAt(error.cause, depth + 1);
  return out;
}

function cut(s: string): string {
  return s.length <= MAX_FIELD ? s : s.slice(0, MAX_FIELD) + "…";
}

/** JSON for what plain JSON refuses: BigInt as a string, Map as an object, Set as an array. */
function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  return v;
}

/** One event as one JSON line (with the trailing newline). */
function eventLine(ev: FlowEvent): string {
  if (ev.error === undefined) return JSON.stringify(ev, jsonValue) + "\n";
  return JSON.stringify({ ...ev, error: serializeError(ev.error) }, jsonValue) + "\n";
}

/**
 * Writes every {@link FlowEvent} it is given as one JSON line to a file.
 *
 * Lines are buffered and written in batches (when the buffer holds
 * `bufferSize` characters, or `flushInterval` ms after the first line of a
 * batch), never one write per event. {@link EventLog.close} writes what is
 * left and closes the file; nothing given to the listener before `close()`
 * is lost.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { WorkflowEngine } from "../mod.ts";
 * import { EventLog, parseEventLog } from "./event_log.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * const log = await EventLog.open(path);
 * const flow = await WorkflowEngine.create();
 * flow.subscribe(log.listener);
 * await flow.functionTask((x: number) => x + 1, { name: "increment" })(1);
 * await flow.shutdown();
 * await log.close();
 * const events = parseEventLog(await Deno.readTextFile(path));
 * assert(events[0]?.type === "TaskCreated" && events.at(-1)?.type === "TaskCompleted");
 * await Deno.remove(path);
 * ```
 */
export class EventLog {
  #file: Deno.FsFile;
  #path: string;
  #parts: string[] = [];
  #size = 0;
  #bufferSize: number;
  #interval: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #error: unknown;
  #closed: Promise<void> | undefined;
  #lines = 0;
  #dropped = 0;

  private constructor(file: Deno.FsFile, path: string, bufferSize: number, interval: number) {
    this.#file = file;
    this.#path = path;
    this.#bufferSize = bufferSize;
    this.#interval = interval;
  }

  /**
   * Create (or truncate) the file at `path` and return a log writing to it.
   * A log is written by one writer at a time: the file is locked (`flock`)
   * while the log is open, and a path another log (of this process or
   * another) has open is refused — two engines never tear each other's lines.
   *
   * @param path the file to write (its folder must exist)
   * @param options see {@link EventLogOptions}
   * @returns the open log
   * @throws {TypeError} when `path` is not a non-empty string or a URL, or an option is bad
   * @throws {Error} when the file cannot be opened (the cause is Deno's error), or
   * another open log writes to it
   */
  static async open(path: string | URL, options: EventLogOptions = {}): Promise<EventLog> {
    if (!(path instanceof URL) && (typeof path !== "string" || path.length === 0)) {
      throw new TypeError(
        `Cannot open event log as 'path' must be a non-empty string or a URL: ${received(path)}`,
      );
    }
    const bufferSize = options.bufferSize ?? 65536;
    const interval = options.flushInterval ?? 50;
    if (!Number.isInteger(bufferSize) || bufferSize < 0) {
      throw new TypeError(
        `Cannot open event log as 'bufferSize' must be a non-negative integer: ${
          received(bufferSize)
        }`,
      );
    }
    if (!Number.isFinite(interval) || interval < 0) {
      throw new TypeError(
        `Cannot open event log as 'flushInterval' must be a non-negative number: ${
          received(interval)
        }`,
      );
    }
    const shown = path instanceof URL ? path.href : path;
    let file: Deno.FsFile;
    try {
      // not truncated before the lock is ours: another writer's lines stay intact
      file = await Deno.open(path, { write: true, create: true });
    } catch (e) {
      throw new Error(
        `Cannot open event log as the file cannot be created: ${received(shown)}`,
        { cause: e },
      );
    }
    let locked = false;
    try {
      locked = await file.tryLock(true);
      if (locked) await file.truncate(0);
    } catch (e) {
      file.close();
      throw new Error(`Cannot open event log as the file cannot be locked: ${received(shown)}`, {
        cause: e,
      });
    }
    if (!locked) {
      file.close();
      throw new Error(
        `Cannot open event log as another engine writes to it (give each engine its own eventLog): ${
          received(shown)
        }`,
      );
    }
    return new EventLog(file, shown, bufferSize, interval);
  }

  /** The file this log writes to. */
  get path(): string {
    return this.#path;
  }

  /** Lines accepted so far (written or buffered). */
  get lines(): number {
    return this.#lines;
  }

  /** Events given to the listener after {@link EventLog.close} was called (not written). */
  get dropped(): number {
    return this.#dropped;
  }

  /** The listener to pass to `flow.subscribe`; it never throws. */
  readonly listener: FlowListener = (event: FlowEvent): void => {
    if (this.#closed !== undefined) {
      this.#dropped++;
      return;
    }
    let line: string;
    try {
      line = eventLine(event);
    } catch (e) {
      // a circular or exotic field: keep the event, say what was lost
      line = JSON.stringify({
        type: event.type,
        uid: event.uid,
        name: event.name,
        time: event.time,
        workflowId: event.workflowId,
        unserializable: serializeError(e),
      }) + "\n";
    }
    this.#parts.push(line);
    this.#size += line.length;
    this.#lines++;
    if (this.#size >= this.#bufferSize) this.#flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, this.#interval);
    }
  };

  /** Hand the buffered lines to the writer (writes stay in order). */
  #flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#parts.length === 0) return;
    const bytes = encoder.encode(this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
    this.#writing = this.#writing.then(() => this.#writeAll(bytes));
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    if (this.#error !== undefined) return;
    try {
      let off = 0;
      while (off < bytes.length) off += await this.#file.write(bytes.subarray(off));
    } catch (e) {
      this.#error = e;
    }
  }

  /**
   * Write the lines still buffered, wait for every write, close the file.
   * Idempotent.
   *
   * @throws {Error} when a write failed (the cause is Deno's error)
   */
  close(): Promise<void> {
    return this.#closed ??= this.#close();
  }

  async #close(): Promise<void> {
    this.#flush();
    await this.#writing;
    try {
      await this.#file.unlock();
    } catch {
      // closing releases it anyway
    }
    try {
      this.#file.close();
    } catch {
      // already closed
    }
    if (this.#error !== undefined) {
      throw new Error(
        `Cannot write event log as a write to the file failed: ${received(this.#path)}`,
        { cause: this.#error },
      );
    }
  }

  /** Calls {@link EventLog.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const EVENT_TYPES = new Set([
  "TaskCreated",
  "TaskReady",
  "TaskSubmitted",
  "TaskStarted",
  "TaskCached",
  "TaskRetrying",
  "TaskCompleted",
  "TaskFailed",
  "TaskCancelled",
]);

/**
 * Read the text of an event log back into events. Blank lines are skipped;
 * errors stay the plain objects the log holds ({@link SerializedError}).
 *
 * @param text the file's content
 * @returns the events, in file order
 * @throws {SyntaxError} naming the line when a line is not JSON or not an event
 */
export function parseEventLog(text: string): FlowEvent[] {
  const events: FlowEvent[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.length === 0) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new SyntaxError(
        `Cannot parse event log as line ${i + 1} is not JSON: ${received(line.slice(0, 80))}`,
        { cause: e },
      );
    }
    const problem = eventProblem(v);
    if (problem !== undefined) {
      throw new SyntaxError(
        `Cannot parse event log as line ${i + 1} is not a flow event (${problem}): ${
          received(line.slice(0, 80))
        }`,
      );
    }
    events.push(v as FlowEvent);
  }
  return events;
}

/** Why `v` is not a {@link FlowEvent}, or `undefined` when it is one. */
export function eventProblem(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not an object";
  const o = v as Record<string, unknown>;
  if (typeof o.type !== "string") return "bad 'type'";
  if (!EVENT_TYPES.has(o.type)) {
    // a custom event: a dotted type, attrs, no task
    if (!/^[^.]+\..+$/.test(o.type)) return "bad 'type'";
    if (typeof o.time !== "number" || !Number.isFinite(o.time)) return "bad 'time'";
    if (typeof o.attrs !== "object" || o.attrs === null) return "bad 'attrs'";
    return undefined;
  }
  if (typeof o.uid !== "string" || o.uid.length === 0) return "bad 'uid'";
  if (typeof o.name !== "string") return "bad 'name'";
  if (typeof o.time !== "number" || !Number.isFinite(o.time)) return "bad 'time'";
  if (o.workflowId !== undefined && typeof o.workflowId !== "string") return "bad 'workflowId'";
  if (o.backend !== undefined && typeof o.backend !== "string") return "bad 'backend'";
  if (
    o.deps !== undefined &&
    (!Array.isArray(o.deps) || !o.deps.every((d) => typeof d === "string"))
  ) return "bad 'deps'";
  return undefined;
}
