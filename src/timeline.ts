/**
 * Renders flow events as one self-contained HTML page: a Gantt chart (inline
 * SVG, inline CSS and JS, nothing fetched) with a row per task or per
 * workflow, bars coloured by final state, block spans, details and
 * dependencies on hover, and a time axis in seconds.
 *
 * Every task and block gets exactly one `<rect class="bar ...">` with
 * `data-uid`, `data-state` and `data-kind` attributes.
 *
 * @module
 */
import { received } from "./_text.ts";
import type { FlowEvent } from "./events.ts";
import { eventProblem } from "./event_log.ts";
import {
  errorText,
  escapeHtml,
  fmtMs,
  fmtSeconds,
  STATE_CSS,
  tickStep,
  truncate,
} from "./_gantt.ts";

export { escapeHtml };

/** Options of {@link renderTimeline}. */
export interface TimelineOptions {
  /**
   * One row per task (blocks with their members indented under them), or one
   * row per workflow (scope or block), its tasks packed into lanes.
   *
   * @default {"task"}
   */
  group?: "task" | "workflow";
  /**
   * The page's title.
   *
   * @default {"asyncflow timeline"}
   */
  title?: string;
  /**
   * Width of the plot area in pixels (the label column comes on top).
   *
   * @default {1000}
   */
  width?: number;
}

/** The state a task ended in, or its last known state when the log stops before its end. */
export type BarState = "DONE" | "FAILED" | "CANCELLED" | "RUNNING" | "PENDING";

interface Item {
  uid: string;
  name: string;
  isBlock: boolean;
  workflowId: string | undefined;
  backend: string | undefined;
  first: number;
  created: number | undefined;
  ready: number | undefined;
  submitted: number | undefined;
  started: number | undefined;
  end: number | undefined;
  state: BarState;
  attempts: number;
  cached: boolean;
  error: string | undefined;
  deps: string[];
  children: Item[];
}

interface Scope {
  id: string;
  first: number;
  items: Item[];
}

/** A row of the chart: a task/block (task mode), a scope header, or a workflow (workflow mode). */
interface Row {
  kind: "item" | "scope" | "workflow";
  label: string;
  sub: string;
  depth: number;
  lanes: number;
  y: number;
  h: number;
  item?: Item;
  scope?: Scope;
  /** workflow mode: the items in this row with their lane */
  placed?: { item: Item; lane: number }[];
}

const LANE = 16;
const ROW_PAD = 6;
const LABEL_W = 300;
const AXIS_H = 30;
const RIGHT = 24;
const FINAL: Record<string, BarState> = {
  TaskCompleted: "DONE",
  TaskFailed: "FAILED",
  TaskCancelled: "CANCELLED",
};

/** Fold the events into one record per uid (events sorted by time, ties in log order). */
function collect(events: readonly FlowEvent[]): Item[] {
  const order = events.map((ev, i) => ({ ev, i }));
  order.sort((a, b) => a.ev.time - b.ev.time || a.i - b.i);
  const byUid = new Map<string, Item>();
  for (const { ev } of order) {
    if (isCustom(ev)) continue; // drawn as markers on the axis
    let it = byUid.get(ev.uid);
    if (it === undefined) {
      it = {
        uid: ev.uid,
        name: ev.name,
        isBlock: ev.uid.startsWith("block."),
        workflowId: ev.workflowId,
        backend: ev.backend,
        first: ev.time,
        created: undefined,
        ready: undefined,
        submitted: undefined,
        started: undefined,
        end: undefined,
        state: "PENDING",
        attempts: 0,
        cached: false,
        error: undefined,
        deps: [],
        children: [],
      };
      byUid.set(ev.uid, it);
    }
    if (ev.workflowId !== undefined) it.workflowId = ev.workflowId;
    if (ev.backend !== undefined) it.backend = ev.backend;
    // the latest name: an executable without one is named after its program once built
    if (typeof ev.name === "string") it.name = ev.name;
    switch (ev.type) {
      case "TaskCreated": {
        it.created ??= ev.time;
        const deps = (ev as FlowEvent & { deps?: unknown }).deps;
        if (Array.isArray(deps)) it.deps = deps.filter((d): d is string => typeof d === "string");
        break;
      }
      case "TaskReady":
        it.ready ??= ev.time;
        break;
      case "TaskSubmitted":
        it.submitted ??= ev.time;
        break;
      case "TaskStarted":
        it.started ??= ev.time;
        it.attempts++;
        if (it.end === undefined) it.state = "RUNNING";
        break;
      case "TaskCached":
        it.cached = true;
        break;
      case "TaskRetrying":
        break;
      default: {
        const st = FINAL[ev.type];
        if (st !== undefined && it.end === undefined) {
          it.end = ev.time;
          it.state = st;
          it.error = errorText(ev.error);
        }
      }
    }
  }
  return [...byUid.values()];
}

