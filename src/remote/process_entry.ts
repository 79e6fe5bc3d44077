/**
 * The script every `ProcessBackend` subprocess runs: the protocol's runtime
 * ({@link ./runtime.ts}) over its standard streams. Frames from the host
 * arrive on stdin; frames to the host leave on stdout. What a task prints with
 * `console.log` (or writes to `Deno.stdout`) is sent to the host as a
 * `stdout` message, which the host writes to its own stdout; stderr is the
 * subprocess's own (the host forwards it).
 *
 * Nothing imports this module and it has no top-level await: a task module
 * that imports `mod.ts` never waits on it. The subprocess exits when stdin
 * closes (the host shut down or died).
 *
 * @module
 */

import { formatWithOptions } from "node:util";
import { encodeFrame, FrameReader } from "./frames.ts";
import type { FromRuntime, ToRuntime } from "./protocol.ts";
import { TaskRuntime } from "./runtime.ts";

function main(): void {
  const stdout = Deno.stdout;
  const writeSync = stdout.writeSync.bind(stdout);
  const send = (message: FromRuntime): void => {
    const bytes = encodeFrame(message); // throws before anything is written
    let at = 0;
    while (at < bytes.length) at += writeSync(bytes.subarray(at));
  };

  // stdout carries frames: what tasks print travels inside them
  let printed = "";
  const flushPrinted = (): void => {
    const text = printed;
    printed = "";
    if (text !== "") send({ t: "stdout", text });
  };
  const print = (text: string): void => {
    if (printed === "") queueMicrotask(flushPrinted);
    printed += text;
  };
  const decoder = new TextDecoder();
  const log = (...args: unknown[]): void => print(formatWithOptions({}, ...args) + "\n");
  const c = console as unknown as Record<string, unknown>;
  for (const method of ["log", "info", "debug", "dir", "dirxml", "table"]) c[method] = log;
  const out = stdout as unknown as Record<string, unknown>;
  out.writeSync = (p: Uint8Array): number => {
    print(decoder.decode(p, { stream: true }));
    return p.length;
  };
  out.write = (p: Uint8Array): Promise<number> => {
    print(decoder.decode(p, { stream: true }));
    return Promise.resolve(p.length);
  };

  const runtime = new TaskRuntime({
    send: (m) => {
      if (printed !== "") flushPrinted(); // keep what was printed before a result
      send(m);
    },
  });
  let realExit: (code?: number) => never = Deno.exit;
  const fail = (reason: string): void => {
    try {
      runtime.dying(reason);
    } finally {
      realExit(70);
    }
  };
  globalThis.addEventListener("error", (event) => {
    const e = event as ErrorEvent;
    event.preventDefault(); // the host reports it, once
    fail(
      `uncaught ${e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : e.message}`,
    );
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    const r = (event as PromiseRejectionEvent).reason;
    event.preventDefault();
    fail(`unhandled rejection ${r instanceof Error ? `${r.name}: ${r.message}` : String(r)}`);
  });

  realExit = Deno.exit;
  try {
    Deno.exit = ((code?: number) => {
      runtime.dying(`the subprocess called Deno.exit(${code ?? ""})`);
      return realExit(code);
    }) as typeof Deno.exit;
  } catch {
    // not writable: such an exit is then seen as a crash
  }

  const reader = new FrameReader((m) => runtime.receive(m as ToRuntime));
  send({ t: "hello", agent: 0, token: "", node: "", pid: Deno.pid });
  (async () => {
    try {
      for await (const chunk of Deno.stdin.readable) reader.push(chunk);
    } catch {
      // the pipe broke: the host is gone
    }
    realExit(0);
  })();
}

if (import.meta.main) main();
