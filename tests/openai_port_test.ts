/**
 * RADICAL AsyncFlow's prompt-task behaviours (tests/integration/
 * test_multi_backend.py; numbers 1–8 in ../shared/reference/asyncflow-tests.md),
 * ported to our API; then the same pipelines with a real `OpenAIBackend`
 * against the fake server of tests/_fake_openai.ts.
 *
 * @module
 */
import { assertEquals, assertInstanceOf, assertRejects, assertStringIncludes } from "@std/assert";
import {
  BackendError,
  DUMMY_OUTPUT,
  DUMMY_PROMPT_OUTPUT,
  InlineBackend,
  NoopBackend,
  OpenAIBackend,
  WorkflowEngine,
} from "../mod.ts";
import { startFakeOpenAI } from "./_fake_openai.ts";

Deno.test("(1) a prompt task on a dry-run engine resolves to 'Dummy Prompt Output'", async () => {
  await using flow = await WorkflowEngine.create({ dryRun: true });
  let built = "";
  const summarize = flow.promptTask((text: string) => built = `Please summarize: ${text}`);
  assertEquals(await summarize("a long report"), "Dummy Prompt Output");
  assertEquals(built, "Please summarize: a long report"); // the builder still runs
});

Deno.test("(2) a prompt task waits for the function task whose future it is given", async () => {
  await using flow = await WorkflowEngine.create({ backend: new NoopBackend() });
  const seen: unknown[] = [];
  const load = flow.functionTask((name: string) => `contents of ${name}`);
  const summarize = flow.promptTask((doc: string) => {
    seen.push(doc);
    return `Summarize: ${doc}`;
  });
  const loaded = load("a.txt");
  const summary = summarize(loaded);
  assertEquals(await summary, DUMMY_PROMPT_OUTPUT);
  assertEquals(loaded.done, true);
  // on a NoopBackend the function body does not run: the prompt got its dummy value
  assertEquals(seen, [DUMMY_OUTPUT]);
});

Deno.test("(3) eight concurrent function → prompt → function pipelines all resolve in dry run", async () => {
  await using flow = await WorkflowEngine.create({ dryRun: true });
  const prepare = flow.functionTask((i: number) => `doc ${i}`);
  const ask = flow.promptTask((doc: string) => `Summarize ${doc}`);
  const post = flow.functionTask((answer: string) => answer.length);
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => post(ask(prepare(i)))));
  assertEquals(results, Array(8).fill(DUMMY_OUTPUT));
});

Deno.test("(4) a function task on 'compute' feeds a prompt task on 'ai'", async () => {
  await using flow = await WorkflowEngine.create({
    backend: [new NoopBackend({ name: "compute" }), new NoopBackend({ name: "ai" })],
  });
  const analyse = flow.functionTask((x: number) => x * 2, { backend: "compute" });
  const ask = flow.promptTask((v: unknown) => `What is ${v}?`, { backend: "ai" });
  const analysed = analyse(21);
  const answer = ask(analysed);
  assertEquals(await answer, DUMMY_PROMPT_OUTPUT);
  assertEquals([analysed.backendName, answer.backendName], ["compute", "ai"]);
});

Deno.test("(5) sixteen concurrent three-stage pipelines with mixed routing all resolve", async () => {
  await using flow = await WorkflowEngine.create({
    backend: [new NoopBackend({ name: "compute" }), new NoopBackend({ name: "ai" })],
  });
  const pre = flow.functionTask((i: number) => i, { backend: "compute" });
  const ask = flow.promptTask((i: unknown) => `item ${i}`, { backend: "ai" });
  const postOn = (b: string) => flow.functionTask((s: string) => s, { backend: b });
  const posts = [postOn("compute"), postOn("ai")];
  const finals = Array.from({ length: 16 }, (_, i) => posts[i % 2]!(ask(pre(i))));
  assertEquals(await Promise.all(finals), Array(16).fill(DUMMY_OUTPUT));
  assertEquals(finals.map((f) => f.backendName), Array(8).fill(["compute", "ai"]).flat());
});

