/**
 * The timeline renderer moved into the library (`src/timeline.ts`) so that
 * the live dashboard can share it; this module re-exports it for scripts
 * that imported it from here.
 *
 * @module
 */
export {
  type BarState,
  escapeHtml,
  renderTimeline,
  type TimelineOptions,
} from "../src/timeline.ts";
