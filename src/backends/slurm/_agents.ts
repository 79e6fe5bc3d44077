/**
 * Tasks of a `SlurmBackend` on long-lived Deno agents ({@link ./agent.ts}):
 * the host side. On the first task that needs one, the backend listens on TCP
 * and starts up to `agentsPerNode` agents per node with `srun --overlap`; an
 * agent says hello with a random token, then takes many tasks per frame and
 * reports them started and done, in the protocol of `src/remote/protocol.ts`
 * (the one workers and `ProcessBackend`'s subprocesses speak). Function tasks
 * always run on agents; single-rank executables do with `launch: "agents"`.
 *
 * A cancel or timeout of a task an agent holds is sent to it as an abort: a
 * function task's `taskContext().signal` aborts, an executable's process tree
 * is killed. An agent that does not acknowledge the abort (stuck in
 * synchronous code), or a function body that does not settle within the
 * grace time, gets its agent stopped: its other tasks are sent again and a
 * new agent starts when needed.
 *
 * @module
 */

import type { ExecutableTask, FunctionTask } from "../../backend.ts";
import { BackendError } from "../../errors.ts";
import { explainLoadError, type ShippedFunction } from "../../ship.ts";
import { encodeFrame, FrameReader, unserialisable } from "../../remote/frames.ts";
import {
  ABORT_ACK_MS,
  ABORT_GRACE_MS,
  decodeThrown,
  encodeThrown,
  type ExecSpec,
  type FnDef,
  type FromRuntime,
  FunctionIds,
  Status,
  taskCtx,
  type Thrown,
  type ToRuntime,
} from "../../remote/protocol.ts";
import type { SlurmAllocation } from "./_allocation.ts";
import { message, readLines, type SlurmShared, tryClose, tryKill } from "./_shared.ts";
import type { SlotScheduler } from "./_slots.ts";
import type { Agent, AgentRun, Share, SlotNode } from "./_types.ts";
import { buildSrunArgv } from "./argv.ts";
import { parseSrunLine } from "./parse.ts";

const AGENT_URL = new URL("./agent.ts", import.meta.url).href;
/** An agent is across a network: it gets longer than a local runtime to acknowledge. */
const AGENT_ACK_MS = Math.max(ABORT_ACK_MS, 1000);

/** The agents of one backend, their listener, and the tasks they run. */
export class SlurmAgents {
  readonly #shared: SlurmShared;
  readonly #allocation: SlurmAllocation;
  readonly #slots: SlotScheduler;
  readonly #agentsPerNode: number;
  #listener: Deno.TcpListener | undefined;
  #token = "";
  #agentSeq = 0;
  #runSeq = 0;
  #nextNode = 0;
  readonly #agents = new Map<number, Agent>();
  readonly #fnIds = new FunctionIds();
  readonly #shippedById = new Map<number, ShippedFunction>();
  #ackWaiter: (() => void) | undefined = undefined;

  /** No agents yet; they start with the first task that needs one. */
  constructor(
    shared: SlurmShared,
    allocation: SlurmAllocation,
    slots: SlotScheduler,
    agentsPerNode: number,
  ) {
    this.#shared = shared;
    this.#allocation = allocation;
    this.#slots = slots;
    this.#agentsPerNode = agentsPerNode;
  }

  /** Stops the agents of `node`, which failed. */
  nodeLost(node: SlotNode): void {
    for (const agent of [...node.agents]) this.#killAgent(agent, `node ${node.name} failed`);
  }

  /** Stops every agent. */
  stopAll(reason: string): void {
    for (const agent of [...this.#agents.values()]) this.#killAgent(agent, reason);
  }

  /** Resolves when every agent left has exited. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#agents.values()].map((a) => a.exited));
  }

  /**
   * Resolves when every abort sent has been acknowledged, or after a while:
   * the bodies just aborted see their signal before the agents stop.
   */
  async acknowledged(): Promise<void> {
    if (!this.#unacked()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, AGENT_ACK_MS);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#ackWaiter = done;
    });
    this.#ackWaiter = undefined;
  }

  #unacked(): boolean {
    for (const a of this.#agents.values()) {
      if (a.state === "dead") continue;
      for (const r of a.runs.values()) if (r.cancelled && !r.acked) return true;
    }
    return false;
  }

