/**
 * A run server: `Deno.serve` and the library's run handler
 * (`createRunHandler` from the package's `./server` entry, `src/server.ts`)
 * on one long-lived engine, with a few task functions runs may name. Clients
 * post workflow runs as JSON and each run's events stream back as
 * Server-Sent Events; see `src/server.ts` for the endpoints and the body.
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
import { WorkflowEngine } from "../mod.ts";
import {
  createRunHandler,
  type Registry,
  type RegistryEntry,
  type RunHandler,
  type RunHandlerOptions,
} from "../src/server.ts";

// ------------------------------------------------------------------ task functions

/** The longest `sleep` a run may ask for, in ms. */
export const MAX_SLEEP_MS = 600_000;

/** A received value as JSON, cut to 80 characters (for error messages). */
function preview(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  s ??= String(v);
  return s.length > 80 ? s.slice(0, 79) + "…" : s;
}

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
 * import { defaultRegistry } from "./server.ts";
 * import { createRunHandler, type Registry } from "../src/server.ts";
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

// ------------------------------------------------------------------ server

/** Options of {@link createServer}. */
export interface ServerOptions extends Omit<RunHandlerOptions, "registry"> {
  /** The task functions runs may name. @default {defaultRegistry} */
  registry?: RunHandlerOptions["registry"];
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
 * @throws {TypeError} for a bad registry or base path
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
    const { registry, maxTasks, maxBodyBytes, basePath } = options;
    handler = createRunHandler(engine, {
      registry: registry ?? defaultRegistry,
      ...(maxTasks !== undefined && { maxTasks }),
      ...(maxBodyBytes !== undefined && { maxBodyBytes }),
      ...(basePath !== undefined && { basePath }),
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
