/**
 * The run server: the library's handler (`src/server.ts`, the package's
 * `./server` entry) and the example that wires it to `Deno.serve`
 * (`examples/server.ts`), driven the way a user drives them: real HTTP
 * requests with `fetch`, many at once, against a server started in this
 * process on a free port.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { createRunHandler, type Registry, type RunResult } from "../src/server.ts";
import { createServer, defaultRegistry, type RunServer } from "../examples/server.ts";
import { type FlowEvent, WorkflowEngine } from "../mod.ts";

/**
 * Deno.test with the op and resource sanitizers on (they are off by default
 * in Deno 2): a timer, connection or stream left behind fails the test, so a
 * cancelled run that keeps its `sleep` timer or a response never closed shows.
 */
function test(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: true, sanitizeResources: true, fn });
}

/** One Server-Sent Event with its data parsed as JSON. */
interface SseEvent {
  id: string;
  event: string;
  // deno-lint-ignore no-explicit-any
  data: any;
}

/** Reads a `text/event-stream` body one event at a time. */
class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buf = "";
  readonly seen: SseEvent[] = [];

  constructor(res: Response) {
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    this.#reader = res.body!.getReader();
  }

  /** The next event, or undefined at the end of the stream. */
  async next(): Promise<SseEvent | undefined> {
    while (true) {
      const end = this.#buf.indexOf("\n\n");
      if (end >= 0) {
        const block = this.#buf.slice(0, end);
        this.#buf = this.#buf.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split("\n")) {
          const i = line.indexOf(": ");
          fields.set(line.slice(0, i), line.slice(i + 2));
        }
        const ev = {
          id: fields.get("id")!,
          event: fields.get("event")!,
          data: JSON.parse(fields.get("data")!),
        };
        this.seen.push(ev);
        return ev;
      }
      const { done, value } = await this.#reader.read();
      if (done) {
        assertEquals(this.#buf, "", "the stream ended inside an event");
        return undefined;
      }
      this.#buf += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Read until an event matches; fails if the stream ends first. */
  async until(match: (e: SseEvent) => boolean): Promise<SseEvent> {
    for (let e = await this.next(); e !== undefined; e = await this.next()) {
      if (match(e)) return e;
    }
    throw new Error(`The stream ended before the awaited event; saw ${this.seen.length} events`);
  }

  /** Read to the end; returns every event seen. */
  async rest(): Promise<SseEvent[]> {
    while (await this.next() !== undefined) { /* read on */ }
    return this.seen;
  }

  /** Read one more chunk (to observe an aborted body). */
  read(): Promise<unknown> {
    return this.#reader.read();
  }
}

interface TaskSpec {
  id: string;
  fn: string;
  args?: unknown[];
}

function postRun(
  server: RunServer,
  body: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${server.url}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(signal !== undefined && { signal }),
  });
}

/** Run to the end; returns the events before the result, and the result. */
async function run(
  server: RunServer,
  tasks: TaskSpec[],
): Promise<{ runId: string; events: SseEvent[]; result: RunResult }> {
  const res = await postRun(server, { tasks });
  const runId = res.headers.get("x-run-id")!;
  const all = await new SseReader(res).rest();
  const last = all.at(-1)!;
  assertEquals(last.event, "result");
  return { runId, events: all.slice(0, -1), result: last.data };
}

/** Resolves once `done(events)` holds for the engine's events; fails after a generous guard. */
function whenEvents(
  server: RunServer,
  done: (events: FlowEvent[]) => boolean,
): Promise<FlowEvent[]> {
  const events: FlowEvent[] = [];
  const { promise, resolve, reject } = Promise.withResolvers<FlowEvent[]>();
  const guard = setTimeout(() => {
    unsubscribe();
    reject(new Error(`The awaited engine events did not arrive; saw ${events.length}`));
  }, 10_000);
  const unsubscribe = server.engine.subscribe((ev) => {
    events.push(ev);
    if (done(events)) {
      clearTimeout(guard);
      unsubscribe();
      resolve(events);
    }
  });
  return promise;
}

/** The event types of each task, by the task's id in the request. */
function typesByTask(events: SseEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    if (!e.event.startsWith("Task")) continue;
    const list = out.get(e.data.taskId) ?? [];
    list.push(e.data.type);
    out.set(e.data.taskId, list);
  }
  return out;
}

