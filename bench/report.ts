/**
 * The scheduling-throughput report: every (implementation, shape, size) in a
 * fresh subprocess (`bench/_run_one.ts`), so that peak RSS is honest; warm-up,
 * repetitions, median and spread, tasks/s, µs per task, peak RSS. Prints a
 * Markdown table and writes the raw results as JSON.
 *
 * ```sh
 * deno task bench:report                       # the full sweep
 * deno task bench:report --shapes dag,chain --sizes 1e4,1e5 --impls inline-wasm,floor
 * deno task bench:smoke                        # CI: a few shapes at 1k, 2 repetitions
 * deno run -A bench/report.ts --help
 * ```
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { type Impl, IMPLS } from "./_impls.ts";
import { type Shape, SHAPES } from "./_shapes.ts";
import { benchChildArgs, type RunResult } from "./_run_one.ts";

const HELP = `deno task bench:report [options]

  --shapes  LIST   graph shapes (${SHAPES.join(",")}) [all]
  --sizes   LIST   task counts, e.g. 1e3,1e4,1e5,1e6 [1e3,1e4,1e5,1e6]
  --impls   LIST   ${IMPLS.join(",")} [all]
  --limit   LIST   largest size per impl, e.g. pgraph=1e5 ('' for none)
                   [pgraph=1e5,workers-1=1e5,workers-2=1e5]
  --reps    N      timed repetitions per run [5]
  --warmup  N      untimed runs after the checked first run [1]
  --timeout S      seconds one subprocess may take before it is killed [600]
  --out     PATH   JSON output [bench/results/report-<date>.json]
  --smoke          CI: independent,chain,fan,dag at 1e3, all impls, 2 reps
                   (out: bench/results/smoke.json)
  --help`;

/** One line of the JSON output: what the subprocess reported, plus the statistics. */
export interface Row extends RunResult {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** tasks / median time. */
  tasksPerSec: number;
  /** median time / tasks, µs. */
  usPerTask: number;
}

function list(v: unknown, what: string): string[] {
  const s = String(v ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
  if (s.length === 0) {
    throw new TypeError(`Cannot run report as '--${what}' is empty: received '${String(v)}'`);
  }
  return s;
}

function num(v: unknown, what: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(
      `Cannot run report as '--${what}' must be an integer >= ${min}: received '${String(v)}'`,
    );
  }
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** 1234567 → "1.23M", 12345 → "12.3k". */
function si(x: number): string {
  if (!Number.isFinite(x)) return "–";
  if (x >= 1e6) return (x / 1e6).toFixed(x >= 1e7 ? 1 : 2) + "M";
  if (x >= 1e3) return (x / 1e3).toFixed(x >= 1e5 ? 0 : x >= 1e4 ? 1 : 2) + "k";
  return x.toFixed(0);
}

function sizeLabel(n: number): string {
  return n >= 1e6 && n % 1e6 === 0
    ? `${n / 1e6}M`
    : n >= 1e3 && n % 1e3 === 0
    ? `${n / 1e3}k`
    : String(n);
}

async function machine(): Promise<Record<string, unknown>> {
  let cpu = "unknown";
  try {
    cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpu;
  } catch { /* not Linux */ }
  return {
    nproc: navigator.hardwareConcurrency,
    cpu,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: Deno.build.os,
    arch: Deno.build.arch,
    memoryMB: Math.round(Deno.systemMemoryInfo().total / 1024 / 1024),
    loadavgAtStart: Deno.loadavg(),
    date: new Date().toISOString(),
  };
}

/** Writes the progress line: \r-updated on a terminal, one line per finished run elsewhere. */
class Progress {
  readonly #tty = Deno.stderr.isTerminal();
  readonly #enc = new TextEncoder();
  #last = "";
  show(line: string, final = false): void {
    if (this.#tty) {
      const pad = Math.max(0, this.#last.length - line.length);
      Deno.stderr.writeSync(this.#enc.encode("\r" + line + " ".repeat(pad)));
      this.#last = line;
    } else if (final) {
      Deno.stderr.writeSync(this.#enc.encode(line + "\n"));
    }
  }
  end(): void {
    if (this.#tty && this.#last !== "") Deno.stderr.writeSync(this.#enc.encode("\n"));
    this.#last = "";
  }
}

async function runOne(
  impl: Impl,
  shape: Shape,
  size: number,
  reps: number,
  warmup: number,
  timeoutS: number,
  onPhase: (phase: string) => void,
): Promise<RunResult> {
  const base: RunResult = { impl, shape, size, tasks: 0, timesMs: [], rssStartMB: 0, peakRssMB: 0 };
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutS * 1000);
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: benchChildArgs(new URL("./_run_one.ts", import.meta.url), [
        "--impl",
        impl,
        "--shape",
        shape,
        "--size",
        String(size),
        "--reps",
        String(reps),
        "--warmup",
        String(warmup),
      ]),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: ac.signal,
    }).spawn();
    const stdout = new Response(child.stdout).text();
    let errText = "";
    let buf = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("phase ")) onPhase(line.slice(6));
        else errText += line + "\n";
      }
    }
    errText += buf;
    const status = await child.status;
    const out = (await stdout).trim().split("\n").pop() ?? "";
    if (ac.signal.aborted) return { ...base, error: `Timed out after ${timeoutS} s` };
    try {
      return JSON.parse(out) as RunResult;
    } catch {
      return {
        ...base,
        error: `Subprocess exited with code ${status.code}${
          status.signal ? ` (${status.signal})` : ""
        }: ${errText.trim().split("\n").slice(-3).join(" | ")}`,
      };
    }
  } finally {
    clearTimeout(timer);
  }
}

