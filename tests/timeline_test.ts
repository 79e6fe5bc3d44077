import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { DependencyFailureError, type FlowEvent, WorkflowEngine } from "../mod.ts";
import { EventLog, parseEventLog, serializeError } from "../src/event_log.ts";
import { escapeHtml, renderTimeline } from "../src/timeline.ts";
import { main as timelineMain } from "../tools/timeline.ts";

const T0 = 1_700_000_000_000;

function ev(
  type: FlowEvent["type"],
  uid: string,
  name: string,
  at: number,
  extra: Partial<FlowEvent> & { deps?: string[] } = {},
): FlowEvent {
  return { type, uid, name, time: T0 + at, ...extra };
}

/** A block with three members (done, failed, cancelled before start), and a task still running. */
function sampleEvents(): FlowEvent[] {
  const inB = { workflowId: "block.000001" };
  return [
    ev("TaskCreated", "block.000001", "pipeline", 0),
    ev("TaskStarted", "block.000001", "pipeline", 10),
    ev("TaskCreated", "task.000002", "fetch", 11, inB),
    ev("TaskCreated", "task.000003", "parse", 11, { ...inB, deps: ["task.000002"] }),
    ev("TaskCreated", "task.000004", "report", 11, { ...inB, deps: ["task.000003"] }),
    ev("TaskSubmitted", "task.000002", "fetch", 12, { ...inB, backend: "inline" }),
    ev("TaskStarted", "task.000002", "fetch", 13, { ...inB, backend: "inline" }),
    ev("TaskCompleted", "task.000002", "fetch", 1000, { ...inB, backend: "inline" }),
    ev("TaskStarted", "task.000003", "parse", 1001, { ...inB, backend: "inline" }),
    ev("TaskFailed", "task.000003", "parse", 2000, {
      ...inB,
      backend: "inline",
      error: { name: "RangeError", message: "bad row 7" },
    }),
    ev("TaskCancelled", "task.000004", "report", 2000, {
      ...inB,
      error: { name: "CancelledError", message: "cancelled" },
    }),
    ev("TaskFailed", "block.000001", "pipeline", 2001, {
      error: { name: "RangeError", message: "bad row 7" },
    }),
    ev("TaskCreated", "task.000005", "watch", 5),
    ev("TaskStarted", "task.000005", "watch", 6),
  ];
}

/** `[uid, state, kind]` of every bar in the page, in page order. */
function bars(html: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const m of html.matchAll(/<rect class="bar[^"]*" ([^>]*)>/g)) {
    const attrs = m[1]!;
    const get = (k: string) => attrs.match(new RegExp(`${k}="([^"]*)"`))?.[1] ?? "";
    out.push([get("data-uid"), get("data-state"), get("data-kind")]);
  }
  return out;
}

