/**
 * Workload shapes through the public API, shared by the engine benches and
 * the throughput report. Each returns the futures whose settling ends it.
 *
 * @module
 */
import type { TaskFunction, WorkflowEngine } from "../mod.ts";
import { rng } from "../tests/_rng.ts";

/** The shapes. */
export const SHAPES = [
  "independent",
  "chain",
  "fan",
  "tree",
  "wavefront",
  "dag",
  "blocks",
] as const;
/** One of {@link SHAPES}. */
export type Shape = typeof SHAPES[number];

/** Random layered DAG: `n` tasks in layers of `width`, each with ~`deps` parents in the previous layer. */
export function layeredDag(n: number, width: number, deps: number, seed = 42): number[][] {
  const r = rng(seed);
  const parents: number[][] = [];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    if (layer === 0) {
      parents.push([]);
      continue;
    }
    const lo = (layer - 1) * width;
    const ps = new Set<number>();
    for (let k = 0; k < deps; k++) ps.add(lo + Math.floor(r() * width));
    parents.push([...ps]);
  }
  return parents;
}

type Fn = TaskFunction<unknown[], unknown>;

/**
 * Build one workload of `n` tasks on `flow` with no-op bodies; returns what to await
 * and the number of tasks it created.
 */
export function build(
  flow: WorkflowEngine,
  shape: Shape,
  n: number,
  dag?: number[][],
  variant?: "priority" | "limit",
  fn?: Fn,
): {
  wait: PromiseLike<unknown>[];
  tasks: number;
} {
  let noop = fn ?? flow.functionTask((..._a: unknown[]) => 0, {
    name: "noop",
    ...(variant === "limit" ? { limit: "bench" } : {}),
  }) as Fn;
  if (variant === "priority") {
    // each task a random priority (64 levels, seeded): 64 task functions, one picked per call
    const base = noop;
    const variants = Array.from({ length: 64 }, (_, k) => base.with({ priority: k }));
    const r = rng(1234);
    noop = ((...a: unknown[]) => variants[Math.floor(r() * 64)]!(...a)) as unknown as Fn;
  }
  switch (shape) {
    case "independent": {
      const wait = new Array(n);
      for (let i = 0; i < n; i++) wait[i] = noop();
      return { wait, tasks: n };
    }
    case "chain": {
      let f = noop();
      for (let i = 1; i < n; i++) f = noop(f);
      return { wait: [f], tasks: n };
    }
    case "fan": {
      const root = noop();
      const mid = new Array(n - 2);
      for (let i = 0; i < n - 2; i++) mid[i] = noop(root);
      return { wait: [noop(mid)], tasks: n };
    }
    case "tree": {
      // binary reduction tree: n/2 leaves, each level halves
      let level = new Array(Math.max(1, n >> 1));
      for (let i = 0; i < level.length; i++) level[i] = noop();
      let tasks = level.length;
      const odd: unknown[] = []; // the last of a level of odd length has no parent: await it too
      while (level.length > 1) {
        const next = new Array(level.length >> 1);
        for (let i = 0; i < next.length; i++) next[i] = noop(level[2 * i], level[2 * i + 1]);
        if (level.length & 1) odd.push(level[level.length - 1]);
        tasks += next.length;
        level = next;
      }
      return { wait: [...level, ...odd], tasks };
    }
    case "wavefront": {
      const side = Math.max(1, Math.floor(Math.sqrt(n)));
      let prev: unknown[] = [];
      for (let y = 0; y < side; y++) {
        const row = new Array(side);
        for (let x = 0; x < side; x++) {
          row[x] = x === 0 && y === 0
            ? noop()
            : x === 0
            ? noop(prev[0])
            : y === 0
            ? noop(row[x - 1])
            : noop(row[x - 1], prev[x]);
        }
        prev = row;
      }
      return { wait: [prev[side - 1] as PromiseLike<unknown>], tasks: side * side };
    }
    case "dag": {
      const g = dag ?? layeredDag(n, 256, 4);
      const fs = new Array(g.length);
      const hasChild = new Uint8Array(g.length);
      for (let i = 0; i < g.length; i++) {
        const ps = g[i]!;
        for (let k = 0; k < ps.length; k++) hasChild[ps[k]!] = 1;
        fs[i] = ps.length === 0
          ? noop()
          : ps.length === 1
          ? noop(fs[ps[0]!])
          : noop(...ps.map((p) => fs[p]));
      }
      // every task no other task depends on (the last layer, and ~2% of each other layer)
      return { wait: fs.filter((_, i) => hasChild[i] === 0), tasks: g.length };
    }
    case "blocks": {
      // the seed's composite blocks at scale: blocks × 3 workflows × (task1 ∥ task2 → task3)
      const wf = flow.block(() => noop(noop(), noop()), { name: "workflow" }) as Fn;
      const blk = flow.block(async () => {
        for (let i = 0; i < 3; i++) await wf();
      }, { name: "composite" }) as Fn;
      const nb = Math.max(1, Math.floor(n / 12));
      const wait = new Array(nb);
      for (let i = 0; i < nb; i++) wait[i] = blk();
      return { wait, tasks: nb * 13 };
    }
  }
}

