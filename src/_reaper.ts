/**
 * The reaper: one small watchdog process per JavaScript isolate that kills
 * the process groups of running executables when this process ends, however
 * it ends — `shutdown()`, Ctrl-C, SIGTERM, SIGKILL, an uncaught error
 * (internal).
 *
 * ```
 *  engine process ──stdin pipe──► reaper (/bin/sh, own session, ignores INT HUP TERM QUIT)
 *    "+4242\n"  a group started         g = " 4242 4250 "
 *    "=4250\n"  its leader was reaped   g = " 4242 "   h = " 4250 "
 *    "-4242\n"  a group is gone         g = " "        h = " 4250 "
 *    (pipe closes: the engine ended)  ──► SIGTERM + SIGCONT to every group in g, and in h
 *                                          unless /proc/<id> is a live process (the id
 *                                          was recycled), SIGKILL after REAPER_GRACE_S, exit
 * ```
 *
 * Only the engine process holds the write end of the pipe (Deno opens pipes
 * close-on-exec, so no child inherits it): the kernel closes it when the
 * engine process dies, SIGKILL included, and the reaper's `read` returns end
 * of file. Nothing polls. The reaper is in a session of its own, so the
 * SIGINT of Ctrl-C (sent to the terminal's foreground process group) and a
 * signal to the engine's process group do not reach it; it ignores SIGINT,
 * SIGHUP, SIGTERM and SIGQUIT anyway, and ends once its work is done.
 *
 * It starts lazily, when the first executable of a `LocalProcesses`
 * that uses process groups is about to start, and stops when the last user
 * {@link Reaper.release}s it (every backend shut down) — with nothing
 * registered it exits at once. A process left to exit with the engine
 * unref's it, so it never keeps the event loop alive.
 *
 * Limits (documented in the README): a group registered in the instant
 * between `spawn()` and the write of its `+pgid` line (one turn of the event
 * loop) is not covered when the engine is SIGKILLed in that instant; a
 * process that leaves its process group (`setsid`, `setpgid`) is out of
 * reach; a SIGKILL of the reaper itself (it is restarted at the next
 * registration, with every live group) leaves a gap. Process ids wrap (at
 * 32768 on many systems): a group whose leader was reaped is signalled only
 * while no process has its id, both here and in `exec.ts`; a group whose
 * leader outlived the engine and then exited, emptying the group, in the
 * 2 s between the reaper's SIGTERM and its SIGKILL, could have its id
 * reused by then.
 *
 * It needs permission to run `/bin/sh` (queried first: no prompt); without
 * it {@link Reaper.acquire} returns false and executables stay in the
 * engine's own process group.
 *
 * @module
 */

/** The shell the reaper runs in (also what string commands run through). */
export const SH = "/bin/sh";
/** util-linux `setsid`: runs a program in a new session without forking. */
export const SETSID = "/usr/bin/setsid";
/** Seconds between the reaper's SIGTERM and SIGKILL after the engine died. */
export const REAPER_GRACE_S = 2;
/** Unexpected deaths of the reaper after which it is not started again. */
const MAX_RESTARTS = 3;

/**
 * The reaper's program (POSIX sh, dash included: no `--` in `kill`). `g`
 * holds the registered group ids between spaces, `h` those whose leader was
 * reaped (signalled only while no process has their id: `k`); a line without
 * its newline (the engine died mid-write) is handled after the loop.
 */
const REAPER_SCRIPT = `trap '' INT HUP TERM QUIT
g=' '
h=' '
add() { case $1 in ''|*[!0-9]*) ;; *) g="$g$1 " ;; esac; }
while IFS= read -r l; do
  case $l in
    +*) add "\${l#+}" ;;
    -*) p=\${l#-}
      case $g in *" $p "*) g="\${g%% $p *} \${g#* $p }" ;; esac
      case $h in *" $p "*) h="\${h%% $p *} \${h#* $p }" ;; esac ;;
    =*) p=\${l#=}; case $g in *" $p "*) g="\${g%% $p *} \${g#* $p }"; h="$h$p " ;; esac ;;
  esac
done
case $l in +*) add "\${l#+}" ;; esac
k=
for p in $h; do [ -e /proc/$p ] || k="$k$p "; done
g="$g$k"
a=
for p in $g; do
  if kill -TERM -$p 2>/dev/null; then kill -CONT -$p 2>/dev/null; a=1; fi
done
[ -z "$a" ] && exit 0
sleep ${REAPER_GRACE_S}
for p in $g; do
  case " $k " in *" $p "*) [ -e /proc/$p ] && continue ;; esac
  kill -KILL -$p 2>/dev/null
done
exit 0
`;

