/**
 * The agent that {@link SlurmBackend} starts with `srun` on a node of its
 * allocation to run function tasks, and the wire protocol between the two.
 *
 * ## Start
 *
 * ```
 *  deno run -A agent.ts <host> <port> <agent id>     (token in env ASYNCFLOW_AGENT_TOKEN)
 * ```
 *
 * The agent connects to the engine over TCP, says `hello` with the token and
 * then runs what it is sent until the connection closes, when it exits.
 *
 * ## Frames
 *
 * Each frame is a 4-byte big-endian length, then a `node:v8` serialisation
 * (the structured-clone format: what `structuredClone` accepts crosses —
 * primitives, BigInt, plain objects, arrays, Map, Set, Date, RegExp, typed
 * arrays, errors; not functions, symbols or class instances' prototypes).
 *
 * ```
 *  agent ── hello {token, agent, node, pid} ──────────────────────────► engine
 *  agent ◄── run {defs: [[fnId, shipped]...], tasks: [id, fnId, args, ...]} ── engine
 *  agent ── report {started: [id...], results: [id, status, payload, ...]} ──► engine
 * ```
 *
 * Many tasks travel per `run` and many results per `report`. A function is
 * defined once per agent (`defs`); tasks name it by `fnId`. The agent reports
 * the tasks of a `run` as started (one frame, written before the first call)
 * unless their function is known to return fast (its result then implies the start),
 * then calls them; results are collected and sent once per macrotask.
 * Tasks on one agent share its event loop: async functions overlap, a
 * synchronous one blocks the others of that agent until it returns.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import v8 from "node:v8";
import { explainLoadError, loadFunction, type ShippedFunction } from "../../ship.ts";

/** Result status codes in a `report`. */
export const ResultStatus = {
  /** payload: the value */
  OK: 0,
  /** payload: a {@link ThrownValue} */
  THREW: 1,
  /** payload: the message of the error that kept the value from crossing */
  UNSENDABLE: 2,
} as const;

/** A thrown value in a form that survives serialisation. */
export type ThrownValue =
  | {
    readonly error: true;
    readonly name: string;
    readonly message: string;
    readonly stack: string | undefined;
  }
  | { readonly error: false; readonly value: unknown };

/** Engine → agent. */
export type ToAgent = {
  readonly t: "run";
  readonly defs: [number, ShippedFunction][];
  readonly tasks: unknown[];
};

/** Agent → engine. */
export type FromAgent =
  | {
    readonly t: "hello";
    readonly token: string;
    readonly agent: number;
    readonly node: string;
    readonly pid: number;
  }
  | { readonly t: "report"; readonly started: number[]; readonly results: unknown[] };

/** A synchronous call at least this long (ms) makes a function "slow". */
const FAST_CALL_MS = 1;

/** A function defined on this agent. */
interface FnRecord {
  readonly shipped: ShippedFunction;
  fn: ((...args: unknown[]) => unknown) | undefined;
  readonly loading: Promise<(...args: unknown[]) => unknown>;
  fast: boolean;
}

/** Largest frame either side accepts (bytes). */
export const MAX_FRAME = 1 << 30;

/**
 * Encodes one frame.
 *
 * @param message the message
 * @returns length prefix and payload
 * @throws {Error} when the message cannot be serialised
 */
export function encodeFrame(message: unknown): Uint8Array {
  const body = v8.serialize(message);
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setUint32(0, body.length);
  frame.set(body, 4);
  return frame;
}

/**
 * Splits a byte stream into decoded frames. Feed it chunks; it calls
 * `onFrame` for every complete frame.
 */
export class FrameReader {
  #buffer = new Uint8Array(0);
  readonly #onFrame: (message: unknown) => void;

  /** @param onFrame called with each decoded message */
  constructor(onFrame: (message: unknown) => void) {
    this.#onFrame = onFrame;
  }

  /**
   * Adds bytes.
   *
   * @param chunk the bytes read
   * @throws {RangeError} on a frame longer than {@link MAX_FRAME}
   */
  push(chunk: Uint8Array): void {
    let buf: Uint8Array;
    if (this.#buffer.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.#buffer.length + chunk.length);
      buf.set(this.#buffer);
      buf.set(chunk, this.#buffer.length);
    }
    let at = 0;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (buf.length - at >= 4) {
      const len = view.getUint32(at);
      if (len > MAX_FRAME) {
        throw new RangeError(
          `Cannot read frame as its length exceeds ${MAX_FRAME}: received ${len}`,
        );
      }
      if (buf.length - at - 4 < len) break;
      const body = buf.subarray(at + 4, at + 4 + len);
      at += 4 + len;
      this.#onFrame(v8.deserialize(Buffer.from(body.buffer, body.byteOffset, body.byteLength)));
    }
    // Copy the rest: `chunk` may be reused by the reader.
    this.#buffer = buf.slice(at);
  }
}

/**
 * Serialises a thrown value keeping its name, message and stack.
 *
 * @param value what was thrown
 * @returns a cloneable form
 */
export function toThrownValue(value: unknown): ThrownValue {
  if (value instanceof Error) {
    return {
      error: true,
      name: String(value.name),
      message: String(value.message),
      stack: typeof value.stack === "string" ? value.stack : undefined,
    };
  }
  try {
    v8.serialize(value);
    return { error: false, value };
  } catch {
    return { error: false, value: String(value) };
  }
}

/**
 * Rebuilds a thrown value: an `Error` with the original name, message and
 * stack, or the thrown non-error value itself.
 *
 * @param thrown the cloneable form
 * @returns the value to fail the task with
 */
export function fromThrownValue(thrown: ThrownValue): unknown {
  if (!thrown.error) return thrown.value;
  const error = new Error(thrown.message);
  error.name = thrown.name;
  if (thrown.stack !== undefined) error.stack = thrown.stack;
  return error;
}

/** Writes frames in order on one connection. */
class Writer {
  #chain: Promise<void> = Promise.resolve();
  readonly #conn: Deno.Conn;
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  write(bytes: Uint8Array): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      let at = 0;
      while (at < bytes.length) at += await this.#conn.write(bytes.subarray(at));
    });
    return this.#chain;
  }
}

