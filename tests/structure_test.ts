/**
 * The project's structure, pinned: the public surface of `mod.ts`, no import
 * cycle in `src/`, one way to render "received …" in messages, one path
 * library.
 *
 * @module
 */
import { assertEquals } from "@std/assert";
import * as mod from "../mod.ts";

const ROOT = new URL("../", import.meta.url);

/** Every exported symbol of mod.ts with its kind, as `deno doc` sees it. */
const SURFACE: Record<string, string> = {
  AttachContext: "interface",
  Awaitable: "typeAlias",
  BackendError: "class",
  BackendErrorOptions: "interface",
  BackendHost: "interface",
  BackendTask: "typeAlias",
  BackendTaskBase: "interface",
  BlockFuture: "class",
  CallOptions: "interface",
  CancelledError: "class",
  ChatMessage: "interface",
  CompletionInfo: "interface",
  DUMMY_OUTPUT: "variable",
  Dashboard: "interface",
  DashboardOptions: "interface",
  DashboardSource: "interface",
  DUMMY_PROMPT_OUTPUT: "variable",
  DependencyFailureError: "class",
  EngineOptions: "interface",
  EngineStats: "interface",
  ExecutableError: "class",
  ExecutableErrorInit: "interface",
  ExecutableTask: "interface",
  ExecutionBackend: "interface",
  FailedDependency: "interface",
  FlowEvent: "interface",
  FlowEventType: "typeAlias",
  FlowListener: "typeAlias",
  FunctionTask: "interface",
  InlineBackend: "class",
  InlineBackendOptions: "interface",
  InputFile: "class",
  LimitSpec: "interface",
  MapOptions: "interface",
  NameSummary: "interface",
  NoopBackend: "class",
  NoopBackendOptions: "interface",
  OpenAIBackend: "class",
  OpenAIBackendOptions: "interface",
  OutputFile: "class",
  Percentiles: "interface",
  ProcessBackend: "class",
  ProcessBackendOptions: "interface",
  PromptOptions: "interface",
  PromptTask: "interface",
  ResolvedResources: "typeAlias",
  Resources: "interface",
  RetryPolicy: "interface",
  SettledFuture: "typeAlias",
  SlurmBackend: "class",
  SlurmBackendOptions: "interface",
  Summary: "interface",
  TaskArgs: "typeAlias",
  TaskContext: "interface",
  TaskEvent: "typeAlias",
  TaskEventType: "typeAlias",
  TaskFunction: "interface",
  TaskFuture: "class",
  TaskKind: "typeAlias",
  TaskOptions: "interface",
  TaskState: "typeAlias",
  TaskTimeoutError: "class",
  WorkerBackend: "class",
  WorkerBackendOptions: "interface",
  WorkflowEngine: "class",
  byPriority: "function",
  startDashboard: "function",
  refuseKind: "function",
  taskContext: "function",
  unsupportedKind: "function",
};

/** Every exported symbol of the package's `./server` entry (`src/server.ts`). */
const SERVER_SURFACE: Record<string, string> = {
  Registry: "typeAlias",
  RegistryEntry: "interface",
  RegistryFactory: "typeAlias",
  RunContext: "interface",
  RunHandler: "interface",
  RunHandlerOptions: "interface",
  RunResult: "interface",
  SerializedError: "interface",
  TaskResult: "interface",
  createRunHandler: "function",
  serializeError: "function",
};

/** The members of the public classes users call. */
const MEMBERS: Record<string, string[]> = {
  WorkflowEngine: [
    "asCompleted",
    "backend",
    "backends",
    "block",
    "dashboard",
    "emit",
    "executableTask",
    "functionTask",
    "map",
    "promptTask",
    "shutdown",
    "stats",
    "subscribe",
    "summary",
    "uid",
    "workDir",
    "workflowScope",
  ],
  TaskFuture: [
    "attempts",
    "backendName",
    "cached",
    "cancel",
    "done",
    "error",
    "key",
    "name",
    "onDone",
    "result",
    "state",
    "toJSON",
    "toString",
    "uid",
    "workflowId",
  ],
};

