/**
 * A fake OpenAI-compatible server for tests: `Deno.serve` on 127.0.0.1 that
 * speaks the real chat-completions shapes (no streaming): request checks with
 * OpenAI's error bodies, `usage`, `429` with `Retry-After`, slow answers that
 * stop when the client goes away, and counts of requests in flight.
 *
 * By default each request is answered `echo: <last user message>`, with
 * `usage` counting words. A test replaces {@link FakeOpenAI.handler} to answer
 * otherwise. `deno run --allow-net tests/_fake_openai.ts` serves until killed
 * and prints its base URL (to try `examples/ai_pipeline.ts` by hand).
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** A chat-completions request as the server received it. */
export interface Received {
  /** The request's path, e.g. `/v1/chat/completions`. */
  path: string;
  /** Its query string (with `?`), or `""`. */
  search: string;
  /** Its headers. */
  headers: Headers;
  /** Its JSON body. */
  body: ChatBody;
  /** Aborted by the client before the answer was sent. */
  aborted: boolean;
}

/** The JSON body of a chat-completions request (what the server checks). */
export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
  [field: string]: unknown;
}

/** What a handler is given. */
export interface Call extends Received {
  /** 0 for the first request the server received, and so on. */
  index: number;
  /** Aborts when the client goes away (a slow handler should stop then). */
  signal: AbortSignal;
}

/**
 * A handler's answer: a completion's content (`content`, with `usage`
 * counted unless given), or a raw answer (`status`, `body`, `headers`).
 */
export type Answer =
  | { content: string; usage?: { prompt_tokens: number; completion_tokens: number } | null }
  | { status: number; body?: string | Record<string, unknown>; headers?: Record<string, string> };

/** Answers a request. */
export type Handler = (call: Call) => Answer | Promise<Answer>;

/** The words of a text (the fake tokenizer). */
export function words(text: string): number {
  return text.split(/\s+/).filter((w) => w.length !== 0).length;
}

/** The default answer: `echo: ` and the last user message. */
export const echo: Handler = (call) => {
  const users = call.body.messages.filter((m) => m.role === "user");
  return { content: `echo: ${users.at(-1)?.content ?? ""}` };
};

