/**
 * The benchmark commands as a new user meets them: `deno task bench` without
 * a Slurm cluster says why in one line and registers no Slurm bench;
 * `deno task bench:report` says how long it will take and shows no spread
 * it did not measure.
 *
 * @module
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { benchArgs } from "../bench/run.ts";
import { duration, estimateSeconds, type Job, markdown, type Row } from "../bench/report.ts";

const ROOT = new URL("../", import.meta.url);

async function deno(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

Deno.test("benchArgs() leaves the Slurm benches out when no cluster answers", () => {
  assertEquals(benchArgs([], "SLURM_CONF is unset"), [
    "bench",
    "--lock=dev/deno.lock",
    "--allow-all",
    "--ignore=bench/slurm_bench.ts",
    "bench/",
  ]);
  assertEquals(benchArgs(["--filter", "engine"], undefined), [
    "bench",
    "--lock=dev/deno.lock",
    "--allow-all",
    "--filter",
    "engine",
    "bench/",
  ]);
  // a file given replaces bench/
  assertEquals(benchArgs(["bench/core_bench.ts"], undefined).at(-1), "bench/core_bench.ts");
});

Deno.test("bench/slurm_bench.ts without a cluster prints one line and registers no bench", async () => {
  // an empty configuration: sinfo fails with three lines (or is not installed)
  const conf = await Deno.makeTempFile({ prefix: "asyncflow_slurm_", suffix: ".conf" });
  let out;
  try {
    out = await deno(["bench", "--lock=dev/deno.lock", "-A", "bench/slurm_bench.ts"], {
      SLURM_CONF: conf,
    });
  } finally {
    await Deno.remove(conf);
  }
  const { code, stdout, stderr } = out;
  assertEquals(code, 0, stderr);
  const lines = stdout.split("\n");
  const skipped = lines.filter((l) => l.startsWith("Slurm benches skipped: "));
  assertEquals(skipped.length, 1, stdout);
  assertMatch(skipped[0]!, /^Slurm benches skipped: sinfo (failed: .+|could not run .+)$/);
  assertEquals(lines.filter((l) => l.startsWith("sinfo")), [], "no raw sinfo output");
  // the table holds no row: no bench was registered
  assertEquals(lines.filter((l) => /^\| \w/.test(l) && !l.startsWith("| benchmark")), []);
});

Deno.test("estimateSeconds() counts every run of every subprocess, and duration() rounds as it should", () => {
  const one: Job[] = [["inline-wasm", "dag", 100_000]];
  // 0.3 s to start, 2 µs per task to build, 7 runs at 2 µs per task
  assertEquals(estimateSeconds(one, 5, 1).toFixed(2), (0.3 + 0.2 + 7 * 0.2).toFixed(2));
  // a chain on workers is a round trip per hop; journal-hit fills its journal first
  assert(
    estimateSeconds([["workers-1", "chain", 1e4]], 1, 0) >
      5 * estimateSeconds([["workers-1", "fan", 1e4]], 1, 0),
  );
  assert(
    estimateSeconds([["journal-hit", "dag", 1e5]], 1, 0) >
      estimateSeconds([["journal", "dag", 1e5]], 1, 0),
  );
  assertEquals(
    [44, 75, 2816, 5400, 7199].map(duration),
    ["44 s", "1 min 15 s", "47 min", "1 h 30 min", "2 h"],
  );
});

Deno.test("bench:report --estimate prints the plan and its duration and runs nothing", async () => {
  const { code, stdout } = await deno([
    "run",
    "--lock=dev/deno.lock",
    "-A",
    "bench/report.ts",
    "--estimate",
  ]);
  assertEquals(code, 0);
  assertMatch(
    stdout.trim(),
    /^\d+ subprocesses \(4 sizes × 7 shapes × \d+ implementations, less the --limit ones\), each 2 untimed and 5 timed runs: about (\d+ min|\d+ h( \d+ min)?) on the 2-vCPU build machine$/,
  );
  const help = await deno(["run", "--lock=dev/deno.lock", "-A", "bench/report.ts", "--help"]);
  assertMatch(help.stdout, /With no options it runs the full sweep: \d+ subprocesses, about /);
});

Deno.test("markdown() shows no spread for one repetition", () => {
  const row = (impl: string, timesMs: number[]): Row => ({
    impl,
    shape: "dag",
    size: 1000,
    tasks: 1000,
    timesMs,
    rssStartMB: 50,
    peakRssMB: 60,
    wallMs: 300,
    medianMs: timesMs[0]!,
    minMs: Math.min(...timesMs),
    maxMs: Math.max(...timesMs),
    tasksPerSec: 1000 / (timesMs[0]! / 1000),
    usPerTask: timesMs[0]!,
  });
  const one = markdown([row("inline-wasm", [2])], ["inline-wasm"]);
  assert(!one.includes("±"), one);
  assertMatch(one, /one repetition each: no spread to show/);
  assertMatch(one, /\| dag \| 1k \| 500k \|/);
  const two = markdown([row("inline-wasm", [2, 2.2])], ["inline-wasm"]);
  assertMatch(two, /\| dag \| 1k \| 500k ±5% \|/);
});
