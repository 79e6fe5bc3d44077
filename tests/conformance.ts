/**
 * The backend conformance suite: the behaviours every backend shares, run
 * through the public engine API. A backend's test file calls
 * {@link backendConformance} with a factory and the list of what it skips,
 * each with its reason.
 *
 * @module
 */
import { assert, assertEquals, assertInstanceOf, assertMatch, assertRejects } from "@std/assert";
import {
  BackendError,
  CancelledError,
  ExecutableError,
  type ExecutionBackend,
  type FlowEvent,
  TaskTimeoutError,
  WorkflowEngine,
} from "../mod.ts";
import {
  failsFirst,
  MODULE,
  square,
  throwsLibraryError,
  waitForAbort,
  whoAmI,
} from "./fixtures/remote_fns.ts";

/** The shared behaviours. */
export type Behaviour =
  | "results"
  | "errors"
  | "running"
  | "cancel-pending"
  | "cancel-running"
  | "timeout"
  | "executables"
  | "shutdown-in-flight"
  | "modules"
  | "context"
  | "abort";

/** Options of {@link backendConformance}. */
export interface ConformanceOptions {
  /** Behaviours this backend skips, each with the reason (printed). */
  skip?: Partial<Record<Behaviour, string>>;
  /** What a function task resolves to instead of its value (NoopBackend: "Dummy Output"). */
  dummyResult?: string;
  /** Deno.test `ignore` for the whole suite (e.g. no cluster), with the reason printed. */
  ignore?: string;
  /** Sanitizers off (backends with long-lived helpers). */
  sanitize?: boolean;
}

