/**
 * What the live dashboard costs on a large run (not a `Deno.bench`: one
 * measured run per setting, in this process).
 *
 * For N tasks (NoopBackend, created at once in 10 workflow scopes) it runs
 * the engine: without a dashboard; with a listener that does nothing (the
 * cost of emitting events at all); with a dashboard and no client; with one and a
 * page client (the `live` stream, read); with an `events` client (read).
 * It reports the wall time of each, the page stream's messages and bytes,
 * the size of the whole state (what a page gets first), and the RSS after
 * the run (each setting runs in a fresh process). With
 * `--chromium` it also opens the page in headless Chromium during the run and
 * reports the page's own render count and cost (`window.__dashboard`).
 *
 * ```sh
 * deno run -A bench/dashboard_cost.ts [--tasks 100000] [--chromium]
 * ```
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { NoopBackend, WorkflowEngine } from "../mod.ts";

/** The page's `document`, in functions that run in the browser. */
// deno-lint-ignore no-explicit-any
declare const document: any;

const flags = parseArgs(Deno.args, { string: ["tasks", "one"], boolean: ["chromium"] });
const N = Number(flags.tasks ?? 100_000);

type Client = "none" | "listener" | "page" | "events" | "chromium";

async function drain(res: Response, stats: { messages: number; bytes: number; max: number }) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    stats.bytes += r.value.byteLength;
    buf += decoder.decode(r.value, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      stats.messages++;
      stats.max = Math.max(stats.max, i);
      buf = buf.slice(i + 2);
    }
  }
}

async function run(dashboard: boolean, client: Client): Promise<Record<string, unknown>> {
  const flow = await WorkflowEngine.create({ backend: new NoopBackend() });
  const out: Record<string, unknown> = { dashboard, client };
  const stats = { messages: 0, bytes: 0, max: 0 };
  let reading: Promise<void> | undefined;
  let url = "";
  // deno-lint-ignore no-explicit-any
  let browser: any;
  // deno-lint-ignore no-explicit-any
  let page: any;
  if (client === "listener") flow.subscribe(() => {}); // what any event listener costs
  if (dashboard) {
    url = (await flow.dashboard()).url;
    if (client === "page") reading = drain(await fetch(`${url}live`), stats);
    if (client === "events") reading = drain(await fetch(`${url}events`), stats);
    if (client === "chromium") {
      const { chromium } = await import("playwright-core");
      browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: ["--headless", "--no-sandbox", "--disable-gpu"],
      });
      page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "live");
    }
  }
  const step = flow.functionTask((i: number) => i, { name: "step" });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 10 }, (_, w) =>
      flow.workflowScope(`wf-${w}`, async () => {
        const fs = [];
        for (let i = 0; i < N / 10; i++) fs.push(step(i));
        await Promise.all(fs);
      })),
  );
  out.runMs = Math.round(performance.now() - t0);
  out.rssMB = Math.round(Deno.memoryUsage().rss / 1e6);
  if (dashboard) {
    const state = await (await fetch(`${url}state`)).text();
    out.stateBytes = state.length;
  }
  if (page !== undefined) {
    await page.waitForFunction(
      `document.getElementById('n-done').textContent === ${
        JSON.stringify(N.toLocaleString("en-US"))
      }`,
      undefined,
      { timeout: 120_000, polling: 100 },
    );
    out.page = await page.evaluate("window.__dashboard");
    // a click opens a workflow (its rows are drawn one by one), then a scroll
    await page.locator("#gantt text.glabel").first().click();
    await page.waitForTimeout(300);
    await page.evaluate("window.scrollTo(0, 20000)");
    await page.waitForTimeout(300);
    out.scrollGanttMs = await page.evaluate("window.__dashboard.scrollMs");
    await browser.close();
  }
  await flow.shutdown();
  await reading;
  if (client === "page" || client === "events") {
    out.messages = stats.messages;
    out.streamBytes = stats.bytes;
    out.largestMessage = stats.max;
  }
  return out;
}

if (flags.one !== undefined) {
  // one setting in this fresh process
  const [d, c] = flags.one.split(",");
  console.log(JSON.stringify(await run(d === "true", c as Client)));
} else {
  console.log(`${N} tasks, NoopBackend, 10 workflow scopes; each setting in a fresh process`);
  const settings = ["false,none", "false,listener", "true,none", "true,page", "true,events"];
  if (flags.chromium) settings.push("true,chromium");
  for (const one of settings) {
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", import.meta.filename!, "--tasks", String(N), "--one", one],
      stderr: "inherit",
    }).output();
    console.log(new TextDecoder().decode(stdout).trim());
  }
}
