/**
 * The remote-execution protocol on its own: the thrown-value codec, function
 * ids, framing, the host's priority queue, and the runtime driven by messages
 * (no worker, no process).
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertNotStrictEquals,
  assertStrictEquals,
} from "@std/assert";
import v8 from "node:v8";
import { Buffer } from "node:buffer";
import {
  BackendError,
  CancelledError,
  DependencyFailureError,
  ExecutableError,
  TaskTimeoutError,
} from "../src/errors.ts";
import {
  decodeThrown,
  encodeThrown,
  type FromRuntime,
  FunctionIds,
  Status,
  type Thrown,
} from "../src/remote/protocol.ts";
import { encodeFrame, FrameReader } from "../src/remote/frames.ts";
import { PriorityQueue } from "../src/remote/_queue.ts";
import { TaskRuntime } from "../src/remote/runtime.ts";
import { shipFunction } from "../src/ship.ts";

/** Through both transports' formats: a structured clone and a node:v8 round trip. */
function roundTrips<T>(value: T): T[] {
  const t = encodeThrown(value);
  const viaClone = decodeThrown(structuredClone(t));
  const viaV8 = decodeThrown(v8.deserialize(Buffer.from(v8.serialize(t))) as Thrown);
  return [viaClone, viaV8] as T[];
}

Deno.test("encodeThrown() keeps built-in classes, message, stack, cause and fields", () => {
  const inner = new TypeError("the root");
  const e = Object.assign(new RangeError("out of range", { cause: inner }), { code: "E1" });
  for (const back of roundTrips(e)) {
    assertInstanceOf(back, RangeError);
    assertEquals(back.message, "out of range");
    assertEquals(back.name, "RangeError");
    assertEquals(back.stack, e.stack);
    assertEquals((back as Error & { code: string }).code, "E1");
    assertInstanceOf(back.cause, TypeError);
    assertEquals((back.cause as Error).message, "the root");
  }
  for (const Ctor of [Error, TypeError, ReferenceError, SyntaxError, EvalError, URIError]) {
    for (const back of roundTrips(new Ctor("x"))) assertInstanceOf(back, Ctor);
  }
  const agg = new AggregateError([new RangeError("a"), "b"], "several");
  for (const back of roundTrips(agg)) {
    assertInstanceOf(back, AggregateError);
    assertInstanceOf(back.errors[0], RangeError);
    assertEquals(back.errors[1], "b");
  }
  const dom = new DOMException("stopped", "AbortError");
  for (const back of roundTrips(dom)) {
    assertInstanceOf(back, DOMException);
    assertEquals([back.name, back.message], ["AbortError", "stopped"]);
  }
});

Deno.test("encodeThrown() keeps a subclass as its nearest built-in class with its own name", () => {
  class QuotaError extends RangeError {
    readonly limit = 3;
    constructor() {
      super("over quota");
      this.name = "QuotaError";
    }
  }
  for (const back of roundTrips(new QuotaError())) {
    assertInstanceOf(back, RangeError);
    assertEquals([back.name, back.message, (back as { limit?: number }).limit], [
      "QuotaError",
      "over quota",
      3,
    ]);
  }
});

