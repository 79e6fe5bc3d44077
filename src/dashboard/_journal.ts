/**
 * A journal as a past run for the dashboard (internal): the events of one of
 * its runs, rebuilt from what the journal records.
 *
 * A journal keeps, per task, its uid, name, kind, final state, whether it
 * came from the cache, its key, the error's `name: message` and the time it
 * became final (the time its batch of records was committed) — not when it
 * was created, became ready or started, nor its workflow or backend (and it
 * records no block, nor a task cancelled before it had a key). So each
 * task gets a `TaskCreated` and its final event at that one time (a cached
 * one `TaskCached` between them): on the page it is a point, not a bar. The
 * run's start and end are custom events (`journal.RunStarted`,
 * `journal.RunEnded`), so the time axis spans the run.
 *
 * @module
 */
import type { FlowEvent } from "../events.ts";
import { Journal } from "../journal/store.ts";
import type { RunInfo, TaskInfo } from "../journal/types.ts";
import type { DashboardSource } from "../dashboard.ts";
import { received } from "../_text.ts";

/** What the page says of a journal's events. */
export const JOURNAL_NOTE =
  "Rebuilt from a journal, which records when each task became final (to the commit of its " +
  "batch) but not when it was created or started, nor its workflow or backend: each task is " +
  "a point at its final time, not a bar. Blocks are not recorded.";

/** The first 16 bytes of a SQLite database file. */
const SQLITE_MAGIC = "SQLite format 3\0";

/**
 * Whether the file at `path` starts like a SQLite database (a journal), not
 * like an event log.
 *
 * @param path a file path
 * @returns true for a SQLite file; false otherwise (or when it cannot be read)
 */
export async function isSqliteFile(path: string): Promise<boolean> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const head = new Uint8Array(16);
    let n = 0;
    while (n < 16) {
      const got = await file.read(head.subarray(n));
      if (got === null) break;
      n += got;
    }
    return n === 16 && new TextDecoder("latin1").decode(head) === SQLITE_MAGIC;
  } catch {
    return false;
  } finally {
    file?.close();
  }
}

/** `name: message` as an error object (the journal keeps errors as that text). */
function errorOf(note: string | undefined, state: string): { name: string; message: string } {
  if (note === undefined) {
    return { name: "Error", message: state === "CANCELLED" ? "cancelled" : "failed" };
  }
  const m = /^([A-Za-z_$][\w$]*): ([\s\S]*)$/.exec(note);
  return m !== null ? { name: m[1]!, message: m[2]! } : { name: "Error", message: note };
}

/**
 * The events of a run, rebuilt from its records (see the module doc).
 *
 * @param run the run
 * @param tasks its records, in any order
 * @returns the events, in time order
 */
export function journalEvents(run: RunInfo, tasks: readonly TaskInfo[]): FlowEvent[] {
  // in time order; within a batch (one time) in creation order, as uids number them
  const seq = (uid: string) => Number(uid.slice(uid.indexOf(".") + 1)) || 0;
  const sorted = [...tasks].sort((a, b) =>
    a.time - b.time || seq(a.uid) - seq(b.uid) || a.id - b.id
  );
  const out: FlowEvent[] = [];
  const first = sorted[0]?.time;
  out.push({
    type: "journal.RunStarted",
    time: first === undefined ? run.started : Math.min(run.started, first),
    attrs: { run: run.id, engine: run.engine, host: run.host, pid: run.pid },
  } as unknown as FlowEvent);
  for (const t of sorted) {
    const base = { uid: t.uid, name: t.name, time: t.time };
    const key = t.key === undefined ? {} : { key: t.key };
    out.push({ ...base, type: "TaskCreated" });
    if (t.state === "DONE") {
      if (t.cached) out.push({ ...base, type: "TaskCached", ...key, cached: true });
      out.push({ ...base, type: "TaskCompleted", ...key, ...(t.cached ? { cached: true } : {}) });
    } else {
      out.push({
        ...base,
        type: t.state === "FAILED" ? "TaskFailed" : "TaskCancelled",
        ...key,
        error: errorOf(t.note, t.state),
      });
    }
  }
  if (run.ended !== undefined) {
    out.push({
      type: "journal.RunEnded",
      time: Math.max(run.ended, out.at(-1)!.time),
      attrs: { run: run.id, ...run.counts },
    } as unknown as FlowEvent);
  }
  return out;
}

/** A journal's run as a {@link DashboardSource}, and what it was read from. */
export interface JournalRun {
  /** The source for `startDashboard`: the run's events and {@link JOURNAL_NOTE}. */
  readonly source: DashboardSource;
  /** The run shown. */
  readonly run: RunInfo;
  /** How many runs the journal holds. */
  readonly runs: number;
}

/**
 * Read one run of a journal (its latest by default) as a past run for the
 * dashboard. The journal is opened without creating it and closed before
 * this returns.
 *
 * @param path the journal's path
 * @param options `run`: the run's id; `title`: the page's title (default:
 * the file name and the run)
 * @returns the source and the run
 * @throws {Error} when the file is not a journal, holds no run, or has no run `run`
 */
export function journalRun(
  path: string,
  options: { run?: number | undefined; title?: string | undefined } = {},
): JournalRun {
  const journal = Journal.open(path, { create: false });
  try {
    const runs = journal.runs();
    if (runs.length === 0) {
      throw new Error(`Cannot show journal '${path}' as it holds no run`);
    }
    const run = options.run === undefined ? runs.at(-1)! : runs.find((r) => r.id === options.run);
    if (run === undefined) {
      throw new RangeError(
        `Cannot show journal '${path}' as 'run' must be one of its runs (${runs[0]!.id} to ${
          runs.at(-1)!.id
        }): ${received(options.run)}`,
      );
    }
    // every record of the run (a journal's record is small: about 200 bytes here)
    const tasks = journal.tasks({ run: run.id, limit: Number.MAX_SAFE_INTEGER });
    const file = path.split("/").at(-1) ?? path;
    return {
      source: {
        title: options.title ?? `${file} · run ${run.id} (${run.engine})`,
        history: journalEvents(run, tasks),
        note: run.ended === undefined
          ? `${JOURNAL_NOTE} This run did not record its end (its process may have died).`
          : JOURNAL_NOTE,
      },
      run,
      runs: runs.length,
    };
  } finally {
    journal.close();
  }
}
