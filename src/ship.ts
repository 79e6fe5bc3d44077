/**
 * Shipping task functions to another JavaScript realm (a Web Worker, or a Deno
 * process started by Slurm) and loading them there.
 *
 * A function crosses in one of two forms:
 *
 * - **module**: with the `module` option the function is looked up by name:
 *   the receiving side imports the module URL and takes the export named
 *   `fn.name`. The function keeps its imports and its module's state (its own
 *   copy of it). A module whose top level is guarded by `import.meta.main` is
 *   safe to import.
 * - **source**: without it, the function's source text is sent and evaluated
 *   in a fresh strict scope. Only self-contained functions work this way: one
 *   that refers to an outer variable or an import fails with a
 *   `ReferenceError`, which {@link explainLoadError} turns into an error that
 *   says to use the `module` option.
 *
 * Source-shipped functions may use the globals every realm has (`Math`,
 * `Deno`, `fetch`, `crypto`...). The names {@link BLOCKED_GLOBALS} are hidden
 * from them (reading one throws a `ReferenceError`), because in a worker they
 * mean something else than on the main thread: a closure over a module
 * variable called `name` or `close` would otherwise silently pick up the
 * worker's global of that name. A closure over a variable that shadows a
 * global shared by every realm (say, a module-level `const crypto`) cannot be
 * detected without parsing the function and is not.
 *
 * Accepted: function declarations and expressions, async functions, arrow
 * functions, and method shorthand (`{ f() {} }.f`, whose source is `f() {}`).
 * Rejected with a `TypeError`: generator functions, classes, bound and native
 * functions, non-functions, and (with `module`) functions without a name.
 *
 * @module
 */

import { received } from "./_text.ts";
import { markLoading, unmarkLoading } from "./remote/_loading.ts";

/** Any function (what task functions are typed as). */
export type AnyFunction = (...args: never[]) => unknown;

/** A function in a form that crosses a realm boundary as a structured clone. */
export type ShippedFunction =
  | { kind: "module"; url: string; name: string }
  | { kind: "source"; source: string; name: string };

/**
 * Globals that source-shipped functions cannot see: they differ between the
 * main thread and a worker, so an outer variable of the same name would be
 * silently replaced by the worker's global.
 */
export const BLOCKED_GLOBALS: readonly string[] = Object.freeze([
  "name",
  "close",
  "location",
  "postMessage",
  "onmessage",
  "onmessageerror",
  "onerror",
  "onunhandledrejection",
]);

const shippedCache = new WeakMap<
  AnyFunction,
  { module: string | undefined; shipped: ShippedFunction }
>();

/**
 * Describes `fn` so that {@link loadFunction} can recreate it in another realm.
 * Results are cached per function (and `module`), so this is cheap to call for
 * every task.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { shipFunction } from "./ship.ts";
 * const s = shipFunction((a: number, b: number) => a + b, undefined);
 * assert(s.kind === "source");
 * const m = shipFunction(function add() {}, "file:///tmp/add.ts");
 * assert(m.kind === "module" && m.name === "add");
 * ```
 *
 * @param fn the task function
 * @param module the URL of a module that exports `fn` under `fn.name`, or
 * undefined to ship the source text
 * @returns the shipped form
 * @throws {TypeError} when `fn` cannot be shipped: not a function, bound,
 * native, a class, a generator, a source that does not evaluate to a function,
 * or (with `module`) a function without a name or an invalid module URL
 */
export function shipFunction(fn: AnyFunction, module: string | undefined): ShippedFunction {
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot ship task function as it is not a function: ${received(fn)}`,
    );
  }
  const cached = shippedCache.get(fn);
  if (cached !== undefined && cached.module === module) return cached.shipped;
  const shipped = shipUncached(fn, module);
  shippedCache.set(fn, { module, shipped });
  return shipped;
}

function shipUncached(fn: AnyFunction, module: string | undefined): ShippedFunction {
  const source = Function.prototype.toString.call(fn);
  const shown = fn.name.replace(/^bound /, "");
  const label = shown ? `'${shown}'` : "(anonymous)";
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    if (fn.name.startsWith("bound ")) {
      throw new TypeError(
        `Cannot ship task function ${label} as it is a bound function: pass the original function and give the bound values as arguments`,
      );
    }
    throw new TypeError(
      `Cannot ship task function ${label} as it is a native function: wrap it in a function of your own`,
    );
  }
  if (/^class\b/.test(source)) {
    throw new TypeError(
      `Cannot ship task function ${label} as it is a class: pass a function that constructs it`,
    );
  }
  const tag = Object.prototype.toString.call(fn);
  if (tag === "[object GeneratorFunction]" || tag === "[object AsyncGeneratorFunction]") {
    throw new TypeError(
      `Cannot ship task function ${label} as it is a generator function: a generator cannot be returned from another realm; return an array instead`,
    );
  }
  if (module !== undefined) {
    if (typeof module !== "string") {
      throw new TypeError(
        `Cannot ship task function ${label} as 'module' must be a URL string: ${received(module)}`,
      );
    }
    let url: string;
    try {
      url = new URL(module).href;
    } catch {
      throw new TypeError(
        `Cannot ship task function ${label} as 'module' is not an absolute URL (use import.meta.url): ${
          received(module)
        }`,
      );
    }
    if (!fn.name) {
      throw new TypeError(
        `Cannot ship task function as it has no name, so it cannot be looked up in module '${url}': export it as a named function`,
      );
    }
    return { kind: "module", url, name: fn.name };
  }
  try {
    compileSource(source);
  } catch (error) {
    throw new TypeError(
      `Cannot ship task function ${label} as its source text does not evaluate to a function on its own: pass the \`module\` option (usually import.meta.url) and export the function from that module`,
      { cause: error },
    );
  }
  return { kind: "source", source, name: fn.name };
}

