/**
 * Embedding asyncflow in a server: a `Deno.serve` app that accepts workflow
 * runs over HTTP and streams each run's events as Server-Sent Events.
 *
 * One long-lived {@link WorkflowEngine} serves every request; each run
 * executes in its own `workflowScope`, so its events carry the run's id and
 * many runs share the engine without seeing each other. A run names task
 * functions from a registry defined once at start-up (see
 * {@link defaultRegistry}); arguments may refer to earlier tasks of the same
 * run with `{ "ref": "<task id>" }`, anywhere inside nested arrays and
 * objects, which makes them dependencies.
 *
 * Endpoints:
 * - `POST /runs` — body `{ "tasks": [{ "id", "fn", "args"? }, ...] }`. The
 *   whole body is validated before any task is created: a malformed body
 *   gets `400 { "error": { "name", "message" } }`. Otherwise the response is
 *   `text/event-stream`: `event: run` (the run id and the uid of each task),
 *   one event per {@link FlowEvent} of the run's tasks (the SSE event name is
 *   the flow event type: `TaskCreated` ... `TaskCompleted`/`TaskFailed`/
 *   `TaskCancelled`), then `event: result` with every task's state and value
 *   or error, and the stream ends. A client that disconnects gets its run
 *   cancelled; other runs are not affected.
 * - `GET /tasks` — the registered task functions.
 * - `GET /health` — the engine's task counts and the number of active runs.
 *
 * Run it (`--allow-run=echo` is for the `echo` executable task):
 *
 * ```sh
 * deno run --allow-net --allow-run=echo examples/server.ts --port 8000
 * curl -N localhost:8000/runs -d '{"tasks": [
 *   {"id": "a", "fn": "add", "args": [1, 2]},
 *   {"id": "b", "fn": "sleep", "args": [500, {"ref": "a"}]},
 *   {"id": "c", "fn": "sum", "args": [[{"ref": "a"}, {"ref": "b"}, 4]]},
 *   {"id": "d", "fn": "echo", "args": ["total", {"ref": "c"}]}
 * ]}'
 * curl localhost:8000/health
 * ```
 *
 * The port comes from `--port`, else the `PORT` environment variable (read
 * only when `--allow-env=PORT` is granted), else 8000; the host from
 * `--hostname` (default `127.0.0.1`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  DependencyFailureError,
  type EngineStats,
  type FlowEvent,
  type TaskFuture,
  type TaskState,
  WorkflowEngine,
} from "../mod.ts";

// ------------------------------------------------------------------ registry

/** What a registered task gets besides its arguments. */
export interface RunContext {
  /** The run's id (its workflow id). */
  readonly runId: string;
  /**
   * Aborted when the run is cancelled (client gone, server shutting down).
   * The engine settles a cancelled future at once but cannot stop JavaScript
   * that is already running on the inline backend, so long in-process tasks
   * should stop on this signal.
   */
  readonly signal: AbortSignal;
}

/** A task function a run may name. */
export interface RegistryEntry {
  /** One line for `GET /tasks`. */
  readonly description: string;
  /** The fewest arguments a call takes. */
  readonly minArgs: number;
  /** The most arguments a call takes (`Infinity` for any number). */
  readonly maxArgs: number;
  /**
   * Create the task (call the task function).
   *
   * @param args the request's arguments, each `{ "ref": id }` replaced by that task's future
   * @param context the run
   * @returns the task's future
   */
  create(args: unknown[], context: RunContext): TaskFuture<unknown>;
}

/** The task functions runs may name, by name. */
export type Registry = ReadonlyMap<string, RegistryEntry>;

/** Defines a registry's task functions on an engine (once, at start-up). */
export type RegistryFactory = (flow: WorkflowEngine) => Registry;

/** The longest `sleep` a run may ask for, in ms. */
export const MAX_SLEEP_MS = 600_000;

