/**
 * A campaign across two Slurm allocations: part of a workflow runs in one
 * allocation (executables as job steps, function tasks on node agents), the
 * allocation is cancelled with `scancel`, and the same script run again in a
 * new allocation resumes from the journal.
 *
 * @module
 */
import { assert, assertMatch } from "@std/assert";
import { REQUIRED, sh, skipReason } from "./_slurm_probe.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;

function script(db: string, log: string): string {
  return `
    import { SlurmBackend, WorkflowEngine } from ${JSON.stringify(MOD)};
    const backend = new SlurmBackend({ nodes: 1, agentAddress: "127.0.0.1" });
    await using flow = await WorkflowEngine.create({ backend, journal: ${JSON.stringify(db)} });
    console.log("job " + backend.jobId);
    const step = flow.executableTask(function step(i) {
      return ["sh", "-c", "echo " + i + " >> ${log}; sleep 0.3; echo " + i];
    });
    const square = flow.functionTask(function square(s) { return Number(s) ** 2; });
    const fs = Array.from({ length: 12 }, (_, i) => square(step(i)));
    for (const f of fs) f.then((v) => console.log("done " + v), () => {});
    const all = await Promise.allSettled(fs);
    const ok = all.filter((r) => r.status === "fulfilled").length;
    const s = flow.summary().counts;
    console.log("finished " + ok + " ok, " + s.cached + " cached");
  `;
}

Deno.test({
  name: "SlurmBackend: a campaign cut by scancel resumes from the journal in a new allocation",
  ignore: skipReason !== undefined && !REQUIRED,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (skipReason !== undefined) throw new Error(`Cannot run Slurm test as ${skipReason}`);
    const dir = await Deno.makeTempDir({ prefix: "asyncflow_slurm_resume_" });
    try {
      const db = `${dir}/campaign.db`;
      const log = `${dir}/ran.log`;
      await Deno.writeTextFile(`${dir}/campaign.js`, script(db, log));
      const run = () =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", `${dir}/campaign.js`],
          stdout: "piped",
          stderr: "piped",
        }).spawn();

      // first allocation: wait for a few results, then scancel it
      const first = run();
      const reader = first.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      let job = "";
      const printed = new Set<string>();
      while (printed.size < 4) {
        const { value, done } = await reader.read();
        if (done) break;
        out += value;
        job ||= /job (\d+)/.exec(out)?.[1] ?? "";
        for (const m of out.matchAll(/done (\d+)/g)) printed.add(m[1]!);
      }
      assert(job !== "", `no job id printed:\n${out}`);
      assert(printed.size >= 4, `too few results before the cut:\n${out}`);
      const cancel = await sh("scancel", [job]);
      assert(cancel?.ok, `scancel failed: ${cancel?.stderr}`);
      // the script sees its tasks fail with the allocation; it must end
      const timer = setTimeout(() => first.kill("SIGKILL"), 60_000);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        out += value;
      }
      await first.status;
      clearTimeout(timer);
      await first.stderr.cancel();
      assert(!/finished 12 ok/.test(out), `the first run was not cut:\n${out}`);
      const before = (await Deno.readTextFile(log)).trim().split("\n").length;

      // second allocation: it resumes, the results printed before the cut do not run again
      await Deno.writeTextFile(log, "");
      const second = await run().output();
      const text = new TextDecoder().decode(second.stdout);
      assert(second.success, new TextDecoder().decode(second.stderr));
      const job2 = /job (\d+)/.exec(text)?.[1];
      assert(job2 !== undefined && job2 !== job, `expected a new allocation: ${job} then ${job2}`);
      assertMatch(text, /finished 12 ok, (\d+) cached/);
      const cached = Number(/finished 12 ok, (\d+) cached/.exec(text)![1]);
      assert(cached >= 2 * printed.size, `only ${cached} cached after ${printed.size} results`);
      const again = (await Deno.readTextFile(log)).trim().split("\n").filter((l) => l !== "");
      for (const v of printed) {
        assert(!again.includes(String(Math.sqrt(Number(v)))), `step ${v} ran again`);
      }
      assert(again.length <= 12 - printed.size, `${again.length} steps ran again`);
      assert(before >= printed.size);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
