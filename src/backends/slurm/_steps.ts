/**
 * Executable tasks of a `SlurmBackend` as `srun --verbose` job steps: the
 * `launching StepId=J.S` line marks the task RUNNING and names the step; the
 * outcome is classified from srun's exit status and its lines; cancel sends
 * SIGTERM to `srun` and `scancel J.S`, then SIGKILL after `killGraceMs`.
 *
 * @module
 */

import { dirname } from "node:path";
import type { ExecutableTask } from "../../backend.ts";
import { BackendError, ExecutableError } from "../../errors.ts";
import type { SlurmAllocation } from "./_allocation.ts";
import { message, readLines, type SlurmShared, tryKill } from "./_shared.ts";
import type { SlotScheduler } from "./_slots.ts";
import type { Share, StepRun } from "./_types.ts";
import { buildSrunArgv, srunEnvironment } from "./argv.ts";
import { parseSrunLine, signalName } from "./parse.ts";

/** Runs executable tasks as job steps; frees their slots when `srun` has exited. */
export class SlurmSteps {
  readonly #shared: SlurmShared;
  readonly #allocation: SlurmAllocation;
  readonly #slots: SlotScheduler;
  readonly #steps = new Set<Promise<void>>();

  /** Steps of the backend sharing `shared`. */
  constructor(shared: SlurmShared, allocation: SlurmAllocation, slots: SlotScheduler) {
    this.#shared = shared;
    this.#allocation = allocation;
    this.#slots = slots;
  }

