/**
 * Serve the dashboard page for a finished run, from its event log (JSON
 * lines, as written by `EventLog` / the engine's `eventLog` option) or from
 * its journal (the engine's `journal` option: a SQLite file, told apart by
 * its header), until Ctrl-C.
 *
 * ```sh
 * deno task dashboard events.jsonl [--port N] [--hostname H] [--title TEXT]
 * deno task dashboard run.db [--run N] [--port N] [--hostname H] [--title TEXT]
 * ```
 *
 * A journal records when each task became final, not when it started (nor
 * its workflow or backend): its tasks are points on the timeline, and the
 * page says so.
 *
 * @module
 */
import { parseFlags } from "./_args.ts";
import { parseEventLog } from "../src/event_log.ts";
import { checkDashboardOptions, type DashboardSource, startDashboard } from "../src/dashboard.ts";
import { isSqliteFile, journalRun } from "../src/dashboard/_journal.ts";

const USAGE = `Usage: deno task dashboard <events.jsonl | journal.db> [options]

Serves the live dashboard's page for a finished run until Ctrl-C, from its
event log (the engine's eventLog) or its journal (the engine's journal).
A journal records when each task became final, not when it started: its
tasks are points on the timeline, not bars.

Options:
  --run N          a journal: the run to show (default: its latest)
  --port N         the TCP port (default: 0, a free one)
  --hostname H     the address to listen on (default: 127.0.0.1)
  --title TEXT     the page title (default: the file's name)
  -h, --help       show this help`;

/**
 * Run the tool.
 *
 * @param args the command-line arguments
 * @param out where messages go (default: the console)
 * @param signal stops the server (default: SIGINT or SIGTERM)
 * @returns the exit code: 0 after a clean stop, 1 when the log or journal cannot be read or
 * the server cannot listen, 2 for bad usage, a malformed log or a run the journal does not have
 */
export async function main(
  args: string[],
  out: { log(s: string): void; error(s: string): void } = console,
  signal?: AbortSignal,
): Promise<number> {
  const { values: flags, positionals: positional, unknown } = parseFlags(args, {
    string: ["port", "hostname", "title", "run"],
    boolean: ["help"],
    alias: { h: "help" },
  });
  if (unknown !== undefined) {
    out.error(`Cannot serve dashboard as the option is unknown: received ${unknown}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    out.log(USAGE);
    return 0;
  }
  if (positional.length !== 1) {
    out.error(
      `Cannot serve dashboard as exactly one event log or journal is needed: received ${positional.length}\n\n${USAGE}`,
    );
    return 2;
  }
  const input = positional[0]!;
  const options: { port?: number; hostname?: string } = {};
  if (flags.port !== undefined) options.port = Number(flags.port);
  if (flags.hostname !== undefined) options.hostname = flags.hostname;
  try {
    checkDashboardOptions(options, ["port", "hostname"]);
  } catch (e) {
    out.error((e as Error).message.replace(`'port'`, "--port").replace(`'hostname'`, "--hostname"));
    return 2;
  }
  let run: number | undefined;
  if (flags.run !== undefined) {
    run = Number(flags.run);
    if (!/^\d+$/.test(flags.run) || !Number.isSafeInteger(run) || run < 1) {
      out.error(
        `Cannot serve dashboard as --run must be a positive integer: received ${flags.run}`,
      );
      return 2;
    }
  }
  let source: DashboardSource | undefined;
  let what = input;
  if (await isSqliteFile(input)) {
    try {
      const j = journalRun(input, { run, title: flags.title });
      source = j.source;
      what = `${input}, run ${j.run.id} of ${j.runs} (${j.run.engine})`;
      out.log(`Journal ${what}: ${j.source.note}`);
    } catch (e) {
      out.error(e instanceof Error ? e.message : String(e));
      return e instanceof RangeError ? 2 : 1;
    }
  } else {
    if (run !== undefined) {
      out.error(`Cannot serve dashboard as --run is for a journal, not an event log: ${input}`);
      return 2;
    }
    let text: string;
    try {
      text = await Deno.readTextFile(input);
    } catch (e) {
      out.error(`Cannot serve dashboard as the event log cannot be read: received ${input} (${e})`);
      return 1;
    }
    try {
      source = {
        title: flags.title ?? input.split("/").at(-1) ?? input,
        history: parseEventLog(text),
      };
    } catch (e) {
      out.error(e instanceof Error ? e.message : String(e));
      return 2;
    }
    text = "";
  }
  let dash;
  try {
    dash = await startDashboard(source, options);
  } catch (e) {
    out.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  source = undefined; // folded into the dashboard's state
  if (signal === undefined) {
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
    stop.signal.addEventListener("abort", () => {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    });
    signal = stop.signal;
  }
  out.log(`Dashboard of ${what}: ${dash.url}  (Ctrl-C stops it)`);
  if (!signal.aborted) {
    // the server does not keep the process alive by itself: this timer does, until the signal
    const keepAlive = setInterval(() => {}, 1 << 30);
    await new Promise<void>((resolve) => signal!.addEventListener("abort", () => resolve()));
    clearInterval(keepAlive);
  }
  await dash.close();
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
