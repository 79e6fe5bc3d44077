/**
 * OpenAIBackend: prompt tasks as `POST <baseURL>/chat/completions` to any
 * OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, SGLang,
 * OpenAI), with `fetch` and nothing else (no SDK: it works from a URL import
 * and under `deno compile`).
 *
 * @module
 */
import {
  type AttachContext,
  type BackendHost,
  type BackendTask,
  byPriority,
  type ChatMessage,
  type ExecutionBackend,
  type PromptTask,
  refuseKind,
  type TaskKind,
  unsupportedKind,
} from "../backend.ts";
import { BackendError } from "../errors.ts";
import { capText, messageOf, received } from "../_text.ts";
import { attachOnce, backendName, positiveInt } from "./_options.ts";

/** Options of {@link OpenAIBackend}. */
export interface OpenAIBackendOptions {
  /** The name tasks are routed by. @default {"openai"} */
  name?: string;
  /**
   * The server's API root, e.g. `"http://127.0.0.1:8000/v1"` (a trailing `/`
   * or not: requests go to `<baseURL>/chat/completions`; a query string is
   * kept). `http:` or `https:`.
   */
  baseURL: string | URL;
  /**
   * Sent as `Authorization: Bearer <apiKey>`. When absent, the
   * `OPENAI_API_KEY` environment variable is read once, when the backend is
   * created, if the process may read it (`--allow-env=OPENAI_API_KEY`);
   * otherwise no key is sent (local servers need none). `""`: send no key
   * and do not read the variable.
   */
  apiKey?: string;
  /** The model of prompt tasks whose `prompt.model` option is absent. */
  model?: string;
  /** Most requests in flight at once; the rest wait `PENDING`. @default {16} */
  maxConcurrent?: number;
  /**
   * Extra request headers (e.g. `OpenAI-Organization`, or `api-key` for
   * Azure). They win over the defaults (`Content-Type`, `Accept`,
   * `Authorization`).
   */
  headers?: Record<string, string>;
}

/** The environment variable an {@link OpenAIBackend} takes its API key from. */
export const OPENAI_API_KEY_ENV = "OPENAI_API_KEY";
/** How often a `429`/`503` answer is retried before the task fails. */
export const MAX_BUSY_RETRIES = 5;
/** The longest wait for one `Retry-After`, in ms (longer ones are cut to it). */
export const MAX_RETRY_AFTER_MS = 60_000;
/** The wait when a `429`/`503` has no readable `Retry-After`, in ms. */
export const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Most characters of an answer's body quoted in an error. */
export const MAX_BODY_SHOWN = 4096;

const KNOWN = ["baseURL", "apiKey", "model", "maxConcurrent", "headers"] as const;
const CLS = "OpenAIBackend";

/** A request in flight (or waiting out a `Retry-After`). */
interface Call {
  readonly task: PromptTask;
  readonly abort: AbortController;
  /** The task was cancelled or the backend shut down: report nothing. */
  over: boolean;
}

/**
 * Runs prompt tasks on an OpenAI-compatible server: each is one
 * `POST <baseURL>/chat/completions` (no streaming) whose result is the first
 * choice's message content; the `TaskCompleted` event carries the `usage`
 * the server reports.
 *
 * - At most `maxConcurrent` requests are in flight; the other tasks wait
 *   `PENDING` (reported `running` only when their request is sent), higher
 *   `priority` first, then in creation order.
 * - A `429` or `503` is sent again after its `Retry-After` (seconds or an
 *   HTTP date; absent: 1 s; each wait at most 60 s), at most 5 times, then the
 *   task fails with `BackendError`. These are not attempts: `retries` is not
 *   used up. The task keeps its slot while it waits (the server is busy:
 *   sending others would not help).
 * - Any other HTTP error, an answer that is not a chat completion, or a
 *   connection that fails fails the task with `BackendError` (the status and
 *   the start of the body in its message); `retries` apply.
 * - Cancel, timeout and shutdown abort the request, so the server can stop
 *   generating. Without a `timeout`, a request waits as long as the server
 *   takes.
 * - Function and executable tasks routed to it fail with `BackendError`.
 *
 * Needs `--allow-net` (for the server's host), and `--allow-env=OPENAI_API_KEY`
 * to take the key from the environment.
 *
 * @example
 * ```ts ignore
 * import { OpenAIBackend, WorkflowEngine } from "../../mod.ts";
 * await using flow = await WorkflowEngine.create({
 *   backend: new OpenAIBackend({ baseURL: "http://127.0.0.1:8000/v1", model: "qwen2.5-0.5b" }),
 * });
 * const ask = flow.promptTask((topic: string) => `One sentence about ${topic}.`);
 * console.log(await ask("workflows"));
 * ```
 */
