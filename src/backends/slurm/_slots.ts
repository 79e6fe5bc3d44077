/**
 * Slot accounting of a `SlurmBackend`: the free CPUs and GPUs of every node
 * of the allocation, and the queue of tasks waiting for them.
 *
 * A task starts only when its ranks fit (one node when they fit on one, best
 * fit; else spread over nodes in order); the rest wait in a queue ordered by
 * priority (higher first, then arrival) from which smaller tasks backfill.
 * With `oversubscribe: true` no slot is counted.
 *
 * @module
 */

import type { BackendTask, ResolvedResources } from "../../backend.ts";
import { BackendError } from "../../errors.ts";
import type { SlurmAllocation } from "./_allocation.ts";
import type { SlurmShared } from "./_shared.ts";
import type { Share, SlotNode } from "./_types.ts";

/** A queued task. */
interface Pending {
  readonly task: BackendTask;
  readonly priority: number;
  /** Set when the entry was started or cancelled. */
  gone: boolean;
}

/** What the scheduler calls back into. */
export interface SlotHooks {
  /** Starts `task` on `shares`, whose slots are already taken. */
  start(task: BackendTask, shares: Share[]): void;
  /** Stops what runs on `node`, which failed. */
  nodeLost(node: SlotNode): void;
}

/** The nodes' free slots and the queue of tasks waiting for them. */
export class SlotScheduler {
  readonly #shared: SlurmShared;
  readonly #allocation: SlurmAllocation;
  readonly #hooks: SlotHooks;
  #nodes: SlotNode[] = [];
  #queue: Pending[] = [];
  #queueHead = 0;
  readonly #pendingByTask = new Map<BackendTask, Pending>();
  #pumpQueued = false;
  #closed = false;

  /** A scheduler with no nodes yet. */
  constructor(shared: SlurmShared, allocation: SlurmAllocation, hooks: SlotHooks) {
    this.#shared = shared;
    this.#allocation = allocation;
    this.#hooks = hooks;
  }