async function run(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT, stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

/** The exported symbols of a module with their kinds, as `deno doc` sees them. */
async function surface(module: string): Promise<Record<string, string>> {
  const doc = JSON.parse(await run(["doc", "--json", module]));
  const symbols = (Object.values(doc.nodes)[0] as {
    symbols: { name: string; declarations: { kind: string }[] }[];
  }).symbols;
  return Object.fromEntries(
    symbols.map((s) => [s.name, s.declarations[0]!.kind] as const).sort((x, y) =>
      x[0] < y[0] ? -1 : 1
    ),
  );
}

Deno.test("mod.ts exports exactly the pinned public surface", async () => {
  assertEquals(await surface("mod.ts"), SURFACE);
  // the values among them are the runtime exports, and nothing else is
  const values = Object.entries(SURFACE).filter(([, k]) =>
    k === "class" || k === "function" || k === "variable"
  ).map(([n]) => n).sort();
  assertEquals(Object.keys(mod).sort(), values);
});

Deno.test("the package's ./server entry is src/server.ts and exports the pinned surface", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  assertEquals(config.exports, { ".": "./mod.ts", "./server": "./src/server.ts" });
  assertEquals(await surface("src/server.ts"), SERVER_SURFACE);
  const server = await import("../src/server.ts");
  assertEquals(Object.keys(server).sort(), ["createRunHandler", "serializeError"]);
});

Deno.test("the public classes keep their pinned members", () => {
  for (const [cls, members] of Object.entries(MEMBERS)) {
    const proto = (mod as unknown as Record<string, { prototype: object }>)[cls]!.prototype;
    const names = Object.getOwnPropertyNames(proto).filter((n) => n !== "constructor").sort();
    assertEquals(names, members, cls);
  }
});

Deno.test("src/ has no import cycle (type-only imports included)", async () => {
  // both entries of the package: mod.ts and src/server.ts
  const modules = [
    ...JSON.parse(await run(["info", "--json", "mod.ts"])).modules,
    ...JSON.parse(await run(["info", "--json", "src/server.ts"])).modules,
  ];
  const graph = new Map<string, string[]>();
  for (const m of modules as { specifier: string; dependencies?: unknown[] }[]) {
    if (!m.specifier.startsWith(new URL("src/", ROOT).href)) continue;
    const deps: string[] = [];
    for (const d of (m.dependencies ?? []) as Record<string, { specifier?: string }>[]) {
      for (const k of ["code", "type"]) {
        const s = d[k]?.specifier;
        if (s?.startsWith(new URL("src/", ROOT).href)) deps.push(s);
      }
    }
    graph.set(m.specifier, deps);
  }
  const cycles: string[] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (u: string) => {
    state.set(u, 1);
    stack.push(u);
    for (const v of graph.get(u) ?? []) {
      if (state.get(v) === 1) {
        cycles.push(
          [...stack.slice(stack.indexOf(v)), v].map((s) => s.slice(ROOT.href.length)).join(" -> "),
        );
      } else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, 2);
  };
  for (const u of graph.keys()) if (!state.has(u)) visit(u);
  assertEquals(graph.size > 30, true, "the module graph was not read");
  assertEquals(cycles, []);
});

async function* sources(dir: URL): AsyncGenerator<[string, string]> {
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* sources(u);
    else if (e.name.endsWith(".ts")) {
      yield [u.href.slice(ROOT.href.length), await Deno.readTextFile(u)];
    }
  }
}

Deno.test("src/ renders 'received …' through one helper and uses one path library", async () => {
  const manual: string[] = [];
  const paths: string[] = [];
  for await (const [file, text] of sources(new URL("src/", ROOT))) {
    if (file === "src/_text.ts") continue;
    text.split("\n").forEach((line, i) => {
      if (/received (\$\{|"|'|`)/.test(line)) manual.push(`${file}:${i + 1}: ${line.trim()}`);
      if (/from "\.\.?\/.*path\.ts"/.test(line)) paths.push(`${file}:${i + 1}`);
    });
  }
  assertEquals(manual, [], "use received() from src/_text.ts");
  assertEquals(paths, [], "use node:path");
});
