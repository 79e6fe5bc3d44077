/**
 * One (implementation, shape, size) of the throughput report, in a process of
 * its own so that its peak RSS is its own. Started by `bench/report.ts`:
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc bench/_run_one.ts --impl inline-wasm --shape dag --size 100000 --reps 5 --warmup 1
 * ```
 *
 * Prepares the workload (engine and graph, not timed), runs it once and
 * checks the result (not timed), runs `warmup` more untimed runs, then `reps`
 * timed runs (a full GC before each when `gc` is exposed; every run's result
 * is checked after its clock stops). Progress goes to stderr as lines
 * `phase <name> <i>/<n>`; the result is one JSON line on stdout
 * ({@link RunResult}). Exits 1 when a check fails.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { type Impl, IMPLS, prepare } from "./_impls.ts";
import { type Shape, SHAPES } from "./_shapes.ts";

/** What one subprocess reports. */
export interface RunResult {
  impl: string;
  shape: string;
  size: number;
  /** Tasks one run executes (may differ a little from `size`: tree, wavefront, blocks). */
  tasks: number;
  /** Wall time of each timed run (build + run to the last task final), ms. */
  timesMs: number[];
  /**
   * The `api-*` implementations only: wall time of each run of `floor-async`
   * on the same graph, in the same process, alternating with the timed runs
   * (so the ratio to the floor is measured in the same process and run), ms.
   */
  floorTimesMs?: number[];
  /** VmRSS before the workload was prepared, MB. */
  rssStartMB: number;
  /** VmHWM at the end: the peak RSS of the whole process, MB. */
  peakRssMB: number;
  /** Why the run is not valid (a failed check, an exception), if it is not. */
  error?: string;
}

/** Reads a `kB` field of /proc/self/status in MB (0 where there is no /proc). */
export function procStatusMB(field: "VmRSS" | "VmHWM"): number {
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(
      new RegExp(`^${field}:\\s+(\\d+)`, "m"),
    );
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * The command line of a benchmark subprocess: the project's config (import
 * map), the development lock file and a collectable heap, so each
 * measurement starts in a fresh process.
 */
export function benchChildArgs(script: URL, args: string[]): string[] {
  return [
    "run",
    "-A",
    "--config",
    new URL("../deno.json", import.meta.url).pathname,
    `--lock=${new URL("../dev/deno.lock", import.meta.url).pathname}`,
    "--v8-flags=--expose-gc",
    script.pathname,
    ...args,
  ];
}

function phase(name: string, i: number, n: number): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`phase ${name} ${i}/${n}\n`));
}

async function main(): Promise<number> {
  const a = parseArgs(Deno.args, {
    string: ["impl", "shape", "size", "reps", "warmup"],
    default: { reps: "5", warmup: "1" },
  });
  const impl = String(a.impl) as Impl;
  const shape = String(a.shape) as Shape;
  const size = Number(a.size);
  const reps = Number(a.reps);
  const warmup = Number(a.warmup);
  if (!IMPLS.includes(impl)) {
    throw new TypeError(`Cannot run benchmark as 'impl' is unknown: received '${impl}'`);
  }
  if (!SHAPES.includes(shape)) {
    throw new TypeError(`Cannot run benchmark as 'shape' is unknown: received '${shape}'`);
  }
  for (
    const [k, v, min] of [["size", size, 3], ["reps", reps, 1], ["warmup", warmup, 0]] as const
  ) {
    if (!Number.isInteger(v) || v < min) {
      throw new RangeError(
        `Cannot run benchmark as '${k}' must be an integer >= ${min}: received ${a[k]}`,
      );
    }
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  const res: RunResult = {
    impl,
    shape,
    size,
    tasks: 0,
    timesMs: [],
    rssStartMB: procStatusMB("VmRSS"),
    peakRssMB: 0,
  };
  const p = await prepare(impl, shape, size);
  // the api workload's floor, run in this process beside it
  const floor = impl.startsWith("api-") ? await prepare("floor-async", shape, size) : undefined;
  if (floor) res.floorTimesMs = [];
  res.tasks = p.tasks;
  try {
    for (let i = 0; i <= warmup; i++) {
      phase(i === 0 ? "check" : "warmup", i, warmup);
      const err = p.check(await p.run()) ?? (floor && floor.check(await floor.run()));
      if (err !== undefined) {
        throw new Error(`Check failed on ${i === 0 ? "the first run" : `warm-up ${i}`}: ${err}`);
      }
    }
    for (let i = 1; i <= reps; i++) {
      phase("rep", i, reps);
      if (floor) {
        gc?.();
        const f0 = performance.now();
        const fout = await floor.run();
        res.floorTimesMs!.push(performance.now() - f0);
        const ferr = floor.check(fout);
        if (ferr !== undefined) throw new Error(`Floor check failed on repetition ${i}: ${ferr}`);
      }
      gc?.();
      const t0 = performance.now();
      const out = await p.run();
      const dt = performance.now() - t0;
      const err = p.check(out);
      if (err !== undefined) throw new Error(`Check failed on repetition ${i}: ${err}`);
      res.timesMs.push(dt);
    }
  } catch (e) {
    res.error = e instanceof Error ? e.message : String(e);
  }
  res.peakRssMB = procStatusMB("VmHWM");
  await p.close();
  console.log(JSON.stringify(res));
  return res.error === undefined ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
