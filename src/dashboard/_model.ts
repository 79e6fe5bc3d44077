/**
 * The dashboard's state (internal): {@link FlowEvent}s folded into aggregates
 * whose size does not grow with the number of tasks.
 *
 * What it keeps, and its bound:
 *
 * | part | bound |
 * | --- | --- |
 * | a record per task that is not final (state, group, backend) | the live tasks (the engine holds them too) |
 * | a Gantt row per task or block, in creation order | `maxRows`; later tasks are only counted in their group |
 * | a group per workflow scope or block (counts, activity per time bucket) | `maxGroups`, then one "other workflows" group |
 * | time buckets (finished, failed, started, busy task-ms) | {@link BUCKETS}: their width doubles as the run grows |
 * | failures with their serialised error | `maxFailures` (a quarter of them for dependency failures) |
 * | custom events (`flow.emit`) | the last `maxMarks` |
 * | backends | {@link MAX_BACKENDS} names |
 * | named limits (`limit` option) | {@link MAX_LIMITS} names, {@link MAX_TASK_LIMITS} per task |
 *
 * {@link DashboardModel.full} gives all of it as one JSON-ready object (the
 * page's first message, and the snapshot a late client of `events` gets);
 * {@link DashboardModel.delta} gives what changed since the last delta.
 * Times in both are milliseconds since the first event, to 0.1 ms.
 *
 * @module
 */
import type { FlowEvent } from "../events.ts";
import { type SerializedError, serializeError } from "../event_log.ts";
import { errorText } from "../_gantt.ts";
import { capText, safeString } from "../_text.ts";

/** How many time buckets the throughput and activity series hold at most. */
export const BUCKETS = 120;
/** The first bucket width (ms); it doubles each time the run outgrows the buckets. */
export const FIRST_BUCKET_MS = 100;
/** Most backend names tracked one by one (more are counted under "(other)"). */
export const MAX_BACKENDS = 64;
/** Most limit names tracked one by one (more are counted under "(other)"). */
export const MAX_LIMITS = 64;
/** Most limit names of one task counted (the rest of its list is ignored). */
export const MAX_TASK_LIMITS = 16;
/** Most characters of a serialised error kept for a failure. */
export const MAX_ERROR_JSON = 16_384;
/** Most characters of a custom event's `attrs` (as JSON) kept. */
export const MAX_ATTRS_JSON = 2_000;
/** Most dependency uids kept for a drawn row. */
export const MAX_DEPS = 32;

/** Task states as the page knows them (`S_*`; the order matters: final ones last). */
export const S_CREATED = 0;
/** Dependencies done, being prepared or waiting for a limit. */
export const S_READY = 1;
/** Handed to its backend, not started. */
export const S_SUBMITTED = 2;
/** Started. */
export const S_RUNNING = 3;
/** Waiting for its next attempt. */
export const S_RETRYING = 4;
/** Completed. */
export const S_DONE = 5;
/** Failed. */
export const S_FAILED = 6;
/** Cancelled. */
export const S_CANCELLED = 7;

/** Bounds of a {@link DashboardModel}. */
export interface ModelLimits {
  /** Most Gantt rows (tasks and blocks drawn one by one). */
  maxRows: number;
  /** Most workflow groups (scopes and blocks). */
  maxGroups: number;
  /** Most failures kept with their error. */
  maxFailures: number;
  /** Most recent custom events kept. */
  maxMarks: number;
}

interface Backend {
  name: string;
  waiting: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
}

/**
 * A named limit's tasks: `waiting` ones are ready and not yet admitted (the
 * engine submits a task once it holds a unit of each of its limits), `held`
 * ones hold a unit (submitted, running or between attempts), `running` ones
 * (a part of `held`) run now.
 */
interface Limit {
  name: string;
  waiting: number;
  held: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
}

