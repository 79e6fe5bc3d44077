/**
 * Prompt tasks with the engine's other features, against the fake
 * OpenAI-compatible server (tests/_fake_openai.ts): named limits (concurrency
 * and rate) across prompt tasks, priorities, the journal (a prompt whose key
 * hits is not sent again), retry policies, timeouts, the event log and the
 * timeline.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertInstanceOf,
  assertMatch,
  assertRejects,
} from "@std/assert";
import {
  BackendError,
  type FlowEvent,
  InlineBackend,
  OpenAIBackend,
  type OpenAIBackendOptions,
  TaskTimeoutError,
  WorkflowEngine,
} from "../mod.ts";
import { parseEventLog } from "../src/event_log.ts";
import { renderTimeline } from "../src/timeline.ts";
import { type Answer, echo, type FakeOpenAI, sleep, startFakeOpenAI } from "./_fake_openai.ts";

type EngineMore = Omit<NonNullable<Parameters<typeof WorkflowEngine.create>[0]>, "backend">;

/**
 * An engine on an OpenAIBackend pointed at `fake` (model "m" unless given),
 * its first backend, and an InlineBackend for function tasks.
 */
function engineOn(
  fake: FakeOpenAI,
  options: Partial<OpenAIBackendOptions> = {},
  more: EngineMore = {},
): Promise<WorkflowEngine> {
  return WorkflowEngine.create({
    backend: [
      new OpenAIBackend({ baseURL: fake.url, model: "m", ...options }),
      new InlineBackend(),
    ],
    ...more,
  });
}

/** Records every event of `flow`. */
function record(flow: WorkflowEngine): FlowEvent[] {
  const events: FlowEvent[] = [];
  flow.subscribe((e) => events.push(e));
  return events;
}

