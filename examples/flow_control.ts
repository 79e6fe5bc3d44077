/**
 * Flow control: an ensemble throttled by a named limit, a priority lane, a
 * retry policy, and `flow.map` over an async generator — the parts a
 * campaign that calls a licence server, an API or a GPU needs.
 *
 * - `limits: { licence: { concurrency: 3 }, api: { rate: { count: 5, perMs: 200 } } }`:
 *   at most 3 solver runs hold a licence at once; at most 5 API calls start
 *   in any 200 ms. Tasks waiting for a limit stay PENDING.
 * - `priority`: the urgent lane's runs start before the bulk waiting for the
 *   same licences.
 * - `retries: { max, delay, backoff, jitter, retryIf }`: a flaky call is tried
 *   again after 20, 40, 80 ms… (only for the errors `retryIf` accepts).
 * - `flow.map(fetchRecord, ids(), { maxLive: 8 })`: inputs are pulled from
 *   an async generator as results are consumed, never more than 8 in flight.
 * - `taskContext().signal` lets a body stop when its task is cancelled or
 *   times out (here: the API call passes it on, as `fetch(url, { signal })`
 *   would).
 *
 * Run: `deno run examples/flow_control.ts`
 *
 * @module
 */
import { taskContext, WorkflowEngine } from "../mod.ts";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

/** Runs the example; returns what it printed, line by line. */
export async function main(log: (line: string) => void = console.log): Promise<void> {
  await using flow = await WorkflowEngine.create({
    limits: {
      licence: { concurrency: 3 },
      api: { rate: { count: 5, perMs: 200 } },
    },
  });

  // 1. an ensemble of solver runs, throttled by 3 licences; an urgent lane jumps the queue
  let holding = 0;
  let most = 0;
  const order: string[] = [];
  const solve = flow.functionTask(async function solve(member: string) {
    holding++;
    most = Math.max(most, holding);
    order.push(member);
    await sleep(20, taskContext()!.signal);
    holding--;
    return `${member} solved`;
  }, { limit: "licence" });
  const bulk = Array.from({ length: 9 }, (_, i) => solve(`bulk-${i}`));
  const urgent = [
    solve.with({ priority: 10 })("urgent-a"),
    solve.with({ priority: 10 })("urgent-b"),
  ];
  await Promise.all([...bulk, ...urgent]);
  log(`ensemble: ${bulk.length + urgent.length} runs, at most ${most} held a licence at once`);
  log(
    `urgent runs started at positions ${
      urgent.map((f) => order.indexOf(f.result!.split(" ")[0]!) + 1).join(" and ")
    } of ${order.length}`,
  );

  // 2. a flaky call with a retry policy: transient errors only, growing delays
  let calls = 0;
  const flaky = flow.functionTask(function flakyService() {
    calls++;
    if (calls < 3) throw new TypeError("connection reset");
    return "answer";
  }, {
    retries: {
      max: 4,
      delay: 20,
      backoff: 2,
      jitter: 0.1,
      retryIf: (e) => e instanceof TypeError, // a RangeError would fail at once
    },
  });
  const delays: number[] = [];
  const off = flow.subscribe((e) => {
    if (e.type === "TaskRetrying") delays.push(Math.round(e.delay!));
  });
  const answer = await flaky();
  off();
  log(`flaky service: "${answer}" after ${calls} attempts (retry delays ${delays.join(", ")} ms)`);

  // 3. flow.map over an async generator, through a rate-limited API
  async function* recordIds() {
    for (let id = 1; id <= 20; id++) yield id; // could be a database cursor, a file…
  }
  const fetchRecord = flow.functionTask(async function fetchRecord(id: number) {
    await sleep(5, taskContext()!.signal); // a real body: fetch(url, { signal })
    return { id, value: id * id };
  }, { limit: "api" });
  const t0 = performance.now();
  let sum = 0;
  let n = 0;
  for await (const f of flow.map(fetchRecord, recordIds(), { maxLive: 8 })) {
    sum += f.result!.value;
    n++;
  }
  const ms = performance.now() - t0;
  log(
    `map: ${n} records, sum ${sum}, in ${
      ms >= 600 ? "at least 600" : "under 600"
    } ms (5 starts per 200 ms)`,
  );
}

if (import.meta.main) await main();
