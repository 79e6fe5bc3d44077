/**
 * No orphans: whatever ends the engine process — Ctrl-C (SIGINT to the
 * script's process group), SIGTERM, SIGKILL, an uncaught error, or a
 * `shutdown()` after commands left background children — none of the
 * processes its tasks started survive it. Each test runs
 * `tests/fixtures/orphans.ts` as a user's script in a process group of its
 * own, ends it from outside, and checks /proc for every pid its task
 * processes wrote.
 *
 * @module
 */
import { assert, assertEquals } from "@std/assert";

const FIXTURE = new URL("./fixtures/orphans.ts", import.meta.url).pathname;
/** How long a script may take to start its tasks (a loaded CI machine is slow). */
const READY_MS = 60_000;
/**
 * How long the processes may take to go after the script ended: the reaper's
 * SIGKILL comes 2 s after its SIGTERM (a tree in the script ignores SIGTERM).
 */
const GONE_MS = 10_000;

/** Whether `pid` is a live process (zombies, which only wait to be reaped, are not). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The pids still alive after waiting up to `ms` for them to go (a bounded check loop). */
async function aliveAfter(pids: number[], ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  let live = pids.filter(alive);
  while (live.length !== 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 25));
    live = live.filter(alive);
  }
  return live;
}

function readPids(dir: string): number[] {
  const text = Deno.readTextFileSync(`${dir}/pids`);
  return text.split("\n").filter((l) => l !== "").map(Number);
}

/** A running fixture script: its process (a group of its own) and its output lines. */
class Script {
  readonly child: Deno.ChildProcess;
  readonly dir: string;
  #out = "";
  #err = "";
  readonly #reading: Promise<void>;
  readonly #lines: ((text: string) => void)[] = [];
  /** The script has ended and was reaped (its id may be another process's now). */
  #ended = false;

  constructor(mode: string, dir: string, permissions: string[]) {
    this.dir = dir;
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...permissions, FIXTURE, mode, dir],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Its own session and process group, as a terminal gives a job: a
      // signal to that group does not reach the test runner.
      detached: true,
    }).spawn();
    this.child.status.then(() => this.#ended = true);
    const decoder = new TextDecoder();
    const pump = async (stream: ReadableStream<Uint8Array>, err: boolean) => {
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        if (err) this.#err += text;
        else {
          this.#out += text;
          for (const l of this.#lines) l(this.#out);
        }
      }
    };
    this.#reading = Promise.all([pump(this.child.stdout, false), pump(this.child.stderr, true)])
      .then(() => {});
  }

  /** Resolves when stdout has a line `line`; fails after READY_MS or if the script ends first. */
  async printed(line: string): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const check = (text: string) => {
      if (text.split("\n").includes(line)) resolve();
    };
    this.#lines.push(check);
    check(this.#out);
    const timer = setTimeout(
      () => reject(new Error(`the script did not print '${line}' in time: ${this.#err}`)),
      READY_MS,
    );
    this.child.status.then(() =>
      setTimeout(() => reject(new Error(`the script ended before '${line}': ${this.#err}`)), 100)
    );
    try {
      await promise;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the script to end; returns its status and stderr. */
  async ended(): Promise<{ status: Deno.CommandStatus; stderr: string }> {
    const status = await this.child.status;
    await this.#reading;
    return { status, stderr: this.#err };
  }

  /**
   * Ends whatever is left after a failed assertion: the script's group and the
   * pids. Only then: once they are gone, their ids may be other processes'
   * (pids wrap at 32768 here, and other test files run beside this one).
   */
  cleanUp(): void {
    if (!this.#ended) {
      try {
        Deno.kill(-this.child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    let pids: number[] = [];
    try {
      pids = readPids(this.dir);
    } catch {
      // none written
    }
    for (const pid of pids.filter(alive)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}

/** Runs the fixture in `mode`, ends it with `end`, and checks that no task process is left. */
async function noOrphans(
  mode: string,
  end: (script: Script) => void,
  expected: { signal: Deno.Signal | null; pids: number },
  permissions: (dir: string) => string[] = () => ["-A"],
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_orphans_" });
  const script = new Script(mode, dir, permissions(dir));
  let passed = false;
  try {
    await script.printed("ready");
    const pids = readPids(dir);
    assertEquals(pids.length, expected.pids);
    assertEquals(pids.filter(alive), pids, "every task process runs before the end");
    end(script);
    const { status, stderr } = await script.ended();
    assertEquals(status.signal, expected.signal, stderr);
    assertEquals(await aliveAfter(pids, GONE_MS), [], "task processes outlived the engine");
    passed = true;
  } finally {
    if (!passed) script.cleanUp();
    await script.ended();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("WorkflowEngine leaves no task process alive after SIGINT to its process group (Ctrl-C)", async () => {
  await noOrphans("hold", (s) => Deno.kill(-s.child.pid, "SIGINT"), { signal: "SIGINT", pids: 9 });
});

Deno.test("WorkflowEngine leaves no task process alive after SIGTERM", async () => {
  await noOrphans("hold", (s) => Deno.kill(s.child.pid, "SIGTERM"), { signal: "SIGTERM", pids: 9 });
});

Deno.test("WorkflowEngine leaves no task process alive after SIGKILL", async () => {
  await noOrphans("hold", (s) => Deno.kill(s.child.pid, "SIGKILL"), { signal: "SIGKILL", pids: 9 });
});

Deno.test("WorkflowEngine leaves no task process alive after an uncaught error", async () => {
  await noOrphans("throw", () => {}, { signal: null, pids: 9 });
});

Deno.test("WorkflowEngine.shutdown() kills the background children of commands that finished", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_orphans_" });
  const script = new Script("background", dir, ["-A"]);
  let passed = false;
  try {
    // The commands are DONE (their output is their background child's pid)
    // while the children still run.
    await script.printed("ready");
    const pids = readPids(dir);
    assertEquals(pids.length, 2);
    await script.printed("shut");
    assertEquals(await aliveAfter(pids, GONE_MS), [], "background children outlived shutdown()");
    const { status, stderr } = await script.ended();
    assert(status.success, stderr);
    passed = true;
  } finally {
    if (!passed) script.cleanUp();
    await script.ended();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("WorkflowEngine keeps executables in its process group with a restricted --allow-run, so Ctrl-C reaches them", async () => {
  // Without unrestricted --allow-run the library cannot signal process
  // groups, so it does not give executables groups of their own.
  await noOrphans(
    "foreground",
    (s) => Deno.kill(-s.child.pid, "SIGINT"),
    { signal: "SIGINT", pids: 4 },
    (dir) => [`--allow-run=/bin/sh,sh`, `--allow-read=${dir}`, `--allow-write=${dir}`],
  );
});