test("createServer() runs 20 concurrent requests on one engine, each in its own scope", async () => {
  await using server = await createServer({ port: 0 });
  assertMatch(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);

  // which runs have a task running at the same time, from the engine's own events
  const running = new Map<string, number>();
  let overlap = 0;
  const unsubscribe = server.engine.subscribe((ev) => {
    const w = ev.workflowId!;
    if (ev.type === "TaskStarted") running.set(w, (running.get(w) ?? 0) + 1);
    if (ev.type === "TaskCompleted" && running.has(w)) {
      const n = running.get(w)! - 1;
      if (n === 0) running.delete(w);
      else running.set(w, n);
    }
    overlap = Math.max(overlap, running.size);
  });

  const N = 20;
  const runs = await Promise.all(Array.from({ length: N }, (_, i) =>
    run(server, [
      { id: "a", fn: "sleep", args: [20, i] },
      { id: "b", fn: "add", args: [{ ref: "a" }, 1] },
      { id: "c", fn: "mul", args: [{ ref: "b" }, 10] },
      { id: "d", fn: "sum", args: [[{ ref: "a" }, { ref: "b" }, { ref: "c" }]] },
      { id: "e", fn: "pick", args: [{ total: { ref: "d" }, run: [i] }, "total"] },
      ...(i % 5 === 0 ? [{ id: "f", fn: "echo", args: ["run", i, { ref: "e" }] }] : []),
    ])));
  unsubscribe();

  assertEquals(new Set(runs.map((r) => r.runId)).size, N);
  let tasks = 0;
  runs.forEach(({ runId, events, result }, i) => {
    const d = i + (i + 1) + 10 * (i + 1);
    assertEquals(result.runId, runId);
    assertEquals(result.state, "DONE");
    const values = Object.fromEntries(
      Object.entries(result.tasks).map(([id, t]) => [id, [t.state, t.value]]),
    );
    assertEquals(values, {
      a: ["DONE", i],
      b: ["DONE", i + 1],
      c: ["DONE", 10 * (i + 1)],
      d: ["DONE", d],
      e: ["DONE", d],
      ...(i % 5 === 0 && { f: ["DONE", `run ${i} ${d}\n`] }),
    });
    // the stream: the run (task ids → uids), then only this run's flow events
    const first = events[0]!;
    assertEquals(first.event, "run");
    assertEquals(first.data.runId, runId);
    assertEquals(
      first.data.tasks.map((t: { id: string; uid: string }) => [t.id, t.uid]),
      Object.entries(result.tasks).map(([id, t]) => [id, t.uid]),
    );
    for (const e of events.slice(1)) {
      assertEquals(e.data.workflowId, runId);
      assertEquals(e.event, e.data.type);
      assertEquals(result.tasks[e.data.taskId]!.uid, e.data.uid);
    }
    const ids = events.map((e) => Number(e.id));
    assertEquals(ids, ids.map((_, k) => k + 1));
    const byTask = typesByTask(events);
    assertEquals([...byTask.keys()].sort(), Object.keys(result.tasks).sort());
    for (const types of byTask.values()) {
      assertEquals(types[0], "TaskCreated");
      assertEquals(types.at(-1), "TaskCompleted");
      assert(types.includes("TaskStarted"));
    }
    tasks += Object.keys(result.tasks).length;
  });
  assert(overlap > 1, `runs never overlapped on the engine: at most ${overlap} at once`);
  assertEquals(server.engine.stats(), {
    pending: 0,
    running: 0,
    done: tasks,
    failed: 0,
    cancelled: 0,
  });
  assertEquals(server.handler.activeRuns, []);
});

