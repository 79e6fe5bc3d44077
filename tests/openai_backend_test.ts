/**
 * OpenAIBackend against a fake OpenAI-compatible server on 127.0.0.1
 * (tests/_fake_openai.ts): the request it sends, what it makes of answers,
 * concurrency and priority, `Retry-After`, errors, abort on cancel, timeout
 * and shutdown, headers and the API key, and bad options.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertInstanceOf,
  assertMatch,
  assertNotMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  BackendError,
  type BackendHost,
  type BackendTask,
  CancelledError,
  type FlowEvent,
  InlineBackend,
  NoopBackend,
  OpenAIBackend,
  type OpenAIBackendOptions,
  type PromptTask,
  TaskTimeoutError,
  WorkerBackend,
  WorkflowEngine,
} from "../mod.ts";
import {
  DEFAULT_RETRY_AFTER_MS,
  MAX_RETRY_AFTER_MS,
  readCompletion,
  retryAfterMs,
} from "../src/backends/openai.ts";
import {
  type Answer,
  echo,
  errorBody,
  type FakeOpenAI,
  sleep,
  startFakeOpenAI,
} from "./_fake_openai.ts";

/** An engine on one OpenAIBackend pointed at `fake` (model "m" unless given). */
function engineOn(
  fake: FakeOpenAI,
  options: Partial<OpenAIBackendOptions> = {},
  more: { eventLog?: string } = {},
): Promise<WorkflowEngine> {
  return WorkflowEngine.create({
    backend: new OpenAIBackend({ baseURL: fake.url, model: "m", ...options }),
    ...more,
  });
}

/** Records every event of `flow`. */
function record(flow: WorkflowEngine): FlowEvent[] {
  const events: FlowEvent[] = [];
  flow.subscribe((e) => events.push(e));
  return events;
}

/** A handler that waits until `open()` (or the client goes away). */
function gated(answer: (i: number) => Answer = (i) => ({ content: `answer ${i}` })) {
  let { promise, resolve } = Promise.withResolvers<void>();
  return {
    handler: async (call: { index: number; signal: AbortSignal }) => {
      await Promise.race([
        promise,
        new Promise((_, reject) =>
          call.signal.addEventListener("abort", () => reject(call.signal.reason), { once: true })
        ),
      ]);
      return answer(call.index);
    },
    open() {
      resolve();
      ({ promise, resolve } = Promise.withResolvers<void>());
    },
  };
}

/** A port nothing listens on. */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

// ── options ─────────────────────────────────────────────────────────────────

Deno.test("new OpenAIBackend() throws TypeError or RangeError at once for bad options", () => {
  const base = "http://127.0.0.1:1/v1";
  const bad: [unknown, ErrorConstructor | RangeErrorConstructor, string][] = [
    [undefined, TypeError, "'baseURL' must be a string or URL: received undefined"],
    [null, TypeError, "'options' must be an object: received null"],
    [[], TypeError, "'options' must be an object"],
    [{}, TypeError, "'baseURL' must be a string or URL: received undefined"],
    [{ baseURL: 8000 }, TypeError, "'baseURL' must be a string or URL: received 8000"],
    [
      { baseURL: "localhost v1" },
      TypeError,
      `'baseURL' must be a valid URL: received "localhost v1"`,
    ],
    [{ baseURL: "ftp://127.0.0.1/v1" }, TypeError, "'baseURL' must be an http: or https: URL"],
    [{ baseURL: base, model: "" }, TypeError, `'model' must be a non-empty string: received ""`],
    [{ baseURL: base, model: 3 }, TypeError, "'model' must be a non-empty string: received 3"],
    [{ baseURL: base, name: "" }, TypeError, "'name' must be a non-empty string"],
    [
      { baseURL: base, maxConcurrent: 0 },
      RangeError,
      "'maxConcurrent' must be a positive integer: received 0",
    ],
    [
      { baseURL: base, maxConcurrent: 1.5 },
      RangeError,
      "'maxConcurrent' must be a positive integer",
    ],
    [
      { baseURL: base, maxConcurrent: "4" },
      TypeError,
      `'maxConcurrent' must be a positive integer: received "4"`,
    ],
    [
      { baseURL: base, headers: ["x"] },
      TypeError,
      "'headers' must be an object: received an array",
    ],
    [
      { baseURL: base, headers: { "x-n": 1 } },
      TypeError,
      `header "x-n" must be a string: received 1`,
    ],
    [
      { baseURL: base, headers: { "bad name": "v" } },
      TypeError,
      `header "bad name" is not a valid HTTP header`,
    ],
    [
      { baseURL: base, headers: { "x-v": "a\nb" } },
      TypeError,
      `header "x-v" is not a valid HTTP header`,
    ],
    [
      { baseURL: base, temperature: 1 },
      TypeError,
      `'options' has an unknown field (known: name, baseURL, apiKey, model, maxConcurrent, headers): received "temperature"`,
    ],
  ];
  for (const [options, E, message] of bad) {
    const e = assertThrows(
      () => new OpenAIBackend(options as OpenAIBackendOptions),
      E as ErrorConstructor,
    );
    assertStringIncludes(e.message, "Cannot create OpenAIBackend as ");
    assertStringIncludes(e.message, message);
  }
});