  /** Resolves when every step started so far has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#steps]);
  }

  /** Starts `task` as a step on `shares`, whose slots are already taken. */
  start(task: ExecutableTask, shares: Share[]): void {
    const run: StepRun = {
      kind: "step",
      task,
      shares,
      child: undefined,
      step: undefined,
      cancelled: false,
      killTimer: undefined,
      finished: Promise.resolve(),
    };
    this.#shared.runs.set(task, run);
    const finished = this.#executeStep(run).catch((error) => {
      // Unexpected: never leave the task without an outcome.
      if (!run.cancelled) {
        this.#shared.host?.failed(
          task,
          new BackendError(this.#shared.name, message(error), { cause: error }),
        );
      }
    }).finally(() => {
      clearTimeout(run.killTimer);
      this.#shared.runs.delete(task);
      this.#slots.free(shares);
      this.#steps.delete(finished);
      this.#slots.pump();
    });
    run.finished = finished;
    this.#steps.add(finished);
  }

  /** Stops a step: SIGTERM to `srun` and `scancel`, SIGKILL after the grace time. */
  stop(run: StepRun): void {
    const child = run.child;
    if (run.step !== undefined) this.#scancel(run.step);
    if (child === undefined) return; // not spawned yet: #executeStep sees the flag
    tryKill(child, "SIGTERM");
    run.killTimer = setTimeout(() => {
      tryKill(child, "SIGKILL");
      // srun is gone; a step it had created without telling us is found by name.
      if (run.step === undefined) this.#scancelByName(run.task.uid);
    }, this.#shared.killGraceMs);
  }

  async #executeStep(run: StepRun): Promise<void> {
    const { task } = run;
    const shared = this.#shared;
    const options = shared.options;
    const host = shared.host!;
    let argv: string[];
    try {
      argv = buildSrunArgv(task, {
        ...(options.srun !== undefined ? { srun: options.srun } : {}),
        jobId: this.#allocation.jobId,
        nodes: options.oversubscribe ? undefined : nodeNames(run.shares),
        overlap: options.oversubscribe ?? false,
        verbose: true,
        extraArgs: options.extraSrunArgs,
      });
      for (const path of [task.stdoutPath, task.stderrPath]) {
        if (path !== undefined) await Deno.mkdir(dirname(path), { recursive: true });
      }
    } catch (error) {
      if (run.cancelled) return;
      // Bad command, env or resources: the argv builder's TypeError/RangeError.
      const bad = error instanceof TypeError || error instanceof RangeError;
      host.failed(
        task,
        bad
          ? error
          : new BackendError(shared.name, `Cannot start task '${task.name}': ${message(error)}`, {
            cause: error,
          }),
      );
      return;
    }
    if (run.cancelled) return;
    const captured = task.stdoutPath !== undefined;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(argv[0]!, {
        args: argv.slice(1),
        env: srunEnvironment(task, shared.baseEnv),
        clearEnv: true,
        stdin: "null",
        stdout: captured ? "null" : "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      host.failed(
        task,
        new BackendError(
          shared.name,
          `Cannot start task '${task.name}' as '${argv[0]}' could not be started: ${
            message(error)
          }`,
          {
            cause: error,
          },
        ),
      );
      return;
    }
    run.child = child;
    let launched = false;
    let nodeFailure: string | undefined;
    let finishStatus = 0;
    const slurmErrors: string[] = [];
    const stderrLines: string[] = [];
    const stderrDone = readLines(child.stderr, (line) => {
      const l = parseSrunLine(line);
      switch (l.kind) {
        case "launching":
          if (run.step === undefined) {
            run.step = `${l.jobId}.${l.stepId}`;
            if (run.cancelled) this.#scancel(run.step);
          }
          if (!launched) {
            launched = true;
            if (!run.cancelled) host.running(task);
          }
          break;
        case "finished":
          if (finishStatus === 0) finishStatus = l.status;
          break;
        case "error":
          slurmErrors.push(line);
          if (l.nodeFailure !== undefined) nodeFailure ??= l.nodeFailure;
          break;
        case "output":
          stderrLines.push(line);
          break;
      }
    });
    const stdoutText = captured ? Promise.resolve("") : new Response(child.stdout).text();
    const [status, stdout] = await Promise.all([
      child.status,
      stdoutText.catch(() => ""),
      stderrDone,
    ]);
    if (nodeFailure !== undefined) {
      this.#slots.nodeLost(nodeFailure);
      // The step's record stays behind after a node failure: clear it.
      if (run.step !== undefined) this.#scancel(run.step);
    }
    if (run.cancelled) return;
    const stderr = stderrLines.length > 0 ? stderrLines.join("\n") + "\n" : "";
    const command = typeof task.command === "string" ? task.command : [...task.command];
    if (nodeFailure !== undefined) {
      host.failed(
        task,
        new BackendError(
          shared.name,
          `Cannot finish task '${task.name}' as Slurm reported a node failure: ${
            slurmErrors.join("\n")
          }`,
        ),
      );
    } else if (!launched) {
      host.failed(
        task,
        new BackendError(
          shared.name,
          `Cannot start task '${task.name}' as srun exited with code ${status.code} before launching the step: ${
            (slurmErrors.length > 0 ? slurmErrors : stderrLines).slice(-5).join("\n") ||
            "no message"
          }`,
        ),
      );
    } else if (finishStatus !== 0 || status.code !== 0) {
      const signal = finishStatus & 0x7f;
      host.failed(
        task,
        new ExecutableError({
          exitCode: signal !== 0 ? null : finishStatus !== 0 ? finishStatus >> 8 : status.code,
          signal: signal !== 0 ? signalName(signal) : null,
          stdout,
          stderr,
          command,
        }),
      );
    } else if (slurmErrors.length > 0) {
      host.failed(
        task,
        new BackendError(
          shared.name,
          `Cannot finish task '${task.name}' as srun reported: ${slurmErrors.join("\n")}`,
        ),
      );
    } else {
      host.done(task, task.stdoutPath ?? stdout);
    }
  }

  #scancel(step: string): void {
    this.#shared.chore(
      this.#shared.run(this.#shared.options.scancel ?? "scancel", ["--quiet", step]),
    );
  }

  #scancelByName(name: string): void {
    const shared = this.#shared;
    shared.chore((async () => {
      const jobId = this.#allocation.jobId;
      if (jobId === undefined) return;
      const out = await shared.run(shared.options.squeue ?? "squeue", [
        "--noheader",
        "--steps",
        `--jobs=${jobId}`,
        "--format=%i %j",
      ]);
      for (const line of out.stdout.split("\n")) {
        const [id, jobName] = line.trim().split(/\s+/);
        if (id !== undefined && jobName === name) {
          await shared.run(shared.options.scancel ?? "scancel", ["--quiet", id]);
        }
      }
    })());
  }
}

function nodeNames(shares: readonly Share[]): string[] {
  return shares.map((s) => s.node.name);
}
