/**
 * OpenTelemetry spans for tasks and blocks, through Deno's built-in
 * OpenTelemetry (`OTEL_DENO=true`) and `npm:@opentelemetry/api`.
 *
 * Every task and block is a span named after the task, running from its
 * `TaskStarted` to its final event (a task that never started spans from its
 * `TaskCreated`), with status `ERROR` when it failed. Its parent is the span
 * of its block; for a task in a workflow scope, a span `workflow <id>` that
 * runs from the scope's first task to the moment it has no unfinished task;
 * otherwise the span that was active when the task was created.
 *
 * When OpenTelemetry is off, nothing is imported and nothing is listened to.
 *
 * @module
 */
import type { FlowEvent, FlowListener } from "./events.ts";
import { received } from "./_text.ts";

/** The part of `@opentelemetry/api` this module uses. */
export interface OtelApi {
  /** `trace` of the API. */
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: unknown, span: OtelSpan): unknown;
  };
  /** `context` of the API. */
  context: { active(): unknown };
  /** `SpanStatusCode` of the API. */
  SpanStatusCode: { ERROR: number };
}

/** The part of an OpenTelemetry `Tracer` this module uses. */
export interface OtelTracer {
  /** Start a span. */
  startSpan(
    name: string,
    options: { startTime: number; attributes: Record<string, string | number | boolean> },
    context: unknown,
  ): OtelSpan;
}

/** The part of an OpenTelemetry `Span` this module uses. */
export interface OtelSpan {
  /** Set one attribute. */
  setAttribute(key: string, value: string | number | boolean): unknown;
  /** Add an event. */
  addEvent(
    name: string,
    attributes: Record<string, string | number | boolean>,
    time: number,
  ): unknown;
  /** Set the status. */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Record an exception as an event. */
  recordException(exception: { name: string; message: string; stack?: string }, time: number): void;
  /** End the span. */
  end(time: number): void;
}

/** The npm package, as a variable so that no module graph includes it unless it is used. */
const API_SPECIFIER = "npm:@opentelemetry/api@^1.9.0";
const TRACER_NAME = "asyncflow";
const TRACER_VERSION = "0.1.0";

/**
 * Whether Deno's built-in OpenTelemetry is on (`OTEL_DENO=true`). Reads the
 * variable only when the env permission for it is granted already, so it
 * never prompts and never throws.
 *
 * @returns `true` when `OTEL_DENO` is `"true"` and readable
 */
export function otelEnabled(): boolean {
  try {
    const status = Deno.permissions.querySync({ name: "env", variable: "OTEL_DENO" });
    if (status.state !== "granted") return false;
    return Deno.env.get("OTEL_DENO") === "true"; // Deno itself ignores other values
  } catch {
    return false;
  }
}

/**
 * A listener that turns flow events into OpenTelemetry spans, or `undefined`
 * when Deno's OpenTelemetry is off (then `@opentelemetry/api` is not loaded).
 *
 * @example
 * ```ts
 * import { WorkflowEngine } from "../mod.ts";
 * import { otelListener } from "./otel.ts";
 *
 * await using flow = await WorkflowEngine.create();
 * const listener = await otelListener();
 * if (listener !== undefined) flow.subscribe(listener);
 * ```
 *
 * @returns the listener, or `undefined` when OpenTelemetry is off
 * @throws {Error} when OpenTelemetry is on but `npm:@opentelemetry/api` cannot be loaded
 */
export async function otelListener(): Promise<FlowListener | undefined> {
  if (!otelEnabled()) return undefined;
  let api: OtelApi;
  try {
    api = await import(API_SPECIFIER) as OtelApi;
  } catch (e) {
    throw new Error(
      `Cannot trace tasks with OpenTelemetry as the API package cannot be loaded: ${
        received(API_SPECIFIER)
      }`,
      { cause: e },
    );
  }
  return createOtelListener(api);
}

interface Open {
  name: string;
  created: number;
  workflowId: string | undefined;
  parent: unknown;
  scope: ScopeSpan | undefined;
  span: OtelSpan | undefined;
  context: unknown;
  backend: string | undefined;
}

interface ScopeSpan {
  span: OtelSpan;
  context: unknown;
  live: number;
}

type Attrs = Record<string, string | number | boolean>;

/**
 * The listener behind {@link otelListener}, on a given API object (tests pass
 * a fake one).
 *
 * @param api `@opentelemetry/api` or an object of the same shape
 * @returns the listener
 */