function toRow(r: RunResult): Row {
  const ok = r.error === undefined && r.timesMs.length > 0;
  const med = ok ? median(r.timesMs) : NaN;
  return {
    ...r,
    medianMs: med,
    minMs: ok ? Math.min(...r.timesMs) : NaN,
    maxMs: ok ? Math.max(...r.timesMs) : NaN,
    tasksPerSec: ok ? r.tasks / (med / 1000) : NaN,
    usPerTask: ok ? med * 1000 / r.tasks : NaN,
  };
}

/** The Markdown tables: throughput with ratios, then peak RSS. */
export function markdown(rows: Row[], impls: readonly string[]): string {
  const get = (impl: string, shape: string, size: number) =>
    rows.find((r) => r.impl === impl && r.shape === shape && r.size === size);
  const keys: [string, number][] = [];
  for (const r of rows) {
    if (!keys.some(([s, n]) => s === r.shape && n === r.size)) keys.push([r.shape, r.size]);
  }
  const rate = (impl: string, s: string, n: number) => get(impl, s, n)?.tasksPerSec ?? NaN;
  const ratio = (x: number) => Number.isFinite(x) ? x.toFixed(x >= 10 ? 0 : 2) + "×" : "–";
  const has = (i: string) => impls.includes(i);
  const extra = [
    ...(has("inline-wasm") ? ["wasm µs/task"] : []),
    ...(has("inline-wasm") && has("inline-ts") ? ["wasm/ts"] : []),
    ...(has("inline-wasm") && has("pgraph") ? ["wasm/p-graph"] : []),
    ...(has("inline-wasm") && has("floor") ? ["floor/wasm"] : []),
  ];
  const lines = [
    "Throughput, tasks/s (median of the repetitions, ± half the min–max range):",
    "",
    `| shape | size | ${impls.join(" | ")} | ${extra.join(" | ")} |`,
    `| --- | --: | ${impls.map(() => "--:").join(" | ")} | ${extra.map(() => "--:").join(" | ")} |`,
  ];
  for (const [s, n] of keys) {
    const cells = impls.map((i) => {
      const r = get(i, s, n);
      if (r === undefined) return "";
      if (r.error !== undefined) return r.error.startsWith("Timed out") ? "timeout" : "error";
      const spread = (r.maxMs - r.minMs) / 2 / r.medianMs * 100;
      return `${si(r.tasksPerSec)} ±${spread.toFixed(0)}%`;
    });
    const w = rate("inline-wasm", s, n);
    const ex = [
      ...(has("inline-wasm") ? [Number.isFinite(w) ? (1e6 / w).toFixed(2) : "–"] : []),
      ...(has("inline-wasm") && has("inline-ts") ? [ratio(w / rate("inline-ts", s, n))] : []),
      ...(has("inline-wasm") && has("pgraph") ? [ratio(w / rate("pgraph", s, n))] : []),
      ...(has("inline-wasm") && has("floor") ? [ratio(rate("floor", s, n) / w)] : []),
    ];
    lines.push(`| ${s} | ${sizeLabel(n)} | ${cells.join(" | ")} | ${ex.join(" | ")} |`);
  }
  lines.push(
    "",
    "Peak RSS of the subprocess, MB (VmHWM; an idle Deno process is about 50 MB):",
    "",
    `| shape | size | ${impls.join(" | ")} |`,
    `| --- | --: | ${impls.map(() => "--:").join(" | ")} |`,
  );
  for (const [s, n] of keys) {
    const cells = impls.map((i) => {
      const r = get(i, s, n);
      return r === undefined || r.peakRssMB === 0 ? "" : r.peakRssMB.toFixed(0);
    });
    lines.push(`| ${s} | ${sizeLabel(n)} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const a = parseArgs(Deno.args, {
    string: ["shapes", "sizes", "impls", "limit", "reps", "warmup", "timeout", "out"],
    boolean: ["smoke", "help"],
    default: {
      shapes: SHAPES.join(","),
      sizes: "1e3,1e4,1e5,1e6",
      impls: IMPLS.join(","),
      limit: "pgraph=1e5,workers-1=1e5,workers-2=1e5",
      reps: "5",
      warmup: "1",
      timeout: "600",
    },
    unknown: (flag: string) => {
      throw new TypeError(
        `Cannot run report as the flag is unknown: received '${flag}' (see --help)`,
      );
    },
  });
  if (a.help) {
    console.log(HELP);
    return 0;
  }
  if (a.smoke) {
    a.shapes = "independent,chain,fan,dag";
    a.sizes = "1e3";
    a.reps = "2";
    a.warmup = "1";
    a.out ??= new URL("./results/smoke.json", import.meta.url).pathname;
  }
  const shapes = list(a.shapes, "shapes");
  for (const s of shapes) {
    if (!(SHAPES as readonly string[]).includes(s)) {
      throw new TypeError(
        `Cannot run report as '--shapes' must be among ${SHAPES.join(",")}: received '${s}'`,
      );
    }
  }
  const impls = list(a.impls, "impls");
  for (const i of impls) {
    if (!(IMPLS as readonly string[]).includes(i)) {
      throw new TypeError(
        `Cannot run report as '--impls' must be among ${IMPLS.join(",")}: received '${i}'`,
      );
    }
  }
  const sizes = list(a.sizes, "sizes").map((s) => num(s, "sizes", 3));
  const limits = new Map<string, number>();
  for (const kv of String(a.limit).split(",").filter((x) => x.trim() !== "")) {
    const [k, v] = kv.split("=");
    if (!(IMPLS as readonly string[]).includes(k?.trim() ?? "") || v === undefined) {
      throw new TypeError(
        `Cannot run report as '--limit' must be impl=size pairs: received '${kv}'`,
      );
    }
    limits.set(k!.trim(), num(v, "limit", 1));
  }
  const reps = num(a.reps, "reps", 1);
  const warmup = num(a.warmup, "warmup", 0);
  const timeoutS = num(a.timeout, "timeout", 1);
  const out = a.out ?? new URL(
    `./results/report-${new Date().toISOString().slice(0, 19).replaceAll(":", "-")}.json`,
    import.meta.url,
  ).pathname;

  const jobs: [Impl, Shape, number][] = [];
  for (const n of sizes) {
    for (const s of shapes) {
      for (const i of impls) {
        if (n <= (limits.get(i) ?? Infinity)) jobs.push([i as Impl, s as Shape, n]);
      }
    }
  }
  const info = await machine();
  const progress = new Progress();
  const rows: Row[] = [];
  const t0 = performance.now();
  for (let j = 0; j < jobs.length; j++) {
    const [impl, shape, n] = jobs[j]!;
    const head = `[${j + 1}/${jobs.length}] ${impl} ${shape} ${sizeLabel(n)}`;
    const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)}s`;
    progress.show(`${head} starting  ${elapsed()}`);
    const r = toRow(
      await runOne(
        impl,
        shape,
        n,
        reps,
        warmup,
        timeoutS,
        (p) => progress.show(`${head} ${p}  ${elapsed()}`),
      ),
    );
    rows.push(r);
    progress.show(
      `${head} ${
        r.error === undefined
          ? `${si(r.tasksPerSec)} tasks/s, ${r.peakRssMB.toFixed(0)} MB`
          : `FAILED: ${r.error}`
      }  ${elapsed()}`,
      true,
    );
  }
  progress.end();
  const md = markdown(rows, impls);
  console.log(
    `\nMachine: ${info.cpu}, ${info.nproc} CPUs, ${info.memoryMB} MB; Deno ${info.deno}, V8 ${info.v8}; load average at start ${
      (info.loadavgAtStart as number[]).map((x) => x.toFixed(2)).join(" ")
    }; ${reps} repetitions after ${warmup + 1} untimed runs.\n`,
  );
  console.log(md);
  const dir = out.lastIndexOf("/") > 0 ? out.slice(0, out.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    out,
    JSON.stringify(
      { machine: info, config: { shapes, sizes, impls, reps, warmup }, results: rows },
      null,
      1,
    ) + "\n",
  );
  console.log(`\nRaw results: ${out}`);
  const failed = rows.filter((r) => r.error !== undefined);
  for (const f of failed) console.error(`FAILED ${f.impl} ${f.shape} ${f.size}: ${f.error}`);
  return failed.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
