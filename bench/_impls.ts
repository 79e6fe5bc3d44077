/**
 * The implementations the benchmarks compare, behind one interface: prepare
 * once (engine, graph; not timed), run the workload (timed), check what the
 * run produced (not timed).
 *
 * @module
 */
import {
  InlineBackend,
  NoopBackend,
  ProcessBackend,
  WorkerBackend,
  WorkflowEngine,
  type WorkflowEngine as Engine,
} from "../mod.ts";
import { build, buildAll, graph, layeredDag, type Shape } from "./_shapes.ts";
import { parentLists, runFloor, runFloorAsync } from "./floor.ts";
import { pgraphIds, runPGraph } from "./pgraph.ts";

/** The implementations. */
export const IMPLS = [
  "inline-wasm",
  "inline-ts",
  "noop",
  "workers-1",
  "workers-2",
  "pgraph",
  "floor",
  "priority-wasm",
  "priority-ts",
  "limit-wasm",
  "limit-ts",
  "journal",
  "journal-hit",
  "api-wasm",
  "api-ts",
  "api-workers-2",
  "api-processes-2",
  "floor-async",
] as const;
/** One of {@link IMPLS}. */
export type Impl = typeof IMPLS[number];

/** A workload ready to run on one implementation. */
export interface Prepared {
  /** How many tasks one run executes. */
  readonly tasks: number;
  /** Runs the workload once (the timed part); resolves when every task is final. */
  run(): Promise<unknown>;
  /**
   * Checks the value {@link run} resolved with.
   * @returns undefined when right, else what is wrong
   */
  check(out: unknown): string | undefined;
  /** Releases the engine, if any. */
  close(): Promise<void>;
}

function createEngine(impl: Impl): Promise<Engine> {
  switch (impl) {
    case "inline-wasm":
      return WorkflowEngine.create({ backend: new InlineBackend(), core: "wasm" });
    case "inline-ts":
      return WorkflowEngine.create({ backend: new InlineBackend(), core: "ts" });
    case "noop":
      return WorkflowEngine.create({ backend: new NoopBackend(), core: "wasm" });
    case "workers-1":
      return WorkflowEngine.create({ backend: new WorkerBackend({ workers: 1 }), core: "wasm" });
    case "workers-2":
      return WorkflowEngine.create({ backend: new WorkerBackend({ workers: 2 }), core: "wasm" });
    case "priority-wasm":
    case "priority-ts":
      return WorkflowEngine.create({ core: impl === "priority-ts" ? "ts" : "wasm" });
    case "limit-wasm":
    case "limit-ts":
      // every task takes a unit of one concurrency-1,000 limit
      return WorkflowEngine.create({
        core: impl === "limit-ts" ? "ts" : "wasm",
        limits: { bench: { concurrency: 1000 } },
      });
    default:
      throw new TypeError(`Cannot create engine as '${impl}' is not an engine implementation`);
  }
}

interface EngineOut {
  values: unknown[];
  tasks: number;
  done: number;
}

/**
 * Prepares `shape` with about `n` tasks on `impl`. With `engine`, that engine
 * is used (and not closed) instead of a new one.
 */
export async function prepare(
  impl: Impl,
  shape: Shape,
  n: number,
  engine?: Engine,
): Promise<Prepared> {
  if (!(IMPLS as readonly string[]).includes(impl)) {
    throw new TypeError(
      `Cannot prepare benchmark as 'impl' must be one of ${IMPLS.join(", ")}: received '${impl}'`,
    );
  }
  const dag = shape === "dag" ? layeredDag(n, 256, 4) : undefined;
  if (impl === "floor-async") {
    const g = graph(shape, n, dag);
    const parents = parentLists(g);
    return {
      tasks: g.n,
      run: () => runFloorAsync(parents),
      check: (out) => out === g.n ? undefined : `expected ${g.n} tasks to run, ${out} did`,
      close: () => Promise.resolve(),
    };
  }
  if (impl.startsWith("api-")) return prepareApi(impl, shape, n, dag);
  if (impl === "floor" || impl === "pgraph") {
    const g = graph(shape, n, dag);
    const ids = impl === "pgraph" ? pgraphIds(g.n) : [];
    return {
      tasks: g.n,
      run: impl === "floor" ? () => runFloor(g) : () => runPGraph(g, ids),
      check: (out) => out === g.n ? undefined : `expected ${g.n} tasks to run, ${out} did`,
      close: () => Promise.resolve(),
    };
  }
  if (impl === "journal" || impl === "journal-hit") {
    return await prepareJournal(impl, shape, n, dag);
  }
  const flow = engine ?? await createEngine(impl);
  const variant = impl.startsWith("priority-")
    ? "priority"
    : impl.startsWith("limit-")
    ? "limit"
    : undefined;
  const expected = shape === "blocks" ? undefined : impl === "noop" ? "Dummy Output" : 0;
  // the number of tasks, from a dry build of the plain graph
  const tasks = graph(shape, n, dag).n;
  return {
    tasks,
    run: async (): Promise<EngineOut> => {
      const before = flow.stats().done;
      const w = build(flow, shape, n, dag, variant);
      const values = await Promise.all(w.wait);
      return { values, tasks: w.tasks, done: flow.stats().done - before };
    },
    check: (o) => {
      const out = o as EngineOut;
      const s = flow.stats();
      if (out.tasks !== tasks) return `expected ${tasks} tasks to be created, ${out.tasks} were`;
      if (out.done !== tasks) return `expected ${tasks} tasks DONE, ${out.done} are`;
      if (s.pending + s.running + s.failed + s.cancelled !== 0) {
        return `expected every task DONE, stats are ${JSON.stringify(s)}`;
      }
      const bad = out.values.findIndex((v) => v !== expected);
      if (bad >= 0) {
        return `expected every awaited value to be ${expected}, value ${bad} is ${
          String(out.values[bad])
        }`;
      }
      return undefined;
    },
    close: () => engine === undefined ? flow.shutdown() : Promise.resolve(),
  };
}