/** Resolves once `pred` holds (checked every 5 ms; fails after 10 s: never a hang). */
async function until(pred: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A handler that holds every request until `open()` (or until its client goes away). */
function gated(answer: (content: string) => Answer = (c) => ({ content: `answer to ${c}` })) {
  const gate = Promise.withResolvers<void>();
  return {
    handler: async (call: {
      signal: AbortSignal;
      body: { messages: { role: string; content: string }[] };
    }) => {
      await Promise.race([
        gate.promise,
        new Promise((_, reject) =>
          call.signal.addEventListener("abort", () => reject(call.signal.reason), { once: true })
        ),
      ]);
      return answer(call.body.messages.at(-1)!.content);
    },
    open: () => gate.resolve(),
  };
}

/** The user message of each request the server received, in order. */
function asked(fake: FakeOpenAI): string[] {
  return fake.requests.map((r) => r.body.messages.at(-1)!.content);
}

// ── limits ─────────────────────────────────────────────────────────────────

Deno.test("a concurrency limit across prompt tasks caps the server's requests in flight", async () => {
  await using fake = await startFakeOpenAI();
  const g = gated();
  fake.handler = g.handler;
  // the backend would send 16 at once: the limit, shared by two prompt functions, allows 2
  await using flow = await engineOn(fake, {}, { limits: { tokens: { concurrency: 2 } } });
  const summarise = flow.promptTask((s: string) => `summarise ${s}`, {
    name: "summarise",
    limit: "tokens",
  });
  const translate = flow.promptTask((s: string) => `translate ${s}`, {
    name: "translate",
    limit: "tokens",
  });
  const fs = [];
  for (let i = 0; i < 4; i++) fs.push(summarise(`doc${i}`), translate(`doc${i}`));
  await fake.received(2);
  await sleep(100); // a third request would have arrived by now
  assertEquals([fake.requests.length, fake.inFlight], [2, 2]);
  assertEquals(fs.filter((f) => f.state === "PENDING").length, 6);
  g.open();
  const out = await Promise.all(fs);
  assertEquals(out[0], "answer to summarise doc0");
  assertEquals(fake.requests.length, 8);
  assertEquals(fake.maxInFlight, 2);
});

Deno.test("a concurrency limit frees its unit when a prompt task times out", async () => {
  await using fake = await startFakeOpenAI();
  fake.handler = async (call) => {
    const text = call.body.messages.at(-1)!.content;
    if (text === "hang") await sleep(60_000, call.signal);
    return echo(call);
  };
  await using flow = await engineOn(fake, {}, { limits: { tokens: { concurrency: 1 } } });
  const ask = flow.promptTask((s: string) => s, { name: "ask", limit: "tokens", timeout: 300 });
  const hung = ask("hang");
  const next = ask("next");
  await assertRejects(() => hung, TaskTimeoutError);
  await fake.abortedAtLeast(1); // the request was aborted, not left running
  assertEquals(await next, "echo: next");
  assertEquals(asked(fake), ["hang", "next"]);
});

Deno.test("a rate limit spaces prompt requests: at most `count` per `perMs` window", async () => {
  await using fake = await startFakeOpenAI();
  const arrivals: number[] = [];
  fake.handler = (call) => {
    arrivals.push(performance.now());
    return echo(call);
  };
  const perMs = 300;
  await using flow = await engineOn(fake, {}, {
    limits: { rpm: { rate: { count: 2, perMs } } },
  });
  const events = record(flow);
  const ask = flow.promptTask((i: number) => `question ${i}`, { name: "ask", limit: "rpm" });
  const start = performance.now();
  const fs = [0, 1, 2, 3, 4, 5].map((i) => ask(i));
  await Promise.all(fs);
  assertEquals(fake.requests.length, 6);
  // the engine admits a task (then submits it) when a unit is free: any three admissions
  // span a whole window
  const submitted = events.filter((e) => e.type === "TaskSubmitted").map((e) => e.time);
  assertEquals(submitted.length, 6);
  for (let i = 0; i + 2 < submitted.length; i++) {
    assertGreaterOrEqual(submitted[i + 2]! - submitted[i]!, perMs - 2);
  }
  // and so the server: six requests at two per window need two windows at least
  assertGreaterOrEqual(arrivals.at(-1)! - start, 2 * perMs - 2);
  assertEquals(fs.map((f) => f.attempts), [1, 1, 1, 1, 1, 1]);
});

// A retry is a start: it takes a unit of its task's rate limits too (before the engine counted
// it, a prompt retried after a 500 was sent again at once however full the window was).
Deno.test({
  name: "a rate limit spaces the retries of a prompt task too (each attempt is a start)",
  async fn() {
    await using fake = await startFakeOpenAI();
    const arrivals: number[] = [];
    fake.handler = (call) => {
      arrivals.push(performance.now());
      return call.index < 2 ? { status: 500, body: "overloaded" } : echo(call);
    };
    const perMs = 400;
    await using flow = await engineOn(fake, {}, {
      limits: { rpm: { rate: { count: 1, perMs } } },
    });
    const f = flow.promptTask(() => "hi", { name: "ask", limit: "rpm", retries: 3 })();
    assertEquals(await f, "echo: hi");
    assertEquals(f.attempts, 3);
    assertGreaterOrEqual(arrivals[1]! - arrivals[0]!, perMs - 50);
    assertGreaterOrEqual(arrivals[2]! - arrivals[1]!, perMs - 50);
  },
});

// ── priority ───────────────────────────────────────────────────────────────

Deno.test("prompt tasks reach the server higher priority first when maxConcurrent is 1", async () => {
  await using fake = await startFakeOpenAI();
  const g = gated();
  fake.handler = (call) =>
    call.body.messages.at(-1)!.content === "first" ? g.handler(call) : echo(call);
  await using flow = await engineOn(fake, { maxConcurrent: 1 });
  const events = record(flow);
  const ask = (p: number) => flow.promptTask((s: string) => s, { name: `p${p}`, priority: p });
  const first = ask(0)("first");
  await fake.received(1);
  // queued in the backend while the first request holds its only slot
  const fs = [ask(1)("low"), ask(5)("high a"), ask(3)("mid"), ask(5)("high b"), ask(-2)("last")];
  await until(
    () => events.filter((e) => e.type === "TaskSubmitted").length === 6,
    "six submitted tasks",
  );
  g.open();
  await Promise.all([first, ...fs]);
  assertEquals(asked(fake), ["first", "high a", "high b", "mid", "low", "last"]);
  assertEquals(fake.maxInFlight, 1);
});

Deno.test("prompt tasks waiting for a limit are admitted higher priority first", async () => {
  await using fake = await startFakeOpenAI();
  const g = gated();
  fake.handler = (call) =>
    call.body.messages.at(-1)!.content === "first" ? g.handler(call) : echo(call);
  await using flow = await engineOn(fake, {}, { limits: { gpu: { concurrency: 1 } } });
  const events = record(flow);
  const ask = (p: number) =>
    flow.promptTask((s: string) => s, { name: `p${p}`, priority: p, limit: "gpu" });
  const first = ask(0)("first");
  await fake.received(1);
  const fs = [ask(1)("low"), ask(9)("urgent"), ask(4)("mid")];
  await until(
    () => events.filter((e) => e.type === "TaskReady").length === 4,
    "four ready tasks",
  );
  g.open();
  await Promise.all([first, ...fs]);
  assertEquals(asked(fake), ["first", "urgent", "mid", "low"]);
  // TaskCreated names the limit and the priority (the dashboard shows them)
  const created = events.filter((e) => e.type === "TaskCreated");
  assertEquals(created.map((e) => [e.name, e.limits, e.priority]), [
    ["p0", ["gpu"], undefined],
    ["p1", ["gpu"], 1],
    ["p9", ["gpu"], 9],
    ["p4", ["gpu"], 4],
  ]);
});

// ── the journal ────────────────────────────────────────────────────────────

Deno.test("with a journal, a prompt whose key hits is not sent again and its future is cached", async () => {
  await using fake = await startFakeOpenAI();
  const dir = await Deno.makeTempDir();
  try {
    const journal = `${dir}/run.db`;
    const run = async (topics: string[]) => {
      await using flow = await engineOn(fake, {}, { journal });
      const events = record(flow);
      const outline = flow.functionTask((t: string) => `an outline of ${t}`, {
        name: "outline",
        backend: "inline",
      });
      const write = flow.promptTask((o: string) => `Write about ${o}`, {
        name: "write",
        prompt: { temperature: 0 },
      });
      const fs = topics.map((t) => write(outline(t)));
      const values = await Promise.all(fs);
      return { values, cached: fs.map((f) => f.cached), keys: fs.map((f) => f.key), events };
    };
    const a = await run(["graphs", "trees"]);
    assertEquals(a.values, [
      "echo: Write about an outline of graphs",
      "echo: Write about an outline of trees",
    ]);
    assertEquals(a.cached, [false, false]);
    assertEquals(fake.requests.length, 2);

    const b = await run(["graphs", "trees"]);
    assertEquals(fake.requests.length, 2, "no prompt is sent again: no second bill");
    assertEquals(b.values, a.values);
    assertEquals(b.cached, [true, true]);
    assertEquals(b.keys, a.keys);
    const mine = b.events.filter((e) => e.name === "write");
    assertEquals(mine.filter((e) => e.type === "TaskCached").length, 2);
    assertEquals(mine.filter((e) => e.type === "TaskStarted").length, 0);
    const done = mine.filter((e) => e.type === "TaskCompleted");
    assertEquals(done.map((e) => [e.cached, e.key, e.usage]), [
      [true, a.keys[0], undefined],
      [true, a.keys[1], undefined],
    ]);

    // a new topic is sent; the known one is not
    const c = await run(["graphs", "heaps"]);
    assertEquals(c.cached, [true, false]);
    assertEquals(asked(fake).slice(2), ["Write about an outline of heaps"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with a journal, a failed prompt is not reused: the next run sends it again", async () => {
  await using fake = await startFakeOpenAI();
  const dir = await Deno.makeTempDir();
  try {
    const journal = `${dir}/run.db`;
    fake.handler = () => ({ status: 500, body: "down" });
    {
      await using flow = await engineOn(fake, {}, { journal });
      await assertRejects(() => flow.promptTask(() => "hi", { name: "ask" })(), BackendError);
    }
    fake.handler = echo;
    {
      await using flow = await engineOn(fake, {}, { journal });
      const f = flow.promptTask(() => "hi", { name: "ask" })();
      assertEquals(await f, "echo: hi");
      assertEquals(f.cached, false);
    }
    assertEquals(fake.requests.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ── retries ────────────────────────────────────────────────────────────────

Deno.test("a prompt task retries after a 500 by its RetryPolicy, and retryIf can refuse", async () => {
  await using fake = await startFakeOpenAI();
  const seen = new Map<string, number>();
  fake.handler = (call) => {
    const text = call.body.messages.at(-1)!.content;
    const n = (seen.get(text) ?? 0) + 1;
    seen.set(text, n);
    return n <= 2 ? { status: 500, body: `overloaded ${n}` } : echo(call);
  };
  await using flow = await engineOn(fake);
  const events = record(flow);
  const retried = flow.promptTask((s: string) => s, {
    name: "retried",
    retries: { max: 3, delay: [20, 40], backoff: 1 },
  })("again");
  assertEquals(await retried, "echo: again");
  assertEquals(retried.attempts, 3);
  const retrying = events.filter((e) => e.type === "TaskRetrying" && e.uid === retried.uid);
  assertEquals(retrying.map((e) => [e.attempt, e.delay]), [[2, 20], [3, 40]]);
  assertInstanceOf(retrying[0]!.error, BackendError);
  assertMatch(
    (retrying[0]!.error as Error).message,
    /answered 500 Internal Server Error: overloaded 1/,
  );

  const why: [string, number][] = [];
  const refused = flow.promptTask((s: string) => s, {
    name: "refused",
    retries: {
      max: 3,
      retryIf: (e, attempt) => {
        why.push([(e as Error).name, attempt]);
        return !(e instanceof BackendError && /answered 500/.test(e.message));
      },
    },
  })("refuse");
  await assertRejects(() => refused, BackendError, "overloaded 1");
  assertEquals(refused.attempts, 1);
  assertEquals(why, [["BackendError", 1]]);
  assertEquals(seen.get("refuse"), 1);
});

// ── event log and timeline ─────────────────────────────────────────────────

Deno.test("the event log holds prompt tasks with usage, limits and priority, and the timeline draws them", async () => {
  await using fake = await startFakeOpenAI();
  const dir = await Deno.makeTempDir();
  try {
    const eventLog = `${dir}/events.jsonl`;
    const journal = `${dir}/run.db`;
    for (let i = 0; i < 2; i++) {
      await using flow = await engineOn(fake, {}, {
        eventLog: i === 0 ? eventLog : `${dir}/second.jsonl`,
        journal,
        limits: { tokens: { concurrency: 2 } },
      });
      const ask = flow.promptTask((s: string) => `say ${s}`, {
        name: "ask",
        limit: "tokens",
        priority: 2,
      });
      await Promise.all(["a b", "c", "d e f"].map((s) => ask(s)));
    }
    assertEquals(fake.requests.length, 3);
    const first = parseEventLog(await Deno.readTextFile(eventLog));
    const created = first.filter((e) => e.type === "TaskCreated");
    assertEquals(created.map((e) => [e.name, e.limits, e.priority]), [
      ["ask", ["tokens"], 2],
      ["ask", ["tokens"], 2],
      ["ask", ["tokens"], 2],
    ]);
    const completed = first.filter((e) => e.type === "TaskCompleted");
    // the fake counts words: "say a b" is 3, "echo: say a b" 4
    assertEquals(completed.map((e) => e.usage), [
      { promptTokens: 3, completionTokens: 4 },
      { promptTokens: 2, completionTokens: 3 },
      { promptTokens: 4, completionTokens: 5 },
    ]);
    assert(completed.every((e) => e.backend === "openai" && typeof e.key === "string"));
    const second = parseEventLog(await Deno.readTextFile(`${dir}/second.jsonl`));
    assertEquals(
      second.filter((e) => e.type === "TaskCompleted").map((e) => [e.cached, e.usage]),
      [[true, undefined], [true, undefined], [true, undefined]],
    );

    for (const [events, cached] of [[first, 0], [second, 3]] as const) {
      const html = renderTimeline([...events], { title: "prompts" });
      const bars = [
        ...html.matchAll(/<rect class="([^"]*)" data-uid="(task\.\d+)" data-state="(\w+)"/g),
      ];
      assertEquals(bars.map((m) => [m[2], m[3]]), [
        ["task.000001", "DONE"],
        ["task.000002", "DONE"],
        ["task.000003", "DONE"],
      ]);
      // the page's data (its tooltips) says which ones came from the journal
      const data = JSON.parse(
        html.match(/<script type="application\/json" id="flow-data">([\s\S]*?)<\/script>/)![1]!,
      ) as Record<string, { cached: boolean; started: number | null; attempts: number }>;
      assertEquals(Object.values(data).filter((d) => d.cached).length, cached);
      // a cached task never started: no run drawn
      assertEquals(
        bars.filter((m) => m[1]!.split(" ").includes("not-run")).length,
        cached,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
