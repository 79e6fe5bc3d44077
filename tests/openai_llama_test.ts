/**
 * OpenAIBackend end to end against a real inference engine: llama.cpp (the
 * prebuilt binaries of npm's node-llama-cpp) serving a tiny llama model that
 * the test writes itself (tests/_tiny_gguf.ts), behind the OpenAI-compatible
 * endpoint of scripts/llama/server.mjs. Nothing is downloaded at run time.
 *
 * Runs when `scripts/llama/node_modules` is installed
 * (`npm ci --omit=optional --ignore-scripts --prefix scripts/llama`) and
 * `node` is on the PATH; with `ASYNCFLOW_REQUIRE_LLAMA=1` (CI) skipping is a
 * failure.
 *
 * @module
 */
import { assert, assertEquals, assertGreater, assertRejects } from "@std/assert";
import { CancelledError, type FlowEvent, OpenAIBackend, WorkflowEngine } from "../mod.ts";
import { tinyLlamaGGUF } from "./_tiny_gguf.ts";

const SERVER = new URL("../scripts/llama/server.mjs", import.meta.url).pathname;
const INSTALLED = new URL(
  "../scripts/llama/node_modules/node-llama-cpp/package.json",
  import.meta.url,
);

function available(): boolean {
  try {
    Deno.statSync(INSTALLED);
    return new Deno.Command("node", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}
const ready = available();
if (!ready && Deno.env.get("ASYNCFLOW_REQUIRE_LLAMA") === "1") {
  throw new Error(
    "ASYNCFLOW_REQUIRE_LLAMA=1 but scripts/llama is not installed or node is missing: run `npm ci --omit=optional --ignore-scripts --prefix scripts/llama`",
  );
}

interface Stats {
  requests: number;
  completed: number;
  aborted: number;
  inFlight: number;
  maxInFlight: number;
  tokens: number;
}

/** Starts the llama.cpp server on a fresh tiny model; ends it at dispose. */
async function startLlama(sequences: number) {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow-llama-" });
  const modelPath = `${dir}/tiny.gguf`;
  await Deno.writeFile(modelPath, tinyLlamaGGUF());
  const child = new Deno.Command("node", {
    args: [SERVER, modelPath, "--sequences", String(sequences)],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let head = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
  while (!head.includes("\n")) {
    const { done, value } = await lines.read();
    if (done) break;
    head += value;
  }
  clearTimeout(deadline);
  const url = head.trim();
  if (!url.startsWith("http://127.0.0.1:")) {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(`The llama.cpp server did not start: ${head}\n${await stderr}`);
  }
  return {
    url,
    stats: async (): Promise<Stats> => await (await fetch(url.replace(/\/v1$/, "/stats"))).json(),
    async [Symbol.asyncDispose]() {
      await child.stdin.close(); // the server ends when its stdin closes
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await child.status;
      clearTimeout(timer);
      await lines.cancel();
      await stderr;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test({
  name:
    "OpenAIBackend runs prompt tasks on llama.cpp: answers, usage, max_tokens, concurrency, abort",
  ignore: !ready,
  async fn() {
    await using llama = await startLlama(2);
    await using flow = await WorkflowEngine.create({
      backend: new OpenAIBackend({ baseURL: llama.url, model: "tiny", maxConcurrent: 2 }),
    });
    const events: FlowEvent[] = [];
    flow.subscribe((e) => events.push(e));
    const ask = flow.promptTask((topic: string) => `one word about the ${topic}`, {
      prompt: { temperature: 0, maxTokens: 6, system: "answer fast" },
    });
    const topics = ["model", "task", "graph", "model", "data", "flow"];
    const answers = await Promise.all(topics.map((t) => ask(t)));
    for (const a of answers) assert(typeof a === "string" && a.trim().length > 0, `answer ${a}`);
    assertEquals(answers[3], answers[0]); // temperature 0: the same prompt, the same answer
    const usages = events.filter((e) => e.type === "TaskCompleted").map((e) => e.usage!);
    assertEquals(usages.length, 6);
    for (const u of usages) {
      assertGreater(u.promptTokens, 0);
      assertEquals(u.completionTokens, 6); // the tiny model never ends a text: max_tokens stops it
    }
    let s = await llama.stats();
    assertEquals([s.requests, s.completed, s.aborted], [6, 6, 0]);
    assert(s.maxInFlight <= 2, `${s.maxInFlight} generations at once`);

    // a long generation, cancelled: the engine stops generating
    const long = flow.promptTask(() => "tell the whole story", {
      prompt: { temperature: 0, maxTokens: 400 },
    })();
    for (let i = 0; (await llama.stats()).tokens <= s.tokens; i++) {
      assert(i < 6000, "the long generation did not start within 30 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    long.cancel("enough");
    await assertRejects(() => long, CancelledError, "enough");
    for (let i = 0; i < 1000 && (s = await llama.stats()).aborted === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals([s.requests, s.aborted, s.inFlight], [7, 1, 0]);
    assert(s.tokens < 36 + 400, `${s.tokens - 36} tokens of the long one were generated`);
  },
});
