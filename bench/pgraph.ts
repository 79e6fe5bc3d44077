/**
 * The same workloads on `p-graph` (npm), what a JavaScript user might use
 * instead of an engine: a node map and a list of edges, then `run()`.
 *
 * @module
 */
import { PGraph } from "p-graph";
import type { Graph } from "./_shapes.ts";

/** The node ids p-graph needs (strings), made once per graph outside the timed part. */
export function pgraphIds(n: number): string[] {
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = "t" + i;
  return ids;
}

/**
 * Builds the p-graph of `g` (node map, edge list, `new PGraph`) and runs it
 * with a no-op async body; resolves with the number of bodies that ran.
 */
export async function runPGraph(g: Graph, ids: readonly string[]): Promise<number> {
  const { n, start, parents } = g;
  const nodes = new Map<string, Record<string, never>>();
  for (let i = 0; i < n; i++) nodes.set(ids[i]!, {});
  const edges: [string, string][] = new Array(parents.length);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let e = start[i]!, end = start[i + 1]!; e < end; e++) {
      edges[k++] = [ids[parents[e]!]!, ids[i]!];
    }
  }
  let ran = 0;
  await new PGraph(nodes, edges).run({
    // deno-lint-ignore require-await
    run: async () => {
      ran++;
    },
  });
  return ran;
}
