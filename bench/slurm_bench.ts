/**
 * SlurmBackend throughput on a real Slurm (skipped without one), in one
 * allocation and one run:
 *
 * - short executables (`true`) per second at full concurrency, launched as
 *   job steps (`launch: "srun"`, one `srun` each) and as child processes of
 *   the node agents (`launch: "agents"`), with a bare `srun` loop at the same
 *   concurrency as the floor of the first;
 * - no-op function tasks per second through the agents.
 *
 * `deno run -A bench/slurm_bench.ts [--steps N] [--execs N] [--tasks N]`
 * prints a report; under `deno bench` the same measurements run as benches
 * (few iterations). Without a cluster it prints the one-line reason the
 * Slurm tests print and registers no bench (`deno task bench` then leaves
 * the file out, so no empty table is printed either).
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { SlurmBackend, WorkflowEngine } from "../mod.ts";
import { NODES, probeCluster } from "../tests/_slurm_cluster.ts";

/** `count` runs of `srun --exact -n1 true` in allocation `job`, `concurrency` at a time. */
async function bareSrun(job: string, count: number, concurrency: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const env = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([k]) =>
      !k.startsWith("SLURM_") || k === "SLURM_CONF"
    ),
  );
  const lane = async () => {
    while (next < count) {
      next++;
      const o = await new Deno.Command("srun", {
        args: [`--jobid=${job}`, "--ntasks=1", "--cpus-per-task=1", "--exact", "true"],
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!o.success) throw new Error(`bare srun failed: ${new TextDecoder().decode(o.stderr)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return performance.now() - t0;
}

async function engineSteps(
  flow: WorkflowEngine,
  count: number,
  backend?: string,
): Promise<number> {
  const t = flow.executableTask(() => ["true"], backend === undefined ? {} : { backend });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, () => t()));
  return performance.now() - t0;
}

async function engineFunctions(
  flow: WorkflowEngine,
  count: number,
  backend?: string,
): Promise<number> {
  const noop = flow.functionTask((i: number) => i, backend === undefined ? {} : { backend });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => noop(i)));
  return performance.now() - t0;
}

/** An allocation of `nodes` whole nodes for the run (released by the caller). */
async function allocate(nodes: number): Promise<string> {
  const o = await new Deno.Command("salloc", {
    args: ["--no-shell", `--nodes=${nodes}`, "--exclusive", "--job-name=asyncflow-bench"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(o.stderr);
  const job = /Granted job allocation (\d+)/.exec(text)?.[1];
  if (!o.success || job === undefined) throw new Error(`salloc failed: ${text}`);
  return job;
}

const problem = await probeCluster();

if (import.meta.main) {
  const args = parseArgs(Deno.args, { string: ["steps", "execs", "tasks", "nodes"] });
  if (problem !== undefined) {
    console.log(`Slurm bench skipped: ${problem}`);
    Deno.exit(0);
  }
  const steps = Number(args.steps ?? 96);
  const execs = Number(args.execs ?? 10_000);
  const tasks = Number(args.tasks ?? 50_000);
  const job = await allocate(Number(args.nodes ?? NODES));
  try {
    // two backends in one allocation, used one after the other (each counts
    // every CPU as its own)
    const srun = new SlurmBackend({ name: "srun", allocation: job });
    const agents = new SlurmBackend({ name: "agents", allocation: job, launch: "agents" });
    await using flow = await WorkflowEngine.create({ backend: [srun, agents] });
    const slots = srun.nodes.reduce((s, n) => s + n.cpus, 0);
    console.log(
      `allocation ${job}: ${srun.nodes.map((n) => `${n.name}x${n.cpus}`).join(" ")}`,
    );
    await engineSteps(flow, slots, "srun"); // warm-up
    await bareSrun(job, slots, slots);
    // Alternate the two to share the machine's noise fairly.
    let srunMs = 0;
    let bareMs = 0;
    for (let round = 0; round < 2; round++) {
      srunMs += await engineSteps(flow, steps / 2, "srun");
      bareMs += await bareSrun(job, steps / 2, slots);
    }
    await engineSteps(flow, slots * 4, "agents"); // agents start
    const agentsMs = await engineSteps(flow, execs, "agents");
    const srunRate = steps / (srunMs / 1000);
    const bareRate = steps / (bareMs / 1000);
    const agentsRate = execs / (agentsMs / 1000);
    console.log(`\`true\` executables, concurrency ${slots}:`);
    console.log(`  launch "srun":   ${srunRate.toFixed(1)}/s (${steps} steps)`);
    console.log(`  bare srun loop:  ${bareRate.toFixed(1)}/s (the floor of one srun per task)`);
    console.log(
      `  launch "agents": ${agentsRate.toFixed(0)}/s (${execs} tasks), ${
        (agentsRate / srunRate).toFixed(1)
      }x launch "srun"`,
    );
    await engineFunctions(flow, 2000, "agents"); // functions load
    const fnMs = await engineFunctions(flow, tasks, "agents");
    console.log(
      `no-op function tasks through agents: ${tasks} in ${fnMs.toFixed(0)} ms = ${
        (tasks / (fnMs / 1000)).toFixed(0)
      }/s`,
    );
  } finally {
    await new Deno.Command("scancel", { args: [job] }).output();
  }
} else if (problem !== undefined) {
  console.log(`Slurm benches skipped: ${problem}`);
} else {
  let flow: WorkflowEngine | undefined;
  let job: string | undefined;
  const setup = async () => {
    if (flow === undefined) {
      job = await allocate(NODES);
      flow = await WorkflowEngine.create({
        backend: [
          new SlurmBackend({ name: "srun", allocation: job }),
          new SlurmBackend({ name: "agents", allocation: job, launch: "agents" }),
        ],
      });
      await engineFunctions(flow, 100, "agents");
    }
    return flow;
  };
  Deno.bench({
    name: "24 `true` executables as steps (launch: srun)",
    group: "slurm executables",
    n: 3,
    warmup: 1,
    async fn(b) {
      const f = await setup();
      b.start();
      await engineSteps(f, 24, "srun");
      b.end();
    },
  });
  Deno.bench({
    name: "24 bare `srun true`, 24 at a time",
    group: "slurm executables",
    baseline: true,
    n: 3,
    warmup: 1,
    async fn(b) {
      await setup();
      b.start();
      await bareSrun(job!, 24, 24);
      b.end();
    },
  });
  Deno.bench({
    name: "24 `true` executables on the node agents (launch: agents)",
    group: "slurm executables",
    n: 10,
    warmup: 2,
    async fn(b) {
      const f = await setup();
      b.start();
      await engineSteps(f, 24, "agents");
      b.end();
    },
  });
  Deno.bench({
    name: "1000 no-op function tasks through agents",
    group: "slurm functions",
    n: 20,
    warmup: 2,
    async fn(b) {
      const f = await setup();
      b.start();
      await engineFunctions(f, 1000, "agents");
      b.end();
    },
  });
  Deno.bench({
    name: "shut the Slurm engine down",
    group: "slurm teardown",
    n: 1,
    warmup: 0,
    async fn() {
      await flow?.shutdown();
      if (job !== undefined) await new Deno.Command("scancel", { args: [job] }).output();
    },
  });
}