function checkNumber(action: string, field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(
      `Cannot ${action} as '${field}' must be a finite number: received ${preview(v)}`,
    );
  }
  return v;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The example's task functions, defined once on `flow`:
 *
 * | name | arguments | result |
 * | --- | --- | --- |
 * | `add` | `a, b` (numbers) | `a + b` |
 * | `mul` | `a, b` (numbers) | `a * b` |
 * | `sum` | `list` (array of numbers) | the sum |
 * | `sleep` | `ms, value?` | `value` (or `null`) after `ms` milliseconds; stops when the run is cancelled |
 * | `pick` | `object, key` | `object[key]` (or `null`) |
 * | `fail` | `message` | fails with `Error(message)` |
 * | `echo` | `...words` (strings or numbers) | stdout of the `echo` executable |
 *
 * @param flow the engine the task functions run on
 * @returns the registry
 *
 * @example
 * ```ts
 * import { createRunHandler, defaultRegistry, type Registry } from "./server.ts";
 * import { WorkflowEngine } from "../mod.ts";
 *
 * // the default task functions plus one of your own
 * function withNeg(flow: WorkflowEngine): Registry {
 *   const neg = flow.functionTask((x: number) => -x, { name: "neg" });
 *   return new Map([...defaultRegistry(flow), ["neg", {
 *     description: "-x",
 *     minArgs: 1,
 *     maxArgs: 1,
 *     create: (args: unknown[]) => neg(args[0] as number),
 *   }]]);
 * }
 * await using flow = await WorkflowEngine.create();
 * const runs = createRunHandler(flow, { registry: withNeg });
 * console.assert(runs.registry.has("neg") && runs.registry.has("add"));
 * ```
 */
export function defaultRegistry(flow: WorkflowEngine): Registry {
  const add = flow.functionTask(
    (a: unknown, b: unknown) => checkNumber("add", "a", a) + checkNumber("add", "b", b),
    { name: "add" },
  );
  const mul = flow.functionTask(
    (a: unknown, b: unknown) => checkNumber("mul", "a", a) * checkNumber("mul", "b", b),
    { name: "mul" },
  );
  const sum = flow.functionTask((list: unknown) => {
    if (!Array.isArray(list)) {
      throw new TypeError(`Cannot sum as 'list' must be an array: received ${preview(list)}`);
    }
    return list.reduce((s: number, x, i) => s + checkNumber("sum", `list[${i}]`, x), 0);
  }, { name: "sum" });
  const sleep = flow.functionTask(
    async (ms: unknown, value: unknown, signal: AbortSignal) => {
      const n = checkNumber("sleep", "ms", ms);
      if (n < 0 || n > MAX_SLEEP_MS) {
        throw new RangeError(
          `Cannot sleep as 'ms' must be from 0 to ${MAX_SLEEP_MS}: received ${n}`,
        );
      }
      await delay(n, signal);
      return value;
    },
    { name: "sleep" },
  );
  const pick = flow.functionTask((object: unknown, key: unknown) => {
    if (typeof object !== "object" || object === null || typeof key !== "string") {
      throw new TypeError(
        `Cannot pick as it needs an object and a string key: received ${preview([object, key])}`,
      );
    }
    return (object as Record<string, unknown>)[key] ?? null;
  }, { name: "pick" });
  const fail = flow.functionTask((message: unknown) => {
    throw new Error(String(message));
  }, { name: "fail" });
  const echo = flow.executableTask((...words: unknown[]) => [
    "echo",
    ...words.map((w, i) => {
      if (typeof w !== "string" && typeof w !== "number") {
        throw new TypeError(
          `Cannot echo as 'words[${i}]' must be a string or a number: received ${preview(w)}`,
        );
      }
      return String(w);
    }),
  ], { name: "echo" });

  return new Map<string, RegistryEntry>([
    ["add", { description: "a + b", minArgs: 2, maxArgs: 2, create: (a) => add(a[0], a[1]) }],
    ["mul", { description: "a * b", minArgs: 2, maxArgs: 2, create: (a) => mul(a[0], a[1]) }],
    ["sum", { description: "the sum of a list", minArgs: 1, maxArgs: 1, create: (a) => sum(a[0]) }],
    ["sleep", {
      description: "value (or null) after ms milliseconds",
      minArgs: 1,
      maxArgs: 2,
      // the signal is a class instance, so the engine passes it through as is
      create: (a, run) => sleep(a[0], a[1] ?? null, run.signal),
    }],
    ["pick", {
      description: "object[key] (or null)",
      minArgs: 2,
      maxArgs: 2,
      create: (a) => pick(a[0], a[1]),
    }],
    ["fail", {
      description: "fails with Error(message)",
      minArgs: 1,
      maxArgs: 1,
      create: (a) => fail(a[0]),
    }],
    ["echo", {
      description: "stdout of echo words...",
      minArgs: 0,
      maxArgs: Infinity,
      create: (a) => echo(...a),
    }],
  ]);
}

