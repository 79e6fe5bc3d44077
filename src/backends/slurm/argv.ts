/**
 * The `srun` command line for one executable task, as a pure function:
 * testable without Slurm, and never a shell string built by formatting.
 *
 * ```
 *  srun --jobid=J --job-name=<uid> --ntasks=R --cpus-per-task=C [--gpus-per-task=G] [--mem=M]
 *       --exact | --overlap  [--nodes=K --nodelist=a,b]  [--chdir=D]  [--output=F --error=F]
 *       [--export=ALL,K=V,…]  [--verbose]  <extra args>  --  <argv | /bin/sh -c <command>>
 * ```
 *
 * @module
 */

import { received } from "../../_text.ts";
import type { ExecutableTask, ResolvedResources } from "../../backend.ts";

/** What {@link buildSrunArgv} needs of a task (an {@link ExecutableTask} fits). */
export interface SrunTaskSpec {
  /** Used as the step's `--job-name`, so the step can be found with `squeue -s -n`. */
  readonly uid: string;
  /** What one run needs. */
  readonly resources: ResolvedResources;
  /** A string runs through `/bin/sh -c` as one argv element; an array is argv. */
  readonly command: string | readonly string[];
  /** Extra environment variables for the step. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Working directory of the step. */
  readonly cwd?: string | undefined;
  /** File for the step's stdout (all ranks). */
  readonly stdoutPath?: string | undefined;
  /** File for the step's stderr (all ranks). */
  readonly stderrPath?: string | undefined;
}

