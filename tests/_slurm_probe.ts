/**
 * Whether a Slurm cluster answers here, shared by the Slurm test files.
 * Without a cluster the tests skip with the printed reason; with
 * `ASYNCFLOW_REQUIRE_SLURM=1` (set by CI) they fail instead.
 *
 * @module
 */

/** Nodes the Slurm tests expect (scripts/slurm/start.sh defaults). */
export const NODES = 3;
/** CPUs per node the Slurm tests expect. */
export const CPUS = 8;
export const REQUIRED = Deno.env.get("ASYNCFLOW_REQUIRE_SLURM") === "1";

/** Whether a usable cluster answers, and why not. */
async function probeCluster(): Promise<string | undefined> {
  const conf = Deno.env.get("SLURM_CONF");
  if (conf === undefined) {
    try {
      await Deno.stat("/etc/slurm/slurm.conf");
    } catch {
      return "SLURM_CONF is unset and /etc/slurm/slurm.conf is missing (start one with scripts/slurm/start.sh)";
    }
  }
  const out = await sh("sinfo", ["--noheader", "--Node", "--format=%N %c %t"]);
  if (out === undefined) return "sinfo could not run (Slurm client not installed)";
  if (!out.ok) return `sinfo failed: ${out.stderr.trim()}`;
  const usable = out.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/)).filter((
    [, c, t],
  ) => Number(c) >= CPUS && /^(idle|mix|alloc)$/.test(t ?? ""));
  if (usable.length < NODES) {
    return `the cluster needs ${NODES} usable nodes of ${CPUS} CPUs: sinfo says ${
      JSON.stringify(out.stdout.trim())
    }`;
  }
  return undefined;
}

export async function sh(cmd: string, args: string[]) {
  try {
    const o = await new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .output();
    const d = new TextDecoder();
    return { ok: o.success, stdout: d.decode(o.stdout), stderr: d.decode(o.stderr) };
  } catch {
    return undefined;
  }
}

export const skipReason = await probeCluster();
if (skipReason !== undefined) {
  console.log(
    `Slurm tests ${REQUIRED ? "FAIL (ASYNCFLOW_REQUIRE_SLURM=1)" : "skipped"}: ${skipReason}`,
  );
}
