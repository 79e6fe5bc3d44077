/**
 * Task options and their validation.
 *
 * @module
 */
import { received } from "./_text.ts";
import type { ResolvedResources, Resources } from "./types.ts";

/** The `prompt` task option (a leaf copy of the prompt kind's type). */
export interface PromptOptions {
  /** The model; the backend's `model` when absent. */
  model?: string;
  /** A system message, put first unless the builder's messages start with one. */
  system?: string;
  /** Sampling temperature (0 to 2). */
  temperature?: number;
  /** Most tokens to generate (sent as `max_tokens`). */
  maxTokens?: number;
}

/**
 * How a failed task is retried: after a pause on a timer, a bounded number
 * of times, only for the errors `retryIf` accepts. Dependency failures and
 * cancels are never retried.
 */
export interface RetryPolicy {
  /** Most retries (extra attempts). */
  max: number;
  /**
   * Milliseconds before a retry; an array gives the delay of each retry in
   * turn, its last entry repeating. @default {0}
   */
  delay?: number | number[];
  /** Multiplies the delay for each further retry (2: 1 s, 2 s, 4 s…). @default {1} */
  backoff?: number;
  /** The longest delay, after backoff and jitter. @default {Infinity} */
  maxDelay?: number;
  /** In [0, 1]: the delay is randomised by up to this fraction either way. @default {0} */
  jitter?: number;
  /**
   * Whether to retry after `error` (the failure of attempt number `attempt`,
   * 1 for the first run); `false` fails the task at once.
   */
  retryIf?: (error: unknown, attempt: number) => boolean;
}

/** Options of `functionTask`, `executableTask`, `promptTask` and `block`. */
export interface TaskOptions {
  /** The task's name. @default {fn.name, else "task"} */
  name?: string;
  /** Name of the backend to run on. @default {the engine's first backend} */
  backend?: string;
  /** What one run needs. */
  resources?: Resources;
  /**
   * Extra attempts after a failure of the task itself (not after a dependency
   * failure or a cancel): a number, or a {@link RetryPolicy} with delays.
   * @default {0}
   */
  retries?: number | RetryPolicy;
  /** A run longer than this (ms) fails with `TaskTimeoutError`. */
  timeout?: number;
  /** Executables: stdout/stderr to files; the result is the stdout path. @default {false} */
  captureStdio?: boolean;
  /** Module URL that exports `fn` under `fn.name` (for out-of-process backends). */
  module?: string;
  /** Executables: extra environment variables. */
  env?: Record<string, string>;
  /** Executables: working directory. */
  cwd?: string;
  /** Prompt tasks: model, system message, temperature, maxTokens. */
  prompt?: PromptOptions;
  /**
   * Among ready tasks waiting for the same backend or limit, higher starts
   * first; equal priorities in creation order. Block members inherit their
   * block's. @default {0}
   */
  priority?: number;
  /** The engine's named limits (`EngineOptions.limits`) a run takes a unit of. */
  limit?: string | string[];
  /**
   * With a journal: `false` always runs (the outcome is still recorded);
   * `"deep"` fingerprints `InputFile`s by their content. @default {true}
   */
  cache?: boolean | "deep";
}

/** Options given to `.with()`: task options plus `workflowId`. */
export interface CallOptions extends TaskOptions {
  /** The workflow id for calls through this function; wins over the scope. */
  workflowId?: string;
}

/** Validated options, with `resources` filled in. */
export interface ResolvedOptions {
  name: string | undefined;
  backend: string | undefined;
  resources: ResolvedResources;
  /** Most retries (the policy's `max`). */
  retries: number;
  /** The retry policy, when one was given as an object. */
  retry: RetryPolicy | undefined;
  timeout: number | undefined;
  captureStdio: boolean;
  module: string | undefined;
  env: Record<string, string> | undefined;
  cwd: string | undefined;
  workflowId: string | undefined;
  prompt: PromptOptions | undefined;
  /** Undefined: inherit (a block's members) or 0. */
  priority: number | undefined;
  /** Limit names, checked against the engine's limits by the engine. */
  limit: readonly string[] | undefined;
  cache: boolean | "deep";
}

