/**
 * SlurmBackend against a real Slurm (3 nodes x 8 CPUs, e.g. from
 * `scripts/slurm/start.sh`). Without a cluster every test is skipped with the
 * reason printed; with `ASYNCFLOW_REQUIRE_SLURM=1` they fail instead.
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import type {
  BackendHost,
  BackendTask,
  ExecutableTask,
  FunctionTask,
  Resources,
} from "../src/backend.ts";
import { BackendError, CancelledError, ExecutableError } from "../src/errors.ts";
import { SlurmBackend } from "../src/backends/slurm/mod.ts";

import { CPUS, NODES, REQUIRED, sh, skipReason } from "./_slurm_probe.ts";
import { backendConformance } from "./conformance.ts";
import { MODULE, waitForAbort } from "./fixtures/remote_fns.ts";

// The shared conformance suite runs in this file, not a file of its own: test
// files run in parallel, and two files sharing one cluster would take each
// other's CPUs (the placement tests count on all 24).
backendConformance("slurm", () => new SlurmBackend(), {
  ...(skipReason !== undefined && !REQUIRED ? { ignore: skipReason } : {}),
  // agents and the allocation's helper live as long as the backend; shutdown stops them
  sanitize: false,
});
// executables as child processes of the node agents instead of job steps
backendConformance("slurm-agents", () => new SlurmBackend({ launch: "agents" }), {
  ...(skipReason !== undefined && !REQUIRED ? { ignore: skipReason } : {}),
  sanitize: false,
  skip: {
    results: "function tasks run on agents either way: covered by conformance(slurm)",
    errors: "function tasks run on agents either way: covered by conformance(slurm)",
    running: "function tasks run on agents either way: covered by conformance(slurm)",
    modules: "function tasks run on agents either way: covered by conformance(slurm)",
    context: "function tasks run on agents either way: covered by conformance(slurm)",
    abort: "function tasks run on agents either way: covered by conformance(slurm)",
  },
});
function slurmTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: skipReason !== undefined && !REQUIRED,
    async fn() {
      if (skipReason !== undefined) throw new Error(`Cannot run Slurm test as ${skipReason}`);
      await fn();
    },
  });
}

/** A BackendHost that records reports and resolves a promise per task. */
class Host implements BackendHost {
  readonly log: string[] = [];
  readonly #outcomes = new Map<string, PromiseWithResolvers<unknown>>();
  #slot(uid: string) {
    let r = this.#outcomes.get(uid);
    if (r === undefined) {
      r = Promise.withResolvers<unknown>();
      r.promise.catch(() => {});
      this.#outcomes.set(uid, r);
    }
    return r;
  }
  #runningWaiters = new Map<string, PromiseWithResolvers<void>>();
  running(t: BackendTask) {
    this.log.push(`running ${t.uid}`);
    this.#waiter(t.uid).resolve();
  }
  done(t: BackendTask, v: unknown) {
    this.log.push(`done ${t.uid}`);
    this.#slot(t.uid).resolve(v);
  }
  failed(t: BackendTask, e: unknown) {
    this.log.push(`failed ${t.uid}`);
    this.#slot(t.uid).reject(e);
  }
  cancelled(t: BackendTask, r?: unknown) {
    this.log.push(`cancelled ${t.uid}`);
    this.#slot(t.uid).reject(new Error(`cancelled: ${String(r)}`));
  }
  #waiter(uid: string) {
    let w = this.#runningWaiters.get(uid);
    if (w === undefined) {
      w = Promise.withResolvers<void>();
      this.#runningWaiters.set(uid, w);
    }
    return w;
  }
  outcome(t: BackendTask): Promise<unknown> {
    return this.#slot(t.uid).promise;
  }
  started(t: BackendTask): Promise<void> {
    return this.#waiter(t.uid).promise;
  }
}

let seq = 0;
const ENGINE = `flow.slurmtest${Date.now().toString(16)}`;

function resources(r: Resources = {}) {
  return { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0, ...r };
}

function exe(command: string | string[], extra: Partial<ExecutableTask> = {}): ExecutableTask {
  const uid = `task.${String(++seq).padStart(6, "0")}`;
  return {
    kind: "executable",
    uid,
    name: `exe${seq}`,
    attempt: 0,
    timeout: undefined,
    engineUid: ENGINE,
    resources: resources(),
    command,
    env: undefined,
    cwd: undefined,
    stdoutPath: undefined,
    stderrPath: undefined,
    ...extra,
  };
}