interface Group {
  i: number;
  id: string;
  label: string;
  kind: "scope" | "block" | "none" | "other";
  parent: number;
  n: number;
  blocks: number;
  done: number;
  failed: number;
  cancelled: number;
  cached: number;
  running: number;
  waiting: number;
  drawn: number;
  first: number;
  last: number;
  /** Busy task-milliseconds per bucket. */
  dens: Float64Array;
  /** Tasks of the group running now, and since when that count holds. */
  run: number;
  mark: number;
}

interface Row {
  i: number;
  uid: string;
  name: string;
  block: boolean;
  g: number;
  be: string | undefined;
  c: number | undefined;
  r: number | undefined;
  u: number | undefined;
  s: number | undefined;
  e: number | undefined;
  st: number;
  at: number;
  rt: number;
  ca: boolean;
  err: string | undefined;
  deps: string[] | undefined;
  lim: string[] | undefined;
  pr: number;
}

interface Rec {
  st: number;
  g: Group;
  be: Backend | undefined;
  lims: Limit[] | undefined;
  row: Row | undefined;
  name: string;
  block: boolean;
  cached: boolean;
  attempts: number;
}

/** A failure as the page shows it. */
export interface FailureJson {
  uid: string;
  name: string;
  workflowId: string | null;
  backend: string | null;
  /** ms since the first event */
  t: number;
  attempts: number;
  /** A failure because a dependency failed (not the task's own error). */
  dep: boolean;
  error: SerializedError;
}

/** A custom event as the page shows it. */
export interface MarkJson {
  seq: number;
  type: string;
  t: number;
  workflowId: string | null;
  /** `attrs` as JSON, cut to {@link MAX_ATTRS_JSON} characters. */
  attrs: string;
}

/** Whether a task in state `s` waits for a backend (ready, submitted, between attempts). */
function isWaiting(s: number): boolean {
  return s === S_READY || s === S_SUBMITTED || s === S_RETRYING;
}

/** Whether a task with limits in state `s` holds a unit of each (admitted, not final). */
function holds(s: number): boolean {
  return s === S_SUBMITTED || s === S_RUNNING || s === S_RETRYING;
}

/** A task's limit names from its `TaskCreated` (deduplicated, at most {@link MAX_TASK_LIMITS}). */
function limitNames(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: string[] = [];
  for (const x of v) {
    if (typeof x !== "string" || out.includes(x)) continue;
    out.push(x);
    if (out.length === MAX_TASK_LIMITS) break;
  }
  return out.length === 0 ? undefined : out;
}

/** The error of an event as plain JSON data of bounded size. */
export function plainError(e: unknown): SerializedError {
  let out: SerializedError;
  if (typeof e === "object" && e !== null && !(e instanceof Error)) {
    // already plain (read from a log): keep its JSON fields
    let copy: Record<string, unknown> | undefined;
    try {
      const json = JSON.stringify(e);
      if (json !== undefined && json.length <= MAX_ERROR_JSON) copy = JSON.parse(json);
    } catch {
      copy = undefined;
    }
    const o = (copy ?? {}) as Record<string, unknown>;
    out = {
      ...o,
      name: typeof o.name === "string" ? o.name : "Error",
      message: typeof o.message === "string" ? o.message : capText(safeString(e)),
    };
  } else out = serializeError(e);
  let size = 0;
  try {
    size = JSON.stringify(out).length;
  } catch {
    size = Infinity;
  }
  if (size <= MAX_ERROR_JSON) return out;
  const small: SerializedError = {
    name: capText(out.name, 200),
    message: capText(out.message, 4000),
  };
  if (typeof out.stack === "string") small.stack = capText(out.stack, 8000);
  const cause = out.cause as { name?: unknown; message?: unknown } | undefined;
  if (typeof cause === "object" && cause !== null) {
    small.cause = {
      name: capText(String(cause.name ?? "Error"), 200),
      message: capText(String(cause.message ?? ""), 2000),
    };
  }
  return small;
}

/** `ms` since `t0`, to 0.1 ms (or `undefined`). */
function rel(t: number | undefined, t0: number): number | undefined {
  return t === undefined ? undefined : Math.round((t - t0) * 10) / 10;
}