// ------------------------------------------------------------------ validation

/** One task of a validated run: `args` hold {@link Ref}s where the body had `{ "ref": id }`. */
interface PlannedTask {
  readonly id: string;
  readonly fn: string;
  readonly entry: RegistryEntry;
  readonly args: unknown[];
}

/** A reference to an earlier task of the same run, by its index in the plan. */
class Ref {
  constructor(readonly index: number) {}
}

const ID_PATTERN = /^[\w.-]{1,64}$/;
/** How deep arguments may nest (the engine looks for futures down to 64 levels). */
const MAX_DEPTH = 32;

/** A short JSON rendering of a received value for error messages. */
function preview(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  if (s === undefined) s = String(v);
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
}

function bad(message: string): never {
  throw new TypeError(`Cannot start run as ${message}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Check a parsed body completely and turn it into a plan; throws (TypeError
 * or RangeError) before anything is created.
 */
function validate(body: unknown, registry: Registry, maxTasks: number): PlannedTask[] {
  if (!isPlainObject(body)) bad(`the body must be a JSON object: received ${preview(body)}`);
  for (const k of Object.keys(body)) {
    if (k !== "tasks") bad(`the body has an unknown field: received ${JSON.stringify(k)}`);
  }
  const tasks = body.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0) {
    bad(`'tasks' must be a non-empty array: received ${preview(tasks)}`);
  }
  if (tasks.length > maxTasks) {
    throw new RangeError(
      `Cannot start run as 'tasks' must hold at most ${maxTasks} tasks: received ${tasks.length}`,
    );
  }
  const index = new Map<string, number>();
  const plan: PlannedTask[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const t: unknown = tasks[i];
    const at = `tasks[${i}]`;
    if (!isPlainObject(t)) bad(`'${at}' must be an object: received ${preview(t)}`);
    for (const k of Object.keys(t)) {
      if (k !== "id" && k !== "fn" && k !== "args") {
        bad(`'${at}' has an unknown field: received ${JSON.stringify(k)}`);
      }
    }
    const id = t.id;
    if (typeof id !== "string" || !ID_PATTERN.test(id)) {
      bad(
        `'${at}.id' must be 1 to 64 letters, digits, '_', '.' or '-': received ${preview(id)}`,
      );
    }
    const first = index.get(id);
    if (first !== undefined) {
      bad(`task id '${id}' is used twice: received it at tasks[${first}] and ${at}`);
    }
    const fn = t.fn;
    if (typeof fn !== "string") {
      bad(`'${at}.fn' of task '${id}' must be a string: received ${preview(fn)}`);
    }
    const entry = registry.get(fn);
    if (entry === undefined) {
      bad(
        `task '${id}' names an unknown function (known: ${
          [...registry.keys()].join(", ")
        }): received ${JSON.stringify(fn)}`,
      );
    }
    const args = t.args ?? [];
    if (!Array.isArray(args)) {
      bad(`'${at}.args' of task '${id}' must be an array: received ${preview(args)}`);
    }
    if (args.length < entry.minArgs || args.length > entry.maxArgs) {
      const takes = entry.minArgs === entry.maxArgs
        ? `${entry.minArgs}`
        : entry.maxArgs === Infinity
        ? `at least ${entry.minArgs}`
        : `${entry.minArgs} to ${entry.maxArgs}`;
      throw new RangeError(
        `Cannot start run as task '${id}' calls '${fn}' with ${args.length} arguments but it takes ${takes}: received ${
          preview(args)
        }`,
      );
    }
    const resolveRef = (v: Record<string, unknown>, path: string): Ref => {
      const keys = Object.keys(v);
      if (keys.length !== 1) {
        bad(`the ref at ${path} of task '${id}' must have no other fields: received ${preview(v)}`);
      }
      const target = v.ref;
      if (typeof target !== "string") {
        bad(`the ref at ${path} of task '${id}' must be a task id: received ${preview(target)}`);
      }
      if (target === id) bad(`task '${id}' refers to itself at ${path}: received ${preview(v)}`);
      const j = index.get(target);
      if (j === undefined) {
        const later = tasks.slice(i + 1).some((x) => isPlainObject(x) && x.id === target);
        bad(
          later
            ? `task '${id}' refers at ${path} to task '${target}', which comes after it: received ${
              preview(v)
            }`
            : `task '${id}' refers at ${path} to an unknown task: received ${preview(v)}`,
        );
      }
      return new Ref(j);
    };
    const convert = (v: unknown, path: string, depth: number): unknown => {
      if (typeof v !== "object" || v === null) return v;
      if (depth > MAX_DEPTH) {
        bad(`the args of task '${id}' nest deeper than ${MAX_DEPTH} levels at ${path}`);
      }
      if (Array.isArray(v)) return v.map((x, k) => convert(x, `${path}[${k}]`, depth + 1));
      const o = v as Record<string, unknown>;
      if (Object.hasOwn(o, "ref")) return resolveRef(o, path);
      // fromEntries defines own properties, so a "__proto__" key stays a plain key
      return Object.fromEntries(
        Object.keys(o).map((k) => [k, convert(o[k], `${path}.${k}`, depth + 1)]),
      );
    };
    plan.push({ id, fn, entry, args: args.map((a, k) => convert(a, `args[${k}]`, 1)) });
    index.set(id, i);
  }
  return plan;
}

/** Replace {@link Ref}s by the futures they name (structure preserved). */
function bind(v: unknown, futures: readonly TaskFuture<unknown>[]): unknown {
  if (v instanceof Ref) return futures[v.index];
  if (Array.isArray(v)) return v.map((x) => bind(x, futures));
  if (isPlainObject(v)) {
    return Object.fromEntries(Object.keys(v).map((k) => [k, bind(v[k], futures)]));
  }
  return v;
}

// ------------------------------------------------------------------ runs

/** An error as sent to clients. */
export interface SerializedError {
  /** The error's class name. */
  name: string;
  /** Its message. */
  message: string;
  /** For a `DependencyFailureError`: the original error upstream. */
  rootCause?: SerializedError;
}

/** One task in the `result` event. */
export interface TaskResult {
  /** The task's engine uid. */
  uid: string;
  /** The registry name it called. */
  fn: string;
  /** Its final state. */
  state: TaskState;
  /** The value, when `DONE` (JSON; a value JSON cannot hold is sent as a string). */
  value?: unknown;
  /** The error, when `FAILED` or `CANCELLED`. */
  error?: SerializedError;
}

/** The data of the `result` event that ends a run's stream. */
export interface RunResult {
  /** The run's id (the workflow id of its tasks). */
  runId: string;
  /** `CANCELLED` if any task was cancelled, else `FAILED` if any failed, else `DONE`. */
  state: "DONE" | "FAILED" | "CANCELLED";
  /** Every task by its id in the request. */
  tasks: Record<string, TaskResult>;
}

/** Serialise an error as `{ name, message }` (plus the root cause of a dependency failure). */
export function serializeError(e: unknown): SerializedError {
  const out: SerializedError = e instanceof Error
    ? { name: e.name, message: e.message }
    : { name: "Error", message: String(e) };
  if (e instanceof DependencyFailureError) out.rootCause = serializeError(e.rootCause);
  return out;
}

function jsonSafe(v: unknown): unknown {
  try {
    return v === undefined ? null : JSON.parse(JSON.stringify(v) ?? "null");
  } catch {
    return String(v);
  }
}

const encoder = new TextEncoder();

/** One run in flight: its futures, its stream and its cancel switch. */
class Run {
  readonly id: string;
  readonly abort = new AbortController();
  #plan: PlannedTask[];
  #futures: TaskFuture<unknown>[] = [];
  #ids = new Map<string, string>();
  /** Events that arrive while the tasks are created (before the `run` event). */
  #buffer: FlowEvent[] | undefined = [];
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #open = true;
  #seq = 0;
  readonly stream: ReadableStream<Uint8Array>;

  constructor(id: string, plan: PlannedTask[]) {
    this.id = id;
    this.#plan = plan;
    this.stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#controller = c;
      },
      // the HTTP layer cancels the body when the client goes away
      cancel: () => {
        this.#open = false;
        this.cancel("client disconnected");
      },
    });
  }

  /** Create every task (inside the run's workflow scope), then wait for all to be final. */
  async execute(flow: WorkflowEngine): Promise<RunResult> {
    const context: RunContext = { runId: this.id, signal: this.abort.signal };
    await flow.workflowScope(this.id, async () => {
      try {
        for (const t of this.#plan) {
          const f = t.entry.create(t.args.map((a) => bind(a, this.#futures)), context);
          this.#futures.push(f);
          this.#ids.set(f.uid, t.id);
        }
      } catch (e) {
        // the engine shut down between validation and now, or a registry entry threw
        this.cancel(e);
        throw e;
      }
      this.#send("run", {
        runId: this.id,
        tasks: this.#plan.map((t, i) => ({ id: t.id, fn: t.fn, uid: this.#futures[i]!.uid })),
      });
      const early = this.#buffer ?? [];
      this.#buffer = undefined;
      for (const ev of early) this.onEvent(ev);
      await Promise.allSettled(this.#futures);
    });
    return this.#result();
  }

  /** A flow event of this run (routed here by workflow id). */
  onEvent(ev: FlowEvent): void {
    if (this.#buffer !== undefined) {
      this.#buffer.push(ev);
      return;
    }
    const data: Record<string, unknown> = {
      type: ev.type,
      taskId: this.#ids.get(ev.uid),
      uid: ev.uid,
      name: ev.name,
      time: ev.time,
      workflowId: ev.workflowId,
    };
    if (ev.backend !== undefined) data.backend = ev.backend;
    if (ev.error !== undefined) data.error = serializeError(ev.error);
    this.#send(ev.type, data);
  }

  /** Cancel every task of the run that is not final, then abort its signal. */
  cancel(reason: unknown): void {
    // futures first: once final, the engine ignores the failure the abort causes
    for (const f of this.#futures) f.cancel(reason);
    this.abort.abort(reason);
  }

  /** Send the result (if the client is still there) and end the stream. */
  finish(result: RunResult | undefined, error?: unknown): void {
    if (result !== undefined) this.#send("result", result);
    else this.#send("error", serializeError(error));
    if (this.#open) {
      this.#open = false;
      this.#controller!.close();
    }
  }

  #send(event: string, data: unknown): void {
    if (!this.#open) return;
    const msg = `id: ${++this.#seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.#controller!.enqueue(encoder.encode(msg));
  }

  #result(): RunResult {
    const tasks: Record<string, TaskResult> = {};
    let cancelled = false;
    let failed = false;
    this.#plan.forEach((t, i) => {
      const f = this.#futures[i]!;
      const r: TaskResult = { uid: f.uid, fn: t.fn, state: f.state };
      if (f.state === "DONE") r.value = jsonSafe(f.result);
      else r.error = serializeError(f.error);
      cancelled ||= f.state === "CANCELLED";
      failed ||= f.state === "FAILED";
      tasks[t.id] = r;
    });
    const state = cancelled ? "CANCELLED" : failed ? "FAILED" : "DONE";
    return { runId: this.id, state, tasks };
  }
}

