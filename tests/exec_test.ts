import { assert, assertEquals, assertInstanceOf, assertMatch } from "@std/assert";
import { DRAIN_MS, LocalProcesses, recycled } from "../src/exec.ts";
import { reaper } from "../src/_reaper.ts";
import type { BackendHost, BackendTask, ExecutableTask } from "../src/backend.ts";
import { BackendError, ExecutableError } from "../src/errors.ts";

type Report =
  | { kind: "running" }
  | { kind: "done"; value: unknown }
  | { kind: "failed"; error: unknown }
  | { kind: "cancelled"; reason: unknown };

/** A host that records reports per task and lets a test await the outcome. */
class FakeHost implements BackendHost {
  readonly reports = new Map<string, Report[]>();
  readonly #waiters = new Map<string, PromiseWithResolvers<Report>>();
  readonly #started = new Map<string, PromiseWithResolvers<void>>();

  running(task: BackendTask): void {
    this.#add(task, { kind: "running" });
    this.#startedOf(task.uid).resolve();
  }
  done(task: BackendTask, value: unknown): void {
    this.#settle(task, { kind: "done", value });
  }
  failed(task: BackendTask, error: unknown): void {
    this.#settle(task, { kind: "failed", error });
  }
  cancelled(task: BackendTask, reason?: unknown): void {
    this.#settle(task, { kind: "cancelled", reason });
  }

  /** The final report of task `uid`. */
  outcome(uid: string): Promise<Report> {
    return this.#waiterOf(uid).promise;
  }
  /** Resolves when task `uid` reported running. */
  started(uid: string): Promise<void> {
    return this.#startedOf(uid).promise;
  }
  kinds(uid: string): string[] {
    return (this.reports.get(uid) ?? []).map((r) => r.kind);
  }

  #add(task: BackendTask, report: Report): void {
    const list = this.reports.get(task.uid) ?? [];
    list.push(report);
    this.reports.set(task.uid, list);
  }
  #settle(task: BackendTask, report: Report): void {
    this.#add(task, report);
    this.#waiterOf(task.uid).resolve(report);
  }
  #waiterOf(uid: string): PromiseWithResolvers<Report> {
    let waiter = this.#waiters.get(uid);
    if (waiter === undefined) this.#waiters.set(uid, waiter = Promise.withResolvers());
    return waiter;
  }
  #startedOf(uid: string): PromiseWithResolvers<void> {
    let waiter = this.#started.get(uid);
    if (waiter === undefined) this.#started.set(uid, waiter = Promise.withResolvers());
    return waiter;
  }
}

/** `assertInstanceOf` that returns the narrowed value (the npm build of std has no types). */
function instanceOf<T>(value: unknown, ctor: abstract new (...args: never[]) => T): T {
  assertInstanceOf(value, ctor);
  return value as T;
}

/** The error of a `failed` report. */
function failure(report: Report): unknown {
  if (report.kind !== "failed") throw new Error(`Expected failed, got ${JSON.stringify(report)}`);
  return report.error;
}

type Launcher = "setsid" | "detached";

let counter = 0;
function makeTask(
  command: string | string[],
  extra: Partial<
    Pick<ExecutableTask, "env" | "cwd" | "stdoutPath" | "stderrPath" | "priority" | "seq">
  > = {},
): ExecutableTask {
  counter++;
  return {
    ...(extra.priority !== undefined && { priority: extra.priority }),
    ...(extra.seq !== undefined && { seq: extra.seq }),
    kind: "executable",
    uid: `task.${String(counter).padStart(6, "0")}`,
    name: `t${counter}`,
    resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
    attempt: 0,
    timeout: undefined,
    engineUid: "flow.test",
    command,
    env: extra.env,
    cwd: extra.cwd,
    stdoutPath: extra.stdoutPath,
    stderrPath: extra.stderrPath,
  };
}

/** Runs one task to its outcome and shuts the runner down. */
async function runOne(
  task: ExecutableTask,
  launcher: Launcher,
): Promise<{ report: Report; host: FakeHost }> {
  const host = new FakeHost();
  const processes = new LocalProcesses("inline", { launcher });
  processes.submit(task, host);
  const report = await host.outcome(task.uid);
  await processes.shutdown();
  return { report, host };
}

