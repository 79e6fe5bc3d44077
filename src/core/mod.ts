/**
 * The scheduler core: readiness tracking over integer task ids, in Wasm
 * (default) or in TypeScript. See {@link SchedulerCore} for the contract.
 *
 * @example
 * ```ts
 * import { createCore, Outcome } from "./mod.ts";
 * const core = createCore();
 * const a = core.add([]);
 * const b = core.add([a]);
 * console.assert(core.ready()[0] === a);
 * core.clearOutputs();
 * core.completeOne(a, Outcome.DONE);
 * console.assert(core.ready()[0] === b);
 * ```
 *
 * @module
 */
import { received } from "../_text.ts";
import { createTsCore } from "./ts_core.ts";
import type { SchedulerCore } from "./types.ts";
import { createWasmCore } from "./wasm_core.ts";

export * from "./types.ts";
export { createTsCore } from "./ts_core.ts";
export { createWasmCore } from "./wasm_core.ts";

/**
 * Creates a scheduler core.
 *
 * @param kind `"wasm"` (the AssemblyScript core) or `"ts"` (the TypeScript core)
 * @returns a new, independent core
 * @throws {RangeError} when `kind` is neither
 */
export function createCore(kind: "wasm" | "ts" = "wasm"): SchedulerCore {
  if (kind === "wasm") return createWasmCore();
  if (kind === "ts") return createTsCore();
  throw new RangeError(
    `Cannot create core as 'kind' must be "wasm" or "ts": ${received(kind)}`,
  );
}