export function createOtelListener(api: OtelApi): FlowListener {
  const tracer = api.trace.getTracer(TRACER_NAME, TRACER_VERSION);
  const open = new Map<string, Open>();
  const scopes = new Map<string, ScopeSpan>();

  const attrs = (uid: string, o: Open): Attrs => {
    const a: Attrs = {
      "asyncflow.task.uid": uid,
      "asyncflow.task.name": o.name,
      "asyncflow.task.kind": uid.startsWith("block.") ? "block" : "task",
    };
    if (o.workflowId !== undefined) a["asyncflow.workflow.id"] = o.workflowId;
    if (o.backend !== undefined) a["asyncflow.backend"] = o.backend;
    return a;
  };

  const start = (uid: string, o: Open, time: number): OtelSpan => {
    const span = tracer.startSpan(o.name, { startTime: time, attributes: attrs(uid, o) }, o.parent);
    o.span = span;
    o.context = api.trace.setSpan(o.parent, span);
    return span;
  };

  return (ev: FlowEvent): void => {
    try {
      if (ev.attrs !== undefined) {
        // a custom event: an event on the span of its workflow (scope or block), else a span of its own
        const w = ev.workflowId;
        const on = w === undefined ? undefined : (open.get(w)?.span ?? scopes.get(w)?.span);
        const attributes = customAttributes(ev.attrs);
        if (on !== undefined) on.addEvent(ev.type, attributes, ev.time);
        else {
          const span = tracer.startSpan(
            ev.type,
            { startTime: ev.time, attributes },
            api.context.active(),
          );
          span.end(ev.time);
        }
        return;
      }
      let o = open.get(ev.uid);
      if (o === undefined) {
        // TaskCreated, or the first event seen of a task created before we listened
        const w = ev.workflowId;
        let parent: unknown;
        let scope: ScopeSpan | undefined;
        const block = w === undefined ? undefined : open.get(w);
        if (block !== undefined && block.context !== undefined) parent = block.context;
        else if (w !== undefined && !w.startsWith("block.")) {
          scope = scopes.get(w);
          if (scope === undefined) {
            const span = tracer.startSpan(`workflow ${w}`, {
              startTime: ev.time,
              attributes: { "asyncflow.workflow.id": w },
            }, api.context.active());
            scope = { span, context: api.trace.setSpan(api.context.active(), span), live: 0 };
            scopes.set(w, scope);
          }
          scope.live++;
          parent = scope.context;
        } else parent = api.context.active();
        o = {
          name: ev.name,
          created: ev.time,
          workflowId: w,
          parent,
          scope,
          span: undefined,
          context: undefined,
          backend: ev.backend,
        };
        open.set(ev.uid, o);
      }
      if (ev.backend !== undefined) o.backend = ev.backend;
      switch (ev.type) {
        case "TaskCreated":
        case "TaskReady":
        case "TaskSubmitted":
          return;
        case "TaskStarted":
          if (o.span === undefined) {
            const span = start(ev.uid, o, ev.time);
            span.setAttribute("asyncflow.task.wait_ms", ev.time - o.created);
          } else o.span.addEvent("start", {}, ev.time);
          return;
        case "TaskRetrying":
          (o.span ?? start(ev.uid, o, ev.time)).addEvent("retry", {
            "asyncflow.task.attempt": ev.attempt ?? 0,
            "asyncflow.task.delay_ms": ev.delay ?? 0,
          }, ev.time);
          return;
        case "TaskCached":
          (o.span ?? start(ev.uid, o, ev.time)).setAttribute("asyncflow.task.cached", true);
          return;
      }
      // a final event
      open.delete(ev.uid);
      const span = o.span ?? start(ev.uid, o, o.created);
      if (o.backend !== undefined) span.setAttribute("asyncflow.backend", o.backend);
      const state = ev.type === "TaskCompleted"
        ? "DONE"
        : ev.type === "TaskFailed"
        ? "FAILED"
        : "CANCELLED";
      span.setAttribute("asyncflow.task.state", state);
      if (ev.error !== undefined) {
        const err = describe(ev.error);
        if (state === "FAILED") {
          span.recordException(err, ev.time);
          span.setStatus({
            code: api.SpanStatusCode.ERROR,
            message: `${err.name}: ${err.message}`,
          });
        } else span.setAttribute("asyncflow.task.cancel_reason", err.message);
      }
      span.end(ev.time);
      const scope = o.scope;
      if (scope !== undefined && --scope.live === 0) {
        scope.span.end(ev.time);
        scopes.delete(o.workflowId!);
      }
    } catch {
      // tracing must never disturb the engine
    }
  };
}

function describe(e: unknown): { name: string; message: string; stack?: string } {
  if (typeof e === "object" && e !== null) {
    const o = e as { name?: unknown; message?: unknown; stack?: unknown };
    if (typeof o.message === "string") {
      const out: { name: string; message: string; stack?: string } = {
        name: typeof o.name === "string" ? o.name : "Error",
        message: o.message,
      };
      if (typeof o.stack === "string") out.stack = o.stack;
      return out;
    }
  }
  return { name: "Error", message: String(e) };
}

/** Span-event attributes from a custom event's attrs: primitives as they are, the rest as JSON. */
function customAttributes(attrs: Record<string, unknown>): Attrs {
  const out: Attrs = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
    else {
      try {
        out[k] = JSON.stringify(v) ?? String(v);
      } catch {
        out[k] = String(v);
      }
    }
  }
  return out;
}