/** The folded state of a run; see the module doc for what it keeps. */
export class DashboardModel {
  readonly limits: ModelLimits;
  #t0: number | undefined;
  #last = 0;
  #events = 0;
  #tasks = 0;
  #blocks = 0;
  #cached = 0;
  #retries = 0;
  #promptTokens = 0;
  #completionTokens = 0;
  /** Tasks by state code. */
  #tally = new Float64Array(8);
  #live = new Map<string, Rec>();
  #rows: Row[] = [];
  #rowByUid = new Map<string, Row>();
  #groups: Group[] = [];
  #groupById = new Map<string, Group>();
  #other: Group | undefined;
  #backends: Backend[] = [];
  #backendByName = new Map<string, Backend>();
  #limitsList: Limit[] = [];
  #limitByName = new Map<string, Limit>();
  /** Tasks with limits that are ready and not admitted yet. */
  #limitWaiting = 0;
  // time buckets
  #w = FIRST_BUCKET_MS;
  #done = new Float64Array(BUCKETS);
  #failed = new Float64Array(BUCKETS);
  #cancelled = new Float64Array(BUCKETS);
  #started = new Float64Array(BUCKETS);
  #busy = new Float64Array(BUCKETS);
  #run = 0;
  #runMark = 0;
  // failures and custom events
  #failures: FailureJson[] = [];
  #ownFailures = 0;
  #depFailures = 0;
  #failuresTotal = 0;
  #depFailuresTotal = 0;
  #marks: MarkJson[] = [];
  #marksTotal = 0;
  #markTypes = new Map<string, number>();
  // what changed since the last delta
  #dirtyRows = new Set<Row>();
  #dirtyGroups = new Set<Group>();
  #dirtyBackends = false;
  #dirtyLimits = false;
  #dirtyBuckets = false;
  #changed = false;
  #sentFailures = 0;
  #sentMarks = 0;

  constructor(limits: ModelLimits) {
    this.limits = limits;
  }

  /** Events folded so far. */
  get events(): number {
    return this.#events;
  }

  /** Tasks and blocks that started and are not final. */
  get running(): number {
    return this.#tally[S_RUNNING]!;
  }

  /** Tasks and blocks that are not final. */
  get unfinished(): number {
    return this.#live.size;
  }

  /** Time of the last event (ms since the epoch; 0 before any). */
  get last(): number {
    return this.#last;
  }

  /** Whether something changed since the last {@link DashboardModel.delta}. */
  get changed(): boolean {
    return this.#changed;
  }