/**
 * Render events (as logged by `EventLog`, in any order) as one self-contained
 * HTML page. An empty list gives a page that says the log holds no events.
 *
 * @param events the flow events
 * @param options see {@link TimelineOptions}
 * @returns the HTML text
 * @throws {TypeError} when an event is malformed or an option is bad
 */
export function renderTimeline(
  events: readonly FlowEvent[],
  options: TimelineOptions = {},
): string {
  if (!Array.isArray(events)) {
    throw new TypeError(
      `Cannot render timeline as 'events' must be an array: ${received(events)}`,
    );
  }
  const group = options.group ?? "task";
  if (group !== "task" && group !== "workflow") {
    throw new TypeError(
      `Cannot render timeline as 'group' must be "task" or "workflow": ${received(group)}`,
    );
  }
  const plotW = options.width ?? 1000;
  if (!Number.isFinite(plotW) || plotW < 100) {
    throw new TypeError(
      `Cannot render timeline as 'width' must be a number >= 100: ${received(plotW)}`,
    );
  }
  const title = options.title ?? "asyncflow timeline";
  for (let i = 0; i < events.length; i++) {
    const problem = eventProblem(events[i]);
    if (problem !== undefined) {
      throw new TypeError(
        `Cannot render timeline as event ${i} is not a flow event (${problem}): ${
          received(events[i])
        }`,
      );
    }
  }
  if (events.length === 0) return page(title, emptyBody(title));

  const items = collect(events);
  const byUid = new Map(items.map((it) => [it.uid, it]));
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const ev of events) {
    if (ev.time < t0) t0 = ev.time;
    if (ev.time > t1) t1 = ev.time;
  }
  const span = Math.max(t1 - t0, 1);
  const endOf = (it: Item) => it.end ?? t1;
  const startOf = (it: Item) => it.created ?? it.first;

  // tree: members of a block under it; other members under their scope
  const top: (Item | Scope)[] = [];
  const scopes = new Map<string, Scope>();
  const scopeOf = new Map<Item, Scope>();
  for (const it of items) {
    const w = it.workflowId;
    const parent = w === undefined ? undefined : byUid.get(w);
    if (parent !== undefined && parent.isBlock && parent !== it) parent.children.push(it);
    else if (w === undefined) top.push(it);
    else {
      let s = scopes.get(w);
      if (s === undefined) {
        s = { id: w, first: it.first, items: [] };
        scopes.set(w, s);
        top.push(s);
      }
      s.items.push(it);
      scopeOf.set(it, s);
    }
  }
  const firstOf = (x: Item | Scope) => x.first;
  top.sort((a, b) => firstOf(a) - firstOf(b));

  // rows
  const rows: Row[] = [];
  const blockRange = new Map<Item, [number, number]>(); // first and last row index
  if (group === "task") {
    const addItem = (it: Item, depth: number) => {
      const index = rows.length;
      rows.push(itemRow(it, depth));
      it.children.sort((a, b) => a.first - b.first);
      for (const c of it.children) addItem(c, depth + 1);
      if (it.isBlock) blockRange.set(it, [index, rows.length - 1]);
    };
    for (const x of top) {
      if ("items" in x) {
        rows.push({
          kind: "scope",
          label: `workflow ${x.id}`,
          sub: `${x.items.length} item${x.items.length === 1 ? "" : "s"}`,
          depth: 0,
          lanes: 1,
          y: 0,
          h: 0,
          scope: x,
        });
        for (const it of x.items) addItem(it, 1);
      } else addItem(x, 0);
    }
  } else {
    const addGroup = (label: string, sub: string, members: Item[], depth: number) => {
      const placed = packLanes(members, startOf, endOf);
      const lanes = placed.reduce((m, p) => Math.max(m, p.lane + 1), 1);
      rows.push({ kind: "workflow", label, sub, depth, lanes, y: 0, h: 0, placed });
      const blocks = members.filter((m) => m.isBlock).sort((a, b) => a.first - b.first);
      for (const b of blocks) {
        const index = rows.length;
        if (b.children.length !== 0) {
          addGroup(`${b.name}`, b.uid, b.children, depth + 1);
          blockRange.set(b, [index, rows.length - 1]);
        }
      }
    };
    const loose = top.filter((x): x is Item => !("items" in x));
    let looseDone = false;
    for (const x of top) {
      if ("items" in x) addGroup(`workflow ${x.id}`, "scope", x.items, 0);
      else if (!looseDone) {
        looseDone = true;
        addGroup("(no workflow)", "", loose, 0);
      }
    }
  }
  let y = AXIS_H;
  for (const r of rows) {
    r.y = y;
    r.h = r.lanes * LANE + ROW_PAD;
    y += r.h;
  }
  const height = y + 10;
  const width = LABEL_W + plotW + RIGHT;
  const x = (t: number) => LABEL_W + ((t - t0) / span) * plotW;

  // where each item's bar is (row and lane), for dependency edges
  const where = new Map<string, { cy: number; row: Row }>();
  for (const r of rows) {
    if (r.item !== undefined) where.set(r.item.uid, { cy: r.y + r.h / 2, row: r });
    for (const p of r.placed ?? []) {
      where.set(p.item.uid, { cy: r.y + ROW_PAD / 2 + p.lane * LANE + LANE / 2, row: r });
    }
  }

  const svg: string[] = [];
  svg.push(
    `<svg xmlns="http://www.w3.org/2000/svg" id="chart" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}">`,
  );
  // row stripes and labels
  rows.forEach((r, i) => {
    svg.push(
      `<rect class="row${i % 2 ? " odd" : ""}${
        r.kind === "scope" ? " scope-row" : ""
      }" x="0" y="${r.y}" width="${width}" height="${r.h}"/>`,
    );
    const lx = 8 + r.depth * 14;
    const room = Math.floor((LABEL_W - lx - 8) / 6.6);
    const name = truncate(r.label, Math.max(4, room - Math.min(r.sub.length + 1, 16)));
    const sub = r.sub.length === 0 ? "" : truncate(r.sub, Math.max(0, room - name.length - 1));
    const cls = r.kind === "item"
      ? (r.item!.isBlock ? "label block-label" : "label")
      : "label group-label";
    svg.push(
      `<text class="${cls}" x="${lx}" y="${r.y + r.h / 2 + 4}"><title>${
        escapeHtml(r.label + (r.sub ? " " + r.sub : ""))
      }</title>${escapeHtml(name)}${
        sub ? `<tspan class="uid"> ${escapeHtml(sub)}</tspan>` : ""
      }</text>`,
    );
  });
  // time axis
  const step = tickStep(span, Math.max(2, Math.round(plotW / 110)));
  svg.push(`<g class="axis">`);
  svg.push(`<line x1="${LABEL_W}" y1="${AXIS_H - 1}" x2="${LABEL_W + plotW}" y2="${AXIS_H - 1}"/>`);
  for (let t = 0; t <= span + step * 1e-9; t += step) {
    const tx = x(t0 + t).toFixed(1);
    svg.push(
      `<line class="grid" x1="${tx}" y1="${AXIS_H - 6}" x2="${tx}" y2="${height - 10}"/>` +
        `<text class="tick" x="${tx}" y="${AXIS_H - 10}">${fmtSeconds(t, step)}</text>`,
    );
  }
  svg.push(`</g>`);
  // custom events (`flow.emit`): a marker on the axis with its label above
  // the ticks (`attrs.label`, else the type), and a line down the chart
  const marks = events.filter(isCustom);
  for (const m of marks) {
    const px = x(m.time);
    const mx = px.toFixed(1);
    // near the right edge the label ends at the marker instead of starting there
    const end = px > LABEL_W + plotW * 0.75;
    svg.push(
      `<g class="mark" data-type="${escapeHtml(m.type)}"><title>${
        escapeHtml(markText(m, t0))
      }</title><line x1="${mx}" y1="${AXIS_H - 4}" x2="${mx}" y2="${height - 10}"/>` +
        `<path d="M${mx},${AXIS_H - 1} l-4,-6 h8 z"/>` +
        `<text class="mark-label${end ? " end" : ""}" x="${(px + (end ? -5 : 5)).toFixed(1)}" y="${
          AXIS_H - 21
        }">${escapeHtml(markLabel(m))}</text></g>`,
    );
  }
  // scope and block spans behind the bars
  for (const r of rows) {
    if (r.kind !== "scope" || r.scope === undefined) continue;
    const s = r.scope;
    const a = s.items.reduce((m, it) => Math.min(m, startOf(it)), Infinity);
    const b = s.items.reduce((m, it) => Math.max(m, endOf(it)), -Infinity);
    svg.push(
      `<rect class="scope-span" data-workflow="${escapeHtml(s.id)}" x="${x(a).toFixed(1)}" y="${
        r.y + 3
      }" width="${Math.max(x(b) - x(a), 2).toFixed(1)}" height="${r.h - 6}" rx="3"/>`,
    );
  }
  for (const [b, [i0, i1]] of blockRange) {
    const ra = rows[i0]!;
    const rb = rows[i1]!;
    const a = b.started ?? startOf(b);
    const e = endOf(b);
    svg.push(
      `<rect class="block-span" data-block="${escapeHtml(b.uid)}" x="${x(a).toFixed(1)}" y="${
        ra.y + 1
      }" width="${Math.max(x(e) - x(a), 2).toFixed(1)}" height="${
        rb.y + rb.h - ra.y - 2
      }" rx="4"/>`,
    );
  }
  // dependency edges (shown on hover)
  svg.push(`<g class="deps">`);
  for (const it of items) {
    const to = where.get(it.uid);
    if (to === undefined) continue;
    for (const d of it.deps) {
      const dep = byUid.get(d);
      const from = where.get(d);
      if (dep === undefined || from === undefined) continue;
      const x1 = x(endOf(dep));
      const x2 = x(it.started ?? startOf(it));
      const mx = (x1 + x2) / 2;
      svg.push(
        `<path class="dep" data-from="${escapeHtml(d)}" data-to="${escapeHtml(it.uid)}" d="M${
          x1.toFixed(1)
        },${from.cy.toFixed(1)} C${mx.toFixed(1)},${from.cy.toFixed(1)} ${mx.toFixed(1)},${
          to.cy.toFixed(1)
        } ${x2.toFixed(1)},${to.cy.toFixed(1)}"/>`,
      );
    }
  }
  svg.push(`</g>`);
  // bars: a lighter waiting segment, then the run
  for (const it of items) {
    const w = where.get(it.uid);
    if (w === undefined) continue;
    const h = it.isBlock ? 8 : 12;
    const by = (w.cy - h / 2).toFixed(1);
    const c = startOf(it);
    const run = it.started ?? c;
    if (it.started !== undefined && it.started > c) {
      svg.push(
        `<rect class="wait s-${it.state}" x="${x(c).toFixed(1)}" y="${by}" width="${
          Math.max(x(it.started) - x(c), 0.5).toFixed(1)
        }" height="${h}"/>`,
      );
    }
    const cls = ["bar", `s-${it.state}`];
    if (it.isBlock) cls.push("block");
    if (it.started === undefined) cls.push("not-run");
    svg.push(
      `<rect class="${cls.join(" ")}" data-uid="${escapeHtml(it.uid)}" data-state="${it.state}" ` +
        `data-kind="${it.isBlock ? "block" : "task"}" x="${x(run).toFixed(1)}" y="${by}" width="${
          Math.max(x(endOf(it)) - x(run), 2).toFixed(1)
        }" height="${h}" rx="2"/>`,
    );
  }
  svg.push(`</svg>`);

  // details for the tooltip (times relative to the first event)
  const rel = (t: number | undefined) => (t === undefined ? null : +(t - t0).toFixed(3));
  const info: Record<string, unknown> = {};
  const dependents = new Map<string, string[]>();
  for (const it of items) {
    for (const d of it.deps) {
      const l = dependents.get(d);
      if (l === undefined) dependents.set(d, [it.uid]);
      else l.push(it.uid);
    }
  }
  for (const it of items) {
    info[it.uid] = {
      name: it.name,
      kind: it.isBlock ? "block" : "task",
      state: it.state,
      workflow: it.workflowId ?? null,
      backend: it.backend ?? null,
      created: rel(it.created),
      ready: rel(it.ready),
      submitted: rel(it.submitted),
      started: rel(it.started),
      end: rel(it.end),
      attempts: it.attempts,
      cached: it.cached,
      error: it.error ?? null,
      deps: it.deps.map((d) => `${byUid.get(d)?.name ?? "?"} (${d})`),
      dependents: (dependents.get(it.uid) ?? []).map((d) => `${byUid.get(d)?.name ?? "?"} (${d})`),
    };
  }

  const counts = { tasks: 0, blocks: 0, DONE: 0, FAILED: 0, CANCELLED: 0, RUNNING: 0, PENDING: 0 };
  for (const it of items) {
    if (it.isBlock) counts.blocks++;
    else counts.tasks++;
    counts[it.state]++;
  }
  const unfinished = counts.RUNNING + counts.PENDING;
  const summary = `${counts.tasks} task${counts.tasks === 1 ? "" : "s"}, ${counts.blocks} block${
    counts.blocks === 1 ? "" : "s"
  } · ${counts.DONE} done, ${counts.FAILED} failed, ${counts.CANCELLED} cancelled${
    unfinished ? `, ${unfinished} unfinished` : ""
  } · ${fmtMs(t1 - t0)} from ${new Date(t0).toISOString()}`;
  const legend = [
    `<span class="key"><i class="sw s-DONE"></i>done</span>`,
    `<span class="key"><i class="sw s-FAILED"></i>failed</span>`,
    `<span class="key"><i class="sw s-CANCELLED"></i>cancelled</span>`,
    unfinished ? `<span class="key"><i class="sw s-RUNNING"></i>unfinished</span>` : "",
    `<span class="key"><i class="sw wait-sw"></i>waiting (created → started)</span>`,
    marks.length ? `<span class="key"><i class="sw mark-sw"></i>custom event</span>` : "",
    items.some((it) => it.started === undefined)
      ? `<span class="key"><i class="sw not-run-sw"></i>never started</span>`
      : "",
    blockRange.size ? `<span class="key"><i class="sw block-sw"></i>block span</span>` : "",
    scopes.size ? `<span class="key"><i class="sw scope-sw"></i>workflow scope</span>` : "",
    `<span class="key hint">hover a bar for details${
      items.some((it) => it.deps.length) ? " and dependencies" : ""
    }</span>`,
  ].join("");
  const body = `<header><h1>${escapeHtml(title)}</h1><p class="summary">${
    escapeHtml(summary)
  }</p><p class="legend">${legend}</p></header>
<main>${svg.join("\n")}</main>
<div id="tip" role="tooltip" hidden></div>
<script type="application/json" id="flow-data">${jsonForScript(info)}</script>
<script>${SCRIPT}</script>`;
  return page(title, body);
}