Deno.test("encodeThrown() keeps this library's error classes and their fields", () => {
  for (const back of roundTrips(new TaskTimeoutError(250, "t"))) {
    assertInstanceOf(back, TaskTimeoutError);
    assertEquals([back.timeout, back.message, back.name], [
      250,
      "Task 't' timed out after 250 ms",
      "TaskTimeoutError",
    ]);
  }
  for (const back of roundTrips(new CancelledError({ why: "enough" }, "task.000001"))) {
    assertInstanceOf(back, CancelledError);
    assertEquals(back.reason, { why: "enough" });
  }
  const ex = new ExecutableError({
    exitCode: 3,
    signal: null,
    stdout: "o",
    stderr: "e",
    command: ["sh", "-c", "exit 3"],
  });
  for (const back of roundTrips(ex)) {
    assertInstanceOf(back, ExecutableError);
    assertEquals([back.exitCode, back.signal, back.stdout, back.stderr, back.command], [
      3,
      null,
      "o",
      "e",
      ["sh", "-c", "exit 3"],
    ]);
    assertEquals(back.message, ex.message);
  }
  const be = new BackendError("slurm", "gone", { cause: new Error("why") });
  for (const back of roundTrips(be)) {
    assertInstanceOf(back, BackendError);
    assertEquals(back.backend, "slurm");
    assertInstanceOf(back.cause, Error);
  }
  const root = new RangeError("root");
  const dfe = new DependencyFailureError("b", [{ uid: "task.000001", name: "a" }], root);
  for (const back of roundTrips(dfe)) {
    assertInstanceOf(back, DependencyFailureError);
    assertEquals(back.failedDependencies, [{ uid: "task.000001", name: "a" }]);
    assertInstanceOf(back.rootCause, RangeError);
    assertInstanceOf(back.cause, RangeError);
  }
});

Deno.test("encodeThrown() keeps the fields of a thrown value that is not an Error", () => {
  for (const back of roundTrips({ code: 42, detail: { at: [1, 2] } })) {
    assertEquals(back, { code: 42, detail: { at: [1, 2] } });
  }
  for (const back of roundTrips("plain string")) assertEquals(back, "plain string");
  for (const back of roundTrips(undefined)) assertEquals(back, undefined);
  for (const back of roundTrips(Symbol("s"))) assertEquals(back, "Symbol(s)");
  // what cannot be cloned is kept as text, the rest as it was
  for (const back of roundTrips({ code: 7, retry() {} })) {
    assertEquals((back as { code: number }).code, 7);
    assertEquals(typeof (back as { retry: unknown }).retry, "string");
  }
  for (const back of roundTrips(Object.assign(new Error("with fn"), { hook: () => 1 }))) {
    assertInstanceOf(back, Error);
    assertEquals(typeof (back as { hook: unknown }).hook, "string");
  }
});

Deno.test("encodeThrown() stops at a cause chain that loops", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  for (const back of roundTrips(a)) {
    let e: unknown = back;
    let depth = 0;
    while (e instanceof Error && depth < 20) {
      e = e.cause;
      depth++;
    }
    assert(depth < 20, "the cause chain did not end");
  }
});

Deno.test("FunctionIds.define() reuses an id for the same text or module export only", () => {
  const ids = new FunctionIds();
  const make = () =>
    function f(x: number) {
      return x + 1;
    };
  const other = function f(x: number) {
    return x + 2;
  };
  const a = ids.define(make(), undefined);
  assertEquals(ids.define(make(), undefined).id, a.id);
  assert(ids.define(other, undefined).id !== a.id, "a same-named other function got the id");
  const url = "file:///tmp/m.ts";
  const m = ids.define(make(), url);
  assert(m.id !== a.id);
  assertEquals(ids.define(other, url).id, m.id); // module + export name is the identity
  assertEquals(m.shipped, { kind: "module", url, name: "f" });
});

Deno.test("FrameReader splits a byte stream into frames wherever the chunks break", () => {
  const got: unknown[] = [];
  const reader = new FrameReader((m) => got.push(m));
  const bytes = new Uint8Array([
    ...encodeFrame({ t: "a", v: new Map([[1, 2n]]) }),
    ...encodeFrame([1, "two"]),
  ]);
  for (let i = 0; i < bytes.length; i += 3) reader.push(bytes.slice(i, i + 3));
  assertEquals(got, [{ t: "a", v: new Map([[1, 2n]]) }, [1, "two"]]);
});

Deno.test("PriorityQueue shifts higher priorities first, in arrival order within one", () => {
  const q = new PriorityQueue<string>();
  q.push("a0", 0);
  q.push("b5", 5);
  q.push("c0", 0);
  q.push("d-1", -1);
  q.push("e5", 5);
  q.unshift("z0", 0);
  const out: (string | undefined)[] = [];
  while (q.size > 0) out.push(q.shift());
  assertEquals(out, ["b5", "e5", "z0", "a0", "c0", "d-1"]);
  assertEquals(q.shift(), undefined);
});