// ------------------------------------------------------------------ handler

/** Options of {@link createRunHandler}. */
export interface RunHandlerOptions {
  /** The task functions runs may name. @default {defaultRegistry} */
  registry?: RegistryFactory;
  /** The most tasks one run may hold. @default {1000} */
  maxTasks?: number;
  /** The largest request body, in bytes. @default {1048576} */
  maxBodyBytes?: number;
}

/** The HTTP side of the server, for embedding in any `fetch`-style router. */
export interface RunHandler {
  /** Answer one request. */
  handle(request: Request): Promise<Response>;
  /** The ids of the runs in flight. */
  readonly activeRuns: readonly string[];
  /** The registry the runs name. */
  readonly registry: Registry;
  /**
   * Refuse new runs (503), cancel the runs in flight (their streams end
   * with a `CANCELLED` result) and wait until they have ended. Idempotent.
   */
  close(reason?: unknown): Promise<void>;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function errorResponse(status: number, e: unknown): Response {
  return json(status, { error: serializeError(e) });
}

/** Read the body as UTF-8 text; `undefined` when it is larger than `limit` bytes. */
async function readText(request: Request, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await request.body?.cancel();
    return undefined;
  }
  if (request.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(all);
}

function checkLimit(field: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new RangeError(
      `Cannot create run handler as '${field}' must be a positive integer: received ${preview(v)}`,
    );
  }
  return v;
}