/** Whether `ev` is a custom event (`flow.emit`): a dotted type, no task. */
function isCustom(ev: FlowEvent): boolean {
  return ev.type.includes(".");
}

/** The text beside a custom event's marker: `attrs.label` when it is a string, else the type. */
function markLabel(ev: FlowEvent): string {
  const label = (ev.attrs as { label?: unknown } | undefined)?.label;
  return truncate(typeof label === "string" && label.trim() !== "" ? label : ev.type, 48);
}

/** The tooltip of a custom event's marker. */
function markText(ev: FlowEvent, t0: number): string {
  let attrs = "";
  try {
    attrs = JSON.stringify(ev.attrs ?? {}) ?? "";
  } catch {
    attrs = "(attrs not JSON)";
  }
  return `${ev.type} at ${fmtMs(ev.time - t0)}${
    ev.workflowId !== undefined ? ` in ${ev.workflowId}` : ""
  }\n${truncate(attrs, 300)}`;
}

function itemRow(it: Item, depth: number): Row {
  return { kind: "item", label: it.name, sub: it.uid, depth, lanes: 1, y: 0, h: 0, item: it };
}

/** Greedy interval packing: each item goes to the first lane free at its start. */
function packLanes(
  members: Item[],
  startOf: (it: Item) => number,
  endOf: (it: Item) => number,
): { item: Item; lane: number }[] {
  const sorted = [...members].sort((a, b) => startOf(a) - startOf(b) || a.first - b.first);
  const laneEnds: number[] = [];
  return sorted.map((item) => {
    const s = startOf(item);
    let lane = laneEnds.findIndex((e) => e <= s);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = endOf(item);
    return { item, lane };
  });
}

