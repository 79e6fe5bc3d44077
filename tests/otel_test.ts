import { assert, assertEquals } from "@std/assert";
import type { FlowEvent } from "../src/events.ts";
import { createOtelListener, type OtelApi, otelListener, type OtelSpan } from "../src/otel.ts";

// ---------------------------------------------------------------- a fake API

interface FakeSpan {
  name: string;
  parent: FakeSpan | undefined;
  start: number;
  end: number | undefined;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string } | undefined;
  exceptions: unknown[];
}

function fakeApi(): { api: OtelApi; spans: FakeSpan[]; root: { span: FakeSpan | undefined } } {
  const spans: FakeSpan[] = [];
  const root: { span: FakeSpan | undefined } = { span: undefined };
  const byHandle = new WeakMap<OtelSpan, FakeSpan>();
  const api: OtelApi = {
    SpanStatusCode: { ERROR: 2 },
    context: { active: () => ({ span: root.span }) },
    trace: {
      setSpan: (_ctx, span) => ({ span: byHandle.get(span) }),
      getTracer: () => ({
        startSpan(name, options, ctx) {
          const s: FakeSpan = {
            name,
            parent: (ctx as { span?: FakeSpan }).span,
            start: options.startTime,
            end: undefined,
            attributes: { ...options.attributes },
            status: undefined,
            exceptions: [],
          };
          spans.push(s);
          const handle: OtelSpan = {
            setAttribute: (k, v) => (s.attributes[k] = v),
            addEvent: () => undefined,
            setStatus: (st) => (s.status = st),
            recordException: (e) => void s.exceptions.push(e),
            end: (t) => void (s.end = t),
          };
          byHandle.set(handle, s);
          return handle;
        },
      }),
    },
  };
  return { api, spans, root };
}

function ev(
  type: FlowEvent["type"],
  uid: string,
  name: string,
  time: number,
  extra: Partial<FlowEvent> = {},
): FlowEvent {
  return { type, uid, name, time, ...extra };
}

Deno.test("createOtelListener() parents tasks on their block and scope spans", () => {
  const { api, spans } = fakeApi();
  const l = createOtelListener(api);
  const w = { workflowId: "wf-1" };
  const inB = { workflowId: "block.000001" };
  l(ev("TaskCreated", "block.000001", "outer", 1, w));
  l(ev("TaskStarted", "block.000001", "outer", 2, w));
  l(ev("TaskCreated", "task.000002", "alpha", 3, inB));
  l(ev("TaskCreated", "task.000003", "beta", 3, inB));
  l(ev("TaskStarted", "task.000002", "alpha", 4, { ...inB, backend: "inline" }));
  l(ev("TaskFailed", "task.000002", "alpha", 5, { ...inB, error: new RangeError("bad") }));
  l(ev("TaskFailed", "task.000003", "beta", 5, inB)); // never started
  l(ev("TaskCompleted", "block.000001", "outer", 6, w));
  const by = new Map(spans.map((s) => [s.name, s]));
  const scope = by.get("workflow wf-1")!;
  const outer = by.get("outer")!;
  const alpha = by.get("alpha")!;
  const beta = by.get("beta")!;
  assertEquals(spans.length, 4);
  assertEquals(scope.parent, undefined);
  assertEquals(outer.parent, scope);
  assertEquals(alpha.parent, outer);
  assertEquals(beta.parent, outer);
  assertEquals([outer.start, outer.end], [2, 6]);
  assertEquals([alpha.start, alpha.end], [4, 5]);
  assertEquals([beta.start, beta.end], [3, 5]); // from TaskCreated when it never started
  assertEquals(alpha.status, { code: 2, message: "RangeError: bad" });
  assertEquals(alpha.attributes["asyncflow.backend"], "inline");
  assertEquals(alpha.attributes["asyncflow.task.state"], "FAILED");
  assertEquals(outer.status, undefined);
  assertEquals(scope.end, 6); // ends when its last task ends
});

Deno.test("createOtelListener() parents tasks outside scopes on the active span", () => {
  const { api, spans, root } = fakeApi();
  const l = createOtelListener(api);
  l(ev("TaskCreated", "task.000001", "before", 1));
  root.span = { name: "request" } as FakeSpan;
  l(ev("TaskCreated", "task.000002", "inside", 1));
  root.span = undefined;
  l(ev("TaskStarted", "task.000001", "before", 2));
  l(ev("TaskStarted", "task.000002", "inside", 2));
  l(ev("TaskCancelled", "task.000001", "before", 3, { error: new Error("stop") }));
  l(ev("TaskCompleted", "task.000002", "inside", 3));
  const by = new Map(spans.map((s) => [s.name, s]));
  assertEquals(by.get("before")!.parent, undefined);
  assertEquals(by.get("inside")!.parent?.name, "request");
  assertEquals(by.get("before")!.status, undefined); // cancelled is not an error
  assertEquals(by.get("before")!.attributes["asyncflow.task.cancel_reason"], "stop");
});

// ---------------------------------------------------------------- Deno's own OTel

const ROOT = new URL("../", import.meta.url);

