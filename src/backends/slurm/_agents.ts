/**
 * Function tasks of a `SlurmBackend` on long-lived Deno agents
 * ({@link ./agent.ts}): the host side. On the first function task the
 * backend listens on TCP and starts `agentsPerNode` agents per node with
 * `srun --overlap`; an agent says hello with a random token, then takes many
 * tasks per frame and reports them RUNNING and done. Cancelling a running
 * function task stops its agent: the other tasks on that agent fail with
 * `BackendError`, and a new agent starts when needed.
 *
 * @module
 */

import type { FunctionTask } from "../../backend.ts";
import { BackendError } from "../../errors.ts";
import { shipFunction, type ShippedFunction } from "../../ship.ts";
import type { SlurmAllocation } from "./_allocation.ts";
import { message, readLines, type SlurmShared, tryClose, tryKill } from "./_shared.ts";
import type { SlotScheduler } from "./_slots.ts";
import type { Agent, FnRun, Share, SlotNode } from "./_types.ts";
import {
  encodeFrame,
  FrameReader,
  type FromAgent,
  fromThrownValue,
  ResultStatus,
  type ThrownValue,
} from "./agent.ts";
import { buildSrunArgv } from "./argv.ts";
import { parseSrunLine } from "./parse.ts";

const AGENT_URL = new URL("./agent.ts", import.meta.url).href;

/** The agents of one backend, their listener, and the function tasks they run. */
export class SlurmAgents {
  readonly #shared: SlurmShared;
  readonly #allocation: SlurmAllocation;
  readonly #slots: SlotScheduler;
  readonly #agentsPerNode: number;
  #listener: Deno.TcpListener | undefined;
  #token = "";
  #agentSeq = 0;
  #runSeq = 0;
  readonly #agents = new Map<number, Agent>();
  readonly #fnIds = new WeakMap<object, Map<string, { fnId: number; shipped: ShippedFunction }>>();
  readonly #shippedById = new Map<number, ShippedFunction>();
  #fnSeq = 0;

  /** No agents yet; they start with the first function task. */
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

  /** Stops listening for agents. */
  closeListener(): void {
    try {
      this.#listener?.close();
    } catch {
      // Already closed.
    }
  }

  /** Cancels a function task: drops it when not sent yet, else stops its agent. */
  cancel(run: FnRun): void {
    const agent = run.agent;
    const i = agent.outRuns.indexOf(run);
    if (i >= 0) {
      // Not sent yet: drop it.
      agent.outRuns.splice(i, 1);
      agent.outbox.splice(i * 3, 3);
      agent.runs.delete(run.id);
      this.#shared.runs.delete(run.task);
      this.#slots.free(run.shares);
      this.#slots.pump();
      return;
    }
    // Running JavaScript cannot be interrupted: stop the agent.
    this.#killAgent(agent, `task '${run.task.name}' on it was cancelled`);
  }

  /** Gives `task` to an agent of the node of `shares`, whose slots are already taken. */
  start(task: FunctionTask, shares: Share[]): void {
    const host = this.#shared.host!;
    let def: { fnId: number; shipped: ShippedFunction };
    try {
      def = this.#define(task);
    } catch (error) {
      this.#slots.free(shares);
      host.failed(task, error);
      this.#slots.pump();
      return;
    }
    const node = shares[0]?.node ?? this.#slots.live()[0];
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
    const run: FnRun = {
      kind: "fn",
      task,
      shares,
      id: ++this.#runSeq,
      fnId: def.fnId,
      agent,
      started: false,
      cancelled: false,
    };
    this.#shared.runs.set(task, run);
    agent.runs.set(run.id, run);
    agent.outbox.push(run.id, def.fnId, task.args);
    agent.outRuns.push(run);
    if (agent.state === "ready") this.#queueFlush(agent);
  }

  #define(task: FunctionTask): { fnId: number; shipped: ShippedFunction } {
    const key = task.module ?? "";
    let byModule = this.#fnIds.get(task.fn);
    if (byModule === undefined) {
      byModule = new Map();
      this.#fnIds.set(task.fn, byModule);
    }
    let def = byModule.get(key);
    if (def === undefined) {
      const shipped = shipFunction(task.fn as (...args: unknown[]) => unknown, task.module);
      def = { fnId: ++this.#fnSeq, shipped };
      byModule.set(key, def);
      this.#shippedById.set(def.fnId, shipped);
    }
    return def;
  }

  #agentFor(node: SlotNode): Agent {
    const live = node.agents.filter((a) => a.state !== "dead");
    if (live.length < this.#agentsPerNode) {
      const started = this.#startAgent(node);
      return started;
    }
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
    const reader = new FrameReader((message) => {
      const m = message as FromAgent;
      if (agent === undefined) {
        clearTimeout(timer);
        const candidate = m.t === "hello" && m.token === this.#token
          ? this.#agents.get(m.agent)
          : undefined;
        if (candidate === undefined || candidate.state !== "starting") {
          tryClose(conn);
          throw new Error("unknown agent");
        }
        agent = candidate;
        this.#agentReady(agent, conn);
        return;
      }
      if (m.t === "report") this.#onReport(agent, m.started, m.results);
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
      outbox: [],
      outRuns: [],
      defined: new Set(),
      flushQueued: false,
      stderrTail: [],
      nodeFailure: false,
      deathReason: undefined,
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
    if (agent.outbox.length > 0) this.#queueFlush(agent);
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
    if (agent.state !== "ready" || agent.outbox.length === 0) return;
    let tasks = agent.outbox;
    let runs = agent.outRuns;
    agent.outbox = [];
    agent.outRuns = [];
    const defs: [number, ShippedFunction][] = [];
    for (const run of runs) {
      if (!agent.defined.has(run.fnId)) {
        agent.defined.add(run.fnId);
        defs.push([run.fnId, this.#shippedById.get(run.fnId)!]);
      }
    }
    let frame: Uint8Array;
    try {
      frame = encodeFrame({ t: "run", defs, tasks });
    } catch {
      // Some arguments cannot be serialised: fail those tasks, send the rest.
      const keepTasks: unknown[] = [];
      const keepRuns: FnRun[] = [];
      for (let i = 0; i < runs.length; i++) {
        const run = runs[i]!;
        try {
          encodeFrame(tasks[i * 3 + 2]);
          keepTasks.push(run.id, run.fnId, tasks[i * 3 + 2]);
          keepRuns.push(run);
        } catch (error) {
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
      }
      tasks = keepTasks;
      runs = keepRuns;
      this.#slots.pump();
      if (runs.length === 0 && defs.length === 0) return;
      frame = encodeFrame({ t: "run", defs, tasks });
    }
    const conn = agent.conn!;
    agent.writes = agent.writes.then(async () => {
      let at = 0;
      while (at < frame.length) at += await conn.write(frame.subarray(at));
    }).catch(() => this.#killAgent(agent, "writing to it failed"));
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
      this.#shared.runs.delete(run.task);
      this.#slots.free(run.shares);
      if (run.cancelled) continue;
      if (!run.started) {
        run.started = true;
        host.running(run.task);
      }
      if (status === ResultStatus.OK) host.done(run.task, payload);
      else if (status === ResultStatus.THREW) {
        host.failed(run.task, fromThrownValue(payload as ThrownValue));
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
      this.#shared.runs.delete(run.task);
      this.#slots.free(run.shares);
      if (run.cancelled) continue;
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
    agent.outbox = [];
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