async function valueOf(task: ExecutableTask, launcher: Launcher): Promise<unknown> {
  const { report, host } = await runOne(task, launcher);
  assertEquals(host.kinds(task.uid), ["running", "done"]);
  if (report.kind !== "done") throw new Error(`Expected done, got ${JSON.stringify(report)}`);
  return report.value;
}

async function errorOf(task: ExecutableTask, launcher: Launcher): Promise<unknown> {
  const { report } = await runOne(task, launcher);
  return failure(report);
}

/** Pids of live (not zombie) processes whose process group is `pgid`. */
function liveInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
    } catch {
      continue; // exited meanwhile
    }
    // Fields after "(comm)": state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") pids.push(Number(entry.name));
  }
  return pids;
}

/** Live members of group `pgid` after waiting up to `ms` for them to go. */
async function goneWithin(pgid: number, ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  let live = liveInGroup(pgid);
  while (live.length !== 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    live = liveInGroup(pgid);
  }
  return live;
}

/** Children of `pid` (from /proc/<pid>/task/<pid>/children). */
function childrenOf(pid: number): number[] {
  const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
  return text === "" ? [] : text.split(" ").map(Number);
}

/** A command that prints its own pid, then runs a tree of two sleeps. */
const TREE = "echo $$; sleep 100 & sleep 100 & wait";

