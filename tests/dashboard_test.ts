/**
 * The live dashboard without a browser: its HTTP paths read with `fetch` the
 * way a client reads them (the page's own test is dashboard_page_test.ts).
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  type FlowEvent,
  type FlowListener,
  NoopBackend,
  type TaskEventType,
  WorkflowEngine,
} from "../mod.ts";
import { startDashboard } from "../src/dashboard.ts";
import { DashboardModel } from "../src/dashboard/_model.ts";
import { main as dashboardTool } from "../tools/dashboard.ts";
import { JOURNAL_NOTE, journalRun } from "../src/dashboard/_journal.ts";
import { Journal } from "../src/journal/mod.ts";

/**
 * Deno.test with the op and resource sanitizers on: a timer, connection or
 * stream the dashboard leaves behind fails the test.
 */
function test(name: string, fn: () => Promise<void> | void): void {
  Deno.test({ name, sanitizeOps: true, sanitizeResources: true, fn });
}

const T0 = 1_700_000_000_000;

/** Reads a `text/event-stream` body one message at a time, its data parsed as JSON. */
class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buf = "";

  constructor(res: Response) {
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    this.#reader = res.body!.getReader();
  }

  /** The next `message` event's data, or undefined at the end of the stream. */
  // deno-lint-ignore no-explicit-any
  async next(): Promise<any> {
    while (true) {
      const end = this.#buf.indexOf("\n\n");
      if (end >= 0) {
        const block = this.#buf.slice(0, end);
        this.#buf = this.#buf.slice(end + 2);
        const lines = block.split("\n");
        // only plain `message` events: no `event:` field
        assert(!lines.some((l) => l.startsWith("event:")), `a named event: ${block}`);
        const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
        if (data.length === 0) continue; // `retry:` or a comment
        return JSON.parse(data.join("\n"));
      }
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#buf += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Messages until `pred` holds for one (included). */
  // deno-lint-ignore no-explicit-any
  async until(pred: (m: any) => boolean): Promise<any[]> {
    const out = [];
    while (true) {
      const m = await this.next();
      if (m === undefined) throw new Error(`the stream ended after ${out.length} messages`);
      out.push(m);
      if (pred(m)) return out;
    }
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

/** A source whose events the test emits. */
function fakeSource(title = "fake"): {
  source: { title: string; subscribe(l: FlowListener): () => void };
  emit(ev: Partial<FlowEvent> & { type: string }): void;
  listeners(): number;
} {
  let listeners: FlowListener[] = [];
  let time = T0;
  return {
    source: {
      title,
      subscribe(l) {
        listeners.push(l);
        return () => listeners = listeners.filter((x) => x !== l);
      },
    },
    emit(ev) {
      time += 1;
      const full = { time, ...ev } as FlowEvent;
      for (const l of listeners) l(full);
    },
    listeners: () => listeners.length,
  };
}

/** The three events of a task that runs and ends in `end`. */
function taskEvents(
  n: number,
  end: "TaskCompleted" | "TaskFailed" | "TaskCancelled" = "TaskCompleted",
  extra: Partial<FlowEvent> = {},
): (Partial<FlowEvent> & { type: string })[] {
  const base = { uid: `task.${String(n).padStart(6, "0")}`, name: `t${n % 5}`, ...extra };
  return [
    { ...base, type: "TaskCreated" },
    { ...base, type: "TaskStarted" },
    { ...base, type: end },
  ];
}

// ---------------------------------------------------------------- flow.dashboard()

test("flow.dashboard() streams every event as JSON at <url>events while tasks run", async () => {
  await using flow = await WorkflowEngine.create();
  const { url } = await flow.dashboard();
  assertMatch(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const sse = new SseReader(await fetch(`${url}events`));
  const ok = flow.functionTask((x: number) => x + 1, { name: "inc" });
  const bad = flow.functionTask((_: number) => {
    throw new RangeError("no good");
  }, { name: "bad" });
  const a = ok(1);
  await a;
  await bad(a).catch(() => {});
  const seen = await sse.until((m) => m.type === "TaskFailed");
  assertEquals(seen[0].type, "TaskCreated");
  assertEquals(seen[0].uid, a.uid);
  assertEquals(seen[0].name, "inc");
  assertEquals(typeof seen[0].time, "number");
  const types = seen.filter((m) => m.uid === a.uid).map((m) => m.type);
  assertEquals(types[0], "TaskCreated");
  assertEquals(types.at(-1), "TaskCompleted");
  const failed = seen.at(-1);
  assertEquals(failed.name, "bad");
  assertEquals(failed.error.name, "RangeError");
  assertEquals(failed.error.message, "no good");
  assertMatch(failed.error.stack, /dashboard_test\.ts/);
  await sse.cancel();
});

test("flow.dashboard() gives a late client of <url>events the events so far, then the live ones", async () => {
  await using flow = await WorkflowEngine.create();
  const d = await flow.dashboard();
  const double = flow.functionTask((x: number) => x * 2, { name: "double" });
  await Promise.all([double(1), double(2), double(3)]);
  const late = new SseReader(await fetch(`${d.url}events`));
  const history = await late.until((m) =>
    m.type === "TaskCompleted" && m.name === "double" &&
    m.uid === "task.000003"
  );
  assertEquals(history.filter((m) => m.type === "TaskCreated").length, 3);
  assertEquals(history[0].type, "TaskCreated");
  // then what happens next
  const f = double(4);
  await f;
  const live = await late.until((m) => m.uid === f.uid && m.type === "TaskCompleted");
  assert(live.some((m) => m.uid === f.uid && m.type === "TaskCreated"));
  assert(!live.some((m) => m.uid === "task.000001"), "the history is sent once");
  await late.cancel();
});

test("flow.dashboard() returns the same handle on a second call", async () => {
  await using flow = await WorkflowEngine.create();
  const a = flow.dashboard();
  const b = flow.dashboard({ port: 0 });
  assertEquals(await a, await b);
  assertEquals((await a).url, (await b).url);
});

test("flow.dashboard() throws at once for a bad port or hostname, naming the value", async () => {
  await using flow = await WorkflowEngine.create();
  assertThrows(
    () => flow.dashboard({ port: -1 }),
    RangeError,
    "Cannot start dashboard as 'port' must be an integer from 0 to 65535: received -1",
  );
  assertThrows(() => flow.dashboard({ port: 70000 }), RangeError, "received 70000");
  assertThrows(() => flow.dashboard({ port: 1.5 }), RangeError, "received 1.5");
  assertThrows(
    () => flow.dashboard({ port: "8080" as never }),
    TypeError,
    `Cannot start dashboard as 'port' must be a number: received "8080"`,
  );
  assertThrows(
    () => flow.dashboard({ hostname: "" }),
    TypeError,
    `Cannot start dashboard as 'hostname' must be a host name or an IP address: received ""`,
  );
  assertThrows(() => flow.dashboard({ hostname: "a b" }), TypeError, `received "a b"`);
  assertThrows(() => flow.dashboard({ hostname: 127 as never }), TypeError, "received 127");
  assertThrows(
    () => flow.dashboard({ colour: "red" } as never),
    TypeError,
    `Cannot start dashboard as 'options' has an unknown field: received "colour"`,
  );
  assertThrows(() => flow.dashboard(null as never), TypeError, "'options' must be an object");
  // none of them started one
  const d = await flow.dashboard();
  assertMatch(d.url, /^http:\/\/127\.0\.0\.1:/);
});

test("flow.dashboard() rejects when the port is taken, and a later call may try another", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await using flow = await WorkflowEngine.create();
    const port = (taken.addr as Deno.NetAddr).port;
    const e = await assertRejects(
      () => flow.dashboard({ port }),
      Error,
      `Cannot start dashboard as the server cannot listen on 127.0.0.1:${port}`,
    );
    assert(e.cause instanceof Deno.errors.AddrInUse);
    const d = await flow.dashboard();
    assertNotEquals(new URL(d.url).port, String(port));
  } finally {
    taken.close();
  }
});

test("flow.dashboard() closes at shutdown: streams end, the server stops", async () => {
  const flow = await WorkflowEngine.create();
  const d = await flow.dashboard();
  const { url } = d;
  const events = new SseReader(await fetch(`${url}events`));
  const live = new SseReader(await fetch(`${url}live`));
  const first = await live.next();
  assertEquals(first.k, "full");
  assertEquals(first.title, flow.uid);
  assertEquals(first.live, true);
  const never = flow.functionTask(() => new Promise(() => {}), { name: "never" });
  const f = never();
  await events.until((m) => m.type === "TaskStarted");
  await flow.shutdown();
  assertEquals(f.state, "CANCELLED");
  // the cancel reached the stream before it ended
  const rest = [];
  for (let m = await events.next(); m !== undefined; m = await events.next()) rest.push(m);
  assertEquals(rest.map((m) => m.type), ["TaskCancelled"]);
  // the page hears the last counts, then that the dashboard closed
  const msgs = [];
  for (let m = await live.next(); m !== undefined; m = await live.next()) msgs.push(m);
  assertEquals(msgs.at(-1), { k: "end" });
  assertEquals(msgs.at(-2).counts.cancelled, 1);
  await assertRejects(() => fetch(url));
  assertEquals(await flow.dashboard(), d, "the same, closed, handle");
  const other = await WorkflowEngine.create();
  await other.shutdown();
  assertThrows(
    () => other.dashboard(),
    Error,
    "Cannot start dashboard as the engine is shut down",
  );
});

test("flow.dashboard() page is one self-contained document that asks no other host", async () => {
  await using flow = await WorkflowEngine.create();
  const { url } = await flow.dashboard();
  const res = await fetch(url);
  assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
  const csp = res.headers.get("content-security-policy")!;
  assertMatch(csp, /default-src 'none'/);
  assertMatch(csp, /connect-src 'self'/);
  const html = await res.text();
  assert(html.startsWith("<!DOCTYPE html>"));
  assert(html.includes(flow.uid));
  const nonce = csp.match(/'nonce-([^']+)'/)![1]!;
  assertEquals([...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]), [` nonce="${nonce}"`]);
  assert(!/(src|href)="(?!data:)[^"]+"/.test(html), "no src or href but data: URIs");
  assert(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), "no absolute URL");
  assert(!html.includes("@import") && !/url\((?!#)/.test(html), "no CSS import or url()");
  // the page's script is valid JavaScript
  const script = html.slice(
    html.indexOf(">", html.indexOf("<script")) + 1,
    html.indexOf("</script>"),
  );
  new Function(script);
  const nope = await fetch(`${url}nope`);
  assertEquals(nope.status, 404);
  await nope.body?.cancel();
  await (await fetch(`${url}favicon.ico`)).body?.cancel();
  const post = await fetch(url, { method: "POST" });
  assertEquals(post.status, 405);
  await post.body?.cancel();
});

test("flow.dashboard() refuses requests whose Host is not the loopback (DNS rebinding)", async () => {
  await using flow = await WorkflowEngine.create();
  const { url } = await flow.dashboard();
  const port = Number(new URL(url).port);
  const ask = async (host: string) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(
      new TextEncoder().encode(`GET /state HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    );
    let text = "";
    const buf = new Uint8Array(4096);
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    conn.close();
    return text.split("\r\n")[0];
  };
  assertEquals(await ask("evil.example"), "HTTP/1.1 403 Forbidden");
  assertEquals(await ask(`evil.example:${port}`), "HTTP/1.1 403 Forbidden");
  assertEquals(await ask(`localhost:${port}`), "HTTP/1.1 200 OK");
  assertEquals(await ask(`127.0.0.1:${port}`), "HTTP/1.1 200 OK");
});

test("flow.dashboard() state stays bounded for 20,000 tasks and late clients get a snapshot", async () => {
  await using flow = await WorkflowEngine.create({ backend: new NoopBackend() });
  const { url } = await flow.dashboard();
  const live = new SseReader(await fetch(`${url}live`));
  assertEquals((await live.next()).k, "full");
  const step = flow.functionTask((i: number) => i, { name: "step" });
  const N = 20_000;
  for (let w = 0; w < 4; w++) {
    await flow.workflowScope(`wf-${w}`, async () => {
      const fs = [];
      for (let i = 0; i < N / 4; i++) fs.push(step(i));
      await Promise.all(fs);
    });
  }
  const res = await fetch(`${url}state`);
  const text = await res.text();
  const state = JSON.parse(text);
  assertEquals(state.counts.tasks, N);
  assertEquals(state.counts.done, N);
  assertEquals(state.rows.length, 2000, "rows beyond the cap are not kept");
  assertEquals(
    // deno-lint-ignore no-explicit-any
    state.groups.map((g: any) => [g.label, g.n, g.done, g.drawn]),
    [["wf-0", 5000, 5000, 2000], ["wf-1", 5000, 5000, 0], ["wf-2", 5000, 5000, 0], [
      "wf-3",
      5000,
      5000,
      0,
    ]],
  );
  assert(text.length < 600_000, `the whole state is ${text.length} bytes`);
  assert(state.buckets.done.length <= 120);
  assertEquals(state.buckets.done.reduce((a: number, b: number) => a + b, 0), N);
  // the page got updates at a bounded rate, none bigger than the whole state
  const msgs = await live.until((m) => m.counts?.done === N);
  assert(msgs.length < 200, `${msgs.length} updates`);
  for (const m of msgs) assert(JSON.stringify(m).length < 600_000);
  // 100,000 events outgrew the history: a late client gets one snapshot, then live events
  const late = new SseReader(await fetch(`${url}events`));
  const snap = await late.next();
  assertEquals(snap.type, "DashboardSnapshot");
  assertEquals(snap.counts.done, N);
  const f = step(-1);
  await f;
  const next = await late.until((m) => m.type === "TaskCompleted");
  assertEquals(next[0].type, "TaskCreated");
  assert(next.every((m) => m.uid === f.uid), "only the new task's events follow");
  await late.cancel();
  await live.cancel();
});

// ---------------------------------------------------------------- startDashboard()

test("startDashboard() close() ends open streams, is idempotent and stops listening", async () => {
  const fake = fakeSource();
  const d = await startDashboard(fake.source);
  assertEquals(fake.listeners(), 1);
  const events = new SseReader(await fetch(`${d.url}events`));
  const live = new SseReader(await fetch(`${d.url}live`));
  await live.next();
  for (const ev of taskEvents(1)) fake.emit(ev);
  await events.until((m) => m.type === "TaskCompleted");
  const a = d.close();
  const b = d.close();
  await Promise.all([a, b]);
  await d.close();
  assertEquals(fake.listeners(), 0, "close() unsubscribes");
  assertEquals(await events.next(), undefined);
  const rest = [];
  for (let m = await live.next(); m !== undefined; m = await live.next()) rest.push(m);
  assertEquals(rest.at(-1), { k: "end" });
  await assertRejects(() => fetch(d.url));
  fake.emit({ type: "TaskCreated", uid: "task.000009", name: "late" }); // ignored, no throw
});

test("startDashboard() shows custom events: in the state and on the events stream", async () => {
  const fake = fakeSource();
  await using d = await startDashboard(fake.source);
  const events = new SseReader(await fetch(`${d.url}events`));
  fake.emit({ type: "myapp.Checkpoint", workflowId: "wf-1", attrs: { step: 3, big: 10n } });
  const [m] = await events.until((x) => x.type === "myapp.Checkpoint");
  assertEquals(m.attrs, { step: 3, big: "10" });
  assertEquals(m.workflowId, "wf-1");
  assertEquals(m.uid, undefined);
  const state = await (await fetch(`${d.url}state`)).json();
  assertEquals(state.counts.marks, 1);
  assertEquals(state.marks.length, 1);
  assertEquals(state.marks[0].type, "myapp.Checkpoint");
  assertEquals(JSON.parse(state.marks[0].attrs), { step: 3, big: "10" });
  assertEquals(state.markTypes, { "myapp.Checkpoint": 1 });
  await events.cancel();
});

test("startDashboard() closes an events client that does not read instead of buffering for it", async () => {
  const fake = fakeSource();
  await using d = await startDashboard(fake.source, {
    clientBufferBytes: 64 * 1024,
    historyBytes: 0,
  });
  const res = await fetch(`${d.url}events`);
  const reader = res.body!.getReader();
  // about 40 MB of events, far more than the socket and the buffer hold
  const pad = "x".repeat(400);
  let sent = 0;
  for (let round = 0; round < 100; round++) {
    for (let i = 0; i < 1000; i++) {
      fake.emit({ type: "TaskCreated", uid: `task.${sent}`, name: pad });
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1)); // the server writes what the socket takes
  }
  // reading now gets what was buffered, then the end (no hang)
  let received = 0;
  const decoder = new TextDecoder();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    received += decoder.decode(r.value, { stream: true }).split("\n\n").length - 1;
  }
  assert(received > 0 && received < sent, `received ${received} of ${sent}`);
});

test("startDashboard() close() ends even when a client stopped reading", async () => {
  const fake = fakeSource();
  const d = await startDashboard(fake.source, { historyBytes: 0 });
  const res = await fetch(`${d.url}events`);
  const reader = res.body!.getReader(); // a client that never reads again
  const pad = "x".repeat(1000);
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 1000; i++) fake.emit({ type: "TaskCreated", uid: `task.${i}`, name: pad });
    await new Promise((r) => setTimeout(r, 1));
  }
  await d.close(); // the server drops the connection instead of waiting for the reader
  let ended = false;
  try {
    while (!(await reader.read()).done);
    ended = true;
  } catch {
    ended = true; // cut off
  }
  assert(ended);
});

test("startDashboard() throws at once for a bad source", () => {
  assertThrows(
    () => startDashboard(null as never),
    TypeError,
    "Cannot start dashboard as 'source' must be an object: received null",
  );
  assertThrows(
    () => startDashboard({ title: 1 } as never),
    TypeError,
    "'source.title' must be a string: received 1",
  );
  assertThrows(
    () => startDashboard({ title: "x", history: 3 } as never),
    TypeError,
    "'source.history' must be iterable: received 3",
  );
  assertThrows(
    () => startDashboard({ title: "x" }, { maxRows: -1 }),
    RangeError,
    "'maxRows' must be an integer from 0 to 100000: received -1",
  );
});

test("startDashboard() serves a finished run: its streams give the history and end", async () => {
  const history: FlowEvent[] = [];
  let t = T0;
  for (let i = 1; i <= 3; i++) {
    for (const ev of taskEvents(i, i === 2 ? "TaskFailed" : "TaskCompleted")) {
      history.push(
        {
          time: t++,
          ...ev,
          ...(ev.type === "TaskFailed"
            ? { error: { name: "Error", message: "boom", exitCode: 2 } }
            : {}),
        } as FlowEvent,
      );
    }
  }
  await using d = await startDashboard({ title: "past", history });
  const events = new SseReader(await fetch(`${d.url}events`));
  const all = [];
  for (let m = await events.next(); m !== undefined; m = await events.next()) all.push(m);
  assertEquals(all.length, 9);
  assertEquals(all[5].error, { name: "Error", message: "boom", exitCode: 2 });
  const live = new SseReader(await fetch(`${d.url}live`));
  const full = await live.next();
  assertEquals(full.k, "full");
  assertEquals(full.live, false);
  assertEquals(full.counts.done, 2);
  assertEquals(full.failures[0].error.exitCode, 2);
  assertEquals(full.now, 8);
  assertEquals(await live.next(), { k: "end" });
  assertEquals(await live.next(), undefined);
});

// ---------------------------------------------------------------- the model

function model(limits: Partial<ConstructorParameters<typeof DashboardModel>[0]> = {}) {
  return new DashboardModel({ maxRows: 10, maxGroups: 3, maxFailures: 8, maxMarks: 4, ...limits });
}

function fold(m: DashboardModel, evs: (Partial<FlowEvent> & { type: string })[], t0 = T0) {
  let t = t0;
  for (const ev of evs) m.ingest({ time: t++, ...ev } as FlowEvent);
}

test("DashboardModel counts states, backends and groups as tasks move", () => {
  const m = model();
  const be = { backend: "gpu", workflowId: "wf-a" };
  fold(m, [
    { type: "TaskCreated", uid: "task.000001", name: "a", ...be },
    { type: "TaskReady", uid: "task.000001", name: "a", ...be },
    { type: "TaskSubmitted", uid: "task.000001", name: "a", ...be },
    { type: "TaskCreated", uid: "task.000002", name: "b", ...be },
  ]);
  let s = m.full(T0 + 10);
  // deno-lint-ignore no-explicit-any
  const counts = (x: any) => [x.pending, x.waiting, x.running, x.done];
  assertEquals(counts(s.counts), [2, 1, 0, 0]);
  assertEquals(s.backends, [{
    name: "gpu",
    waiting: 1,
    running: 0,
    done: 0,
    failed: 0,
    cancelled: 0,
  }]);
  fold(m, [
    { type: "TaskStarted", uid: "task.000001", name: "a", ...be },
    { type: "TaskRetrying", uid: "task.000001", name: "a", ...be, attempt: 2, delay: 10 },
    { type: "TaskStarted", uid: "task.000001", name: "a", ...be },
    { type: "TaskCompleted", uid: "task.000001", name: "a", ...be },
    { type: "TaskCached", uid: "task.000002", name: "b", ...be },
    { type: "TaskCompleted", uid: "task.000002", name: "b", ...be, cached: true },
    { type: "TaskStarted", uid: "task.000002", name: "b", ...be }, // after its end: ignored
  ], T0 + 20);
  s = m.full(T0 + 30);
  assertEquals(counts(s.counts), [0, 0, 0, 2]);
  // deno-lint-ignore no-explicit-any
  const c = s.counts as any;
  assertEquals([c.cached, c.retries], [1, 1]);
  assertEquals(s.backends, [{
    name: "gpu",
    waiting: 0,
    running: 0,
    done: 2,
    failed: 0,
    cancelled: 0,
  }]);
  // deno-lint-ignore no-explicit-any
  const rows = s.rows as any[];
  assertEquals(rows.map((r) => [r.uid, r.st, r.at ?? 0, r.rt ?? 0, r.ca ?? 0]), [
    ["task.000001", 5, 2, 1, 0],
    ["task.000002", 5, 0, 0, 1],
  ]);
  assertEquals(m.unfinished, 0);
});

test("DashboardModel keeps rows and groups up to their caps and counts the rest", () => {
  const m = model({ maxRows: 5, maxGroups: 2 });
  const evs = [];
  for (let i = 1; i <= 30; i++) {
    for (const ev of taskEvents(i, "TaskCompleted", { workflowId: `wf-${i % 4}` })) evs.push(ev);
  }
  fold(m, evs);
  const s = m.full(T0 + 100);
  // deno-lint-ignore no-explicit-any
  const groups = s.groups as any[];
  assertEquals((s.rows as unknown[]).length, 5);
  assertEquals(groups.map((g) => [g.label, g.n, g.done]), [
    ["wf-1", 8, 8],
    ["wf-2", 8, 8],
    ["other workflows", 14, 14],
  ]);
  assertEquals(groups.reduce((a, g) => a + g.drawn, 0), 5);
});

test("DashboardModel keeps room for own errors when dependency failures cascade", () => {
  const m = model({ maxFailures: 8 });
  const evs = [];
  const depError = { name: "DependencyFailureError", message: "dep failed" };
  for (let i = 1; i <= 20; i++) {
    evs.push(...taskEvents(i, "TaskFailed", { error: depError }));
  }
  evs.push(...taskEvents(21, "TaskFailed", { error: new RangeError("the root cause") }));
  fold(m, evs);
  const s = m.full(T0 + 100);
  // deno-lint-ignore no-explicit-any
  const failures = s.failures as any[];
  assertEquals(failures.filter((f) => f.dep).length, 2); // a quarter of 8
  const own = failures.filter((f) => !f.dep);
  assertEquals(own.map((f) => [f.uid, f.error.name, f.error.message]), [
    ["task.000021", "RangeError", "the root cause"],
  ]);
  assertMatch(own[0].error.stack, /dashboard_test\.ts/);
  // deno-lint-ignore no-explicit-any
  assertEquals([(s.counts as any).failures, (s.counts as any).depFailures], [21, 20]);
});

test("DashboardModel widens its time buckets as the run grows, keeping totals", () => {
  const m = model();
  const evs = [];
  for (let i = 1; i <= 50; i++) evs.push(...taskEvents(i));
  let t = T0;
  for (const ev of evs) {
    m.ingest({ time: t, ...ev } as FlowEvent);
    t += 1000; // 150 s in all: 120 buckets of 100 ms do not hold it
  }
  const s = m.full(t);
  // deno-lint-ignore no-explicit-any
  const b = s.buckets as any;
  assert(b.w >= 1600, `bucket width ${b.w}`);
  assert(b.done.length <= 120);
  assertEquals(b.done.reduce((x: number, y: number) => x + y, 0), 50);
  assertEquals(b.started.reduce((x: number, y: number) => x + y, 0), 50);
  // each task ran 1 s: the busy time is 50 s
  assertEquals(b.busy.reduce((x: number, y: number) => x + y, 0), 50_000);
});

test("DashboardModel delta() sends what changed once, full() leaves it pending", () => {
  const m = model();
  fold(m, taskEvents(1).slice(0, 2));
  assertEquals(m.full(T0 + 5).k, undefined);
  const d1 = m.delta(T0 + 5)!;
  // deno-lint-ignore no-explicit-any
  assertEquals((d1.rows as any[]).map((r) => r.uid), ["task.000001"]);
  // a running task keeps its group's busy time growing, nothing else changes
  const d2 = m.delta(T0 + 50)!;
  assertEquals(d2.rows, undefined);
  assertEquals((d2.groups as unknown[]).length, 1);
  fold(m, taskEvents(1).slice(2), T0 + 60);
  // deno-lint-ignore no-explicit-any
  assertEquals((m.delta(T0 + 70)!.rows as any[]).map((r) => r.st), [5]);
  assertEquals(m.delta(T0 + 80), undefined);
});

test("DashboardModel counts waiting, held and running tasks per named limit", () => {
  const m = model();
  const ev = (n: number, type: TaskEventType, more: Partial<FlowEvent> = {}) => ({
    uid: `task.${String(n).padStart(6, "0")}`,
    name: `t${n}`,
    backend: "local",
    type,
    ...more,
  });
  fold(m, [
    ev(1, "TaskCreated", { limits: ["api", "gpu"], priority: 5 }),
    ev(2, "TaskCreated", { limits: ["api", "api"] }), // a name listed twice counts once
    ev(3, "TaskCreated"),
    ev(1, "TaskReady"),
    ev(2, "TaskReady"),
    ev(3, "TaskReady"),
    ev(1, "TaskSubmitted"),
    ev(1, "TaskStarted"),
  ]);
  let s = m.full(T0 + 20);
  // deno-lint-ignore no-explicit-any
  const lims = (x: any) =>
    // deno-lint-ignore no-explicit-any
    x.namedLimits.map((l: any) => [l.name, l.waiting, l.held, l.running, l.done, l.failed]);
  assertEquals(lims(s), [["api", 1, 1, 1, 0, 0], ["gpu", 0, 1, 1, 0, 0]]);
  // deno-lint-ignore no-explicit-any
  assertEquals([(s.counts as any).waiting, (s.counts as any).waitingLimits], [2, 1]);
  // deno-lint-ignore no-explicit-any
  const rows = s.rows as any[];
  assertEquals(rows.map((r) => [r.lim, r.pr]), [[["api", "gpu"], 5], [["api"], undefined], [
    undefined,
    undefined,
  ]]);
  fold(m, [
    ev(1, "TaskRetrying", { attempt: 2, delay: 5 }), // between attempts it keeps its units
    ev(2, "TaskSubmitted"),
  ], T0 + 30);
  s = m.full(T0 + 40);
  assertEquals(lims(s), [["api", 0, 2, 0, 0, 0], ["gpu", 0, 1, 0, 0, 0]]);
  fold(m, [
    ev(1, "TaskStarted"),
    ev(1, "TaskFailed", { error: new Error("x") }),
    ev(2, "TaskStarted"),
    ev(2, "TaskCompleted"),
  ], T0 + 50);
  const d = m.delta(T0 + 60)!;
  assertEquals(lims(d), [["api", 0, 0, 0, 1, 1], ["gpu", 0, 0, 0, 0, 1]]);
  assertEquals(m.delta(T0 + 70), undefined);
});

test("DashboardModel tracks at most MAX_LIMITS limit names, the rest as (other)", () => {
  const m = model({ maxRows: 0 });
  const evs = [];
  for (let i = 1; i <= 70; i++) {
    const uid = `task.${String(i).padStart(6, "0")}`;
    evs.push({ type: "TaskCreated" as const, uid, name: "t", limits: [`l${i}`] });
    evs.push({ type: "TaskReady" as const, uid, name: "t" });
  }
  fold(m, evs);
  // deno-lint-ignore no-explicit-any
  const lims = m.full(T0 + 200).namedLimits as any[];
  assertEquals(lims.length, 65);
  assertEquals([lims[64].name, lims[64].waiting], ["(other)", 6]);
});

test("flow.dashboard() shows tasks waiting for a limit and those holding it", async () => {
  await using flow = await WorkflowEngine.create({ limits: { api: { concurrency: 2 } } });
  const d = await flow.dashboard();
  let open!: () => void;
  const gate = new Promise<void>((r) => open = r);
  const call = flow.functionTask(async (i: number) => {
    await gate;
    return i;
  }, { name: "call", limit: "api" });
  const free = flow.functionTask(() => 0, { name: "free" });
  const fs = [1, 2, 3, 4, 5, 6].map((i) => call(i));
  await free();
  // deno-lint-ignore no-explicit-any
  let s: any;
  for (let i = 0; i < 500; i++) {
    s = await (await fetch(`${d.url}state`)).json();
    if (s.namedLimits[0]?.running === 2 && s.namedLimits[0]?.waiting === 4) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assertEquals(s.namedLimits, [{
    name: "api",
    waiting: 4,
    held: 2,
    running: 2,
    done: 0,
    failed: 0,
    cancelled: 0,
  }]);
  assertEquals([s.counts.running, s.counts.waitingLimits, s.counts.done], [2, 4, 1]);
  // deno-lint-ignore no-explicit-any
  assertEquals(s.rows.filter((r: any) => r.lim !== undefined).length, 6);
  open();
  await Promise.all(fs);
  s = await (await fetch(`${d.url}state`)).json();
  assertEquals(s.namedLimits[0], {
    name: "api",
    waiting: 0,
    held: 0,
    running: 0,
    done: 6,
    failed: 0,
    cancelled: 0,
  });
});

test("flow.dashboard() counts and marks tasks completed from the journal", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = async () => {
      await using flow = await WorkflowEngine.create({ journal: `${dir}/run.db` });
      const d = await flow.dashboard();
      const sq = flow.functionTask((x: number) => x * x, { name: "square" });
      const fs = [1, 2, 3].map((i) => sq(i));
      await Promise.all(fs);
      return [fs.map((f) => f.cached), await (await fetch(`${d.url}state`)).json()];
    };
    const [cached1, s1] = await run();
    assertEquals([cached1, s1.counts.cached], [[false, false, false], 0]);
    const [cached2, s2] = await run();
    assertEquals(cached2, [true, true, true]);
    assertEquals([s2.counts.done, s2.counts.cached], [3, 3]);
    // deno-lint-ignore no-explicit-any
    assertEquals(s2.rows.map((r: any) => [r.ca, r.s, r.at]), [
      [1, undefined, undefined],
      [1, undefined, undefined],
      [1, undefined, undefined],
    ]);
    assertEquals(s2.groups[0].cached, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------- a journal as a past run

/** A journal with two runs of one workflow: the second hits the cache but for one failure. */
async function journalOfTwoRuns(path: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await using flow = await WorkflowEngine.create({ journal: path });
    const double = flow.functionTask((x: number) => x * 2, { name: "double" });
    const check = flow.functionTask((x: number) => {
      if (x === 6) throw new RangeError("six is not allowed");
      return x;
    }, { name: "check" });
    await Promise.allSettled([1, 2, 3].map((x) => check(double(x))));
  }
}

test("journalRun() gives the latest run's tasks as points, cached ones marked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/run.db`;
    await journalOfTwoRuns(path);
    const j = journalRun(path);
    assertEquals([j.run.id, j.runs], [2, 2]);
    assertEquals(j.source.note, JOURNAL_NOTE);
    await using d = await startDashboard(j.source);
    const s = await (await fetch(`${d.url}state`)).json();
    assertEquals(s.live, false);
    assertMatch(s.title, /^run\.db · run 2 \(flow\.[0-9a-f]{8}\)$/);
    assertMatch(s.note, /not when it was created or started/);
    assertEquals(
      [s.counts.tasks, s.counts.done, s.counts.failed, s.counts.cached, s.counts.running],
      [6, 5, 1, 5, 0],
    );
    // every task is a point at its final time: created and final at once, never started
    // deno-lint-ignore no-explicit-any
    const rows = s.rows as any[];
    assertEquals(rows.map((r) => r.uid), [1, 2, 3, 4, 5, 6].map((n) => `task.00000${n}`));
    assert(rows.every((r) => r.c === r.e && r.s === undefined), JSON.stringify(rows));
    assertEquals(rows.filter((r) => r.ca === 1).length, 5);
    assertEquals(s.failures.map((f: { error: unknown }) => f.error), [
      { name: "RangeError", message: "six is not allowed" },
    ]);
    // deno-lint-ignore no-explicit-any
    assertEquals(s.marks.map((m: any) => m.type), ["journal.RunStarted", "journal.RunEnded"]);
    // the first run, by its id: nothing cached
    const first = journalRun(path, { run: 1 });
    assertEquals(
      (first.source.history as FlowEvent[]).filter((e) => e.type === "TaskCached").length,
      0,
    );
    assertThrows(
      () => journalRun(path, { run: 3 }),
      RangeError,
      `Cannot show journal '${path}' as 'run' must be one of its runs (1 to 2): received 3`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("dashboard tool serves a journal's run, --run picks one, a bad run is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/run.db`;
    await journalOfTwoRuns(path);
    const lines: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) };
    assertEquals(await dashboardTool([path, "--run", "7"], out), 2);
    assertMatch(lines.pop()!, /'run' must be one of its runs \(1 to 2\): received 7/);
    assertEquals(await dashboardTool([path, "--run", "x"], out), 2);
    assertMatch(lines.pop()!, /--run must be a positive integer: received x/);
    await Deno.writeTextFile(`${dir}/a.jsonl`, "");
    assertEquals(await dashboardTool([`${dir}/a.jsonl`, "--run", "1"], out), 2);
    assertMatch(lines.pop()!, /--run is for a journal, not an event log/);
    // a SQLite file with no run in it
    Journal.open(`${dir}/empty.db`).close();
    assertEquals(await dashboardTool([`${dir}/empty.db`], out), 1);
    assertMatch(lines.pop()!, /as it holds no run/);

    for (const [args, run, cached] of [[[], 2, 5], [["--run", "1"], 1, 0]] as const) {
      const stop = new AbortController();
      const done = dashboardTool([path, ...args], out, stop.signal);
      while (!lines.some((l) => l.includes("http://"))) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const said = lines.splice(0);
      // the tool says what it shows and that a journal has no start times
      assertMatch(
        said[0]!,
        new RegExp(`^Journal .*run\\.db, run ${run} of 2 .*not when it was created or started`),
      );
      const url = said.at(-1)!.match(/http:\/\/\S+\//)![0];
      const state = await (await fetch(`${url}state`)).json();
      assertEquals([state.counts.done, state.counts.failed, state.counts.cached], [5, 1, cached]);
      // deno-lint-ignore no-explicit-any
      assertEquals(state.rows.filter((r: any) => r.ca === 1).length, cached);
      stop.abort();
      assertEquals(await done, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("DashboardModel shows a task under its latest name (an executable named once built)", () => {
  const m = model();
  fold(m, [
    { type: "TaskCreated", uid: "task.000001", name: "task" },
    { type: "TaskReady", uid: "task.000001", name: "task" },
  ]);
  m.delta(T0 + 5);
  fold(m, [{ type: "TaskStarted", uid: "task.000001", name: "echo" }], T0 + 10);
  // the renamed row is sent again, with the new name
  // deno-lint-ignore no-explicit-any
  assertEquals((m.delta(T0 + 20)!.rows as any[]).map((r) => [r.uid, r.name]), [
    ["task.000001", "echo"],
  ]);
  // deno-lint-ignore no-explicit-any
  assertEquals((m.full(T0 + 30).rows as any[]).map((r) => r.name), ["echo"]);
});

// ---------------------------------------------------------------- the tool

test("dashboard tool serves a log until stopped and rejects bad usage", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) };
    assertEquals(await dashboardTool([], out), 2);
    assertMatch(lines.pop()!, /exactly one event log or journal is needed: received 0/);
    assertEquals(await dashboardTool(["a", "--bogus"], out), 2);
    assertMatch(lines.pop()!, /the option is unknown: received --bogus/);
    assertEquals(await dashboardTool(["a", "--port", "x"], out), 2);
    assertMatch(lines.pop()!, /--port must be a number|--port must be an integer/);
    assertEquals(await dashboardTool([`${dir}/missing.jsonl`], out), 1);
    assertMatch(lines.pop()!, /the event log cannot be read/);
    await Deno.writeTextFile(`${dir}/bad.jsonl`, "{}\n");
    assertEquals(await dashboardTool([`${dir}/bad.jsonl`], out), 2);
    assertMatch(lines.pop()!, /line 1 is not a flow event/);
    assertEquals(await dashboardTool(["--help"], out), 0);
    assertMatch(lines.pop()!, /Usage: deno task dashboard/);

    const log = `${dir}/run.jsonl`;
    const evs = [];
    let t = T0;
    for (let i = 1; i <= 4; i++) for (const ev of taskEvents(i)) evs.push({ time: t++, ...ev });
    await Deno.writeTextFile(log, evs.map((e) => JSON.stringify(e)).join("\n"));
    const stop = new AbortController();
    const done = dashboardTool([log, "--title", "yesterday"], out, stop.signal);
    while (!lines.some((l) => l.includes("http://"))) await new Promise((r) => setTimeout(r, 10));
    const url = lines.at(-1)!.match(/http:\/\/\S+\//)![0];
    const state = await (await fetch(`${url}state`)).json();
    assertEquals([state.title, state.live, state.counts.done], ["yesterday", false, 4]);
    stop.abort();
    assertEquals(await done, 0);
    await assertRejects(() => fetch(url));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
