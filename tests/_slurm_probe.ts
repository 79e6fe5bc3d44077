/**
 * Whether a Slurm cluster answers here, shared by the Slurm test files
 * (the probe itself is `_slurm_cluster.ts`, which `deno task bench` uses too).
 * Without a cluster the tests skip with the printed reason; with
 * `ASYNCFLOW_REQUIRE_SLURM=1` (set by CI) they fail instead.
 *
 * @module
 */

import { probeCluster } from "./_slurm_cluster.ts";

export { CPUS, NODES, sh } from "./_slurm_cluster.ts";
export const REQUIRED = Deno.env.get("ASYNCFLOW_REQUIRE_SLURM") === "1";

export const skipReason = await probeCluster();
if (skipReason !== undefined) {
  console.log(
    `Slurm tests ${REQUIRED ? "FAIL (ASYNCFLOW_REQUIRE_SLURM=1)" : "skipped"}: ${skipReason}`,
  );
}