Deno.test("new OpenAIBackend() never shows an apiKey of the wrong type", () => {
  const e = assertThrows(
    () => new OpenAIBackend({ baseURL: "http://h/v1", apiKey: ["sk-secret"] as unknown as string }),
    TypeError,
    "'apiKey' must be a string: received an array (length 1)",
  );
  assertNotMatch(e.message, /sk-secret/);
});

Deno.test("OpenAIBackend.endpoint is <baseURL>/chat/completions with or without a trailing slash", () => {
  const at = (baseURL: string | URL) => new OpenAIBackend({ baseURL }).endpoint;
  assertEquals(at("http://127.0.0.1:8000/v1"), "http://127.0.0.1:8000/v1/chat/completions");
  assertEquals(at("http://127.0.0.1:8000/v1/"), "http://127.0.0.1:8000/v1/chat/completions");
  assertEquals(
    at(new URL("https://api.example.com/v1")),
    "https://api.example.com/v1/chat/completions",
  );
  assertEquals(at("http://localhost:11434"), "http://localhost:11434/chat/completions");
  assertEquals(
    at("https://x.example.com/openai/v1?api-version=2024-10-21"),
    "https://x.example.com/openai/v1/chat/completions?api-version=2024-10-21",
  );
  const b = new OpenAIBackend({ baseURL: "http://h/v1" });
  assertEquals([b.name, b.maxConcurrent, b.model, b.kinds], ["openai", 16, undefined, ["prompt"]]);
});

// ── the request ────────────────────────────────────────────────────────────

Deno.test("OpenAIBackend posts one chat completion per prompt task with model, messages, temperature and max_tokens", async () => {
  await using fake = await startFakeOpenAI();
  for (const baseURL of [fake.url, fake.url + "/", new URL(fake.url)]) {
    await using flow = await WorkflowEngine.create({
      backend: new OpenAIBackend({ baseURL, model: "backend-model" }),
    });
    const ask = flow.promptTask((topic: string) => `Tell me about ${topic}`, {
      prompt: { system: "Be brief.", temperature: 0.2, maxTokens: 64 },
    });
    assertEquals(await ask("graphs"), "echo: Tell me about graphs");
  }
  assertEquals(fake.requests.length, 3);
  for (const r of fake.requests) {
    assertEquals(r.path, "/v1/chat/completions");
    assertEquals(r.body, {
      model: "backend-model",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Tell me about graphs" },
      ],
      temperature: 0.2,
      max_tokens: 64,
      stream: false,
    });
    assertEquals(r.headers.get("content-type"), "application/json");
  }
});

Deno.test("OpenAIBackend sends prompt.model over its own model, and no temperature or max_tokens unless given", async () => {
  await using fake = await startFakeOpenAI();
  await using flow = await engineOn(fake);
  const messages = [
    { role: "system" as const, content: "You are terse." },
    { role: "user" as const, content: "hi" },
    { role: "assistant" as const, content: "hello" },
    { role: "user" as const, content: "bye" },
  ];
  const chat = flow.promptTask(() => messages, {
    prompt: { model: "task-model", system: "ignored" },
  });
  assertEquals(await chat(), "echo: bye");
  assertEquals(fake.requests[0]!.body, { model: "task-model", messages, stream: false });
});

Deno.test("OpenAIBackend fails a prompt task with BackendError when no model is named, sending nothing", async () => {
  await using fake = await startFakeOpenAI();
  await using flow = await WorkflowEngine.create({
    backend: new OpenAIBackend({ name: "llm", baseURL: fake.url }),
  });
  const ask = flow.promptTask(() => "hi", { name: "ask" });
  const e = await assertRejects(() => ask(), BackendError);
  assertEquals(e.backend, "llm");
  assertEquals(
    e.message,
    "Cannot run prompt task 'ask' as it names no model: give it the 'prompt.model' option, or give backend 'llm' a 'model'",
  );
  assertEquals(fake.requests.length, 0);
});