test("POST /runs answers 400 with a precise message and creates no task when the body is bad", async () => {
  await using server = await createServer({ port: 0, maxTasks: 5, maxBodyBytes: 4096 });
  const cases: [string | unknown, number, string, string][] = [
    [
      '{"tasks": [',
      400,
      "TypeError",
      'Cannot start run as the body is not valid JSON (Unexpected end of JSON input): received "{\\"tasks\\": ["',
    ],
    [[1], 400, "TypeError", "Cannot start run as the body must be a JSON object: received [1]"],
    [
      { tasks: [], id: 1 },
      400,
      "TypeError",
      'Cannot start run as the body has an unknown field: received "id"',
    ],
    [
      { tasks: {} },
      400,
      "TypeError",
      "Cannot start run as 'tasks' must be a non-empty array: received {}",
    ],
    [
      { tasks: Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, fn: "add", args: [1, 2] })) },
      400,
      "RangeError",
      "Cannot start run as 'tasks' must hold at most 5 tasks: received 6",
    ],
    [
      { tasks: [{ id: "a", fn: "add", args: [1, 2] }, { id: "b", fn: "mull", args: [] }] },
      400,
      "TypeError",
      "Cannot start run as task 'b' names an unknown function (known: add, mul, sum, sleep, pick, fail, echo): received \"mull\"",
    ],
    [
      { tasks: [{ id: "a", fn: "add", args: [1, 2], after: ["x"] }] },
      400,
      "TypeError",
      "Cannot start run as 'tasks[0]' has an unknown field: received \"after\"",
    ],
    [
      { tasks: [{ id: "", fn: "add", args: [1, 2] }] },
      400,
      "TypeError",
      "Cannot start run as 'tasks[0].id' must be 1 to 64 letters, digits, '_', '.' or '-': received \"\"",
    ],
    [
      { tasks: [{ id: "a", fn: 7 }] },
      400,
      "TypeError",
      "Cannot start run as 'tasks[0].fn' of task 'a' must be a string: received 7",
    ],
    [
      { tasks: [{ id: "a", fn: "add", args: [1, 2] }, { id: "a", fn: "add", args: [1, 2] }] },
      400,
      "TypeError",
      "Cannot start run as task id 'a' is used twice: received it at tasks[0] and tasks[1]",
    ],
    [
      { tasks: [{ id: "a", fn: "add", args: { x: 1 } }] },
      400,
      "TypeError",
      "Cannot start run as 'tasks[0].args' of task 'a' must be an array: received {\"x\":1}",
    ],
    [
      { tasks: [{ id: "a", fn: "add", args: [1, 2, 3] }] },
      400,
      "RangeError",
      "Cannot start run as task 'a' calls 'add' with 3 arguments but it takes 2: received [1,2,3]",
    ],
    [
      { tasks: [{ id: "a", fn: "sum", args: [[1, { n: { ref: "zz" } }]] }] },
      400,
      "TypeError",
      'Cannot start run as task \'a\' refers at args[0][1].n to an unknown task: received {"ref":"zz"}',
    ],
    [
      {
        tasks: [
          { id: "a", fn: "add", args: [{ ref: "b" }, 1] },
          { id: "b", fn: "add", args: [1, 2] },
        ],
      },
      400,
      "TypeError",
      "Cannot start run as task 'a' refers at args[0] to task 'b', which comes after it: received {\"ref\":\"b\"}",
    ],
    [
      { tasks: [{ id: "a", fn: "add", args: [{ ref: "a" }, 1] }] },
      400,
      "TypeError",
      'Cannot start run as task \'a\' refers to itself at args[0]: received {"ref":"a"}',
    ],
    [
      {
        tasks: [{ id: "a", fn: "add", args: [1, 2] }, {
          id: "b",
          fn: "add",
          args: [{ ref: "a", extra: 1 }, 1],
        }],
      },
      400,
      "TypeError",
      'Cannot start run as the ref at args[0] of task \'b\' must have no other fields: received {"ref":"a","extra":1}',
    ],
    [
      { tasks: [{ id: "a", fn: "add", args: [{ ref: 3 }, 1] }] },
      400,
      "TypeError",
      "Cannot start run as the ref at args[0] of task 'a' must be a task id: received 3",
    ],
    [
      { tasks: [{ id: "a", fn: "echo", args: ["x".repeat(5000)] }] },
      413,
      "RangeError",
      "Cannot start run as the body must be at most 4096 bytes",
    ],
  ];
  // all at once, beside a good run: the bad requests disturb nothing
  const good = run(server, [
    { id: "a", fn: "sleep", args: [10, 4] },
    { id: "b", fn: "mul", args: [{ ref: "a" }, 10] },
  ]);
  const answers = await Promise.all(cases.map(async ([body]) => {
    const res = await postRun(server, body);
    return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
  }));
  answers.forEach((a, i) => {
    const [, status, name, message] = cases[i]!;
    assertEquals(a, {
      status,
      type: "application/json; charset=utf-8",
      body: { error: { name, message } },
    });
  });
  const { result } = await good;
  assertEquals(result.state, "DONE");
  assertEquals(result.tasks.b!.value, 40);
  // only the good run's two tasks ever existed
  assertEquals(server.engine.stats(), { pending: 0, running: 0, done: 2, failed: 0, cancelled: 0 });
});

