/**
 * Pure parsers for what Slurm prints: hostlists (`n[1-3,5]`), CPU counts per
 * node (`8(x3),4`), `scontrol show job -d` records and `srun --verbose`
 * lines. Used by the Slurm backend; unit-tested without Slurm.
 *
 * @module
 */

import { received } from "../../_text.ts";

/** One node of an allocation as `scontrol show job -d` describes it. */
export interface AllocatedNode {
  /** The node name. */
  readonly name: string;
  /** CPUs of the allocation on this node. */
  readonly cpus: number;
  /** GPUs of the allocation on this node. */
  readonly gpus: number;
}

/** What the backend needs of a job record. */
export interface JobInfo {
  /** The job id. */
  readonly jobId: string;
  /** `JobState`, e.g. `RUNNING`, `PENDING`, `CANCELLED`. */
  readonly state: string;
  /** `Reason` (why pending, or `None`). */
  readonly reason: string;
  /** The allocated nodes with their CPUs and GPUs (empty while pending). */
  readonly nodes: readonly AllocatedNode[];
}

/**
 * Expands a Slurm hostlist expression into node names.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expandHostlist } from "./parse.ts";
 * assert(expandHostlist("n[1-3],gpu[08-09]").join() === "n1,n2,n3,gpu08,gpu09");
 * ```
 *
 * @param expression e.g. `n[1-3,5],login1` or `(null)` / `""` (no nodes)
 * @returns the names, in order
 * @throws {SyntaxError} on unbalanced brackets or a bad range
 */
export function expandHostlist(expression: string): string[] {
  const text = expression.trim();
  if (text === "" || text === "(null)" || text === "None") return [];
  const names: string[] = [];
  for (const item of splitTopLevel(text, expression)) {
    if (item === "") continue;
    names.push(...expandItem(item, expression));
  }
  return names;
}