/** Resources when none are given. */
export const DEFAULT_RESOURCES: ResolvedResources = Object.freeze({
  ranks: 1,
  coresPerRank: 1,
  gpusPerRank: 0,
  memoryMB: 0,
});

const KNOWN = new Set([
  "name",
  "backend",
  "resources",
  "retries",
  "timeout",
  "captureStdio",
  "module",
  "env",
  "cwd",
  "workflowId",
  "prompt",
  "priority",
  "limit",
  "cache",
]);

function checkInt(action: string, field: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    const want = min === 0 ? "a non-negative integer" : "a positive integer";
    const E = typeof v === "number" ? RangeError : TypeError;
    throw new E(`${action} as '${field}' must be ${want}: ${received(v)}`);
  }
  return v;
}

function checkString(action: string, field: string, v: unknown, allowEmpty = false): string {
  if (typeof v !== "string" || (!allowEmpty && v.length === 0)) {
    throw new TypeError(
      `${action} as '${field}' must be a non-empty string: ${received(v)}`,
    );
  }
  return v;
}

/**
 * Validate `resources` and fill in defaults.
 *
 * @throws {TypeError} when it is not an object or a field is not a number
 * @throws {RangeError} when a field is not a valid count
 */
export function resolveResources(
  action: string,
  r: unknown,
  base: ResolvedResources = DEFAULT_RESOURCES,
): ResolvedResources {
  if (r === undefined) return base;
  if (typeof r !== "object" || r === null || Array.isArray(r)) {
    throw new TypeError(`${action} as 'resources' must be an object: ${received(r)}`);
  }
  const o = r as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(k in DEFAULT_RESOURCES)) {
      throw new TypeError(
        `${action} as 'resources' has an unknown field: ${received(k)}`,
      );
    }
  }
  return {
    ranks: o.ranks === undefined ? base.ranks : checkInt(action, "resources.ranks", o.ranks, 1),
    coresPerRank: o.coresPerRank === undefined
      ? base.coresPerRank
      : checkInt(action, "resources.coresPerRank", o.coresPerRank, 1),
    gpusPerRank: o.gpusPerRank === undefined
      ? base.gpusPerRank
      : checkInt(action, "resources.gpusPerRank", o.gpusPerRank, 0),
    memoryMB: o.memoryMB === undefined
      ? base.memoryMB
      : checkInt(action, "resources.memoryMB", o.memoryMB, 0),
  };
}

/**
 * Validate options and merge them over `base` (`resources` merged key by key).
 *
 * @throws {TypeError} for a wrong type or unknown field
 * @throws {RangeError} for a number out of range
 */
