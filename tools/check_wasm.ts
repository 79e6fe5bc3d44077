/**
 * Rebuilds the scheduler core with the same compiler and flags as
 * `deno task build:wasm` into a temporary directory, and fails unless the
 * result is byte-identical to the committed `asm/build/core.wasm`.
 *
 * Run with `deno task check:wasm`.
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const committed = new URL("asm/build/core.wasm", root);
const tmp = await Deno.makeTempDir({ prefix: "asyncflow_wasm_" });
try {
  const out = `${tmp}/core.wasm`;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      // the build tools' lock file (see the README's Development)
      "--lock=dev/deno.lock",
      "npm:assemblyscript@0.28.20/asc",
      "asm/core.ts",
      "--config",
      "asm/asconfig.json",
      "--outFile",
      out,
      "--textFile",
      `${tmp}/core.wat`,
    ],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  });
  const { code } = await cmd.output();
  if (code !== 0) {
    console.error(`Cannot check the Wasm core as the compiler failed: exit code ${code}`);
    Deno.exit(1);
  }
  const built = await Deno.readFile(out);
  const have = await Deno.readFile(committed);
  const same = built.length === have.length && built.every((b, i) => b === have[i]);
  if (!same) {
    console.error(
      `asm/build/core.wasm is out of date: a rebuild gives ${built.length} bytes that differ ` +
        `from the committed ${have.length} bytes; run 'deno task build:wasm' and commit the result`,
    );
    Deno.exit(1);
  }
  console.log(`asm/build/core.wasm is up to date (${have.length} bytes)`);
} finally {
  await Deno.remove(tmp, { recursive: true });
}
