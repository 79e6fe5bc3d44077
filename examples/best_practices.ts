/**
 * Best practices (AsyncFlow's "Best Practices" page), each shown and checked:
 *
 * 1. **Shut down**: `await using` (or `try/finally` with `shutdown()`) stops
 *    every backend, process and worker, even when the workflow throws.
 * 2. **Handle errors where you await**: a failed task fails its dependents at
 *    once with `DependencyFailureError`, whose `rootCause` is the original
 *    error and `failedDependencies` names the tasks.
 * 3. **Retry flaky steps**: `retries: n` runs a failing task again (not after
 *    a dependency failure or a cancel).
 * 4. **Bound every run**: `timeout` (ms) fails a run that takes too long with
 *    `TaskTimeoutError` and stops it.
 * 5. **Cancel what you no longer need**: `future.cancel(reason)` cancels the
 *    task and, transitively, everything that depends on it.
 * 6. **Tag workflows**: `workflowScope(id, fn)` gives every task created in
 *    `fn` the same `workflowId`, for events, logs and timelines.
 * 7. **Rehearse with `dryRun`**: the same graph on `NoopBackend`, no task body
 *    runs.
 *
 * Run: `deno run examples/best_practices.ts` (no permissions needed)
 *
 * @module
 */
import {
  CancelledError,
  DependencyFailureError,
  TaskTimeoutError,
  WorkflowEngine,
} from "../mod.ts";

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const id = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(id);
      resolve();
    });
  });
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`Best practice check failed: ${what}`);
}

/** One line per practice, as printed. */
export async function main(log: (line: string) => void = console.log): Promise<string[]> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    log(line);
  };

  // 1. `await using`: the engine shuts down when this block ends, however it ends.
  await using flow = await WorkflowEngine.create();

  // 2. Errors: the dependent fails at once, naming the failed dependency and the root cause.
  const load = flow.functionTask((path: string): string => {
    throw new Error(`no such file: ${path}`);
  }, { name: "load" });
  const parse = flow.functionTask((text: string) => text.split("\n"), { name: "parse" });
  try {
    await parse(load("input.csv"));
    check(false, "parse should have failed");
  } catch (e) {
    check(e instanceof DependencyFailureError, "a DependencyFailureError");
    const err = e as DependencyFailureError;
    say(
      `errors: ${err.message}; failed ${err.failedDependencies.map((d) => d.name)}; root cause "${
        (err.rootCause as Error).message
      }"`,
    );
  }

  // 3. Retries: fails twice, then succeeds on the third attempt.
  let attempts = 0;
  const flaky = flow.functionTask(() => {
    attempts++;
    if (attempts < 3) throw new Error(`transient failure ${attempts}`);
    return "ok";
  }, { name: "flaky", retries: 2 });
  const flakyResult = await flaky();
  check(flakyResult === "ok" && attempts === 3, "three attempts, then ok");
  say(`retries: ${flakyResult} after ${attempts} attempts`);

  // 4. Timeouts: a run longer than `timeout` fails with TaskTimeoutError.
  const stop = new AbortController();
  const slow = flow.functionTask(() => sleep(60_000, stop.signal), { name: "slow", timeout: 50 });
  const timedOut = await slow().then(() => undefined, (e: unknown) => e);
  stop.abort(); // an inline function cannot be interrupted: release its timer ourselves
  check(timedOut instanceof TaskTimeoutError, "a TaskTimeoutError");
  say(`timeouts: ${(timedOut as Error).message}`);

  // 5. Cancel: cancelling a running task cancels its dependents too.
  const cancelStop = new AbortController();
  const longRun = flow.functionTask(() => sleep(60_000, cancelStop.signal), { name: "longRun" });
  const after = flow.functionTask((x: void) => x, { name: "after" });
  const running = longRun();
  const dependent = after(running);
  await sleep(10);
  running.cancel("not needed any more");
  cancelStop.abort();
  const cancelled = await dependent.then(() => undefined, (e: unknown) => e);
  check(cancelled instanceof CancelledError, "a CancelledError");
  check(running.state === "CANCELLED" && dependent.state === "CANCELLED", "both cancelled");
  say(`cancel: ${running.name} ${running.state}, ${dependent.name} ${dependent.state}`);

  // 6. Workflow scopes: every task created inside carries the id.
  const step = flow.functionTask((x: number) => x + 1, { name: "step" });
  const ids = await flow.workflowScope("nightly-run", async (id) => {
    const a = step(1);
    await a; // the scope survives awaits
    const b = step(a);
    await b;
    check(a.workflowId === id && b.workflowId === id, "tasks carry the scope's id");
    return [a.workflowId, b.workflowId];
  });
  say(`workflowScope: tasks tagged ${ids.join(", ")}`);

  // 7. Dry run: the same graph on NoopBackend; no body runs.
  {
    await using dry = await WorkflowEngine.create({ dryRun: true });
    let ran = false;
    const expensive = dry.functionTask(() => {
      ran = true;
      return 42;
    }, { name: "expensive" });
    const out: unknown = await expensive();
    check(!ran && out === "Dummy Output", "nothing ran");
    say(`dryRun: ${dry.backend.name} answered ${JSON.stringify(out)}, body ran: ${ran}`);
  }

  say(`stats: ${JSON.stringify(flow.stats())}`);
  return lines;
}

if (import.meta.main) {
  await main();
}
