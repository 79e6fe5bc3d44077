/**
 * `deno compile`: the examples become standalone binaries that run.
 *
 * `deno compile` embeds the program in a copy of the Deno runtime (`denort`),
 * which it downloads on first use (then caches in `DENO_DIR`; `DENORT_BIN`
 * points it at a local copy). Where that download cannot happen (build
 * machines without access to the Deno release server), the compiling tests
 * are skipped with the reason printed; the check that `deno.json` embeds
 * every worker entry runs everywhere.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";

const ROOT = new URL("../", import.meta.url);
const ROOT_PATH = decodeURIComponent(ROOT.pathname);

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], cwd: string): Promise<Output> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/**
 * Why `deno compile` cannot produce a binary on this machine, or undefined
 * when it can: compiles a one-line program and reads the error. Only a failure
 * to get the runtime counts; any other failure is left to the tests to show.
 */
async function compileUnavailable(): Promise<string | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_compile_probe_" });
  try {
    await Deno.writeTextFile(`${dir}/probe.ts`, `console.log("probe");\n`);
    const out = await run(
      Deno.execPath(),
      ["compile", "--no-config", "--no-check", "--output", `${dir}/probe`, "probe.ts"],
      dir,
    );
    if (out.code === 0) return undefined;
    const runtime = /denort/i.test(out.stderr) &&
      /error sending request|dns error|failed to lookup|connect|download|timed out|Setting up base binary/i
        .test(out.stderr);
    if (!runtime) return undefined;
    const lines = out.stderr.split("\n").map((l) => l.trim().replace(/^\d+: /, ""));
    const detail = lines.find((l) => /denort/i.test(l) && /error sending request/i.test(l)) ??
      lines.filter((l) => /denort|dns error|error sending request/i.test(l)).join("; ");
    return `deno compile cannot download the Deno runtime it embeds (denort) on this machine: ${detail}`;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const unavailable = await compileUnavailable();
if (unavailable !== undefined) {
  console.log(`compile_test.ts: skipping the compile tests: ${unavailable}`);
}

/** Compiles `entry` (repository-relative) with deno.json's settings; returns the binary's path. */
async function compile(entry: string, dir: string, permissions: string[]): Promise<string> {
  const output = `${dir}/${entry.replace(/^.*\//, "").replace(/\.ts$/, "")}`;
  const out = await run(
    Deno.execPath(),
    ["compile", ...permissions, "--output", output, entry],
    ROOT_PATH,
  );
  assertEquals(out.code, 0, `deno compile ${entry} failed:\n${out.stderr}`);
  return output;
}

/** The repository-relative paths of the modules the library starts as Workers. */
async function workerEntries(): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) {
        await walk(path);
        continue;
      }
      if (!path.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(new URL(path, ROOT));
      const re = /new Worker\(\s*new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g;
      for (const m of text.matchAll(re)) {
        found.push(new URL(m[1]!, new URL(path, ROOT)).href.slice(ROOT.href.length));
      }
    }
  }
  await walk("src");
  return found.sort();
}

Deno.test("deno.json compile.include embeds every module the library starts as a Worker", async () => {
  const entries = await workerEntries();
  assert(
    entries.includes("src/backends/worker_entry.ts"),
    `the scan found no worker entry: ${entries}`,
  );
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const include: string[] = (config.compile?.include ?? []).map((p: string) =>
    p.replace(/^\.\//, "")
  );
  assertEquals(entries.filter((e) => !include.includes(e)), [], "missing from compile.include");
});

Deno.test({
  name: "deno compile turns examples/composite_blocks.ts into a binary that runs the demo",
  ignore: unavailable !== undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_compile_" });
  try {
    // it writes its event log and timeline page into its working directory
    const binary = await compile("examples/composite_blocks.ts", dir, [
      "--allow-read",
      "--allow-write",
    ]);
    const work = `${dir}/work`;
    await Deno.mkdir(work);
    const out = await run(binary, [], work);
    assertEquals(out.code, 0, out.stderr);
    const lines = out.stdout.split("\n");
    const at = (text: string, from = 0) => lines.findIndex((l, i) => i >= from && l.includes(text));
    const part2 = at("== Part 2");
    assert(at("== Part 1") >= 0 && part2 > at("== Part 1"), out.stdout);
    assertEquals(lines.filter((l) => l.startsWith("Total time:")).length, 2, out.stdout);
    // part 2: block C starts only after blocks A and B finished
    const cStarted = at("block C started", part2);
    assert(cStarted > at("block A finished", part2), out.stdout);
    assert(cStarted > at("block B finished", part2), out.stdout);
    assertEquals(lines.filter((l) => l.includes("task3 finished")).length, 18);
    assertStringIncludes(
      await Deno.readTextFile(`${work}/composite_blocks.timeline.html`),
      "<svg",
    );
    const events = (await Deno.readTextFile(`${work}/composite_blocks.events.jsonl`)).trim();
    assert(events.split("\n").every((l) => typeof JSON.parse(l).type === "string"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "deno compile turns examples/workers.ts into a binary whose tasks run in workers",
  ignore: unavailable !== undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_compile_" });
  try {
    // workers read their entry module and the task module (embedded in the binary)
    const binary = await compile("examples/workers.ts", dir, ["--allow-read"]);
    const out = await run(binary, [], dir);
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(out.stdout, "primes below 400000: 33860 (8 chunks on 2 workers)\n");
    assert(/^workers used: workers-\d+(, workers-\d+)?$/m.test(out.stdout), out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
