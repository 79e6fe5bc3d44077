/**
 * The run server's request handler, for embedding asyncflow in an HTTP
 * server: clients post workflow runs as JSON, and each run's events stream
 * back as Server-Sent Events while it executes on one long-lived engine.
 *
 * ```ts ignore
 * import { WorkflowEngine } from "@asyncflow/deno";
 * import { createRunHandler } from "@asyncflow/deno/server";
 * ```
 *
 * A run names task functions from a {@link Registry} you define once at
 * start-up; arguments may refer to earlier tasks of the same run with
 * `{ "ref": "<task id>" }`, anywhere inside nested arrays and objects, which
 * makes them dependencies. Each run executes in its own `workflowScope`, so
 * its events carry the run's id and many runs share the engine without
 * seeing each other.
 *
 * Endpoints (paths as the handler sees them; mount it under any prefix by
 * rewriting the request's URL):
 * - `POST /runs` — body `{ "tasks": [{ "id", "fn", "args"? }, ...] }`. The
 *   whole body is validated before any task is created: a malformed body
 *   gets `400 { "error": { "name", "message" } }` (`413` when it is too
 *   large). Otherwise the response is `text/event-stream`: `event: run` (the
 *   run id and the uid of each task), one event per {@link FlowEvent} of the
 *   run's tasks (the SSE event name is the flow event type: `TaskCreated` ...
 *   `TaskCompleted`/`TaskFailed`/`TaskCancelled`), then `event: result` with
 *   every task's state and value or error ({@link RunResult}), and the stream
 *   ends. A client that disconnects gets its run cancelled; other runs are not
 *   affected.
 * - `GET /tasks` — the registered task functions.
 * - `GET /health` — the engine's task counts and the number of active runs.
 *
 * `examples/server.ts` wires it to `Deno.serve` with a few task functions.
 *
 * @module
 */
import { capText, received, receivedJSON } from "./_text.ts";
import type { EngineStats, WorkflowEngine } from "./engine.ts";
import { DependencyFailureError } from "./errors.ts";
import type { FlowEvent } from "./events.ts";
import type { TaskFuture, TaskState } from "./future.ts";

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

/**
 * Defines a registry's task functions on an engine (called once, by
 * {@link createRunHandler}).
 */
