/**
 * flow.summary() and flow.emit(): what a run did, and custom events.
 *
 * @module
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { type FlowEvent, WorkflowEngine } from "../mod.ts";
import { parseEventLog } from "../src/event_log.ts";
import { Samples } from "../src/summary.ts";

Deno.test("summary() counts by state and by name, with run and wait percentiles", async () => {
  await using flow = await WorkflowEngine.create();
  const empty = flow.summary();
  assertEquals(empty.wallMs, 0);
  assertEquals(empty.byName, {});
  const sleep = flow.functionTask(function sleep(ms: number) {
    return new Promise((r) => setTimeout(() => r(ms), ms));
  });
  const fail = flow.functionTask(function fail() {
    throw new Error("no");
  });
  const hang = flow.functionTask(function hang() {
    return new Promise(() => {});
  });
  const h = hang();
  await Promise.allSettled([sleep(20), sleep(40), sleep(60), fail(), sleep(fail() as never)]);
  h.cancel();
  const s = flow.summary();
  assertEquals(s.counts, { pending: 0, running: 0, done: 3, failed: 3, cancelled: 1, cached: 0 });
  assertEquals(Object.keys(s.byName).sort(), ["fail", "hang", "sleep"]);
  const sl = s.byName.sleep!;
  assertEquals([sl.count, sl.done, sl.failed, sl.cancelled, sl.cached], [4, 3, 1, 0, 0]);
  // three ran: 20, 40, 60 ms (the one whose dependency failed did not run)
  assert(sl.runMs.p50! >= 35 && sl.runMs.p50! < 200, `p50 ${sl.runMs.p50}`);
  assert(sl.runMs.max! >= 55, `max ${sl.runMs.max}`);
  assert(sl.runMs.p95! === sl.runMs.max, "nearest rank of 3 values: p95 is the largest");
  assert(sl.waitMs.max! >= 0 && sl.waitMs.max! < 100);
  const f = s.byName.fail!;
  assertEquals([f.count, f.failed], [2, 2]);
  const hg = s.byName.hang!;
  assertEquals([hg.count, hg.cancelled], [1, 1]);
  assert(s.wallMs >= 55, `wallMs ${s.wallMs}`);
  assertEquals(s.tasksPerSecond, 7 / (s.wallMs / 1000));
  // all final: wallMs stops at the last final state
  await new Promise((r) => setTimeout(r, 30));
  assertEquals(flow.summary().wallMs, s.wallMs);
});

Deno.test("summary() gives null percentiles for a name whose tasks never ran, and counts blocks", async () => {
  await using flow = await WorkflowEngine.create();
  const never = flow.functionTask(function never(_x: unknown) {
    return 1;
  });
  const b = flow.block(async function outer() {
    return await never(Promise.reject(new Error("x"))).catch(() => 0);
  });
  await b();
  const s = flow.summary();
  assertEquals(s.byName.never!.runMs, { p50: null, p95: null, max: null });
  assertEquals(s.byName.outer!.done, 1);
});

Deno.test("Samples keeps durations exactly, then in buckets, with nearest-rank percentiles", () => {
  const s = new Samples();
  for (const v of [5, 1, 4, 2, 3]) s.add(v);
  assertEquals(s.percentiles(), { p50: 3, p95: 5, max: 5 });
  const big = new Samples();
  for (let i = 1; i <= 200_000; i++) big.add(i / 1000); // 0.001 .. 200 ms
  const p = big.percentiles();
  assertEquals(p.max, 200);
  assert(Math.abs(p.p50! - 100) / 100 < 0.02, `p50 ${p.p50}`);
  assert(Math.abs(p.p95! - 190) / 190 < 0.02, `p95 ${p.p95}`);
});

Deno.test("emit() delivers custom events to subscribers and the event log, with the scope's workflow id", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/events.jsonl`;
    const flow = await WorkflowEngine.create({ eventLog: path });
    const seen: FlowEvent[] = [];
    flow.subscribe((e) => seen.push(e));
    flow.emit("myapp.Start", { n: 1 });
    await flow.workflowScope("wf-1", () => {
      flow.emit("myapp.Inside", { list: [1, 2], when: new Date(0) });
      return Promise.resolve();
    });
    await flow.block(() => flow.emit("myapp.InBlock"), { name: "b" })();
    await flow.shutdown();
    const custom = seen.filter((e) => e.attrs !== undefined);
    assertEquals(custom.map((e) => [e.type, e.workflowId]), [
      ["myapp.Start", undefined],
      ["myapp.Inside", "wf-1"],
      ["myapp.InBlock", "block.000001"],
    ]);
    assertEquals(custom[0]!.attrs, { n: 1 });
    assertEquals(custom[2]!.attrs, {});
    assert(custom.every((e) => e.uid === undefined && typeof e.time === "number"));
    const logged = parseEventLog(await Deno.readTextFile(path)).filter((e) => e.attrs);
    assertEquals(logged.map((e) => e.type), ["myapp.Start", "myapp.Inside", "myapp.InBlock"]);
    assertEquals(logged[1]!.attrs, { list: [1, 2], when: "1970-01-01T00:00:00.000Z" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("emit() refuses a type without a dot and attrs that are not a cloneable object", async () => {
  await using flow = await WorkflowEngine.create();
  for (const type of ["Checkpoint", "", "a.", ".b", 5]) {
    assertThrows(() => flow.emit(type as never), TypeError, "'type' must be a dotted name");
  }
  for (const attrs of [null, [1], "x"]) {
    assertThrows(() => flow.emit("a.b", attrs as never), TypeError, "'attrs' must be an object");
  }
  assertThrows(
    () => flow.emit("a.b", { f: () => 1 }),
    TypeError,
    "'attrs' must be structured-cloneable",
  );
});
