/**
 * `maxProcesses`: an ensemble of executables never fails for lack of file
 * descriptors. The programs run in a subprocess under a small `ulimit -n`
 * (`sh -c 'ulimit -n N; exec deno …'`).
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { InlineBackend, type TaskFuture, WorkerBackend, WorkflowEngine } from "../mod.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const MANY = new URL("./fixtures/many_executables.ts", import.meta.url).pathname;
const SERVER = new URL("../examples/server.ts", import.meta.url).pathname;

/** Quotes `s` for sh. */
function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** `deno <args>` under `ulimit -n <fds>`, as an argv for Deno.Command. */
function underUlimit(fds: number, args: string[]): [string, string[]] {
  const deno = [Deno.execPath(), ...args].map(q).join(" ");
  return ["/bin/sh", ["-c", `ulimit -n ${fds} && exec ${deno}`]];
}

interface Outcome {
  done: number;
  failed: number;
  firstError: string | null;
}

async function runMany(fds: number, count: number, maxProcesses?: number): Promise<Outcome> {
  const extra = maxProcesses === undefined ? [] : [String(maxProcesses)];
  const [cmd, args] = underUlimit(fds, ["run", "-A", MANY, String(count), ...extra]);
  const out = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

Deno.test("InlineBackend runs 10,000 `true` executables to DONE under ulimit -n 1024", async () => {
  assertEquals(await runMany(1024, 10_000), { done: 10_000, failed: 0, firstError: null });
});

Deno.test("InlineBackend makes executables wait, not fail, when a spawn runs out of file descriptors", async () => {
  // 1,000 slots but room for a few dozen processes: spawns hit EMFILE, and
  // those tasks wait for a process to end instead of failing.
  assertEquals(await runMany(100, 300, 1000), { done: 300, failed: 0, firstError: null });
});

Deno.test("defaultMaxProcesses() follows the file-descriptor limit", async () => {
  const code = `import { defaultMaxProcesses } from ${JSON.stringify(`${ROOT}src/exec.ts`)};` +
    `console.log(defaultMaxProcesses());`;
  const values: number[] = [];
  for (const fds of [256, 1024]) {
    const [cmd, args] = underUlimit(fds, ["eval", code]);
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    values.push(Number(new TextDecoder().decode(out.stdout).trim()));
  }
  const cpus = Math.max(64, 8 * navigator.hardwareConcurrency);
  // min(max(64, 8 × CPUs), ⌊(fds − 128) / 8⌋, 1024)
  assertEquals(values, [Math.min(cpus, 16, 1024), Math.min(cpus, 112, 1024)]);
});

Deno.test("examples/server.ts completes one request of 1,000 echo tasks under ulimit -n 1024", async () => {
  const [cmd, args] = underUlimit(1024, [
    "run",
    "--allow-net",
    "--allow-run=echo",
    SERVER,
    "--port",
    "0",
  ]);
  const server = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(server.stderr).text();
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    // "asyncflow run server on http://127.0.0.1:PORT (...)"
    let banner = "";
    const guard = setTimeout(() => server.kill("SIGKILL"), 60_000);
    while (!banner.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      banner += value;
    }
    clearTimeout(guard);
    const url = /on (http:\/\/[^\s]+)/.exec(banner)?.[1];
    assert(url !== undefined, `no banner: ${banner}`);

    const tasks = Array.from({ length: 1000 }, (_, i) => ({ id: `e${i}`, fn: "echo", args: [i] }));
    const res = await fetch(`${url}/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tasks }),
    });
    assertEquals(res.status, 200);
    const body = await res.text();
    const last = body.trim().split("\n\n").at(-1)!;
    assertMatch(last, /^id: \d+\nevent: result\ndata: /);
    const result = JSON.parse(last.slice(last.indexOf("data: ") + 6));
    const states = new Map<string, number>();
    for (const t of Object.values(result.tasks) as { state: string }[]) {
      states.set(t.state, (states.get(t.state) ?? 0) + 1);
    }
    const firstFailure = Object.values(result.tasks).find((t) =>
      (t as { state: string }).state !== "DONE"
    );
    assertEquals(Object.fromEntries(states), { DONE: 1000 }, JSON.stringify(firstFailure));
    assertEquals(result.state, "DONE");
    assertEquals(result.tasks.e999.value, "999\n");
  } finally {
    server.kill("SIGTERM");
    await server.status;
    await reader.cancel().catch(() => {});
    await stderr;
  }
});

/** Resolves once `future` is RUNNING (a bounded wait). */
async function whenRunning(future: TaskFuture<unknown>): Promise<void> {
  for (let i = 0; i < 1000 && future.state !== "RUNNING"; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assertEquals(future.state, "RUNNING");
}

for (
  const make of [
    () => new InlineBackend({ maxProcesses: 1 }),
    () => new WorkerBackend({ maxProcesses: 1 }),
  ]
) {
  const name = make().constructor.name;
  Deno.test(`${name}({ maxProcesses }) keeps the executables beyond it PENDING until one ends`, async () => {
    await using flow = await WorkflowEngine.create({ backend: make() });
    const run = flow.executableTask((cmd: string) => cmd);
    const long = run("sleep 30");
    const next = run("echo next");
    long.catch(() => {});
    await whenRunning(long);
    // One process runs; the other waits, not RUNNING, so its timeout clock has not started.
    await new Promise((r) => setTimeout(r, 50));
    assertEquals(next.state, "PENDING");
    long.cancel();
    assertEquals(await next, "next\n");
  });
}

Deno.test("InlineBackend() and WorkerBackend() throw on a maxProcesses that is not a positive integer", () => {
  for (
    const [Backend, cls] of [[InlineBackend, "InlineBackend"], [
      WorkerBackend,
      "WorkerBackend",
    ]] as const
  ) {
    assertThrows(
      () => new Backend({ maxProcesses: 0 }),
      RangeError,
      `Cannot create ${cls} as 'maxProcesses' must be a positive integer: received 0`,
    );
    assertThrows(
      () => new Backend({ maxProcesses: "2" as unknown as number }),
      TypeError,
      `Cannot create ${cls} as 'maxProcesses' must be a positive integer: received "2"`,
    );
  }
});