export class OpenAIBackend implements ExecutionBackend {
  /** The backend's name. */
  readonly name: string;
  /** Prompt tasks only. */
  readonly kinds: readonly TaskKind[] = Object.freeze(["prompt"] as const);
  /** The URL requests are posted to. */
  readonly endpoint: string;
  /** The default model, if any. */
  readonly model: string | undefined;
  /** Most requests in flight at once. */
  readonly maxConcurrent: number;
  readonly #headers: Headers;
  #host: BackendHost | undefined;
  #client: Deno.HttpClient | undefined;
  /** Tasks waiting for a slot, in order from `#head` (cancelled ones are skipped). */
  #queue: PromptTask[] = [];
  #head = 0;
  /** Tasks queued and not cancelled. */
  readonly #queued = new Set<BackendTask>();
  /** Requests in flight, by task. */
  readonly #calls = new Map<BackendTask, Call>();
  /** Every request's promise, until it settles (shutdown waits for them). */
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  /**
   * Creates the backend; it sends nothing until tasks arrive.
   *
   * @param options see {@link OpenAIBackendOptions}
   * @throws {TypeError} when `options` is not an object or has an unknown
   * field, `baseURL` is missing or not an http(s) URL, `apiKey`, `model` or a
   * header is not a string, or `maxConcurrent` is not a number
   * @throws {RangeError} when `maxConcurrent` is not a positive integer
   */
  constructor(options: OpenAIBackendOptions) {
    this.name = backendName(CLS, options, KNOWN, "openai");
    const o = (options ?? {}) as unknown as Partial<Record<string, unknown>>;
    this.endpoint = endpointOf(o.baseURL);
    if (o.model !== undefined && (typeof o.model !== "string" || o.model.length === 0)) {
      throw new TypeError(
        `Cannot create ${CLS} as 'model' must be a non-empty string: ${received(o.model)}`,
      );
    }
    this.model = o.model as string | undefined;
    this.maxConcurrent = positiveInt(CLS, "maxConcurrent", o.maxConcurrent, 16);
    if (o.apiKey !== undefined && typeof o.apiKey !== "string") {
      // never shown: it may be a key of the wrong type
      throw new TypeError(
        `Cannot create ${CLS} as 'apiKey' must be a string: ${received(o.apiKey)}`,
      );
    }
    const headers = new Headers({ "content-type": "application/json", accept: "application/json" });
    const key = o.apiKey ?? envKey();
    if (key !== undefined && key !== "") headers.set("authorization", `Bearer ${key}`);
    for (const [k, v] of Object.entries(checkHeaders(o.headers))) headers.set(k, v);
    this.#headers = headers;
  }

  /** Bind to the engine. */
  attach(context: AttachContext): void {
    this.#host = attachOnce(this.name, this.#host, context);
  }