/**
 * The request handler of the run server, on an engine you own (it is not
 * shut down by {@link RunHandler.close}).
 *
 * @param flow the engine every run executes on
 * @param options see {@link RunHandlerOptions}
 * @returns the handler
 * @throws {RangeError} for a bad limit
 *
 * @example
 * ```ts
 * import { createRunHandler } from "./server.ts";
 * import { WorkflowEngine } from "../mod.ts";
 *
 * await using flow = await WorkflowEngine.create();
 * const runs = createRunHandler(flow);
 * // e.g. under "/flow" in your own router: Deno.serve((req) => runs.handle(...))
 * const res = await runs.handle(
 *   new Request("http://localhost/runs", {
 *     method: "POST",
 *     body: JSON.stringify({ tasks: [{ id: "a", fn: "mul", args: [6, 7] }] }),
 *   }),
 * );
 * const text = await res.text();
 * console.assert(text.includes('"a":{"uid":"task.000001","fn":"mul","state":"DONE","value":42}'));
 * await runs.close();
 * ```
 */
export function createRunHandler(
  flow: WorkflowEngine,
  options: RunHandlerOptions = {},
): RunHandler {
  const maxTasks = checkLimit("maxTasks", options.maxTasks, 1000);
  const maxBodyBytes = checkLimit("maxBodyBytes", options.maxBodyBytes, 1 << 20);
  const registry = (options.registry ?? defaultRegistry)(flow);
  const runs = new Map<string, Run>();
  const ended = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;
  // one subscription for all runs, routed by workflow id
  const unsubscribe = flow.subscribe((ev) => {
    if (ev.workflowId !== undefined) runs.get(ev.workflowId)?.onEvent(ev);
  });

  async function startRun(request: Request): Promise<Response> {
    let text: string | undefined;
    try {
      text = await readText(request, maxBodyBytes);
    } catch (e) {
      return errorResponse(
        400,
        new TypeError(
          `Cannot start run as the body is not readable UTF-8 text: ${(e as Error).message}`,
        ),
      );
    }
    if (text === undefined) {
      return errorResponse(
        413,
        new RangeError(`Cannot start run as the body must be at most ${maxBodyBytes} bytes`),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      return errorResponse(
        400,
        new TypeError(
          `Cannot start run as the body is not valid JSON (${(e as Error).message}): received ${
            JSON.stringify(text.length > 80 ? text.slice(0, 77) + "..." : text)
          }`,
        ),
      );
    }
    let plan: PlannedTask[];
    try {
      plan = validate(body, registry, maxTasks);
    } catch (e) {
      return errorResponse(400, e);
    }
    if (closing !== undefined) {
      return errorResponse(503, new Error("Cannot start run as the server is shutting down"));
    }

    const run = new Run(`run-${crypto.randomUUID()}`, plan);
    runs.set(run.id, run);
    const done = run.execute(flow).then(
      (result) => run.finish(result),
      (e) => run.finish(undefined, e),
    ).finally(() => {
      runs.delete(run.id);
      ended.delete(done);
    });
    ended.add(done);
    return new Response(run.stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-run-id": run.id,
      },
    });
  }

  async function handle(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const allow = (method: string) =>
      errorResponse(
        405,
        new TypeError(`Cannot ${request.method} ${pathname} as it only allows ${method}`),
      );
    switch (pathname) {
      case "/runs":
        return request.method === "POST" ? await startRun(request) : allow("POST");
      case "/health":
        return request.method === "GET"
          ? json(200, {
            engine: flow.uid,
            closing: closing !== undefined,
            activeRuns: runs.size,
            stats: flow.stats() satisfies EngineStats,
          })
          : allow("GET");
      case "/tasks":
        return request.method === "GET"
          ? json(
            200,
            Object.fromEntries(
              [...registry].map(([name, e]) => [name, {
                description: e.description,
                minArgs: e.minArgs,
                maxArgs: e.maxArgs === Infinity ? null : e.maxArgs,
              }]),
            ),
          )
          : allow("GET");
      default:
        return errorResponse(
          404,
          new TypeError(`Cannot find ${pathname} as it is not one of /runs, /tasks, /health`),
        );
    }
  }

  return {
    handle,
    get activeRuns() {
      return [...runs.keys()];
    },
    registry,
    close(reason = "server shutting down") {
      closing ??= (async () => {
        for (const run of runs.values()) run.cancel(reason);
        await Promise.allSettled([...ended]);
        unsubscribe();
      })();
      return closing;
    },
  };
}