  /**
   * Fold one event in. Never throws for a malformed event (it is skipped);
   * events for a task that is already final are ignored.
   */
  ingest(ev: FlowEvent): void {
    const time = ev?.time;
    if (typeof time !== "number" || !Number.isFinite(time) || typeof ev.type !== "string") return;
    if (this.#t0 === undefined) {
      this.#t0 = time;
      this.#runMark = time;
    }
    const t = Math.max(time, this.#t0);
    if (t > this.#last) this.#last = t;
    this.#events++;
    this.#changed = true;
    this.#fit(t);
    if (ev.type.includes(".")) {
      this.#custom(ev, t);
      return;
    }
    const uid = ev.uid;
    if (typeof uid !== "string") return;
    let rec = this.#live.get(uid);
    if (rec === undefined) {
      const row = this.#rowByUid.get(uid);
      if (row !== undefined && row.st >= S_DONE) return;
      rec = this.#add(ev, uid, t);
    }
    const row = rec.row;
    if (typeof ev.name === "string" && ev.name !== rec.name) {
      // renamed once prepared (an executable without a name: its program's)
      rec.name = ev.name;
      if (row !== undefined) {
        row.name = ev.name;
        this.#dirtyRows.add(row);
      }
    }
    switch (ev.type) {
      case "TaskCreated":
        if (rec.st === S_CREATED && rec.lims === undefined && !rec.block) {
          const names = limitNames(ev.limits);
          if (names !== undefined) {
            rec.lims = names.map((n) => this.#limit(n));
            if (row !== undefined) row.lim = names.map((n) => capText(n, 200));
          }
        }
        if (row !== undefined) {
          row.c ??= t;
          const deps = ev.deps;
          if (Array.isArray(deps) && deps.length !== 0) {
            row.deps = deps.slice(0, MAX_DEPS).map((d) => capText(String(d), 200));
          }
          if (typeof ev.priority === "number" && Number.isFinite(ev.priority)) {
            row.pr = ev.priority;
          }
        }
        break;
      case "TaskReady":
        if (row !== undefined) row.r ??= t;
        this.#move(rec, S_READY, t);
        break;
      case "TaskSubmitted":
        if (row !== undefined) row.u ??= t;
        this.#move(rec, S_SUBMITTED, t);
        break;
      case "TaskStarted":
        rec.attempts++;
        if (row !== undefined) {
          row.s ??= t;
          row.at = rec.attempts;
        }
        this.#move(rec, S_RUNNING, t);
        this.#started[this.#bucket(t)]!++;
        break;
      case "TaskRetrying":
        this.#retries++;
        if (row !== undefined) row.rt++;
        this.#move(rec, S_RETRYING, t);
        break;
      case "TaskCached":
        this.#markCached(rec);
        break;
      case "TaskCompleted": {
        if (ev.cached === true) this.#markCached(rec);
        const usage = ev.usage;
        if (typeof usage === "object" && usage !== null) {
          if (Number.isFinite(usage.promptTokens)) this.#promptTokens += usage.promptTokens;
          if (Number.isFinite(usage.completionTokens)) {
            this.#completionTokens += usage.completionTokens;
          }
        }
        this.#final(rec, uid, S_DONE, t);
        break;
      }
      case "TaskFailed":
        if (row !== undefined) row.err = capText(errorText(ev.error) ?? "failed", 300);
        this.#failure(ev, uid, rec, t);
        this.#final(rec, uid, S_FAILED, t);
        break;
      case "TaskCancelled":
        if (row !== undefined) row.err = capText(errorText(ev.error) ?? "cancelled", 300);
        this.#final(rec, uid, S_CANCELLED, t);
        break;
      default:
        break;
    }
  }

  #add(ev: FlowEvent, uid: string, t: number): Rec {
    const block = uid.startsWith("block.");
    const g = this.#group(typeof ev.workflowId === "string" ? ev.workflowId : "", t);
    const name = typeof ev.name === "string" ? ev.name : "?";
    const rec: Rec = {
      st: S_CREATED,
      g,
      be: !block && typeof ev.backend === "string" ? this.#backend(ev.backend) : undefined,
      lims: undefined,
      row: undefined,
      name,
      block,
      cached: false,
      attempts: 0,
    };
    this.#live.set(uid, rec);
    this.#tally[S_CREATED]!++;
    if (block) {
      this.#blocks++;
      g.blocks++;
    } else this.#tasks++;
    g.n++;
    if (t > g.last) g.last = t;
    this.#dirtyGroups.add(g);
    if (this.#rows.length < this.limits.maxRows) {
      const row: Row = {
        i: this.#rows.length,
        uid,
        name,
        block,
        g: g.i,
        be: typeof ev.backend === "string" ? ev.backend : undefined,
        c: undefined,
        r: undefined,
        u: undefined,
        s: undefined,
        e: undefined,
        st: S_CREATED,
        at: 0,
        rt: 0,
        ca: false,
        err: undefined,
        deps: undefined,
        lim: undefined,
        pr: 0,
      };
      this.#rows.push(row);
      this.#rowByUid.set(uid, row);
      rec.row = row;
      g.drawn++;
      this.#dirtyRows.add(row);
    }
    return rec;
  }

  #group(id: string, t: number): Group {
    const known = this.#groupById.get(id);
    if (known !== undefined) return known;
    if (this.#groupById.size >= this.limits.maxGroups) {
      return this.#other ??= this.#newGroup("\u0000other", "other workflows", "other", -1, t);
    }
    const block = id.startsWith("block.") ? this.#live.get(id) : undefined;
    const g = block !== undefined && block.block
      ? this.#newGroup(id, block.name, "block", block.g.i, t)
      : this.#newGroup(
        id,
        id === "" ? "outside any workflow" : id,
        id === "" ? "none" : "scope",
        -1,
        t,
      );
    this.#groupById.set(id, g);
    return g;
  }