test("POST /runs reports a failing task and fails its dependents with DependencyFailureError", async () => {
  await using server = await createServer({ port: 0 });
  const { events, result } = await run(server, [
    { id: "a", fn: "fail", args: ["disk full"] },
    { id: "b", fn: "add", args: [{ ref: "a" }, 1] },
    { id: "c", fn: "sum", args: [[{ ref: "b" }, 2]] },
    { id: "d", fn: "add", args: [1, 1] },
    { id: "e", fn: "add", args: ["one", 1] },
  ]);
  assertEquals(result.state, "FAILED");
  const rootCause = { name: "Error", message: "disk full" };
  assertEquals(result.tasks.a!.state, "FAILED");
  assertEquals(result.tasks.a!.error, rootCause);
  assertEquals(result.tasks.b!.state, "FAILED");
  assertEquals(result.tasks.b!.error, {
    name: "DependencyFailureError",
    message: "Cannot execute 'add' due to dependency failure",
    rootCause,
  });
  assertEquals(result.tasks.c!.error, {
    name: "DependencyFailureError",
    message: "Cannot execute 'sum' due to dependency failure",
    rootCause,
  });
  assertEquals([result.tasks.d!.state, result.tasks.d!.value], ["DONE", 2]);
  assertEquals(result.tasks.e!.error, {
    name: "TypeError",
    message: "Cannot add as 'a' must be a finite number: received \"one\"",
  });
  const byTask = typesByTask(events);
  for (const id of ["a", "b", "c", "e"]) assertEquals(byTask.get(id)!.at(-1), "TaskFailed");
  assert(!byTask.get("b")!.includes("TaskStarted"), "a dependent of a failed task ran");
  const failedB = events.find((e) => e.data.taskId === "b" && e.event === "TaskFailed")!;
  assertEquals(failedB.data.error.name, "DependencyFailureError");
  assertEquals(server.engine.stats(), { pending: 0, running: 0, done: 1, failed: 4, cancelled: 0 });
});

test("POST /runs cancels the run of a client that disconnects and no other run", async () => {
  // `hold` waits until the test releases it, so the other run is surely in flight
  const held = Promise.withResolvers<number>();
  await using server = await createServer({
    port: 0,
    registry: (flow): Registry => {
      const hold = flow.functionTask(() => held.promise, { name: "hold" });
      return new Map([...defaultRegistry(flow), ["hold", {
        description: "waits for the test",
        minArgs: 0,
        maxArgs: 0,
        create: () => hold(),
      }]]);
    },
  });

  const stay = new SseReader(
    await postRun(server, {
      tasks: [{ id: "y1", fn: "hold" }, { id: "y2", fn: "add", args: [{ ref: "y1" }, 1] }],
    }),
  );
  const stayRun = (await stay.until((e) => e.event === "run")).data;
  await stay.until((e) => e.event === "TaskStarted" && e.data.taskId === "y1");

  const client = new AbortController();
  const leave = new SseReader(
    await postRun(server, {
      tasks: [
        { id: "x1", fn: "sleep", args: [600_000, 1] },
        { id: "x2", fn: "add", args: [{ ref: "x1" }, 1] },
        { id: "x3", fn: "echo", args: [{ ref: "x2" }] },
      ],
    }, client.signal),
  );
  const leaveRun = (await leave.until((e) => e.event === "run")).data;
  const uids: string[] = leaveRun.tasks.map((t: { uid: string }) => t.uid);
  await leave.until((e) => e.event === "TaskStarted" && e.data.taskId === "x1");
  assertEquals([...server.handler.activeRuns].sort(), [stayRun.runId, leaveRun.runId].sort());

  const cancelled = whenEvents(
    server,
    (evs) => evs.filter((e) => e.type === "TaskCancelled").length === uids.length,
  );
  client.abort();
  await assertRejects(() => leave.read());
  const evs = await cancelled;
  for (const e of evs) assertEquals(e.workflowId, leaveRun.runId);
  assertEquals(evs.map((e) => e.uid).sort(), [...uids].sort());
  for (const e of evs) assertEquals((e.error as Error).name, "CancelledError");
  // the running sleep names the disconnect; its dependents name the sleep
  const why = new Map(evs.map((e) => [e.uid, (e.error as Error).message]));
  assertEquals(why.get(uids[0]!), `'${uids[0]}' was cancelled: client disconnected`);
  assertMatch(why.get(uids[1]!)!, /dependency 'sleep' .* was cancelled/);
  // the other run is untouched: still running, then DONE
  assertEquals(server.engine.stats(), { pending: 1, running: 1, done: 0, failed: 0, cancelled: 3 });
  held.resolve(41);
  const rest = await stay.rest();
  const result: RunResult = rest.at(-1)!.data;
  assertEquals(result.state, "DONE");
  assertEquals(result.tasks.y2!.value, 42);
  assert(!rest.some((e) => e.event === "TaskCancelled"));
  assertEquals(server.engine.stats(), { pending: 0, running: 0, done: 2, failed: 0, cancelled: 3 });
  assertEquals(server.handler.activeRuns, []);
  // the cancelled sleep's timer was cleared: the test's sanitizers would report it otherwise
});