Deno.test("renderTimeline() draws one bar per task and block with its final state", () => {
  const html = renderTimeline(sampleEvents());
  assertEquals(
    bars(html).sort(),
    [
      ["block.000001", "FAILED", "block"],
      ["task.000002", "DONE", "task"],
      ["task.000003", "FAILED", "task"],
      ["task.000004", "CANCELLED", "task"],
      ["task.000005", "RUNNING", "task"],
    ],
  );
  assert(html.startsWith("<!DOCTYPE html>"));
  // the block's span covers it and its members; the never-started task is marked
  assertMatch(html, /<rect class="block-span" data-block="block.000001"/);
  assertMatch(html, /<rect class="bar s-CANCELLED not-run" data-uid="task.000004"/);
  // waiting segments for tasks that waited before they started
  assertEquals(html.match(/<rect class="wait /g)?.length, 4); // block, fetch, parse, watch
  // dependency edges from the optional `deps` field
  assertMatch(html, /<path class="dep" data-from="task.000002" data-to="task.000003"/);
  assertMatch(html, /<path class="dep" data-from="task.000003" data-to="task.000004"/);
  // a time axis in seconds over the 2 s of the log
  for (const t of ["0.0s", "0.5s", "1.0s", "1.5s", "2.0s"]) {
    assert(html.includes(`>${t}</text>`), t);
  }
  assertMatch(html, /5 tasks|4 tasks, 1 block/);
  assert(!/(src|href)="(https?:)?\/\//.test(html), "the page must not fetch anything");
});

Deno.test("renderTimeline() lists members under their block in task mode", () => {
  const html = renderTimeline(sampleEvents(), { group: "task" });
  const order = bars(html).map((b) => b[0]);
  // rows are in tree order but bars are drawn per item; check label order instead
  const labels = [...html.matchAll(/<text class="label[^"]*" x="(\d+)"[^>]*><title>([^<]*)</g)]
    .map((m) => [m[2], Number(m[1])]);
  assertEquals(labels, [
    ["pipeline block.000001", 8],
    ["fetch task.000002", 22],
    ["parse task.000003", 22],
    ["report task.000004", 22],
    ["watch task.000005", 8],
  ]);
  assertEquals(order.length, 5);
});

Deno.test("renderTimeline() draws one row per workflow when grouped by workflow", () => {
  const events = [
    ...sampleEvents(),
    ev("TaskCreated", "task.000006", "a", 100, { workflowId: "wf-x" }),
    ev("TaskStarted", "task.000006", "a", 101, { workflowId: "wf-x" }),
    ev("TaskCompleted", "task.000006", "a", 300, { workflowId: "wf-x" }),
    ev("TaskCreated", "task.000007", "b", 100, { workflowId: "wf-x" }),
    ev("TaskStarted", "task.000007", "b", 101, { workflowId: "wf-x" }),
    ev("TaskCompleted", "task.000007", "b", 300, { workflowId: "wf-x" }),
  ];
  const html = renderTimeline(events, { group: "workflow" });
  assertEquals(bars(html).length, 7);
  const rows = [...html.matchAll(/<text class="label group-label"[^>]*><title>([^<]*)</g)]
    .map((m) => m[1]);
  assertEquals(rows, ["(no workflow)", "pipeline block.000001", "workflow wf-x scope"]);
  // a and b overlap, so they sit in two lanes of one row: different y
  const ys = [...html.matchAll(/data-uid="task.00000[67]"[^>]* y="([\d.]+)"/g)].map((m) => m[1]);
  assertEquals(ys.length, 2);
  assert(ys[0] !== ys[1], `overlapping tasks share a lane: ${ys}`);
});

Deno.test("renderTimeline() escapes names, uids and errors from users", () => {
  const nasty = `<script>alert("x")</script>&'`;
  const html = renderTimeline([
    ev("TaskCreated", "task.000001", nasty, 0, { workflowId: `</script><b>wf` }),
    ev("TaskStarted", "task.000001", nasty, 1, { workflowId: `</script><b>wf` }),
    ev("TaskFailed", "task.000001", nasty, 2, {
      workflowId: `</script><b>wf`,
      error: { name: "Error", message: "</script><img src=x onerror=alert(1)>" },
    }),
  ], { title: "<i>run</i>" });
  assertEquals(html.match(/<script/g)?.length, 2, "only the page's two script elements");
  assertEquals(html.match(/<\/script>/g)?.length, 2);
  assert(!html.includes("<img"));
  assert(!html.includes("<b>"));
  assert(!html.includes("<i>run"));
  assert(html.includes("<title>&lt;i&gt;run&lt;/i&gt;</title>"));
  assert(html.includes(escapeHtml(nasty)));
  assertEquals(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
});

Deno.test("renderTimeline() draws custom events as markers and survives retries and cache hits", () => {
  const events = [
    ev("TaskCreated", "task.000001", "flaky", 0),
    ev("TaskStarted", "task.000001", "flaky", 1),
    ev("TaskRetrying", "task.000001", "flaky", 100, {
      attempt: 2,
      delay: 50,
      error: { name: "Error", message: "try again" },
    }),
    ev("TaskStarted", "task.000001", "flaky", 150),
    ev("TaskCompleted", "task.000001", "flaky", 300),
    ev("TaskCreated", "task.000002", "memo", 10),
    ev("TaskCached", "task.000002", "memo", 11, { cached: true }),
    ev("TaskCompleted", "task.000002", "memo", 11, { cached: true }),
    {
      type: "myapp.Checkpoint",
      time: T0 + 200,
      attrs: { step: "<b>1</b>" },
    } as unknown as FlowEvent,
  ];
  const html = renderTimeline(events);
  assertEquals(bars(html).sort(), [
    ["task.000001", "DONE", "task"],
    ["task.000002", "DONE", "task"],
  ]);
  assertEquals(html.match(/<g class="mark" data-type="myapp.Checkpoint">/g)?.length, 1);
  assert(html.includes("&lt;b&gt;1&lt;/b&gt;"), "attrs are escaped");
  assert(!html.includes("<b>1</b>"));
  assertMatch(html, /"cached":true/);
  assertMatch(html, /"attempts":2/);
});

Deno.test("renderTimeline() labels custom event markers and names a task by its latest name", () => {
  const events = [
    ev("TaskCreated", "task.000001", "task", 0),
    ev("TaskStarted", "task.000001", "echo", 5),
    ev("TaskCompleted", "task.000001", "echo", 100),
    { type: "demo.Part2", time: T0 + 50, attrs: { label: "part <2>" } } as unknown as FlowEvent,
    { type: "demo.Checkpoint", time: T0 + 60, attrs: { step: 1 } } as unknown as FlowEvent,
  ];
  const html = renderTimeline(events);
  const labels = [...html.matchAll(/<text class="mark-label[^"]*"[^>]*>([^<]*)<\/text>/g)].map((
    m,
  ) => m[1]);
  // attrs.label when it is a string (escaped), else the type
  assertEquals(labels, ["part &lt;2&gt;", "demo.Checkpoint"]);
  // an executable without a name is "task" when created and its program once built
  assertMatch(html, /<title>echo task\.000001<\/title>/);
});

Deno.test("renderTimeline() gives a page that says so for an empty log", () => {
  const html = renderTimeline([]);
  assertEquals(bars(html), []);
  assertMatch(html, /The event log holds no events/);
  assert(html.includes("</html>"));
});

Deno.test("renderTimeline() throws TypeError for a malformed event or option", () => {
  assertThrows(
    () => renderTimeline([ev("TaskCreated", "task.000001", "a", 0), { type: "Nope" } as never]),
    TypeError,
    "Cannot render timeline as event 1 is not a flow event (bad 'type')",
  );
  assertThrows(
    () => renderTimeline([{ ...ev("TaskCreated", "t", "a", 0), time: NaN }]),
    TypeError,
    "(bad 'time')",
  );
  assertThrows(
    () => renderTimeline([], { group: "row" as never }),
    TypeError,
    `Cannot render timeline as 'group' must be "task" or "workflow": received "row"`,
  );
});

// ---------------------------------------------------------------- EventLog

Deno.test("EventLog writes every event as one JSON line and loses none at close", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_eventlog_" });
  try {
    const path = `${dir}/events.jsonl`;
    const log = await EventLog.open(path, { bufferSize: 4096 });
    const n = 5000;
    for (let i = 0; i < n; i++) {
      log.listener({
        type: i % 2 ? "TaskStarted" : "TaskCreated",
        uid: `task.${String(i).padStart(6, "0")}`,
        name: `n"${i}\n`,
        time: T0 + i / 7,
        ...(i % 1000 === 999 ? { error: new TypeError(`bad ${i}`) } : {}),
      });
    }
    assertEquals(log.lines, n);
    await log.close();
    await log.close(); // idempotent
    log.listener(ev("TaskCreated", "task.999999", "late", 0));
    assertEquals(log.dropped, 1);
    const text = await Deno.readTextFile(path);
    const lines = text.split("\n");
    assertEquals(lines.length, n + 1); // one per event, then the final newline
    assertEquals(lines[n], "");
    const events = parseEventLog(text);
    assertEquals(events.length, n);
    events.forEach((e, i) => {
      assertEquals(e.uid, `task.${String(i).padStart(6, "0")}`);
      assertEquals(e.name, `n"${i}\n`);
      assertEquals(e.time, T0 + i / 7);
    });
    const err = events[999]!.error as Record<string, unknown>;
    assertEquals(err.name, "TypeError");
    assertEquals(err.message, "bad 999");
    assertMatch(String(err.stack), /TypeError: bad 999/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("EventLog writes in batches, not once per event", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_eventlog_" });
  const proto = Deno.FsFile.prototype;
  const original = proto.write;
  let writes = 0;
  proto.write = function (this: Deno.FsFile, p: Uint8Array) {
    writes++;
    return original.call(this, p);
  };
  try {
    const log = await EventLog.open(`${dir}/events.jsonl`, { bufferSize: 65536 });
    const n = 20_000;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const e = ev("TaskCompleted", `task.${i}`, "work", i, { backend: "inline" });
      bytes += JSON.stringify(e).length + 1;
      log.listener(e);
    }
    // events spread over several turns are batched too
    for (let turn = 0; turn < 10; turn++) {
      await Promise.resolve();
      log.listener(ev("TaskStarted", `task.x${turn}`, "w", 0));
    }
    await log.close();
    const maxWrites = Math.ceil(bytes / 65536) + 2;
    assert(writes <= maxWrites, `expected at most ${maxWrites} writes, got ${writes}`);
    assert(writes >= 1);
    assertEquals(parseEventLog(await Deno.readTextFile(`${dir}/events.jsonl`)).length, n + 10);
  } finally {
    proto.write = original;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("EventLog records an engine run: TaskCreated first, one final event last", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_eventlog_" });
  try {
    const path = `${dir}/events.jsonl`;
    await using log = await EventLog.open(path);
    {
      await using flow = await WorkflowEngine.create({ workDir: dir });
      flow.subscribe(log.listener);
      const inc = flow.functionTask((x: number) => x + 1, { name: "inc" });
      const boom = flow.functionTask((_x: number) => {
        throw new RangeError("boom");
      }, { name: "boom" });
      const after = flow.functionTask((x: number) => x, { name: "after" });
      const b = flow.block(async () => await inc(await inc(1)), { name: "blk" })();
      assertEquals(await b, 3);
      await after(boom(inc(0))).catch(() => {});
    }
    await log.close();
    const events = parseEventLog(await Deno.readTextFile(path));
    const byUid = Map.groupBy(events, (e) => e.uid);
    assertEquals(byUid.size, 6); // blk, its two inc, then inc, boom, after
    for (const [uid, list] of byUid) {
      assertEquals(list[0]!.type, "TaskCreated", uid);
      assert(/Completed|Failed|Cancelled/.test(list.at(-1)!.type), uid);
      assertEquals(list.filter((e) => /Completed|Failed|Cancelled/.test(e.type)).length, 1);
    }
    const failed = events.filter((e) => e.type === "TaskFailed");
    assertEquals(failed.map((e) => e.name).sort(), ["after", "boom"]);
    const dep = failed.find((e) => e.name === "after")!.error as Record<string, unknown>;
    assertEquals(dep.name, "DependencyFailureError");
    assertEquals((dep.rootCause as Record<string, unknown>).message, "boom");
    assertEquals((dep.failedDependencies as { name: string }[])[0]!.name, "boom");
    const members = events.filter((e) => e.workflowId?.startsWith("block."));
    assert(members.length > 0 && members.every((e) => e.name === "inc"));
    // and the page of it has one bar per task and block
    assertEquals(bars(renderTimeline(events)).length, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("EventLog.open() throws for a bad path or option", async () => {
  await assertRejects(
    () => EventLog.open(""),
    TypeError,
    `Cannot open event log as 'path' must be a non-empty string or a URL: received ""`,
  );
  await assertRejects(
    () => EventLog.open("/nonexistent-dir-asyncflow/x.jsonl"),
    Error,
    'Cannot open event log as the file cannot be created: received "/nonexistent-dir-asyncflow/x.jsonl"',
  );
  await assertRejects(
    () => EventLog.open("x.jsonl", { bufferSize: -1 }),
    TypeError,
    "'bufferSize' must be a non-negative integer: received -1",
  );
});

Deno.test("serializeError() keeps the fields of an error that are plain data", () => {
  const cause = new RangeError("root");
  const e = new DependencyFailureError("t", [{ uid: "task.000001", name: "a" }], cause);
  const s = serializeError(e);
  assertEquals(s.name, "DependencyFailureError");
  assertEquals(s.message, "Cannot execute 't' due to dependency failure");
  assertEquals(s.failedDependencies, [{ uid: "task.000001", name: "a" }]);
  assertEquals((s.cause as Record<string, unknown>).name, "RangeError");
  assertEquals(serializeError("plain"), { name: "Error", message: "plain" });
  assertEquals(serializeError(42), { name: "Error", message: "42" });
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const withCycle = Object.assign(new Error("c"), { data: circular });
  assertEquals(serializeError(withCycle).data, undefined);
});

Deno.test("parseEventLog() names the line that is not an event", () => {
  assertThrows(
    () => parseEventLog(`${JSON.stringify(ev("TaskCreated", "t", "a", 0))}\n\n{"type":1}\n`),
    SyntaxError,
    "Cannot parse event log as line 3 is not a flow event (bad 'type')",
  );
  assertThrows(() => parseEventLog("{oops"), SyntaxError, "line 1 is not JSON");
});

// ---------------------------------------------------------------- the tool

Deno.test("timeline main() writes the page and rejects bad usage", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_timeline_" });
  const messages: string[] = [];
  const out = { log: (s: string) => messages.push(s), error: (s: string) => messages.push(s) };
  try {
    const input = `${dir}/events.jsonl`;
    await Deno.writeTextFile(input, sampleEvents().map((e) => JSON.stringify(e)).join("\n"));
    const code = await timelineMain(
      [input, `${dir}/out.html`, "--group", "workflow", "--title", "My run"],
      out,
    );
    assertEquals(code, 0, messages.join("\n"));
    const html = await Deno.readTextFile(`${dir}/out.html`);
    assertEquals(bars(html).length, 5);
    assert(html.includes("<h1>My run</h1>"));
    messages.length = 0;
    assertEquals(await timelineMain([input], out), 2);
    assertMatch(messages[0]!, /exactly two paths are needed \(events, output\): received 1/);
    messages.length = 0;
    assertEquals(await timelineMain([input, `${dir}/o.html`, "--group", "rows"], out), 2);
    assertMatch(messages[0]!, /--group must be "task" or "workflow": received "rows"/);
    messages.length = 0;
    assertEquals(await timelineMain([input, `${dir}/o.html`, "--colour"], out), 2);
    assertMatch(messages[0]!, /the option is unknown: received --colour/);
    messages.length = 0;
    assertEquals(await timelineMain([`${dir}/missing.jsonl`, `${dir}/o.html`], out), 1);
    assertMatch(messages[0]!, /the event log cannot be read: received .*missing.jsonl/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
