/**
 * `deno task bench`: runs the `Deno.bench` suites under `bench/` — the Slurm
 * ones only when a cluster answers. Without one it prints the one-line
 * reason the Slurm tests print and leaves `bench/slurm_bench.ts` out (a
 * bench file that registers nothing would still print an empty table).
 *
 * Arguments go to `deno bench` (`deno task bench --filter engine`); a path
 * among them (`bench/core_bench.ts`) replaces `bench/`.
 *
 * @module
 */
import { probeCluster } from "../tests/_slurm_cluster.ts";

/**
 * The `deno bench` arguments for this run.
 *
 * @param args the task's arguments
 * @param noCluster why no Slurm cluster answers, or undefined when one does
 * @returns the arguments after `deno`
 */
export function benchArgs(args: readonly string[], noCluster: string | undefined): string[] {
  const out = ["bench", "--lock=dev/deno.lock", "--allow-all"];
  if (noCluster !== undefined) out.push("--ignore=bench/slurm_bench.ts");
  out.push(...args);
  // a path among the arguments (a '/' in it, or a .ts file) replaces bench/
  if (!args.some((a) => !a.startsWith("-") && (a.includes("/") || a.endsWith(".ts")))) {
    out.push("bench/");
  }
  return out;
}

if (import.meta.main) {
  const reason = await probeCluster();
  if (reason !== undefined) console.log(`Slurm benches skipped: ${reason}`);
  const root = new URL("../", import.meta.url);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: benchArgs(Deno.args, reason),
    cwd: root,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exit(code);
}