/** Where the step goes and how `srun` is called. */
export interface SrunArgvOptions {
  /**
   * The `srun` executable.
   * @default {"srun"}
   */
  srun?: string;
  /** The allocation (job id) to run the step in; omitted when undefined. */
  jobId?: string | undefined;
  /**
   * Nodes chosen for the step (`--nodes=<count> --nodelist=<names>`). Memory
   * (`--mem`, per node in Slurm) is `memoryMB` divided over these nodes.
   */
  nodes?: readonly string[] | undefined;
  /**
   * Share CPUs with other steps (`--overlap`) instead of taking exactly the
   * step's own share (`--exact`).
   * @default {false}
   */
  overlap?: boolean;
  /**
   * Add `--verbose`, which makes `srun` print the step id when it launches
   * (`srun: launching StepId=J.S on host …`) and each task's exit status.
   * @default {false}
   */
  verbose?: boolean;
  /** Extra flags placed after the generated ones (later flags win in `srun`). */
  extraArgs?: readonly string[] | undefined;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Builds the `srun` argv (program first) for one executable task.
 *
 * - `--ntasks` = ranks, `--cpus-per-task` = coresPerRank, `--gpus-per-task`
 *   when gpusPerRank > 0, `--mem` (MB per node: memoryMB over the placed
 *   nodes, rounded up) when memoryMB > 0, `--exact` (or `--overlap`),
 *   `--job-name=<uid>`, `--jobid`, `--nodes`/`--nodelist` when placed.
 * - `--chdir` for `cwd`; `--output`/`--error` for the stdio paths, with `%`
 *   written as `%%` so Slurm's filename patterns keep the path as given.
 * - `env`: `--export=ALL,K=V,…`. Slurm splits `--export` at commas, so a value
 *   that contains a comma is listed by name only (`--export=ALL,…,K`) and
 *   **must** be present in `srun`'s own environment, where Slurm takes it from
 *   (see {@link srunEnvironment}). Values are never quoted or escaped.
 * - A string command becomes `/bin/sh -c <command>` (one element); an array
 *   is appended as it is. `--` separates options from the command.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { buildSrunArgv } from "./argv.ts";
 * const argv = buildSrunArgv({
 *   uid: "task.000001",
 *   resources: { ranks: 2, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
 *   command: "echo $HOSTNAME",
 * }, { jobId: "42" });
 * assert(argv.at(-1) === "echo $HOSTNAME");
 * assert(argv.includes("--ntasks=2"));
 * ```
 *
 * @param task what to run
 * @param options where and how
 * @returns argv, `srun` first
 * @throws {RangeError} when a resource is not a positive integer (gpus and
 *   memory: non-negative), or `nodes` is empty or has more nodes than ranks
 * @throws {TypeError} when the command is empty or not strings, an env name is
 *   not a valid variable name, a value holds a NUL, or an output path holds a
 *   backslash (Slurm would drop it)
 */
export function buildSrunArgv(
  task: SrunTaskSpec | ExecutableTask,
  options: SrunArgvOptions = {},
): string[] {
  const { ranks, coresPerRank, gpusPerRank, memoryMB } = task.resources;
  checkInteger("ranks", ranks, 1);
  checkInteger("coresPerRank", coresPerRank, 1);
  checkInteger("gpusPerRank", gpusPerRank, 0);
  checkInteger("memoryMB", memoryMB, 0);
  const command = task.command;
  if (typeof command === "string") {
    if (command.trim() === "") {
      throw new TypeError(
        `Cannot build srun argv as the command is empty: ${received(command)}`,
      );
    }
  } else if (
    !Array.isArray(command) || command.length === 0 || command.some((a) => typeof a !== "string")
  ) {
    throw new TypeError(
      `Cannot build srun argv as the command must be a non-empty array of strings: ${
        received(command)
      }`,
    );
  }
  const nodes = options.nodes;
  if (nodes !== undefined && (nodes.length === 0 || nodes.length > ranks)) {
    throw new RangeError(
      `Cannot build srun argv as 'nodes' must hold 1 to ${ranks} node names (one rank at least per node): ${
        received(nodes)
      }`,
    );
  }

  const argv = [options.srun ?? "srun"];
  if (options.jobId !== undefined) argv.push(`--jobid=${options.jobId}`);
  argv.push(
    `--job-name=${task.uid}`,
    `--ntasks=${ranks}`,
    `--cpus-per-task=${coresPerRank}`,
  );
  if (gpusPerRank > 0) argv.push(`--gpus-per-task=${gpusPerRank}`);
  if (memoryMB > 0) argv.push(`--mem=${Math.ceil(memoryMB / (nodes?.length ?? 1))}`);
  argv.push(options.overlap ? "--overlap" : "--exact");
  if (nodes !== undefined) argv.push(`--nodes=${nodes.length}`, `--nodelist=${nodes.join(",")}`);
  if (task.cwd !== undefined) argv.push(`--chdir=${task.cwd}`);
  if (task.stdoutPath !== undefined) {
    argv.push(`--output=${outputPattern("stdoutPath", task.stdoutPath)}`);
  }
  if (task.stderrPath !== undefined) {
    argv.push(`--error=${outputPattern("stderrPath", task.stderrPath)}`);
  }
  const env = task.env;
  if (env !== undefined && Object.keys(env).length > 0) {
    const items = ["ALL"];
    for (const [name, value] of Object.entries(env)) {
      if (!ENV_NAME.test(name)) {
        throw new TypeError(
          `Cannot build srun argv as an env name must be a shell variable name: ${received(name)}`,
        );
      }
      if (typeof value !== "string" || value.includes("\0")) {
        throw new TypeError(
          `Cannot build srun argv as the value of env '${name}' must be a string without NUL: ${
            received(value)
          }`,
        );
      }
      items.push(value.includes(",") ? name : `${name}=${value}`);
    }
    argv.push(`--export=${items.join(",")}`);
  }
  if (options.verbose) argv.push("--verbose");
  if (options.extraArgs !== undefined) argv.push(...options.extraArgs);
  argv.push("--");
  if (typeof command === "string") argv.push("/bin/sh", "-c", command);
  else argv.push(...command);
  return argv;
}

/**
 * The environment to give the `srun` process for `task`: `base` without the
 * `SLURM_*` variables of an enclosing job (they would steer `srun` into that
 * job; `SLURM_CONF` is kept), then the task's `env` on top (so values with
 * commas, which {@link buildSrunArgv} lists by name only, reach the step).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { srunEnvironment } from "./argv.ts";
 * const env = srunEnvironment({ env: { A: "x,y" } }, { SLURM_JOB_ID: "7", PATH: "/bin" });
 * assert(env.A === "x,y" && env.SLURM_JOB_ID === undefined && env.PATH === "/bin");
 * ```
 *
 * @param task the task (only `env` is read)
 * @param base the environment to start from (usually `Deno.env.toObject()`)
 * @returns a new environment object
 */
export function srunEnvironment(
  task: { readonly env?: Readonly<Record<string, string>> | undefined },
  base: Readonly<Record<string, string>>,
): Record<string, string> {
  const env = cleanSlurmEnvironment(base);
  if (task.env !== undefined) Object.assign(env, task.env);
  return env;
}

/**
 * A copy of `base` without `SLURM_*` variables except `SLURM_CONF`.
 *
 * @param base an environment
 * @returns the cleaned copy
 */
export function cleanSlurmEnvironment(
  base: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (name.startsWith("SLURM_") && name !== "SLURM_CONF") continue;
    env[name] = value;
  }
  return env;
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Cannot build srun argv as '${name}' must be an integer >= ${min}: ${received(value)}`,
    );
  }
}

function outputPattern(name: string, path: string): string {
  if (path.includes("\\")) {
    throw new TypeError(
      `Cannot build srun argv as '${name}' must not contain a backslash (Slurm removes it): ${
        received(path)
      }`,
    );
  }
  return path.replaceAll("%", "%%");
}