function splitTopLevel(text: string, whole: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[") depth++;
    else if (c === "]") {
      depth--;
      if (depth < 0) throw badHostlist(whole, "a ']' without '['");
    } else if (c === "," && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw badHostlist(whole, "a '[' without ']'");
  items.push(text.slice(start));
  return items;
}

function expandItem(item: string, whole: string): string[] {
  const open = item.indexOf("[");
  if (open < 0) return [item];
  const close = item.indexOf("]", open);
  const prefix = item.slice(0, open);
  const ranges = item.slice(open + 1, close);
  const rest = expandItem(item.slice(close + 1), whole);
  const out: string[] = [];
  for (const range of ranges.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (m === null) throw badHostlist(whole, `a bad range '${range}'`);
    const lo = m[1]!;
    const hi = m[2] ?? lo;
    const from = Number(lo);
    const to = Number(hi);
    if (to < from || to - from > 1_000_000) throw badHostlist(whole, `a bad range '${range}'`);
    for (let n = from; n <= to; n++) {
      const digits = String(n).padStart(lo.length, "0");
      for (const tail of rest) out.push(prefix + digits + tail);
    }
  }
  return out;
}

function badHostlist(expression: string, detail: string): SyntaxError {
  return new SyntaxError(
    `Cannot expand hostlist as it has ${detail}: ${received(expression)}`,
  );
}

/**
 * Expands Slurm's compressed per-node counts (`SLURM_JOB_CPUS_PER_NODE`).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expandCounts } from "./parse.ts";
 * assert(expandCounts("8(x2),4").join() === "8,8,4");
 * ```
 *
 * @param expression e.g. `8(x3),4`
 * @returns one count per node
 * @throws {SyntaxError} when an item is not `N` or `N(xM)`
 */
export function expandCounts(expression: string): number[] {
  const out: number[] = [];
  for (const item of expression.trim().split(",")) {
    const m = /^(\d+)(?:\(x(\d+)\))?$/.exec(item.trim());
    if (m === null) {
      throw new SyntaxError(
        `Cannot expand per-node counts as '${item}' is not N or N(xM): ${received(expression)}`,
      );
    }
    const repeat = Number(m[2] ?? "1");
    for (let i = 0; i < repeat; i++) out.push(Number(m[1]));
  }
  return out;
}

/**
 * Counts the ids in a Slurm id list such as `0-7,10,12-13`.
 *
 * @param list the list (empty: 0)
 * @returns how many ids it names
 */
export function countIdList(list: string): number {
  let n = 0;
  for (const part of list.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) continue;
    n += Number(m[2] ?? m[1]) - Number(m[1]) + 1;
  }
  return n;
}

/**
 * Counts the GPUs in a `GRES=` value such as `gpu:a100:2(IDX:0-1),nic:1`.
 *
 * @param gres the value
 * @returns the number of GPUs
 */
export function countGpus(gres: string): number {
  let n = 0;
  // Split at commas outside parentheses.
  for (const item of gres.split(/,(?![^(]*\))/)) {
    const m = /^gpu(?::[^:(]+)?:(\d+)/.exec(item.trim());
    if (m !== null) n += Number(m[1]);
  }
  return n;
}

/**
 * Parses one job record of `scontrol show job -d <id>` (the detailed form,
 * with a `Nodes=… CPU_IDs=… GRES=…` line per group of nodes).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseJobInfo } from "./parse.ts";
 * const info = parseJobInfo("JobId=7 JobName=x\n JobState=RUNNING Reason=None\n NodeList=n[1-2]\n" +
 *   "   Nodes=n[1-2] CPU_IDs=0-7 Mem=0 GRES=\n");
 * assert(info.nodes.length === 2 && info.nodes[1]!.cpus === 8);
 * ```
 *
 * @param text the command's output
 * @returns the parsed record
 * @throws {SyntaxError} when there is no `JobId=` or `JobState=`
 */
export function parseJobInfo(text: string): JobInfo {
  const field = (name: string): string | undefined => {
    const m = new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(text);
    return m?.[1];
  };
  const jobId = field("JobId");
  const state = field("JobState");
  if (jobId === undefined || state === undefined) {
    throw new SyntaxError(
      `Cannot parse the job record as it has no JobId or JobState: ${received(text.slice(0, 200))}`,
    );
  }
  const nodes: AllocatedNode[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^\s*Nodes=(\S+)\s+CPU_IDs=(\S*)(?:.*?\sGRES=(\S*))?/.exec(line);
    if (m === null) continue;
    const cpus = countIdList(m[2]!);
    const gpus = countGpus(m[3] ?? "");
    for (const name of expandHostlist(m[1]!)) {
      if (seen.has(name)) continue;
      seen.add(name);
      nodes.push({ name, cpus, gpus });
    }
  }
  return { jobId, state, reason: field("Reason") ?? "None", nodes };
}

/** What one line of `srun --verbose` stderr says, when it matters. */
export type SrunLine =
  /** The step was created and is launching on a node. */
  | {
    readonly kind: "launching";
    readonly jobId: string;
    readonly stepId: string;
    readonly node: string;
  }
  /** Tasks of the step started on a node. */
  | { readonly kind: "started"; readonly node: string }
  /** Tasks finished with a wait status (`status=0x0009`: signal 9; `0x0300`: exit 3). */
  | { readonly kind: "finished"; readonly status: number }
  /** An error of Slurm's (`srun: error: …`, `slurmstepd: error: …`). */
  | { readonly kind: "error"; readonly message: string; readonly nodeFailure: string | undefined }
  /** Another line of srun's own (`srun: …`). */
  | { readonly kind: "info" }
  /** A line the step itself wrote. */
  | { readonly kind: "output" };

/**
 * Classifies a line of `srun --verbose` stderr.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseSrunLine } from "./parse.ts";
 * const l = parseSrunLine("srun: launching StepId=4.2 on host n1, 8 tasks: [0-7]");
 * assert(l.kind === "launching" && l.stepId === "2");
 * ```
 *
 * @param line one line, without its newline
 * @returns what it says
 */
export function parseSrunLine(line: string): SrunLine {
  if (line.startsWith("srun: ")) {
    let m = /^srun: launching StepId=(\d+)\.(\d+) on host (\S+?),/.exec(line);
    if (m !== null) return { kind: "launching", jobId: m[1]!, stepId: m[2]!, node: m[3]! };
    m = /_task_start: Node (\S+?), \d+ tasks started/.exec(line);
    if (m !== null) return { kind: "started", node: m[1]! };
    m =
      /_task_finish: Received task exit notification for \d+ tasks? of StepId=\S+ \(status=0x([0-9a-fA-F]+)\)/
        .exec(line);
    if (m !== null) return { kind: "finished", status: parseInt(m[1]!, 16) };
    m = /^srun: error: (.*)$/.exec(line);
    if (m !== null) {
      const failed = /^Node failure on (\S+)/.exec(m[1]!);
      return { kind: "error", message: m[1]!, nodeFailure: failed?.[1] };
    }
    return { kind: "info" };
  }
  const stepd = /^slurmstepd(?:-\S+)?: error: (.*)$/.exec(line);
  if (stepd !== null) return { kind: "error", message: stepd[1]!, nodeFailure: undefined };
  return { kind: "output" };
}

/** Signal names by number (Linux), for {@link signalName}. */
const SIGNALS: Readonly<Record<number, string>> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  10: "SIGUSR1",
  11: "SIGSEGV",
  12: "SIGUSR2",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
};

/**
 * The name of a signal number (`9` → `"SIGKILL"`), or `"SIG<n>"`.
 *
 * @param signal the number
 * @returns its name
 */
export function signalName(signal: number): string {
  return SIGNALS[signal] ?? `SIG${signal}`;
}
