/**
 * The script every {@link WorkerBackend} worker runs: the protocol's runtime
 * ({@link ../remote/runtime.ts}) over `postMessage`. Nothing imports this
 * module; the pool starts it by URL.
 *
 * `close()`, `Deno.exit()`, an uncaught error and an unhandled rejection send
 * `dying` (after the results so far) before the worker goes away. An uncaught
 * error or unhandled rejection is handled here (`preventDefault()`), so Deno
 * prints nothing: the host fails the worker's started tasks with a
 * `BackendError` that says what happened, once.
 *
 * @module
 */

import type { FromRuntime, ToRuntime } from "../remote/protocol.ts";
import { TaskRuntime } from "../remote/runtime.ts";

/** The part of the worker global scope this script uses. */
interface WorkerScope {
  postMessage(message: FromRuntime): void;
  close(): void;
  onmessage: ((event: MessageEvent<ToRuntime>) => void) | null;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

function main(scope: WorkerScope): void {
  const runtime = new TaskRuntime({ send: (m) => scope.postMessage(m) });
  scope.onmessage = (event) => runtime.receive(event.data);
  const realClose = scope.close.bind(scope);
  scope.close = () => {
    runtime.dying("the worker called close()");
    realClose();
  };
  const realExit = Deno.exit;
  try {
    Deno.exit = ((code?: number) => {
      runtime.dying(`the worker called Deno.exit(${code ?? ""})`);
      return realExit(code);
    }) as typeof Deno.exit;
  } catch {
    // Not writable in this runtime: such an exit is then seen as a crash.
  }
  scope.addEventListener("error", (event) => {
    const e = event as ErrorEvent;
    event.preventDefault(); // the host reports it, once
    runtime.dying(
      `uncaught ${e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : e.message}`,
    );
    realClose();
  });
  scope.addEventListener("unhandledrejection", (event) => {
    const r = (event as PromiseRejectionEvent).reason;
    event.preventDefault();
    runtime.dying(
      `unhandled rejection ${r instanceof Error ? `${r.name}: ${r.message}` : String(r)}`,
    );
    realClose();
  });
}

// Run only as a worker.
if (
  "postMessage" in globalThis &&
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function"
) {
  main(globalThis as unknown as WorkerScope);
}
