/**
 * Durable runs in the engine (internal): the journal's dispatch step (keys,
 * lookups, hits) and the recording of outcomes. The engine owns the order:
 * the records of a flush are committed in one transaction before the futures
 * of that flush settle (see `Engine#to` and the end of `Engine#flush`).
 *
 * @module
 */
import { join } from "node:path";
import {
  DependencyRef,
  type Hit,
  Journal,
  type KeyDefinition,
  keyDefinition,
  type KeyResult,
  type Producer,
  type RecordKind,
  type RecordState,
  type StoredOutput,
  taskKey,
} from "./journal/mod.ts";
import { TaskFuture } from "./future.ts";
import { isFinalPhase, Phase, type Task, type TaskDef } from "./_task.ts";

/** What the journal step needs of the engine. */
export interface DurableHost {
  /** Completes a prepared task without running it. */
  complete(t: Task, value: unknown, more: { cached: true; key: string }): void;
  /** Hands a held task on to the next dispatch step. */
  pass(t: Task, step: unknown): void;
  /** Emits `TaskCached`. */
  emitFor(type: "TaskCached", t: Task, more: { cached: true; key: string }): void;
  /** The engine's uid. */
  readonly uid: string;
}

const STEP_PASS = 0;
const STEP_TAKEN = 1;

/** An outcome waiting for its record (outputs being copied into the store). */
type Pending = Promise<void>;

/**
 * The journal of one engine: its run, the per-definition key parts, the
 * dispatch step, and the recording of outcomes.
 */
export class Durable {
  readonly journal: Journal;
  readonly run: number;
  readonly #host: DurableHost;
  readonly #defs = new WeakMap<TaskDef, KeyDefinition>();
  /** Records being prepared (outputs copied) before they can be staged. */
  readonly #copying = new Set<Pending>();
  /** The first write error: the engine shuts down with it. */
  error: unknown = undefined;
  cached = 0;

  constructor(journal: Journal, run: number, host: DurableHost) {
    this.journal = journal;
    this.run = run;
    this.#host = host;
  }

  /**
   * Opens `path` and begins a run; both failures name the path (a missing
   * directory, a file that is not a journal, a read-only disk).
   */
  static open(path: string | URL, host: DurableHost): Durable {
    const journal = Journal.open(path);
    let run: number;
    try {
      run = journal.beginRun(host.uid);
    } catch (e) {
      journal.close();
      throw e;
    }
    return new Durable(journal, run, host);
  }

  /** Whether tasks of this definition get keys (blocks never). */
  keyed(def: TaskDef): boolean {
    return def.kind.onBackend;
  }

  /** The journal step (the first of the dispatch stage). */
  readonly step = {
    admit: (t: Task): 0 | 1 | Promise<0 | 1> => {
      let r: KeyResult | Promise<KeyResult>;
      try {
        r = this.#key(t);
      } catch {
        // a key that cannot be computed (arguments nested too deep…): run uncached
        return STEP_PASS;
      }
      if (r instanceof Promise) {
        return r.then((k) => this.#lookup(t, k), () => STEP_PASS as 0);
      }
      return this.#lookup(t, r);
    },
  };

  #key(t: Task): KeyResult | Promise<KeyResult> {
    const def = t.def;
    let kd = this.#defs.get(def);
    if (kd === undefined) {
      const opts = def.opts;
      kd = keyDefinition({
        kind: def.kind.name as "function" | "executable" | "prompt",
        fn: def.fn,
        module: opts.module,
        env: opts.env,
        cwd: opts.cwd,
        prompt: opts.prompt === undefined ? undefined : {
          model: opts.prompt.model,
          temperature: opts.prompt.temperature,
          maxTokens: opts.prompt.maxTokens,
        },
      });
      this.#defs.set(def, kd);
    }
    const x = t.x;
    const prep = x?.prep;
    let producers: Map<string, Producer> | undefined;
    for (const d of (x?.depFutures ?? []) as Task[]) {
      const dx = d.x;
      if (dx?.outputs === undefined || dx.sandbox === undefined) continue;
      for (const name of dx.outputs) {
        (producers ??= new Map()).set(
          name,
          dx.key !== undefined && d.def.opts.cache !== false
            ? { key: dx.key }
            : { path: join(dx.sandbox, name) },
        );
      }
    }
    const values = x?.rawValues;
    return taskKey(kd, {
      args: x?.raw ?? t.args,
      resolve: (v: object) => {
        if (v instanceof TaskFuture) {
          const d = v as Task;
          if (d.def?.engine === t.def.engine) {
            const k = d.x?.key;
            return k !== undefined && d.def.opts.cache !== false
              ? new DependencyRef(k, d.name)
              : d.o;
          }
        }
        return values?.get(v);
      },
      command: prep?.command as string | readonly string[] | undefined,
      messages: prep?.messages as { role: string; content: string }[] | undefined,
      producers,
      deep: def.opts.cache === "deep",
    });
  }