/**
 * Whether a permission is granted now, asked without prompting.
 *
 * @param descriptor the permission
 * @returns true when granted
 */
export function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Whether util-linux `setsid` may be run and seems present: run permission
 * for it is granted, and it exists when read permission allows a look (else
 * it is assumed present; a spawn that does not find it falls back).
 *
 * @returns true when `setsid` should be tried
 */
export function setsidUsable(): boolean {
  if (!granted({ name: "run", command: SETSID })) return false;
  if (!granted({ name: "read", path: SETSID })) return true;
  try {
    return Deno.statSync(SETSID).isFile;
  } catch {
    return false;
  }
}

/** A running reaper process. */
interface ReaperProcess {
  readonly child: Deno.ChildProcess;
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Lines not yet written. */
  pending: string;
  /** A write is in flight. */
  writing: boolean;
  /** Its stdin is being closed (a release, not a death). */
  closing: boolean;
  /** Resolves when the pending lines are written (or the pipe broke). */
  flushed: Promise<void>;
}

/** The reaper of this isolate; see the module documentation. */
export class Reaper {
  #proc: ReaperProcess | undefined;
  /** Every group registered and not yet removed (re-sent after a restart). */
  readonly #groups = new Set<number>();
  /** Those of #groups whose leader was reaped (see {@link leaderGone}). */
  readonly #leaderless = new Set<number>();
  #users = 0;
  #restarts = 0;
  #unavailable = false;

  /** How many groups are registered. */
  get size(): number {
    return this.#groups.size;
  }

  /** Whether a reaper process is running. */
  get running(): boolean {
    return this.#proc !== undefined;
  }

