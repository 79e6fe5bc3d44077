/**
 * Renders the timeline page of the seed example (`examples/composite_blocks.ts`)
 * and opens it in headless Chromium (Debian's `chromium`, driven by
 * `playwright-core`): one bar per task and block, no console errors, nothing
 * fetched, a tooltip on hover. The screenshot stays in the test's temp folder
 * (its path is printed) as a CI artifact.
 *
 * Skipped, with the reason printed, when `/usr/bin/chromium` is missing,
 * unless `ASYNCFLOW_REQUIRE_CHROMIUM=1`.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { chromium } from "playwright-core";
import { parseEventLog } from "../src/event_log.ts";
import { main as compositeBlocks } from "../examples/composite_blocks.ts";
import { renderTimeline } from "../src/timeline.ts";

const CHROMIUM = "/usr/bin/chromium";
const required = Deno.env.get("ASYNCFLOW_REQUIRE_CHROMIUM") === "1";
let hasChromium = false;
try {
  hasChromium = Deno.statSync(CHROMIUM).isFile;
} catch {
  hasChromium = false;
}
if (!hasChromium && !required) {
  console.log(
    `timeline_page_test: skipped as ${CHROMIUM} is missing (apt-get install chromium; set ASYNCFLOW_REQUIRE_CHROMIUM=1 to fail instead)`,
  );
}

Deno.test({
  name: "renderTimeline() page of the seed example shows every task and block in Chromium",
  ignore: !hasChromium && !required,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert(hasChromium, `Cannot run the page test as ${CHROMIUM} is missing`);
    const dir = await Deno.makeTempDir({ prefix: "asyncflow_timeline_page_" });
    const profile = await Deno.makeTempDir({ prefix: "asyncflow_chromium_" });

    // 1. the user runs the example with an event log, then the timeline tool
    const logPath = `${dir}/events.jsonl`;
    const totals = await compositeBlocks(() => {}, logPath); // the engine's eventLog option
    assertEquals(totals.length, 2);
    const events = parseEventLog(await Deno.readTextFile(logPath));
    // task events (the demo also emits two custom events, which carry no uid)
    const uids = new Set(events.filter((e) => e.uid !== undefined).map((e) => e.uid));
    const blocks = [...uids].filter((u) => u.startsWith("block.")).length;
    // 2 parts x 3 composite blocks, each: 1 + 3 workflow blocks, 3 x 3 tasks
    assertEquals([uids.size - blocks, blocks], [54, 24]);
    const htmlPath = `${dir}/timeline.html`;
    await Deno.writeTextFile(
      htmlPath,
      renderTimeline(events, { title: "composite_blocks.ts" }),
    );

    // 2. a person opens the page
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e}`));
      page.on("request", (r) => requests.push(r.url()));
      const pageUrl = new URL(`file://${htmlPath}`).href;
      await page.goto(pageUrl, { waitUntil: "load" });

      assertEquals(await page.locator("rect.bar").count(), uids.size);
      assertEquals(await page.locator('rect.bar[data-kind="block"]').count(), 24);
      assertEquals(await page.locator('rect.bar[data-state="DONE"]').count(), uids.size);
      assertEquals(await page.locator("rect.block-span").count(), 24);
      // the markers of the demo's two parts, with their labels
      assertEquals(await page.locator("text.mark-label").allTextContents(), [
        "part 1: A, B, C at once",
        "part 2: C after A and B",
      ]);
      const ticks = await page.locator("text.tick").allTextContents();
      assert(ticks.length >= 3, `too few ticks: ${ticks}`);
      assertMatch(ticks.at(-1)!, /^\d+(\.\d+)?s$/);

      // hovering a bar shows its details
      const someTask = events.find((e) => e.name === "task3")!.uid;
      await page.locator(`rect.bar[data-uid="${someTask}"]`).hover();
      const tip = page.locator("#tip");
      assert(await tip.isVisible(), "the tooltip must show on hover");
      assertMatch((await tip.textContent())!, new RegExp(`task task3 \\(${someTask}\\)`));
      await page.mouse.move(2, 2);

      const shot = `${dir}/timeline.png`;
      await page.screenshot({ path: shot, fullPage: true });
      assert((await Deno.stat(shot)).size > 10_000, "the screenshot is suspiciously small");
      console.log(`timeline page: ${htmlPath}\nscreenshot: ${shot}`);

      assertEquals(problems, []);
      assertEquals(requests.filter((u) => u !== pageUrl), [], "the page must fetch nothing");
    } finally {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