/**
 * A workload as a plain graph, for the schedulers that are not the engine (the
 * floor, p-graph): `n` tasks, the parents of task `i` are
 * `parents[start[i]] .. parents[start[i + 1] - 1]`. Task order is creation order,
 * so every parent comes before its children.
 */
export interface Graph {
  n: number;
  start: Int32Array;
  parents: Int32Array;
}

/**
 * The graph {@link build} creates on the engine for `shape` and `n`: the same
 * tasks and the same edges (a block counts as a task that its members depend on,
 * and a composite block's workflows run one after another).
 */
export function graph(shape: Shape, n: number, dag?: number[][]): Graph {
  const start: number[] = [0];
  const parents: number[] = [];
  const add = (...ps: number[]) => {
    for (let k = 0; k < ps.length; k++) parents.push(ps[k]!);
    start.push(parents.length);
    return start.length - 2;
  };
  switch (shape) {
    case "independent":
      for (let i = 0; i < n; i++) add();
      break;
    case "chain":
      add();
      for (let i = 1; i < n; i++) add(i - 1);
      break;
    case "fan": {
      const root = add();
      for (let i = 0; i < n - 2; i++) add(root);
      for (let i = 1; i <= n - 2; i++) parents.push(i); // the sink gathers every middle task
      start.push(parents.length);
      break;
    }
    case "tree": {
      let level: number[] = [];
      for (let i = 0; i < Math.max(1, n >> 1); i++) level.push(add());
      while (level.length > 1) {
        const next: number[] = [];
        for (let i = 0; i < level.length >> 1; i++) {
          next.push(add(level[2 * i]!, level[2 * i + 1]!));
        }
        level = next;
      }
      break;
    }
    case "wavefront": {
      const side = Math.max(1, Math.floor(Math.sqrt(n)));
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const i = y * side + x;
          if (x === 0 && y === 0) add();
          else if (x === 0) add(i - side);
          else if (y === 0) add(i - 1);
          else add(i - 1, i - side);
        }
      }
      break;
    }
    case "dag": {
      const g = dag ?? layeredDag(n, 256, 4);
      for (const ps of g) add(...ps);
      break;
    }
    case "blocks": {
      const nb = Math.max(1, Math.floor(n / 12));
      for (let b = 0; b < nb; b++) {
        let prev = add(); // the composite block
        for (let w = 0; w < 3; w++) {
          const wf = add(prev); // the workflow block, after the previous workflow
          prev = add(add(wf), add(wf)); // task3 after task1 and task2
        }
      }
      break;
    }
  }
  return { n: start.length - 1, start: Int32Array.from(start), parents: Int32Array.from(parents) };
}

/**
 * The "api" workload (issue 16): `shape` built as {@link build} builds it,
 * returning EVERY future created (in creation order), so that the caller
 * awaits `Promise.all` over all of them, the way users write it.
 */
export function buildAll(
  flow: WorkflowEngine,
  shape: Shape,
  n: number,
  dag?: number[][],
): PromiseLike<unknown>[] {
  const noop = flow.functionTask((..._a: unknown[]) => 0, { name: "noop" }) as Fn;
  switch (shape) {
    case "independent": {
      const all = new Array(n);
      for (let i = 0; i < n; i++) all[i] = noop();
      return all;
    }
    case "chain": {
      const all = new Array(n);
      let f = all[0] = noop();
      for (let i = 1; i < n; i++) all[i] = f = noop(f);
      return all;
    }
    case "fan": {
      const all = new Array(n);
      const root = all[0] = noop();
      const mid = new Array(n - 2);
      for (let i = 0; i < n - 2; i++) all[i + 1] = mid[i] = noop(root);
      all[n - 1] = noop(mid);
      return all;
    }
    case "dag": {
      const g = dag ?? layeredDag(n, 256, 4);
      const all = new Array(g.length);
      for (let i = 0; i < g.length; i++) {
        const ps = g[i]!;
        all[i] = ps.length === 0
          ? noop()
          : ps.length === 1
          ? noop(all[ps[0]!])
          : noop(...ps.map((p) => all[p]));
      }
      return all;
    }
    default: {
      // the other shapes: build's workload, every future recorded on the way
      // (a block's members are awaited by their block)
      const all: PromiseLike<unknown>[] = [];
      const wrapped = ((...a: unknown[]) => {
        const f = noop(...a);
        all.push(f);
        return f;
      }) as unknown as Fn;
      const w = build(flow, shape, n, dag, undefined, wrapped).wait;
      if (shape === "blocks") all.push(...w);
      return all;
    }
  }
}