/**
 * With a journal (inline backend, Wasm core). `journal`: every run a new
 * engine on a new journal (all misses; opening, committing and closing the
 * journal are timed). `journal-hit`: every run a new engine on a journal one
 * untimed run filled (every task a hit).
 */
async function prepareJournal(
  impl: "journal" | "journal-hit",
  shape: Shape,
  n: number,
  dag: number[][] | undefined,
): Promise<Prepared> {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_bench_journal_" });
  let runs = 0;
  const filled = `${dir}/filled.db`;
  if (impl === "journal-hit") {
    await using flow = await WorkflowEngine.create({ journal: filled });
    await Promise.all(build(flow, shape, n, dag).wait);
  }
  const tasks = graph(shape, n, dag).n;
  return {
    tasks,
    run: async () => {
      const flow = await WorkflowEngine.create({
        journal: impl === "journal" ? `${dir}/run${runs++}.db` : filled,
      });
      const w = build(flow, shape, n, dag);
      await Promise.all(w.wait);
      const s = flow.summary().counts;
      await flow.shutdown();
      return s;
    },
    check: (o) => {
      const s = o as { done: number; cached: number; failed: number; cancelled: number };
      if (s.done !== tasks) return `expected ${tasks} tasks DONE, ${s.done} are`;
      if (impl === "journal-hit" && s.cached !== tasks && shape !== "blocks") {
        return `expected every task cached, ${s.cached} of ${tasks} were`;
      }
      return undefined;
    },
    close: () => Deno.remove(dir, { recursive: true }),
  };
}

function createApiEngine(impl: Impl): Promise<Engine> {
  switch (impl) {
    case "api-wasm":
      return WorkflowEngine.create({ backend: new InlineBackend(), core: "wasm" });
    case "api-ts":
      return WorkflowEngine.create({ backend: new InlineBackend(), core: "ts" });
    case "api-workers-2":
      return WorkflowEngine.create({ backend: new WorkerBackend({ workers: 2 }) });
    case "api-processes-2":
      return WorkflowEngine.create({ backend: new ProcessBackend({ processes: 2 }) });
    default:
      throw new TypeError(`Cannot create engine as '${impl}' is not an api implementation`);
  }
}

interface ApiOut {
  values: unknown[];
  done: number;
  other: number;
}

/**
 * The "api" workload (issue 16), the way users write it: every run a FRESH
 * engine (created, then shut down — both timed), the shape's tasks created
 * through the public API, and `Promise.all` over EVERY future.
 */
function prepareApi(
  impl: Impl,
  shape: Shape,
  n: number,
  dag: number[][] | undefined,
): Prepared {
  const tasks = graph(shape, n, dag).n;
  return {
    tasks,
    run: async (): Promise<ApiOut> => {
      const flow = await createApiEngine(impl);
      const all = buildAll(flow, shape, n, dag);
      const values = await Promise.all(all);
      const s = flow.stats();
      await flow.shutdown();
      return { values, done: s.done, other: s.pending + s.running + s.failed + s.cancelled };
    },
    check: (o) => {
      const out = o as ApiOut;
      if (out.done !== tasks) return `expected ${tasks} tasks DONE, ${out.done} are`;
      if (out.other !== 0) return `expected every task DONE, ${out.other} are not`;
      if (shape === "blocks") return undefined;
      if (out.values.length !== tasks) {
        return `expected ${tasks} futures awaited, ${out.values.length} were`;
      }
      const bad = out.values.findIndex((v) => v !== 0);
      return bad >= 0
        ? `expected every value 0, value ${bad} is ${String(out.values[bad])}`
        : undefined;
    },
    close: () => Promise.resolve(),
  };
}
