/**
 * The runnable examples under `examples/`: each runs, with exactly the
 * permissions its module doc names on its `Run:` line, and prints what it
 * should. (The examples also check themselves and exit non-zero when a check
 * fails.) `composite_blocks.ts`, the demo, is run through its `main`.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { main as compositeBlocks } from "../examples/composite_blocks.ts";
import type { FlowEvent } from "../mod.ts";
import { parseEventLog } from "../src/event_log.ts";
import { startFakeOpenAI } from "./_fake_openai.ts";

const ROOT = new URL("../", import.meta.url);
const ROOT_PATH = decodeURIComponent(ROOT.pathname);

/** The `deno run ...` command on the `Run:` line of an example's module doc. */
async function runLine(example: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(example, ROOT));
  const doc = text.slice(0, text.indexOf("@module"));
  assert(doc.startsWith("/**"), `${example} has no module doc`);
  const m = /Run: `(deno run [^`]+)`/.exec(doc.replace(/\n \* ?/g, " "));
  if (m === null) {
    throw new Error(`${example} names no 'Run: \`deno run ...\`' command in its module doc`);
  }
  const argv = m[1]!.split(/\s+/);
  assertEquals(argv.at(-1), example, `the Run: line of ${example} runs another file`);
  return argv.slice(1);
}

/** Runs an example as its doc says (then `extra` arguments); returns its output. */
async function runExample(example: string, extra: readonly string[] = []): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...await runLine(example), ...extra],
    cwd: ROOT_PATH,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, `${example} failed:\n${stdout}\n${stderr}`);
  return stdout;
}

/** Expected lines (exact) or patterns of each example's output. */
const EXPECTED: Readonly<Record<string, readonly (string | RegExp)[]>> = {
  "examples/getting_started.ts": [
    /^submitted task\.\d+, task\.\d+, task\.\d+ \(state PENDING\)$/,
    `task1 -> "5\\n"`,
    "task2 -> 20",
    "task3 -> 25",
  ],
  "examples/async_workflows.ts": [
    /^wf-1 finished: wf-1: mean /,
    /^wf-5 finished: wf-5: mean /,
    /^5 workflows done; at most ([2-9]|\d\d+) tasks ran at the same time$/,
    `stats: {"pending":0,"running":0,"done":25,"failed":0,"cancelled":0}`,
  ],
  "examples/execution_backends.ts": [
    "on inline: 307",
    "on workers: 307",
    `on noop: "Dummy Output"`,
  ],
  "examples/multiple_backends.ts": [
    "backends: inline, cpu, dry (default inline)",
    "prepare ran on inline",
    "sumOfSquares ran on cpu",
    "publish ran on inline",
    "publish (rehearsal) ran on dry",
    `result 437535; rehearsal gave "Dummy Output"`,
    /^unknown backend: .*'lost'.*"gpu"/,
  ],
  "examples/best_practices.ts": [
    `errors: Cannot execute 'parse' due to dependency failure; failed load; root cause "no such file: input.csv"`,
    "retries: ok after 3 attempts",
    "timeouts: Task 'slow' timed out after 50 ms",
    "cancel: longRun CANCELLED, after CANCELLED",
    "workflowScope: tasks tagged nightly-run, nightly-run",
    `dryRun: noop answered "Dummy Output", body ran: false`,
    `stats: {"pending":0,"running":0,"done":3,"failed":3,"cancelled":2}`,
  ],
  "examples/flow_control.ts": [
    "ensemble: 11 runs, at most 3 held a licence at once",
    "urgent runs started at positions 1 and 2 of 11",
    /^flaky service: "answer" after 3 attempts \(retry delays \d+, \d+ ms\)$/,
    "map: 20 records, sum 2870, in at least 600 ms (5 starts per 200 ms)",
  ],
  "examples/resume.ts": [
    /^first run: killed by SIGKILL after 12 of 24 steps had settled$/,
    // at least the 12 steps it printed (more when others committed in the same flush)
    /^second run: mean -?\d+\.\d{3}: (1[0-3]|[1-9]) ran, (1[2-9]|2[0-4]) from the journal$/,
    /^a run with another temperature: mean -?\d+\.\d{3}: 25 ran, 0 from the journal$/,
    "  dependency 'simulate' changed (argument 1) (and 23 more like it)",
    "    argument 2 changed",
  ],
  "examples/workers.ts": [
    "primes below 400000: 33860 (8 chunks on 2 workers)",
    /^workers used: workers-\d+(, workers-\d+)?$/,
  ],
};

for (const [example, expected] of Object.entries(EXPECTED)) {
  Deno.test(`${example} runs with the permissions its doc names and prints its results`, async () => {
    const lines = (await runExample(example)).trimEnd().split("\n");
    for (const e of expected) {
      const hit = lines.some((l) => typeof e === "string" ? l === e : e.test(l));
      assert(hit, `${example} printed no line ${e}:\n${lines.join("\n")}`);
    }
  });
}

Deno.test("examples/ai_pipeline.ts --dry-run runs with the permissions its doc names on NoopBackend", async () => {
  const lines = (await runExample("examples/ai_pipeline.ts", ["--dry-run"])).trimEnd().split("\n");
  assertEquals(lines[0], "backends: compute, ai (dry run: ai is a NoopBackend)");
  assertEquals(lines.filter((l) => l === "  summary: Dummy Prompt Output").length, 4);
  assert(
    lines.includes(`doc "Surrogate models": 44 words, keywords simulation, surrogate, training`),
  );
  assertEquals(lines.slice(-2), [
    "overview: Dummy Prompt Output",
    "tokens: none reported (5 prompts)",
  ]);
});

Deno.test("examples/ai_pipeline.ts runs against an OpenAI-compatible server given on the command line", async () => {
  await using fake = await startFakeOpenAI();
  const out = await runExample("examples/ai_pipeline.ts", [fake.url, "--model", "tiny-model"]);
  const lines = out.trimEnd().split("\n");
  assertEquals(
    lines[0],
    `backends: compute, ai (OpenAI-compatible server at ${fake.url}, model tiny-model)`,
  );
  assert(
    lines.includes(
      "  summary: echo: Literature triage (keywords: abstracts, model, papers) Researchers read more abstracts than papers. A language model can triage abstracts by relevance and summarise the relevant ones, so that a scientist reads the ten papers that matter. The model is one step of a pipeline that also fetches, …",
    ),
    out,
  );
  assertMatch(
    lines.at(-2)!,
    /^overview: echo: Write a three-sentence overview of these summaries: - echo: /,
  );
  assertMatch(lines.at(-1)!, /^tokens: \d+ prompt, \d+ completion \(5 prompts\)$/);
  assertEquals(fake.requests.length, 5);
  assertEquals(fake.requests.map((r) => r.body.model), Array(5).fill("tiny-model"));
  assertEquals(fake.requests.at(-1)!.body.max_tokens, 160);
  assert(fake.maxInFlight <= 4, `${fake.maxInFlight} requests in flight`);
});

Deno.test("examples/ai_pipeline.ts exits 2 with its usage when given neither --dry-run nor a URL", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "examples/ai_pipeline.ts"],
    cwd: ROOT_PATH,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 2);
  assertStringIncludes(
    new TextDecoder().decode(out.stderr),
    "usage: ai_pipeline.ts (--dry-run | <baseURL> [--model NAME])",
  );
});

Deno.test("runLine() reads the example's Run: command from its module doc", async () => {
  assertEquals(await runLine("examples/workers.ts"), [
    "run",
    "--allow-read",
    "examples/workers.ts",
  ]);
  assertEquals(await runLine("examples/best_practices.ts"), ["run", "examples/best_practices.ts"]);
});

Deno.test("composite_blocks.ts main() runs part 1's blocks concurrently and part 2's C after A and B", async () => {
  const lines: string[] = [];
  const dir = await Deno.makeTempDir({ prefix: "asyncflow_demo_" });
  let totals: number[];
  let events: FlowEvent[];
  try {
    totals = await compositeBlocks((line) => lines.push(line), `${dir}/events.jsonl`);
    events = parseEventLog(await Deno.readTextFile(`${dir}/events.jsonl`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // every block and workflow has a name of its own, and a marker starts part 2
  const created = events.filter((e) => e.type === "TaskCreated" && e.uid.startsWith("block."));
  const names = created.map((e) => e.name);
  assertEquals(names.filter((n) => n.startsWith("block ")).sort(), [
    "block A",
    "block A",
    "block B",
    "block B",
    "block C",
    "block C",
  ]);
  for (const x of ["A", "B", "C"]) {
    for (const wf of ["WF1", "WF2", "WF3"]) {
      assertEquals(names.filter((n) => n === `${x}/${wf}`).length, 2, `${x}/${wf}`);
    }
  }
  const mark = events.findIndex((e) => e.type === "demo.Part2");
  assert(mark > 0, "no demo.Part2 event");
  assertEquals((events[mark]!.attrs as { label: string }).label, "part 2: C after A and B");
  assertEquals(
    events.slice(0, mark).filter((e) => e.type === "TaskCompleted" && e.name.startsWith("block "))
      .length,
    3,
    "part 2 starts after part 1's three blocks",
  );
  assertEquals(totals.length, 2);
  const at = (text: string, from = 0) => lines.findIndex((l, i) => i >= from && l.includes(text));
  const part2 = at("== Part 2");
  assert(part2 > 0, lines.join("\n"));
  // part 1: all three blocks start before any finishes
  const firstFinish = at("block A finished") < at("block B finished")
    ? at("block A finished")
    : at("block B finished");
  assert(at("block C started") < firstFinish && at("block C started") < part2, lines.join("\n"));
  // part 2: C starts after A and B finished; WF1 → WF2 → WF3 in order within a block
  const cStarted = at("block C started", part2);
  assert(cStarted > at("block A finished", part2), lines.join("\n"));
  assert(cStarted > at("block B finished", part2), lines.join("\n"));
  assert(at("C/WF1 finished", part2) < at("C/WF2 started", part2), lines.join("\n"));
  assertEquals(lines.filter((l) => l.includes("task3 finished")).length, 18);
  assertMatch(lines.at(-1)!, /^Total time: \d+\.\d\d s$/);
});