function fnTask(
  fn: (...args: never[]) => unknown,
  args: unknown[],
  extra: Partial<FunctionTask> = {},
): FunctionTask {
  const uid = `task.${String(++seq).padStart(6, "0")}`;
  return {
    kind: "function",
    uid,
    name: fn.name || `fn${seq}`,
    attempt: 0,
    timeout: undefined,
    engineUid: ENGINE,
    resources: resources(),
    fn,
    args,
    module: undefined,
    ...extra,
  };
}

async function withBackend(
  options: ConstructorParameters<typeof SlurmBackend>[0],
  body: (b: SlurmBackend, host: Host, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_slurm_" });
  const host = new Host();
  const backend = new SlurmBackend(options);
  await backend.attach({ engineUid: ENGINE, workDir: dir, host });
  try {
    await body(backend, host, dir);
  } finally {
    await backend.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Step ids (J.S) with this name in `squeue -s`. */
async function stepsNamed(name: string): Promise<string[]> {
  const out = await sh("squeue", ["--noheader", "--steps", "--format=%i %j"]);
  if (!out?.ok) throw new Error(`squeue failed: ${out?.stderr}`);
  return out.stdout.split("\n").map((l) => l.trim().split(/\s+/)).filter(([, n]) => n === name).map(
    ([i]) => i!,
  );
}

/** Polls `check` every 100 ms until it returns true or `limitMs` passes; returns the last answer. */
async function eventually(check: () => Promise<boolean>, limitMs = 20_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return await check();
}

slurmTest(
  "SlurmBackend runs string and argv commands as steps with env, cwd and exit codes",
  async () => {
    await withBackend({ nodes: NODES }, async (b, host, dir) => {
      const shell = exe(`printf '%s|' "$A" "$B" "$(pwd)"; echo 'it''s'`, {
        env: { A: "x,y", B: "1=2" },
        cwd: dir,
      });
      const argv = exe(["printf", "%s|", "a b", "$HOME", ";"]);
      const fails = exe(["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"]);
      const killed = exe("kill -9 $$");
      const captured = exe("echo captured; echo oops >&2", {
        stdoutPath: `${dir}/out/t.stdout`,
        stderrPath: `${dir}/out/t.stderr`,
      });
      b.submit([shell, argv, fails, killed, captured]);
      assertEquals(await host.outcome(shell), `x,y|1=2|${dir}|its\n`);
      assertEquals(await host.outcome(argv), "a b|$HOME|;|");
      const e = await assertRejects(() => host.outcome(fails), ExecutableError);
      assertEquals([e.exitCode, e.signal, e.stdout, e.stderr], [
        3,
        null,
        "to-stdout\n",
        "to-stderr\n",
      ]);
      const k = await assertRejects(() => host.outcome(killed), ExecutableError);
      assertEquals([k.exitCode, k.signal], [null, "SIGKILL"]);
      assertEquals(await host.outcome(captured), `${dir}/out/t.stdout`);
      assertEquals(await Deno.readTextFile(`${dir}/out/t.stdout`), "captured\n");
      assertEquals(await Deno.readTextFile(`${dir}/out/t.stderr`), "oops\n");
      for (const t of [shell, argv, fails, killed, captured]) {
        const i = host.log.indexOf(`running ${t.uid}`);
        assert(
          i >= 0 && i < host.log.findIndex((l) => l.endsWith(t.uid) && !l.startsWith("running")),
        );
      }
    });
  },
);

slurmTest("SlurmBackend runs a 24-rank step over three nodes", async () => {
  await withBackend({ nodes: NODES }, async (b, host) => {
    const t = exe("echo $SLURMD_NODENAME", { resources: resources({ ranks: NODES * CPUS }) });
    b.submit([t]);
    const lines = (await host.outcome(t) as string).trim().split("\n").sort();
    const counts: Record<string, number> = {};
    for (const l of lines) counts[l] = (counts[l] ?? 0) + 1;
    assertEquals(Object.values(counts), [CPUS, CPUS, CPUS]);
  });
});

slurmTest("SlurmBackend runs 24 one-core steps at once and queues the 25th", async () => {
  await withBackend({ nodes: NODES }, async (b, host, dir) => {
    const n = NODES * CPUS;
    // Each step marks itself and waits for all others: they only finish if all
    // 24 run at the same time. The 25th only gets a CPU once one of them has
    // finished (a free slot), so it sees all 24 marks and at least one done.
    const barrier =
      `touch ${dir}/m.$SLURM_STEP_ID; i=0; while [ $(ls ${dir} | grep -c '^m\\.') -lt ${n} ]; do ` +
      `i=$((i+1)); [ $i -gt 600 ] && exit 7; sleep 0.1; done; echo $SLURMD_NODENAME; touch ${dir}/d.$SLURM_STEP_ID`;
    const tasks = Array.from({ length: n }, () => exe(barrier));
    const last = exe(`echo $(ls ${dir} | grep -c '^m\\.') $(ls ${dir} | grep -c '^d\\.')`);
    b.submit([...tasks, last]);
    const nodes = await Promise.all(tasks.map((t) => host.outcome(t)));
    const perNode: Record<string, number> = {};
    for (const s of nodes) perNode[(s as string).trim()] = (perNode[(s as string).trim()] ?? 0) + 1;
    assertEquals(Object.values(perNode), [CPUS, CPUS, CPUS]);
    const [marked, finished] = String(await host.outcome(last)).trim().split(" ").map(Number);
    assertEquals(marked, n);
    assert(finished! >= 1, `the 25th step ran before any of the 24 had finished: ${finished}`);
  });
});

slurmTest(
  "SlurmBackend.checkResources() explains requests the allocation can never hold",
  async () => {
    await withBackend({ nodes: NODES }, (b) => {
      assertEquals(b.checkResources(resources({ ranks: NODES * CPUS })), undefined);
      assertMatch(
        b.checkResources(resources({ ranks: NODES * CPUS + 1 }))!,
        /needs 25 ranks of 1 cores but allocation \d+ .* holds at most 24/,
      );
      assertMatch(
        b.checkResources(resources({ coresPerRank: CPUS + 1 }))!,
        /needs 9 cores per rank but the largest node .* has 8/,
      );
      assertMatch(b.checkResources(resources({ ranks: 5, coresPerRank: 5 }))!, /holds at most 3/);
      assertMatch(b.checkResources(resources({ gpusPerRank: 1 }))!, /needs 1 GPUs per rank/);
      return Promise.resolve();
    });
  },
);

slurmTest("SlurmBackend.cancel() stops a running step and leaves no step behind", async () => {
  await withBackend({ nodes: NODES }, async (b, host) => {
    const sleeper = exe(["sleep", "300"]);
    b.submit([sleeper]);
    await host.started(sleeper);
    assertEquals((await stepsNamed(sleeper.uid)).length, 1);
    b.cancel(sleeper, "test");
    assert(
      await eventually(async () => (await stepsNamed(sleeper.uid)).length === 0),
      "the step is still there",
    );
    // Its slot is free again: a step that needs every CPU runs.
    const all = exe("true", { resources: resources({ ranks: NODES * CPUS }) });
    b.submit([all]);
    assertEquals(await host.outcome(all), "");
    assert(
      !host.log.includes(`done ${sleeper.uid}`) && !host.log.includes(`failed ${sleeper.uid}`),
    );
  });
});

slurmTest(
  "SlurmBackend releases the allocation it requested when shut down with tasks in flight",
  async () => {
    const host = new Host();
    const b = new SlurmBackend({ nodes: 1 });
    await b.attach({ engineUid: ENGINE, workDir: Deno.cwd(), host });
    const job = b.jobId!;
    assertMatch(
      (await sh("squeue", ["--noheader", `--jobs=${job}`, "--format=%T"]))!.stdout,
      /RUNNING/,
    );
    const sleeper = exe(["sleep", "300"]);
    const f = fnTask(() => new Promise(() => {}), []);
    b.submit([sleeper, f]);
    await Promise.all([host.started(sleeper), host.started(f)]);
    await b.shutdown();
    await assertRejects(() => host.outcome(sleeper), Error, "cancelled");
    await assertRejects(() => host.outcome(f), Error, "cancelled");
    const gone = await eventually(async () => {
      const o = await sh("squeue", ["--noheader", `--jobs=${job}`, "--format=%T"]);
      return o !== undefined && !/RUNNING|PENDING|COMPLETING/.test(o.stdout);
    });
    assert(gone, `job ${job} is still in squeue`);
  },
);

slurmTest("SlurmBackend uses a given allocation and leaves it allocated", async () => {
  const alloc = await sh("salloc", [
    "--no-shell",
    "--nodes=1",
    "--exclusive",
    "--job-name=asyncflow-test-given",
  ]);
  if (!alloc?.ok) throw new Error(`salloc failed: ${alloc?.stderr}`);
  const job = /Granted job allocation (\d+)/.exec(alloc.stderr)?.[1];
  if (job === undefined) throw new Error(`no job id from salloc: ${alloc.stderr}`);
  try {
    await withBackend({ allocation: job }, async (b, host) => {
      assertEquals(b.jobId, job);
      const t = exe("echo $SLURM_JOB_ID");
      b.submit([t]);
      assertEquals(await host.outcome(t), `${job}\n`);
    });
    assertMatch(
      (await sh("squeue", ["--noheader", `--jobs=${job}`, "--format=%T"]))!.stdout,
      /RUNNING/,
    );
  } finally {
    await sh("scancel", [job]);
  }
});

slurmTest("SlurmBackend fails attach at once with Slurm's message for a bad request", async () => {
  const b = new SlurmBackend({ partition: "no-such-partition" });
  await assertRejects(
    () => Promise.resolve(b.attach({ engineUid: ENGINE, workDir: Deno.cwd(), host: new Host() })),
    Error,
    "Cannot request a Slurm allocation as salloc exited with code 1: salloc: error:",
  );
  await b.shutdown();
});

export function triple(x: number): number {
  return x * 3;
}

slurmTest(
  "SlurmBackend runs function tasks on agents with structured arguments and errors",
  async () => {
    await withBackend({ nodes: NODES }, async (b, host) => {
      const add = fnTask(
        (a: number, m: Map<string, bigint>) => ({ sum: a + Number(m.get("k")), when: new Date(0) }),
        [
          1,
          new Map([["k", 41n]]),
        ],
      );
      const slow = fnTask(async (ms: number) => {
        await new Promise((r) => setTimeout(r, ms));
        return Deno.env.get("SLURMD_NODENAME");
      }, [50]);
      const boom = fnTask(() => {
        throw new RangeError("boom");
      }, []);
      const closure = fnTask(() => ENGINE, []);
      const unsendable = fnTask(() => () => 1, []);
      const fromModule = fnTask(triple, [14], {
        module: "data:application/javascript,export function triple(x) { return x * 3; }",
      });
      b.submit([add, slow, boom, closure, unsendable, fromModule]);
      assertEquals(await host.outcome(add), { sum: 42, when: new Date(0) });
      assertMatch(String(await host.outcome(slow)), /^n\d$/);
      const e = await assertRejects(() => host.outcome(boom));
      assertInstanceOf(e, Error);
      assertEquals([e.name, e.message], ["RangeError", "boom"]);
      await assertRejects(() => host.outcome(closure), Error, "module");
      await assertRejects(() => host.outcome(unsendable), TypeError, "cannot be serialised");
      assertEquals(await host.outcome(fromModule), 42);
      for (const t of [add, slow, boom]) assert(host.log.includes(`running ${t.uid}`));
      // Many small tasks, all nodes' agents busy.
      const many = Array.from({ length: 2000 }, (_, i) => fnTask((x: number) => x + 1, [i]));
      b.submit(many);
      const values = await Promise.all(many.map((t) => host.outcome(t)));
      assertEquals(values.reduce((s: number, v) => s + (v as number), 0), 2000 * 2001 / 2);
    });
  },
);

slurmTest(
  "SlurmBackend.cancel() of a function task stuck in synchronous code stops its agent; the others start over",
  async () => {
    await withBackend({ nodes: 1 }, async (b, host, dir) => {
      const forever = fnTask(() => {
        for (;;) { /* never yields: the agent cannot even read the abort */ }
      }, []);
      // its neighbour on the same agent counts its runs in a file
      const neighbour = fnTask(async (path: string) => {
        Deno.writeTextFileSync(path, "x", { append: true });
        await new Promise((r) => setTimeout(r, 3000));
        return Deno.readTextFileSync(path).length;
      }, [`${dir}/runs`]);
      b.submit([neighbour]);
      await host.started(neighbour);
      b.submit([forever]);
      await host.started(forever);
      b.cancel(forever, "test");
      // the agent is stopped; the neighbour starts over on a new agent and finishes
      assertEquals(await host.outcome(neighbour), 2);
      const after = fnTask((x: number) => x * 2, [21]);
      b.submit([after]);
      assertEquals(await host.outcome(after), 42);
      assert(
        !host.log.includes(`done ${forever.uid}`) && !host.log.includes(`failed ${forever.uid}`),
      );
    });
  },
);

slurmTest(
  "SlurmBackend.cancel() of an async function task aborts its signal and keeps its agent",
  async () => {
    await withBackend({ nodes: 1 }, async (b, host, dir) => {
      const waits = fnTask(waitForAbort, [`${dir}/aborted`], { module: MODULE });
      const pidOf = fnTask(() => Deno.pid, []);
      b.submit([waits, pidOf]);
      const pid = await host.outcome(pidOf);
      await host.started(waits);
      b.cancel(waits, new CancelledError("enough", waits.uid));
      assert(
        await eventually(async () =>
          (await Deno.readTextFile(`${dir}/aborted`).catch(() => "")).startsWith(
            "CancelledError",
          )
        ),
      );
      // the body settled on its signal: the same agent serves on
      const again = fnTask(() => Deno.pid, []);
      b.submit([again]);
      assertEquals(await host.outcome(again), pid);
    });
  },
);

slurmTest(
  "SlurmBackend with launch: agents runs executables on the node agents, one srun per agent",
  async () => {
    await withBackend({ nodes: NODES, launch: "agents" }, async (b, host, dir) => {
      const n = NODES * CPUS;
      // as with steps: all 24 run at once (a barrier), the 25th waits for a slot
      const barrier =
        `touch ${dir}/m.$$; i=0; while [ $(ls ${dir} | grep -c '^m\\.') -lt ${n} ]; do ` +
        `i=$((i+1)); [ $i -gt 600 ] && exit 7; sleep 0.1; done; echo $SLURMD_NODENAME; touch ${dir}/d.$$`;
      const tasks = Array.from({ length: n }, () => exe(barrier));
      const last = exe(`echo $(ls ${dir} | grep -c '^m\\.') $(ls ${dir} | grep -c '^d\\.')`);
      b.submit([...tasks, last]);
      const nodes = await Promise.all(tasks.map((t) => host.outcome(t)));
      const perNode: Record<string, number> = {};
      for (const s of nodes) {
        perNode[(s as string).trim()] = (perNode[(s as string).trim()] ?? 0) + 1;
      }
      assertEquals(Object.values(perNode), [CPUS, CPUS, CPUS]);
      const [marked, finished] = String(await host.outcome(last)).trim().split(" ").map(Number);
      assertEquals(marked, n);
      assert(finished! >= 1, `the 25th task ran before any of the 24 had finished: ${finished}`);
      // no job step per task: only the agents' steps
      const out = await sh("squeue", ["--noheader", "--steps", `--jobs=${b.jobId}`, "--format=%j"]);
      const names = out!.stdout.trim().split("\n").filter((l) => l.trim() !== "");
      assert(names.every((l) => l.startsWith("asyncflow-agent.")), names.join(", "));
      assert(names.length <= NODES, names.join(", "));
      // errors keep their class and fields; a multi-rank task is still a step
      const fails = exe(["sh", "-c", "echo out; echo err >&2; exit 3"]);
      const wide = exe("echo $SLURM_STEP_ID", { resources: resources({ ranks: 2 }) });
      b.submit([fails, wide]);
      const e = await assertRejects(() => host.outcome(fails), ExecutableError);
      assertEquals([e.exitCode, e.signal, e.stdout, e.stderr], [3, null, "out\n", "err\n"]);
      assertEquals((await host.outcome(wide) as string).trim().split("\n").length, 2);
    });
  },
);

slurmTest("SlurmBackend starts queued tasks in priority order", async () => {
  await withBackend({ nodes: 1, launch: "agents" }, async (b, host, dir) => {
    // one task holds all 8 CPUs; the rest wait for them
    const hog = exe(`sleep 1`, { resources: resources({ coresPerRank: CPUS }) });
    b.submit([hog]);
    await host.started(hog);
    const order = `${dir}/order`;
    const tasks = [1, 5, 3, 5, 0].map((p, i) =>
      exe(`echo ${i} >> ${order}`, {
        priority: p,
        seq: i,
        resources: resources({ coresPerRank: CPUS }),
      })
    );
    b.submit(tasks.slice(0, 2));
    b.submit(tasks.slice(2));
    await Promise.all(tasks.map((t) => host.outcome(t)));
    // priority 5 (1 and 3, in creation order), then 3, 1, 0
    assertEquals((await Deno.readTextFile(order)).trim().split("\n"), ["1", "3", "2", "0", "4"]);
  });
});

/** Kills a node's slurmd and job processes, marks it down; returns how to bring it back. */
async function failNode(node: string, stepdPid: number): Promise<() => Promise<void>> {
  const conf = Deno.env.get("SLURM_CONF") ?? "/etc/slurm/slurm.conf";
  const text = await Deno.readTextFile(conf);
  const pidPattern = /^SlurmdPidFile=(\S+)/m.exec(text)?.[1];
  if (pidPattern === undefined) throw new Error(`no SlurmdPidFile in ${conf}`);
  const slurmdPid = Number((await Deno.readTextFile(pidPattern.replaceAll("%n", node))).trim());
  for (const pid of [slurmdPid, stepdPid]) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
  // slurmctld would notice after SlurmdTimeout; tell it now.
  const down = await sh("scontrol", [
    "update",
    `nodename=${node}`,
    "state=down",
    "reason=asyncflow-test",
  ]);
  assert(down?.ok, down?.stderr);
  return async () => {
    const start = await sh("slurmd", ["-f", conf, "-N", node]);
    assert(start?.ok, start?.stderr);
    await sh("scontrol", ["update", `nodename=${node}`, "state=resume"]);
    const back = await eventually(async () => {
      const o = await sh("sinfo", ["--noheader", "--Node", `--nodes=${node}`, "--format=%t"]);
      return o !== undefined && /^(idle|mix|alloc)$/.test(o.stdout.trim());
    }, 30_000);
    assert(back, `node ${node} did not come back`);
  };
}

slurmTest(
  "SlurmBackend fails the steps of a failed node with BackendError and serves on",
  async () => {
    await withBackend({ nodes: NODES }, async (b, host, dir) => {
      const victim = exe(`echo "$SLURMD_NODENAME $PPID" > ${dir}/where; exec sleep 300`);
      b.submit([victim]);
      await host.started(victim);
      assert(
        await eventually(async () =>
          (await Deno.readTextFile(`${dir}/where`).catch(() => "")).includes(" ")
        ),
      );
      const [node, stepd] = (await Deno.readTextFile(`${dir}/where`)).trim().split(" ");
      const restore = await failNode(node!, Number(stepd));
      try {
        const e = await assertRejects(() => host.outcome(victim), BackendError, "node failure");
        assertMatch(e.message, new RegExp(`Node failure on ${node}`));
        assertEquals(b.nodes.map((n) => n.name).includes(node!), false);
        // The backend serves on with the nodes it has left.
        const t = exe("echo $SLURMD_NODENAME", {
          resources: resources({ ranks: (NODES - 1) * CPUS }),
        });
        b.submit([t]);
        assertEquals(
          (await host.outcome(t) as string).trim().split("\n").length,
          (NODES - 1) * CPUS,
        );
        assertMatch(b.checkResources(resources({ ranks: NODES * CPUS }))!, /holds at most 16/);
      } finally {
        await restore();
        await Deno.remove(`${dir}/where`).catch(() => {});
      }
    });
  },
);

Deno.test("new SlurmBackend() throws at once on bad options", () => {
  assertThrows(
    () => new SlurmBackend({ nodes: 0 }),
    RangeError,
    "Cannot create SlurmBackend as 'nodes' must be a positive integer: received 0",
  );
  assertThrows(
    () => new SlurmBackend({ partition: "" }),
    TypeError,
    `Cannot create SlurmBackend as 'partition' must be a non-empty string: received ""`,
  );
  assertThrows(
    () => new SlurmBackend({ extraSrunArgs: "--mpi=pmi2" as unknown as string[] }),
    TypeError,
    "'extraSrunArgs' must be an array of strings",
  );
  assertEquals(new SlurmBackend().name, "slurm");
  assertEquals(new SlurmBackend().checkResources(resources({ ranks: 10_000 })), undefined);
});