export function resolveOptions(
  action: string,
  options: unknown,
  base: ResolvedOptions | undefined,
  allowWorkflowId: boolean,
): ResolvedOptions {
  const out: ResolvedOptions = base ? { ...base } : {
    name: undefined,
    backend: undefined,
    resources: DEFAULT_RESOURCES,
    retries: 0,
    retry: undefined,
    timeout: undefined,
    captureStdio: false,
    module: undefined,
    env: undefined,
    cwd: undefined,
    workflowId: undefined,
    prompt: undefined,
    priority: undefined,
    limit: undefined,
    cache: true,
  };
  if (options === undefined) return out;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${action} as 'options' must be an object: ${received(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k) || (k === "workflowId" && !allowWorkflowId)) {
      throw new TypeError(
        `${action} as 'options' has an unknown field: ${received(k)}`,
      );
    }
  }
  if (o.name !== undefined) out.name = checkString(action, "name", o.name);
  if (o.backend !== undefined) out.backend = checkString(action, "backend", o.backend);
  if (o.resources !== undefined) {
    out.resources = resolveResources(action, o.resources, out.resources);
  }
  if (o.retries !== undefined) {
    if (typeof o.retries === "object" && o.retries !== null && !Array.isArray(o.retries)) {
      out.retry = resolveRetry(action, o.retries);
      out.retries = out.retry.max;
    } else {
      out.retries = checkInt(action, "retries", o.retries, 0);
      out.retry = undefined;
    }
  }
  if (o.timeout !== undefined) {
    const t = o.timeout;
    if (typeof t !== "number" || !(t > 0) || !Number.isFinite(t)) {
      const E = typeof t === "number" ? RangeError : TypeError;
      throw new E(
        `${action} as 'timeout' must be a positive number of ms: ${received(t)}`,
      );
    }
    out.timeout = t;
  }
  if (o.captureStdio !== undefined) {
    if (typeof o.captureStdio !== "boolean") {
      throw new TypeError(
        `${action} as 'captureStdio' must be a boolean: ${received(o.captureStdio)}`,
      );
    }
    out.captureStdio = o.captureStdio;
  }
  if (o.module !== undefined) {
    const m = checkString(action, "module", o.module);
    try {
      new URL(m);
    } catch {
      throw new TypeError(
        `${action} as 'module' must be a URL (e.g. import.meta.url): ${received(m)}`,
      );
    }
    out.module = m;
  }
  if (o.env !== undefined) {
    const e = o.env;
    if (typeof e !== "object" || e === null || Array.isArray(e)) {
      throw new TypeError(
        `${action} as 'env' must be an object of strings: ${received(e)}`,
      );
    }
    for (const [k, v] of Object.entries(e)) {
      if (k.length === 0 || k.includes("=") || k.includes("\0")) {
        throw new TypeError(
          `${action} as 'env' names must be non-empty and contain no '=' or NUL: ${received(k)}`,
        );
      }
      if (typeof v !== "string") {
        throw new TypeError(`${action} as 'env.${k}' must be a string: ${received(v)}`);
      }
      if (v.includes("\0")) {
        throw new TypeError(`${action} as 'env.${k}' must not contain NUL: ${received(v)}`);
      }
    }
    out.env = { ...out.env, ...(e as Record<string, string>) };
  }
  if (o.cwd !== undefined) out.cwd = checkString(action, "cwd", o.cwd);
  if (o.workflowId !== undefined) out.workflowId = checkString(action, "workflowId", o.workflowId);
  if (o.prompt !== undefined) out.prompt = resolvePrompt(action, o.prompt, out.prompt);
  if (o.priority !== undefined) {
    if (typeof o.priority !== "number" || !Number.isFinite(o.priority)) {
      const E = typeof o.priority === "number" ? RangeError : TypeError;
      throw new E(`${action} as 'priority' must be a finite number: ${received(o.priority)}`);
    }
    out.priority = o.priority;
  }
  if (o.limit !== undefined) {
    const names = typeof o.limit === "string" ? [o.limit] : o.limit;
    if (
      !Array.isArray(names) || names.length === 0 ||
      names.some((n) => typeof n !== "string" || n.length === 0)
    ) {
      throw new TypeError(
        `${action} as 'limit' must be a limit name or a non-empty array of them: ${
          received(o.limit)
        }`,
      );
    }
    out.limit = Object.freeze([...new Set(names as string[])]);
  }
  if (o.cache !== undefined) {
    if (o.cache !== true && o.cache !== false && o.cache !== "deep") {
      throw new TypeError(
        `${action} as 'cache' must be true, false or "deep": ${received(o.cache)}`,
      );
    }
    out.cache = o.cache;
  }
  return out;
}

/**
 * Validate the `prompt` option and merge it over `base` key by key.
 *
 * @throws {TypeError} for a wrong type or unknown field
 * @throws {RangeError} for a temperature outside 0 to 2 or a maxTokens that is not a positive integer
 */
function resolvePrompt(
  action: string,
  p: unknown,
  base: PromptOptions | undefined,
): PromptOptions {
  if (typeof p !== "object" || p === null || Array.isArray(p)) {
    throw new TypeError(`${action} as 'prompt' must be an object: ${received(p)}`);
  }
  const o = p as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["model", "system", "temperature", "maxTokens"].includes(k)) {
      throw new TypeError(
        `${action} as 'prompt' has an unknown field (known: model, system, temperature, maxTokens): ${
          received(k)
        }`,
      );
    }
  }
  const out: PromptOptions = { ...base };
  if (o.model !== undefined) out.model = checkString(action, "prompt.model", o.model);
  if (o.system !== undefined) {
    if (typeof o.system !== "string") {
      throw new TypeError(`${action} as 'prompt.system' must be a string: ${received(o.system)}`);
    }
    out.system = o.system;
  }
  if (o.temperature !== undefined) {
    const t = o.temperature;
    if (typeof t !== "number" || !(t >= 0 && t <= 2)) {
      const E = typeof t === "number" ? RangeError : TypeError;
      throw new E(`${action} as 'prompt.temperature' must be a number from 0 to 2: ${received(t)}`);
    }
    out.temperature = t;
  }
  if (o.maxTokens !== undefined) {
    out.maxTokens = checkInt(action, "prompt.maxTokens", o.maxTokens, 1);
  }
  return out;
}

