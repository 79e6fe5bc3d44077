/**
 * Executables as child processes of a Slurm node agent (`launch: "agents"`),
 * used by {@link ./agent.ts} only.
 *
 * Unlike `LocalProcesses` (`src/exec.ts`), a task's process does not get a
 * session of its own: it stays in the agent's process group, which is the
 * job step's. Two reasons: Slurm ends a step by signalling the processes it
 * tracks, and with `proctrack/pgid` a process in a session of its own would
 * escape that and outlive its agent; and `/usr/bin/setsid` costs one more
 * `exec` per task, which halves how many short tasks a node starts per
 * second. A cancel or timeout kills the task's process tree instead, found
 * through `/proc/<pid>/task/<tid>/children` and frozen with SIGSTOP while it
 * is walked (so nothing forks away meanwhile):
 *
 * ```
 *  cancel ──► SIGSTOP the tree, walk again until no new process appears
 *         ──► SIGTERM + SIGCONT to each ──► after killGraceMs: SIGKILL to each left
 * ```
 *
 * A process that left the tree on its own (a daemon that double-forked) is
 * no longer the task's and is not followed, as with process groups.
 *
 * @module
 */

import { dirname } from "node:path";
import { BackendError, ExecutableError } from "../../errors.ts";
import type { ExecSpec } from "../../remote/protocol.ts";
import type { ExecReport, ExecRunner } from "../../remote/runtime.ts";

const DEFAULT_KILL_GRACE_MS = 2000;
/** Most characters of stdout/stderr kept in memory (the end, as ExecutableError keeps). */
const MAX_KEPT = 1 << 20;

interface NodeRun {
  readonly spec: ExecSpec;
  readonly report: ExecReport;
  child: Deno.ChildProcess | undefined;
  cancelled: boolean;
  /** The tree, as last walked (pids), once cancelled. */
  tree: number[];
  killTimer: ReturnType<typeof setTimeout> | undefined;
  finished: Promise<void>;
}

/** The pids of the processes below `pid` (children first found, then theirs). */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let tids: string[];
    try {
      tids = [...Deno.readDirSync(`/proc/${p}/task`)].map((e) => e.name);
    } catch {
      continue; // gone
    }
    for (const tid of tids) {
      let text = "";
      try {
        text = Deno.readTextFileSync(`/proc/${p}/task/${tid}/children`);
      } catch {
        // gone, or no such file in this kernel
      }
      for (const c of text.split(" ")) {
        const child = Number(c);
        if (c !== "" && Number.isSafeInteger(child) && !found.includes(child)) {
          found.push(child);
          stack.push(child);
        }
      }
    }
  }
  return found;
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops the tree under and including `pid` from forking (SIGSTOP, walking
 * again until no new process appears) and returns its pids.
 */
function freeze(pid: number): number[] {
  let tree = [pid];
  signal(pid, "SIGSTOP");
  for (let round = 0; round < 10; round++) {
    const now = [pid, ...descendants(pid)];
    const fresh = now.filter((p) => !tree.includes(p));
    for (const p of fresh) signal(p, "SIGSTOP");
    tree = [...tree, ...fresh];
    if (fresh.length === 0) break;
  }
  return tree;
}

/** Runs executables for an agent; reports through the runtime's {@link ExecReport}s. */
export class NodeProcesses implements ExecRunner {
  readonly #backend: string;
  readonly #killGraceMs: number;
  readonly #runs = new Map<number, NodeRun>();
  #closed = false;

  /**
   * @param backend the backend's name, for `BackendError`s
   * @param killGraceMs milliseconds between SIGTERM and SIGKILL
   */
  constructor(backend: string, killGraceMs = DEFAULT_KILL_GRACE_MS) {
    this.#backend = backend;
    this.#killGraceMs = killGraceMs;
  }

