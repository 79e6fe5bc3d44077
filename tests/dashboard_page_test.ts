/**
 * The dashboard page in headless Chromium (Debian's `chromium`, driven by
 * `playwright-core`), opened the way a person opens it: while a workflow
 * runs, then for a finished run's log. It must update without a reload (bars
 * appear, counts rise), show a failure's error one click away, log no console
 * error and send no request anywhere but the dashboard on 127.0.0.1.
 * Screenshots stay in the test's temp folder (their paths are printed) as
 * CI artifacts.
 *
 * Skipped, with the reason printed, when `/usr/bin/chromium` is missing,
 * unless `ASYNCFLOW_REQUIRE_CHROMIUM=1`.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type FlowEvent, WorkflowEngine } from "../mod.ts";
import { main as dashboardTool } from "../tools/dashboard.ts";

/** The page's `document`, inside functions that run in the browser (the test has no DOM types). */
// deno-lint-ignore no-explicit-any
declare const document: any;

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
    `dashboard_page_test: skipped as ${CHROMIUM} is missing (apt-get install chromium; set ASYNCFLOW_REQUIRE_CHROMIUM=1 to fail instead)`,
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A browser with a page that records console errors and every request, and refuses other hosts. */
async function openBrowser(profile: string): Promise<{
  context: BrowserContext;
  page: Page;
  problems: string[];
  requests: string[];
  refused: string[];
}> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 1000 },
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
  const problems: string[] = [];
  const requests: string[] = [];
  const refused: string[] = [];
  // every request the page makes passes here: one for another host is refused and recorded
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== "127.0.0.1") {
      refused.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e}`));
  page.on("request", (r) => requests.push(r.url()));
  return { context, page, problems, requests, refused };
}

/** The number a count card shows. */
async function count(page: Page, id: string): Promise<number> {
  return Number((await page.locator(`#${id}`).textContent())!.replace(/,/g, ""));
}

/**
 * A campaign of 40 samples in 4 lanes (each sample waits for the one before
 * it in its lane), sample 17 corrupt (the rest of its lane fails with it),
 * then a block that summarises: about three seconds.
 */
async function campaign(flow: WorkflowEngine): Promise<void> {
  const fetchSample = flow.functionTask(async (i: number, _before?: number) => {
    await sleep(150 + (i * 53) % 250);
    if (i === 17) throw new RangeError(`sample ${i} is corrupt`);
    return i;
  }, { name: "fetch_sample" });
  const analyse = flow.functionTask(async (x: number) => {
    await sleep(60);
    return x * 2;
  }, { name: "analyse" });
  const total = flow.functionTask((...xs: number[]) => xs.reduce((a, b) => a + b, 0), {
    name: "total",
  });
  const summarise = flow.block(async (...xs: number[]) => {
    const parts = [total(...xs.slice(0, 10)), total(...xs.slice(10))];
    await sleep(100);
    return await total(...parts);
  }, { name: "summarise" });
  await flow.workflowScope("campaign", async () => {
    const samples: ReturnType<typeof fetchSample>[] = [];
    for (let i = 0; i < 40; i++) samples.push(fetchSample(i, samples[i - 4]));
    const analysed = samples.map((s) => analyse(s));
    const ok = (await Promise.allSettled(analysed)).flatMap((r) =>
      r.status === "fulfilled" ? [r.value] : []
    );
    await summarise(...ok);
  });
}

