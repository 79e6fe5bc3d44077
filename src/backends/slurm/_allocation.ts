/**
 * The allocation of a `SlurmBackend`: found (`allocation` option or
 * `SLURM_JOB_ID`) or requested with a `salloc` holder, read with
 * `scontrol show job -d`, and released with `scancel` (also synchronously).
 *
 * @module
 */

import { message, readLines, type SlurmShared, tryKill } from "./_shared.ts";
import { type JobInfo, parseJobInfo } from "./parse.ts";

const TERMINAL_JOB_STATES = new Set([
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "DEADLINE",
  "FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PREEMPTED",
  "TIMEOUT",
]);

/** The Slurm allocation a backend runs in: its job id and, when requested, its holder. */
export class SlurmAllocation {
  readonly #shared: SlurmShared;
  #jobId: string | undefined;
  #owned = false;
  #released = false;
  #salloc: Deno.ChildProcess | undefined;
  #sallocStdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  readonly #onUnload = () => this.releaseSync();

  /** An allocation not yet found or requested. */
  constructor(shared: SlurmShared) {
    this.#shared = shared;
  }

  /** The allocation's job id, once known. */
  get jobId(): string | undefined {
    return this.#jobId;
  }

  /** Whether this backend requested the allocation (and so releases it). */
  get owned(): boolean {
    return this.#owned;
  }

  /**
   * Finds or requests the allocation and waits until it runs.
   *
   * @throws {Error} when the allocation cannot be obtained or read
   */
  async obtain(): Promise<JobInfo> {
    const given = this.#shared.options.allocation ?? Deno.env.get("SLURM_JOB_ID");
    let info: JobInfo;
    if (given !== undefined && given !== "") {
      this.#jobId = given;
      info = await this.#waitRunning(given);
    } else {
      this.#jobId = await this.#requestAllocation();
      try {
        info = await this.#waitRunning(this.#jobId);
      } catch (error) {
        await this.release();
        throw error;
      }
    }
    return info;
  }

  /**
   * Releases a requested allocation synchronously (`scancel`). Does nothing
   * for an allocation the backend did not request, or when already released.
   */
  releaseSync(): void {
    if (!this.#owned || this.#released || this.#jobId === undefined) return;
    this.#released = true;
    try {
      new Deno.Command(this.#shared.options.scancel ?? "scancel", {
        args: [this.#jobId],
        env: this.#shared.baseEnv,
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).outputSync();
    } catch {
      // Nothing more can be done synchronously; the salloc watchdog still
      // releases the allocation when this process ends.
    }
    globalThis.removeEventListener("unload", this.#onUnload);
  }

  /** Releases a requested allocation: closes the holder's stdin, `scancel`, waits for `salloc`. */
  async release(): Promise<void> {
    if (!this.#owned || this.#released) return;
    this.#released = true;
    globalThis.removeEventListener("unload", this.#onUnload);
    const writer = this.#sallocStdin;
    if (writer !== undefined) await writer.close().catch(() => {});
    if (this.#jobId !== undefined) {
      await this.#shared.run(this.#shared.options.scancel ?? "scancel", [this.#jobId]);
    }
    const child = this.#salloc;
    if (child !== undefined) {
      const timer = setTimeout(() => tryKill(child, "SIGKILL"), 10_000);
      await child.status;
      clearTimeout(timer);
    }
  }

  async #requestAllocation(): Promise<string> {
    const o = this.#shared.options;
    const args = [
      "--no-kill",
      `--job-name=asyncflow-${this.#shared.engineUid}`,
      `--nodes=${o.nodes ?? 1}`,
      "--exclusive",
    ];
    if (o.partition !== undefined) args.push(`--partition=${o.partition}`);
    if (o.account !== undefined) args.push(`--account=${o.account}`);
    if (o.time !== undefined) args.push(`--time=${o.time}`);
    if (o.sallocArgs !== undefined) args.push(...o.sallocArgs);
    args.push("--", "/bin/sh", "-c", 'echo "$SLURM_JOB_ID"; exec cat >/dev/null');
    const salloc = o.salloc ?? "salloc";
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(salloc, {
        args,
        env: this.#shared.baseEnv,
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new Error(
        `Cannot request a Slurm allocation as '${salloc}' could not be started: ${message(error)}`,
        { cause: error },
      );
    }
    this.#salloc = child;
    this.#owned = true;
    this.#sallocStdin = child.stdin.getWriter();
    const stderr: string[] = [];
    let pendingId: string | undefined;
    const stderrDone = readLines(child.stderr, (line) => {
      stderr.push(line);
      const m = /job allocation (\d+)/.exec(line);
      if (m !== null) pendingId ??= m[1];
    });
    this.#shared.chore(stderrDone);
    let jobId: string | undefined;
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const status = child.status;
    while (jobId === undefined) {
      const r = await reader.read();
      if (r.done) break;
      text += r.value;
      const nl = text.indexOf("\n");
      if (nl >= 0) jobId = text.slice(0, nl).trim();
    }
    void reader.cancel().catch(() => {});
    if (jobId === undefined || !/^\d+$/.test(jobId)) {
      const code = (await status).code;
      await stderrDone;
      this.#jobId = pendingId;
      await this.release();
      throw new Error(
        `Cannot request a Slurm allocation as salloc exited with code ${code}: ${
          stderr.join("\n").trim() || `stdout ${JSON.stringify(text)}`
        }`,
      );
    }
    child.unref();
    globalThis.addEventListener("unload", this.#onUnload);
    return jobId;
  }

  async #waitRunning(jobId: string): Promise<JobInfo> {
    for (let attempt = 0;; attempt++) {
      const out = await this.#shared.run(this.#shared.options.scontrol ?? "scontrol", [
        "show",
        "job",
        "-d",
        jobId,
      ]);
      if (!out.ok) {
        throw new Error(
          `Cannot read Slurm allocation ${jobId} as scontrol failed: ${
            out.stderr.trim() || out.stdout.trim()
          }`,
        );
      }
      const info = parseJobInfo(out.stdout);
      if (info.state === "RUNNING" && info.nodes.length > 0) return info;
      if (TERMINAL_JOB_STATES.has(info.state)) {
        throw new Error(
          `Cannot use Slurm allocation ${jobId} as it is ${info.state} (reason: ${info.reason})`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * (attempt + 1))));
    }
  }
}
