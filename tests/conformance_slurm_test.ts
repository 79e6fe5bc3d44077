import { SlurmBackend } from "../mod.ts";
import { backendConformance } from "./conformance.ts";
import { REQUIRED, skipReason } from "./_slurm_probe.ts";

backendConformance("slurm", () => new SlurmBackend(), {
  ...(skipReason !== undefined && !REQUIRED ? { ignore: skipReason } : {}),
  // agents and salloc helpers live for the backend's lifetime; shutdown stops them
  sanitize: false,
});