Deno.test({
  name: "flow.dashboard() page updates live in Chromium: bars, counts, a failure's error",
  ignore: !hasChromium && !required,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert(hasChromium, `Cannot run the page test as ${CHROMIUM} is missing`);
    const dir = await Deno.makeTempDir({ prefix: "asyncflow_dashboard_page_" });
    const profile = await Deno.makeTempDir({ prefix: "asyncflow_chromium_" });
    const flow = await WorkflowEngine.create();
    const { url } = await flow.dashboard();
    assertMatch(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { context, page, problems, requests, refused } = await openBrowser(profile);
    let run: Promise<void> | undefined;
    try {
      await page.goto(url, { waitUntil: "load" });
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "live");
      await page.evaluate(() => (globalThis as unknown as { mark: number }).mark = 42);
      assertEquals(await page.locator("rect.bar").count(), 0);

      run = campaign(flow);
      // bars appear and counts rise, without a reload
      await page.waitForSelector("#gantt rect.bar", { timeout: 20_000 });
      const done1 = await count(page, "n-done");
      const bars1 = await page.locator("#gantt rect.bar").count();
      await page.waitForFunction(
        (n) => Number(document.getElementById("n-done")!.textContent!.replace(/,/g, "")) > n,
        done1,
        { timeout: 20_000, polling: 50 },
      );
      await page.waitForFunction(
        (n) => document.querySelectorAll("#gantt rect.bar").length > n,
        bars1,
        { timeout: 20_000, polling: 50 },
      );
      const shotLive = `${dir}/dashboard_running.png`;
      await page.screenshot({ path: shotLive });

      // a failure shows in the list; one click shows its error
      const item = page.locator("#failures li", { hasText: "sample 17 is corrupt" });
      await item.waitFor({ timeout: 20_000 });
      await item.click();
      const detail = page.locator("#detail");
      assert(await detail.isVisible(), "the failure's details must open on a click");
      const text = (await detail.textContent())!;
      assertMatch(text, /fetch_sample/);
      assertMatch(text, /task\.\d{6}/);
      assertMatch(text, /RangeError/);
      assertMatch(text, /sample 17 is corrupt/);
      assertMatch(await detail.locator("pre.stack").textContent() ?? "", /dashboard_page_test\.ts/);
      await page.keyboard.press("Escape");
      assert(!(await detail.isVisible()), "Escape closes the details");

      await run;
      // rows are drawn where the window shows them: a tall window shows them all
      await page.setViewportSize({ width: 1440, height: 2600 });
      // the page converges on the engine's counts
      const s = flow.stats();
      await page.waitForFunction(
        ([done, failed]) =>
          document.getElementById("n-done")!.textContent === String(done) &&
          document.getElementById("n-failed")!.textContent === String(failed),
        [s.done, s.failed],
        { timeout: 20_000, polling: 50 },
      );
      await page.waitForFunction(
        (n) => document.querySelectorAll("#gantt rect.bar").length === n,
        s.done + s.failed,
        { timeout: 20_000, polling: 50 },
      );
      assertEquals(await page.locator('#gantt rect.bar[data-state="FAILED"]').count(), s.failed);
      assertEquals(await count(page, "n-running"), 0);
      assertEquals(await page.locator("#backends tbody tr").count(), 1);
      assert(await page.locator("#thru rect").count() > 0, "the throughput chart has bars");
      assertEquals(await page.evaluate(() => (globalThis as unknown as { mark: number }).mark), 42);

      const shot = `${dir}/dashboard.png`;
      await page.screenshot({ path: shot, fullPage: true });
      await item.click();
      const shotDetail = `${dir}/dashboard_failure.png`;
      await page.screenshot({ path: shotDetail });
      assert((await Deno.stat(shot)).size > 20_000, "the screenshot is suspiciously small");
      console.log(`screenshots: ${shotLive}\n             ${shot}\n             ${shotDetail}`);
      const cost = await page.evaluate(() =>
        (globalThis as unknown as { __dashboard: Record<string, number> }).__dashboard
      );
      console.log(`page: ${JSON.stringify(cost)}`);

      // shutdown closes the dashboard: the page says so and does not reconnect
      await flow.shutdown();
      await page.waitForFunction(
        () => document.getElementById("status")?.textContent === "dashboard closed",
      );
      await sleep(300);
      assertEquals(problems, []);
      assertEquals(refused, [], "the page must not ask another host");
      const origin = new URL(url).origin;
      assertEquals(requests.filter((u) => new URL(u).origin !== origin), []);
      assertEquals(
        requests.filter((u) => u === url).length,
        1,
        "the page is loaded once (no reload)",
      );
    } finally {
      await run?.catch(() => {});
      await flow.shutdown();
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "dashboard tool shows a finished run's log in Chromium, custom events included",
  ignore: !hasChromium && !required,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert(hasChromium, `Cannot run the page test as ${CHROMIUM} is missing`);
    const dir = await Deno.makeTempDir({ prefix: "asyncflow_dashboard_past_" });
    const profile = await Deno.makeTempDir({ prefix: "asyncflow_chromium_" });
    // a log as the engine writes it: 3,000 tasks in 3 workflows (more than the rows drawn)
    const T0 = 1_700_000_000_000;
    const events: FlowEvent[] = [];
    for (let i = 0; i < 3000; i++) {
      const uid = `task.${String(i + 1).padStart(6, "0")}`;
      const base = { uid, name: `step${i % 7}`, workflowId: `wf-${i % 3}`, backend: "inline" };
      const t = T0 + i * 3;
      events.push({ ...base, type: "TaskCreated", time: t });
      events.push({ ...base, type: "TaskStarted", time: t + 1 });
      events.push(
        i % 500 === 499
          ? {
            ...base,
            type: "TaskFailed",
            time: t + 40,
            error: { name: "ExecutableError", message: `exit code 3 in ${uid}`, exitCode: 3 },
          }
          : { ...base, type: "TaskCompleted", time: t + 40 },
      );
      if (i % 1000 === 0) {
        events.push({
          type: "myapp.Checkpoint",
          time: t + 2,
          attrs: { step: i },
        } as unknown as FlowEvent);
      }
    }
    events.sort((a, b) => a.time - b.time);
    const log = `${dir}/run.jsonl`;
    await Deno.writeTextFile(log, events.map((e) => JSON.stringify(e)).join("\n") + "\n");

    const stop = new AbortController();
    const lines: string[] = [];
    let url = "";
    const tool = dashboardTool([log], {
      log: (s) => {
        lines.push(s);
        url = s.match(/http:\/\/\S+\//)?.[0] ?? url;
      },
      error: (s) => lines.push(s),
    }, stop.signal);
    const { context, page, problems, requests, refused } = await openBrowser(profile);
    try {
      while (url === "") await sleep(20);
      await page.goto(url, { waitUntil: "load" });
      await page.waitForFunction(() =>
        document.getElementById("status")?.textContent === "finished run"
      );
      await page.waitForFunction(() => document.getElementById("n-done")?.textContent === "2,994");
      assertEquals(await count(page, "n-failed"), 6);
      assertEquals(await count(page, "n-tasks"), 3000);
      assertMatch(
        (await page.locator("#rows-note").textContent())!,
        /2,000 of 3,000 drawn one by one/,
      );
      // beyond the rows drawn one by one the chart shows workflows, each a row with its
      // activity; custom events are markers and a list
      assertEquals(await page.locator("#gantt rect.grow").count(), 3);
      assertEquals(await page.locator("#gantt rect.bar").count(), 0);
      assert(await page.locator("#gantt rect.dens").count() > 10, "activity strips");
      assertEquals(await page.locator("#marks li").count(), 3);
      assert(await page.locator("#axis .mark").count() === 3, "three markers on the axis");
      await page.locator("#failures li").first().click();
      assertMatch((await page.locator("#detail").textContent())!, /exit code 3 in task\.000500/);
      assertMatch((await page.locator("#detail").textContent())!, /"exitCode": 3/);
      await page.keyboard.press("Escape");
      // a click opens a workflow: its tasks drawn one by one
      await page.locator("#gantt text.glabel").first().click();
      await page.waitForFunction(() => document.querySelectorAll("#gantt rect.bar").length > 10);
      const shotTop = `${dir}/dashboard_past_top.png`;
      await page.screenshot({ path: shotTop });
      // scrolling keeps the axis in view
      await page.mouse.wheel(0, 4000);
      await sleep(300);
      const axisTop = await page.locator("#axis-wrap").evaluate((e) =>
        e.getBoundingClientRect().top
      );
      assert(axisTop >= -1 && axisTop < 5, `the axis must stay at the top: ${axisTop}`);
      assert(await page.locator("#gantt rect.bar").count() > 0, "rows drawn where scrolled");
      const shot = `${dir}/dashboard_past.png`;
      await page.screenshot({ path: shot });
      console.log(`screenshots: ${shotTop}\n             ${shot}`);
      assertEquals(problems, []);
      assertEquals(refused, []);
      const origin = new URL(url).origin;
      assertEquals(requests.filter((u) => new URL(u).origin !== origin), []);
    } finally {
      stop.abort();
      assertEquals(await tool, 0);
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "flow.dashboard() page shows tasks waiting for and holding a limit in Chromium",
  ignore: !hasChromium && !required,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert(hasChromium, `Cannot run the page test as ${CHROMIUM} is missing`);
    const dir = await Deno.makeTempDir({ prefix: "asyncflow_dashboard_limits_" });
    const profile = await Deno.makeTempDir({ prefix: "asyncflow_chromium_" });
    const flow = await WorkflowEngine.create({
      limits: { api: { concurrency: 2 }, db: { concurrency: 3 } },
    });
    const { url } = await flow.dashboard();
    const { context, page, problems, refused } = await openBrowser(profile);
    let open!: () => void;
    const gate = new Promise<void>((r) => open = r);
    let all: Promise<unknown> | undefined;
    try {
      await page.goto(url, { waitUntil: "load" });
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "live");
      assert(await page.locator("#limits-box").isHidden(), "no limits table before a limit");
      const call = flow.functionTask(async (i: number) => {
        await gate;
        return i;
      }, { name: "call_api", limit: "api" });
      const query = flow.functionTask(async (i: number) => {
        await gate;
        return i;
      }, { name: "query_db", limit: ["db"], priority: 2 });
      const fs = [];
      for (let i = 0; i < 8; i++) fs.push(call(i));
      for (let i = 0; i < 4; i++) fs.push(query(i));
      all = Promise.all(fs);
      const cell = (limit: string, col: string) =>
        page.locator(`#limits tr[data-limit="${limit}"] td.l-${col}`);
      await page.waitForFunction(
        () => {
          const t = (s: string) => document.querySelector(s)?.textContent;
          return t('#limits tr[data-limit="api"] td.l-running') === "2" &&
            t('#limits tr[data-limit="api"] td.l-waiting') === "6" &&
            t('#limits tr[data-limit="db"] td.l-running') === "3" &&
            t('#limits tr[data-limit="db"] td.l-waiting') === "1";
        },
        undefined,
        { timeout: 20_000, polling: 50 },
      );
      assertEquals(await cell("api", "held").textContent(), "2");
      assertMatch((await page.locator("#n-waiting").textContent())!, /7 for a limit/);
      // a waiting task's tooltip names its limits
      const waiting = page.locator("#gantt rect.wait").first();
      assert(await waiting.count() === 1, "waiting tasks are drawn");
      const shot = `${dir}/dashboard_limits.png`;
      await page.screenshot({ path: shot });
      open();
      await all;
      await page.waitForFunction(
        () => {
          const t = (s: string) => document.querySelector(s)?.textContent;
          return t('#limits tr[data-limit="api"] td.l-waiting') === "0" &&
            t('#limits tr[data-limit="api"] td.l-running') === "0" &&
            document.getElementById("n-done")?.textContent === "12";
        },
        undefined,
        { timeout: 20_000, polling: 50 },
      );
      // the details of a task name its limit and priority
      await page.locator('#gantt rect.bar[data-state="DONE"]').last().click();
      const detail = (await page.locator("#detail").textContent())!;
      assertMatch(detail, /limitsdb/);
      assertMatch(detail, /priority2/);
      const shotDone = `${dir}/dashboard_limits_done.png`;
      await page.screenshot({ path: shotDone });
      console.log(`screenshots: ${shot}\n             ${shotDone}`);
      assertEquals(problems, []);
      assertEquals(refused, []);
    } finally {
      open();
      await all?.catch(() => {});
      await flow.shutdown();
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "dashboard page marks cached tasks in Chromium, live and from the journal",
  ignore: !hasChromium && !required,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert(hasChromium, `Cannot run the page test as ${CHROMIUM} is missing`);
    const dir = await Deno.makeTempDir({ prefix: "asyncflow_dashboard_cached_" });
    const profile = await Deno.makeTempDir({ prefix: "asyncflow_chromium_" });
    const journal = `${dir}/run.db`;
    // the workflow of the live test, twice: the second run hits the journal but for the
    // failed lane (failures are never reused), which runs again
    const first = await WorkflowEngine.create({ journal });
    await campaign(first);
    const s1 = first.stats();
    await first.shutdown();
    const flow = await WorkflowEngine.create({ journal });
    const { url } = await flow.dashboard();
    const { context, page, problems, refused } = await openBrowser(profile);
    const stop = new AbortController();
    let tool: Promise<number> | undefined;
    try {
      await page.setViewportSize({ width: 1440, height: 2600 });
      await page.goto(url, { waitUntil: "load" });
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "live");
      await campaign(flow);
      const s = flow.summary().counts;
      assert(s.cached > 30, `most tasks come from the journal: ${JSON.stringify(s)}`);
      assertEquals(s.done, s1.done);
      await page.waitForFunction(
        (n) => document.querySelectorAll("#gantt rect.bar.cached").length === n,
        s.cached,
        { timeout: 20_000, polling: 50 },
      );
      assertMatch(
        (await page.locator("#n-cached").textContent())!,
        new RegExp(`^${s.cached} cached`),
      );
      assert(await page.locator(".legend .cached-sw").isVisible(), "the legend names the mark");
      // the ones that ran again are bars, not marks
      assert(
        await page.locator("#gantt rect.bar:not(.cached)").count() > 0,
        "the failed lane runs again",
      );
      const shot = `${dir}/dashboard_cached.png`;
      await page.screenshot({ path: shot });
      await flow.shutdown();

      // the journal as a past run: the same page, its tasks points, cached ones marked
      let jurl = "";
      const said: string[] = [];
      tool = dashboardTool([journal], {
        log: (x) => {
          said.push(x);
          jurl = x.match(/http:\/\/\S+\//)?.[0] ?? jurl;
        },
        error: (x) => said.push(x),
      }, stop.signal);
      while (jurl === "" && said.length < 3) await sleep(20);
      assert(jurl !== "", said.join("\n"));
      await page.goto(jurl, { waitUntil: "load" });
      await page.waitForFunction(() =>
        document.getElementById("status")?.textContent === "finished run"
      );
      assertMatch(
        (await page.locator("#note").textContent())!,
        /not when it was created or started/,
      );
      // a journal records tasks, not blocks: the campaign's one block is missing
      assertEquals(await count(page, "n-done"), s.done - 1);
      assertEquals(await count(page, "n-failed"), s.failed);
      assertEquals(await page.locator("#gantt rect.bar.cached").count(), s.cached);
      assertEquals(
        await page.locator("#gantt rect.bar.point").count(),
        s.done - 1 + s.failed + s.cancelled - s.cached,
      );
      assertMatch((await page.locator("#title").textContent())!, /run\.db · run 2/);
      const shotJournal = `${dir}/dashboard_journal.png`;
      await page.screenshot({ path: shotJournal });
      console.log(`screenshots: ${shot}\n             ${shotJournal}`);
      assertEquals(problems, []);
      assertEquals(refused, []);
    } finally {
      stop.abort();
      if (tool !== undefined) assertEquals(await tool, 0);
      await flow.shutdown();
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
