/**
 * An AI pipeline (AsyncFlow's "concurrent backends" example): a compute
 * backend and an AI backend in one workflow. Documents are measured by
 * function tasks on `compute`, summarised by prompt tasks on `ai` (all at
 * once, up to the backend's `maxConcurrent`), the summaries combined into an
 * overview by one more prompt, and the report put together on `compute`.
 * Futures cross the two backends freely.
 *
 * Run: `deno run --allow-net --allow-env=OPENAI_API_KEY examples/ai_pipeline.ts`
 * followed by the base URL of any OpenAI-compatible server (vLLM, llama.cpp's
 * `llama-server`, Ollama, SGLang, OpenAI) and `--model NAME`, e.g.
 * `http://127.0.0.1:11434/v1 --model llama3.2` for Ollama; or by `--dry-run`,
 * where `ai` is a `NoopBackend` (every prompt answers "Dummy Prompt Output")
 * and nothing is sent. The key, if the server wants one, comes from
 * `OPENAI_API_KEY`.
 *
 * @module
 */
import { InlineBackend, NoopBackend, OpenAIBackend, WorkflowEngine } from "../mod.ts";

/** The documents of the example. */
export const DOCUMENTS: readonly { title: string; text: string }[] = [
  {
    title: "Ensemble molecular dynamics",
    text:
      "Ensemble simulations run many short molecular dynamics trajectories instead of one long one. " +
      "Each trajectory starts from a different state, and an analysis step after each round picks " +
      "the states for the next round. The ensemble explores the energy landscape faster than a " +
      "single trajectory of the same total length.",
  },
  {
    title: "Surrogate models",
    text:
      "A surrogate model is a cheap approximation of an expensive simulation. Training data comes " +
      "from simulation runs, and the trained surrogate steers which simulations run next. The loop " +
      "of simulation, training and selection needs a workflow system that mixes tasks of very " +
      "different sizes.",
  },
  {
    title: "Climate ensembles",
    text:
      "Climate projections are ensembles of model runs with perturbed parameters. Post-processing " +
      "reduces terabytes of output to a few indicators per run, and the indicators of all runs are " +
      "compared to estimate uncertainty. Most of the compute goes into the runs; most of the " +
      "insight comes from the comparison.",
  },
  {
    title: "Literature triage",
    text: "Researchers read more abstracts than papers. A language model can triage abstracts by " +
      "relevance and summarise the relevant ones, so that a scientist reads the ten papers that " +
      "matter. The model is one step of a pipeline that also fetches, deduplicates and ranks.",
  },
];

const STOP = new Set(
  ("a an and are as be by comes each from goes has in instead into is it its many more most of " +
    "on one or so than that the their they this to very which with").split(" "),
);

/** What the compute step finds in a document. */
export interface Analysis {
  /** The document's title. */
  title: string;
  /** Its words. */
  words: number;
  /** Its three most frequent words that are not stop words. */
  keywords: string[];
  /** Its text. */
  text: string;
}

/** Counts words and finds keywords (a function task on `compute`). */
export function analyse(doc: { title: string; text: string }): Analysis {
  const words = doc.text.toLowerCase().match(/[a-z]+/g) ?? [];
  const counts = new Map<string, number>();
  for (const w of words) if (!STOP.has(w) && w.length > 3) counts.set(w, (counts.get(w) ?? 0) + 1);
  const keywords = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3)
    .map(([w]) => w);
  return { title: doc.title, words: words.length, keywords, text: doc.text };
}

/** What {@link main} returns. */
export interface PipelineSummary {
  /** One summary per document. */
  summaries: string[];
  /** The combined overview. */
  overview: string;
  /** Tokens the server reported, summed (zeros when none were reported). */
  tokens: { prompt: number; completion: number; requests: number };
}

const USAGE =
  "usage: ai_pipeline.ts (--dry-run | <baseURL> [--model NAME]), e.g. http://127.0.0.1:8000/v1 --model my-model";

