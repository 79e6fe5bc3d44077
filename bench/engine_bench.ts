/**
 * Engine throughput through the public API, no-op task bodies (issues 3 and
 * 6): independent, fan-out/fan-in, random layered DAG (~4 parents a task)
 * and chain, at 10k and 100k tasks. Per shape and size one group: the engine
 * on the inline backend with the TypeScript core (baseline) and the Wasm
 * core, on `NoopBackend`, and the floor (a minimal hand-written Kahn
 * scheduler, `bench/floor.ts`).
 *
 * One iteration = create the tasks (the graph) + await the last futures.
 * Engines are created once, outside the timed part, and reused; each
 * workload's result is checked once before timing (at module load).
 *
 * Run with `deno task bench` or `deno bench -A bench/engine_bench.ts`;
 * `ENGINE_BENCH_SIZES=1000,10000` picks other sizes.
 * The throughput report (`deno task bench:report`) covers every shape and
 * backend, p-graph, and peak RSS.
 *
 * @module
 */
import { type Impl, prepare, type Prepared } from "./_impls.ts";
import { InlineBackend, NoopBackend, WorkflowEngine } from "../mod.ts";
import type { Shape } from "./_shapes.ts";

const SIZES = (Deno.env.get("ENGINE_BENCH_SIZES") ?? "10000,100000").split(",").map(Number);
const SHAPES: Shape[] = ["independent", "fan", "dag", "chain"];
const CASES: [string, Impl, boolean][] = [
  ["inline, TS core", "inline-ts", true],
  ["inline, Wasm core", "inline-wasm", false],
  ["noop backend", "noop", false],
  ["floor", "floor", false],
];

const engines = {
  "inline-ts": await WorkflowEngine.create({ backend: new InlineBackend(), core: "ts" }),
  "inline-wasm": await WorkflowEngine.create({ backend: new InlineBackend(), core: "wasm" }),
  "noop": await WorkflowEngine.create({ backend: new NoopBackend(), core: "wasm" }),
} as const;

for (const n of SIZES) {
  for (const shape of SHAPES) {
    for (const [label, impl, baseline] of CASES) {
      const p: Prepared = await prepare(
        impl,
        shape,
        n,
        impl === "floor" ? undefined : engines[impl as keyof typeof engines],
      );
      const err = p.check(await p.run());
      if (err !== undefined) throw new Error(`Check failed for ${impl} ${shape} ${n}: ${err}`);
      Deno.bench({
        name: `${label} (${p.tasks} tasks)`,
        group: `${shape} ${n}`,
        baseline,
        n: n >= 100000 ? 10 : 50,
        warmup: n >= 100000 ? 2 : 5,
        async fn() {
          await p.run();
        },
      });
    }
  }
}