export type RegistryFactory = (flow: WorkflowEngine) => Registry;

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
  if (!isPlainObject(body)) bad(`the body must be a JSON object: ${receivedJSON(body)}`);
  for (const k of Object.keys(body)) {
    if (k !== "tasks") bad(`the body has an unknown field: ${receivedJSON(k)}`);
  }
  const tasks = body.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0) {
    bad(`'tasks' must be a non-empty array: ${receivedJSON(tasks)}`);
  }
  if (tasks.length > maxTasks) {
    throw new RangeError(
      `Cannot start run as 'tasks' must hold at most ${maxTasks} tasks: ${received(tasks.length)}`,
    );
  }
  const index = new Map<string, number>();
  const plan: PlannedTask[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const t: unknown = tasks[i];
    const at = `tasks[${i}]`;
    if (!isPlainObject(t)) bad(`'${at}' must be an object: ${receivedJSON(t)}`);
    for (const k of Object.keys(t)) {
      if (k !== "id" && k !== "fn" && k !== "args") {
        bad(`'${at}' has an unknown field: ${receivedJSON(k)}`);
      }
    }
    const id = t.id;
    if (typeof id !== "string" || !ID_PATTERN.test(id)) {
      bad(
        `'${at}.id' must be 1 to 64 letters, digits, '_', '.' or '-': ${receivedJSON(id)}`,
      );
    }
    const first = index.get(id);
    if (first !== undefined) {
      bad(`task id '${id}' is used twice: received it at tasks[${first}] and ${at}`);
    }
    const fn = t.fn;
    if (typeof fn !== "string") {
      bad(`'${at}.fn' of task '${id}' must be a string: ${receivedJSON(fn)}`);
    }
    const entry = registry.get(fn);
    if (entry === undefined) {
      bad(
        `task '${id}' names an unknown function (known: ${[...registry.keys()].join(", ")}): ${
          receivedJSON(fn)
        }`,
      );
    }
    const args = t.args ?? [];
    if (!Array.isArray(args)) {
      bad(`'${at}.args' of task '${id}' must be an array: ${receivedJSON(args)}`);
    }
    if (args.length < entry.minArgs || args.length > entry.maxArgs) {
      const takes = entry.minArgs === entry.maxArgs
        ? `${entry.minArgs}`
        : entry.maxArgs === Infinity
        ? `at least ${entry.minArgs}`
        : `${entry.minArgs} to ${entry.maxArgs}`;
      throw new RangeError(
        `Cannot start run as task '${id}' calls '${fn}' with ${args.length} arguments but it takes ${takes}: ${
          receivedJSON(args)
        }`,
      );
    }
    const resolveRef = (v: Record<string, unknown>, path: string): Ref => {
      const keys = Object.keys(v);
      if (keys.length !== 1) {
        bad(`the ref at ${path} of task '${id}' must have no other fields: ${receivedJSON(v)}`);
      }
      const target = v.ref;
      if (typeof target !== "string") {
        bad(`the ref at ${path} of task '${id}' must be a task id: ${receivedJSON(target)}`);
      }
      if (target === id) bad(`task '${id}' refers to itself at ${path}: ${receivedJSON(v)}`);
      const j = index.get(target);
      if (j === undefined) {
        const later = tasks.slice(i + 1).some((x) => isPlainObject(x) && x.id === target);
        bad(
          later
            ? `task '${id}' refers at ${path} to task '${target}', which comes after it: ${
              receivedJSON(v)
            }`
            : `task '${id}' refers at ${path} to an unknown task: ${receivedJSON(v)}`,
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
  /**
   * The task functions runs may name: a map from name to entry, or a
   * function that defines them on the engine and returns the map (called
   * once). Nothing runs that is not in it.
   */
  registry: Registry | RegistryFactory;
  /** The most tasks one run may hold. @default {1000} */
  maxTasks?: number;
  /** The largest request body, in bytes. @default {1048576} */
  maxBodyBytes?: number;
  /**
   * A path prefix the endpoints live under, e.g. `"/flow"` for
   * `POST /flow/runs`: starts with `/`, does not end with one.
   * @default {""}
   */
  basePath?: string;
}

/** The HTTP side of the server, for embedding in any `fetch`-style router. */
export interface RunHandler {
  /** Answer one request (a bound function: `Deno.serve(runs.handle)` works). */
  readonly handle: (request: Request) => Promise<Response>;
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

/** The registry, checked entry by entry. */
function checkRegistry(flow: WorkflowEngine, given: unknown): Registry {
  const action = "Cannot create run handler as";
  const registry = typeof given === "function" ? (given as RegistryFactory)(flow) : given;
  if (!(registry instanceof Map)) {
    throw new TypeError(
      `${action} 'registry' must be a Map of task entries or a function of the engine that returns one: ${
        received(registry)
      }`,
    );
  }
  for (const [name, e] of registry as Map<unknown, unknown>) {
    const where = `'registry' entry ${capText(JSON.stringify(name), 100)}`;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `${action} a 'registry' name must be a non-empty string: ${received(name)}`,
      );
    }
    if (typeof e !== "object" || e === null) {
      throw new TypeError(`${action} ${where} must be an object: ${received(e)}`);
    }
    const { description, minArgs, maxArgs, create } = e as Partial<RegistryEntry>;
    if (typeof create !== "function") {
      throw new TypeError(`${action} ${where} must have a 'create' function: ${received(create)}`);
    }
    if (typeof description !== "string") {
      throw new TypeError(
        `${action} ${where} must have a 'description' string: ${received(description)}`,
      );
    }
    if (typeof minArgs !== "number" || !Number.isInteger(minArgs) || minArgs < 0) {
      throw new RangeError(
        `${action} ${where} must have a non-negative integer 'minArgs': ${received(minArgs)}`,
      );
    }
    if (
      typeof maxArgs !== "number" ||
      !(Number.isInteger(maxArgs) || maxArgs === Infinity) || maxArgs < minArgs
    ) {
      throw new RangeError(
        `${action} ${where} must have an integer 'maxArgs' >= minArgs (${minArgs}), or Infinity: ${
          received(maxArgs)
        }`,
      );
    }
  }
  return registry as Registry;
}

function checkBasePath(v: unknown): string {
  if (v === undefined) return "";
  if (typeof v !== "string" || (v !== "" && (!v.startsWith("/") || v.endsWith("/")))) {
    throw new TypeError(
      `Cannot create run handler as 'basePath' must be "" or a path that starts and does not end with '/': ${
        received(v)
      }`,
    );
  }
  return v;
}

function checkLimit(field: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new RangeError(
      `Cannot create run handler as '${field}' must be a positive integer: ${received(v)}`,
    );
  }
  return v;
}

/**
 * The request handler of a run server, on an engine you own (it is not
 * shut down by {@link RunHandler.close}): pass `handle` to `Deno.serve`, or
 * call it from your own router.
 *
 * @param flow the engine every run executes on
 * @param options the registry of task functions runs may name, limits and a base path
 * @returns the handler
 * @throws {TypeError} for a missing or malformed registry, or a bad base path
 * @throws {RangeError} for a bad limit or an entry's bad argument counts
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { createRunHandler, type Registry } from "./server.ts";
 * import { WorkflowEngine } from "../mod.ts";
 *
 * await using flow = await WorkflowEngine.create();
 * // arguments are the client's JSON: a task checks what it relies on
 * const mul = flow.functionTask((a: unknown, b: unknown) => Number(a) * Number(b), { name: "mul" });
 * const registry: Registry = new Map([
 *   ["mul", { description: "a * b", minArgs: 2, maxArgs: 2, create: (a) => mul(a[0], a[1]) }],
 * ]);
 * const runs = createRunHandler(flow, { registry, basePath: "/flow" });
 * // in your server: Deno.serve(runs.handle), or from a route of your router
 * const res = await runs.handle(
 *   new Request("http://localhost/flow/runs", {
 *     method: "POST",
 *     body: JSON.stringify({
 *       tasks: [{ id: "a", fn: "mul", args: [6, 7] }, { id: "b", fn: "mul", args: [{ ref: "a" }, 2] }],
 *     }),
 *   }),
 * );
 * // event: run, each task's events, then event: result
 * assertStringIncludes(await res.text(), '"b":{"uid":"task.000002","fn":"mul","state":"DONE","value":84}');
 * await runs.close();
 * ```
 */
export function createRunHandler(
  flow: WorkflowEngine,
  options: RunHandlerOptions,
): RunHandler {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create run handler as 'options' must be an object with a 'registry': ${
        received(options)
      }`,
    );
  }
  const maxTasks = checkLimit("maxTasks", options.maxTasks, 1000);
  const maxBodyBytes = checkLimit("maxBodyBytes", options.maxBodyBytes, 1 << 20);
  const base = checkBasePath(options.basePath);
  const registry = checkRegistry(flow, options.registry);
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
          `Cannot start run as the body is not valid JSON (${(e as Error).message}): ${
            receivedJSON(text)
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

  // an arrow, so that `Deno.serve(runs.handle)` works unbound
  const handle = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    const allow = (method: string) =>
      errorResponse(
        405,
        new TypeError(
          `Cannot ${capText(request.method, 20)} ${
            capText(pathname, 200)
          } as it only allows ${method}`,
        ),
      );
    const route = pathname.startsWith(base + "/") ? pathname.slice(base.length) : "";
    switch (route) {
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
          new TypeError(
            `Cannot find ${capText(pathname, 200)} as it is not one of ${
              ["/runs", "/tasks", "/health"].map((r) => base + r).join(", ")
            }`,
          ),
        );
    }
  };

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