const BLOCKED_DECLARATION = `\nlet ${BLOCKED_GLOBALS.join(", ")};`;

/**
 * Compiles `source` (a function's `toString()`) into a factory that returns the
 * function. Compiling evaluates nothing of the user's code. The `let` after the
 * `return` is never executed, so the names it declares stay in their temporal
 * dead zone: reading one throws a ReferenceError instead of reaching the
 * worker's global of that name.
 */
function compileSource(source: string): () => AnyFunction {
  try {
    // Function declarations and expressions, async functions, arrows.
    return new Function(`"use strict";\nreturn (${source}\n);${BLOCKED_DECLARATION}`) as () =>
      AnyFunction;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  // Method shorthand (`f() {}`, `async f() {}`, `get f() {}`): rebuild the object.
  return new Function(
    `"use strict";\nconst d = Object.values(Object.getOwnPropertyDescriptors({ ${source}\n}))[0];\nreturn d.value ?? d.get ?? d.set;${BLOCKED_DECLARATION}`,
  ) as () => AnyFunction;
}

const loaded = new Map<string, Promise<(...args: unknown[]) => unknown>>();

/**
 * Recreates a shipped function (in a worker or agent process). Cached per
 * module URL and export name, or per source text.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { loadFunction, shipFunction } from "./ship.ts";
 * const add = await loadFunction(shipFunction((a: number, b: number) => a + b, undefined));
 * assert(add(1, 2) === 3);
 * ```
 *
 * @param s the shipped form, from {@link shipFunction}
 * @returns the function
 * @throws {Error} (rejects) when the module cannot be imported, has no export
 * of that name, or the source cannot be evaluated
 * @throws {TypeError} (rejects) when the export is not a function
 */
export function loadFunction(s: ShippedFunction): Promise<(...args: unknown[]) => unknown> {
  const key = s.kind === "module" ? `m\0${s.url}\0${s.name}` : `s\0${s.source}`;
  let p = loaded.get(key);
  if (p === undefined) {
    p = s.kind === "module" ? loadFromModule(s.url, s.name) : loadFromSource(s.source);
    loaded.set(key, p);
    // A failed load is not cached: a later task may find the module fixed.
    p.catch(() => loaded.delete(key));
  }
  return p;
}

async function loadFromModule(
  url: string,
  name: string,
): Promise<(...args: unknown[]) => unknown> {
  let ns: Record<string, unknown>;
  // while it loads, WorkflowEngine.create() called from its top level throws
  // (an unguarded script would start engines in every runtime, forever)
  markLoading(url, name);
  try {
    ns = await import(url);
  } catch (error) {
    throw new Error(
      `Cannot load task function '${name}' as module '${url}' failed to import: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  } finally {
    unmarkLoading(url, name);
  }
  if (!(name in ns)) {
    throw new Error(
      `Cannot load task function '${name}' as module '${url}' has no export named '${name}': export the function under its own name`,
    );
  }
  const fn = ns[name];
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot load task function '${name}' as the export '${name}' of module '${url}' is not a function: ${
        received(fn)
      }`,
    );
  }
  return fn as (...args: unknown[]) => unknown;
}

function loadFromSource(source: string): Promise<(...args: unknown[]) => unknown> {
  try {
    return Promise.resolve(loadSourceFunction(source));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Recreates a function shipped as source text, at once (a runtime needs no
 * await for it, unlike a module import).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { loadSourceFunction } from "./ship.ts";
 * assert(loadSourceFunction("(a, b) => a * b")(6, 7) === 42);
 * ```
 *
 * @param source the function's source text (`ShippedFunction.source`)
 * @returns the function
 * @throws {SyntaxError} when the text is not a function
 */
export function loadSourceFunction(source: string): (...args: unknown[]) => unknown {
  return compileSource(source)() as (...args: unknown[]) => unknown;
}

/**
 * Explains an error raised while loading or running a source-shipped
 * function: a `ReferenceError` there almost always means the function refers
 * to an outer variable or an import, which source text cannot carry. Returns
 * a new `Error` that says so and names the variable, with the original as
 * `cause`; any other error is returned unchanged.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { explainLoadError } from "./ship.ts";
 * const s = { kind: "source", source: "() => x", name: "f" } as const;
 * const e = explainLoadError(s, new ReferenceError("x is not defined")) as Error;
 * assert(e.message.includes("'x'") && e.message.includes("module"));
 * ```
 *
 * @param s the shipped form of the function that failed
 * @param error what was thrown
 * @returns the explained error, or `error` itself
 */
export function explainLoadError(s: ShippedFunction, error: unknown): unknown {
  if (s.kind !== "source" || !(error instanceof Error) || error.name !== "ReferenceError") {
    return error;
  }
  const m = /^(\S+) is not defined$/.exec(error.message) ??
    /^Cannot access '([^']+)' before initialization$/.exec(error.message);
  if (m === null) return error;
  const variable = m[1];
  const fn = s.name ? `'${s.name}'` : "(anonymous)";
  const exportIt = s.name
    ? `export ${fn} from that module`
    : "export the function from that module under a name";
  const blocked = BLOCKED_GLOBALS.includes(variable ?? "")
    ? ` ('${variable}' is also a global that differs between workers and the main thread, so it is hidden)`
    : "";
  return new Error(
    `Cannot run task function ${fn} in another realm as it closes over outer variable '${variable}'${blocked}: a function shipped as source text cannot use outer variables or imports; pass the \`module\` option (usually import.meta.url) and ${exportIt}`,
    { cause: error },
  );
}
