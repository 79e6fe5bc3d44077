/**
 * A new user's first hour, as checks: the README's first command runs on a
 * fresh machine without downloading anything, the package publishes the
 * library only, the README's commands and paths exist, its examples name
 * their tasks, and an AsyncFlow user finds their names mapped.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";

const ROOT = new URL("../", import.meta.url);
const ROOT_PATH = decodeURIComponent(ROOT.pathname);

async function read(path: string): Promise<string> {
  return await Deno.readTextFile(new URL(path, ROOT));
}

/** The directories the demo's copy needs (every file at the top is copied too: a lock file). */
const DIRS = ["asm", "dev", "examples", "src"];

Deno.test("deno task demo on an empty DENO_DIR fetches no npm package and runs", async () => {
  // a copy of what the demo's config can see, so its outputs stay out of the repository
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_first_hour_" });
  // an npm registry that records every request and serves none
  const requests: string[] = [];
  const registry = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    requests.push(new URL(req.url).pathname);
    return new Response("no packages here", { status: 503 });
  });
  try {
    const top: string[] = [];
    for await (const e of Deno.readDir(ROOT)) {
      if (e.isFile || DIRS.includes(e.name)) top.push(ROOT_PATH + e.name);
    }
    const copy = await new Deno.Command("cp", { args: ["-r", ...top, `${dir}/`] }).output();
    assertEquals(copy.code, 0, new TextDecoder().decode(copy.stderr));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "demo"],
      cwd: dir,
      env: {
        DENO_DIR: `${dir}/.deno_dir`,
        NPM_CONFIG_REGISTRY: `http://127.0.0.1:${registry.addr.port}/`,
        DENO_NO_UPDATE_CHECK: "1",
        NO_COLOR: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, `${stdout}\n${stderr}`);
    assertEquals(requests, [], "the demo asked the npm registry for packages");
    const npm = [];
    try {
      for await (const e of Deno.readDir(`${dir}/.deno_dir/npm`)) npm.push(e.name);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    assertEquals(npm, [], "npm packages in DENO_DIR");
    assertMatch(stdout, /^Total time: \d+\.\d\d s$/m);
    // the timeline's rows and marker are the calls' own names
    const page = await Deno.readTextFile(`${dir}/composite_blocks.timeline.html`);
    for (const text of ["block A", "block C", "A/WF1", "C/WF3", "part 2: C after A and B"]) {
      assertStringIncludes(page, text);
    }
  } finally {
    await registry.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the root deno.json names no npm package and its demo task is the demo's Run: line", async () => {
  const config = JSON.parse(await read("deno.json"));
  // deno task installs every npm package of the root imports and lock file before any task
  for (const [name, target] of Object.entries(config.imports as Record<string, string>)) {
    assert(!/^(npm|jsr):/.test(target), `import '${name}' maps to ${target}`);
    assert(target.startsWith("./dev/"), `import '${name}' maps to ${target}`);
  }
  assertEquals(config.lock, false);
  const rootLock = await Deno.stat(new URL("deno.lock", ROOT)).then(() => true, () => false);
  assert(!rootLock, "a deno.lock at the root: the root config reads none (lock: false)");
  // the tools that need npm packages lock them apart
  for (const task of ["test", "check", "build:wasm", "bench:report"]) {
    assertStringIncludes(config.tasks[task], "--lock=dev/deno.lock", task);
  }
  const doc = (await read("examples/composite_blocks.ts")).split("@module")[0]!;
  const run = /Run: `(deno run [^`]+)`/.exec(doc.replace(/\n \* ?/g, " "))?.[1];
  assertEquals(config.tasks.demo, run);
  // scoped permissions only: no --allow-run, no unscoped read or write
  assert(!/--allow-(run|all)|-A\b|--allow-(read|write)(?!=)/.test(run!), run);
});

Deno.test("deno publish --dry-run lists the library only", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (out.code !== 0 && /error sending request|dns error|failed to fetch|network/i.test(text)) {
    console.log(`deno publish --dry-run skipped: it needs the network here: ${text.slice(-300)}`);
    return;
  }
  assertEquals(out.code, 0, text);
  const files = [...text.matchAll(/^\s+file:\/\/(\S+) \(/gm)].map((m) =>
    decodeURIComponent(m[1]!).slice(ROOT_PATH.length)
  );
  const top = new Set(["LICENSE", "README.md", "asm/build/core.wasm", "deno.json", "mod.ts"]);
  assertEquals(files.filter((f) => !top.has(f) && !f.startsWith("src/")), []);
  for (const f of [...top, "src/server.ts", "src/engine.ts"]) assert(files.includes(f), f);
  // every module the two entries load is published
  for (const entry of ["mod.ts", "src/server.ts"]) {
    const info = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: ROOT,
      stdout: "piped",
    }).output();
    const modules = JSON.parse(new TextDecoder().decode(info.stdout)).modules as {
      specifier: string;
    }[];
    for (const m of modules) {
      if (!m.specifier.startsWith(ROOT.href)) continue;
      const path = decodeURIComponent(m.specifier.slice(ROOT.href.length));
      assert(files.includes(path), `${entry} loads ${path}, which is not published`);
    }
  }
});

Deno.test("the README's commands and the files it names exist", async () => {
  const readme = await read("README.md");
  // npm asks before it installs a package unless told yes
  assertEquals(readme.match(/npx (?!-y |--yes )\S+/g) ?? [], []);
  assertStringIncludes(readme, "npx -y deno@");
  const quick = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("## Use it"));
  assertMatch(quick, /^deno task demo /m);
  assertMatch(quick, /^deno task test /m);
  // CI runs the README's test command
  assertMatch(await read(".ci/run"), /^deno task test$/m);
  const named = new Set(
    readme.match(/\b(?:tests|examples|bench|tools|src|scripts|dev|asm)\/[\w./-]*\w\/?/g) ?? [],
  );
  assert(named.size > 20, "the README names files");
  const missing: string[] = [];
  for (const path of named) {
    if (path.endsWith("/")) continue; // a directory a command creates (bench/results/)
    if (!await Deno.stat(new URL(path, ROOT)).then(() => true, () => false)) missing.push(path);
  }
  assertEquals(missing, [], "paths the README names that do not exist");
  // every task in deno.json the README names exists
  const tasks = Object.keys(JSON.parse(await read("deno.json")).tasks);
  for (const m of readme.matchAll(/deno task ([\w:-]+)/g)) {
    assert(tasks.includes(m[1]!), `README runs 'deno task ${m[1]}', which does not exist`);
  }
});

/**
 * The task function definitions in `code` that give their tasks no name: an
 * anonymous function and no `name` option (their tasks would all be "task").
 */
export function unnamedDefinitions(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/\.(functionTask|executableTask|promptTask|block)\(/g)) {
    const start = m.index + m[0].length;
    let depth = 1;
    let i = start;
    let quote: string | undefined;
    for (; i < code.length && depth > 0; i++) {
      const c = code[i]!;
      if (quote !== undefined) {
        if (c === "\\") i++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'" || c === "`") quote = c;
      else if (c === "(") depth++;
      else if (c === ")") depth--;
    }
    const call = code.slice(start, i - 1);
    const named = /^\s*(async\s+)?function\s*\*?\s*[A-Za-z_$]/.test(call) || // named function
      /^\s*[A-Za-z_$][\w$]*\s*(,|$)/.test(call) || // a function by its name
      /\bname:\s*["'`]/.test(call);
    if (!named) {
      const line = code.slice(0, m.index).split("\n").length;
      out.push(`line ${line}: ${code.slice(m.index, m.index + 60).split("\n")[0]}`);
    }
  }
  return out;
}