async function runAgent(host: string, port: number, agentId: number, token: string): Promise<void> {
  const conn = await Deno.connect({ hostname: host, port });
  conn.setNoDelay(true);
  const writer = new Writer(conn);
  const fns = new Map<number, FnRecord>();
  let results: unknown[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (results.length === 0) return;
    const batch = results;
    results = [];
    let frame: Uint8Array;
    try {
      frame = encodeFrame({ t: "report", started: [], results: batch });
    } catch {
      // One value cannot cross: find it, send the rest.
      const safe: unknown[] = [];
      for (let i = 0; i < batch.length; i += 3) {
        const triple = [batch[i], batch[i + 1], batch[i + 2]];
        try {
          v8.serialize(triple);
          safe.push(...triple);
        } catch (error) {
          safe.push(
            batch[i],
            ResultStatus.UNSENDABLE,
            error instanceof Error ? error.message : String(error),
          );
        }
      }
      frame = encodeFrame({ t: "report", started: [], results: safe });
    }
    void writer.write(frame).catch(() => Deno.exit(0));
  };
  const report = (id: number, status: number, payload: unknown): void => {
    results.push(id, status, payload);
    flushTimer ??= setTimeout(flush, 0);
  };
  const threw = (record: FnRecord, id: number, error: unknown): void => {
    report(id, ResultStatus.THREW, toThrownValue(explainLoadError(record.shipped, error)));
  };

  /** Calls a loaded function; a synchronous outcome is reported at once. */
  const call = (
    record: FnRecord,
    fn: (...args: unknown[]) => unknown,
    id: number,
    args: unknown[],
  ) => {
    const t0 = performance.now();
    let value: unknown;
    try {
      value = fn(...args);
    } catch (error) {
      threw(record, id, error);
      return;
    } finally {
      // A function stays "fast" while every synchronous part takes under
      // FAST_CALL_MS: its tasks need no start notice (the result follows).
      if (performance.now() - t0 >= FAST_CALL_MS) record.fast = false;
    }
    if (value !== null && typeof (value as { then?: unknown })?.then === "function") {
      (value as PromiseLike<unknown>).then(
        (v) => report(id, ResultStatus.OK, v),
        (error) => threw(record, id, error),
      );
    } else {
      report(id, ResultStatus.OK, value);
    }
  };

  const onMessage = async (message: unknown): Promise<void> => {
    const m = message as ToAgent;
    if (m.t !== "run") return;
    for (const [fnId, shipped] of m.defs) {
      const record: FnRecord = {
        shipped,
        fn: undefined,
        loading: loadFunction(shipped),
        fast: false,
      };
      record.loading.then((fn) => {
        record.fn = fn;
        record.fast = true;
      }, () => {});
      fns.set(fnId, record);
    }
    // Tasks of functions not known to be fast are reported started before
    // any call: a long synchronous task is then RUNNING on the engine side
    // while it blocks this loop.
    const started: number[] = [];
    for (let i = 0; i < m.tasks.length; i += 3) {
      const record = fns.get(m.tasks[i + 1] as number);
      if (record?.fn === undefined || !record.fast) started.push(m.tasks[i] as number);
    }
    if (started.length > 0) await writer.write(encodeFrame({ t: "report", started, results: [] }));
    for (let i = 0; i < m.tasks.length; i += 3) {
      const id = m.tasks[i] as number;
      const args = m.tasks[i + 2] as unknown[];
      const record = fns.get(m.tasks[i + 1] as number);
      if (record === undefined) {
        report(
          id,
          ResultStatus.THREW,
          toThrownValue(new Error("Cannot run task as its function is not defined")),
        );
      } else if (record.fn !== undefined) {
        call(record, record.fn, id, args);
      } else {
        record.loading.then(
          (fn) => call(record, fn, id, args),
          (error) => threw(record, id, error),
        );
      }
    }
    flush();
  };

  let inbox: Promise<void> = Promise.resolve();
  const reader = new FrameReader((message) => {
    inbox = inbox.then(() => onMessage(message));
  });
  await writer.write(
    encodeFrame({
      t: "hello",
      token,
      agent: agentId,
      node: Deno.env.get("SLURMD_NODENAME") ?? Deno.hostname(),
      pid: Deno.pid,
    }),
  );
  try {
    for await (const chunk of conn.readable) reader.push(chunk);
  } catch {
    // Connection reset: the engine is gone.
  }
  Deno.exit(0);
}

if (import.meta.main) {
  const [host, port, agent] = Deno.args;
  const token = Deno.env.get("ASYNCFLOW_AGENT_TOKEN");
  if (host === undefined || port === undefined || agent === undefined || token === undefined) {
    console.error("Usage: ASYNCFLOW_AGENT_TOKEN=<token> agent.ts <host> <port> <agent id>");
    Deno.exit(2);
  }
  Deno.env.delete("ASYNCFLOW_AGENT_TOKEN");
  await runAgent(host, Number(port), Number(agent), token);
}
