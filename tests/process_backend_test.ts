/**
 * ProcessBackend: out of memory, spinning tasks cancelled and timed out, no
 * subprocess left after shutdown, priorities, permissions (the shared
 * behaviours are in the conformance suite).
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertNotEquals,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  BackendError,
  type BackendHost,
  CancelledError,
  type FunctionTask,
  ProcessBackend,
  TaskTimeoutError,
  WorkflowEngine,
} from "../mod.ts";
import { MODULE, waitForAbort } from "./fixtures/remote_fns.ts";

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !(stat.split(") ")[1]?.startsWith("Z") ?? true);
  } catch {
    return false;
  }
}

async function eventually(cond: () => boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/** The pid of the subprocess that runs a task (its body reports it). */
function pidTask(flow: WorkflowEngine) {
  return flow.functionTask(function myPid() {
    return Deno.pid;
  });
}

Deno.test("new ProcessBackend() throws at once on bad options", () => {
  assertThrows(
    () => new ProcessBackend({ processes: 0 }),
    RangeError,
    "Cannot create ProcessBackend as 'processes' must be a positive integer: received 0",
  );
  assertThrows(
    () => new ProcessBackend({ memoryMB: 1.5 }),
    RangeError,
    "'memoryMB' must be a positive integer: received 1.5",
  );
  assertThrows(
    () => new ProcessBackend({ maxProcesses: -1 }),
    RangeError,
    "'maxProcesses' must be a positive integer: received -1",
  );
  assertThrows(
    () => new ProcessBackend({ denoArgs: "-A" as unknown as string[] }),
    TypeError,
    `'denoArgs' must be an array of strings: received "-A"`,
  );
  assertThrows(
    () => new ProcessBackend({ process: 2 } as never),
    TypeError,
    `'options' has an unknown field (known: name, processes, memoryMB, maxProcesses, concurrency, denoArgs, deno): received "process"`,
  );
  assertEquals(new ProcessBackend().name, "processes");
  assertEquals(new ProcessBackend({ name: "p" }).name, "p");
  assertEquals(new ProcessBackend().kinds, ["function", "executable"]);
});

Deno.test("ProcessBackend fails a task that runs out of memory with BackendError and goes on", async () => {
  const backend = new ProcessBackend({ processes: 2, memoryMB: 64 });
  await using flow = await WorkflowEngine.create({ backend });
  const hog = flow.functionTask(function hog() {
    const kept: number[][] = [];
    for (;;) kept.push(new Array(100_000).fill(kept.length));
  });
  const nap = flow.functionTask(async function nap(ms: number) {
    await new Promise((r) => setTimeout(r, ms));
    return ms;
  });
  const other = nap(1500); // on the other subprocess, which must not notice
  const e = await assertRejects(() => hog(), BackendError);
  assertEquals(e.backend, "processes");
  assertMatch(e.message, /ran out of memory \(memoryMB = 64\) while running task 'hog'/);
  assertEquals(await other, 1500);
  // a new subprocess takes the place of the old one
  assertEquals(await nap(1), 1);
});

Deno.test("ProcessBackend kills the subprocess of a spinning task on cancel and on timeout", async () => {
  const backend = new ProcessBackend({ processes: 1 });
  await using flow = await WorkflowEngine.create({ backend });
  const myPid = pidTask(flow);
  const spin = flow.functionTask(function spin() {
    for (;;) { /* never yields */ }
  });
  const first = await myPid();
  const f = spin();
  await eventually(() => f.state === "RUNNING");
  assert(f.cancel("enough"));
  await assertRejects(() => f, CancelledError);
  assert(await eventually(() => !alive(first)), `subprocess ${first} still runs`);
  const second = await myPid(); // a new one took its place
  assertNotEquals(second, first);
  const timed = spin.with({ timeout: 300 });
  const e = await assertRejects(() => timed(), TaskTimeoutError);
  assertEquals(e.timeout, 300);
  assert(await eventually(() => !alive(second)), `subprocess ${second} still runs`);
  assertNotEquals(await myPid(), second);
});