  /** Queue prompt tasks; fail the other kinds. Never throws. */
  submit(tasks: readonly BackendTask[]): void {
    const host = this.#host!;
    const q = this.#queue;
    let sorted = true;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      switch (t.kind) {
        case "function":
        case "executable":
          host.failed(t, refuseKind(this.name, t));
          break;
        case "prompt":
          if (this.#closed) {
            host.failed(
              t,
              new BackendError(
                this.name,
                `Cannot run prompt task '${t.name}' as backend '${this.name}' has shut down`,
              ),
            );
          } else if ((t.model ?? this.model) === undefined) {
            host.failed(
              t,
              new BackendError(
                this.name,
                `Cannot run prompt task '${t.name}' as it names no model: give it the 'prompt.model' option, or give backend '${this.name}' a 'model'`,
              ),
            );
          } else if (!this.#queued.has(t) && !this.#calls.has(t)) {
            if (q.length > this.#head && byPriority(q[q.length - 1]!, t) > 0) sorted = false;
            q.push(t);
            this.#queued.add(t);
          }
          break;
        default:
          host.failed(t, unsupportedKind(this.name, t));
      }
    }
    if (!sorted) {
      const rest = q.slice(this.#head).sort(byPriority);
      this.#queue = rest;
      this.#head = 0;
    }
    this.#pump();
  }

  /**
   * Stop a task: a queued one is dropped; a request in flight (or waiting
   * out a `Retry-After`) is aborted with `reason` and its slot freed.
   */
  cancel(task: BackendTask, reason: unknown): void {
    if (this.#queued.delete(task)) return;
    const call = this.#calls.get(task);
    if (call === undefined) return;
    this.#end(call);
    call.abort.abort(reason);
    this.#pump();
  }

  /** Abort every request, drop the queue; resolves when every request has ended. */
  async shutdown(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#queue = [];
      this.#head = 0;
      this.#queued.clear();
      const reason = new BackendError(this.name, `Backend '${this.name}' shut down`);
      for (const call of [...this.#calls.values()]) {
        this.#end(call);
        call.abort.abort(reason);
      }
    }
    while (this.#running.size !== 0) await Promise.allSettled([...this.#running]);
    this.#client?.close();
    this.#client = undefined;
  }

  // ── dispatch ────────────────────────────────────────────────────────────

  /** Starts queued tasks while slots are free. */
  #pump(): void {
    const q = this.#queue;
    while (this.#calls.size < this.maxConcurrent && !this.#closed) {
      let t: PromptTask | undefined;
      while (this.#head < q.length) {
        const next = q[this.#head]!;
        q[this.#head++] = undefined as unknown as PromptTask;
        if (this.#queued.delete(next)) {
          t = next;
          break;
        }
      }
      if (this.#head === q.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head > 4096 && this.#head * 2 > q.length) {
        this.#queue = q.slice(this.#head);
        this.#head = 0;
      }
      if (t === undefined) return;
      this.#start(t);
    }
  }

  #start(task: PromptTask): void {
    const call: Call = { task, abort: new AbortController(), over: false };
    this.#calls.set(task, call);
    this.#host!.running(task);
    const p: Promise<void> = this.#run(call).finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  /** The request is over (answered, failed, cancelled): free its slot. */
  #end(call: Call): void {
    call.over = true;
    if (this.#calls.get(call.task) === call) this.#calls.delete(call.task);
  }

  /** Reports the outcome of a call, unless it was cancelled meanwhile. */
  #settle(
    call: Call,
    ok: boolean,
    value: unknown,
    info?: Parameters<BackendHost["done"]>[2],
  ): void {
    if (call.over) return;
    this.#end(call);
    const host = this.#host!;
    if (ok) host.done(call.task, value, info);
    else host.failed(call.task, value);
    this.#pump();
  }

  // ── one request ─────────────────────────────────────────────────────────

  async #run(call: Call): Promise<void> {
    const t = call.task;
    const body = JSON.stringify(requestBody(t, (t.model ?? this.model)!));
    const signal = call.abort.signal;
    const fail = (message: string, cause?: unknown, http?: { status: number; body: string }) =>
      this.#settle(
        call,
        false,
        new BackendError(this.name, `Cannot run prompt task '${t.name}' as ${message}`, {
          ...(cause === undefined ? {} : { cause }),
          ...http,
        }),
      );
    for (let busy = 0;; busy++) {
      let res: Response;
      try {
        this.#client ??= Deno.createHttpClient({});
        res = await fetch(this.endpoint, {
          method: "POST",
          headers: this.#headers,
          body,
          signal,
          client: this.#client,
        });
      } catch (e) {
        if (!call.over) fail(`the request to ${this.endpoint} failed: ${messageOf(e)}`, e);
        return;
      }
      if (call.over) {
        await discard(res);
        return;
      }
      if (res.status === 429 || res.status === 503) {
        const head = await bodyStart(res);
        if (call.over) return;
        if (busy >= MAX_BUSY_RETRIES) {
          fail(
            `${this.endpoint} answered ${statusOf(res)} ${
              busy + 1
            } times (retried ${busy} times after Retry-After)${head ? `: ${head}` : ""}`,
            undefined,
            { status: res.status, body: head },
          );
          return;
        }
        const wait = retryAfterMs(res.headers.get("retry-after"), Date.now());
        if (!(await sleep(wait, signal))) return;
        if (call.over) return;
        continue;
      }
      if (!res.ok) {
        const head = await bodyStart(res);
        fail(`${this.endpoint} answered ${statusOf(res)}${head ? `: ${head}` : ""}`, undefined, {
          status: res.status,
          body: head,
        });
        return;
      }
      let text: string;
      try {
        text = await res.text();
      } catch (e) {
        if (!call.over) {
          fail(`the answer from ${this.endpoint} broke off: ${messageOf(e)}`, e);
        }
        return;
      }
      const answer = readCompletion(text);
      if (typeof answer === "string") {
        fail(
          `${this.endpoint} answered ${statusOf(res)} with ${answer}: ${
            capText(text, MAX_BODY_SHOWN)
          }`,
          undefined,
          { status: res.status, body: capText(text, MAX_BODY_SHOWN) },
        );
        return;
      }
      this.#settle(
        call,
        true,
        answer.content,
        answer.usage === undefined ? undefined : { usage: answer.usage },
      );
      return;
    }
  }
}

// ── helpers ───────────────────────────────────────────────────────────────

