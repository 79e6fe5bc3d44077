/**
 * `playwright-core` for the page tests (the import map's target): drives the
 * system's Chromium. A development dependency, locked in `dev/deno.lock`
 * (see `dev/std_assert.ts`).
 *
 * @module
 */
export * from "npm:playwright-core@1.65.1";
