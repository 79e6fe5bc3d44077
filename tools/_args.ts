/**
 * Command-line flags for the user tools (`deno task timeline`, `dashboard`,
 * `journal`), on `node:util`'s `parseArgs`: a built-in, so running a tool
 * fetches nothing (the tools used npm's `deno-std` before, a download on a
 * fresh machine and a failure offline).
 *
 * @module
 */
import { parseArgs } from "node:util";

/** What the tool accepts. */
export interface FlagSpec<S extends string, B extends string> {
  /** Options that take a value (`--title TEXT`, `--title=TEXT`). */
  readonly string?: readonly S[];
  /** Options that take none (`--json`). */
  readonly boolean?: readonly B[];
  /** One-letter aliases, e.g. `{ h: "help" }`. */
  readonly alias?: Readonly<Record<string, S | B>>;
}

/** The parsed command line. */
export interface Flags<S extends string, B extends string> {
  /** Each option given, by its long name. */
  readonly values: { readonly [K in S]?: string } & { readonly [K in B]?: true };
  /** The arguments that are not options, in order (all after `--` too). */
  readonly positionals: readonly string[];
  /** The first option the spec does not know, as written (`--colour`), if any. */
  readonly unknown: string | undefined;
}

/**
 * Parse `args` by `spec`. Never throws: an unknown option is reported in
 * `unknown`, and a value option given last without its value is `""`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseFlags } from "./_args.ts";
 *
 * const f = parseFlags(["in.jsonl", "--title=Run 3", "-h", "out.html"], {
 *   string: ["title"],
 *   boolean: ["help"],
 *   alias: { h: "help" },
 * });
 * assertEquals(f.values, { title: "Run 3", help: true });
 * assertEquals(f.positionals, ["in.jsonl", "out.html"]);
 * assertEquals(parseFlags(["--colour"], {}).unknown, "--colour");
 * ```
 *
 * @param args the command-line arguments
 * @param spec the options the tool takes
 * @returns the values, the positionals and the first unknown option
 */
export function parseFlags<S extends string = never, B extends string = never>(
  args: readonly string[],
  spec: FlagSpec<S, B>,
): Flags<S, B> {
  const short = new Map<string, string>(
    Object.entries(spec.alias ?? {}).map(([s, long]) => [long, s]),
  );
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const name of spec.string ?? []) options[name] = { type: "string" };
  for (const name of spec.boolean ?? []) options[name] = { type: "boolean" };
  for (const [name, o] of Object.entries(options)) {
    const s = short.get(name);
    if (s !== undefined) o.short = s;
  }
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | true | undefined> = {};
  const positionals: string[] = [];
  let unknown: string | undefined;
  for (const t of tokens) {
    if (t.kind === "positional") positionals.push(t.value);
    else if (t.kind === "option") {
      const o = options[t.name];
      if (o === undefined) unknown ??= t.rawName;
      else values[t.name] = o.type === "boolean" ? true : t.value ?? "";
    }
  }
  return { values: values as Flags<S, B>["values"], positionals, unknown };
}