  /** Starts `spec`; reports started, then done or failed (nothing after a cancel). */
  start(spec: ExecSpec, report: ExecReport): void {
    const run: NodeRun = {
      spec,
      report,
      child: undefined,
      cancelled: false,
      tree: [],
      killTimer: undefined,
      finished: Promise.resolve(),
    };
    if (this.#closed) {
      report.failed(
        new BackendError(this.#backend, `Cannot start task '${spec.name}' as its agent stops`),
      );
      return;
    }
    this.#runs.set(spec.id, run);
    run.finished = this.#execute(run).catch((error) => {
      if (!run.cancelled) {
        report.failed(new BackendError(this.#backend, String(error), { cause: error }));
      }
    }).finally(() => {
      clearTimeout(run.killTimer);
      this.#runs.delete(spec.id);
    });
  }

  /** Kills the process tree of `id` (SIGTERM, SIGKILL after the grace time). */
  cancel(id: number): void {
    const run = this.#runs.get(id);
    if (run === undefined || run.cancelled) return;
    run.cancelled = true;
    const child = run.child;
    if (child === undefined) return; // not spawned yet: #execute sees the flag
    const tree = freeze(child.pid);
    run.tree = tree;
    for (const p of tree) {
      signal(p, "SIGTERM");
      signal(p, "SIGCONT");
    }
    run.killTimer = setTimeout(() => {
      for (const p of [...tree, ...descendants(child.pid)]) signal(p, "SIGKILL");
    }, this.#killGraceMs);
  }

  /** Kills every process tree and resolves when they are gone. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    const runs = [...this.#runs.values()];
    for (const run of runs) this.cancel(run.spec.id);
    await Promise.allSettled(runs.map((r) => r.finished));
  }

  async #execute(run: NodeRun): Promise<void> {
    const { spec, report } = run;
    let outFile: Deno.FsFile | undefined;
    let errFile: Deno.FsFile | undefined;
    try {
      if (spec.stdoutPath !== undefined) outFile = await openOutput(spec.stdoutPath);
      if (spec.stderrPath !== undefined) errFile = await openOutput(spec.stderrPath);
    } catch (error) {
      outFile?.close();
      if (!run.cancelled) {
        report.failed(
          new BackendError(
            this.#backend,
            `Cannot start task '${spec.name}' as its output file cannot be opened: ${
              error instanceof Error ? error.message : String(error)
            }`,
          ),
        );
      }
      return;
    }
    if (run.cancelled) {
      outFile?.close();
      errFile?.close();
      return;
    }
    const command = spec.command;
    const [program, args] = typeof command === "string"
      ? ["/bin/sh", ["-c", command]]
      : [command[0] ?? "", command.slice(1)];
    const options: Deno.CommandOptions = {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    };
    if (spec.env !== undefined) options.env = { ...spec.env };
    if (spec.cwd !== undefined) options.cwd = spec.cwd;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, options).spawn();
    } catch (error) {
      outFile?.close();
      errFile?.close();
      const shown = typeof command === "string" ? command : program;
      report.failed(
        new BackendError(
          this.#backend,
          `Cannot start task '${spec.name}' as command '${shown}' cannot be spawned on node ${
            Deno.env.get("SLURMD_NODENAME") ?? Deno.hostname()
          }: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      return;
    }
    run.child = child;
    report.started();
    const stdout = outFile !== undefined ? copyTo(child.stdout, outFile) : collect(child.stdout);
    const stderr = errFile !== undefined ? copyTo(child.stderr, errFile) : collect(child.stderr);
    const status = await child.status;
    // a tree that was killed may leave a pipe open in an escaped process: do not wait for it
    const [out, err] = run.cancelled ? ["", ""] : await Promise.all([stdout, stderr]);
    if (run.cancelled) {
      void stdout.catch(() => {});
      void stderr.catch(() => {});
      return;
    }
    if (status.success) {
      report.done(spec.stdoutPath ?? out);
      return;
    }
    const stdoutText = spec.stdoutPath !== undefined ? await readText(spec.stdoutPath) : out;
    const stderrText = spec.stderrPath !== undefined ? await readText(spec.stderrPath) : err;
    report.failed(
      new ExecutableError({
        exitCode: status.signal === null ? status.code : null,
        signal: status.signal,
        stdout: stdoutText,
        stderr: stderrText,
        command: typeof command === "string" ? command : [...command],
      }),
    );
  }
}

async function openOutput(path: string): Promise<Deno.FsFile> {
  await Deno.mkdir(dirname(path), { recursive: true });
  return await Deno.open(path, { write: true, create: true, truncate: true });
}

const decoder = new TextDecoder();

/** Reads `stream` to its end and decodes it (the last {@link MAX_KEPT} bytes). */
async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      length += chunk.length;
      while (length - chunks[0]!.length > MAX_KEPT) length -= chunks.shift()!.length;
    }
  } catch {
    // the pipe broke: keep what was read
  }
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const all = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return decoder.decode(all);
}

async function copyTo(stream: ReadableStream<Uint8Array>, file: Deno.FsFile): Promise<string> {
  try {
    await stream.pipeTo(file.writable);
  } catch {
    // the disk failed or the pipe broke: the exit status decides
  }
  return "";
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}