/** A runtime whose reports are collected. */
function runtime() {
  const sent: FromRuntime[] = [];
  const rt = new TaskRuntime({
    send: (m) => {
      sent.push(structuredClone(m));
    },
  });
  rt.receive({ t: "init", concurrency: 8, claims: undefined, where: "a test" });
  const results = () =>
    sent.flatMap((m) => {
      if (m.t !== "report") return [];
      const r: [number, number, unknown][] = [];
      for (let i = 0; i < m.results.length; i += 3) {
        r.push([m.results[i] as number, m.results[i + 1] as number, m.results[i + 2]]);
      }
      return r;
    });
  const acks = () => sent.flatMap((m) => m.t === "report" ? m.aborted ?? [] : []);
  return { rt, sent, results, acks };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert(cond(), "timed out waiting");
}

Deno.test("TaskRuntime runs other functions while a module loads, and drops a loading task on abort", async () => {
  const { rt, sent, results, acks } = runtime();
  const gate = Promise.withResolvers<void>();
  (globalThis as { asyncflowTestGate?: Promise<void> }).asyncflowTestGate = gate.promise;
  // a module left loading would fail the test run at exit
  const opened = setTimeout(() => gate.resolve(), 10_000);
  const gated = new URL("./fixtures/gated_tla.ts", import.meta.url).href;
  const fast = shipFunction((x: number) => x + 1, undefined);
  rt.receive({
    t: "run",
    defs: [[1, { kind: "module", url: gated, name: "gated" }], [2, fast]],
    tasks: [1, 1, ~1, [], undefined, 2, 2, 2, [41], undefined, 3, 3, 1, [], undefined],
  });
  await until(() => results().some(([k]) => k === 2));
  assertEquals(results(), [[2, Status.OK, 42]]);
  // the loading tasks were reported started (their timeout runs)
  const started = sent.flatMap((m) => m.t === "report" ? m.started : []);
  assert(started.includes(1) && started.includes(3), `started: ${started}`);
  rt.receive({ t: "abort", id: 1, reason: encodeThrown(new TaskTimeoutError(10)) });
  await until(() => results().some(([k]) => k === 1));
  assertEquals(results()[1], [1, Status.SKIPPED, null]);
  assertEquals(acks(), [1]);
  gate.resolve(); // the module loads: the task still waiting runs
  await until(() => results().some(([k]) => k === 3));
  assertEquals(results()[2], [3, Status.OK, "loaded"]);
  clearTimeout(opened);
});

Deno.test("TaskRuntime aborts a running body's signal with the decoded reason", async () => {
  const { rt, results, acks } = runtime();
  const url = new URL("./fixtures/remote_fns.ts", import.meta.url).href;
  const dir = await Deno.makeTempDir();
  rt.receive({
    t: "run",
    defs: [[1, { kind: "module", url, name: "waitForAbort" }]],
    tasks: [7, 7, 1, [`${dir}/x`], ["task.000007", "waitForAbort", 0, undefined]],
  });
  await new Promise((r) => setTimeout(r, 200));
  rt.receive({ t: "abort", id: 7, reason: encodeThrown(new CancelledError("stop", "t")) });
  await until(() => results().length > 0);
  assertEquals(acks(), [7]);
  const [[key, status, line]] = results() as [[number, number, string]];
  assertEquals([key, status], [7, Status.OK]);
  assertEquals(line, "CancelledError CancelledError: 't' was cancelled: stop");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("decodeThrown() rebuilds errors in the receiving realm", () => {
  const e = decodeThrown(encodeThrown(new RangeError("x")));
  assertInstanceOf(e, RangeError);
  const again = decodeThrown(encodeThrown(e));
  assertNotStrictEquals(again, e);
  assertStrictEquals(Object.getPrototypeOf(again), RangeError.prototype);
});
