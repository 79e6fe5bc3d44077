/**
 * CPU-bound function tasks on a pool of Web Workers (`WorkerBackend`).
 *
 * Counting primes by trial division blocks whatever thread runs it, so the
 * chunks run in workers, in parallel, while the engine's event loop stays
 * free. The task functions are exported and shipped by module URL
 * (`module: import.meta.url`): each worker imports this module, which is why
 * the top level is guarded by `import.meta.main`.
 *
 * Run: `deno run --allow-read examples/workers.ts` (workers read their entry
 * module and this module). Compile: `deno compile --allow-read examples/workers.ts`
 * (deno.json's `compile.include` embeds the worker entry).
 *
 * @module
 */
import { WorkerBackend, WorkflowEngine } from "../mod.ts";

/** Counts the primes in [from, to) by trial division (CPU-bound on purpose). */
export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/** Adds the partial counts. */
export function total(...counts: number[]): number {
  return counts.reduce((a, b) => a + b, 0);
}

/** The worker each chunk ran in (the worker's name). */
export function workerName(): string {
  return String((globalThis as { name?: unknown }).name);
}

/** What {@link main} computed. */
export interface WorkersSummary {
  /** Primes below `limit`. */
  primes: number;
  /** How many distinct workers ran chunks. */
  workersUsed: number;
}

/** Counts the primes below `limit` in `chunks` tasks on `workers` workers. */
export async function main(
  log: (line: string) => void = console.log,
  { limit = 400_000, chunks = 8, workers = 2 } = {},
): Promise<WorkersSummary> {
  await using flow = await WorkflowEngine.create({ backend: new WorkerBackend({ workers }) });
  const count = flow.functionTask(countPrimes, { module: import.meta.url });
  const sum = flow.functionTask(total, { module: import.meta.url });
  const where = flow.functionTask(workerName, { module: import.meta.url });

  const size = Math.ceil(limit / chunks);
  const parts = Array.from(
    { length: chunks },
    (_, i) => count(i * size, Math.min(limit, (i + 1) * size)),
  );
  const primes = await sum(...parts);
  const names = new Set(await Promise.all(Array.from({ length: workers * 4 }, () => where())));

  log(`primes below ${limit}: ${primes} (${chunks} chunks on ${workers} workers)`);
  log(`workers used: ${[...names].sort().join(", ")}`);
  const expected = countPrimes(0, limit); // the same work on this thread, to check
  if (primes !== expected) throw new Error(`Expected ${expected} primes: received ${primes}`);
  for (const name of names) {
    if (!name.startsWith("workers-")) throw new Error(`Expected a worker's name: received ${name}`);
  }
  return { primes, workersUsed: names.size };
}

if (import.meta.main) {
  await main();
}
