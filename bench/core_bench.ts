/**
 * Scheduler core micro-benchmarks: the Wasm core against the TypeScript core
 * (baseline) on the graph shapes of taskflow's benchmarks, at sizes 2^10,
 * 2^16 and 2^20 (set `CORE_BENCH_LOG2=10,12,14` to choose others).
 *
 * One iteration = reset + add the whole graph in one batch + complete every
 * task as it becomes ready (batched drain loop) + clear the outputs. Graphs
 * are built outside the timed part; each workload is checked once first.
 *
 * Flow control groups ("flow <core> <graph> 2^k"), one per core so that the
 * summary gives the ratios: tasks added one at a time as the engine does
 * (`add()`), then a drain loop like the engine's flush (`takeOutputs()`,
 * `admit()` for limited tasks, `complete()`), with no priority and no limit
 * (baseline), with a random priority each, and through a concurrency limit
 * of 1000. Timed: add + admit + complete + drain (the reset and the limit's
 * setup before are not: the engine never resets a core). "independent" is the case (no-op tasks, no dependencies);
 * "random DAG" makes many tasks ready per call, so the ready lists of calls
 * are sorted by priority.
 *
 * Run with `deno task bench` or `deno bench -A bench/core_bench.ts`.
 *
 * @module
 */
import {
  createCore,
  LimitKind,
  Outcome,
  type SchedulerCore,
  type TaskId,
} from "../src/core/mod.ts";
import { rng } from "../tests/_rng.ts";

/** A graph in the core's batch format: local dependencies are `-1 - index`. */
interface Workload {
  n: number;
  depCounts: Int32Array;
  deps: Int32Array;
}

function build(n: number, parentsOf: (i: number, out: number[]) => void): Workload {
  const depCounts = new Int32Array(n);
  const deps: number[] = [];
  const ps: number[] = [];
  for (let i = 0; i < n; i++) {
    ps.length = 0;
    parentsOf(i, ps);
    depCounts[i] = ps.length;
    for (const p of ps) deps.push(-1 - p);
  }
  return { n, depCounts, deps: Int32Array.from(deps) };
}

const SHAPES: Record<string, (n: number) => Workload> = {
  "linear chain": (n) => build(n, (i, o) => i > 0 && o.push(i - 1)),
  "fan-out": (n) => build(n, (i, o) => i > 0 && o.push(0)),
  "fan-in": (n) =>
    build(n, (i, o) => {
      if (i === n - 1) { for (let j = 0; j < n - 1; j++) o.push(j); }
    }),
  "binary tree": (n) => build(n, (i, o) => i > 0 && o.push((i - 1) >> 1)),
  "wavefront": (n) => {
    const side = Math.round(Math.sqrt(n));
    return build(n, (i, o) => {
      const r = Math.floor(i / side), c = i % side;
      if (c > 0) o.push(i - 1);
      if (r > 0) o.push(i - side);
    });
  },
  "random DAG": (n) => {
    const r = rng(42);
    const width = Math.max(16, Math.round(Math.sqrt(n)));
    return build(n, (i, o) => {
      const layer = Math.floor(i / width);
      if (layer === 0) return;
      const lo = (layer - 1) * width;
      for (let k = 0; k < 4; k++) o.push(lo + Math.floor(r() * width));
    });
  },
};

/** Buffers reused by every iteration, sized for the largest workload. */
class Scratch {
  ids: Int32Array;
  buf: Int32Array;
  outcomes: Int32Array;
  constructor(n: number) {
    this.ids = new Int32Array(n);
    this.buf = new Int32Array(n);
    this.outcomes = new Int32Array(n).fill(Outcome.DONE);
  }
}

/** The timed part; returns how many tasks completed. */
function run(core: SchedulerCore, w: Workload, s: Scratch): number {
  core.reset();
  core.addBatch(w.n, w.depCounts, w.deps, s.ids);
  let total = 0;
  for (;;) {
    const ready = core.ready();
    const n = ready.length;
    if (n === 0) break;
    if (n === 1) {
      const id = ready[0]! as TaskId;
      core.clearOutputs();
      core.completeOne(id, Outcome.DONE);
    } else {
      s.buf.set(ready);
      core.clearOutputs();
      core.complete(n, s.buf, s.outcomes);
    }
    total += n;
  }
  core.clearOutputs();
  return total;
}

function check(core: SchedulerCore, w: Workload, s: Scratch, what: string): void {
  const total = run(core, w, s);
  const c = core.counts();
  if (total !== w.n || c.done !== w.n || c.live !== w.n || c.waiting + c.ready !== 0) {
    throw new Error(
      `Cannot benchmark ${what} as the workload did not complete: received ${total} of ${w.n} ` +
        `tasks run, counts ${JSON.stringify(c)}`,
    );
  }
}

const log2s = (Deno.env.get("CORE_BENCH_LOG2") ?? "10,16,20").split(",").map(Number);
const maxN = 1 << Math.max(...log2s);
const scratch = new Scratch(maxN);
const cores = { wasm: createCore("wasm"), ts: createCore("ts") };