Deno.test("OpenAIBackend sends the API key as a bearer token and extra headers, which win over defaults", async () => {
  await using fake = await startFakeOpenAI({ apiKey: "sk-test" });
  {
    await using flow = await engineOn(fake, {
      apiKey: "sk-test",
      headers: { "OpenAI-Organization": "org-1", "x-trace": "abc" },
    });
    assertEquals(await flow.promptTask(() => "hi")(), "echo: hi");
    const h = fake.requests[0]!.headers;
    assertEquals(h.get("authorization"), "Bearer sk-test");
    assertEquals(h.get("openai-organization"), "org-1");
    assertEquals(h.get("x-trace"), "abc");
  }
  {
    // a header replaces the default Authorization (a gateway with its own scheme)
    await using flow = await engineOn(fake, { headers: { Authorization: "Bearer sk-test" } });
    assertEquals(await flow.promptTask(() => "again")(), "echo: again");
  }
  {
    // a wrong key: the server's 401 fails the task, and the key is not in the message
    await using flow = await engineOn(fake, { apiKey: "sk-wrong" });
    const e = await assertRejects(() => flow.promptTask(() => "hi")(), BackendError);
    assertStringIncludes(e.message, "answered 401");
    assertStringIncludes(e.message, "Incorrect API key provided.");
    assertNotMatch(e.message, /sk-wrong/);
  }
  {
    // "" sends no key at all
    await using flow = await engineOn(fake, { apiKey: "" });
    await assertRejects(() => flow.promptTask(() => "hi")(), BackendError, "401");
    assertEquals(fake.requests.at(-1)!.headers.get("authorization"), null);
  }
});

Deno.test("OpenAIBackend takes OPENAI_API_KEY from the environment when allowed, and neither throws nor prompts when not", async () => {
  await using fake = await startFakeOpenAI({
    handler: (call) => ({ content: call.headers.get("authorization") ?? "no key" }),
  });
  const script = new URL("./fixtures/openai_env_key.ts", import.meta.url).pathname;
  const run = async (permissions: string[], apiKey?: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-net=127.0.0.1",
        ...permissions,
        script,
        fake.url,
        ...(apiKey === undefined ? [] : [apiKey]),
      ],
      env: { OPENAI_API_KEY: "sk-from-env", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    assertEquals(out.code, 0, `${text}\n${new TextDecoder().decode(out.stderr)}`);
    return text;
  };
  assertEquals(await run(["--allow-env=OPENAI_API_KEY"]), "Bearer sk-from-env");
  assertEquals(await run([]), "no key");
  assertEquals(await run(["--allow-env=OPENAI_API_KEY"], "sk-option"), "Bearer sk-option");
  assertEquals(await run(["--allow-env=OPENAI_API_KEY"], ""), "no key");
});

// ── answers ────────────────────────────────────────────────────────────────

Deno.test("OpenAIBackend puts the server's usage on the TaskCompleted event, and none when it reports none", async () => {
  await using fake = await startFakeOpenAI({
    handler: (call) =>
      call.body.messages[0]!.content === "count"
        ? { content: "one two three", usage: { prompt_tokens: 11, completion_tokens: 3 } }
        : { content: "no usage", usage: null },
  });
  await using flow = await engineOn(fake);
  const events = record(flow);
  const ask = flow.promptTask((text: string) => text);
  const counted = ask("count");
  const uncounted = ask("other");
  assertEquals(await counted, "one two three");
  assertEquals(await uncounted, "no usage");
  const completed = (uid: string) =>
    events.find((e) => e.type === "TaskCompleted" && e.uid === uid)!;
  assertEquals(completed(counted.uid).usage, { promptTokens: 11, completionTokens: 3 });
  assertEquals(completed(counted.uid).backend, "openai");
  assertEquals("usage" in completed(uncounted.uid), false);
});

Deno.test("OpenAIBackend fails a prompt task with BackendError on a malformed answer", async () => {
  const bodies: [string, string][] = [
    ["not json at all", "a body that is not JSON"],
    ["[1,2]", "JSON that is not an object"],
    [`{"choices":[]}`, "no choices"],
    [
      `{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[]}}]}`,
      "no string in choices[0].message.content",
    ],
    [`{"object":"chat.completion"}`, "no choices"],
  ];
  let i = 0;
  await using fake = await startFakeOpenAI({
    handler: () => ({
      status: 200,
      body: bodies[i++]![0],
      headers: { "content-type": "application/json" },
    }),
  });
  await using flow = await engineOn(fake, { name: "llm" });
  const ask = flow.promptTask(() => "hi", { name: "ask" });
  for (const [body, why] of bodies) {
    const e = await assertRejects(() => ask(), BackendError);
    assertEquals(e.backend, "llm");
    assertEquals(
      e.message,
      `Cannot run prompt task 'ask' as ${fake.url}/chat/completions answered 200 OK with ${why}: ${body}`,
    );
  }
});