Deno.test("ProcessBackend keeps the subprocess of a body that stops on its signal", async () => {
  const backend = new ProcessBackend({ processes: 1 });
  await using flow = await WorkflowEngine.create({ backend });
  const dir = await Deno.makeTempDir();
  try {
    const myPid = pidTask(flow);
    const pid = await myPid();
    const wait = flow.functionTask(waitForAbort, { module: MODULE, timeout: 200 });
    await assertRejects(() => wait(`${dir}/x`), TaskTimeoutError);
    assert(
      await eventually(() => {
        try {
          return Deno.readTextFileSync(`${dir}/x`).startsWith("TaskTimeoutError");
        } catch {
          return false;
        }
      }),
    );
    assertEquals(await myPid(), pid);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ProcessBackend.shutdown() leaves no subprocess alive, busy or idle", async () => {
  const backend = new ProcessBackend({ processes: 3 });
  const flow = await WorkflowEngine.create({ backend });
  const spin = flow.functionTask(function spin() {
    for (;;) { /* never yields */ }
  });
  const wait = flow.functionTask(async function wait() {
    await new Promise(() => {});
  });
  const quick = flow.functionTask((x: number) => x);
  const futures = [spin(), wait(), quick(1)];
  await futures[2];
  await eventually(() => futures[0]!.state === "RUNNING" && futures[1]!.state === "RUNNING");
  const pids = backend.pids;
  assertEquals(pids.length, 3);
  await flow.shutdown();
  for (const pid of pids) assert(!alive(pid), `subprocess ${pid} is alive after shutdown`);
  assertEquals(backend.liveProcesses, 0);
  for (const f of futures.slice(0, 2)) assertInstanceOf(f.error, CancelledError);
});

Deno.test("ProcessBackend starts waiting tasks in priority order", async () => {
  // driven directly: the engine's own priority stage is not what this tests
  const backend = new ProcessBackend({ processes: 1 });
  const order: string[] = [];
  const settled = new Map<string, PromiseWithResolvers<void>>();
  const host: BackendHost = {
    running() {},
    done(t, v) {
      order.push(v as string);
      settled.get(t.uid)?.resolve();
    },
    failed(t, e) {
      settled.get(t.uid)?.reject(e);
    },
    cancelled() {},
  };
  await backend.attach({ engineUid: "flow.test", workDir: Deno.cwd(), host });
  try {
    let seq = 0;
    const task = (fn: (...a: never[]) => unknown, args: unknown[], priority = 0): FunctionTask => {
      const uid = `task.${String(++seq).padStart(6, "0")}`;
      settled.set(uid, Promise.withResolvers<void>());
      return {
        kind: "function",
        uid,
        name: fn.name || "f",
        attempt: 0,
        timeout: undefined,
        engineUid: "flow.test",
        resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
        fn,
        args,
        module: undefined,
        priority,
        seq,
      };
    };
    const hold = task(async function hold() {
      await new Promise((r) => setTimeout(r, 500));
      return "hold";
    }, []);
    backend.submit([hold]);
    const mark = (label: string) => label;
    const tasks = [1, 5, 3, 5, 0].map((p, i) => task(mark, [`${i}:p${p}`], p));
    backend.submit(tasks.slice(0, 2)); // separate batches: the queue orders them
    backend.submit(tasks.slice(2));
    await Promise.all([...settled.values()].map((s) => s.promise));
    assertEquals(order, ["hold", "1:p5", "3:p5", "2:p3", "0:p1", "4:p0"]);
  } finally {
    await backend.shutdown();
  }
});

Deno.test("ProcessBackend gives subprocesses the permissions this process holds", async () => {
  // this test runs with -A: the subprocess may read and run things
  const backend = new ProcessBackend({ processes: 1 });
  await using flow = await WorkflowEngine.create({ backend });
  const perms = flow.functionTask(function perms() {
    return ["read", "env", "run"].map((name) =>
      Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state
    );
  });
  assertEquals(await perms(), ["granted", "granted", "granted"]);
  // denoArgs replaces them
  const narrow = new ProcessBackend({ name: "narrow", processes: 1, denoArgs: ["--allow-env"] });
  await using flow2 = await WorkflowEngine.create({ backend: narrow });
  const perms2 = flow2.functionTask(function perms() {
    return ["read", "env"].map((name) =>
      Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state
    );
  });
  assertEquals(await perms2(), ["prompt", "granted"]);
});

Deno.test("ProcessBackend writes what a task prints on its own stdout", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/main.ts`;
  await Deno.writeTextFile(
    script,
    `import { ProcessBackend, WorkflowEngine } from ${
      JSON.stringify(new URL("../mod.ts", import.meta.url).href)
    };
await using flow = await WorkflowEngine.create({ backend: new ProcessBackend({ processes: 1 }) });
const hi = flow.functionTask((n: number) => { console.log("hello", n, { a: 1 }); console.error("to stderr"); return n; });
console.log("result", await hi(7));
`,
  );
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertEquals(stdout, "hello 7 { a: 1 }\nresult 7\n");
    assertEquals(stderr, "to stderr\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ProcessBackend subprocesses end with the engine's process, even a spinning one (SIGKILL)", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/main.ts`;
  await Deno.writeTextFile(
    script,
    `import { ProcessBackend, WorkflowEngine } from ${
      JSON.stringify(new URL("../mod.ts", import.meta.url).href)
    };
const backend = new ProcessBackend({ processes: 2 });
const flow = await WorkflowEngine.create({ backend });
const spin = flow.functionTask(() => { for (;;) {} });
const wait = flow.functionTask(() => new Promise(() => {}));
spin(); wait();
while (backend.pids.length < 2) await new Promise((r) => setTimeout(r, 20));
await new Promise((r) => setTimeout(r, 500));
console.log(JSON.stringify(backend.pids));
await new Promise(() => {});
`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const r = await reader.read();
      if (r.done) break;
      text += r.value;
    }
    const pids = JSON.parse(text) as number[];
    assertEquals(pids.length, 2);
    assert(pids.every(alive));
    child.kill("SIGKILL");
    assert(await eventually(() => !pids.some(alive)), `left behind: ${pids.filter(alive)}`);
    await reader.cancel();
  } finally {
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