/** Submits TREE and resolves with the leader pid once both sleeps exist. */
async function startTree(
  processes: LocalProcesses,
  host: FakeHost,
  task: ExecutableTask,
): Promise<number> {
  processes.submit(task, host);
  await host.started(task.uid);
  // The leader's pid is the shell's: read it back via /proc rather than
  // stdout, which is only delivered at the end. The shell forks both sleeps
  // before `wait`; wait for them through a pipe-free loop on /proc.
  const pid = await leaderPid(task);
  for (let i = 0; i < 200 && childrenOf(pid).length < 2; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assertEquals(childrenOf(pid).length, 2, "the tree did not start its two sleeps");
  return pid;
}

/** The pid of the shell running `task` (found by its unique command line). */
async function leaderPid(task: ExecutableTask): Promise<number> {
  const marker = typeof task.command === "string" ? task.command : task.command.join("\0");
  for (let i = 0; i < 200; i++) {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
        if (cmdline === `/bin/sh\0-c\0${marker}\0`) return Number(entry.name);
      } catch {
        // exited meanwhile
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`No process for ${marker}`);
}

for (const launcher of ["setsid", "detached"] as const) {
  Deno.test(`LocalProcesses.submit() returns stdout of a shell string with quoting intact (${launcher})`, async () => {
    assertEquals(await valueOf(makeTask(`python3 -c 'print(1+1)'`), launcher), "2\n");
    assertEquals(await valueOf(makeTask(`echo "a  b"`), launcher), "a  b\n");
    assertEquals(
      await valueOf(makeTask(`printf '%s|' one "two three" | tr '|' '\\n'`), launcher),
      "one\ntwo three\n",
    );
  });

  Deno.test(`LocalProcesses.submit() returns a large multi-byte stdout intact (${launcher})`, async () => {
    // 600 kB arrives in many chunks, some splitting a two-byte character.
    const value = await valueOf(
      makeTask(["python3", "-c", "print('é' * 300000, end='')"]),
      launcher,
    );
    assertEquals(value, "é".repeat(300000));
  });

  Deno.test(`LocalProcesses.submit() runs an argv array without a shell (${launcher})`, async () => {
    assertEquals(
      await valueOf(makeTask(["echo", "$HOME", "a  b", "'q'"]), launcher),
      "$HOME a  b 'q'\n",
    );
    assertEquals(
      await valueOf(makeTask(["/bin/sh", "-c", "echo $0 $1", "x", "y"]), launcher),
      "x y\n",
    );
  });

  Deno.test(`LocalProcesses.submit() merges env over the environment and honours cwd (${launcher})`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const task = makeTask(`echo "$ASYNCFLOW_TEST_VAR:$(pwd)" && test -n "$PATH"`, {
        env: { ASYNCFLOW_TEST_VAR: "v a l" },
        cwd: dir,
      });
      assertEquals(await valueOf(task, launcher), `v a l:${await Deno.realPath(dir)}\n`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`LocalProcesses.submit() fails with ExecutableError on a non-zero exit (${launcher})`, async () => {
    const command = "echo out; echo oops >&2; exit 3";
    const error = instanceOf(await errorOf(makeTask(command), launcher), ExecutableError);
    assertEquals(error.exitCode, 3);
    assertEquals(error.signal, null);
    assertEquals(error.stdout, "out\n");
    assertEquals(error.stderr, "oops\n");
    assertEquals(error.command, command);
    assertEquals(error.message, "Command echo out; echo oops >&2; exit 3 exited with code 3: oops");
  });

  Deno.test(`LocalProcesses.submit() keeps an argv command as an array in ExecutableError (${launcher})`, async () => {
    const error = instanceOf(await errorOf(makeTask(["false"]), launcher), ExecutableError);
    assertEquals(error.exitCode, 1);
    assertEquals(error.command, ["false"]);
  });

  Deno.test(`LocalProcesses.submit() reports the signal and a null exit code when killed (${launcher})`, async () => {
    const error = instanceOf(
      await errorOf(makeTask("kill -TERM $$; sleep 5"), launcher),
      ExecutableError,
    );
    assertEquals(error.signal, "SIGTERM");
    assertEquals(error.exitCode, null);
    assertMatch(error.message, /was killed by SIGTERM/);
  });

  Deno.test(`LocalProcesses.submit() fails with BackendError naming a command that does not exist (${launcher})`, async () => {
    const task = makeTask(["no-such-command-asyncflow", "x"]);
    const { report, host } = await runOne(task, launcher);
    // setsid is spawned, then fails to exec the command; Deno fails the spawn itself.
    assertEquals(host.kinds(task.uid), launcher === "setsid" ? ["running", "failed"] : ["failed"]);
    const error = instanceOf(failure(report), BackendError);
    assertEquals(error.backend, "inline");
    assertMatch(
      error.message,
      /^Cannot start task 't\d+' as command 'no-such-command-asyncflow' cannot be spawned: \S/,
    );
  });

  Deno.test(`LocalProcesses.submit() fails with BackendError naming a missing cwd (${launcher})`, async () => {
    const error = instanceOf(
      await errorOf(makeTask("true", { cwd: "/nonexistent/asyncflow/dir" }), launcher),
      BackendError,
    );
    assertMatch(
      error.message,
      /its working directory \/nonexistent\/asyncflow\/dir does not exist$/,
    );
  });

  Deno.test(`LocalProcesses.submit() fails with BackendError on an empty argv (${launcher})`, async () => {
    const error = instanceOf(await errorOf(makeTask([]), launcher), BackendError);
    assertMatch(error.message, /cannot be spawned: the argv is empty$/);
  });

  Deno.test(`LocalProcesses.submit() runs a missing command in a string through the shell as exit 127 (${launcher})`, async () => {
    const error = instanceOf(
      await errorOf(makeTask("no-such-command-asyncflow"), launcher),
      ExecutableError,
    );
    assertEquals(error.exitCode, 127);
    assertMatch(error.stderr, /no-such-command-asyncflow/);
  });

  Deno.test(`LocalProcesses.submit() writes stdio to files and returns the stdout path (${launcher})`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const stdoutPath = `${dir}/a/b/task.stdout`;
      const stderrPath = `${dir}/a/b/task.stderr`;
      const task = makeTask("echo hello; echo warn >&2", { stdoutPath, stderrPath });
      assertEquals(await valueOf(task, launcher), stdoutPath);
      assertEquals(await Deno.readTextFile(stdoutPath), "hello\n");
      assertEquals(await Deno.readTextFile(stderrPath), "warn\n");

      const failing = makeTask("echo partial; echo bad >&2; exit 2", { stdoutPath, stderrPath });
      const error = instanceOf(await errorOf(failing, launcher), ExecutableError);
      assertEquals(error.stdout, "partial\n");
      assertEquals(error.stderr, "bad\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`LocalProcesses.submit() fails with BackendError when an output file cannot be opened (${launcher})`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/file`, "");
      const error = instanceOf(
        await errorOf(makeTask("echo x", { stdoutPath: `${dir}/file/sub/out` }), launcher),
        BackendError,
      );
      assertMatch(error.message, /^Cannot start task 't\d+' as its output file cannot be opened: /);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`LocalProcesses.cancel() kills the whole process tree and reports nothing (${launcher})`, async () => {
    const host = new FakeHost();
    const processes = new LocalProcesses("inline", { launcher, killGraceMs: 200 });
    const task = makeTask(`${TREE} # cancel`);
    const pid = await startTree(processes, host, task);
    assertEquals(liveInGroup(pid).length, 3, "leader and two sleeps share the group");
    processes.cancel(task);
    await processes.shutdown(); // waits for the cancelled tree to be gone
    assertEquals(liveInGroup(pid), []);
    assertEquals(host.kinds(task.uid), ["running"]);
  });

  Deno.test(`LocalProcesses.cancel() kills a tree that ignores SIGTERM after the grace period (${launcher})`, async () => {
    const host = new FakeHost();
    const processes = new LocalProcesses("inline", { launcher, killGraceMs: 100 });
    const task = makeTask(`trap '' TERM; ${TREE} # stubborn`);
    // The sleeps inherit the ignored SIGTERM, so only SIGKILL stops them.
    const pid = await startTree(processes, host, task);
    processes.cancel(task);
    await processes.shutdown();
    // SIGKILL is delivered asynchronously: give a loaded kernel a moment
    assertEquals(await goneWithin(pid, 2000), []);
    assertEquals(host.kinds(task.uid), ["running"]);
  });

  Deno.test(`LocalProcesses.cancel() before output files are open starts nothing (${launcher})`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const host = new FakeHost();
      const processes = new LocalProcesses("inline", { launcher });
      const task = makeTask(`touch ${dir}/ran`, { stdoutPath: `${dir}/o`, stderrPath: `${dir}/e` });
      processes.submit(task, host);
      processes.cancel(task);
      await processes.shutdown();
      assertEquals(host.kinds(task.uid), []);
      assertEquals(await Deno.stat(`${dir}/ran`).then(() => true, () => false), false);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`LocalProcesses.shutdown() kills every running tree and resolves (${launcher})`, async () => {
    const host = new FakeHost();
    const processes = new LocalProcesses("inline", { launcher, killGraceMs: 200 });
    const a = makeTask(`${TREE} # a`);
    const b = makeTask(`${TREE} # b`);
    const pa = await startTree(processes, host, a);
    const pb = await startTree(processes, host, b);
    assertEquals(processes.size, 2);
    await processes.shutdown();
    assertEquals(processes.size, 0);
    assertEquals(liveInGroup(pa), []);
    assertEquals(liveInGroup(pb), []);
    await processes.shutdown(); // idempotent

    const late = makeTask("echo late");
    processes.submit(late, host);
    const report = await host.outcome(late.uid);
    const error = instanceOf(failure(report), BackendError);
    assertMatch(error.message, /as the backend is shut down$/);
  });

  Deno.test(`LocalProcesses.submit() runs processes concurrently (${launcher})`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      // Opening a FIFO blocks until the other end opens: only concurrent runs finish.
      const fifo = `${dir}/fifo`;
      assertEquals((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code, 0);
      const host = new FakeHost();
      const processes = new LocalProcesses("inline", { launcher });
      const writer = makeTask(["/bin/sh", "-c", 'echo through > "$0" && echo wrote', fifo]);
      const reader = makeTask(["cat", fifo]);
      processes.submit(writer, host);
      processes.submit(reader, host);
      const [w, r] = await Promise.all([host.outcome(writer.uid), host.outcome(reader.uid)]);
      await processes.shutdown();
      assertEquals(w, { kind: "done", value: "wrote\n" });
      assertEquals(r, { kind: "done", value: "through\n" });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("LocalProcesses() throws RangeError on a bad killGraceMs", () => {
  let caught: unknown;
  try {
    new LocalProcesses("inline", { killGraceMs: -1 });
  } catch (error) {
    caught = error;
  }
  assertEquals(
    instanceOf(caught, RangeError).message,
    "Cannot create LocalProcesses as 'killGraceMs' must be a non-negative number: received -1",
  );
});

Deno.test("LocalProcesses() throws TypeError on an unknown launcher", () => {
  let caught: unknown;
  try {
    new LocalProcesses("inline", { launcher: "fork" as "setsid" });
  } catch (error) {
    caught = error;
  }
  assertEquals(
    instanceOf(caught, TypeError).message,
    `Cannot create LocalProcesses as 'launcher' must be "setsid", "detached" or "shared": received "fork"`,
  );
});

/** The process group of `pid`, from /proc (undefined once it is gone). */
function pgrpOf(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a live process (not a zombie). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Whether `pid` is still alive after waiting up to `ms` for it to go. */
async function aliveAfter(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return alive(pid);
}

Deno.test("LocalProcesses.submit() runs at most maxProcesses at once and starts the others by priority", async () => {
  const host = new FakeHost();
  const processes = new LocalProcesses("inline", { maxProcesses: 1, killGraceMs: 100 });
  const order: string[] = [];
  const running = host.running.bind(host);
  host.running = (task) => {
    order.push(task.name);
    running(task);
  };
  const blocker = makeTask("sleep 30 # blocker");
  const low = makeTask("echo low", { priority: 0, seq: 2 });
  const high = makeTask("echo high", { priority: 5, seq: 4 });
  const mid = makeTask("echo mid", { priority: 1, seq: 3 });
  const first = makeTask("echo first", { priority: 0, seq: 1 });
  for (const t of [blocker, low, high, mid, first]) processes.submit(t, host);
  await host.started(blocker.uid);
  // Waiting tasks are not reported running.
  assertEquals(order, [blocker.name]);
  assertEquals([processes.running, processes.waiting, processes.size], [1, 4, 5]);
  // A cancelled waiting task is dropped without a report and never starts.
  processes.cancel(mid);
  assertEquals(processes.waiting, 3);
  processes.cancel(blocker);
  const outcomes = await Promise.all([high, first, low].map((t) => host.outcome(t.uid)));
  assertEquals(outcomes.map((r) => r.kind === "done" && r.value), ["high\n", "first\n", "low\n"]);
  assertEquals(order, [blocker.name, high.name, first.name, low.name]);
  assertEquals(host.kinds(mid.uid), []);
  assertEquals(host.kinds(blocker.uid), ["running"]);
  await processes.shutdown();
});

Deno.test("LocalProcesses.shutdown() drops waiting tasks without starting them", async () => {
  const host = new FakeHost();
  const processes = new LocalProcesses("inline", { maxProcesses: 1, killGraceMs: 100 });
  const blocker = makeTask("sleep 30 # blocker 2");
  const waiting = makeTask("echo never");
  processes.submit(blocker, host);
  processes.submit(waiting, host);
  await host.started(blocker.uid);
  await processes.shutdown();
  assertEquals(processes.size, 0);
  assertEquals(host.kinds(waiting.uid), []);
});

Deno.test("LocalProcesses() throws on a maxProcesses that is not a positive integer", () => {
  const message = (v: unknown) =>
    `Cannot create LocalProcesses as 'maxProcesses' must be a positive integer: received ${v}`;
  for (
    const [value, Class, shown] of [
      [0, RangeError, "0"],
      [1.5, RangeError, "1.5"],
      [Infinity, RangeError, "Infinity"],
      ["4", TypeError, '"4"'],
    ] as const
  ) {
    let caught: unknown;
    try {
      new LocalProcesses("inline", { maxProcesses: value as number });
    } catch (error) {
      caught = error;
    }
    assertEquals(instanceOf(caught, Class).message, message(shown));
  }
});

for (const redirect of ["", " >/dev/null 2>&1"]) {
  Deno.test(
    `LocalProcesses.submit() reports a command done when it exits, and shutdown() kills what it left in the background${
      redirect === "" ? "" : " (output redirected)"
    }`,
    async () => {
      const host = new FakeHost();
      const processes = new LocalProcesses("inline", { killGraceMs: 100 });
      const task = makeTask(`sleep 1000${redirect} & echo $!`);
      processes.submit(task, host);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const report = await Promise.race([
        host.outcome(task.uid),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error("the command was never reported done")),
            20_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (report.kind !== "done") throw new Error(`Expected done, got ${JSON.stringify(report)}`);
      const child = Number(String(report.value).trim());
      assert(alive(child), "the background child runs after its command is done");
      assertEquals(processes.size, 0);
      await processes.shutdown();
      assertEquals(await aliveAfter(child, 2000), false, "shutdown() left the background child");
    },
  );
}

Deno.test("LocalProcesses.submit() keeps reading output a background child writes just after the command exits", async () => {
  // The pipes close when the child is done: that is the end of the output.
  const { report } = await runOne(makeTask(`(sleep 0.05; echo late) & echo early`), "setsid");
  assertEquals(report, { kind: "done", value: "early\nlate\n" });
  assert(DRAIN_MS > 50);
});

Deno.test("LocalProcesses.submit() with launcher shared keeps the process in this process group", async () => {
  const host = new FakeHost();
  const processes = new LocalProcesses("inline", { launcher: "shared", killGraceMs: 100 });
  const task = makeTask(["sh", "-c", "echo $$; exec sleep 30"]);
  processes.submit(task, host);
  await host.started(task.uid);
  // The shell prints its pid before it becomes sleep.
  let pid: number | undefined;
  for (let i = 0; i < 200 && pid === undefined; i++) {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
        if (cmdline === "sleep\u000030\u0000" && pgrpOf(Number(entry.name)) === pgrpOf(Deno.pid)) {
          pid = Number(entry.name);
        }
      } catch {
        // exited meanwhile
      }
    }
    if (pid === undefined) await new Promise((r) => setTimeout(r, 10));
  }
  if (pid === undefined) throw new Error("no sleep in this process group");
  processes.cancel(task);
  await processes.shutdown();
  assertEquals(await aliveAfter(pid, 2000), false);
  assertEquals(host.kinds(task.uid), ["running"]);
});

Deno.test("LocalProcesses registers its process groups with the reaper and stops it at shutdown", async () => {
  const host = new FakeHost();
  const processes = new LocalProcesses("inline", { killGraceMs: 100 });
  const task = makeTask("sleep 30 # guarded");
  processes.submit(task, host);
  await host.started(task.uid);
  assert(reaper.running, "the reaper runs while executables do");
  assertEquals(reaper.size, 1);
  await processes.shutdown();
  assertEquals(reaper.size, 0);
  assertEquals(reaper.running, false);
});

/** A `sleep 30` in a session and process group of its own (its pid is its group's id). */
function groupLeader(): Deno.ChildProcess {
  return new Deno.Command("/usr/bin/setsid", {
    args: ["sleep", "30"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test("recycled() says whether a reaped leader's id belongs to a live process now", async () => {
  assert(recycled(Deno.pid), "this process has its id");
  const child = new Deno.Command("true").spawn();
  await child.status; // reaped: its id is free (pids are not handed out again at once)
  assertEquals(recycled(child.pid), false);
});

Deno.test("the reaper kills its registered groups when its pipe closes, but not a reaped leader's id that a live process has now", async () => {
  // Process ids wrap (at 32768 here): the group of a command whose leader was
  // reaped may empty, and a new process may get its id. Signalling -id then
  // would hit a stranger's group — on a busy machine, another engine's reaper.
  const ours = groupLeader();
  const stranger = groupLeader();
  try {
    assert(reaper.acquire(), "the reaper can run here");
    reaper.add(ours.pid);
    // as if a group of ours with this id had lost its leader, emptied, and the
    // id had gone to the stranger
    reaper.add(stranger.pid);
    reaper.leaderGone(stranger.pid);
    await reaper.release(); // the pipe closes: the reaper signals what is registered
    assertEquals((await ours.status).signal, "SIGTERM");
    assert(recycled(stranger.pid), "the stranger still runs");
  } finally {
    for (const c of [ours, stranger]) {
      try {
        c.kill("SIGKILL");
      } catch {
        // gone
      }
      await c.status;
    }
  }
});