  /** Stops listening for agents. */
  closeListener(): void {
    try {
      this.#listener?.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * Cancels a task on an agent: drops it when not sent yet, else aborts it
   * there (and stops the agent if that does not end it in time).
   */
  cancel(run: AgentRun, reason: unknown): void {
    const agent = run.agent;
    const i = agent.outRuns.indexOf(run);
    if (i >= 0) {
      // Not sent yet: drop it.
      agent.outRuns.splice(i, 1);
      agent.runs.delete(run.id);
      this.#shared.runs.delete(run.task);
      this.#slots.free(run.shares);
      this.#slots.pump();
      return;
    }
    let encoded: Thrown;
    try {
      encoded = encodeThrown(reason);
    } catch {
      encoded = { e: 0, value: "cancelled" };
    }
    run.abortTimer = setTimeout(() => this.#abortOverdue(run), AGENT_ACK_MS);
    this.#write(agent, { t: "abort", id: run.id, reason: encoded });
  }

  #abortOverdue(run: AgentRun): void {
    run.abortTimer = undefined;
    const agent = run.agent;
    if (agent.state === "dead" || agent.runs.get(run.id) !== run) return;
    agent.resend = true;
    this.#killAgent(
      agent,
      run.acked
        ? `task '${run.task.name}' on it did not stop within ${ABORT_GRACE_MS} ms of its cancel`
        : `task '${run.task.name}' on it was cancelled while the agent was stuck in synchronous code`,
    );
  }

  /** Gives `task` to an agent of the node of `shares`, whose slots are already taken. */
  start(task: FunctionTask | ExecutableTask, shares: Share[]): void {
    const host = this.#shared.host!;
    let fnId = 0;
    if (task.kind === "function") {
      try {
        const def = this.#fnIds.define(task.fn, task.module);
        fnId = def.id;
        this.#shippedById.set(fnId, def.shipped);
      } catch (error) {
        this.#slots.free(shares);
        host.failed(task, error);
        this.#slots.pump();
        return;
      }
    }
    const live = this.#slots.live();
    // oversubscribed tasks hold no share: spread them over the nodes
    const node = shares[0]?.node ?? live[this.#nextNode++ % Math.max(1, live.length)];
    if (node === undefined) {
      this.#slots.free(shares);
      host.failed(
        task,
        new BackendError(
          this.#shared.name,
          `Cannot run task '${task.name}' as the allocation has no nodes left`,
        ),
      );
      return;
    }
    let agent: Agent;
    try {
      agent = this.#agentFor(node);
    } catch (error) {
      this.#slots.free(shares);
      host.failed(
        task,
        new BackendError(this.#shared.name, `Cannot run task '${task.name}': ${message(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    const run: AgentRun = {
      kind: "agent",
      task,
      shares,
      id: ++this.#runSeq,
      fnId,
      agent,
      started: false,
      cancelled: false,
      abortTimer: undefined,
      acked: false,
    };
    this.#shared.runs.set(task, run);
    agent.runs.set(run.id, run);
    agent.outRuns.push(run);
    if (agent.state === "ready") this.#queueFlush(agent);
  }

  #agentFor(node: SlotNode): Agent {
    const live = node.agents.filter((a) => a.state !== "dead");
    if (live.length < this.#agentsPerNode) return this.#startAgent(node);
    let best = live[0]!;
    for (const a of live) if (a.runs.size < best.runs.size) best = a;
    return best;
  }

  #ensureListener(): Deno.TcpListener {
    if (this.#listener !== undefined) return this.#listener;
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    this.#token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const listener = Deno.listen({
      hostname: this.#shared.options.listenAddress ?? "0.0.0.0",
      port: 0,
    });
    this.#listener = listener;
    this.#shared.chore((async () => {
      try {
        for await (const conn of listener) this.#greet(conn);
      } catch {
        // Listener closed.
      }
    })());
    return listener;
  }

  /** Reads the first frame of a new connection: an agent's hello with the token. */
  #greet(conn: Deno.TcpConn): void {
    let agent: Agent | undefined;
    const timer = setTimeout(() => {
      if (agent === undefined) tryClose(conn);
    }, 10_000);
    const reader = new FrameReader((m) => {
      const msg = m as FromRuntime;
      if (agent === undefined) {
        clearTimeout(timer);
        const candidate = msg.t === "hello" && msg.token === this.#token
          ? this.#agents.get(msg.agent)
          : undefined;
        if (candidate === undefined || candidate.state !== "starting") {
          tryClose(conn);
          throw new Error("unknown agent");
        }
        agent = candidate;
        this.#agentReady(agent, conn);
        return;
      }
      if (msg.t === "report") {
        this.#onReport(agent, msg.started, msg.results);
        if (msg.aborted !== undefined) this.#onAborted(agent, msg.aborted);
      } else if (msg.t === "dying") {
        agent.deathReason ??= msg.reason;
      }
    });
    this.#shared.chore((async () => {
      try {
        for await (const chunk of conn.readable) reader.push(chunk);
      } catch {
        // Reset, or a bad frame: the agent is treated as gone.
      }
      clearTimeout(timer);
      tryClose(conn);
      if (agent !== undefined) this.#killAgent(agent, "its connection closed");
    })());
  }

  #startAgent(node: SlotNode): Agent {
    const listener = this.#ensureListener();
    const id = ++this.#agentSeq;
    const agent: Agent = {
      id,
      node,
      state: "starting",
      child: undefined,
      conn: undefined,
      writes: Promise.resolve(),
      runs: new Map(),
      outRuns: [],
      defined: new Set(),
      flushQueued: false,
      stderrTail: [],
      nodeFailure: false,
      deathReason: undefined,
      resend: false,
      startTimer: undefined,
      killTimer: undefined,
      exited: Promise.resolve(),
    };
    const port = (listener.addr as Deno.NetAddr).port;
    const address = this.#shared.options.agentAddress ?? thisHost();
    const deno = this.#shared.options.deno ?? Deno.execPath();
    const argv = buildSrunArgv({
      uid: `asyncflow-agent.${this.#shared.engineUid}.${id}`,
      resources: { ranks: 1, coresPerRank: 1, gpusPerRank: 0, memoryMB: 0 },
      command: [
        deno,
        "run",
        ...(this.#shared.options.agentDenoArgs ?? ["-A", "--no-prompt"]),
        AGENT_URL,
        address,
        String(port),
        String(id),
        this.#shared.name,
        String(this.#shared.killGraceMs),
      ],
    }, {
      ...(this.#shared.options.srun !== undefined ? { srun: this.#shared.options.srun } : {}),
      jobId: this.#allocation.jobId,
      nodes: [node.name],
      overlap: true,
    });
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      env: { ...this.#shared.baseEnv, ASYNCFLOW_AGENT_TOKEN: this.#token },
      clearEnv: true,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).spawn();
    agent.child = child;
    this.#agents.set(id, agent);
    node.agents.push(agent);
    const stderrDone = readLines(child.stderr, (line) => {
      const l = parseSrunLine(line);
      if (l.kind === "error" && l.nodeFailure !== undefined) agent.nodeFailure = true;
      if (l.kind === "output") console.error(line);
      agent.stderrTail.push(line);
      if (agent.stderrTail.length > 20) agent.stderrTail.shift();
    });
    agent.startTimer = setTimeout(
      () =>
        this.#killAgent(
          agent,
          `it did not connect within ${this.#shared.options.agentStartTimeoutMs ?? 60_000} ms`,
        ),
      this.#shared.options.agentStartTimeoutMs ?? 60_000,
    );
    agent.exited = Promise.all([child.status, stderrDone]).then(([status]) => {
      clearTimeout(agent.startTimer);
      clearTimeout(agent.killTimer);
      if (agent.nodeFailure) this.#slots.nodeLost(node.name);
      this.#agentGone(agent, agent.deathReason ?? `it exited with code ${status.code}`);
    });
    this.#shared.chore(agent.exited);
    return agent;
  }

  #agentReady(agent: Agent, conn: Deno.TcpConn): void {
    if (agent.state !== "starting") {
      tryClose(conn);
      return;
    }
    clearTimeout(agent.startTimer);
    agent.state = "ready";
    agent.conn = conn;
    try {
      conn.setNoDelay(true);
    } catch {
      // Not a TCP connection option everywhere.
    }
    // agents run whatever the slot accounting gives them at once
    this.#write(agent, {
      t: "init",
      concurrency: Number.MAX_SAFE_INTEGER,
      claims: undefined,
      where: "a Slurm agent",
    });
    if (agent.outRuns.length > 0) this.#queueFlush(agent);
  }

  #write(agent: Agent, msg: ToRuntime): void {
    if (agent.state !== "ready") return;
    let frame: Uint8Array;
    try {
      frame = encodeFrame(msg);
    } catch {
      return; // what reaches here always encodes (init, abort)
    }
    this.#writeFrame(agent, frame);
  }

  #writeFrame(agent: Agent, frame: Uint8Array): void {
    const conn = agent.conn!;
    agent.writes = agent.writes.then(async () => {
      let at = 0;
      while (at < frame.length) at += await conn.write(frame.subarray(at));
    }).catch(() => this.#killAgent(agent, "writing to it failed"));
  }

  #queueFlush(agent: Agent): void {
    if (agent.flushQueued) return;
    agent.flushQueued = true;
    queueMicrotask(() => {
      agent.flushQueued = false;
      this.#flush(agent);
    });
  }

  #flush(agent: Agent): void {
    if (agent.state !== "ready" || agent.outRuns.length === 0) return;
    let runs = agent.outRuns;
    agent.outRuns = [];
    const build = (
      list: AgentRun[],
    ): { fns: ToRuntime | undefined; execs: ToRuntime | undefined } => {
      const defs: FnDef[] = [];
      const tasks: unknown[] = [];
      const specs: ExecSpec[] = [];
      for (const run of list) {
        const t = run.task;
        if (t.kind === "executable") {
          specs.push({
            id: run.id,
            uid: t.uid,
            name: t.name,
            command: t.command,
            env: t.env,
            cwd: t.cwd,
            stdoutPath: t.stdoutPath,
            stderrPath: t.stderrPath,
          });
          continue;
        }
        if (!agent.defined.has(run.fnId)) {
          agent.defined.add(run.fnId);
          defs.push([run.fnId, this.#shippedById.get(run.fnId)!]);
        }
        tasks.push(
          run.id,
          run.id,
          t.timeout === undefined ? run.fnId : ~run.fnId,
          t.args,
          t.module === undefined ? undefined : taskCtx(t),
        );
      }
      return {
        fns: tasks.length > 0 || defs.length > 0 ? { t: "run", defs, tasks } : undefined,
        execs: specs.length > 0 ? { t: "exec", tasks: specs } : undefined,
      };
    };
    const defined = new Set(agent.defined);
    let msgs = build(runs);
    let frames: Uint8Array[];
    try {
      frames = [msgs.fns, msgs.execs].filter((m) => m !== undefined).map(encodeFrame);
    } catch {
      // Some arguments cannot be serialised: fail those tasks, send the rest.
      agent.defined.clear();
      for (const id of defined) agent.defined.add(id);
      const keep: AgentRun[] = [];
      for (const run of runs) {
        const error = run.task.kind === "function" ? unserialisable(run.task.args) : undefined;
        if (error === undefined) {
          keep.push(run);
          continue;
        }
        agent.runs.delete(run.id);
        this.#shared.runs.delete(run.task);
        this.#slots.free(run.shares);
        this.#shared.host?.failed(
          run.task,
          new TypeError(
            `Cannot send the arguments of task '${run.task.name}' to a Slurm agent as they cannot be serialised: ${
              message(error)
            }`,
          ),
        );
      }
      runs = keep;
      this.#slots.pump();
      if (runs.length === 0) return;
      msgs = build(runs);
      frames = [msgs.fns, msgs.execs].filter((m) => m !== undefined).map(encodeFrame);
    }
    for (const frame of frames) this.#writeFrame(agent, frame);
  }

  #onAborted(agent: Agent, ids: number[]): void {
    for (const id of ids) {
      const run = agent.runs.get(id);
      if (run === undefined || run.acked) continue;
      run.acked = true;
      clearTimeout(run.abortTimer);
      // responsive: a function body has a while to settle on its signal
      run.abortTimer = setTimeout(() => this.#abortOverdue(run), ABORT_GRACE_MS);
    }
    if (this.#ackWaiter !== undefined && !this.#unacked()) this.#ackWaiter();
  }

  #onReport(agent: Agent, started: number[], results: unknown[]): void {
    const host = this.#shared.host!;
    for (const id of started) {
      const run = agent.runs.get(id);
      if (run === undefined || run.started) continue;
      run.started = true;
      if (!run.cancelled) host.running(run.task);
    }
    for (let i = 0; i < results.length; i += 3) {
      const id = results[i] as number;
      const status = results[i + 1] as number;
      const payload = results[i + 2];
      const run = agent.runs.get(id);
      if (run === undefined) continue;
      agent.runs.delete(id);
      clearTimeout(run.abortTimer);
      this.#shared.runs.delete(run.task);
      this.#slots.free(run.shares);
      if (run.cancelled) continue;
      if (status === Status.SKIPPED) {
        this.#slots.enqueue(run.task, true); // dropped without a cancel: place it again
        continue;
      }
      if (!run.started) {
        run.started = true;
        host.running(run.task);
      }
      if (status === Status.OK) host.done(run.task, payload);
      else if (status === Status.THREW) {
        const shipped = this.#shippedById.get(run.fnId);
        const error = decodeThrown(payload as Thrown);
        host.failed(run.task, shipped === undefined ? error : explainLoadError(shipped, error));
      } else {
        host.failed(
          run.task,
          new TypeError(
            `Cannot return the result of task '${run.task.name}' from a Slurm agent as it cannot be serialised: ${
              String(payload)
            }`,
          ),
        );
      }
    }
    if (results.length > 0) this.#slots.pump();
  }

  /** Stops an agent; its tasks fail (or end quietly when cancelled) once its srun is gone. */
  #killAgent(agent: Agent, reason: string): void {
    if (agent.state === "dead") return;
    agent.state = "dead";
    agent.deathReason = reason;
    clearTimeout(agent.startTimer);
    if (agent.conn !== undefined) tryClose(agent.conn);
    const child = agent.child;
    if (child !== undefined) {
      tryKill(child, "SIGTERM");
      agent.killTimer = setTimeout(() => tryKill(child, "SIGKILL"), this.#shared.killGraceMs);
    }
  }

  /** The agent's srun has exited: settle what it held. */
  #agentGone(agent: Agent, reason: string): void {
    agent.state = "dead";
    if (agent.conn !== undefined) tryClose(agent.conn);
    this.#agents.delete(agent.id);
    const list = agent.node.agents;
    const at = list.indexOf(agent);
    if (at >= 0) list.splice(at, 1);
    const tail = agent.stderrTail.slice(-5).join("\n");
    for (const run of agent.runs.values()) {
      clearTimeout(run.abortTimer);
      this.#shared.runs.delete(run.task);
      this.#slots.free(run.shares);
      if (run.cancelled) continue;
      if (agent.resend && !this.#slots.closed) {
        // stopped for another task's cancel: this one starts over elsewhere
        this.#slots.enqueue(run.task, true);
        continue;
      }
      this.#shared.host?.failed(
        run.task,
        new BackendError(
          this.#shared.name,
          `Cannot finish task '${run.task.name}' as its Slurm agent on node ${agent.node.name} stopped because ${reason}${
            tail ? `: ${tail}` : ""
          }`,
        ),
      );
    }
    agent.runs.clear();
    agent.outRuns = [];
    this.#slots.pump();
  }
}

/**
 * This host's name, which agents connect back to. `Deno.hostname()` needs
 * `--allow-sys=hostname`; without it (queried, never prompted) the name is
 * read from `/etc/hostname` where read access allows, else taken from
 * `SLURMD_NODENAME` (set inside an allocation) where env access allows; only
 * when neither does is `Deno.hostname()` asked anyway.
 *
 * @returns the name
 */
export function thisHost(): string {
  const granted = (d: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(d).state === "granted";
  if (granted({ name: "sys", kind: "hostname" })) return Deno.hostname();
  const file = "/etc/hostname";
  if (granted({ name: "read", path: file })) {
    try {
      const name = Deno.readTextFileSync(file).trim();
      if (name !== "") return name;
    } catch {
      // no such file here
    }
  }
  const node = granted({ name: "env", variable: "SLURMD_NODENAME" })
    ? Deno.env.get("SLURMD_NODENAME")
    : undefined;
  return node || Deno.hostname();
}
