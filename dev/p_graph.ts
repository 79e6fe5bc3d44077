/**
 * `p-graph` for the benchmarks (the import map's target): the npm scheduler
 * the report compares with. A development dependency, locked in
 * `dev/deno.lock` (see `dev/std_assert.ts`).
 *
 * @module
 */
export * from "npm:p-graph@2.0.0";