/** Reads the command line: `--dry-run`, or a base URL and an optional `--model`. */
export function parseArgs(args: readonly string[]): { baseURL?: string; model: string } {
  let baseURL: string | undefined;
  let model = "gpt-4o-mini";
  let dry = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--dry-run") dry = true;
    else if (a === "--model" && i + 1 < args.length) model = args[++i]!;
    else if (a.startsWith("--model=")) model = a.slice("--model=".length);
    else if (!a.startsWith("-") && baseURL === undefined) baseURL = a;
    else {throw new TypeError(
        `Cannot run the AI pipeline as argument ${JSON.stringify(a)} is unknown\n${USAGE}`,
      );}
  }
  if (dry === (baseURL !== undefined)) {
    throw new TypeError(
      `Cannot run the AI pipeline as it needs --dry-run or a base URL, not ${
        dry ? "both" : "neither"
      }\n${USAGE}`,
    );
  }
  return baseURL === undefined ? { model } : { baseURL, model };
}

/** Runs the pipeline; prints the report with `log`. */
export async function main(
  args: readonly string[] = Deno.args,
  log: (line: string) => void = console.log,
): Promise<PipelineSummary> {
  const { baseURL, model } = parseArgs(args);
  await using flow = await WorkflowEngine.create({
    backend: [
      new InlineBackend({ name: "compute" }),
      baseURL === undefined
        ? new NoopBackend({ name: "ai" })
        : new OpenAIBackend({ name: "ai", baseURL, model, maxConcurrent: 4 }),
    ],
  });
  log(
    baseURL === undefined
      ? "backends: compute, ai (dry run: ai is a NoopBackend)"
      : `backends: compute, ai (OpenAI-compatible server at ${baseURL}, model ${model})`,
  );
  const tokens = { prompt: 0, completion: 0, requests: 0 };
  flow.subscribe((e) => {
    if (e.type === "TaskCompleted" && e.backend === "ai") {
      tokens.requests++;
      tokens.prompt += e.usage?.promptTokens ?? 0;
      tokens.completion += e.usage?.completionTokens ?? 0;
    }
  });

  const measure = flow.functionTask(analyse, { name: "analyse" });
  const summarise = flow.promptTask((a: Analysis) => [
    { role: "system", content: "You summarise scientific texts in one plain sentence." },
    { role: "user", content: `${a.title} (keywords: ${a.keywords.join(", ")})\n\n${a.text}` },
  ], { name: "summarise", backend: "ai", prompt: { temperature: 0.2, maxTokens: 80 } });
  const combine = flow.promptTask(
    (summaries: string[]) =>
      `Write a three-sentence overview of these summaries:\n${
        summaries.map((s) => `- ${s}`).join("\n")
      }`,
    { name: "combine", backend: "ai", prompt: { temperature: 0.2, maxTokens: 160 } },
  );
  const report = flow.functionTask(
    (analyses: Analysis[], summaries: string[], overview: string) =>
      analyses.map((a, i) =>
        `doc "${a.title}": ${a.words} words, keywords ${a.keywords.join(", ")}\n  summary: ${
          oneLine(summaries[i]!)
        }`
      ).join("\n") + `\noverview: ${oneLine(overview)}`,
    { name: "report" },
  );

  const analyses = DOCUMENTS.map((d) => measure(d)); // compute, in parallel
  const summaries = analyses.map((a) => summarise(a)); // ai, each as soon as its analysis is done
  const overview = combine(summaries); // ai, once every summary is in
  const text = await report(analyses, summaries, overview); // compute again
  for (const line of text.split("\n")) log(line);
  log(
    tokens.prompt + tokens.completion === 0
      ? `tokens: none reported (${tokens.requests} prompts)`
      : `tokens: ${tokens.prompt} prompt, ${tokens.completion} completion (${tokens.requests} prompts)`,
  );
  if (tokens.requests !== DOCUMENTS.length + 1) {
    throw new Error(`Expected ${DOCUMENTS.length + 1} prompts: received ${tokens.requests}`);
  }
  return {
    summaries: await Promise.all(summaries),
    overview: await overview,
    tokens,
  };
}

/** A model's answer on one line, cut to 300 characters. */
function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length <= 300 ? flat : flat.slice(0, 299) + "…";
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    if (!(e instanceof TypeError) || !e.message.startsWith("Cannot run the AI pipeline")) throw e;
    console.error(e.message);
    Deno.exit(2);
  }
}