// ------------------------------------------------------------------ server

/** Options of {@link createServer}. */
export interface ServerOptions extends RunHandlerOptions {
  /** The port; 0 picks a free one. @default {8000} */
  port?: number;
  /** The interface to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** Run on this engine (not shut down with the server). @default {a new inline engine} */
  engine?: WorkflowEngine;
  /** Called once listening. */
  onListen?: (url: string) => void;
}

/** A running server. */
export interface RunServer extends AsyncDisposable {
  /** Where it listens, e.g. `http://127.0.0.1:8000`. */
  readonly url: string;
  /** The one engine every run executes on. */
  readonly engine: WorkflowEngine;
  /** The request handler. */
  readonly handler: RunHandler;
  /**
   * Cancel the runs in flight (their streams end with a `CANCELLED`
   * result), stop listening, and shut the engine down if the server created
   * it. Idempotent.
   */
  shutdown(): Promise<void>;
}

/**
 * Start the run server: one engine, many concurrent runs over HTTP.
 *
 * @param options see {@link ServerOptions}
 * @returns the running server
 * @throws {RangeError} for a bad limit
 *
 * @example
 * ```ts
 * import { createServer } from "./server.ts";
 *
 * await using server = await createServer({ port: 0 });
 * const res = await fetch(`${server.url}/runs`, {
 *   method: "POST",
 *   body: JSON.stringify({ tasks: [{ id: "a", fn: "add", args: [1, 2] }] }),
 * });
 * const text = await res.text(); // event: run, the flow events, event: result
 * console.assert(text.endsWith('"state":"DONE","value":3}}}\n\n'));
 * ```
 */