const SCRIPT = (root: string) => `
import { WorkflowEngine } from "${root}mod.ts";
import { otelListener } from "${root}src/otel.ts";

if ((await otelListener()) === undefined) {
  await Deno.stdout.write(new TextEncoder().encode("off"));
  Deno.exit(0);
}
// the engine subscribes its own OTel listener when OTEL_DENO=true
await using flow = await WorkflowEngine.create();
const alpha = flow.functionTask((x: number) => x + 1, { name: "alpha" });
const beta = flow.functionTask((x: number) => x * 2, { name: "beta" });
const gamma = flow.functionTask(() => { throw new Error("gamma broke"); }, { name: "gamma" });
const inner = flow.block(async () => await alpha(10), { name: "inner" });
const outer = flow.block(async () => {
  const b = beta(alpha(1));
  await gamma().catch(() => {});
  return (await b) + (await inner());
}, { name: "outer" });
await flow.workflowScope("wf-otel", () => outer());
await flow.functionTask(() => "alone", { name: "solo" })();
await flow.shutdown();
await Deno.stdout.write(new TextEncoder().encode("on"));
`;

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code?: number; message?: string };
}

async function runTraced(env: Record<string, string>, args: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_otel_" });
  const posts: unknown[] = [];
  let gotTraces!: () => void;
  const traced = new Promise<void>((r) => (gotTraces = r));
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      const body = await req.text();
      if (req.method === "POST" && path === "/v1/traces") {
        posts.push(JSON.parse(body));
        gotTraces();
      }
      return Response.json({});
    },
  );
  try {
    await Deno.writeTextFile(`${dir}/main.ts`, SCRIPT(ROOT.href));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-lock", ...args, `${dir}/main.ts`],
      cwd: dir,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.addr.port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "asyncflow-otel-test",
        ...env,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert(out.success, `traced script failed: ${stderr}`);
    if (stdout === "on") {
      // Deno exports at exit; the POST may still be in flight when the process is gone
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        traced,
        new Promise((r) => (timer = setTimeout(r, 10_000))),
      ]);
      clearTimeout(timer);
    }
    return { stdout, stderr, posts };
  } finally {
    ac.abort();
    await server.finished;
    await Deno.remove(dir, { recursive: true });
  }
}

function spansOf(posts: unknown[]): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const p of posts as { resourceSpans?: unknown[] }[]) {
    for (const rs of (p.resourceSpans ?? []) as { scopeSpans?: unknown[] }[]) {
      for (
        const ss of (rs.scopeSpans ?? []) as { scope?: { name?: string }; spans?: unknown[] }[]
      ) {
        if (ss.scope?.name === "asyncflow") out.push(...(ss.spans ?? []) as OtlpSpan[]);
      }
    }
  }
  return out;
}

Deno.test({
  name: "otelListener() exports a span per task to Deno's OTLP exporter with the right parents",
  permissions: { run: true, read: true, write: true, net: true, env: true },
  async fn() {
    const { stdout, stderr, posts } = await runTraced(
      { OTEL_DENO: "true" },
      ["--allow-env=OTEL_DENO"],
    );
    assertEquals(stdout, "on", `listener was off: ${stderr}`);
    const spans = spansOf(posts);
    const names = spans.map((s) => s.name).sort();
    assertEquals(names, [
      "alpha",
      "alpha",
      "beta",
      "gamma",
      "inner",
      "outer",
      "solo",
      "workflow wf-otel",
    ]);
    const one = (name: string) => spans.find((s) => s.name === name)!;
    const scope = one("workflow wf-otel");
    const outer = one("outer");
    const inner = one("inner");
    assertEquals(scope.parentSpanId, "");
    assertEquals(outer.parentSpanId, scope.spanId);
    assertEquals(inner.parentSpanId, outer.spanId);
    assertEquals(one("beta").parentSpanId, outer.spanId);
    assertEquals(one("gamma").parentSpanId, outer.spanId);
    const alphas = spans.filter((s) => s.name === "alpha").map((s) => s.parentSpanId).sort();
    assertEquals(alphas, [inner.spanId, outer.spanId].sort());
    for (
      const s of [
        outer,
        inner,
        one("beta"),
        one("gamma"),
        ...spans.filter((s) => s.name === "alpha"),
      ]
    ) {
      assertEquals(s.traceId, scope.traceId, `${s.name} is in another trace`);
    }
    assertEquals(one("solo").parentSpanId, "");
    assertEquals(one("gamma").status.code, 2);
    assertEquals(one("gamma").status.message, "Error: gamma broke");
    assertEquals(one("beta").status.code ?? 0, 0);
    // beta ran after its dependency alpha (the one under outer) ended
    const alphaOuter = spans.find((s) => s.name === "alpha" && s.parentSpanId === outer.spanId)!;
    assert(BigInt(alphaOuter.endTimeUnixNano) <= BigInt(one("beta").startTimeUnixNano));
  },
});

Deno.test({
  name: "otelListener() returns undefined when OTEL_DENO is not true or not readable",
  permissions: { run: true, read: true, write: true, net: true, env: true },
  async fn() {
    const off = await runTraced({ OTEL_DENO: "false" }, ["--allow-env=OTEL_DENO"]);
    assertEquals(off.stdout, "off");
    // on, but the script may not read the variable: it must not prompt or throw
    const denied = await runTraced({ OTEL_DENO: "true" }, ["--no-prompt"]);
    assertEquals(denied.stdout, "off");
    assertEquals(spansOf(denied.posts), []);
  },
});

Deno.test("otelListener() returns undefined in a process without OTEL_DENO", async () => {
  const v = Deno.env.get("OTEL_DENO");
  if (v === "true") return; // this test process is traced itself
  assertEquals(await otelListener(), undefined);
});
