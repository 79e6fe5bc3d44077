/**
 * `@std/cli/parse-args` for the benchmarks (the import map's target): npm's
 * `deno-std`. A development dependency, locked in `dev/deno.lock` (see
 * `dev/std_assert.ts`).
 *
 * @module
 */
export { parseArgs } from "npm:deno-std@1.4.0/cli/parse_args.js";