Deno.test("readCompletion() takes the first choice's content and well-formed usage only", () => {
  const ok = (usage: unknown) =>
    readCompletion(
      JSON.stringify({
        choices: [{ message: { content: "a" } }, { message: { content: "b" } }],
        usage,
      }),
    );
  assertEquals(ok({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }), {
    content: "a",
    usage: { promptTokens: 1, completionTokens: 2 },
  });
  assertEquals(ok({ prompt_tokens: -1, completion_tokens: 2 }), { content: "a" });
  assertEquals(ok({ prompt_tokens: "1", completion_tokens: 2 }), { content: "a" });
  assertEquals(ok(null), { content: "a" });
  assertEquals(readCompletion(`{"choices":[{"message":{"content":""}}]}`), { content: "" });
});

// ── HTTP errors and retries ────────────────────────────────────────────────

Deno.test("OpenAIBackend fails a task with BackendError carrying the status and the start of the body on an HTTP error", async () => {
  await using fake = await startFakeOpenAI({
    handler: (call) =>
      call.body.messages[0]!.content === "big" ? { status: 500, body: "x".repeat(1 << 20) } : {
        status: 400,
        body: errorBody(
          "This model's maximum context length is 4096 tokens.",
          "invalid_request_error",
        ),
      },
  });
  await using flow = await engineOn(fake, { name: "llm" });
  const ask = flow.promptTask((s: string) => s, { name: "ask" });
  const e = await assertRejects(() => ask("long"), BackendError);
  assertEquals(e.backend, "llm");
  assertMatch(
    e.message,
    /^Cannot run prompt task 'ask' as http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered 400 Bad Request: \{"error":\{"message":"This model's maximum context length is 4096 tokens\."/,
  );
  assertEquals(e.status, 400);
  assertStringIncludes(e.body!, "maximum context length is 4096 tokens");
  const big = await assertRejects(() => ask("big"), BackendError);
  assertStringIncludes(big.message, "answered 500 Internal Server Error: xxxx");
  assert(big.message.length <= 5000, `a message of ${big.message.length} characters`);
  assertEquals(big.status, 500);
  assert(big.body!.startsWith("xxxx") && big.body!.length <= 4096, `${big.body!.length}`);
  assertEquals(fake.requests.length, 2); // not sent again: no retries asked for
});

Deno.test("OpenAIBackend retries 429 and 503 after Retry-After without counting attempts", async () => {
  const script: Answer[] = [
    {
      status: 429,
      body: errorBody("Rate limit reached", "requests", "rate_limit_exceeded"),
      headers: { "retry-after": "0" },
    },
    {
      status: 503,
      body: "overloaded",
      headers: { "retry-after": new Date(Date.now() - 5000).toUTCString() },
    },
    { status: 429, body: "slow down", headers: { "retry-after": "0.05" } },
    { content: "finally" },
  ];
  await using fake = await startFakeOpenAI({
    handler: (call) => script[call.index] ?? { status: 500 },
  });
  await using flow = await engineOn(fake);
  const events = record(flow);
  const f = flow.promptTask(() => "hi")();
  assertEquals(await f, "finally");
  assertEquals(fake.requests.length, 4);
  assertEquals(f.attempts, 1);
  assertEquals(events.filter((e) => e.type === "TaskRetrying").length, 0);
  assertEquals(events.filter((e) => e.type === "TaskStarted").length, 1);
});

Deno.test("OpenAIBackend fails a task with BackendError after five Retry-After retries", async () => {
  await using fake = await startFakeOpenAI({
    handler: () => ({
      status: 429,
      body: errorBody("Rate limit reached for requests", "requests"),
      headers: { "retry-after": "0" },
    }),
  });
  await using flow = await engineOn(fake, { name: "llm" });
  const e = await assertRejects(() => flow.promptTask(() => "hi", { name: "ask" })(), BackendError);
  assertEquals(e.backend, "llm");
  assertStringIncludes(
    e.message,
    "answered 429 Too Many Requests 6 times (retried 5 times after Retry-After): ",
  );
  assertStringIncludes(e.message, "Rate limit reached for requests");
  assertEquals(fake.requests.length, 6);
});

Deno.test("retryAfterMs() reads seconds and HTTP dates, waits 1 s when it cannot, and at most 60 s", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  assertEquals(retryAfterMs("2", now), 2000);
  assertEquals(retryAfterMs(" 0 ", now), 0);
  assertEquals(retryAfterMs("1.5", now), 1500);
  assertEquals(retryAfterMs("3600", now), MAX_RETRY_AFTER_MS);
  assertEquals(retryAfterMs("Wed, 01 Jan 2025 00:00:07 GMT", now), 7000);
  assertEquals(retryAfterMs("Tue, 31 Dec 2024 23:00:00 GMT", now), 0);
  assertEquals(retryAfterMs("Thu, 02 Jan 2025 00:00:00 GMT", now), MAX_RETRY_AFTER_MS);
  assertEquals(retryAfterMs(null, now), DEFAULT_RETRY_AFTER_MS);
  assertEquals(retryAfterMs("soon", now), DEFAULT_RETRY_AFTER_MS);
  assertEquals(retryAfterMs("-3", now), DEFAULT_RETRY_AFTER_MS);
});

Deno.test("OpenAIBackend lets retries apply to HTTP errors, malformed answers and refused connections", async () => {
  const script: Answer[] = [
    { status: 500, body: "boom" },
    { status: 200, body: "{}" },
    { content: "third time" },
  ];
  await using fake = await startFakeOpenAI({ handler: (call) => script[call.index]! });
  {
    await using flow = await engineOn(fake);
    const events = record(flow);
    const f = flow.promptTask(() => "hi", { retries: 2 })();
    assertEquals(await f, "third time");
    assertEquals(f.attempts, 3);
    const retrying = events.filter((e) => e.type === "TaskRetrying");
    assertEquals(retrying.map((e) => e.attempt), [2, 3]);
    assertInstanceOf(retrying[0]!.error, BackendError);
  }
  {
    const baseURL = `http://127.0.0.1:${closedPort()}/v1`;
    await using flow = await WorkflowEngine.create({
      backend: new OpenAIBackend({ baseURL, model: "m" }),
    });
    const f = flow.promptTask(() => "hi", { name: "ask", retries: 1 })();
    const e = await assertRejects(() => f, BackendError);
    assertStringIncludes(
      e.message,
      `Cannot run prompt task 'ask' as the request to ${baseURL}/chat/completions failed: `,
    );
    assertEquals(f.attempts, 2);
  }
});

Deno.test("OpenAIBackend fails only the task whose request failed", async () => {
  await using fake = await startFakeOpenAI({
    handler: (call) =>
      call.body.messages[0]!.content === "bad" ? { status: 502, body: "bad gateway" } : echo(call),
  });
  await using flow = await engineOn(fake, { maxConcurrent: 2 });
  const ask = flow.promptTask((s: string) => s);
  const results = await Promise.allSettled(["a", "bad", "b", "c"].map((s) => ask(s)));
  assertEquals(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled", "fulfilled"]);
  assertEquals((results[3] as PromiseFulfilledResult<string>).value, "echo: c");
});

// ── concurrency, priority ──────────────────────────────────────────────────

Deno.test("OpenAIBackend keeps at most maxConcurrent requests in flight and the rest PENDING", async () => {
  const gate = gated();
  await using fake = await startFakeOpenAI({ handler: gate.handler });
  await using flow = await engineOn(fake, { maxConcurrent: 3 });
  const ask = flow.promptTask((i: number) => `q${i}`);
  const futures = Array.from({ length: 10 }, (_, i) => ask(i));
  await fake.received(3);
  await sleep(50); // room for a 4th request, were it sent
  assertEquals(fake.inFlight, 3);
  assertEquals(futures.map((f) => f.state).filter((s) => s === "RUNNING").length, 3);
  assertEquals(futures.map((f) => f.state).filter((s) => s === "PENDING").length, 7);
  assertEquals(flow.stats().running, 3);
  while (futures.some((f) => !f.done)) {
    gate.open();
    await sleep(1);
  }
  assertEquals((await Promise.all(futures)).length, 10);
  assertEquals(fake.maxInFlight, 3);
  assertEquals(fake.requests.length, 10);
});

/** A fake host that records reports. */
function fakeHost() {
  const log: string[] = [];
  const failures = new Map<string, unknown>();
  const host: BackendHost = {
    running: (t) => log.push(`running ${t.name}`),
    done: (t, v) => log.push(`done ${t.name} ${v}`),
    failed: (t, e) => {
      log.push(`failed ${t.name}`);
      failures.set(t.name, e);
    },
    cancelled: (t) => log.push(`cancelled ${t.name}`),
  };
  return { host, log, failures };
}

function promptTask(name: string, priority: number, seq: number): PromptTask {
  return {
    kind: "prompt",
    uid: `task.${String(seq).padStart(6, "0")}`,
    name,
    resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
    attempt: 0,
    timeout: undefined,
    engineUid: "flow.test",
    priority,
    seq,
    messages: [{ role: "user", content: name }],
    model: "m",
    temperature: undefined,
    maxTokens: undefined,
  };
}

Deno.test("OpenAIBackend.submit() sends queued tasks higher priority first, then in creation order", async () => {
  const gate = gated((i) => ({ content: String(i) }));
  await using fake = await startFakeOpenAI({ handler: gate.handler });
  const backend = new OpenAIBackend({ baseURL: fake.url, maxConcurrent: 1 });
  const { host, log } = fakeHost();
  backend.attach({ engineUid: "flow.test", workDir: Deno.cwd(), host });
  try {
    backend.submit([promptTask("first", 0, 1)]);
    await fake.received(1);
    backend.submit([promptTask("low", -1, 2), promptTask("mid-a", 0, 3)]);
    backend.submit([
      promptTask("high", 5, 4),
      promptTask("mid-b", 0, 5),
      promptTask("mid-0", 0, 0),
    ]);
    const cancelled = promptTask("dropped", 9, 6);
    backend.submit([cancelled]);
    backend.cancel(cancelled, new CancelledError("no longer needed"));
    assertEquals(log, ["running first"]);
    for (let n = 2; n <= 6; n++) {
      gate.open();
      await fake.received(n);
    }
    gate.open();
    while (log.filter((l) => l.startsWith("done")).length < 6) await sleep(1);
    assertEquals(fake.requests.map((r) => r.body.messages[0]!.content), [
      "first",
      "high",
      "mid-0",
      "mid-a",
      "mid-b",
      "low",
    ]);
    assertEquals(log.filter((l) => l.includes("dropped")), []);
  } finally {
    await backend.shutdown();
  }
});

Deno.test("OpenAIBackend.submit() fails function and executable tasks with BackendError naming the backend", async () => {
  const backend = new OpenAIBackend({ name: "llm", baseURL: "http://127.0.0.1:1/v1" });
  const { host, failures } = fakeHost();
  backend.attach({ engineUid: "flow.test", workDir: Deno.cwd(), host });
  const base = promptTask("x", 0, 1);
  backend.submit([
    {
      ...base,
      kind: "function",
      name: "fn",
      fn: () => 1,
      args: [],
      module: undefined,
    } as unknown as BackendTask,
    { ...base, kind: "executable", name: "exe", command: ["true"] } as unknown as BackendTask,
    { ...base, kind: "mystery", name: "odd" } as unknown as BackendTask,
  ]);
  for (const [name, kind] of [["fn", "function"], ["exe", "executable"], ["odd", "mystery"]]) {
    const e = failures.get(name!) as BackendError;
    assertInstanceOf(e, BackendError);
    assertEquals(e.backend, "llm");
    assertEquals(
      e.message,
      `Cannot run ${kind} task '${name}' as backend 'llm' does not run ${kind} tasks`,
    );
  }
  await backend.shutdown();
});

Deno.test("a function or executable task routed to OpenAIBackend fails with BackendError naming the backends that can run it", async () => {
  await using flow = await WorkflowEngine.create({
    backend: [
      new OpenAIBackend({ name: "llm", baseURL: "http://127.0.0.1:1/v1" }),
      new InlineBackend(),
    ],
  });
  const fn = flow.functionTask(() => 1, { name: "fn", backend: "llm" });
  const e = await assertRejects(() => fn(), BackendError);
  assertEquals(e.backend, "llm");
  assertStringIncludes(e.message, "Cannot run function task 'fn' on backend 'llm'");
  assertStringIncludes(e.message, "'inline'");
  const exe = flow.executableTask(() => ["true"], { name: "exe", backend: "llm" });
  await assertRejects(
    () => exe(),
    BackendError,
    "Cannot run executable task 'exe' on backend 'llm'",
  );
});

Deno.test("a prompt task routed to InlineBackend fails with BackendError naming the backends that can run it", async () => {
  await using flow = await WorkflowEngine.create({
    backend: [
      new InlineBackend(),
      new OpenAIBackend({ name: "llm", baseURL: "http://127.0.0.1:1/v1" }),
    ],
  });
  const e = await assertRejects(() => flow.promptTask(() => "hi", { name: "ask" })(), BackendError);
  assertEquals(e.backend, "inline");
  assertStringIncludes(e.message, "Cannot run prompt task 'ask' on backend 'inline'");
  assertStringIncludes(e.message, "'llm'");
});

// ── cancel, timeout, shutdown ──────────────────────────────────────────────

Deno.test("OpenAIBackend aborts the request when a task is cancelled, and the next queued task starts", async () => {
  const gate = gated();
  await using fake = await startFakeOpenAI({ handler: gate.handler });
  await using flow = await engineOn(fake, { maxConcurrent: 1 });
  const ask = flow.promptTask((s: string) => s);
  const slow = ask("slow");
  const next = ask("next");
  const dropped = ask("dropped");
  await fake.received(1);
  assertEquals([slow.state, next.state], ["RUNNING", "PENDING"]);
  dropped.cancel("not needed"); // queued: never sent
  slow.cancel("user pressed stop");
  const e = await assertRejects(() => slow, CancelledError, "user pressed stop");
  assertEquals(e.reason, "user pressed stop");
  await fake.abortedAtLeast(1); // the server saw the client go away
  await fake.received(2);
  gate.open();
  assertEquals(await next, "answer 1");
  await assertRejects(() => dropped, CancelledError);
  assertEquals(fake.requests.map((r) => [r.body.messages[0]!.content, r.aborted]), [
    ["slow", true],
    ["next", false],
  ]);
});

Deno.test("OpenAIBackend aborts the request when a task times out, and retries it when asked", async () => {
  await using fake = await startFakeOpenAI({
    handler: async (call) => {
      if (call.index === 0) await sleep(30_000, call.signal);
      return { content: "in time" };
    },
  });
  {
    await using flow = await engineOn(fake);
    const f = flow.promptTask(() => "hi", { name: "ask", timeout: 1500, retries: 1 })();
    assertEquals(await f, "in time");
    assertEquals(f.attempts, 2);
    await fake.abortedAtLeast(1);
  }
  fake.handler = (call) => sleep(30_000, call.signal).then(() => ({ content: "late" }));
  {
    await using flow = await engineOn(fake);
    const e = await assertRejects(
      () => flow.promptTask(() => "hi", { name: "ask", timeout: 100 })(),
      TaskTimeoutError,
    );
    assertEquals(e.message, "Task 'ask' timed out after 100 ms");
    await fake.abortedAtLeast(2);
  }
});

Deno.test("OpenAIBackend aborts requests in flight and while waiting out Retry-After at shutdown", async () => {
  await using fake = await startFakeOpenAI({
    handler: (call) =>
      call.body.messages[0]!.content === "busy"
        ? { status: 429, headers: { "retry-after": "30" } }
        : sleep(30_000, call.signal).then(() => ({ content: "late" })),
  });
  const flow = await engineOn(fake);
  const ask = flow.promptTask((s: string) => s);
  const slow = ask("slow");
  const busy = ask("busy");
  await fake.received(2);
  await sleep(20); // the 429 has been read: it waits out its Retry-After
  await flow.shutdown();
  await assertRejects(() => slow, CancelledError, "engine shut down");
  await assertRejects(() => busy, CancelledError, "engine shut down");
  await fake.abortedAtLeast(1);
  assertEquals(fake.requests.length, 2); // the busy one was not sent again
});

Deno.test("OpenAIBackend.submit() after shutdown fails prompt tasks with BackendError", async () => {
  const backend = new OpenAIBackend({ baseURL: "http://127.0.0.1:1/v1", model: "m" });
  const { host, failures } = fakeHost();
  backend.attach({ engineUid: "flow.test", workDir: Deno.cwd(), host });
  await backend.shutdown();
  await backend.shutdown(); // idempotent
  backend.submit([promptTask("late", 0, 1)]);
  const e = failures.get("late") as BackendError;
  assertInstanceOf(e, BackendError);
  assertEquals(e.message, "Cannot run prompt task 'late' as backend 'openai' has shut down");
});

// ── builders, events ───────────────────────────────────────────────────────

Deno.test("promptTask() fails with TypeError on a bad builder result and sends nothing", async () => {
  await using fake = await startFakeOpenAI();
  await using flow = await engineOn(fake);
  const bad: [unknown, string][] = [
    [undefined, "received undefined"],
    ["", `received ""`],
    ["   ", `received "   "`],
    [[], "received an array (length 0)"],
    [42, "received 42"],
    [{ role: "user", content: "hi" }, "received an object"],
    [
      [{ role: "bot", content: "hi" }],
      `(message 0 has role "bot"; roles are system, user, assistant)`,
    ],
    [[{ role: "user" }], "(message 0 has no string content)"],
    [[{ role: "user", content: "ok" }, null], "(message 1 is not an object)"],
  ];
  for (const [built, detail] of bad) {
    const t = flow.promptTask(() => built as string, { name: "ask" });
    const e = await assertRejects(() => t(), TypeError);
    assertStringIncludes(
      e.message,
      "Cannot run prompt task 'ask' as its builder must return a non-empty string or a non-empty array of { role, content } messages",
    );
    assertStringIncludes(e.message, detail);
  }
  const thrown = flow.promptTask(async () => {
    await sleep(1);
    throw new RangeError("no document");
  });
  await assertRejects(() => thrown(), RangeError, "no document");
  assertEquals(fake.requests.length, 0);
});

Deno.test("a prompt task's events reach the event log, with usage on TaskCompleted", async () => {
  await using fake = await startFakeOpenAI();
  const dir = await Deno.makeTempDir();
  try {
    const eventLog = `${dir}/events.jsonl`;
    {
      await using flow = await engineOn(fake, {}, { eventLog });
      const ask = flow.promptTask((s: string) => `say ${s}`, { name: "ask" });
      assertEquals(await ask("a b"), "echo: say a b");
    }
    const events = (await Deno.readTextFile(eventLog)).trim().split("\n").map((l) => JSON.parse(l));
    const mine = events.filter((e) => e.name === "ask");
    assertEquals(mine.map((e) => e.type), [
      "TaskCreated",
      "TaskReady",
      "TaskSubmitted",
      "TaskStarted",
      "TaskCompleted",
    ]);
    assertEquals(mine.at(-1).usage, { promptTokens: 3, completionTokens: 4 });
    assertEquals(mine.at(-1).backend, "openai");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("OpenAIBackend runs prompt tasks fed by function tasks on another backend", async () => {
  await using fake = await startFakeOpenAI();
  await using flow = await WorkflowEngine.create({
    backend: [
      new InlineBackend({ name: "compute" }),
      new OpenAIBackend({ name: "ai", baseURL: fake.url, model: "m" }),
    ],
  });
  const words = flow.functionTask((text: string) => text.split(" ").length);
  const ask = flow.promptTask((n: number) => `Is ${n} a lot of words?`, { backend: "ai" });
  const shout = flow.functionTask((s: string) => s.toUpperCase());
  const out = shout(ask(words("one two three")));
  assertEquals(await out, "ECHO: IS 3 A LOT OF WORDS?");
  assertGreaterOrEqual(fake.requests.length, 1);
});

Deno.test("promptTask() throws TypeError or RangeError at once for a bad builder or prompt option", async () => {
  await using flow = await WorkflowEngine.create({ dryRun: true });
  const bad: [unknown, ErrorConstructor | RangeErrorConstructor, string][] = [
    [null, TypeError, "'prompt' must be an object: received null"],
    [{ model: "" }, TypeError, `'prompt.model' must be a non-empty string: received ""`],
    [
      { temperature: 3 },
      RangeError,
      "'prompt.temperature' must be a number from 0 to 2: received 3",
    ],
    [{ temperature: "1" }, TypeError, "'prompt.temperature' must be a number from 0 to 2"],
    [{ maxTokens: 0 }, RangeError, "'prompt.maxTokens' must be a positive integer: received 0"],
    [{ system: 1 }, TypeError, "'prompt.system' must be a string: received 1"],
    [
      { top_p: 1 },
      TypeError,
      `'prompt' has an unknown field (known: model, system, temperature, maxTokens): received "top_p"`,
    ],
  ];
  for (const [prompt, E, message] of bad) {
    assertThrows(
      () => flow.promptTask(() => "hi", { prompt: prompt as never }),
      E as ErrorConstructor,
      `Cannot create task with promptTask() as ${message}`,
    );
  }
  assertThrows(
    () => flow.promptTask(42 as never),
    TypeError,
    "Cannot create task with promptTask() as 'fn' must be a function: received 42",
  );
});

Deno.test("a prompt task routed to WorkerBackend fails with BackendError naming the backends that can run it", async () => {
  await using flow = await WorkflowEngine.create({
    backend: [new WorkerBackend({ workers: 1 }), new NoopBackend({ name: "dry" })],
  });
  const e = await assertRejects(() => flow.promptTask(() => "hi", { name: "ask" })(), BackendError);
  assertEquals(e.backend, flow.backend.name);
  assertStringIncludes(e.message, `Cannot run prompt task 'ask' on backend '${flow.backend.name}'`);
  assertStringIncludes(e.message, "route it to 'dry' with the 'backend' option");
});