test("RunServer.shutdown() cancels runs in flight and ends their streams with the result", async () => {
  const server = await createServer({ port: 0 });
  const res = new SseReader(
    await postRun(server, {
      tasks: [
        { id: "a", fn: "sleep", args: [600_000] },
        { id: "b", fn: "add", args: [{ ref: "a" }, 1] },
        { id: "c", fn: "add", args: [1, 1] },
      ],
    }),
  );
  await res.until((e) => e.event === "TaskStarted" && e.data.taskId === "a");
  await res.until((e) => e.event === "TaskCompleted" && e.data.taskId === "c");
  await Promise.all([server.shutdown(), server.shutdown()]);
  const result: RunResult = (await res.rest()).at(-1)!.data;
  assertEquals(result.state, "CANCELLED");
  assertEquals(
    Object.fromEntries(Object.entries(result.tasks).map(([id, t]) => [id, t.state])),
    { a: "CANCELLED", b: "CANCELLED", c: "DONE" },
  );
  assertEquals(result.tasks.a!.error!.name, "CancelledError");
  assertMatch(result.tasks.a!.error!.message, /server shutting down/);
  await assertRejects(() => fetch(`${server.url}/health`));
  // the engine the server created is shut down with it
  assertThrows(
    () => defaultRegistry(server.engine).get("add")!.create([1, 2], undefined as never),
    Error,
    "Cannot submit task as the engine is shut down",
  );
});

test("createRunHandler() answers /health, /tasks, 404 and 405 on an engine it does not own", async () => {
  await using flow = await WorkflowEngine.create();
  const runs = createRunHandler(flow, { registry: defaultRegistry });
  const call = async (method: string, path: string) => {
    const res = await runs.handle(new Request(`http://local${path}`, { method }));
    return [res.status, await res.json()];
  };
  const [status, tasks] = await call("GET", "/tasks");
  assertEquals(status, 200);
  assertEquals(Object.keys(tasks), ["add", "mul", "sum", "sleep", "pick", "fail", "echo"]);
  assertEquals(tasks.echo, { description: "stdout of echo words...", minArgs: 0, maxArgs: null });
  assertEquals(await call("GET", "/nope"), [404, {
    error: {
      name: "TypeError",
      message: "Cannot find /nope as it is not one of /runs, /tasks, /health",
    },
  }]);
  assertEquals(await call("GET", "/runs"), [405, {
    error: { name: "TypeError", message: "Cannot GET /runs as it only allows POST" },
  }]);
  // a run through the handler alone, without a network
  const res = await runs.handle(
    new Request("http://local/runs", {
      method: "POST",
      body: JSON.stringify({ tasks: [{ id: "a", fn: "mul", args: [6, 7] }] }),
    }),
  );
  const result: RunResult = (await new SseReader(res).rest()).at(-1)!.data;
  assertEquals(result.tasks.a!.value, 42);
  assertEquals(await call("GET", "/health"), [200, {
    engine: flow.uid,
    closing: false,
    activeRuns: 0,
    stats: { pending: 0, running: 0, done: 1, failed: 0, cancelled: 0 },
  }]);
  await runs.close();
  const refused = await runs.handle(
    new Request("http://local/runs", {
      method: "POST",
      body: JSON.stringify({ tasks: [{ id: "a", fn: "mul", args: [6, 7] }] }),
    }),
  );
  assertEquals(refused.status, 503);
  assertEquals(
    (await refused.json()).error.message,
    "Cannot start run as the server is shutting down",
  );
  // closing the handler leaves the engine to its owner
  assertEquals(await flow.functionTask(() => "still up")(), "still up");
  assertThrows(
    () => createRunHandler(flow, { registry: defaultRegistry, maxTasks: 0 }),
    RangeError,
    "received 0",
  );
});

