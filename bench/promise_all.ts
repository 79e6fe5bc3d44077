/**
 * What `Promise.all` over task futures costs against `Promise.all` over the
 * same number of native promises, in one run (the engine-seams issue's
 * target: at most 1.5×).
 *
 * Five workloads of `n` no-op tasks (or promises), interleaved round by
 * round so machine noise hits them alike:
 *
 * - futures, last: create n inline no-op tasks, await only the last one;
 * - futures, all: create them, `await Promise.all(futures)`;
 * - native, last: create n pending native promises, resolve them in order,
 *   await the last;
 * - native, all: the same, `await Promise.all(promises)` (they are resolved
 *   already when `Promise.all` is called);
 * - pending, all: the same, but the promises are resolved after
 *   `Promise.all` is called — as futures are (their tasks run once
 *   the caller yields), and as a user's `fetch` promises are.
 *
 * The cost of `Promise.all` is "all − last" on each side; the ratios of the
 * futures' cost to the native promises' cost (resolved first, and pending)
 * are printed with the medians.
 *
 * ```sh
 * deno run -A bench/promise_all.ts [--n 100000] [--rounds 15]
 * ```
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { WorkflowEngine } from "../mod.ts";

const args = parseArgs(Deno.args, { string: ["n", "rounds"] });
const N = Number(args.n ?? 100_000);
const ROUNDS = Number(args.rounds ?? 15);

const flow = await WorkflowEngine.create();
const noop = flow.functionTask(() => 0, { name: "noop" });

let captured: (v: number) => void = () => {};
function capture(resolve: (v: number) => void): void {
  captured = resolve;
}

/** N pending native promises and their resolve functions. */
function pendingPromises(): [Promise<number>[], ((v: number) => void)[]] {
  const a = new Array(N);
  const r = new Array(N);
  for (let i = 0; i < N; i++) {
    a[i] = new Promise(capture);
    r[i] = captured;
  }
  return [a, r];
}

function resolveAll(r: ((v: number) => void)[]): void {
  for (let i = 0; i < N; i++) r[i]!(0);
}

const workloads: Record<string, () => Promise<unknown>> = {
  "futures, last": () => {
    const a = new Array(N);
    for (let i = 0; i < N; i++) a[i] = noop();
    return a[N - 1];
  },
  "futures, all": () => {
    const a = new Array(N);
    for (let i = 0; i < N; i++) a[i] = noop();
    return Promise.all(a);
  },
  // (awaiting the last one does not depend on when the others are resolved:
  // one "last" serves both "all" workloads below)
  "native, last": () => {
    const [a, r] = pendingPromises();
    resolveAll(r);
    return a[N - 1]!;
  },
  "native, all": () => {
    const [a, r] = pendingPromises();
    resolveAll(r);
    return Promise.all(a);
  },
  "pending, all": () => {
    const [a, r] = pendingPromises();
    const all = Promise.all(a);
    resolveAll(r);
    return all;
  },
};

const times: Record<string, number[]> = {};
for (const k of Object.keys(workloads)) times[k] = [];
for (let round = -3; round < ROUNDS; round++) {
  for (const [k, run] of Object.entries(workloads)) {
    const t0 = performance.now();
    await run();
    if (round >= 0) times[k]!.push(performance.now() - t0);
  }
}
await flow.shutdown();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};
const us = (ms: number) => (ms / N * 1000).toFixed(3);
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
console.log(`Promise.all over ${N} futures vs native promises, medians of ${ROUNDS} rounds`);
for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(14)} ${us(v)} µs/task`);
const futures = m["futures, all"]! - m["futures, last"]!;
const native = m["native, all"]! - m["native, last"]!;
const pending = m["pending, all"]! - m["native, last"]!;
console.log(`  Promise.all over futures: ${us(futures)} µs/task`);
console.log(`  Promise.all over native promises resolved before it: ${us(native)} µs/task`);
console.log(`  Promise.all over native promises resolved after it: ${us(pending)} µs/task`);
console.log(
  `  ratio: ${(futures / native).toFixed(2)} against resolved, ${
    (futures / pending).toFixed(2)
  } against pending (target ≤ 1.5)`,
);
