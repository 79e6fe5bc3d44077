/**
 * Read a journal: list its runs and its tasks by state, and say why a task
 * ran again.
 *
 * ```sh
 * deno task journal runs <journal.db>
 * deno task journal tasks <journal.db> [--run N] [--state DONE|FAILED|CANCELLED] [--name NAME] [--limit N]
 * deno task journal explain <journal.db> <task> [--run N]
 * ```
 *
 * `<task>` is a task name, a uid (`task.000012`) or a key. Add `--json` for
 * machine-readable output.
 *
 * @module
 */
import { parseFlags } from "./_args.ts";
import { Journal } from "../src/journal/store.ts";
import type { RecordState, RunInfo, TaskInfo } from "../src/journal/types.ts";
import { explainTask } from "../src/journal/explain.ts";

const USAGE = `Usage: deno task journal <command> <journal.db> [options]

Commands:
  runs <journal.db>            the runs recorded, oldest first
  tasks <journal.db>           task records, newest first
  explain <journal.db> <task>  why a task ran again: what changed in its key
                               (<task> is a name, a uid like task.000012, or a key)

Options:
  --run N                      tasks, explain: only this run
  --state DONE|FAILED|CANCELLED  tasks: only this state
  --name NAME                  tasks: only tasks of this name
  --limit N                    tasks: at most N records (default 100)
  --json                       print JSON instead of text
  -h, --help                   show this help`;

/** Where the tool writes. */
export interface Output {
  /** Normal output. */
  log(s: string): void;
  /** Errors. */
  error(s: string): void;
}

/**
 * Run the tool.
 *
 * @param args the command-line arguments
 * @param out where messages go (default: the console)
 * @returns the exit code: 0 on success, 1 when the journal cannot be read, 2 for bad usage
 */
export function main(args: string[], out: Output = console): number {
  const { values: flags, positionals, unknown } = parseFlags(args, {
    string: ["run", "state", "name", "limit"],
    boolean: ["help", "json"],
    alias: { h: "help" },
  });
  if (unknown !== undefined) {
    out.error(`Cannot read journal as the option is unknown: received ${unknown}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    out.log(USAGE);
    return 0;
  }
  const [command, path, ...rest] = positionals;
  const usage = (why: string) => {
    out.error(`Cannot read journal as ${why}\n\n${USAGE}`);
    return 2;
  };
  if (command === undefined) return usage("no command is given");
  if (command !== "runs" && command !== "tasks" && command !== "explain") {
    return usage(`the command is unknown: received ${JSON.stringify(command)}`);
  }
  if (path === undefined) return usage("no journal file is given");
  const wanted = command === "explain" ? 1 : 0;
  if (rest.length !== wanted) {
    return usage(
      command === "explain"
        ? "explain needs one task (a name, uid or key) after the journal"
        : `'${command}' takes no argument after the journal: received ${rest.join(" ")}`,
    );
  }
  const int = (name: string, v: string | undefined): number | undefined | null => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) {
      usage(`--${name} must be a positive integer: received ${JSON.stringify(v)}`);
      return null;
    }
    return n;
  };
  const run = int("run", flags.run);
  const limit = int("limit", flags.limit);
  if (run === null || limit === null) return 2;
  const state = flags.state?.toUpperCase();
  if (state !== undefined && state !== "DONE" && state !== "FAILED" && state !== "CANCELLED") {
    return usage(
      `--state must be DONE, FAILED or CANCELLED: received ${JSON.stringify(flags.state)}`,
    );
  }

  let journal: Journal;
  try {
    journal = Journal.open(path, { create: false });
  } catch (e) {
    out.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  try {
    if (command === "runs") {
      const runs = journal.runs();
      out.log(flags.json ? JSON.stringify(runs, null, 2) : formatRuns(runs));
    } else if (command === "tasks") {
      const tasks = journal.tasks({
        run,
        state: state as RecordState | undefined,
        name: flags.name,
        limit: limit ?? 100,
      });
      out.log(flags.json ? JSON.stringify(tasks, null, 2) : formatTasks(tasks));
    } else {
      const x = explainTask(journal, rest[0]!, { run });
      if (flags.json) out.log(JSON.stringify(x, null, 2));
      else {
        const head = x.task === undefined
          ? undefined
          : `'${x.task.name}' ${x.task.uid} (run ${x.task.run}, record ${x.task.id}, ${
            x.task.cached ? "cached" : x.task.state
          })${
            x.previous !== undefined
              ? `, against record ${x.previous.id} (run ${x.previous.run}):`
              : ":"
          }`;
        const body = x.sentences.map((s) => "  " + s);
        out.log((head === undefined ? x.sentences : [head, ...body]).join("\n"));
      }
    }
    return 0;
  } catch (e) {
    out.error(e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    journal.close();
  }
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 23);
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/**
 * Runs as a text table.
 *
 * @param runs what `Journal.runs()` returned
 * @returns the table
 */
export function formatRuns(runs: readonly RunInfo[]): string {
  if (runs.length === 0) return "no runs recorded";
  return table(
    ["run", "engine", "started", "took", "done", "failed", "cancelled", "cached", "host:pid"],
    runs.map((r) => [
      String(r.id),
      r.engine,
      time(r.started),
      r.ended === undefined ? "did not end" : duration(r.ended - r.started),
      String(r.counts.done),
      String(r.counts.failed),
      String(r.counts.cancelled),
      String(r.counts.cached),
      `${r.host}:${r.pid}`,
    ]),
  );
}

/**
 * Task records as a text table.
 *
 * @param tasks what `Journal.tasks()` returned
 * @returns the table
 */
export function formatTasks(tasks: readonly TaskInfo[]): string {
  if (tasks.length === 0) return "no task records match";
  return table(
    ["record", "run", "state", "name", "uid", "key", "note"],
    tasks.map((t) => [
      String(t.id),
      String(t.run),
      t.cached ? "DONE (cached)" : t.state,
      t.name,
      t.uid,
      t.key?.slice(0, 12) ?? "-",
      (t.note ?? "").replace(/\s+/g, " ").slice(0, 80),
    ]),
  );
}

if (import.meta.main) {
  Deno.exit(main(Deno.args));
}
