/**
 * A live dashboard of a run: a small HTTP server (`Deno.serve`, on
 * 127.0.0.1 by default) that serves one self-contained page and feeds it
 * with Server-Sent Events. `flow.dashboard()` starts one for an engine;
 * {@link startDashboard} starts one for any {@link DashboardSource} (a live
 * engine, or the events of a finished run read from its log).
 *
 * Paths, under the dashboard's `url` (which ends with `/`):
 *
 * - `` (the page) — counts by state, throughput, running and waiting tasks
 *   per backend and per named limit, a Gantt chart that grows while tasks
 *   run (tasks completed from the journal marked as cached), failures with
 *   their errors, custom events. It redraws at most every 250 ms.
 * - `events` — `text/event-stream`, one JSON {@link FlowEvent} per plain
 *   `message` event (errors serialised as in the event log). A client first
 *   gets the events so far — or, once they outgrow `historyBytes`, one
 *   `{ "type": "DashboardSnapshot", ... }` message with the aggregated state
 *   — then the live ones.
 * - `live` — the page's own stream: the aggregated state, then what changed,
 *   at most every `interval` ms (its size does not grow with the run).
 * - `state` — the aggregated state as one JSON document.
 *
 * Memory stays bounded however long the run: see `dashboard/_model.ts` for
 * the aggregates and their caps. A client that does not read fast enough is
 * never allowed to grow the server's memory without bound: each stream has a
 * buffer of `clientBufferBytes` (64 MiB); a page stream that is full skips
 * updates and gets the whole state once it drained, an `events` stream that
 * is full is closed (its client may reconnect and gets the history or a
 * snapshot). At close, clients get what was sent to them for up to a second,
 * then the server drops their connections: one that stopped reading never
 * holds the engine's shutdown.
 *
 * @module
 */
import type { FlowEvent, FlowListener } from "./events.ts";
import { now } from "./events.ts";
import { capText, received } from "./_text.ts";
import { DashboardModel, jsonValue, plainError } from "./dashboard/_model.ts";
import { dashboardPage, NONCE } from "./dashboard/_page.ts";

/** What a dashboard shows: a live engine, or the events of a finished run. */
export interface DashboardSource {
  /** The page's title (an engine's uid, a log's file name). */
  title: string;
  /**
   * Live events: called once with a listener that gets every event from then
   * on, in order; returns the function that stops it. Absent for a finished run.
   */
  subscribe?(listener: FlowListener): () => void;
  /** Events that happened before the dashboard started (a finished run's log), in order. */
  history?: Iterable<FlowEvent>;
  /**
   * A sentence the page shows under its title, e.g. what the events were
   * rebuilt from and what they cannot tell (a journal has no start times).
   */
  note?: string;
}

