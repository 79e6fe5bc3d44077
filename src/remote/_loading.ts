/**
 * Which task modules a remote runtime (a worker, a subprocess, a Slurm agent)
 * is importing right now, so that `WorkflowEngine.create` can tell a script
 * whose top level runs again in every runtime that imports it — a script
 * without an `if (import.meta.main)` guard that creates an engine and ships
 * `module: import.meta.url` would otherwise start workers that import it,
 * create an engine and start workers, forever. A leaf module: the engine and
 * `ship.ts` import it; it imports nothing.
 *
 * The state lives on `globalThis` under a registered symbol, so that two
 * copies of this module (the runtime's, and one reached through a task
 * module's own import of `mod.ts` by another URL) share it.
 *
 * @module
 */

interface Loading {
  /** What the runtime is ("a worker"…), once a runtime said so. */
  where: string | undefined;
  /** Module URL → the task functions being loaded from it. */
  readonly modules: Map<string, Set<string>>;
}

const KEY = Symbol.for("asyncflow.loadingTaskModules.v1");
const state: Loading = ((globalThis as Record<symbol, unknown>)[KEY] ??= {
  where: undefined,
  modules: new Map(),
}) as Loading;

/**
 * Says what this runtime is (called once by a runtime as it starts).
 *
 * @param where e.g. "a worker"
 */
export function setRuntimeKind(where: string): void {
  state.where = where;
}

/**
 * Marks `url` as being imported to load task function `name`.
 *
 * @param url the module URL
 * @param name the export
 */
export function markLoading(url: string, name: string): void {
  let names = state.modules.get(url);
  if (names === undefined) state.modules.set(url, names = new Set());
  names.add(name);
}

/**
 * The import of `url` for `name` has settled.
 *
 * @param url the module URL
 * @param name the export
 */
export function unmarkLoading(url: string, name: string): void {
  const names = state.modules.get(url);
  if (names === undefined) return;
  names.delete(name);
  if (names.size === 0) state.modules.delete(url);
}

/**
 * Throws when called (synchronously) from the top level of a task module that
 * a remote runtime is importing: the caller's stack holds a frame of a module
 * being loaded.
 *
 * @param action what the caller was doing, for the message ("create engine")
 * @throws {Error} telling the user to guard the script's top level
 */
export function assertNotLoadingTaskModule(action: string): void {
  if (state.modules.size === 0) return;
  const stack = new Error().stack ?? "";
  for (const [url, names] of state.modules) {
    if (!stack.includes(url)) continue;
    const fns = [...names].map((n) => `'${n}'`).join(", ");
    throw new Error(
      `Cannot ${action} as module '${url}' is being imported by ${
        state.where ?? "a remote runtime"
      } to load task function ${fns} (the \`module\` option), and its top level creates an engine: every worker, subprocess or agent that imports it would start another engine, forever. Guard the script's top level with \`if (import.meta.main) { … }\` so that importing it only defines its functions (as Python's multiprocessing needs \`if __name__ == "__main__":\`)`,
    );
  }
}
