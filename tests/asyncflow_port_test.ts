/**
 * Behaviours of RADICAL AsyncFlow's own test suite, ported to our API (see
 * ../shared/reference/asyncflow-tests.md; the number is the behaviour's there).
 * Where AsyncFlow has a known weakness, the test follows API.md instead.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { CancelledError, DependencyFailureError, type TaskFuture, WorkflowEngine } from "../mod.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

Deno.test("(10) awaiting a failed task surfaces its error and the next task never runs", async () => {
  await using flow = await WorkflowEngine.create();
  let ran = false;
  const task1 = flow.functionTask(() => {
    throw new TypeError("Intentional failure in task1");
  });
  const task2 = flow.functionTask((_x: unknown) => ran = true);
  await assertRejects(async () => await task2(await task1()), TypeError, "Intentional failure");
  assertEquals(ran, false);
});

Deno.test("(11) a failing workflow does not affect four concurrent others", async () => {
  await using flow = await WorkflowEngine.create();
  const task1 = flow.functionTask(async (w: number) => {
    await sleep(1);
    if (w === 0) throw new Error(`Intentional failure in workflow ${w} task1`);
    return w;
  });
  const task2 = flow.functionTask((x: number) => x * 10);
  const results = await Promise.allSettled([0, 1, 2, 3, 4].map((w) => task2(task1(w))));
  assertEquals(results[0]!.status, "rejected");
  const reason = (results[0] as PromiseRejectedResult).reason as DependencyFailureError;
  assertEquals((reason.rootCause as Error).message, "Intentional failure in workflow 0 task1");
  assertEquals(
    results.slice(1).map((r) => (r as PromiseFulfilledResult<number>).value),
    [10, 20, 30, 40],
  );
});

Deno.test("(12) four concurrent chains of five dict-mutating tasks end at 25", async () => {
  await using flow = await WorkflowEngine.create();
  type S = { steps: string[]; value: number };
  const mk = (name: string, op: (v: number) => number) =>
    flow.functionTask((s: S) => ({ steps: [...s.steps, name], value: op(s.value) }), { name });
  const t1 = mk("task1", (v) => v + 2);
  const t2 = mk("task2", (v) => v * 3);
  const t3 = mk("task3", (v) => v - 4);
  const t4 = mk("task4", (v) => v * v);
  const t5 = mk("task5", (v) => v);
  const finals = await Promise.all(
    [1, 2, 3, 4].map(() => t5(t4(t3(t2(t1({ steps: [], value: 1 })))))),
  );
  for (const f of finals) {
    assertEquals(f, { steps: ["task1", "task2", "task3", "task4", "task5"], value: 25 });
  }
});

Deno.test("(21) cancelling a block cancels its running and pending members", async () => {
  await using flow = await WorkflowEngine.create();
  const nap = flow.functionTask(async (..._deps: unknown[]) => {
    await sleep(300);
    return 1;
  }, { name: "nap" });
  const members: TaskFuture[] = [];
  const blk = flow.block(async () => {
    const t1 = nap();
    const t2 = nap(t1);
    const t3 = nap(t1, t2);
    members.push(t1, t2, t3);
    return await t3;
  })();
  await sleep(40);
  assertEquals(members.map((m) => m.state), ["RUNNING", "PENDING", "PENDING"]);
  assert(blk.cancel());
  assertEquals(blk.state, "CANCELLED");
  assertEquals(members.map((m) => m.state), ["CANCELLED", "CANCELLED", "CANCELLED"]);
  await assertRejects(() => blk, CancelledError);
});

Deno.test("(22, 25) cancelling an outer block cancels the deep task; code after the await never runs", async () => {
  await using flow = await WorkflowEngine.create();
  const deep = flow.functionTask(() => sleep(1000), { name: "deep" });
  let deepFuture: TaskFuture | undefined;
  let after = false;
  const inner = flow.block(async () => {
    deepFuture = deep();
    await deepFuture;
    after = true;
  });
  const outer = flow.block(async () => {
    await inner();
    after = true;
  })();
  await sleep(30);
  outer.cancel();
  await sleep(10);
  assertEquals(outer.state, "CANCELLED");
  assertEquals(deepFuture?.state, "CANCELLED");
  assertEquals(after, false);
});

Deno.test("(26) shutdown with a running block finishes without raising", async () => {
  const flow = await WorkflowEngine.create();
  const b = flow.block(async () => {
    await sleep(50);
    return 1;
  })();
  await sleep(5);
  await flow.shutdown();
  assert(b.state === "CANCELLED" || b.state === "DONE");
  await sleep(60);
});

Deno.test("(39-42, 46) resolution of futures: values, mixed args, nested chains, a diamond", async () => {
  await using flow = await WorkflowEngine.create();
  const c42 = flow.functionTask(() => 42);
  const c24 = flow.functionTask(() => 24);
  const add = flow.functionTask((a: number, b: number) => a + b);
  assertEquals(await add(c42(), c24()), 66);
  const consumer = flow.functionTask(
    (a: number, s: string, kw: { kwargFuture: number; kwargRegular: string }) =>
      a === 42 && s === "regular_value" && kw.kwargFuture === 24 &&
        kw.kwargRegular === "kwarg_regular_value"
        ? "success"
        : "wrong",
  );
  assertEquals(
    await consumer(c42(), "regular_value", {
      kwargFuture: c24(),
      kwargRegular: "kwarg_regular_value",
    }),
    "success",
  );
  const fetch = flow.functionTask(async (src: string) => {
    await sleep(1);
    return `data_from_${src}`;
  });
  const process = flow.functionTask((d: string, cfg: string) => `processed_${d}_with_${cfg}`);
  const combine = flow.functionTask((a: string, b: string) => `combined_${a}_and_${b}`);
  assertEquals(
    await combine(process(fetch("api"), "config_a"), process(fetch("database"), "config_b")),
    "combined_processed_data_from_api_with_config_a_and_processed_data_from_database_with_config_b",
  );
});

Deno.test("(44) cancelling a slow dependency cancels its dependent", async () => {
  await using flow = await WorkflowEngine.create();
  const slow = flow.functionTask(() => sleep(10_000).then(() => 1), { name: "slow" });
  const dependent = flow.functionTask((x: number) => x);
  const s = slow();
  const d = dependent(s);
  s.cancel();
  assertEquals(s.state, "CANCELLED");
  await assertRejects(() => d, CancelledError);
});

Deno.test("(56-58) an executable builder returning None, '' or whitespace fails with TypeError", async () => {
  await using flow = await WorkflowEngine.create({ dryRun: true });
  for (const bad of [undefined, null, "", "   ", [], [""], [1]]) {
    const t = flow.executableTask(() => bad as unknown as string);
    await assertRejects(() => t(), TypeError, "non-empty string or a non-empty array of strings");
  }
  assertEquals(await flow.executableTask(() => "echo hi")(), "Dummy Output");
});

Deno.test("(64, 66) async failure: cause and rootCause are the original error", async () => {
  await using flow = await WorkflowEngine.create();
  const failing = flow.functionTask(async function failingTask() {
    await sleep(1);
    throw new TypeError("Async task failed");
  });
  const dependent = flow.functionTask(async function dependentTask(x: unknown) {
    await sleep(1);
    return x;
  });
  const e = await assertRejects(() => dependent(failing()), DependencyFailureError);
  assertEquals((e.rootCause as Error).message, "Async task failed");
  assertEquals((e.cause as Error).message, "Async task failed");
  assertEquals(e.failedDependencies[0].name, "failingTask");
});

Deno.test("(91) a block that registers a task makes two components", async () => {
  await using flow = await WorkflowEngine.create({ dryRun: true });
  const t = flow.functionTask(() => 1);
  const b = flow.block(async () => await t());
  assertEquals(await b(), "Dummy Output");
  assertEquals(flow.stats().done, 2);
});
