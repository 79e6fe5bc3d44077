/**
 * The floor: a minimal hand-written Kahn scheduler over plain async
 * functions — indegree counters, successor lists, a ready queue; each ready
 * task's no-op async body is called, and its completion decrements the
 * indegrees of its successors. No futures, no ids, no events, no errors,
 * no cancel: the cost of running a graph of async functions that no engine
 * can beat.
 *
 * @module
 */
import type { Graph } from "./_shapes.ts";

/** The task body: a no-op async function. */
// deno-lint-ignore require-await
async function body(i: number): Promise<number> {
  return i;
}

/**
 * Runs every task of `g` in dependency order; resolves with the number of
 * tasks that completed (`g.n` when all went well).
 *
 * The successor lists and indegrees are built here (part of the cost, as
 * the engine builds its graph when tasks are created).
 */
export function runFloor(g: Graph): Promise<number> {
  const { n, start, parents } = g;
  const indeg = new Int32Array(n);
  const succStart = new Int32Array(n + 1);
  for (let e = 0; e < parents.length; e++) succStart[parents[e]! + 1]!++;
  for (let i = 0; i < n; i++) succStart[i + 1]! += succStart[i]!;
  const fill = succStart.slice(0, n);
  const succ = new Int32Array(parents.length);
  for (let i = 0; i < n; i++) {
    const lo = start[i]!, hi = start[i + 1]!;
    indeg[i] = hi - lo;
    for (let e = lo; e < hi; e++) succ[fill[parents[e]!]!++] = i;
  }
  // every task enters the ready queue once: n slots are enough
  const ready = new Int32Array(n);
  let head = 0, tail = 0;
  let completed = 0;
  return new Promise<number>((resolve) => {
    if (n === 0) return resolve(0);
    const drain = () => {
      while (head < tail) body(ready[head++]!).then(complete);
    };
    const complete = (i: number) => {
      completed++;
      for (let e = succStart[i]!, end = succStart[i + 1]!; e < end; e++) {
        const s = succ[e]!;
        if (--indeg[s]! === 0) ready[tail++] = s;
      }
      if (completed === n) resolve(completed);
      else drain();
    };
    for (let i = 0; i < n; i++) if (indeg[i] === 0) ready[tail++] = i;
    drain();
  });
}

/**
 * The floor of the "api" workload (issue 16): Kahn's algorithm over `async`
 * no-op functions with `.then`, plain arrays — successor lists as arrays of
 * arrays, indegrees in an array, a ready queue in an array. `parents[i]`
 * lists the parents of task `i` (every parent before its children). Building
 * the successor lists is part of the cost. Resolves with the number of tasks
 * that completed.
 */
export function runFloorAsync(parents: readonly (readonly number[])[]): Promise<number> {
  const n = parents.length;
  const indeg: number[] = new Array(n);
  const succ: number[][] = new Array(n);
  for (let i = 0; i < n; i++) succ[i] = [];
  for (let i = 0; i < n; i++) {
    const ps = parents[i]!;
    indeg[i] = ps.length;
    for (let k = 0; k < ps.length; k++) succ[ps[k]!]!.push(i);
  }
  const ready: number[] = [];
  let head = 0;
  let completed = 0;
  return new Promise<number>((resolve) => {
    if (n === 0) return resolve(0);
    const drain = () => {
      while (head < ready.length) body(ready[head++]!).then(complete);
    };
    const complete = (i: number) => {
      completed++;
      const ss = succ[i]!;
      for (let k = 0; k < ss.length; k++) {
        const s = ss[k]!;
        if (--indeg[s]! === 0) ready.push(s);
      }
      if (completed === n) resolve(completed);
      else drain();
    };
    for (let i = 0; i < n; i++) if (indeg[i] === 0) ready.push(i);
    drain();
  });
}

/** The plain parent lists of `g`, for {@link runFloorAsync}. */
export function parentLists(g: Graph): number[][] {
  const out: number[][] = new Array(g.n);
  for (let i = 0; i < g.n; i++) {
    const ps: number[] = [];
    for (let e = g.start[i]!; e < g.start[i + 1]!; e++) ps.push(g.parents[e]!);
    out[i] = ps;
  }
  return out;
}