/** An OpenAI-shaped error body. */
export function errorBody(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

/** `ms`, or until `signal` aborts (then rejects with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Options of {@link startFakeOpenAI}. */
export interface FakeOptions {
  /** The answer to each request. @default {echo} */
  handler?: Handler;
  /** When set, requests without `Authorization: Bearer <apiKey>` get OpenAI's 401. */
  apiKey?: string;
  /** The API root's path. @default {"/v1"} */
  prefix?: string;
}

/** A running fake server. */
export interface FakeOpenAI extends AsyncDisposable {
  /** The base URL, e.g. `http://127.0.0.1:43210/v1` (no trailing slash). */
  readonly url: string;
  /** Every well-formed chat-completions request received, in order. */
  readonly requests: Received[];
  /** Requests being answered now. */
  readonly inFlight: number;
  /** The most requests that were ever in flight at once. */
  readonly maxInFlight: number;
  /** Requests whose client went away before the answer was sent. */
  readonly aborted: number;
  /** The handler; replace it to answer otherwise. */
  handler: Handler;
  /** Resolves when `n` requests have been received (by their handlers' start). */
  received(n: number): Promise<void>;
  /** Resolves when `n` requests have been aborted by their client. */
  abortedAtLeast(n: number): Promise<void>;
  /** Stops the server (answers in progress are cut). */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

/**
 * Starts a fake server on 127.0.0.1 (a free port). It is `node:http`, not
 * `Deno.serve`: a client that goes away is seen as a closed connection.
 *
 * @param options see {@link FakeOptions}
 * @returns the server
 */
export async function startFakeOpenAI(options: FakeOptions = {}): Promise<FakeOpenAI> {
  const prefix = options.prefix ?? "/v1";
  const requests: Received[] = [];
  let inFlight = 0, maxInFlight = 0, aborted = 0;
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const wake = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.test()) waiters.splice(i, 1)[0]!.resolve();
    }
  };
  const until = (test: () => boolean) =>
    test() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve }));
  const shutdown = new AbortController();
  const state = { handler: options.handler ?? echo };

  /** The answer to one request; `gone` aborts when its client goes away. */
  const answer = async (
    method: string,
    url: URL,
    headers: Headers,
    text: string,
    gone: AbortSignal,
  ): Promise<Reply> => {
    if (url.pathname !== `${prefix}/chat/completions`) {
      return json(
        404,
        errorBody(
          `Unknown request URL: ${method} ${url.pathname}`,
          "invalid_request_error",
          "unknown_url",
        ),
      );
    }
    if (method !== "POST") {
      return json(405, errorBody(`Method ${method} not allowed`, "invalid_request_error"));
    }
    let body: ChatBody;
    try {
      body = JSON.parse(text);
    } catch {
      return json(
        400,
        errorBody("We could not parse the JSON body of your request.", "invalid_request_error"),
      );
    }
    if (
      typeof body !== "object" || body === null || typeof body.model !== "string" ||
      !Array.isArray(body.messages) || body.messages.length === 0 ||
      !body.messages.every((m) => typeof m?.role === "string" && typeof m?.content === "string")
    ) {
      return json(400, errorBody("'model' and 'messages' are required.", "invalid_request_error"));
    }
    if (body.stream === true) {
      return json(400, errorBody("This server does not stream.", "invalid_request_error"));
    }
    const rec: Received = { path: url.pathname, search: url.search, headers, body, aborted: false };
    const index = requests.push(rec) - 1;
    if (
      options.apiKey !== undefined && headers.get("authorization") !== `Bearer ${options.apiKey}`
    ) {
      wake();
      return json(
        401,
        errorBody("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
      );
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const onGone = () => {
      if (!rec.aborted) {
        rec.aborted = true;
        aborted++;
        wake();
      }
    };
    gone.addEventListener("abort", onGone, { once: true });
    wake();
    try {
      const a = await state.handler({
        ...rec,
        index,
        signal: AbortSignal.any([gone, shutdown.signal]),
      });
      if ("status" in a) {
        const b = a.body;
        return {
          status: a.status,
          body: typeof b === "string" ? b : b === undefined ? "" : JSON.stringify(b),
          headers: {
            "content-type": typeof b === "string" ? "text/plain" : "application/json",
            ...a.headers,
          },
        };
      }
      const promptTokens = body.messages.reduce((n, m) => n + words(m.content), 0);
      const usage = a.usage === undefined
        ? { prompt_tokens: promptTokens, completion_tokens: words(a.content) }
        : a.usage;
      return json(200, {
        id: `chatcmpl-${index}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{
          index: 0,
          message: { role: "assistant", content: a.content },
          logprobs: null,
          finish_reason: "stop",
        }],
        ...(usage === null ? {} : {
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        }),
      });
    } catch (e) {
      return json(500, errorBody(`The handler failed: ${e}`, "server_error"));
    } finally {
      gone.removeEventListener("abort", onGone);
      inFlight--;
      wake();
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => chunks.push(c));
    req.on("end", () => {
      const gone = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) gone.abort(new Error("the client went away"));
      });
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      }
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const text = new TextDecoder().decode(concat(chunks));
      answer(req.method ?? "GET", url, headers, text, gone.signal).then((r) => {
        if (gone.signal.aborted) return;
        res.writeHead(r.status, r.headers);
        res.end(r.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const fake: FakeOpenAI = {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get aborted() {
      return aborted;
    },
    get handler() {
      return state.handler;
    },
    set handler(h: Handler) {
      state.handler = h;
    },
    received: (n) => until(() => requests.length >= n),
    abortedAtLeast: (n) => until(() => aborted >= n),
    close: () => {
      shutdown.abort(new Error("the fake server closed"));
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
    [Symbol.asyncDispose]: () => fake.close(),
  };
  return fake;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

if (import.meta.main) {
  const fake = await startFakeOpenAI();
  console.log(fake.url);
}
