/**
 * What the parts of a `SlurmBackend` share: its name, options and host,
 * the environment its commands run with, the map of started tasks, the set of
 * background chores that shutdown waits for, and small process helpers.
 *
 * @module
 */

import type { BackendHost, BackendTask } from "../../backend.ts";
import type { Run, SlurmBackendOptions } from "./_types.ts";

/** State read and written by every part of one `SlurmBackend`. */
export class SlurmShared {
  /** The backend's name. */
  readonly name: string;
  /** The backend's options, as given. */
  readonly options: SlurmBackendOptions;
  /** Milliseconds between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
  /** The engine's callbacks, once attached. */
  host: BackendHost | undefined;
  /** The engine's uid, once attached. */
  engineUid = "";
  /** The environment of every Slurm command, once attached. */
  baseEnv: Record<string, string> = {};
  /** Started tasks (steps and function tasks), in start order. */
  readonly runs = new Map<BackendTask, Run>();
  /** Background work shutdown waits for (scancels, readers). */
  readonly chores = new Set<Promise<unknown>>();

  /** Creates the shared state of a backend. */
  constructor(name: string, options: SlurmBackendOptions, killGraceMs: number) {
    this.name = name;
    this.options = options;
    this.killGraceMs = killGraceMs;
  }

  /** Tracks `p` until it settles; its rejection is ignored. */
  chore(p: Promise<unknown>): void {
    const tracked = p.catch(() => {}).finally(() => this.chores.delete(tracked));
    this.chores.add(tracked);
  }

  /** Runs a Slurm command to its end with the base environment; never throws. */
  async run(
    cmd: string,
    args: string[],
  ): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    try {
      const out = await new Deno.Command(cmd, {
        args,
        env: this.baseEnv,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const d = new TextDecoder();
      return { ok: out.success, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
    } catch (error) {
      return { ok: false, stdout: "", stderr: `'${cmd}' could not be started: ${message(error)}` };
    }
  }
}

/** Calls `onLine` for every line of a byte stream; resolves at its end. */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    }
  } catch {
    // The stream broke: what was read is all there is.
  }
  if (rest !== "") onLine(rest);
}

/** Sends `signal` to `child`, unless it has already exited. */
export function tryKill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already exited.
  }
}

/** Closes `conn`, unless it is already closed. */
export function tryClose(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** The message of a thrown value. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