/** JSON that is safe inside a `<script>` element. */
function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

function emptyBody(title: string): string {
  return `<header><h1>${escapeHtml(title)}</h1></header>
<main><p class="empty" id="empty">The event log holds no events: there is nothing to draw.</p></main>`;
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const CSS = `
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;background:#fff}
header{padding:12px 16px 4px}
h1{font-size:18px;margin:0 0 4px}
.summary{margin:0 0 6px;color:#555}
.legend{margin:0;display:flex;flex-wrap:wrap;gap:14px;align-items:center}
.key{display:inline-flex;align-items:center;gap:5px}
.hint{color:#777;font-style:italic}
.sw{display:inline-block;width:22px;height:11px;border-radius:2px}
main{padding:4px 16px 24px;overflow:auto}
.empty{font-size:15px;color:#555;padding:24px 0}
svg{display:block}
.row{fill:#fff}.row.odd{fill:#f6f7f9}.row.scope-row{fill:#eef1f8}
.label{font-size:12px;fill:#222}.block-label{font-weight:600}.group-label{font-weight:600;fill:#334}
.uid{fill:#888;font-size:10px;font-weight:400}
.axis line{stroke:#999}.axis .grid{stroke:#e3e3e3}
.tick{font-size:10px;fill:#666;text-anchor:middle}
${STATE_CSS}.bar{stroke:rgba(0,0,0,.25);stroke-width:.5;cursor:pointer}
.mark line{stroke:#b06ad9;stroke-width:1;stroke-dasharray:2 3}.mark path{fill:#b06ad9}
.mark-label{font-size:10px;fill:#8a3fb8}.mark-label.end{text-anchor:end}
.mark-sw{background:#b06ad9;width:4px}
.bar.not-run{opacity:.45}
.not-run-sw{background:#9a9a9a;opacity:.45}
.bar.block{stroke:#333;stroke-width:1}
.block-span{fill:rgba(120,90,200,.07);stroke:rgba(120,90,200,.55);stroke-dasharray:4 3}
.block-sw{background:rgba(120,90,200,.12);border:1px dashed rgba(120,90,200,.7)}
.scope-span{fill:rgba(60,110,200,.15);stroke:rgba(60,110,200,.5)}
.scope-sw{background:rgba(60,110,200,.2);border:1px solid rgba(60,110,200,.5)}
.dep{fill:none;stroke:#e07b00;stroke-width:1.5;opacity:0;pointer-events:none}
.dep.on{opacity:.9}
.bar.hl{stroke:#e07b00;stroke-width:2}
.bar.focus{stroke:#000;stroke-width:2}
#tip{position:fixed;z-index:10;max-width:420px;background:#fff;border:1px solid #bbb;border-radius:4px;
box-shadow:0 2px 8px rgba(0,0,0,.18);padding:6px 8px;font-size:12px;pointer-events:none;white-space:pre-wrap}
`;

/** Tooltip and dependency highlighting; builds text with textContent only. */
const SCRIPT = `
(function(){
  var data=JSON.parse(document.getElementById("flow-data").textContent);
  var tip=document.getElementById("tip");
  var svg=document.getElementById("chart");
  function ms(v){return v===null?"-":(v<1000?v.toFixed(1)+" ms":(v/1000).toFixed(3)+" s");}
  function lines(uid,d){
    var out=[d.kind+" "+d.name+" ("+uid+")","state: "+d.state];
    if(d.workflow!==null)out.push("workflow: "+d.workflow);
    if(d.backend!==null)out.push("backend: "+d.backend);
    out.push("created: "+ms(d.created)+"   started: "+ms(d.started)+"   end: "+ms(d.end));
    if(d.started!==null&&d.end!==null)out.push("ran: "+ms(d.end-d.started));
    if(d.created!==null&&d.started!==null)out.push("waited: "+ms(d.started-d.created));
    if(d.attempts>1)out.push("attempts: "+d.attempts);
    if(d.cached)out.push("cached: completed from the journal");
    if(d.error!==null)out.push("error: "+d.error);
    if(d.deps.length)out.push("depends on: "+d.deps.join(", "));
    if(d.dependents.length)out.push("needed by: "+d.dependents.join(", "));
    return out.join("\\n");
  }
  var lit=[];
  function clear(){lit.forEach(function(e){e.classList.remove("on","hl","focus");});lit=[];}
  function light(el,c){el.classList.add(c);lit.push(el);}
  svg.addEventListener("mouseover",function(ev){
    var t=ev.target;
    if(!(t instanceof Element)||!t.classList.contains("bar"))return;
    var uid=t.getAttribute("data-uid");var d=data[uid];if(!d)return;
    clear();light(t,"focus");
    svg.querySelectorAll("path.dep").forEach(function(p){
      var f=p.getAttribute("data-from"),to=p.getAttribute("data-to");
      if(f!==uid&&to!==uid)return;
      light(p,"on");
      var other=svg.querySelector('rect.bar[data-uid="'+CSS.escape(f===uid?to:f)+'"]');
      if(other)light(other,"hl");
    });
    tip.textContent=lines(uid,d);tip.hidden=false;
  });
  svg.addEventListener("mousemove",function(ev){
    if(tip.hidden)return;
    var x=ev.clientX+14,y=ev.clientY+14;
    var r=tip.getBoundingClientRect();
    if(x+r.width>window.innerWidth)x=Math.max(0,ev.clientX-r.width-14);
    if(y+r.height>window.innerHeight)y=Math.max(0,ev.clientY-r.height-14);
    tip.style.left=x+"px";tip.style.top=y+"px";
  });
  svg.addEventListener("mouseout",function(ev){
    var t=ev.target;
    if(t instanceof Element&&t.classList.contains("bar")){tip.hidden=true;clear();}
  });
})();
`;
