/**
 * Task modules on every out-of-process runtime (workers, subprocesses, Slurm
 * agents): a module whose top-level await never finishes, and a script
 * without the `import.meta.main` guard that ships its own functions. (The
 * README pattern — a module that imports `mod.ts` — runs in the conformance
 * suite on every backend.)
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import {
  type ExecutionBackend,
  ProcessBackend,
  SlurmBackend,
  TaskTimeoutError,
  WorkerBackend,
  WorkflowEngine,
} from "../mod.ts";
import { REQUIRED, skipReason } from "./_slurm_probe.ts";

const HANGING = new URL("./fixtures/hanging_tla.ts", import.meta.url).href;
/** Stands for the export of that module (importing it here would never finish). */
function never(): string {
  return "unreachable";
}
const UNGUARDED = new URL("./fixtures/unguarded.ts", import.meta.url).pathname;

const BACKENDS: [string, () => ExecutionBackend, string | undefined][] = [
  ["workers", () => new WorkerBackend({ workers: 1 }), undefined],
  ["processes", () => new ProcessBackend({ processes: 1, concurrency: 4 }), undefined],
  [
    "slurm",
    () => new SlurmBackend({ nodes: 1 }),
    skipReason !== undefined && !REQUIRED ? skipReason : undefined,
  ],
];

for (const [label, make, ignore] of BACKENDS) {
  Deno.test({
    name:
      `${label}: a task module whose top-level await never finishes times out and holds up no other task`,
    ignore: ignore !== undefined,
    sanitizeOps: label !== "slurm",
    sanitizeResources: label !== "slurm",
    async fn() {
      await using flow = await WorkflowEngine.create({ backend: make() });
      const hangs = flow.functionTask(never, { module: HANGING, timeout: 1000 });
      const other = flow.functionTask((x: number) => x + 1);
      const h = hangs();
      // on the same worker / subprocess / agent, a function that loads runs at once
      assertEquals(await other(41), 42);
      assertEquals(h.state, "RUNNING"); // loading its module is part of its run
      const e = await assertRejects(() => h, TaskTimeoutError);
      assertEquals(e.timeout, 1000);
      assertEquals(await other(1), 2);
    },
  });

  Deno.test({
    name:
      `${label}: a script without the import.meta.main guard fails its module tasks, telling to add it`,
    ignore: ignore !== undefined,
    async fn() {
      // without the check, every runtime that imports the script starts an
      // engine and runtimes of its own: the run never ends (the timeout kills it)
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", UNGUARDED, label],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(90_000),
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, `stdout: ${stdout}\nstderr: ${stderr}`);
      assert(stdout.startsWith("failed "), stdout);
      assertStringIncludes(stdout, "Cannot load task function 'double'");
      assertStringIncludes(stdout, "its top level creates an engine");
      assertStringIncludes(stdout, "if (import.meta.main)");
      assertEquals(stderr, "");
    },
  });
}