Deno.test("(6) with several backends, a task without 'backend' runs on the first", async () => {
  await using flow = await WorkflowEngine.create({
    backend: [
      new NoopBackend({ name: "primary" }),
      new NoopBackend({ name: "ai" }),
      new InlineBackend(),
    ],
  });
  const t = flow.functionTask(() => "ran");
  const f = t();
  assertEquals(await f, DUMMY_OUTPUT);
  assertEquals(f.backendName, "primary");
  assertEquals(flow.backend.name, "primary");
});

Deno.test("(7) an engine with three backends lists them and shuts them all down", async () => {
  const shutdowns: string[] = [];
  const watched = (b: NoopBackend) => {
    const down = b.shutdown.bind(b);
    b.shutdown = () => (shutdowns.push(b.name), down());
    return b;
  };
  const flow = await WorkflowEngine.create({
    backend: [
      watched(new NoopBackend({ name: "compute" })),
      watched(new NoopBackend({ name: "ai" })),
      watched(new NoopBackend({ name: "io" })),
    ],
  });
  assertEquals([...flow.backends.keys()], ["compute", "ai", "io"]);
  await flow.promptTask(() => "hi", { backend: "ai" })();
  await flow.shutdown();
  assertEquals(shutdowns.sort(), ["ai", "compute", "io"]);
});

Deno.test("(8) a prompt task on InlineBackend rejects with BackendError naming 'inline'", async () => {
  await using flow = await WorkflowEngine.create({ backend: new InlineBackend() });
  const ask = flow.promptTask(() => "What is 2+2?", { name: "ask" });
  const e = await assertRejects(() => ask(), BackendError);
  assertEquals(e.backend, "inline");
  assertStringIncludes(e.message, "Cannot run prompt task 'ask' on backend 'inline'");
  assertStringIncludes(e.message, "no backend of this engine does (backends: inline)");
});

// ── the same, with a real inference backend ────────────────────────────────

Deno.test("(2, 4 on OpenAIBackend) a function task on 'compute' feeds a prompt task on 'ai'", async () => {
  await using fake = await startFakeOpenAI();
  await using flow = await WorkflowEngine.create({
    backend: [
      new InlineBackend({ name: "compute" }),
      new OpenAIBackend({ name: "ai", baseURL: fake.url, model: "m" }),
    ],
  });
  const analyse = flow.functionTask((x: number) => x * 2);
  const ask = flow.promptTask((v: number) => `What is ${v}?`, { backend: "ai" });
  const analysed = analyse(21);
  const answer = ask(analysed);
  assertEquals(await answer, "echo: What is 42?");
  assertEquals([analysed.backendName, answer.backendName], ["compute", "ai"]);
});

Deno.test("(5 on OpenAIBackend) sixteen concurrent three-stage pipelines all resolve", async () => {
  await using fake = await startFakeOpenAI();
  await using flow = await WorkflowEngine.create({
    backend: [
      new InlineBackend({ name: "compute" }),
      new OpenAIBackend({ name: "ai", baseURL: fake.url, model: "m", maxConcurrent: 4 }),
    ],
  });
  const pre = flow.functionTask((i: number) => `item ${i}`);
  const ask = flow.promptTask((s: string) => s, { backend: "ai" });
  const post = flow.functionTask((s: string) => s.toUpperCase());
  const finals = await Promise.all(Array.from({ length: 16 }, (_, i) => post(ask(pre(i)))));
  assertEquals(finals, Array.from({ length: 16 }, (_, i) => `ECHO: ITEM ${i}`));
  assertEquals(fake.maxInFlight <= 4, true);
});

Deno.test("(8 on OpenAIBackend) a prompt task routed to 'inline' names the backend that can run it", async () => {
  await using flow = await WorkflowEngine.create({
    backend: [
      new InlineBackend(),
      new OpenAIBackend({ name: "ai", baseURL: "http://127.0.0.1:1/v1", model: "m" }),
    ],
  });
  const e = await assertRejects(() => flow.promptTask(() => "hi", { name: "ask" })());
  assertInstanceOf(e, BackendError);
  assertEquals(e.backend, "inline");
  assertStringIncludes(e.message, "route it to 'ai' with the 'backend' option");
});
