/**
 * What the timeline page (`timeline.ts`) and the live dashboard
 * (`dashboard.ts`) draw alike (internal): the colours of task states, the
 * time axis (ticks and their labels), and text helpers. The axis functions
 * are self-contained so that the dashboard's page can embed their source
 * (`Function.prototype.toString`) and place ticks exactly as the timeline does.
 *
 * @module
 */

/** Escape text for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

/** `name: message` of an error or of a serialised one; `undefined` for no error. */
export function errorText(e: unknown): string | undefined {
  if (e === undefined) return undefined;
  if (typeof e === "object" && e !== null) {
    const o = e as { name?: unknown; message?: unknown };
    if (typeof o.message === "string") {
      return typeof o.name === "string" ? `${o.name}: ${o.message}` : o.message;
    }
  }
  try {
    return typeof e === "string" ? e : JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

/**
 * A tick step (ms) of 1, 2 or 5 × 10^k giving about `target` ticks over
 * `span` ms. Self-contained: the dashboard page embeds its source.
 */
export function tickStep(span: number, target: number): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * A tick label: `ms` in seconds with as many decimals as `step` needs.
 * Self-contained: the dashboard page embeds its source.
 */
export function fmtSeconds(ms: number, step: number): string {
  const decimals = step >= 1000 ? 0 : Math.min(6, Math.ceil(-Math.log10(step / 1000)));
  return (ms / 1000).toFixed(decimals) + "s";
}

/** A duration: `12.5 ms` below a second, else `1.234 s`. Self-contained. */
export function fmtMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(3)} s`;
}

/** `s` cut to `n` characters, ending with `…` when cut. */
export function truncate(s: string, n: number): string {
  if (n < 2) return "…";
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}

/**
 * The colours of the task states (`.s-DONE` … on SVG bars and HTML swatches)
 * and of the waiting segment, shared by both pages.
 */
export const STATE_CSS = `
.s-DONE{fill:#2f9e5a;background:#2f9e5a}
.s-FAILED{fill:#d83b3b;background:#d83b3b}
.s-CANCELLED{fill:#9a9a9a;background:#9a9a9a}
.s-RUNNING,.s-PENDING{fill:#3d7bd9;background:#3d7bd9}
.wait{opacity:.28}
.wait-sw{background:#2f9e5a;opacity:.28}
`;