/** The chat-completions URL of a `baseURL` option. */
function endpointOf(base: unknown): string {
  if (typeof base !== "string" && !(base instanceof URL)) {
    throw new TypeError(
      `Cannot create ${CLS} as 'baseURL' must be a string or URL: ${received(base)}`,
    );
  }
  let url: URL;
  try {
    url = new URL(String(base));
  } catch {
    throw new TypeError(`Cannot create ${CLS} as 'baseURL' must be a valid URL: ${received(base)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Cannot create ${CLS} as 'baseURL' must be an http: or https: URL: ${received(String(base))}`,
    );
  }
  const search = url.search;
  url.search = "";
  url.hash = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  const out = new URL("chat/completions", url);
  out.search = search;
  return out.href;
}

/** The `headers` option, checked. */
function checkHeaders(h: unknown): Record<string, string> {
  if (h === undefined) return {};
  if (typeof h !== "object" || h === null || Array.isArray(h)) {
    throw new TypeError(`Cannot create ${CLS} as 'headers' must be an object: ${received(h)}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== "string") {
      throw new TypeError(
        `Cannot create ${CLS} as header ${capText(JSON.stringify(k), 100)} must be a string: ${
          received(v)
        }`,
      );
    }
    try {
      new Headers([[k, v]]);
    } catch {
      throw new TypeError(
        `Cannot create ${CLS} as header ${
          capText(JSON.stringify(k), 100)
        } is not a valid HTTP header name and value: ${received(v)}`,
      );
    }
    out[k] = v;
  }
  return out;
}

/** `OPENAI_API_KEY`, when set and the process may read it without a prompt. */
function envKey(): string | undefined {
  try {
    const p = Deno.permissions.querySync({ name: "env", variable: OPENAI_API_KEY_ENV });
    if (p.state !== "granted") return undefined;
    return Deno.env.get(OPENAI_API_KEY_ENV);
  } catch {
    return undefined;
  }
}

/** The JSON body of a task's request. */
function requestBody(t: PromptTask, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: t.messages.map((m: ChatMessage) => ({ role: m.role, content: m.content })),
    stream: false,
  };
  if (t.temperature !== undefined) body.temperature = t.temperature;
  if (t.maxTokens !== undefined) body.max_tokens = t.maxTokens;
  return body;
}

/**
 * The content and usage of a chat-completion answer, or what is wrong with it.
 *
 * @param text the answer's body
 * @returns the content (and usage when well formed), or a description of the fault
 */
export function readCompletion(
  text: string,
): { content: string; usage?: { promptTokens: number; completionTokens: number } } | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return "a body that is not JSON";
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return "JSON that is not an object";
  }
  const choices = (json as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return "no choices";
  const first: unknown = choices[0];
  const message = typeof first === "object" && first !== null
    ? (first as { message?: unknown }).message
    : undefined;
  const content = typeof message === "object" && message !== null
    ? (message as { content?: unknown }).content
    : undefined;
  if (typeof content !== "string") return "no string in choices[0].message.content";
  const u = (json as { usage?: unknown }).usage;
  if (typeof u === "object" && u !== null) {
    const { prompt_tokens: p, completion_tokens: c } = u as Record<string, unknown>;
    if (isCount(p) && isCount(c)) {
      return { content, usage: { promptTokens: p, completionTokens: c } };
    }
  }
  return { content };
}

function isCount(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

/**
 * How long a `Retry-After` header says to wait, in ms: delay-seconds or an
 * HTTP date; absent or unreadable: {@link DEFAULT_RETRY_AFTER_MS}; at most
 * {@link MAX_RETRY_AFTER_MS}.
 *
 * @param header the header's value, or null
 * @param now the current time (ms since the epoch)
 * @returns the wait in ms
 */
export function retryAfterMs(header: string | null, now: number): number {
  if (header === null) return DEFAULT_RETRY_AFTER_MS;
  const h = header.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(h)) ms = Number(h) * 1000;
  else {
    // an HTTP date names its day and month in letters (Date.parse takes "-3" as a year)
    const at = /[a-z]/i.test(h) ? Date.parse(h) : Number.NaN;
    if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER_MS;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

/** `ms`, or until `signal` aborts; true when the time ran out. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ran: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(ran);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function statusOf(res: Response): string {
  return res.statusText ? `${res.status} ${res.statusText}` : String(res.status);
}

/** The first {@link MAX_BODY_SHOWN} characters of a body (the rest is not read). */
async function bodyStart(res: Response): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (text.length <= MAX_BODY_SHOWN) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
  } catch {
    // aborted or broken: what was read is what there is
  } finally {
    reader.cancel().catch(() => {});
  }
  return capText(text.trim(), MAX_BODY_SHOWN);
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // already closed
  }
}