  #lookup(t: Task, k: KeyResult): 0 | 1 {
    const x = t.extra;
    x.key = k.key;
    x.parts = k.parts;
    x.raw = undefined;
    x.rawValues = undefined;
    if (t.def.opts.cache === false) return STEP_PASS;
    // looked up together: one query for the tasks that became ready together, at the
    // end of the engine's pass over its ready list (drain), or in a microtask when the
    // step ran outside a flush
    this.#batch.push(t);
    if (this.#batch.length === 1) queueMicrotask(this.drain);
    return STEP_TAKEN;
  }

  readonly #batch: Task[] = [];

  /** Tasks waiting for their lookup. */
  get waiting(): number {
    return this.#batch.length;
  }

  /** Looks the waiting tasks up: hits complete, misses go on. */
  readonly drain = (): void => {
    if (this.#batch.length === 0) return;
    const tasks = this.#batch.splice(0);
    let hits: (Hit | undefined)[];
    try {
      hits = this.journal.lookupMany(tasks.map((t) => t.x!.key!));
    } catch {
      hits = []; // a read that fails: run them (the write path reports disk trouble)
    }
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      if (t.ph !== Phase.PREPARING) continue;
      const hit = hits[i];
      if (hit === undefined) {
        this.#host.pass(t, this.step);
        continue;
      }
      const outputs = hit.outputs;
      const sandbox = t.x?.sandbox;
      if (outputs !== undefined && outputs.length !== 0 && sandbox !== undefined) {
        this.journal.restoreOutputs(outputs, sandbox).then(
          () => this.#hit(t, hit),
          () => {
            // the stored files are gone: run it
            if (t.ph === Phase.PREPARING) this.#host.pass(t, this.step);
          },
        );
      } else this.#hit(t, hit);
    }
  };

  #hit(t: Task, hit: Hit): 0 | 1 {
    if (t.ph !== Phase.PREPARING) return STEP_TAKEN;
    const x = t.extra;
    x.cached = true;
    x.source = hit.id;
    const more = { cached: true as const, key: x.key! };
    this.#host.emitFor("TaskCached", t, more);
    this.#host.complete(t, hit.value, more);
    return STEP_TAKEN;
  }

  /**
   * Whether the outcome of `t` is recorded (so its future settles after the
   * commit): tasks with a key, and failed ones (for inspection).
   */
  records(t: Task, ph: Phase): boolean {
    return t.x?.key !== undefined || (ph === Phase.FAILED && this.keyed(t.def));
  }

  /**
   * Stages the outcome of `t` (now final). Returns a promise when its
   * outputs must be copied into the store first (stage after that, then the
   * next commit), else undefined (staged now).
   */
  record(t: Task, ph: Phase, v: unknown, time: number): Promise<void> | undefined {
    if (!isFinalPhase(ph)) return undefined;
    const x = t.x;
    const state: RecordState = ph === Phase.DONE
      ? "DONE"
      : ph === Phase.FAILED
      ? "FAILED"
      : "CANCELLED";
    const kind = t.def.kind.name as RecordKind;
    if (state !== "DONE") {
      this.#stage({
        key: x?.key,
        parts: x?.parts,
        uid: t.uid,
        name: t.name,
        kind,
        state,
        error: v,
        time,
      });
      return undefined;
    }
    if (x?.cached === true) {
      this.cached++;
      this.#stage({
        key: x.key,
        parts: x.parts,
        uid: t.uid,
        name: t.name,
        kind,
        state,
        cached: true,
        source: x.source,
        time,
      });
      return undefined;
    }
    const names = x?.outputs;
    if (names === undefined || names.length === 0 || x?.sandbox === undefined) {
      this.#stage({
        key: x?.key,
        parts: x?.parts,
        uid: t.uid,
        name: t.name,
        kind,
        state,
        value: v,
        time,
      });
      return undefined;
    }
    const sandbox = x.sandbox;
    const base = { key: x.key, parts: x.parts, uid: t.uid, name: t.name, kind, state, time };
    const p = this.journal.storeOutputs(names.map((name) => ({ name, path: join(sandbox, name) })))
      .then((stored: StoredOutput[] | undefined) => {
        if (stored === undefined) {
          this.#stage({ ...base, value: v, noValue: "an OutputFile was missing after the run" });
        } else this.#stage({ ...base, value: v, outputs: stored });
      }, (e) => {
        this.error ??= e;
      });
    const tracked: Pending = p.finally(() => this.#copying.delete(tracked));
    this.#copying.add(tracked);
    return tracked;
  }

  #stage(record: Parameters<Journal["stage"]>[1]): void {
    try {
      this.journal.stage(this.run, record);
    } catch (e) {
      this.error ??= e;
    }
  }

  /** Commits what is staged (one transaction); throws the write error. */
  commit(): void {
    if (this.error !== undefined) throw this.error;
    if (this.journal.staged === 0) return;
    try {
      this.journal.commit();
    } catch (e) {
      this.error ??= e;
      throw e;
    }
  }

  /** Ends the run: waits for copies, commits, records the counts, closes. */
  async close(counts: { done: number; failed: number; cancelled: number }): Promise<void> {
    await Promise.allSettled([...this.#copying]);
    try {
      if (this.error === undefined && this.journal.staged !== 0) this.journal.commit();
      this.journal.endRun(this.run, { ...counts, cached: this.cached });
    } finally {
      this.journal.close();
    }
    if (this.error !== undefined) throw this.error;
  }
}