const RETRY_FIELDS = ["max", "delay", "backoff", "maxDelay", "jitter", "retryIf"];

function checkDelay(action: string, field: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
    const E = typeof v === "number" ? RangeError : TypeError;
    throw new E(`${action} as '${field}' must be a non-negative number of ms: ${received(v)}`);
  }
  return v;
}

/**
 * Validate a {@link RetryPolicy}.
 *
 * @throws {TypeError} for a wrong type or unknown field
 * @throws {RangeError} for a number out of range
 */
function resolveRetry(action: string, p: object): RetryPolicy {
  const o = p as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!RETRY_FIELDS.includes(k)) {
      throw new TypeError(
        `${action} as 'retries' has an unknown field (known: ${RETRY_FIELDS.join(", ")}): ${
          received(k)
        }`,
      );
    }
  }
  if (o.max === undefined) {
    throw new TypeError(`${action} as 'retries.max' is required: received undefined`);
  }
  const out: RetryPolicy = { max: checkInt(action, "retries.max", o.max, 0) };
  if (o.delay !== undefined) {
    if (Array.isArray(o.delay)) {
      if (o.delay.length === 0) {
        throw new TypeError(
          `${action} as 'retries.delay' must be a number or a non-empty array: ${
            received(o.delay)
          }`,
        );
      }
      out.delay = o.delay.map((d, i) => checkDelay(action, `retries.delay[${i}]`, d));
    } else out.delay = checkDelay(action, "retries.delay", o.delay);
  }
  if (o.backoff !== undefined) {
    const b = o.backoff;
    if (typeof b !== "number" || !(b > 0) || !Number.isFinite(b)) {
      const E = typeof b === "number" ? RangeError : TypeError;
      throw new E(`${action} as 'retries.backoff' must be a positive number: ${received(b)}`);
    }
    out.backoff = b;
  }
  if (o.maxDelay !== undefined) out.maxDelay = checkDelay(action, "retries.maxDelay", o.maxDelay);
  if (o.jitter !== undefined) {
    const j = o.jitter;
    if (typeof j !== "number" || !(j >= 0 && j <= 1)) {
      const E = typeof j === "number" ? RangeError : TypeError;
      throw new E(`${action} as 'retries.jitter' must be a number from 0 to 1: ${received(j)}`);
    }
    out.jitter = j;
  }
  if (o.retryIf !== undefined) {
    if (typeof o.retryIf !== "function") {
      throw new TypeError(
        `${action} as 'retries.retryIf' must be a function: ${received(o.retryIf)}`,
      );
    }
    out.retryIf = o.retryIf as (error: unknown, attempt: number) => boolean;
  }
  return out;
}

/**
 * The delay before retry number `k` (1 for the first retry) under `policy`:
 * the delay (or the array's k-th entry, its last repeating) times
 * `backoff^(k-1)`, randomised by `jitter`, capped at `maxDelay`.
 *
 * @param policy the policy
 * @param k the retry number, from 1
 * @param random a number in [0, 1)
 * @returns milliseconds
 */
export function retryDelay(policy: RetryPolicy, k: number, random: number): number {
  const d = policy.delay;
  let ms = Array.isArray(d) ? d[Math.min(k, d.length) - 1]! : (d ?? 0);
  if (policy.backoff !== undefined) ms *= policy.backoff ** (k - 1);
  if (policy.jitter !== undefined) ms *= 1 + policy.jitter * (2 * random - 1);
  if (policy.maxDelay !== undefined) ms = Math.min(ms, policy.maxDelay);
  return Math.max(0, ms);
}