/** Options of {@link startDashboard} (and, `port` and `hostname` only, of `flow.dashboard()`). */
export interface DashboardOptions {
  /** The TCP port; 0 picks a free one. @default {0} */
  port?: number;
  /** The address to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** Fewest milliseconds between two updates of the page. @default {250} */
  interval?: number;
  /** Most tasks drawn one by one in the Gantt chart; later ones are counted in their workflow's row. @default {2000} */
  maxRows?: number;
  /** Most workflow groups (scopes and blocks) shown one by one. @default {500} */
  maxGroups?: number;
  /** Most failures listed with their error. @default {200} */
  maxFailures?: number;
  /** Most recent custom events kept. @default {300} */
  maxMarks?: number;
  /**
   * Most bytes of event history kept for late clients of `events`; beyond
   * it they get a snapshot message instead. @default {8388608}
   */
  historyBytes?: number;
  /** Most bytes buffered per stream for a client that reads slowly. @default {67108864} */
  clientBufferBytes?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** The page's address, ending with `/` (`<url>events` is the event stream). */
  readonly url: string;
  /**
   * Stop listening, end every open stream (the page keeps what it shows and
   * says the dashboard closed) and stop the server. Idempotent.
   */
  close(): Promise<void>;
  /** Calls {@link Dashboard.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

const OPTION_NAMES = [
  "port",
  "hostname",
  "interval",
  "maxRows",
  "maxGroups",
  "maxFailures",
  "maxMarks",
  "historyBytes",
  "clientBufferBytes",
];

/** The options of `flow.dashboard()`. */
export const ENGINE_DASHBOARD_OPTIONS: readonly string[] = ["port", "hostname"];

/** {@link DashboardOptions} with their defaults, as {@link checkDashboardOptions} gives them. */
export interface ResolvedDashboardOptions {
  port: number;
  hostname: string;
  interval: number;
  maxRows: number;
  maxGroups: number;
  maxFailures: number;
  maxMarks: number;
  historyBytes: number;
  clientBufferBytes: number;
}

/**
 * Check dashboard options; throws at once, naming the field and the value.
 *
 * @param options the options
 * @param allowed the fields accepted
 * @returns the options with their defaults
 * @throws {TypeError} for an option of the wrong type or an unknown field
 * @throws {RangeError} for a number out of range
 */
export function checkDashboardOptions(
  options: unknown,
  allowed: readonly string[] = OPTION_NAMES,
): ResolvedDashboardOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot start dashboard as 'options' must be an object: ${received(options)}`,
    );
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new TypeError(
        `Cannot start dashboard as 'options' has an unknown field: ${received(k)}`,
      );
    }
  }
  const int = (k: string, def: number, min: number, max: number): number => {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== "number") {
      throw new TypeError(`Cannot start dashboard as '${k}' must be a number: ${received(v)}`);
    }
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(
        `Cannot start dashboard as '${k}' must be an integer from ${min} to ${max}: ${received(v)}`,
      );
    }
    return v;
  };
  const hostname = o.hostname ?? "127.0.0.1";
  if (
    typeof hostname !== "string" || hostname.length === 0 || hostname.length > 253 ||
    !/^[A-Za-z0-9.:_%-]+$/.test(hostname)
  ) {
    throw new TypeError(
      `Cannot start dashboard as 'hostname' must be a host name or an IP address: ${
        received(hostname)
      }`,
    );
  }
  return {
    port: int("port", 0, 0, 65535),
    hostname,
    interval: int("interval", 250, 10, 60_000),
    maxRows: int("maxRows", 2000, 0, 100_000),
    maxGroups: int("maxGroups", 500, 1, 100_000),
    maxFailures: int("maxFailures", 200, 4, 100_000),
    maxMarks: int("maxMarks", 300, 0, 100_000),
    historyBytes: int("historyBytes", 8 * 1024 * 1024, 0, 2 ** 31),
    clientBufferBytes: int("clientBufferBytes", 64 * 1024 * 1024, 1024, 2 ** 31),
  };
}

const encoder = new TextEncoder();
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

/** One event as JSON text, its error turned into plain data (as the event log does). */
function eventJson(ev: FlowEvent): string {
  try {
    return JSON.stringify(
      ev.error === undefined ? ev : { ...ev, error: plainError(ev.error) },
      jsonValue,
    );
  } catch (e) {
    // a circular or exotic field: keep the event, say what was lost
    return JSON.stringify({
      type: ev.type,
      uid: ev.uid,
      name: ev.name,
      time: ev.time,
      workflowId: ev.workflowId,
      unserializable: plainError(e),
    });
  }
}

/** One Server-Sent Events response with a bounded buffer. */
class SseStream {
  readonly body: ReadableStream<Uint8Array>;
  #ctl!: ReadableStreamDefaultController<Uint8Array>;
  closed = false;
  /** A page stream that skipped an update: it gets the whole state next time. */
  stale = false;

  constructor(limit: number, onGone: (s: SseStream) => void) {
    this.body = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#ctl = c;
      },
      cancel: () => {
        this.closed = true;
        onGone(this);
      },
    }, { highWaterMark: limit, size: (chunk) => chunk.byteLength });
  }

  /** Bytes that fit before the buffer is full (≤ 0: full). */
  get room(): number {
    return this.closed ? 0 : this.#ctl.desiredSize ?? 0;
  }

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    try {
      this.#ctl.enqueue(bytes);
    } catch {
      this.closed = true;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.#ctl.close();
    } catch {
      // the client went away
    }
  }
}

/** Longest wait (ms) at close for the streams' last bytes to be handed to their connections. */
const CLOSE_GRACE_MS = 1000;
/** Time (ms) given to the connections to write those bytes before the server drops them. */
const FLUSH_MS = 50;
/** Most characters of event lines gathered before they are written to the `events` clients. */
const RAW_SLICE = 1 << 20;

/** Waits for `p`, at most `ms` (the timer ends with the wait). */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([p, new Promise((resolve) => timer = setTimeout(resolve, ms))]);
  } finally {
    clearTimeout(timer);
  }
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host part of a URL for `hostname` (a wildcard address is reached through the loopback). */
function urlHost(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

class DashboardServer implements Dashboard {
  #url = "";
  readonly #o: ResolvedDashboardOptions;
  readonly #title: string;
  readonly #note: string | undefined;
  readonly #live: boolean;
  readonly #model: DashboardModel;
  readonly #page: string;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #unsubscribe: (() => void) | undefined;
  #allowedHosts: Set<string> | undefined;
  #pages = new Set<SseStream>();
  #raws = new Set<SseStream>();
  /** Event lines for late `events` clients; `undefined` once they outgrew `historyBytes`. */
  #history: string[] | undefined = [];
  #historySize = 0;
  /** Lines not yet sent to the `events` clients (sent in one write per turn). */
  #rawPending: string[] = [];
  #rawPendingSize = 0;
  #rawScheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = 0;
  #lastTick = 0;
  #closed: Promise<void> | undefined;
  /** Aborted at close: the server drops its connections (Deno.serve's forced shutdown). */
  readonly #kill = new AbortController();
  /** Stream responses not yet handed to their connection in full. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(source: DashboardSource, o: ResolvedDashboardOptions) {
    this.#o = o;
    this.#title = source.title;
    this.#note = source.note === undefined ? undefined : capText(source.note, 2000);
    this.#live = typeof source.subscribe === "function";
    this.#model = new DashboardModel({
      maxRows: o.maxRows,
      maxGroups: o.maxGroups,
      maxFailures: o.maxFailures,
      maxMarks: o.maxMarks,
    });
    this.#page = dashboardPage(source.title);
    if (source.history !== undefined) { for (const ev of source.history) this.#fold(ev); }
  }

  get url(): string {
    return this.#url;
  }

  /** Listen; returns the URL. */
  start(source: DashboardSource): string {
    const o = this.#o;
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: o.hostname,
        port: o.port,
        onListen: () => {},
        signal: this.#kill.signal,
        onError: () => new Response("Internal error", { status: 500 }),
      }, (req, info) => this.#handle(req, info));
    } catch (e) {
      throw new Error(
        `Cannot start dashboard as the server cannot listen on ${urlHost(o.hostname)}:${o.port}: ${
          e instanceof Error ? e.message : String(e)
        }`,
        { cause: e },
      );
    }
    // the dashboard never keeps the process alive by itself
    server.unref();
    this.#server = server;
    const port = server.addr.port;
    if (isLoopback(o.hostname)) {
      // refuse other Host headers: a web page elsewhere cannot reach the run by DNS rebinding
      this.#allowedHosts = new Set([
        `${urlHost(o.hostname)}:${port}`,
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        `[::1]:${port}`,
      ]);
    }
    if (this.#live) {
      try {
        const unsubscribe = source.subscribe!(this.#onEvent);
        if (typeof unsubscribe === "function") this.#unsubscribe = unsubscribe;
      } catch (e) {
        this.#kill.abort();
        throw e;
      }
    }
    return this.#url = `http://${urlHost(o.hostname)}:${port}/`;
  }

  // ---------------------------------------------------------------- events in

  /** Fold an event into the model and the history. */
  #fold(ev: FlowEvent): string | undefined {
    this.#model.ingest(ev);
    if (this.#history === undefined && this.#raws.size === 0) return undefined;
    const line = eventJson(ev);
    if (this.#history !== undefined) {
      this.#historySize += line.length + 1;
      if (this.#historySize > this.#o.historyBytes) {
        this.#history = undefined; // late clients get a snapshot from now on
      } else this.#history.push(line);
    }
    return line;
  }

  readonly #onEvent = (ev: FlowEvent): void => {
    if (this.#closed !== undefined) return;
    try {
      const line = this.#fold(ev);
      if (line !== undefined && this.#raws.size !== 0) {
        this.#rawPending.push(line);
        this.#rawPendingSize += line.length;
        // a long synchronous burst is written in slices, so slow clients are noticed in time
        if (this.#rawPendingSize > RAW_SLICE) this.#flushRaw();
        else if (!this.#rawScheduled) {
          this.#rawScheduled = true;
          queueMicrotask(() => this.#flushRaw());
        }
      }
      this.#schedule();
    } catch {
      // a dashboard fault never reaches the engine
    }
  };

  /** Send the pending lines to every `events` client in one write. */
  #flushRaw(): void {
    this.#rawScheduled = false;
    if (this.#rawPending.length === 0) return;
    const bytes = encoder.encode("data: " + this.#rawPending.join("\n\ndata: ") + "\n\n");
    this.#rawPending = [];
    this.#rawPendingSize = 0;
    for (const c of this.#raws) {
      if (c.room <= 0) {
        // too slow: closing is the bound (it may reconnect and gets the history or a snapshot)
        c.close();
        this.#raws.delete(c);
      } else c.send(bytes);
    }
  }

  // ---------------------------------------------------------------- the page's updates

  /** Arm the update timer for `at` (a `performance.now()` time), unless it fires sooner. */
  #armAt(at: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerDue <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerDue = at;
    const timer = setTimeout(() => this.#tick(), Math.max(0, at - performance.now()));
    Deno.unrefTimer(timer); // the dashboard never keeps the process alive by itself
    this.#timer = timer;
  }

  /** Something changed: the pages hear of it at most `interval` ms after the last update. */
  #schedule(): void {
    if (this.#pages.size === 0 || this.#closed !== undefined) return;
    this.#armAt(this.#lastTick + this.#o.interval);
  }

  #now(): number {
    return this.#live ? now() : this.#model.last;
  }

  #tick(): void {
    this.#timer = undefined;
    this.#lastTick = performance.now();
    if (this.#pages.size === 0) return;
    const t = this.#now();
    const delta = this.#model.delta(t);
    if (delta !== undefined) {
      const bytes = sse({ k: "delta", live: this.#live, ...delta });
      let full: Uint8Array | undefined;
      for (const c of this.#pages) {
        if (c.room <= 0) c.stale = true; // skipped; the whole state follows once it drained
        else if (c.stale) {
          c.stale = false;
          c.send(full ??= sse(this.#full(t)));
        } else c.send(bytes);
      }
    }
    // while tasks run without events, their busy time still grows: a slower heartbeat
    if (this.#live && this.#model.running > 0 && this.#closed === undefined) {
      this.#armAt(this.#lastTick + Math.max(this.#o.interval, 1000));
    }
  }

  #full(t: number): Record<string, unknown> {
    const out: Record<string, unknown> = { k: "full", title: this.#title, live: this.#live };
    if (this.#note !== undefined) out.note = this.#note;
    return Object.assign(out, this.#model.full(t));
  }

  // ---------------------------------------------------------------- HTTP

  #handle(req: Request, info: Deno.ServeHandlerInfo): Response {
    if (this.#closed !== undefined) {
      return new Response("The dashboard is closed", { status: 503 });
    }
    const host = req.headers.get("host");
    if (this.#allowedHosts !== undefined && (host === null || !this.#allowedHosts.has(host))) {
      return new Response("Forbidden host", { status: 403 });
    }
    if (req.method !== "GET") {
      return new Response("Method not allowed", { status: 405, headers: { allow: "GET" } });
    }
    const path = new URL(req.url).pathname;
    switch (path) {
      case "/":
        return this.#pageResponse();
      case "/events":
        this.#track(info);
        return this.#eventsResponse();
      case "/live":
        this.#track(info);
        return this.#liveResponse();
      case "/state":
        return new Response(JSON.stringify(this.#full(this.#now())), {
          headers: { "content-type": "application/json", "cache-control": "no-store" },
        });
      case "/favicon.ico":
        return new Response(null, { status: 204 });
      default:
        return new Response("Not found", { status: 404 });
    }
  }

  /** Count a stream response until Deno has handed it to its connection. */
  #track(info: Deno.ServeHandlerInfo): void {
    const done: Promise<void> = info.completed.catch(() => {}).finally(() => {
      this.#inFlight.delete(done);
    });
    this.#inFlight.add(done);
  }

  #pageResponse(): Response {
    const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    return new Response(this.#page.replace(NONCE, nonce), {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        // the page asks nothing of any other host, and the browser holds it to that
        "content-security-policy":
          `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; ` +
          `connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; ` +
          `frame-ancestors 'none'`,
      },
    });
  }

  #eventsResponse(): Response {
    // lines still pending go to the current clients first: the new one gets them in its history
    this.#flushRaw();
    const s = new SseStream(this.#o.clientBufferBytes, (c) => this.#raws.delete(c));
    const history = this.#history;
    if (history !== undefined) {
      if (history.length !== 0) {
        s.send(encoder.encode("data: " + history.join("\n\ndata: ") + "\n\n"));
      }
    } else {
      s.send(sse({ type: "DashboardSnapshot", time: now(), ...this.#full(this.#now()) }));
    }
    if (this.#live) this.#raws.add(s);
    else s.close(); // a finished run: the stream ends after the history
    return new Response(s.body, { headers: SSE_HEADERS });
  }

  #liveResponse(): Response {
    const s = new SseStream(this.#o.clientBufferBytes, (c) => this.#pages.delete(c));
    s.send(encoder.encode("retry: 2000\n\n"));
    s.send(sse(this.#full(this.#now())));
    if (this.#live) {
      this.#pages.add(s);
      this.#schedule();
    } else {
      s.send(sse({ k: "end" }));
      s.close();
    }
    return new Response(s.body, { headers: SSE_HEADERS });
  }

  // ---------------------------------------------------------------- close

  close(): Promise<void> {
    return this.#closed ??= this.#close();
  }

  async #close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    // the last events reach everyone, then every stream ends (the page stops reconnecting)
    this.#flushRaw();
    const t = this.#now();
    const delta = this.#model.delta(t);
    for (const c of this.#pages) {
      if (c.stale) c.send(sse(this.#full(t)));
      else if (delta !== undefined) c.send(sse({ k: "delta", live: false, ...delta }));
      c.send(sse({ k: "end" }));
      c.close();
    }
    for (const c of this.#raws) c.close();
    this.#pages.clear();
    this.#raws.clear();
    this.#history = undefined;
    const server = this.#server;
    if (server === undefined) return;
    // every response is finite now: the graceful shutdown ends once clients read the rest,
    // and a client that stopped reading is cut off after a grace period (never a hang)
    // Deno hands each stream's last bytes to the connection, then the server drops every
    // connection: a graceful shutdown would wait for ever on a client that stopped reading
    await within(Promise.allSettled(this.#inFlight), CLOSE_GRACE_MS);
    await within(new Promise(() => {}), FLUSH_MS);
    this.#kill.abort();
    await within(server.finished.catch(() => {}), CLOSE_GRACE_MS);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function sse(v: unknown): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(v, jsonValue)}\n\n`);
}

/**
 * Serve a live dashboard of `source`: the page, its update stream and the
 * `events` stream (see the module doc).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { startDashboard } from "./dashboard.ts";
 * const events = [
 *   { type: "TaskCreated", uid: "task.000001", name: "a", time: 1_700_000_000_000 },
 *   { type: "TaskCompleted", uid: "task.000001", name: "a", time: 1_700_000_000_500 },
 * ] as const;
 * await using dash = await startDashboard({ title: "a past run", history: events });
 * const state = await (await fetch(`${dash.url}state`)).json();
 * assertEquals(state.counts.done, 1);
 * ```
 *
 * @param source what to show: `subscribe` for live events, `history` for past ones
 * @param options see {@link DashboardOptions}
 * @returns the running dashboard, once it listens
 * @throws {TypeError} (at once) for a bad source or option
 * @throws {RangeError} (at once) for a port or limit out of range
 * @throws {Error} (the promise rejects) when the server cannot listen; the cause is Deno's error
 */
export function startDashboard(
  source: DashboardSource,
  options: DashboardOptions = {},
): Promise<Dashboard> {
  const o = checkDashboardOptions(options);
  checkSource(source);
  try {
    return Promise.resolve(openDashboard(source, o));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * {@link startDashboard} for options already checked, listening before it
 * returns (the engine registers its shutdown hook at once).
 *
 * @throws {Error} when the server cannot listen
 */
export function openDashboard(
  source: DashboardSource,
  options: ResolvedDashboardOptions,
): Dashboard {
  const d = new DashboardServer(source, options);
  d.start(source);
  return d;
}

function checkSource(source: DashboardSource): void {
  if (typeof source !== "object" || source === null) {
    throw new TypeError(
      `Cannot start dashboard as 'source' must be an object: ${received(source)}`,
    );
  }
  if (typeof source.title !== "string") {
    throw new TypeError(
      `Cannot start dashboard as 'source.title' must be a string: ${received(source.title)}`,
    );
  }
  if (source.subscribe !== undefined && typeof source.subscribe !== "function") {
    throw new TypeError(
      `Cannot start dashboard as 'source.subscribe' must be a function: ${
        received(source.subscribe)
      }`,
    );
  }
  if (source.note !== undefined && typeof source.note !== "string") {
    throw new TypeError(
      `Cannot start dashboard as 'source.note' must be a string: ${received(source.note)}`,
    );
  }
  const h = source.history as unknown;
  if (
    h !== undefined &&
    (typeof h !== "object" || h === null ||
      typeof (h as Iterable<unknown>)[Symbol.iterator] !== "function")
  ) {
    throw new TypeError(
      `Cannot start dashboard as 'source.history' must be iterable: ${received(h)}`,
    );
  }
}
