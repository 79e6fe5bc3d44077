/**
 * Whether a Slurm cluster answers here, and if not, why, in one line: the
 * probe the Slurm tests (`_slurm_probe.ts`) and `deno task bench` share.
 * Importing it has no effect; {@link probeCluster} runs `sinfo` once.
 *
 * @module
 */

/** Nodes the Slurm tests and benches expect (scripts/slurm/start.sh defaults). */
export const NODES = 3;
/** CPUs per node the Slurm tests expect. */
export const CPUS = 8;

/** The output of a short command, or undefined when it cannot be started. */
export async function sh(
  cmd: string,
  args: string[],
): Promise<{ ok: boolean; stdout: string; stderr: string } | undefined> {
  try {
    const o = await new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .output();
    const d = new TextDecoder();
    return { ok: o.success, stdout: d.decode(o.stdout), stderr: d.decode(o.stderr) };
  } catch {
    return undefined;
  }
}

/** One line of at most 200 characters: whitespace runs collapsed. */
function oneLine(text: string): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length <= 200 ? s : s.slice(0, 199) + "…";
}

/**
 * Whether a usable cluster answers: `undefined` when it does, else the
 * reason as one line (Slurm's clients print several lines of DNS errors when
 * no configuration is found; the reason keeps the last, which says what is
 * missing).
 */
export async function probeCluster(): Promise<string | undefined> {
  const conf = Deno.env.get("SLURM_CONF");
  if (conf === undefined) {
    try {
      await Deno.stat("/etc/slurm/slurm.conf");
    } catch {
      return "SLURM_CONF is unset and /etc/slurm/slurm.conf is missing (start one with scripts/slurm/start.sh)";
    }
  } else {
    // sinfo looks for a missing file's cluster through DNS for about a minute
    try {
      await Deno.stat(conf);
    } catch {
      return oneLine(
        `SLURM_CONF names a file that does not exist: ${conf} (start a cluster with scripts/slurm/start.sh)`,
      );
    }
  }
  const out = await sh("sinfo", ["--noheader", "--Node", "--format=%N %c %t"]);
  if (out === undefined) return "sinfo could not run (Slurm client not installed)";
  if (!out.ok) {
    const lines = out.stderr.trim().split("\n").filter((l) => l.trim() !== "");
    return oneLine(`sinfo failed: ${lines.at(-1) ?? "no message"}`);
  }
  const usable = out.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/)).filter((
    [, c, t],
  ) => Number(c) >= CPUS && /^(idle|mix|alloc)$/.test(t ?? ""));
  if (usable.length < NODES) {
    return oneLine(
      `the cluster needs ${NODES} usable nodes of ${CPUS} CPUs: sinfo says ${
        JSON.stringify(out.stdout.trim())
      }`,
    );
  }
  return undefined;
}