for (const k of log2s) {
  const n = 1 << k;
  for (const [shape, make] of Object.entries(SHAPES)) {
    const w = make(n);
    const group = `${shape} 2^${k}`;
    for (const kind of ["wasm", "ts"] as const) {
      const core = cores[kind];
      check(core, w, scratch, `${group} (${kind})`);
      Deno.bench({
        name: `${kind} core`,
        group,
        baseline: kind === "ts",
        ...(k >= 18 ? { n: 20, warmup: 5 } : {}),
        fn() {
          run(core, w, scratch);
        },
      });
    }
  }
}

// ─── flow control: priorities and limits ──────────────────────────────────

/** A graph for add(): task i depends on the ids in `deps[i]` (ids are 0 .. n - 1 after reset). */
interface FlowWorkload {
  n: number;
  deps: Int32Array[];
  priorities: Float64Array;
}

type FlowMode = "no priority, no limit" | "random priority" | "concurrency-1000 limit";
const FLOW_MODES: FlowMode[] = [
  "no priority, no limit",
  "random priority",
  "concurrency-1000 limit",
];

function flowWorkload(n: number, shape: "independent" | "random DAG"): FlowWorkload {
  const r = rng(43);
  const none = new Int32Array(0);
  const deps: Int32Array[] = [];
  const width = Math.max(16, Math.round(Math.sqrt(n)));
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    if (shape === "independent" || layer === 0) deps.push(none);
    else {
      const lo = (layer - 1) * width;
      deps.push(Int32Array.from([0, 1, 2, 3], () => lo + Math.floor(r() * width)));
    }
  }
  const priorities = Float64Array.from({ length: n }, () => r() * 100);
  return { n, deps, priorities };
}

/** Output buffers of the drain loop, sized for the largest workload. */
class FlowScratch {
  ready: Int32Array;
  failed = new Int32Array(0);
  cancelled = new Int32Array(0);
  admitted: Int32Array;
  outcomes: Int32Array;
  constructor(n: number) {
    this.ready = new Int32Array(n);
    this.admitted = new Int32Array(n);
    this.outcomes = new Int32Array(n).fill(Outcome.DONE);
  }
}

const LIMIT = new Int32Array([0]);

/** The untimed part: a fresh core (the engine never resets one), with its limit. */
function prepareFlow(core: SchedulerCore, mode: FlowMode): void {
  core.reset();
  if (mode === "concurrency-1000 limit") core.setLimit(0, 1000, LimitKind.CONCURRENCY);
}

/** The timed part (after prepareFlow()); returns how many tasks completed. */
function runFlow(core: SchedulerCore, w: FlowWorkload, mode: FlowMode, s: FlowScratch): number {
  const limited = mode === "concurrency-1000 limit";
  const { n, deps, priorities } = w;
  if (mode === "no priority, no limit") {
    for (let i = 0; i < n; i++) core.add(deps[i]!);
  } else if (mode === "random priority") {
    for (let i = 0; i < n; i++) core.add(deps[i]!, deps[i]!.length, priorities[i]!);
  } else {
    for (let i = 0; i < n; i++) core.add(deps[i]!, deps[i]!.length, 0, LIMIT);
  }
  let total = 0;
  for (;;) {
    const nr = core.readyCount();
    const na = core.admittedCount();
    if (nr + na === 0) break;
    core.takeOutputs(s.ready, s.failed, s.cancelled, s.admitted);
    if (!limited) {
      core.complete(nr, s.ready, s.outcomes);
      total += nr;
      continue;
    }
    if (nr !== 0) core.admit(nr, s.ready);
    if (na !== 0) core.complete(na, s.admitted, s.outcomes);
    total += na;
  }
  return total;
}

function checkFlow(core: SchedulerCore, w: FlowWorkload, mode: FlowMode, s: FlowScratch): void {
  prepareFlow(core, mode);
  const total = runFlow(core, w, mode, s);
  const c = core.counts();
  if (total !== w.n || c.done !== w.n || c.live !== w.n) {
    throw new Error(
      `Cannot benchmark ${mode} as the workload did not complete: received ${total} of ${w.n} ` +
        `tasks run, counts ${JSON.stringify(c)}`,
    );
  }
}

const flowScratch = new FlowScratch(maxN);
for (const k of log2s) {
  const n = 1 << k;
  for (const shape of ["independent", "random DAG"] as const) {
    const w = flowWorkload(n, shape);
    for (const kind of ["wasm", "ts"] as const) {
      const core = cores[kind];
      const group = `flow ${kind} ${shape} 2^${k}`;
      for (const mode of FLOW_MODES) {
        checkFlow(core, w, mode, flowScratch);
        Deno.bench({
          name: mode,
          group,
          baseline: mode === "no priority, no limit",
          ...(k >= 18 ? { n: 20, warmup: 5 } : {}),
          fn(b) {
            prepareFlow(core, mode);
            b.start();
            runFlow(core, w, mode, flowScratch);
            b.end();
          },
        });
      }
    }
  }
}
