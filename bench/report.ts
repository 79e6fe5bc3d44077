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
 * deno task bench:report --estimate            # how long a run would take, without running it
 * deno run -A bench/report.ts --help
 * ```
 *
 * Before it starts, the report prints how many subprocesses it will run and
 * an estimate of how long they take (the full default sweep: about 47
 * minutes on the 2-vCPU build machine); while it runs, the progress line
 * shows the time left, the estimate scaled by how this machine has done so
 * far.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { type Impl, IMPLS } from "./_impls.ts";
import { type Shape, SHAPES } from "./_shapes.ts";
import { benchChildArgs, type RunResult } from "./_run_one.ts";

/** The usage text (a function: it names the full sweep, computed below). */
const help = () =>
  `deno task bench:report [options]

  --shapes  LIST   graph shapes (${SHAPES.join(",")}) [all]
  --sizes   LIST   task counts, e.g. 1e3,1e4,1e5,1e6 [1e3,1e4,1e5,1e6]
  --impls   LIST   ${IMPLS.join(",")} [all]
  --limit   LIST   largest size per impl, e.g. pgraph=1e5 ('' for none)
                   [pgraph=1e5,workers-1=1e5,workers-2=1e5,api-workers-2=1e5,
                    api-processes-2=1e5]
  --reps    N      timed repetitions per run [5]
  --warmup  N      untimed runs after the checked first run [1]
  --timeout S      seconds one subprocess may take before it is killed [600]
  --out     PATH   JSON output [bench/results/report-<date>.json]
  --smoke          CI: independent,chain,fan,dag at 1e3, all impls but
                   api-processes-2, 2 reps
                   (out: bench/results/smoke.json)
  --estimate       print the jobs and the estimated time, and run nothing
  --help