  /**
   * Takes a reference, starting the reaper if none runs. Returns false when
   * it cannot run here (no permission for `/bin/sh`, no shell), which is
   * then remembered.
   *
   * @returns whether the caller's groups are guarded
   * @throws {Error} when the system is out of file descriptors or processes
   * (`code` EMFILE, ENFILE or EAGAIN): nothing is taken, try again later
   */
  acquire(): boolean {
    if (this.#unavailable) return false;
    if (this.#proc === undefined && !this.#start()) return false;
    this.#users++;
    return true;
  }

  /**
   * Drops a reference taken by {@link acquire}; the last one stops the
   * reaper (which kills whatever is still registered) and resolves when it
   * has exited.
   *
   * @returns when the reaper is gone, if this was the last reference
   */
  async release(): Promise<void> {
    if (this.#users === 0) return;
    if (--this.#users !== 0) return;
    const proc = this.#proc;
    if (proc === undefined) return;
    this.#proc = undefined;
    proc.closing = true;
    // Unref'd so it never keeps the event loop alive; awaited here, it must.
    proc.child.ref();
    await proc.flushed;
    await proc.writer.close().catch(() => {});
    await proc.child.status.catch(() => {});
  }

  /**
   * Registers process group `pgid`: the reaper kills it if this process
   * ends before {@link remove}.
   *
   * @param pgid the group's id (its leader's pid)
   */
  add(pgid: number): void {
    this.#groups.add(pgid);
    if (this.#proc === undefined && this.#users > 0 && !this.#unavailable) {
      try {
        // Restarted after an unexpected death: #start sends every group.
        this.#start();
      } catch {
        // Out of descriptors: the next registration tries again.
      }
      return;
    }
    if (this.#proc !== undefined) this.#send(this.#proc, `+${pgid}\n`);
  }

  /**
   * Notes that the leader of registered group `pgid` was reaped while other
   * members live on: from now on the id may be given to a new process once
   * the group empties, so the reaper signals the group only if no process
   * has that id.
   *
   * @param pgid the group's id
   */
  leaderGone(pgid: number): void {
    if (!this.#groups.has(pgid) || this.#leaderless.has(pgid)) return;
    this.#leaderless.add(pgid);
    if (this.#proc !== undefined) this.#send(this.#proc, `=${pgid}\n`);
  }

  /**
   * Unregisters process group `pgid` (it is gone, or was killed).
   *
   * @param pgid the group's id
   */
  remove(pgid: number): void {
    if (!this.#groups.delete(pgid)) return;
    this.#leaderless.delete(pgid);
    if (this.#proc !== undefined) this.#send(this.#proc, `-${pgid}\n`);
  }

  /** Spawns the reaper; false when it cannot run here. Throws on exhaustion. */
  #start(): boolean {
    if (!granted({ name: "run", command: SH })) {
      this.#unavailable = true;
      return false;
    }
    const options: Deno.CommandOptions = {
      stdin: "piped",
      stdout: "null",
      stderr: "null",
      cwd: "/",
    };
    let child: Deno.ChildProcess;
    try {
      if (setsidUsable()) {
        try {
          child = new Deno.Command(SETSID, { ...options, args: [SH, "-c", REAPER_SCRIPT] })
            .spawn();
        } catch (error) {
          if (isExhaustion(error)) throw error;
          child = spawnDetached(options);
        }
      } else {
        child = spawnDetached(options);
      }
    } catch (error) {
      if (isExhaustion(error)) throw error;
      this.#unavailable = true;
      return false;
    }
    child.unref();
    const proc: ReaperProcess = {
      child,
      writer: child.stdin.getWriter(),
      pending: "",
      writing: false,
      closing: false,
      flushed: Promise.resolve(),
    };
    this.#proc = proc;
    child.status.then(() => this.#died(proc), () => this.#died(proc));
    if (this.#groups.size !== 0) {
      let lines = "";
      for (const pgid of this.#groups) {
        lines += this.#leaderless.has(pgid) ? `+${pgid}\n=${pgid}\n` : `+${pgid}\n`;
      }
      this.#send(proc, lines);
    }
    return true;
  }

  /** The process ended: expected after a release, else restart later. */
  #died(proc: ReaperProcess): void {
    if (proc.closing || this.#proc !== proc) return;
    this.#proc = undefined;
    if (++this.#restarts >= MAX_RESTARTS) this.#unavailable = true;
  }

  /** Queues `lines`; one write is in flight at a time, the rest coalesce. */
  #send(proc: ReaperProcess, lines: string): void {
    proc.pending += lines;
    if (proc.writing) return;
    proc.writing = true;
    proc.flushed = this.#flush(proc);
  }

  async #flush(proc: ReaperProcess): Promise<void> {
    try {
      while (proc.pending.length !== 0) {
        const chunk = encoder.encode(proc.pending);
        proc.pending = "";
        await proc.writer.write(chunk);
      }
    } catch {
      // The reaper died (the pipe broke): #died restarts it at the next add.
      proc.pending = "";
    } finally {
      proc.writing = false;
    }
  }
}

function spawnDetached(options: Deno.CommandOptions): Deno.ChildProcess {
  // `detached` calls setsid() in the child (Deno forks for it: fine once).
  return new Deno.Command(SH, { ...options, args: ["-c", REAPER_SCRIPT], detached: true })
    .spawn();
}

/**
 * Whether `error` says the system is out of file descriptors or processes
 * (a spawn or open that may succeed once another process ended).
 *
 * @param error what a spawn or open threw
 * @returns true for EMFILE, ENFILE and EAGAIN
 */
export function isExhaustion(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EMFILE" || code === "ENFILE" || code === "EAGAIN";
}

const encoder = new TextEncoder();

/** The reaper of this isolate, shared by every `LocalProcesses`. */
export const reaper: Reaper = new Reaper();
