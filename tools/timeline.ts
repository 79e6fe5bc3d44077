/**
 * Turn an event log (JSON lines, as written by `EventLog`) into one
 * self-contained HTML timeline page.
 *
 * ```sh
 * deno task timeline events.jsonl timeline.html [--group task|workflow] [--title TEXT] [--width PX]
 * ```
 *
 * @module
 */
import { parseFlags } from "./_args.ts";
import { parseEventLog } from "../src/event_log.ts";
import { renderTimeline, type TimelineOptions } from "../src/timeline.ts";

const USAGE = `Usage: deno task timeline <events.jsonl> <out.html> [options]

Options:
  --group task|workflow  one row per task (default) or per workflow
  --title TEXT           the page title (default: "asyncflow timeline")
  --width PX             width of the plot area in pixels (default: 1000)
  -h, --help             show this help`;

/**
 * Run the tool.
 *
 * @param args the command-line arguments
 * @param out where messages go (default: the console)
 * @returns the exit code: 0 on success, 1 when the files cannot be read or written, 2 for bad usage
 */
export async function main(
  args: string[],
  out: { log(s: string): void; error(s: string): void } = console,
): Promise<number> {
  const { values: flags, positionals: positional, unknown } = parseFlags(args, {
    string: ["group", "title", "width"],
    boolean: ["help"],
    alias: { h: "help" },
  });
  if (unknown !== undefined) {
    out.error(`Cannot render timeline as the option is unknown: received ${unknown}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    out.log(USAGE);
    return 0;
  }
  if (positional.length !== 2) {
    out.error(
      `Cannot render timeline as exactly two paths are needed (events, output): received ${positional.length}\n\n${USAGE}`,
    );
    return 2;
  }
  const options: TimelineOptions = {};
  if (flags.group !== undefined) {
    if (flags.group !== "task" && flags.group !== "workflow") {
      out.error(
        `Cannot render timeline as --group must be "task" or "workflow": received ${
          JSON.stringify(flags.group)
        }`,
      );
      return 2;
    }
    options.group = flags.group;
  }
  if (flags.title !== undefined) options.title = flags.title;
  if (flags.width !== undefined) {
    const w = Number(flags.width);
    if (!Number.isFinite(w) || w < 100) {
      out.error(
        `Cannot render timeline as --width must be a number >= 100: received ${
          JSON.stringify(flags.width)
        }`,
      );
      return 2;
    }
    options.width = w;
  }
  const [input, output] = positional as [string, string];
  let text: string;
  try {
    text = await Deno.readTextFile(input);
  } catch (e) {
    out.error(`Cannot render timeline as the event log cannot be read: received ${input} (${e})`);
    return 1;
  }
  let html: string;
  let count: number;
  try {
    const events = parseEventLog(text);
    count = events.length;
    html = renderTimeline(events, options);
  } catch (e) {
    out.error(e instanceof Error ? e.message : String(e));
    return 2;
  }
  try {
    await Deno.writeTextFile(output, html);
  } catch (e) {
    out.error(`Cannot render timeline as the page cannot be written: received ${output} (${e})`);
    return 1;
  }
  if (count === 0) out.error(`Warning: ${input} holds no events; the page says so`);
  out.log(`Wrote ${output} (${count} events, ${html.length} bytes)`);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