  #newGroup(id: string, label: string, kind: Group["kind"], parent: number, t: number): Group {
    const g: Group = {
      i: this.#groups.length,
      id,
      label,
      kind,
      parent,
      n: 0,
      blocks: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
      cached: 0,
      running: 0,
      waiting: 0,
      drawn: 0,
      first: t,
      last: t,
      dens: new Float64Array(BUCKETS),
      run: 0,
      mark: t,
    };
    this.#groups.push(g);
    return g;
  }

  #backend(name: string): Backend {
    let b = this.#backendByName.get(name);
    if (b !== undefined) return b;
    if (this.#backends.length >= MAX_BACKENDS) name = "(other)";
    b = this.#backendByName.get(name);
    if (b !== undefined) return b;
    b = { name: capText(name, 200), waiting: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
    this.#backends.push(b);
    this.#backendByName.set(name, b);
    return b;
  }

  #limit(name: string): Limit {
    let l = this.#limitByName.get(name);
    if (l !== undefined) return l;
    if (this.#limitsList.length >= MAX_LIMITS) name = "(other)";
    l = this.#limitByName.get(name);
    if (l !== undefined) return l;
    l = {
      name: capText(name, 200),
      waiting: 0,
      held: 0,
      running: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
    };
    this.#limitsList.push(l);
    this.#limitByName.set(name, l);
    this.#dirtyLimits = true;
    return l;
  }

  /** Moves a task with limits from state `prev` to `st` in its limits' counts. */
  #moveLimits(lims: Limit[], prev: number, st: number): void {
    const d = (s: number, k: number) => {
      if (s === S_READY) this.#limitWaiting += k;
      for (const l of lims) {
        if (s === S_READY) l.waiting += k;
        else if (holds(s)) {
          l.held += k;
          if (s === S_RUNNING) l.running += k;
        }
      }
    };
    d(prev, -1);
    d(st, 1);
    this.#dirtyLimits = true;
  }

  #markCached(rec: Rec): void {
    if (rec.cached) return;
    rec.cached = true;
    this.#cached++;
    rec.g.cached++;
    this.#dirtyGroups.add(rec.g);
    if (rec.row !== undefined) {
      rec.row.ca = true;
      this.#dirtyRows.add(rec.row);
    }
  }

  /** Moves a task to state `st` at `t`, with the counts of its group and backend. */
  #move(rec: Rec, st: number, t: number): void {
    const prev = rec.st;
    if (prev === st || prev >= S_DONE) return;
    rec.st = st;
    this.#tally[prev]!--;
    this.#tally[st]!++;
    if (rec.lims !== undefined) this.#moveLimits(rec.lims, prev, st);
    const g = rec.g;
    const be = rec.be;
    if (isWaiting(prev)) {
      g.waiting--;
      if (be !== undefined) be.waiting--;
    } else if (prev === S_RUNNING) {
      this.#runDelta(g, -1, t);
      if (be !== undefined) be.running--;
    }
    if (isWaiting(st)) {
      g.waiting++;
      if (be !== undefined) be.waiting++;
    } else if (st === S_RUNNING) {
      this.#runDelta(g, 1, t);
      if (be !== undefined) be.running++;
    }
    if (t > g.last) g.last = t;
    this.#dirtyGroups.add(g);
    if (be !== undefined) this.#dirtyBackends = true;
    this.#dirtyBuckets = true;
    if (rec.row !== undefined) {
      rec.row.st = st;
      this.#dirtyRows.add(rec.row);
    }
  }

  #final(rec: Rec, uid: string, st: number, t: number): void {
    if (rec.st >= S_DONE) return;
    this.#move(rec, st, t);
    this.#live.delete(uid);
    const g = rec.g;
    const be = rec.be;
    const b = this.#bucket(t);
    const lims = rec.lims ?? [];
    if (st === S_DONE) {
      g.done++;
      if (be !== undefined) be.done++;
      for (const l of lims) l.done++;
      this.#done[b]!++;
    } else if (st === S_FAILED) {
      g.failed++;
      if (be !== undefined) be.failed++;
      for (const l of lims) l.failed++;
      this.#failed[b]!++;
    } else {
      g.cancelled++;
      if (be !== undefined) be.cancelled++;
      for (const l of lims) l.cancelled++;
      this.#cancelled[b]!++;
    }
    if (rec.row !== undefined) rec.row.e = t;
  }

  #failure(ev: FlowEvent, uid: string, rec: Rec, t: number): void {
    this.#failuresTotal++;
    const error = ev.error;
    const name = typeof error === "object" && error !== null
      ? (error as { name?: unknown }).name
      : undefined;
    const dep = name === "DependencyFailureError";
    if (dep) this.#depFailuresTotal++;
    // a cascade of dependency failures must not crowd out the errors that caused it
    const depQuota = Math.floor(this.limits.maxFailures / 4);
    if (
      dep ? this.#depFailures >= depQuota : this.#ownFailures >= this.limits.maxFailures - depQuota
    ) {
      return;
    }
    if (dep) this.#depFailures++;
    else this.#ownFailures++;
    this.#failures.push({
      uid,
      name: rec.name,
      workflowId: typeof ev.workflowId === "string" ? ev.workflowId : null,
      backend: typeof ev.backend === "string" ? ev.backend : null,
      t: rel(t, this.#t0!)!,
      attempts: rec.attempts,
      dep,
      error: plainError(error),
    });
  }

  #custom(ev: FlowEvent, t: number): void {
    this.#marksTotal++;
    const type = capText(ev.type, 200);
    const known = this.#markTypes.get(type);
    if (known !== undefined) this.#markTypes.set(type, known + 1);
    else if (this.#markTypes.size < 50) this.#markTypes.set(type, 1);
    else this.#markTypes.set("(other)", (this.#markTypes.get("(other)") ?? 0) + 1);
    let attrs: string;
    try {
      attrs = JSON.stringify(ev.attrs ?? {}, jsonValue) ?? "{}";
    } catch {
      attrs = '"(attrs are not JSON)"';
    }
    this.#marks.push({
      seq: this.#marksTotal,
      type,
      t: rel(t, this.#t0!)!,
      workflowId: typeof ev.workflowId === "string" ? ev.workflowId : null,
      attrs: capText(attrs, MAX_ATTRS_JSON),
    });
    if (this.#marks.length > this.limits.maxMarks) {
      this.#marks.splice(0, this.#marks.length - this.limits.maxMarks);
    }
  }

  // ---------------------------------------------------------------- time buckets

  #bucket(t: number): number {
    return Math.min(BUCKETS - 1, Math.max(0, Math.floor((t - this.#t0!) / this.#w)));
  }

  /** Coarsen the buckets (double their width) until `t` falls in one. */
  #fit(t: number): void {
    while (t - this.#t0! >= BUCKETS * this.#w) {
      this.#w *= 2;
      for (const a of [this.#done, this.#failed, this.#cancelled, this.#started, this.#busy]) {
        halve(a);
      }
      for (const g of this.#groups) halve(g.dens);
      this.#dirtyBuckets = true;
      for (const g of this.#groups) this.#dirtyGroups.add(g);
    }
  }

  /** Add `k` running tasks over [a, b] to the busy time of `arr`'s buckets. */
  #spread(arr: Float64Array, a: number, b: number, k: number): void {
    if (k === 0 || !(b > a)) return;
    const t0 = this.#t0!;
    const w = this.#w;
    let i = this.#bucket(a);
    const last = this.#bucket(b);
    while (i <= last) {
      const lo = Math.max(a, t0 + i * w);
      const hi = i === last ? b : Math.min(b, t0 + (i + 1) * w);
      if (hi > lo) arr[i]! += k * (hi - lo);
      i++;
    }
  }

  #runDelta(g: Group, d: number, t: number): void {
    if (t > g.mark) {
      this.#spread(g.dens, g.mark, t, g.run);
      g.mark = t;
    }
    g.run += d;
    g.running += d;
    if (t > this.#runMark) {
      this.#spread(this.#busy, this.#runMark, t, this.#run);
      this.#runMark = t;
    }
    this.#run += d;
  }

  /** Count the running tasks' busy time up to `now`. */
  #settle(now: number): void {
    if (this.#t0 === undefined || !(now > this.#t0)) return;
    this.#fit(now);
    if (this.#run > 0 && now > this.#runMark) {
      this.#spread(this.#busy, this.#runMark, now, this.#run);
      this.#runMark = now;
      this.#dirtyBuckets = true;
    }
    const settleGroup = (g: Group) => {
      if (g.run > 0 && now > g.mark) {
        this.#spread(g.dens, g.mark, now, g.run);
        g.mark = now;
        this.#dirtyGroups.add(g);
      }
    };
    for (const g of this.#groups) settleGroup(g);
  }

  // ---------------------------------------------------------------- JSON

  #counts(): Record<string, number> {
    const s = this.#tally;
    return {
      tasks: this.#tasks,
      blocks: this.#blocks,
      pending: s[S_CREATED]! + s[S_READY]! + s[S_SUBMITTED]! + s[S_RETRYING]!,
      waiting: s[S_READY]! + s[S_SUBMITTED]! + s[S_RETRYING]!,
      waitingLimits: this.#limitWaiting,
      running: s[S_RUNNING]!,
      done: s[S_DONE]!,
      failed: s[S_FAILED]!,
      cancelled: s[S_CANCELLED]!,
      cached: this.#cached,
      retries: this.#retries,
      events: this.#events,
      marks: this.#marksTotal,
      failures: this.#failuresTotal,
      depFailures: this.#depFailuresTotal,
      promptTokens: this.#promptTokens,
      completionTokens: this.#completionTokens,
      rows: this.#rows.length,
      groups: this.#groups.length,
    };
  }

  #used(now: number): number {
    return this.#t0 === undefined ? 0 : this.#bucket(Math.max(now, this.#last)) + 1;
  }

  #bucketsJson(now: number): Record<string, unknown> {
    const n = this.#used(now);
    const take = (a: Float64Array) => Array.from(a.subarray(0, n), (v) => Math.round(v));
    return {
      w: this.#w,
      done: take(this.#done),
      failed: take(this.#failed),
      cancelled: take(this.#cancelled),
      started: take(this.#started),
      busy: take(this.#busy),
    };
  }

  #groupJson(g: Group, n: number): Record<string, unknown> {
    const t0 = this.#t0 ?? 0;
    return {
      i: g.i,
      id: g.id,
      label: capText(g.label, 300),
      kind: g.kind,
      parent: g.parent,
      n: g.n,
      blocks: g.blocks,
      done: g.done,
      failed: g.failed,
      cancelled: g.cancelled,
      cached: g.cached,
      running: g.running,
      waiting: g.waiting,
      drawn: g.drawn,
      first: rel(g.first, t0),
      last: rel(g.last, t0),
      dens: Array.from(g.dens.subarray(0, n), (v) => Math.round(v)),
    };
  }

  #rowJson(r: Row): Record<string, unknown> {
    const t0 = this.#t0 ?? 0;
    const o: Record<string, unknown> = {
      i: r.i,
      uid: r.uid,
      name: capText(r.name, 300),
      g: r.g,
      st: r.st,
    };
    if (r.block) o.block = 1;
    if (r.be !== undefined) o.be = r.be;
    if (r.c !== undefined) o.c = rel(r.c, t0);
    if (r.r !== undefined) o.r = rel(r.r, t0);
    if (r.u !== undefined) o.u = rel(r.u, t0);
    if (r.s !== undefined) o.s = rel(r.s, t0);
    if (r.e !== undefined) o.e = rel(r.e, t0);
    if (r.at !== 0) o.at = r.at;
    if (r.rt !== 0) o.rt = r.rt;
    if (r.ca) o.ca = 1;
    if (r.err !== undefined) o.err = r.err;
    if (r.deps !== undefined) o.deps = r.deps;
    if (r.lim !== undefined) o.lim = r.lim;
    if (r.pr !== 0) o.pr = r.pr;
    return o;
  }

  /**
   * Everything, as one JSON-ready object. It leaves the changes pending for
   * the next {@link DashboardModel.delta} (which may repeat some of it: rows
   * and groups are sent whole and replace what the page holds; failures and
   * custom events carry a uid or `seq` to skip those already seen).
   *
   * @param now the time the state is for (ms since the epoch); running tasks count up to it
   */
  full(now: number): Record<string, unknown> {
    this.#settle(now);
    const n = this.#used(now);
    // the dirty sets stay: other clients get them with the next delta
    return {
      t0: this.#t0 ?? null,
      now: rel(Math.max(now, this.#last), this.#t0 ?? now),
      limits: this.limits,
      counts: this.#counts(),
      backends: this.#backends.map((b) => ({ ...b })),
      namedLimits: this.#limitsList.map((l) => ({ ...l })),
      buckets: this.#bucketsJson(now),
      groups: this.#groups.map((g) => this.#groupJson(g, n)),
      rows: this.#rows.map((r) => this.#rowJson(r)),
      failures: this.#failures,
      marks: this.#marks,
      markTypes: Object.fromEntries(this.#markTypes),
    };
  }

  /**
   * What changed since the last delta (or {@link DashboardModel.full}), or
   * `undefined` when nothing did.
   *
   * @param now as for {@link DashboardModel.full}
   */
  delta(now: number): Record<string, unknown> | undefined {
    this.#settle(now);
    if (
      !this.#changed && this.#dirtyGroups.size === 0 && !this.#dirtyBuckets
    ) return undefined;
    const n = this.#used(now);
    const out: Record<string, unknown> = {
      t0: this.#t0 ?? null,
      now: rel(Math.max(now, this.#last), this.#t0 ?? now),
      counts: this.#counts(),
    };
    if (this.#dirtyBackends) out.backends = this.#backends.map((b) => ({ ...b }));
    if (this.#dirtyLimits) out.namedLimits = this.#limitsList.map((l) => ({ ...l }));
    if (this.#dirtyBuckets) out.buckets = this.#bucketsJson(now);
    if (this.#dirtyGroups.size !== 0) {
      out.groups = [...this.#dirtyGroups].map((g) => this.#groupJson(g, n));
    }
    if (this.#dirtyRows.size !== 0) out.rows = [...this.#dirtyRows].map((r) => this.#rowJson(r));
    if (this.#failures.length > this.#sentFailures) {
      out.failures = this.#failures.slice(this.#sentFailures);
    }
    const newMarks = this.#marks.filter((m) => m.seq > this.#sentMarks);
    if (newMarks.length !== 0) {
      out.marks = newMarks;
      out.markTypes = Object.fromEntries(this.#markTypes);
    }
    this.#clearDirty();
    return out;
  }

  #clearDirty(): void {
    this.#dirtyRows.clear();
    this.#dirtyGroups.clear();
    this.#dirtyBackends = false;
    this.#dirtyLimits = false;
    this.#dirtyBuckets = false;
    this.#changed = false;
    this.#sentFailures = this.#failures.length;
    this.#sentMarks = this.#marksTotal;
  }
}

/** Merge bucket pairs into the first half; zero the second. */
function halve(a: Float64Array): void {
  const h = a.length / 2;
  for (let j = 0; j < h; j++) a[j] = a[2 * j]! + a[2 * j + 1]!;
  a.fill(0, h);
}

/** JSON for what plain JSON refuses: BigInt as a string, Map as an object, Set as an array. */
export function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  return v;
}
