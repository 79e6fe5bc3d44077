/**
 * The issue-16 "api" workload in a loop, for a profiler:
 *
 * ```sh
 * deno run -A --cpu-prof --cpu-prof-dir=/tmp/prof bench/_profile_api.ts api-wasm chain 100000 10
 * ```
 *
 * Prints the median time of the runs and the µs per task.
 *
 * @module
 */
import { prepare } from "./_impls.ts";
import type { Impl } from "./_impls.ts";
import type { Shape } from "./_shapes.ts";

const [impl = "api-wasm", shape = "independent", size = "100000", reps = "10"] = Deno.args;
const p = await prepare(impl as Impl, shape as Shape, Number(size));
const times: number[] = [];
for (let i = 0; i < Number(reps); i++) {
  const t0 = performance.now();
  const out = await p.run();
  times.push(performance.now() - t0);
  const err = p.check(out);
  if (err !== undefined) throw new Error(err);
}
await p.close();
times.sort((a, b) => a - b);
const med = times[times.length >> 1]!;
console.log(
  `${impl} ${shape} ${size}: median ${med.toFixed(1)} ms, ${
    (med * 1000 / p.tasks).toFixed(3)
  } µs/task, ${(p.tasks / med * 1000 / 1e6).toFixed(3)} M tasks/s`,
);
