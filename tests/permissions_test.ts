/**
 * No permission prompts the user did not ask for: the library queries
 * permissions before it uses a helper (`/usr/bin/setsid`, the reaper's
 * `/bin/sh`, `/proc`) and falls back silently.
 *
 * Deno prompts only when stdin and stderr are terminals, so the first test
 * runs the README's first example under `script` (util-linux), which gives it
 * a pseudo-terminal, and fails on any "Deno requests" prompt.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";

const ROOT = new URL("../", import.meta.url).pathname;
const SCRIPT = "/usr/bin/script";
const hasScript = (() => {
  try {
    return Deno.statSync(SCRIPT).isFile;
  } catch {
    return false;
  }
})();

/** Quotes `s` for sh. */
function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `deno <args>` on a pseudo-terminal; resolves with everything it wrote.
 * A permission prompt waits for an answer that never comes: the run is
 * stopped as soon as one shows, or after a generous guard.
 */
async function onTerminal(args: string[]): Promise<{ output: string; prompted: boolean }> {
  const command = [Deno.execPath(), ...args].map(q).join(" ");
  const child = new Deno.Command(SCRIPT, {
    args: ["-q", "-e", "-c", command, "/dev/null"],
    cwd: ROOT,
    env: { NO_COLOR: "1", TERM: "dumb" },
    // Kept open and silent: a prompt would wait on it.
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  let prompted = false;
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const decoder = new TextDecoder();
  const stderr = new Response(child.stderr).text();
  for await (const chunk of child.stdout) {
    output += decoder.decode(chunk, { stream: true });
    if (!prompted && output.includes("Deno requests")) {
      prompted = true;
      child.kill("SIGKILL");
    }
  }
  clearTimeout(guard);
  await child.stdin.close().catch(() => {});
  await child.status;
  output += await stderr;
  return { output, prompted };
}

Deno.test({
  name:
    "README's first example runs with --allow-run=echo on a terminal without a permission prompt",
  ignore: !hasScript,
  fn: async () => {
    const { output, prompted } = await onTerminal([
      "run",
      "--allow-run=echo",
      "examples/getting_started.ts",
    ]);
    assert(!prompted, `Deno prompted for a permission:\n${output}`);
    assertStringIncludes(output, `task1 -> "5\\n"`);
    assertStringIncludes(output, "task3 -> 25");
  },
});

Deno.test("WorkflowEngine runs an echo task with only --allow-run=echo and --no-prompt", async () => {
  const code = `import { WorkflowEngine } from ${JSON.stringify(`${ROOT}mod.ts`)};
await using flow = await WorkflowEngine.create();
const shout = flow.executableTask((t: string) => ["echo", t.toUpperCase()]);
const slow = flow.executableTask(() => ["echo", "x"], { timeout: 60_000 });
console.log(JSON.stringify([await shout("data"), await slow()]));`;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/main.ts`, code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-run=echo", `${dir}/main.ts`],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertEquals(new TextDecoder().decode(out.stdout).trim(), JSON.stringify(["DATA\n", "x\n"]));
    assertEquals(stderr, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("thisHost() names the host without --allow-sys=hostname", async () => {
  const code = `import { thisHost } from ${
    JSON.stringify(`${ROOT}src/backends/slurm/_agents.ts`)
  };\nconsole.log(thisHost());`;
  const dir = await Deno.makeTempDir();
  const hostname = Deno.readTextFileSync("/etc/hostname").trim();
  try {
    await Deno.writeTextFile(`${dir}/main.ts`, code);
    const run = async (permissions: string[], env: Record<string, string> = {}) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", ...permissions, `${dir}/main.ts`],
        env: { NO_COLOR: "1", ...env },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout).trim();
    };
    assertEquals(await run(["--allow-sys=hostname"]), Deno.hostname());
    assertEquals(await run(["--allow-read=/etc/hostname"]), hostname);
    assertEquals(
      await run(["--allow-env=SLURMD_NODENAME"], { SLURMD_NODENAME: "n7" }),
      "n7",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
