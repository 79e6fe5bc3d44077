/**
 * Resume after a crash: a campaign of simulation steps with a journal. The
 * example runs the campaign in a subprocess that is killed (SIGKILL) half
 * way, then runs it again with the same journal: the second run completes
 * from the journal every step that had finished — nothing that had settled
 * runs twice — and runs only the rest. It then says why a task ran again
 * after an input changed.
 *
 * In a real campaign there is no parent process: run your script, and after
 * a crash (a node failure, a walltime, Ctrl-C) run the same script again.
 *
 * Run: `deno run --allow-read --allow-write --allow-run examples/resume.ts`
 * (the subprocess is this same file with `--campaign <journal>`).
 *
 * @module
 */
import { WorkflowEngine } from "../mod.ts";
import { explainTask } from "../src/journal/mod.ts";

const STEPS = 24;

/** One simulation step (a stand-in: a little work, then a number). */
export async function simulate(step: number, temperature: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 25));
  return Math.round(1000 * Math.sin(step) * temperature) / 1000;
}

/** The campaign: STEPS simulations, then their mean. Prints each step as it settles. */
export async function campaign(journal: string, temperature: number, crashAfter?: number) {
  await using flow = await WorkflowEngine.create({ journal });
  const sim = flow.functionTask(simulate, { name: "simulate" });
  const mean = flow.functionTask((xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length, {
    name: "mean",
  });
  let settled = 0;
  const steps = Array.from({ length: STEPS }, (_, i) => sim(i, temperature));
  for (const f of steps) {
    f.then(() => {
      console.log(`step ${f.uid} done${f.cached ? " (from the journal)" : ""}`);
      if (++settled === crashAfter) Deno.kill(Deno.pid, "SIGKILL"); // the crash
    });
  }
  const m = await mean(steps);
  const s = flow.summary().counts;
  console.log(`mean ${m.toFixed(3)}: ${s.done - s.cached} ran, ${s.cached} from the journal`);
}

async function child(journal: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      import.meta.filename!,
      ...args,
      journal,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return { lines: new TextDecoder().decode(out.stdout).trim().split("\n"), signal: out.signal };
}

async function main() {
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_resume_" });
  const journal = `${dir}/campaign.db`;
  try {
    const first = await child(journal, ["--campaign", "--crash-after", String(STEPS / 2)]);
    const done = first.lines.filter((l) => l.startsWith("step ")).length;
    console.log(`first run: killed by ${first.signal} after ${done} of ${STEPS} steps had settled`);
    const second = await child(journal, ["--campaign"]);
    console.log(`second run: ${second.lines.at(-1)}`);
    const third = await child(journal, ["--campaign", "--temperature", "2"]);
    console.log(`a run with another temperature: ${third.lines.at(-1)}`);
    const why = explainTask(journal, "mean");
    console.log(`why 'mean' ran again:`);
    for (const line of why.sentences) console.log(`  ${line}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--campaign");
  if (i >= 0) {
    const crash = Deno.args.indexOf("--crash-after");
    const temp = Deno.args.indexOf("--temperature");
    await campaign(
      Deno.args.at(-1)!,
      temp >= 0 ? Number(Deno.args[temp + 1]) : 1,
      crash >= 0 ? Number(Deno.args[crash + 1]) : undefined,
    );
  } else await main();
}
