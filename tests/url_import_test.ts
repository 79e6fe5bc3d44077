/**
 * URL import: the library works when a script imports `mod.ts` by its
 * `http://` URL, with no `deno.json`, no import map and a fresh module cache.
 *
 * The test serves the repository over HTTP on 127.0.0.1 (a static file server
 * written with `Deno.serve`), writes a script into an empty temporary folder
 * and runs it in a fresh `deno run --no-config` process whose only
 * permissions are importing from that server and reading the script's own
 * folder. The script runs a workflow on the inline backend (the Wasm core is
 * loaded over HTTP) and on `WorkerBackend` (the worker entry is resolved from
 * the remote module). A second test scans the library's sources: only
 * relative imports and `node:` built-ins.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";

const ROOT = new URL("../", import.meta.url);

/** What Deno accepts for each kind of module served over HTTP. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
};

function extension(path: string): string {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? "" : path.slice(dot);
}

interface RepoServer {
  readonly origin: string;
  readonly port: number;
  /** Paths served with 200, in request order. */
  readonly served: string[];
  /** Paths answered 404. */
  readonly missing: string[];
  close(): Promise<void>;
}

/** Serves the files of the repository (only known module types) on 127.0.0.1. */
function serveRepository(): Promise<RepoServer> {
  const served: string[] = [];
  const missing: string[] = [];
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (addr) => resolve(addr),
  }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    const type = CONTENT_TYPES[extension(path)];
    const safe = !path.split("/").some((part) => part === ".." || part.startsWith("."));
    if (request.method !== "GET" || type === undefined || !safe) {
      missing.push(path);
      return new Response("Not found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(new URL(`.${path}`, ROOT));
      served.push(path);
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      missing.push(path);
      return new Response("Not found", { status: 404 });
    }
  });
  return promise.then((addr) => ({
    origin: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    served,
    missing,
    close: () => server.shutdown(),
  }));
}

/** The user's script: imports the library by URL, runs a workflow on two backends. */
function clientScript(origin: string): string {
  return `
import {
  DependencyFailureError,
  InlineBackend,
  WorkerBackend,
  WorkflowEngine,
} from "${origin}/mod.ts";

/** Runs in a worker, loaded from this module: reports the worker's name. */
export function whereSquared(x: number): string {
  return \`\${(globalThis as { name?: string }).name}:\${x * x}\`;
}

if (import.meta.main) {
  {
    await using flow = await WorkflowEngine.create({ backend: new InlineBackend() });
    const add = flow.functionTask((a: number, b: number) => a + b, { name: "add" });
    const double = flow.functionTask(async (x: number) => x * 2, { name: "double" });
    const boom = flow.functionTask((): number => { throw new Error("boom"); }, { name: "boom" });
    console.log(\`inline result \${await double(add(add(1, 2), 3))}\`);
    const failed = await add(boom(), 1).then(() => "no error", (e: unknown) =>
      e instanceof DependencyFailureError ? \`\${e.name}: \${(e.rootCause as Error).message}\` : String(e));
    console.log(\`inline failure \${failed}\`);
    console.log(\`inline stats \${JSON.stringify(flow.stats())}\`);
  }
  {
    await using flow = await WorkflowEngine.create({ backend: new WorkerBackend({ workers: 2 }) });
    const where = flow.functionTask(whereSquared, { module: import.meta.url });
    const sum = flow.functionTask((...xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: "sum" });
    const squares = [where(2), where(3)];
    const total = sum(...squares.map((f) => f.then((s) => Number(s.split(":")[1]))));
    const names = (await Promise.all(squares)).map((s) => s.split(":")[0]);
    console.log(\`workers ran in \${names.every((n) => /^workers-\\d+$/.test(n ?? "")) ? "workers" : names.join(",")}\`);
    console.log(\`workers result \${await total}\`);
  }
  console.log("ok");
}
`;
}