With no options it runs the full sweep: ${FULL_SWEEP}.`;

/** One subprocess: an implementation, a shape and a size. */
export type Job = readonly [Impl, Shape, number];

/**
 * µs one task costs in one run, by implementation: measured on the build
 * machine (2 vCPUs) at 10⁵ tasks, rounded up. Two shapes stand out: a chain
 * on workers is a worker round trip per hop, and p-graph is slowest on
 * independent tasks.
 */
const US_PER_TASK: Readonly<Record<Impl, number>> = {
  "inline-wasm": 2,
  "inline-ts": 2,
  "noop": 2,
  "workers-1": 3.5,
  "workers-2": 3.5,
  "pgraph": 12,
  "floor": 0.25,
  "priority-wasm": 2.5,
  "priority-ts": 2.5,
  "limit-wasm": 2.5,
  "limit-ts": 2.5,
  "journal": 14,
  "journal-hit": 9,
  "api-wasm": 2.5,
  "api-ts": 2.5,
  "api-workers-2": 4,
  // one task per subprocess at a time, a pipe round trip each: ~6k tasks/s with 2
  "api-processes-2": 170,
  "floor-async": 0.5,
};
const US_CHAIN_ON_WORKERS = 125;
/** The api workload's chain on 2 workers (measured at ~40 µs a hop). */
const US_API_CHAIN_ON_WORKERS = 45;
const US_PGRAPH_INDEPENDENT = 32;
/** Seconds a subprocess takes besides its runs (start, module loading, a cold first run). */
const PROCESS_S = 0.3;
/** Seconds each run of `api-workers-2` / `api-processes-2` spends starting and stopping its pool. */
const POOL_S: Partial<Record<Impl, number>> = { "api-workers-2": 0.1, "api-processes-2": 0.5 };
/** µs per task to build the workload once per subprocess. */
const US_BUILD = 2;

/**
 * Estimated seconds the jobs take on a machine like the build machine: per
 * subprocess, its start plus building the workload plus every run (the
 * checked first run, the warm-ups, the repetitions; `journal-hit` also fills
 * its journal once).
 *
 * @param jobs the subprocesses
 * @param reps timed repetitions per subprocess
 * @param warmup untimed runs after the first
 * @returns the estimate in seconds
 */
export function estimateSeconds(jobs: readonly Job[], reps: number, warmup: number): number {
  let total = 0;
  for (const [impl, shape, n] of jobs) {
    let us = US_PER_TASK[impl];
    if (shape === "chain" && impl.startsWith("workers-")) us = US_CHAIN_ON_WORKERS;
    if (shape === "chain" && impl === "api-workers-2") us = US_API_CHAIN_ON_WORKERS;
    if (shape === "independent" && impl === "pgraph") us = US_PGRAPH_INDEPENDENT;
    const runs = 1 + warmup + reps;
    const fill = impl === "journal-hit" ? US_PER_TASK.journal : 0;
    // an api run also runs its floor, in the same process
    const floor = impl.startsWith("api-") ? US_PER_TASK["floor-async"] : 0;
    total += PROCESS_S + runs * (POOL_S[impl] ?? 0) +
      n * (US_BUILD + fill + runs * (us + floor)) / 1e6;
  }
  return total;
}

/** An estimate, as precise as it is: 44 → "44 s", 75 → "1 min 15 s", 2816 → "47 min", 5400 → "1 h 30 min". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 180) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}

/** The jobs of a sweep, smallest size first. */
export function sweep(
  sizes: readonly number[],
  shapes: readonly string[],
  impls: readonly string[],
  limits: ReadonlyMap<string, number>,
): Job[] {
  const jobs: Job[] = [];
  for (const n of sizes) {
    for (const s of shapes) {
      for (const i of impls) {
        if (n <= (limits.get(i) ?? Infinity)) jobs.push([i as Impl, s as Shape, n]);
      }
    }
  }
  return jobs;
}

const DEFAULT_SIZES = [1e3, 1e4, 1e5, 1e6];
const DEFAULT_LIMITS = new Map([
  ["pgraph", 1e5],
  ["workers-1", 1e5],
  ["workers-2", 1e5],
  ["api-workers-2", 1e5],
  ["api-processes-2", 1e5],
]);
const FULL_JOBS = sweep(DEFAULT_SIZES, SHAPES, IMPLS, DEFAULT_LIMITS);
const FULL_SWEEP = `${FULL_JOBS.length} subprocesses, about ${
  duration(estimateSeconds(FULL_JOBS, 5, 1))
} on the 2-vCPU build machine`;

/** One line of the JSON output: what the subprocess reported, plus the statistics. */
export interface Row extends RunResult {
  /** Wall time of the whole subprocess (start, graph building, every run), ms. */
  wallMs: number;
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

function toRow(r: RunResult, wallMs: number): Row {
  const ok = r.error === undefined && r.timesMs.length > 0;
  const med = ok ? median(r.timesMs) : NaN;
  return {
    ...r,
    wallMs,
    medianMs: med,
    minMs: ok ? Math.min(...r.timesMs) : NaN,
    maxMs: ok ? Math.max(...r.timesMs) : NaN,
    tasksPerSec: ok ? r.tasks / (med / 1000) : NaN,
    usPerTask: ok ? med * 1000 / r.tasks : NaN,
  };
}

/** The api implementations whose ratio to the floor the table shows. */
const API_RATIOS = ["api-wasm", "api-ts", "api-workers-2", "api-processes-2"];

/**
 * The Markdown tables: throughput with ratios, then peak RSS. An `x/floor`
 * column is x's throughput over the `floor-async` runs made in x's own
 * process (same graph, alternating with x's timed runs).
 */
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
  // an api row's floor: the floor-async runs in its own process, else the floor-async row
  const floorRate = (impl: string, s: string, n: number) => {
    const r = get(impl, s, n);
    if (r?.floorTimesMs !== undefined && r.floorTimesMs.length > 0) {
      return r.tasks / (median(r.floorTimesMs) / 1000);
    }
    return rate("floor-async", s, n);
  };
  const extra = [
    ...(has("inline-wasm") ? ["wasm µs/task"] : []),
    ...(has("inline-wasm") && has("inline-ts") ? ["wasm/ts"] : []),
    ...(has("inline-wasm") && has("pgraph") ? ["wasm/p-graph"] : []),
    ...(has("inline-wasm") && has("floor") ? ["floor/wasm"] : []),
    ...(has("api-wasm") ? ["api-wasm µs/task"] : []),
    ...API_RATIOS.filter((i) => has(i)).map((i) => `${i}/floor`),
    ...(has("api-wasm") && has("api-ts") ? ["api wasm/ts"] : []),
  ];
  const lines = [
    rows.some((r) => r.timesMs.length > 1)
      ? "Throughput, tasks/s (median of the repetitions, ± half the min–max range):"
      : "Throughput, tasks/s (one repetition each: no spread to show):",
    "",
    `| shape | size | ${impls.join(" | ")} | ${extra.join(" | ")} |`,
    `| --- | --: | ${impls.map(() => "--:").join(" | ")} | ${extra.map(() => "--:").join(" | ")} |`,
  ];
  for (const [s, n] of keys) {
    const cells = impls.map((i) => {
      const r = get(i, s, n);
      if (r === undefined) return "";
      if (r.error !== undefined) return r.error.startsWith("Timed out") ? "timeout" : "error";
      // one repetition has no spread: "±0%" would claim a precision nobody measured
      if (r.timesMs.length < 2) return si(r.tasksPerSec);
      const spread = (r.maxMs - r.minMs) / 2 / r.medianMs * 100;
      return `${si(r.tasksPerSec)} ±${spread.toFixed(0)}%`;
    });
    const w = rate("inline-wasm", s, n);
    const ex = [
      ...(has("inline-wasm") ? [Number.isFinite(w) ? (1e6 / w).toFixed(2) : "–"] : []),
      ...(has("inline-wasm") && has("inline-ts") ? [ratio(w / rate("inline-ts", s, n))] : []),
      ...(has("inline-wasm") && has("pgraph") ? [ratio(w / rate("pgraph", s, n))] : []),
      ...(has("inline-wasm") && has("floor") ? [ratio(rate("floor", s, n) / w)] : []),
      ...(has("api-wasm")
        ? [
          Number.isFinite(rate("api-wasm", s, n)) ? (1e6 / rate("api-wasm", s, n)).toFixed(2) : "–",
        ]
        : []),
      ...API_RATIOS.filter((i) => has(i)).map((i) => ratio(rate(i, s, n) / floorRate(i, s, n))),
      ...(has("api-wasm") && has("api-ts")
        ? [ratio(rate("api-wasm", s, n) / rate("api-ts", s, n))]
        : []),
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
    boolean: ["smoke", "help", "estimate"],
    default: {
      shapes: SHAPES.join(","),
      sizes: "1e3,1e4,1e5,1e6",
      impls: IMPLS.join(","),
      limit: "pgraph=1e5,workers-1=1e5,workers-2=1e5,api-workers-2=1e5,api-processes-2=1e5",
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
    console.log(help());
    return 0;
  }
  if (a.smoke) {
    a.shapes = "independent,chain,fan,dag";
    // every impl but api-processes-2: at 1k it measures starting two Deno processes a run
    if (!Deno.args.some((x) => x.startsWith("--impls"))) {
      a.impls = IMPLS.filter((i) => i !== "api-processes-2").join(",");
    }
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

  const jobs = sweep(sizes, shapes, impls, limits);
  const estimate = estimateSeconds(jobs, reps, warmup);
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const plan = `${jobs.length} subprocesses (${plural(sizes.length, "size")} × ${
    plural(shapes.length, "shape")
  } × ${plural(impls.length, "implementation")}${
    jobs.length < sizes.length * shapes.length * impls.length ? ", less the --limit ones" : ""
  }), each ${warmup + 1} untimed and ${reps} timed run${reps === 1 ? "" : "s"}: about ${
    duration(estimate)
  } on the 2-vCPU build machine`;
  if (a.estimate) {
    console.log(plan);
    return 0;
  }
  console.error(`bench:report: ${plan}; progress below, results at the end`);
  const info = await machine();
  const progress = new Progress();
  const rows: Row[] = [];
  const t0 = performance.now();
  for (let j = 0; j < jobs.length; j++) {
    const [impl, shape, n] = jobs[j]!;
    const head = `[${j + 1}/${jobs.length}] ${impl} ${shape} ${sizeLabel(n)}`;
    // time left: the estimate of the rest, scaled by how this machine did so far
    const done = estimateSeconds(jobs.slice(0, j), reps, warmup);
    const scale = j === 0 || done === 0 ? 1 : (performance.now() - t0) / 1000 / done;
    const left = duration(estimateSeconds(jobs.slice(j), reps, warmup) * scale);
    const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)}s, about ${left} left`;
    progress.show(`${head} starting  ${elapsed()}`);
    const start = performance.now();
    const result = await runOne(
      impl,
      shape,
      n,
      reps,
      warmup,
      timeoutS,
      (p) => progress.show(`${head} ${p}  ${elapsed()}`),
    );
    const r = toRow(result, performance.now() - start);
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
    }; ${reps} repetition${reps === 1 ? "" : "s"} after ${warmup + 1} untimed run${
      warmup === 0 ? "" : "s"
    }.\n`,
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
