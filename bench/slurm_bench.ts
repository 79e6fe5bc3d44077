/**
 * SlurmBackend throughput on a real Slurm (skipped without one):
 *
 * - short executable steps (`true`) per second through the engine vs a bare
 *   `srun` loop at the same concurrency in the same allocation;
 * - no-op function tasks per second through the agents.
 *
 * `deno run -A bench/slurm_bench.ts [--steps N] [--tasks N]` prints a report;
 * under `deno bench` the same measurements run as benches (few iterations).
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { SlurmBackend, WorkflowEngine } from "../mod.ts";

async function clusterProblem(): Promise<string | undefined> {
  try {
    const o = await new Deno.Command("sinfo", {
      args: ["--noheader"],
      stdout: "null",
      stderr: "piped",
    }).output();
    return o.success ? undefined : `sinfo failed: ${new TextDecoder().decode(o.stderr).trim()}`;
  } catch {
    return "sinfo could not run (no Slurm client)";
  }
}

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

async function engineSteps(flow: WorkflowEngine, count: number): Promise<number> {
  const t = flow.executableTask(() => ["true"]);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, () => t()));
  return performance.now() - t0;
}

async function engineFunctions(flow: WorkflowEngine, count: number): Promise<number> {
  const noop = flow.functionTask((i: number) => i);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => noop(i)));
  return performance.now() - t0;
}

const problem = await clusterProblem();

if (import.meta.main) {
  const args = parseArgs(Deno.args, { string: ["steps", "tasks", "nodes"] });
  if (problem !== undefined) {
    console.log(`Slurm bench skipped: ${problem}`);
    Deno.exit(0);
  }
  const steps = Number(args.steps ?? 96);
  const tasks = Number(args.tasks ?? 50_000);
  const backend = new SlurmBackend({ nodes: Number(args.nodes ?? 3) });
  await using flow = await WorkflowEngine.create({ backend });
  const slots = backend.nodes.reduce((s, n) => s + n.cpus, 0);
  console.log(
    `allocation ${backend.jobId}: ${backend.nodes.map((n) => `${n.name}x${n.cpus}`).join(" ")}`,
  );
  await engineSteps(flow, slots); // warm-up
  await bareSrun(backend.jobId!, slots, slots);
  // Alternate the two to share the machine's noise fairly.
  let engineMs = 0;
  let bareMs = 0;
  for (let round = 0; round < 2; round++) {
    engineMs += await engineSteps(flow, steps / 2);
    bareMs += await bareSrun(backend.jobId!, steps / 2, slots);
  }
  const engineRate = steps / (engineMs / 1000);
  const bareRate = steps / (bareMs / 1000);
  console.log(
    `true steps, concurrency ${slots}: engine ${engineRate.toFixed(1)}/s, bare srun ${
      bareRate.toFixed(1)
    }/s, ratio ${(engineRate / bareRate).toFixed(2)}`,
  );
  await engineFunctions(flow, 2000); // agents start, functions load
  const fnMs = await engineFunctions(flow, tasks);
  console.log(
    `no-op function tasks through agents: ${tasks} in ${fnMs.toFixed(0)} ms = ${
      (tasks / (fnMs / 1000)).toFixed(0)
    }/s`,
  );
} else {
  const ignore = problem !== undefined;
  if (ignore) console.log(`Slurm benches skipped: ${problem}`);
  let flow: WorkflowEngine | undefined;
  let backend: SlurmBackend | undefined;
  const setup = async () => {
    if (flow === undefined) {
      backend = new SlurmBackend({ nodes: 3 });
      flow = await WorkflowEngine.create({ backend });
      await engineFunctions(flow, 100);
    }
    return flow;
  };
  Deno.bench({
    name: "24 `true` steps through the engine",
    group: "slurm steps",
    ignore,
    n: 3,
    warmup: 1,
    async fn(b) {
      const f = await setup();
      b.start();
      await engineSteps(f, 24);
      b.end();
    },
  });
  Deno.bench({
    name: "24 bare `srun true`, 24 at a time",
    group: "slurm steps",
    baseline: true,
    ignore,
    n: 3,
    warmup: 1,
    async fn(b) {
      await setup();
      b.start();
      await bareSrun(backend!.jobId!, 24, 24);
      b.end();
    },
  });
  Deno.bench({
    name: "1000 no-op function tasks through agents",
    group: "slurm functions",
    ignore,
    n: 20,
    warmup: 2,
    async fn(b) {
      const f = await setup();
      b.start();
      await engineFunctions(f, 1000);
      b.end();
    },
  });
  Deno.bench({
    name: "shut the Slurm engine down",
    group: "slurm teardown",
    ignore,
    n: 1,
    warmup: 0,
    async fn() {
      await flow?.shutdown();
    },
  });
}