export async function createServer(options: ServerOptions = {}): Promise<RunServer> {
  const owned = options.engine === undefined;
  const engine = options.engine ?? await WorkflowEngine.create();
  let handler: RunHandler;
  try {
    const { registry, maxTasks, maxBodyBytes } = options;
    handler = createRunHandler(engine, {
      ...(registry !== undefined && { registry }),
      ...(maxTasks !== undefined && { maxTasks }),
      ...(maxBodyBytes !== undefined && { maxBodyBytes }),
    });
  } catch (e) {
    if (owned) await engine.shutdown();
    throw e;
  }
  const hostname = options.hostname ?? "127.0.0.1";
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { port: options.port ?? 8000, hostname, onListen: () => {} },
      handler.handle,
    );
  } catch (e) {
    // e.g. the port is taken: leave nothing running
    await handler.close();
    if (owned) await engine.shutdown();
    throw e;
  }
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `http://${host}:${server.addr.port}`;
  options.onListen?.(url);
  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    stopping ??= (async () => {
      await handler.close();
      await server.shutdown();
      if (owned) await engine.shutdown();
    })();
  return { url, engine, handler, shutdown, [Symbol.asyncDispose]: shutdown };
}

function portFromEnv(): string | undefined {
  const granted = Deno.permissions.querySync({ name: "env", variable: "PORT" }).state;
  return granted === "granted" ? Deno.env.get("PORT") : undefined;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { port: { type: "string" }, hostname: { type: "string" } },
  });
  const portText = values.port ?? portFromEnv() ?? "8000";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`Cannot start server as the port must be 0 to 65535: received ${portText}`);
    Deno.exit(2);
  }
  const server = await createServer({
    port,
    ...(values.hostname !== undefined && { hostname: values.hostname }),
    onListen: (url) => {
      console.log(`asyncflow run server on ${url} (POST /runs, GET /tasks, GET /health)`);
      console.log(
        `try: curl -N ${url}/runs -d '{"tasks":[{"id":"a","fn":"add","args":[1,2]},` +
          `{"id":"b","fn":"mul","args":[{"ref":"a"},10]}]}'`,
      );
    },
  });
  const stop = () => {
    console.log("shutting down: cancelling runs in flight");
    server.shutdown().then(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