  /** Whether {@link SlotScheduler.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Takes the allocation's nodes, all slots free; returns how many there are. */
  setNodes(nodes: readonly { name: string; cpus: number; gpus: number }[]): number {
    this.#nodes = nodes.map((n) => ({
      name: n.name,
      cpus: n.cpus,
      gpus: n.gpus,
      freeCpus: n.cpus,
      freeGpus: n.gpus,
      lost: false,
      agents: [],
    }));
    return this.#nodes.length;
  }

  /** The nodes not lost. */
  live(): SlotNode[] {
    return this.#nodes.filter((n) => !n.lost);
  }

  /** Why `r` can never fit the usable nodes, or undefined. */
  neverFits(r: ResolvedResources, lost: boolean): string | undefined {
    const live = this.live();
    const what = `allocation ${this.#allocation.jobId} (${
      live.map((n) => `${n.name}: ${n.cpus} CPUs${n.gpus > 0 ? `, ${n.gpus} GPUs` : ""}`).join(
        "; ",
      ) || "no nodes left"
    })${lost ? " after losing nodes" : ""}`;
    const maxCpus = Math.max(0, ...live.map((n) => n.cpus));
    if (r.coresPerRank > maxCpus) {
      return `it needs ${r.coresPerRank} cores per rank but the largest node of ${what} has ${maxCpus}`;
    }
    const maxGpus = Math.max(0, ...live.map((n) => n.gpus));
    if (r.gpusPerRank > maxGpus) {
      return `it needs ${r.gpusPerRank} GPUs per rank but the node with most GPUs of ${what} has ${maxGpus}`;
    }
    let ranks = 0;
    for (const n of live) {
      let k = Math.floor(n.cpus / r.coresPerRank);
      if (r.gpusPerRank > 0) k = Math.min(k, Math.floor(n.gpus / r.gpusPerRank));
      ranks += k;
    }
    if (r.ranks > ranks) {
      return `it needs ${r.ranks} ranks of ${r.coresPerRank} cores${
        r.gpusPerRank > 0 ? ` and ${r.gpusPerRank} GPUs` : ""
      } but ${what} holds at most ${ranks}`;
    }
    return undefined;
  }

  /**
   * Queues `task` behind the others of its priority (ahead of them with
   * `front`: a task sent back); {@link SlotScheduler.pump} starts what fits.
   */
  enqueue(task: BackendTask, front = false): void {
    const priority = task.priority ?? 0;
    const pending: Pending = { task, priority, gone: false };
    const q = this.#queue;
    const last = q[q.length - 1];
    if (
      !front && (last === undefined || q.length === this.#queueHead || last.priority >= priority)
    ) {
      q.push(pending); // the common case: equal priorities, arrival order
    } else {
      // before the first entry of lower priority (of lower or equal with `front`)
      let lo = this.#queueHead;
      let hi = q.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const p = q[mid]!.priority;
        if (p > priority || (!front && p === priority)) lo = mid + 1;
        else hi = mid;
      }
      q.splice(lo, 0, pending);
    }
    this.#pendingByTask.set(task, pending);
    this.pump();
  }

  /** Drops `task` from the queue; false when it is not queued. */
  dequeue(task: BackendTask): boolean {
    const pending = this.#pendingByTask.get(task);
    if (pending === undefined) return false;
    pending.gone = true;
    this.#pendingByTask.delete(task);
    return true;
  }

  /** Starts what fits, in a microtask (once for many calls). */
  pump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#drainQueue();
    });
  }

  /** Gives back the slots of `shares`. */
  free(shares: readonly Share[]): void {
    for (const s of shares) {
      s.node.freeCpus += s.cpus;
      s.node.freeGpus += s.gpus;
    }
  }

  /** A node failed: stop using it; fail queued tasks that can no longer fit. */
  nodeLost(name: string): void {
    const node = this.#nodes.find((n) => n.name === name);
    if (node === undefined || node.lost) return;
    node.lost = true;
    this.#hooks.nodeLost(node);
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      const p = this.#queue[i]!;
      if (p.gone) continue;
      const why = this.neverFits(p.task.resources, true);
      if (why === undefined) continue;
      p.gone = true;
      this.#pendingByTask.delete(p.task);
      this.#shared.host?.failed(
        p.task,
        new BackendError(
          this.#shared.name,
          `Cannot run task '${p.task.name}' on backend '${this.#shared.name}' as ${why}`,
        ),
      );
    }
  }

  /** Starts nothing more and reports every queued task as cancelled. */
  close(): void {
    this.#closed = true;
    const host = this.#shared.host;
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      const p = this.#queue[i]!;
      if (p.gone) continue;
      p.gone = true;
      host?.cancelled(p.task, "backend shut down");
    }
    this.#queue = [];
    this.#queueHead = 0;
    this.#pendingByTask.clear();
  }

  /** Chooses nodes for `task` among the free slots, or undefined. */
  #place(task: BackendTask): Share[] | undefined {
    if (this.#shared.options.oversubscribe) return [];
    const { ranks, coresPerRank, gpusPerRank } = task.resources;
    const cpus = ranks * coresPerRank;
    const gpus = ranks * gpusPerRank;
    let best: SlotNode | undefined;
    for (const n of this.#nodes) {
      if (n.lost || n.freeCpus < cpus || n.freeGpus < gpus) continue;
      if (best === undefined || n.freeCpus < best.freeCpus) best = n;
    }
    if (best !== undefined) return [{ node: best, cpus, gpus }];
    if (task.kind === "function" || ranks === 1) return undefined;
    const shares: Share[] = [];
    let left = ranks;
    for (const n of this.#nodes) {
      if (n.lost) continue;
      let k = Math.floor(n.freeCpus / coresPerRank);
      if (gpusPerRank > 0) k = Math.min(k, Math.floor(n.freeGpus / gpusPerRank));
      k = Math.min(k, left);
      if (k <= 0) continue;
      shares.push({ node: n, cpus: k * coresPerRank, gpus: k * gpusPerRank });
      left -= k;
      if (left === 0) return shares;
    }
    return undefined;
  }

  #drainQueue(): void {
    if (this.#closed) return;
    const q = this.#queue;
    // Smallest single-node request (cores, gpus) that did not fit in this pass:
    // any request at least as large on both counts cannot fit either.
    let failCpus = Infinity;
    let failGpus = Infinity;
    for (let i = this.#queueHead; i < q.length; i++) {
      const p = q[i]!;
      if (p.gone) {
        if (i === this.#queueHead) this.#queueHead++;
        continue;
      }
      const r = p.task.resources;
      const cpus = r.ranks * r.coresPerRank;
      const gpus = r.ranks * r.gpusPerRank;
      if (cpus >= failCpus && gpus >= failGpus) continue;
      const shares = this.#place(p.task);
      if (shares === undefined) {
        if (p.task.kind === "function" || r.ranks === 1) {
          if (cpus <= failCpus && gpus <= failGpus) {
            failCpus = cpus;
            failGpus = gpus;
          }
        }
        if (this.live().every((n) => n.freeCpus === 0)) break;
        continue;
      }
      p.gone = true;
      this.#pendingByTask.delete(p.task);
      if (i === this.#queueHead) this.#queueHead++;
      for (const s of shares) {
        s.node.freeCpus -= s.cpus;
        s.node.freeGpus -= s.gpus;
      }
      this.#hooks.start(p.task, shares);
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > q.length) {
      this.#queue = q.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }
}