Deno.test({
  name:
    "mod.ts imported by http URL runs workflows on InlineBackend and WorkerBackend with no config",
  sanitizeResources: true,
  sanitizeOps: true,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_url_import_" });
  const server = await serveRepository();
  try {
    const script = `${dir}/client.ts`;
    await Deno.writeTextFile(script, clientScript(server.origin));
    const host = `127.0.0.1:${server.port}`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        `--allow-import=${host}`,
        // the worker entry's module; the task module (this script) for the worker
        `--allow-read=${dir}`,
        script,
      ],
      cwd: dir,
      env: { DENO_DIR: `${dir}/deno_dir`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(
      { code: output.code, stdout },
      {
        code: 0,
        stdout: [
          "inline result 12",
          "inline failure DependencyFailureError: boom",
          `inline stats {"pending":0,"running":0,"done":3,"failed":2,"cancelled":0}`,
          "workers ran in workers",
          "workers result 13",
          "ok",
          "",
        ].join("\n"),
      },
      `stderr:\n${stderr}`,
    );
    // The modules came from the server: a fresh cache, nothing read from disk.
    assertStringIncludes(stderr, `Download ${server.origin}/mod.ts`);
    for (
      const path of [
        "/mod.ts",
        "/src/engine.ts",
        "/asm/build/core.wasm",
        "/src/backends/worker.ts",
        "/src/backends/worker_entry.ts",
      ]
    ) {
      assert(server.served.includes(path), `${path} was not fetched: ${server.served.join(" ")}`);
    }
    assertEquals(server.missing, [], "the script asked for files the server does not have");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A specifier the library may import: relative, or a Deno / Node built-in. */
function allowed(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") ||
    specifier.startsWith("node:");
}

/**
 * Dynamic imports whose argument is neither a string literal nor a constant
 * holding one, by file: each is allowed only where it is listed.
 */
const DYNAMIC_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  // loads the `module` option of a task function (a URL the user gave)
  "src/ship.ts": ["url"],
};

/**
 * npm packages the library may load with a dynamic import (optional features),
 * by file; a version suffix (`@^1.9.0`) is allowed.
 */
const OPTIONAL_NPM: Readonly<Record<string, readonly string[]>> = {
  // OpenTelemetry: imported only when Deno's OTel is on (`OTEL_DENO=true`)
  "src/otel.ts": ["npm:@opentelemetry/api"],
};

function optionalNpm(file: string, specifier: string): boolean {
  return (OPTIONAL_NPM[file] ?? []).some((p) => specifier === p || specifier.startsWith(`${p}@`));
}

async function librarySources(): Promise<string[]> {
  const files = ["mod.ts"];
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (/\.(ts|js|mjs)$/.test(entry.name)) files.push(path);
    }
  }
  await walk("src");
  return files.sort();
}

/** Source text with comment lines (JSDoc, `//`) removed: doc examples are not library code. */
function codeLines(text: string): string {
  let inBlock = false;
  const lines: string[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (inBlock) {
      if (t.includes("*/")) inBlock = false;
      lines.push("");
    } else if (t.startsWith("/*")) {
      inBlock = !t.includes("*/");
      lines.push("");
    } else if (t.startsWith("//")) {
      lines.push("");
    } else {
      lines.push(line);
    }
  }
  return lines.join("\n");
}

/** Every import specifier in `code`; `dynamic` holds non-literal `import(...)` arguments. */
function importsOf(code: string): { specifiers: string[]; dynamic: string[] } {
  const specifiers: string[] = [];
  const dynamic: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm)) {
    specifiers.push(m[1]!);
  }
  for (const m of code.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) specifiers.push(m[1]!);
  for (const m of code.matchAll(/\bimport\s*\(\s*([^),]*?)\s*[),]/g)) {
    const arg = m[1]!;
    const literal = /^(["'`])([^"'`$]*)\1$/.exec(arg) ??
      // a constant: `const NAME = "specifier";` in the same file
      (/^[A-Za-z_$][\w$]*$/.test(arg)
        ? new RegExp(`\\bconst\\s+${arg.replaceAll("$", "\\$")}\\s*=\\s*(["'])([^"']*)\\1`).exec(
          code,
        )
        : null);
    if (literal) specifiers.push(literal[2]!);
    else dynamic.push(arg);
  }
  for (const m of code.matchAll(/new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g)) {
    specifiers.push(m[1]!);
  }
  return { specifiers, dynamic };
}

Deno.test("mod.ts and src/ import only relative paths and node: built-ins", async () => {
  const files = await librarySources();
  assert(files.includes("src/engine.ts") && files.includes("src/backends/worker_entry.ts"));
  const problems: string[] = [];
  let count = 0;
  for (const file of files) {
    const { specifiers, dynamic } = importsOf(
      codeLines(await Deno.readTextFile(new URL(file, ROOT))),
    );
    count += specifiers.length;
    for (const s of specifiers) {
      if (!allowed(s) && !optionalNpm(file, s)) {
        problems.push(`${file}: '${s}'`);
      }
    }
    for (const d of dynamic) {
      if (!(DYNAMIC_IMPORTS[file] ?? []).includes(d)) problems.push(`${file}: import(${d})`);
    }
  }
  assert(count > 50, `the scan found only ${count} imports: it is broken`);
  assertEquals(problems, []);
});

Deno.test("importsOf() finds static, re-export, side-effect, dynamic and worker specifiers", () => {
  const code = codeLines([
    `import { a } from "./a.ts";`,
    `import type {`,
    `  B,`,
    `} from "@std/assert";`,
    `export { c } from "jsr:@std/c";`,
    `import "npm:side-effect";`,
    `const d = await import("https://example.com/d.ts");`,
    `const e = await import(url);`,
    `const F = "npm:f@^1.0.0";`,
    `const f = await import(F);`,
    `new Worker(new URL("./entry.ts", import.meta.url));`,
    `/**`,
    ` * import { X } from "@not/code";`,
    ` */`,
    `// import { Y } from "@not/code";`,
  ].join("\n"));
  const found = importsOf(code);
  assertEquals(found.specifiers.sort(), [
    "./a.ts",
    "./entry.ts",
    "@std/assert",
    "https://example.com/d.ts",
    "jsr:@std/c",
    "npm:f@^1.0.0",
    "npm:side-effect",
  ]);
  assertEquals(found.dynamic, ["url"]);
  assertEquals(found.specifiers.filter(allowed).sort(), ["./a.ts", "./entry.ts"]);
});