test("createRunHandler() serves a registry of your own under basePath, as Deno.serve's handler", async () => {
  await using flow = await WorkflowEngine.create();
  const square = flow.functionTask((x: unknown) => Number(x) ** 2, { name: "square" });
  const registry: Registry = new Map([
    ["square", { description: "x * x", minArgs: 1, maxArgs: 1, create: (a) => square(a[0]) }],
  ]);
  const runs = createRunHandler(flow, { registry, basePath: "/flow" });
  // the handler is bound: passed as is, it serves
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, runs.handle);
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    const res = await fetch(`${url}/flow/runs`, {
      method: "POST",
      body: JSON.stringify({
        tasks: [{ id: "a", fn: "square", args: [3] }, {
          id: "b",
          fn: "square",
          args: [{ ref: "a" }],
        }],
      }),
    });
    const result: RunResult = (await new SseReader(res).rest()).at(-1)!.data;
    assertEquals(result.state, "DONE");
    assertEquals(result.tasks.b!.value, 81);
    const tasks = await fetch(`${url}/flow/tasks`);
    assertEquals(await tasks.json(), { square: { description: "x * x", minArgs: 1, maxArgs: 1 } });
    // outside the base path: 404, naming where the endpoints are
    const outside = await fetch(`${url}/runs`, { method: "POST", body: "{}" });
    assertEquals(outside.status, 404);
    assertEquals(
      (await outside.json()).error.message,
      "Cannot find /runs as it is not one of /flow/runs, /flow/tasks, /flow/health",
    );
    const unknown = await fetch(`${url}/flow/runs`, {
      method: "POST",
      body: JSON.stringify({ tasks: [{ id: "a", fn: "add", args: [1, 2] }] }),
    });
    assertEquals(unknown.status, 400);
    assertMatch((await unknown.json()).error.message, /unknown function \(known: square\)/);
  } finally {
    await runs.close();
    await server.shutdown();
  }
});

test("createRunHandler() refuses a missing or malformed registry and a bad basePath at once", async () => {
  await using flow = await WorkflowEngine.create();
  const ok = {
    description: "d",
    minArgs: 0,
    maxArgs: 1,
    create: () => flow.functionTask(() => 1)(),
  };
  assertThrows(
    () => createRunHandler(flow, undefined as never),
    TypeError,
    "Cannot create run handler as 'options' must be an object with a 'registry': received undefined",
  );
  assertThrows(
    () => createRunHandler(flow, {} as never),
    TypeError,
    "Cannot create run handler as 'registry' must be a Map of task entries or a function of the engine that returns one: received undefined",
  );
  assertThrows(
    () => createRunHandler(flow, { registry: () => ({}) as never }),
    TypeError,
    "received an object",
  );
  assertThrows(
    () =>
      createRunHandler(flow, { registry: new Map([["f", { ...ok, create: undefined as never }]]) }),
    TypeError,
    `'registry' entry "f" must have a 'create' function: received undefined`,
  );
  assertThrows(
    () => createRunHandler(flow, { registry: new Map([["f", { ...ok, maxArgs: -1 }]]) }),
    RangeError,
    `'registry' entry "f" must have an integer 'maxArgs' >= minArgs (0), or Infinity: received -1`,
  );
  assertThrows(
    () => createRunHandler(flow, { registry: new Map([["f", ok]]), basePath: "/flow/" }),
    TypeError,
    `'basePath' must be "" or a path that starts and does not end with '/': received "/flow/"`,
  );
  // nothing was left subscribed or running
  assertEquals(flow.stats().pending, 0);
});