Deno.test("unnamedDefinitions() finds task functions defined without a name", () => {
  assertEquals(
    unnamedDefinitions(`
flow.functionTask(async function fetch(x) { return f(x); });
flow.functionTask(countPrimes, { module: import.meta.url });
flow.functionTask((a, b) => \`\${a})\`, { name: "merge" });
flow.executableTask((t) => ["echo", t]);
flow.block(async (label) => { await g(label); });`),
    [
      'line 5: .executableTask((t) => ["echo", t]);',
      "line 6: .block(async (label) => { await g(label); });",
    ],
  );
});

Deno.test("the README, mod.ts and the examples name every task function they define", async () => {
  const unnamed: string[] = [];
  // the README's TypeScript blocks (lines outside them blanked, so line numbers hold)
  let inside = false;
  const readme = (await read("README.md")).split("\n").map((l) => {
    if (l.startsWith("```")) {
      inside = !inside && l.startsWith("```ts");
      return "";
    }
    return inside ? l : "";
  }).join("\n");
  for (const u of unnamedDefinitions(readme)) unnamed.push(`README.md ${u}`);
  const files = ["mod.ts"];
  for await (const e of Deno.readDir(new URL("examples/", ROOT))) {
    if (e.name.endsWith(".ts")) files.push(`examples/${e.name}`);
  }
  for (const f of files) {
    for (const u of unnamedDefinitions(await read(f))) unnamed.push(`${f} ${u}`);
  }
  assertEquals(unnamed, []);
});

Deno.test("the README maps AsyncFlow's names to this library's", async () => {
  const readme = await read("README.md");
  const start = readme.indexOf("## Coming from AsyncFlow (Python)");
  assert(start >= 0, "no 'Coming from AsyncFlow (Python)' section");
  const rows = readme.slice(start).split("\n## ")[0]!.split("\n").filter((l) => l.startsWith("| "));
  const pairs: [string, string][] = [
    ["WorkflowEngine.create(backend=", "WorkflowEngine.create({ backend"],
    ["function_task", "functionTask"],
    ["executable_task", "executableTask"],
    ["prompt_task", "promptTask"],
    ["@flow.block", "flow.block"],
    ["task_description", "resources"],
    ["workflow_id", "workflowId"],
    ["workflow_scope", "workflowScope"],
    ["add_done_callback", "onDone"],
    ["asyncio.gather", "Promise.all"],
    ["ThreadPoolExecutor", "WorkerBackend"],
    ["ProcessPoolExecutor", "ProcessBackend"],
    ["RadicalExecutionBackend", "SlurmBackend"],
    ["dry_run", "dryRun"],
    ["seconds", "milliseconds"],
    ["DependencyFailureError", "failedDependencies"],
    ["__name__", "import.meta.main"],
  ];
  for (const [theirs, ours] of pairs) {
    assert(
      rows.some((r) => r.split(" | ")[0]!.includes(theirs) && r.includes(ours)),
      `no row maps ${theirs} to ${ours}`,
    );
  }
});
