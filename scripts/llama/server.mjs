// A real inference engine for tests: llama.cpp, as node-llama-cpp ships it
// prebuilt (no download, no build), behind an OpenAI-compatible
// `POST /v1/chat/completions` (no streaming) on 127.0.0.1. npm has no
// package that ships llama.cpp's own `llama-server`, so this is the thinnest
// server around the engine: requests wait for one of `--sequences` context
// sequences (default 2), a client that goes away aborts its generation, and
// `GET /stats` tells what happened. Prints its base URL, then serves until
// stdin closes or it is killed.
//
// Install: `npm ci --omit=optional --ignore-scripts` in this directory.
// Run: `node scripts/llama/server.mjs <model.gguf> [--sequences N]`
import { createServer } from "node:http";
import { getLlama, LlamaCompletion } from "node-llama-cpp";

const args = process.argv.slice(2);
const modelPath = args[0];
const seqIndex = args.indexOf("--sequences");
const nSeq = seqIndex === -1 ? 2 : Number(args[seqIndex + 1]);
if (!modelPath || !(nSeq >= 1)) {
  console.error("usage: node server.mjs <model.gguf> [--sequences N]");
  process.exit(2);
}

const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath });
// one thread: the machine is shared, and llama.cpp's spinning threads crawl when cores are busy
const context = await model.createContext({
  contextSize: 512,
  sequences: nSeq,
  threads: 1,
});
const free = [];
for (let i = 0; i < nSeq; i++) {
  free.push(new LlamaCompletion({ contextSequence: context.getSequence() }));
}
const waiting = [];
const stats = {
  requests: 0,
  completed: 0,
  aborted: 0,
  inFlight: 0,
  maxInFlight: 0,
  tokens: 0,
};

function take() {
  if (free.length > 0) return Promise.resolve(free.pop());
  return new Promise((resolve) => waiting.push(resolve));
}
function give(c) {
  const next = waiting.shift();
  if (next) next(c);
  else free.push(c);
}

function send(res, status, body) {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
function error(res, status, message) {
  send(res, status, {
    error: { message, type: "invalid_request_error", param: null, code: null },
  });
}

async function complete(res, text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return error(res, 400, "We could not parse the JSON body of your request.");
  }
  if (
    typeof body?.model !== "string" || !Array.isArray(body.messages) ||
    !body.messages.length
  ) {
    return error(res, 400, "'model' and 'messages' are required.");
  }
  const prompt = body.messages.map((m) => `${m.role}: ${m.content}`).join("\n") +
    "\nassistant:";
  const maxTokens = Number.isInteger(body.max_tokens) ? body.max_tokens : 16;
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort(new Error("the client went away"));
  });
  stats.requests++;
  const completion = await take();
  if (abort.signal.aborted) {
    stats.aborted++;
    return give(completion);
  }
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  let generated = 0;
  try {
    const content = await completion.generateCompletion(prompt, {
      maxTokens,
      temperature: typeof body.temperature === "number" ? body.temperature : 0,
      signal: abort.signal,
      onToken: (tokens) => {
        generated += tokens.length;
        stats.tokens += tokens.length;
      },
    });
    stats.completed++;
    send(res, 200, {
      id: `chatcmpl-${stats.requests}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{
        index: 0,
        message: { role: "assistant", content },
        logprobs: null,
        finish_reason: generated >= maxTokens ? "length" : "stop",
      }],
      usage: {
        prompt_tokens: model.tokenize(prompt).length,
        completion_tokens: generated,
        total_tokens: model.tokenize(prompt).length + generated,
      },
    });
  } catch (e) {
    if (abort.signal.aborted) stats.aborted++;
    else error(res, 500, String(e?.message ?? e));
  } finally {
    stats.inFlight--;
    give(completion);
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (req.method === "GET" && path === "/stats") return send(res, 200, stats);
    if (path !== "/v1/chat/completions") {
      return error(res, 404, `Unknown request URL: ${path}`);
    }
    if (req.method !== "POST") {
      return error(res, 405, `Method ${req.method} not allowed`);
    }
    complete(res, Buffer.concat(chunks).toString("utf8")).catch((e) => error(res, 500, String(e)));
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}/v1`);
});

async function stop() {
  server.closeAllConnections();
  server.close();
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  process.exit(0);
}
process.stdin.on("end", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
