/**
 * Serve the dashboard page for a finished run, from its event log (JSON
 * lines, as written by `EventLog` / the engine's `eventLog` option), until
 * Ctrl-C.
 *
 * ```sh
 * deno task dashboard events.jsonl [--port N] [--hostname H] [--title TEXT]
 * ```
 *
 * @module
 */
import { parseFlags } from "./_args.ts";
import { parseEventLog } from "../src/event_log.ts";
import { checkDashboardOptions, startDashboard } from "../src/dashboard.ts";

const USAGE = `Usage: deno task dashboard <events.jsonl> [options]

Serves the live dashboard's page for a finished run until Ctrl-C.

Options:
  --port N         the TCP port (default: 0, a free one)
  --hostname H     the address to listen on (default: 127.0.0.1)
  --title TEXT     the page title (default: the log's file name)
  -h, --help       show this help`;

/**
 * Run the tool.
 *
 * @param args the command-line arguments
 * @param out where messages go (default: the console)
 * @param signal stops the server (default: SIGINT or SIGTERM)
 * @returns the exit code: 0 after a clean stop, 1 when the log cannot be read or the server
 * cannot listen, 2 for bad usage or a malformed log
 */
export async function main(
  args: string[],
  out: { log(s: string): void; error(s: string): void } = console,
  signal?: AbortSignal,
): Promise<number> {
  const { values: flags, positionals: positional, unknown } = parseFlags(args, {
    string: ["port", "hostname", "title"],
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
      `Cannot serve dashboard as exactly one event log is needed: received ${positional.length}\n\n${USAGE}`,
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
  let text: string;
  try {
    text = await Deno.readTextFile(input);
  } catch (e) {
    out.error(`Cannot serve dashboard as the event log cannot be read: received ${input} (${e})`);
    return 1;
  }
  let events;
  try {
    events = parseEventLog(text);
  } catch (e) {
    out.error(e instanceof Error ? e.message : String(e));
    return 2;
  }
  text = "";
  let dash;
  try {
    dash = await startDashboard({
      title: flags.title ?? input.split("/").at(-1) ?? input,
      history: events,
    }, options);
  } catch (e) {
    out.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  events = undefined; // folded into the dashboard's state
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
  out.log(`Dashboard of ${input}: ${dash.url}  (Ctrl-C stops it)`);
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