function processGone(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.split(") ")[1]?.startsWith("Z") ?? true; // a zombie is gone for our purposes
  } catch {
    return true;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

async function readPid(path: string, ms: number): Promise<number> {
  let pid = NaN;
  await waitFor(() => {
    try {
      pid = Number(Deno.readTextFileSync(path).trim());
    } catch {
      return false;
    }
    return Number.isInteger(pid) && pid > 0;
  }, ms);
  assert(Number.isInteger(pid) && pid > 0, `no pid was written to ${path}`);
  return pid;
}

/**
 * Register the conformance tests for one backend.
 *
 * @param label the backend's label in test names
 * @param factory makes a fresh backend for each test
 * @param options skips and quirks
 */
export function backendConformance(
  label: string,
  factory: () => ExecutionBackend | Promise<ExecutionBackend>,
  options: ConformanceOptions = {},
): void {
  const skip = options.skip ?? {};
  const sanitize = options.sanitize ?? true;
  for (const [what, why] of Object.entries(skip)) {
    console.log(`conformance(${label}): skips '${what}': ${why}`);
  }
  if (options.ignore) console.log(`conformance(${label}): skipped entirely: ${options.ignore}`);

  const test = (
    behaviour: Behaviour,
    name: string,
    fn: (flow: WorkflowEngine, tmp: string) => Promise<void>,
  ) =>
    Deno.test({
      name: `conformance(${label}): ${name}`,
      ignore: options.ignore !== undefined || behaviour in skip,
      sanitizeOps: sanitize,
      sanitizeResources: sanitize,
      async fn() {
        const tmp = await Deno.makeTempDir({ prefix: "asyncflow-conf-" });
        const flow = await WorkflowEngine.create({ backend: await factory(), workDir: tmp });
        try {
          await fn(flow, tmp);
        } finally {
          await flow.shutdown();
          await Deno.remove(tmp, { recursive: true }).catch(() => {});
        }
      },
    });

  test("results", "function tasks return values and get resolved arguments", async (flow) => {
    const add = flow.functionTask(function add(a: number, b: number) {
      return a + b;
    });
    const later = flow.functionTask(async function later(x: { v: number[] }) {
      await new Promise((r) => setTimeout(r, 5));
      return x.v.reduce((a, b) => a + b, 0);
    });
    const r = await later({ v: [add(1, 2), add(3, 4), 5] });
    assertEquals(r, options.dummyResult ?? 15);
  });

  test(
    "errors",
    "a thrown error arrives with its class, message, cause and fields",
    async (flow) => {
      const bad = flow.functionTask(function bad() {
        throw new RangeError("Simulated failure", { cause: new TypeError("the root") });
      });
      const e = await assertRejects(() => bad(), RangeError);
      assertEquals(e.name, "RangeError");
      assertMatch(e.message, /Simulated failure/);
      assertInstanceOf(e.cause, TypeError);
      assertEquals((e.cause as TypeError).message, "the root");
      const coded = flow.functionTask(function coded() {
        throw Object.assign(new Error("with a code"), { code: "E42", retry: false });
      });
      const c = await assertRejects(() => coded(), Error, "with a code");
      assertEquals([(c as Error & { code: string }).code, (c as { retry?: boolean }).retry], [
        "E42",
        false,
      ]);
      // a thrown value that is not an Error keeps its fields
      const plain = flow.functionTask(function plain() {
        throw { code: 42, detail: ["x"] };
      });
      assertEquals(await plain().then(() => "resolved", (x: unknown) => x), {
        code: 42,
        detail: ["x"],
      });
      // this library's classes keep their class and fields
      const lib = flow.functionTask(throwsLibraryError, { module: MODULE });
      const t = await assertRejects(() => lib("timeout"), TaskTimeoutError);
      assertEquals(t.timeout, 1234);
      const b = await assertRejects(() => lib("backend"), BackendError, "made up");
      assertEquals(b.backend, "elsewhere");
      assertInstanceOf(b.cause, RangeError);
      const ok = flow.functionTask(function ok() {
        return "success";
      });
      assertEquals(await ok(), "success");
    },
  );

  test(
    "modules",
    "a module that imports mod.ts ships its exported functions (the README pattern)",
    async (flow) => {
      const sq = flow.functionTask(square, { module: MODULE });
      assertEquals(
        await Promise.all([sq(3), sq(4)]),
        options.dummyResult ? [options.dummyResult, options.dummyResult] : [9, 16],
      );
    },
  );

  test(
    "context",
    "taskContext() answers uid, name, attempt, workflowId and signal in a module task",
    async (flow) => {
      const who = flow.functionTask(whoAmI, { module: MODULE });
      const f = who.with({ workflowId: "wf-conformance" })();
      assertEquals(await f, {
        uid: f.uid,
        name: "whoAmI",
        attempt: 1,
        workflowId: "wf-conformance",
        aborted: false,
      });
      const retried = flow.functionTask(failsFirst, { module: MODULE, retries: 2 });
      assertEquals(await retried(), 2);
    },
  );

  test(
    "abort",
    "cancel and timeout abort taskContext().signal with the CancelledError or TaskTimeoutError",
    async (flow, tmp) => {
      const wait = flow.functionTask(waitForAbort, { module: MODULE });
      const path = `${tmp}/cancelled`;
      const f = wait(path);
      await waitFor(() => f.state === "RUNNING", 20_000);
      f.cancel("not needed");
      await assertRejects(() => f, CancelledError);
      assert(await waitFor(() => exists(path), 10_000), "the body never saw its signal abort");
      assertMatch(Deno.readTextFileSync(path), /^CancelledError CancelledError: .*not needed/);
      const timed = flow.functionTask(waitForAbort, { module: MODULE, timeout: 300 });
      const path2 = `${tmp}/timed-out`;
      await assertRejects(() => timed(path2), TaskTimeoutError);
      assert(await waitFor(() => exists(path2), 10_000), "the body never saw its signal abort");
      assertMatch(Deno.readTextFileSync(path2), /^TaskTimeoutError TaskTimeoutError: /);
      // and the backend serves on
      const sq = flow.functionTask(square, { module: MODULE });
      assertEquals(await sq(5), 25);
    },
  );

  test("running", "RUNNING is reported before the outcome", async (flow) => {
    const seen: string[] = [];
    flow.subscribe((e: FlowEvent) => {
      if (e.type === "TaskStarted" || e.type === "TaskCompleted") seen.push(e.type);
    });
    const nap = flow.functionTask(async function nap() {
      await new Promise((r) => setTimeout(r, 100));
      return 1;
    });
    const f = nap();
    let sawRunning = false;
    flow.subscribe((e) => {
      if (e.type === "TaskStarted" && e.uid === f.uid) sawRunning = f.state === "RUNNING";
    });
    await f;
    assertEquals(seen, ["TaskStarted", "TaskCompleted"]);
    assert(sawRunning, "state was not RUNNING at TaskStarted");
  });

  test("cancel-pending", "cancel of a pending task ends it CANCELLED at once", async (flow) => {
    const hold = flow.functionTask(async function hold() {
      await new Promise((r) => setTimeout(r, 200));
      return 1;
    });
    const dep = flow.functionTask(function dep(x: number) {
      return x;
    });
    const h = hold();
    const d = dep(h);
    assert(d.cancel("no longer needed"));
    assertEquals(d.state, "CANCELLED");
    const e = await assertRejects(() => d, CancelledError);
    assertEquals(e.reason, "no longer needed");
    await h;
  });

  test(
    "cancel-running",
    "cancel of a running executable kills its process tree",
    async (flow, tmp) => {
      const pidFile = `${tmp}/pid`;
      const sh = flow.executableTask((p: string) => `echo $$ > ${p}; sleep 30 & wait`);
      const f = sh(pidFile);
      const dep = flow.functionTask(function after(x: string) {
        return x;
      })(f);
      const pid = await readPid(pidFile, 20_000);
      assertEquals(f.state, "RUNNING");
      assert(f.cancel("stop"));
      assertEquals(f.state, "CANCELLED");
      assertEquals(dep.state, "CANCELLED");
      await assertRejects(() => f, CancelledError);
      assert(await waitFor(() => processGone(pid), 10_000), `process ${pid} is still alive`);
    },
  );

  test(
    "timeout",
    "a run longer than timeout fails with TaskTimeoutError and is stopped",
    async (flow, tmp) => {
      const pidFile = `${tmp}/pid`;
      const sh = flow.executableTask((p: string) => `echo $$ > ${p}; exec sleep 30`, {
        timeout: 300,
      });
      const f = sh(pidFile);
      const e = await assertRejects(() => f, TaskTimeoutError);
      assertEquals(e.timeout, 300);
      const pid = await readPid(pidFile, 1000);
      assert(await waitFor(() => processGone(pid), 10_000), `process ${pid} is still alive`);
    },
  );

  test("executables", "executables: shell quoting, argv, stdout and exit codes", async (flow) => {
    const sh = flow.executableTask((s: string) => s);
    const argv = flow.executableTask((...a: string[]) => a);
    assertEquals(await sh(`printf '%s|' "a  b" 'c d'`), "a  b|c d|");
    assertEquals(await sh("python3 -c 'print(1+1)' 2>/dev/null || echo 2"), "2\n");
    assertEquals(await argv("printf", "%s", "no $HOME expansion"), "no $HOME expansion");
    const e = await assertRejects(() => sh("echo oops >&2; exit 3"), ExecutableError);
    assertEquals(e.exitCode, 3);
    assertEquals(e.signal, null);
    assertMatch(e.stderr, /oops/);
    assertEquals(e.command, "echo oops >&2; exit 3");
    const built = flow.executableTask(async (x: number) => {
      await new Promise((r) => setTimeout(r, 1));
      return ["echo", `got ${x}`];
    });
    const v = flow.functionTask(function seven() {
      return 7;
    });
    assertEquals(await built(v()), options.dummyResult ?? "got 7\n");
    const nothing = flow.executableTask(() => undefined as unknown as string);
    await assertRejects(() => nothing(), TypeError, "non-empty string or a non-empty array");
  });

  test(
    "shutdown-in-flight",
    "shutdown with work in flight cancels it and stops it",
    async (flow, tmp) => {
      const pidFile = `${tmp}/pid`;
      const sh = flow.executableTask((p: string) => `echo $$ > ${p}; exec sleep 30`);
      const f = sh(pidFile);
      const queued = flow.functionTask(function q(x: string) {
        return x;
      })(f);
      const pid = await readPid(pidFile, 20_000);
      await flow.shutdown();
      assertEquals(f.state, "CANCELLED");
      assertEquals(queued.state, "CANCELLED");
      assertInstanceOf(f.error, CancelledError);
      assert(await waitFor(() => processGone(pid), 10_000), `process ${pid} is still alive`);
    },
  );
}
