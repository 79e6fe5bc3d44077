/**
 * Why random priorities cost most where many tasks become ready at once: a
 * fan of 100k no-op tasks (one root, 100k middle tasks, one sink), with the
 * middle tasks' priorities
 *
 * - `none`: no priority;
 * - `same`: one priority (5) for all;
 * - `asc` / `desc`: 64 levels rising / falling with creation order;
 * - `random`: 64 levels drawn at random (seeded), as `bench:report`'s
 *   `priority-*` implementations do.
 *
 * The ready queue is a heap in every mode but `none`; only `random` makes the
 * engine visit the tasks in a random order of their creation. Prints the
 * median µs per task of 10 runs after 2 untimed ones, each mode in a fresh
 * engine (Wasm core), in this process.
 *
 * ```sh
 * deno run -A bench/priority_order.ts [none same asc desc random]
 * ```
 *
 * @module
 */
import { WorkflowEngine } from "../mod.ts";

const N = 100_000;
const MODES = ["none", "same", "asc", "desc", "random"] as const;
type Mode = typeof MODES[number];

function level(mode: Mode, i: number, rnd: () => number): number {
  switch (mode) {
    case "none":
      return -1;
    case "same":
      return 5;
    case "asc":
      return Math.floor(i * 64 / N);
    case "desc":
      return 63 - Math.floor(i * 64 / N);
    case "random":
      return Math.floor(rnd() * 64);
  }
}

async function measure(mode: Mode): Promise<number> {
  await using flow = await WorkflowEngine.create({ core: "wasm" });
  const base = flow.functionTask((..._a: unknown[]) => 0, { name: "noop" });
  const variants = Array.from({ length: 64 }, (_, k) => base.with({ priority: k }));
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const times: number[] = [];
  for (let r = 0; r < 12; r++) {
    const t0 = performance.now();
    const root = base();
    const mids = new Array(N);
    for (let i = 0; i < N; i++) {
      const k = level(mode, i, rnd);
      mids[i] = k < 0 ? base(root) : variants[k]!(root);
    }
    await base(...mids);
    if (r >= 2) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]! / (N + 2) * 1000;
}

const asked = Deno.args.length === 0 ? [...MODES] : Deno.args;
for (const m of asked) {
  if (!(MODES as readonly string[]).includes(m)) {
    throw new TypeError(
      `Cannot measure as the mode must be one of ${MODES.join(", ")}: received '${m}'`,
    );
  }
}
console.log(`fan of ${N} no-op tasks, Wasm core, median of 10 runs`);
for (const m of asked as Mode[]) {
  console.log(`  ${m.padEnd(6)} ${(await measure(m)).toFixed(3)} µs/task`);
}
