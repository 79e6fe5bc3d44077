/**
 * The executables of a Slurm node agent, driven directly (no Slurm needed):
 * results, errors, output files, and a cancel that kills the whole tree.
 */
import { assert, assertEquals, assertInstanceOf, assertMatch } from "@std/assert";
import { BackendError, ExecutableError } from "../src/errors.ts";
import { descendants, NodeProcesses } from "../src/backends/slurm/_node_processes.ts";
import type { ExecSpec } from "../src/remote/protocol.ts";

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !(stat.split(") ")[1]?.startsWith("Z") ?? true);
  } catch {
    return false;
  }
}

async function eventually(cond: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

let seq = 0;
function spec(command: string | string[], extra: Partial<ExecSpec> = {}): ExecSpec {
  const id = ++seq;
  return {
    id,
    uid: `task.${String(id).padStart(6, "0")}`,
    name: `exe${id}`,
    command,
    env: undefined,
    cwd: undefined,
    stdoutPath: undefined,
    stderrPath: undefined,
    ...extra,
  };
}

/** Starts `s`; resolves with its outcome. */
function run(p: NodeProcesses, s: ExecSpec) {
  const started = Promise.withResolvers<void>();
  const outcome = new Promise<{ ok: boolean; value: unknown }>((resolve) => {
    p.start(s, {
      started: () => started.resolve(),
      done: (value) => resolve({ ok: true, value }),
      failed: (value) => resolve({ ok: false, value }),
    });
  });
  return { started: started.promise, outcome };
}

Deno.test("NodeProcesses runs commands with env, cwd and output files", async () => {
  const p = new NodeProcesses("slurm");
  const dir = await Deno.makeTempDir();
  try {
    const a = run(p, spec(`printf '%s|%s' "$A" "$(pwd)"`, { env: { A: "x y" }, cwd: dir }));
    assertEquals(await a.outcome, { ok: true, value: `x y|${dir}` });
    const b = run(p, spec(["printf", "%s", "$HOME"]));
    assertEquals(await b.outcome, { ok: true, value: "$HOME" });
    const out = `${dir}/o/t.stdout`;
    const c = run(
      p,
      spec("echo to-file; echo err >&2", { stdoutPath: out, stderrPath: `${dir}/o/t.stderr` }),
    );
    assertEquals(await c.outcome, { ok: true, value: out });
    assertEquals(await Deno.readTextFile(out), "to-file\n");
    assertEquals(await Deno.readTextFile(`${dir}/o/t.stderr`), "err\n");
  } finally {
    await p.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NodeProcesses fails with ExecutableError or BackendError", async () => {
  const p = new NodeProcesses("slurm");
  try {
    const e = (await run(p, spec("echo out; echo err >&2; exit 3")).outcome)
      .value as ExecutableError;
    assertInstanceOf(e, ExecutableError);
    assertEquals([e.exitCode, e.signal, e.stdout, e.stderr], [3, null, "out\n", "err\n"]);
    const k = (await run(p, spec("kill -9 $$")).outcome).value as ExecutableError;
    assertInstanceOf(k, ExecutableError);
    assertEquals([k.exitCode, k.signal], [null, "SIGKILL"]);
    const missing = (await run(p, spec(["/no/such/program"])).outcome).value as BackendError;
    assertInstanceOf(missing, BackendError);
    assertEquals(missing.backend, "slurm");
    assertMatch(missing.message, /command '\/no\/such\/program' cannot be spawned/);
  } finally {
    await p.shutdown();
  }
});

Deno.test("NodeProcesses.cancel() kills the task's whole process tree", async () => {
  const p = new NodeProcesses("slurm", 500);
  const dir = await Deno.makeTempDir();
  try {
    // a shell with two background children, one of which has a child of its own
    const r = run(
      p,
      spec(
        `sleep 300 & echo $! > ${dir}/a; sh -c 'sleep 300 & echo $! > ${dir}/b; wait' & wait`,
      ),
    );
    await r.started;
    const read = (f: string) => Number(Deno.readTextFileSync(`${dir}/${f}`).trim());
    assert(
      await eventually(() => {
        try {
          return read("a") > 0 && read("b") > 0;
        } catch {
          return false;
        }
      }),
    );
    const [a, b] = [read("a"), read("b")];
    assert(alive(a) && alive(b));
    p.cancel(seq);
    assert(await eventually(() => !alive(a) && !alive(b)), "a process of the tree survived");
    // nothing is reported after a cancel
    const settled = await Promise.race([r.outcome, new Promise((x) => setTimeout(x, 300, "none"))]);
    assertEquals(settled, "none");
  } finally {
    await p.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("descendants() lists the processes below a pid", async () => {
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", "sleep 30 & sleep 30 & wait"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    assert(await eventually(() => descendants(child.pid).length === 2));
    assertEquals(descendants(1 << 30), []);
  } finally {
    for (const p of [child.pid, ...descendants(child.pid)]) Deno.kill(p, "SIGKILL");
    await child.status;
  }
});
