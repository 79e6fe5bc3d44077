/**
 * The node agent that {@link SlurmBackend} starts with `srun` on the nodes of
 * its allocation: the protocol's runtime ({@link ../../remote/runtime.ts})
 * over TCP, plus executables run as its child processes (`launch: "agents"`).
 *
 * ```
 *  deno run -A agent.ts <host> <port> <agent id> <backend name> <kill grace ms>
 *                                                  (token in env ASYNCFLOW_AGENT_TOKEN)
 * ```
 *
 * The agent connects to the engine, says `hello` with the token, then runs
 * what it is sent until the connection closes, when it stops its processes
 * and exits. Executables run as its child processes ({@link ./_node_processes.ts}):
 * a cancel or timeout kills the task's process tree on its node.
 *
 * Nothing imports this module and it has no top-level await: a task module
 * that imports `mod.ts` never waits on it (a module importing the agent's
 * main module would wait for its evaluation, which never ended while it
 * awaited its own loop).
 *
 * @module
 */

import { encodeFrame, FrameReader, FrameWriter } from "../../remote/frames.ts";
import type { FromRuntime, ToRuntime } from "../../remote/protocol.ts";
import { TaskRuntime } from "../../remote/runtime.ts";
import { NodeProcesses } from "./_node_processes.ts";

async function runAgent(
  host: string,
  port: number,
  agentId: number,
  token: string,
  backend: string,
  killGraceMs: number,
): Promise<void> {
  const conn = await Deno.connect({ hostname: host, port });
  conn.setNoDelay(true);
  const writer = new FrameWriter((bytes) => conn.write(bytes));
  const processes = new NodeProcesses(backend, killGraceMs);
  let ending = false;
  const end = async (code: number): Promise<never> => {
    if (!ending) {
      ending = true;
      await processes.shutdown().catch(() => {});
    }
    Deno.exit(code);
  };
  const send = (message: FromRuntime): Promise<void> => {
    const frame = encodeFrame(message); // throws before anything is queued
    const written = writer.write(frame);
    written.catch(() => end(0)); // the engine is gone
    return written;
  };
  const runtime = new TaskRuntime({ send, exec: processes });
  globalThis.addEventListener("error", (event) => {
    const e = event as ErrorEvent;
    event.preventDefault(); // the engine reports it, once
    runtime.dying(
      `uncaught ${e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : e.message}`,
    );
    void end(70);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    const r = (event as PromiseRejectionEvent).reason;
    event.preventDefault();
    runtime.dying(
      `unhandled rejection ${r instanceof Error ? `${r.name}: ${r.message}` : String(r)}`,
    );
    void end(70);
  });
  const reader = new FrameReader((m) => runtime.receive(m as ToRuntime));
  send({
    t: "hello",
    token,
    agent: agentId,
    node: Deno.env.get("SLURMD_NODENAME") ?? Deno.hostname(),
    pid: Deno.pid,
  });
  try {
    for await (const chunk of conn.readable) reader.push(chunk);
  } catch {
    // Connection reset: the engine is gone.
  }
  await end(0);
}

if (import.meta.main) {
  const [host, port, agent, backend = "slurm", grace = "2000"] = Deno.args;
  const token = Deno.env.get("ASYNCFLOW_AGENT_TOKEN");
  if (host === undefined || port === undefined || agent === undefined || token === undefined) {
    console.error(
      "Usage: ASYNCFLOW_AGENT_TOKEN=<token> agent.ts <host> <port> <agent id> [<backend> <kill grace ms>]",
    );
    Deno.exit(2);
  }
  Deno.env.delete("ASYNCFLOW_AGENT_TOKEN");
  // not awaited: this module must finish evaluating (see the module documentation)
  runAgent(host, Number(port), Number(agent), token, backend, Number(grace)).catch((error) => {
    console.error(`asyncflow agent ${agent}: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  });
}
