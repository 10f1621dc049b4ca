/**
 * `dln eval <network>`: runs a network on the dev or test split and reports accuracy, errors per
 * gold class and usage: a thin shell over `graph.evaluate()`. With `--prompts` it evaluates trained prompts; with `--shots k` it builds
 * the paper's k-shot baseline (docs/data.md, "k-shot baselines"), so 0-shot, k-shot and trained
 * prompts can be compared on the same examples.
 *
 * Exit status: 0 every sample ran, 1 some sample failed (it counts as wrong and is listed),
 * 2 usage error (bad flags, unreadable data or network, empty split).
 */
import { Option, type Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT } from "../exit.js";
import { createProgressBar } from "../progress.js";
import {
  addConcurrencyOption,
  addDataOptions,
  addJsonOption,
  addModelOptions,
  addPromptsOption,
  addSeedOption,
  checkModels,
  failCommand,
  loadGraphForCommand,
  loadPromptsForCommand,
  loadSplitsForCommand,
  numberFlag,
  parseFieldMappings,
  UsageError,
  type DataFlags,
  type ModelFlags,
} from "../shared.js";
export { parseFieldMappings };
import { scoreResults, type Evaluation, type Graph, type GraphEvaluateOptions, type RunResult, type Scores } from "../../graph.js";
import type { Usage } from "../../llm/types.js";
import type { Example, Splits } from "../../data/index.js";

interface EvalFlags extends DataFlags, ModelFlags {
  prompts?: string;
  split: "dev" | "test";
  shots: string;
  limit?: string;
  json?: boolean;
  seed?: string;
  concurrency: string;
}

/** The same default as the trainer's, so `dln eval --data f` scores the split `dln train --data f` held out. */
const DEFAULT_SEED = 42;
/** Solved examples shown in a k-shot prompt, at most. */
const SHOTS = { min: 0, max: 1000, integer: true } as const;
/** Data problems and failed samples printed, at most. */
const SHOWN = 10;

/** What `dln eval` prints (`--json`): the setting, then what `graph.evaluate()` returned (without the per-sample results). */
export interface EvalReport {
  network: string;
  split: "dev" | "test";
  shots: number;
  seed: number;
  prompts?: string;
  examples: number;
  correct: number;
  accuracy: number;
  failed: number;
  perClass: Scores["perClass"];
  failures: Scores["failures"];
  usage: Usage;
  dataProblems: number;
  wallMs: number;
}

export function registerEval(program: Command, ctx: CliContext): void {
  const command = addModelOptions(program.command("eval"))
    .description("evaluate a network on the dev or test split: accuracy, errors per class, usage")
    .argument("<network>", "network file (JSON5)");
  addDataOptions(command, {
    train: "training examples (only used for --shots)",
    target: "file field with the gold answer (default: target for BIG-Bench JSON, else y, else target)",
  });
  addPromptsOption(command, "trained prompts: a JSON file of layer id → prompt, or a training run directory")
    .addOption(new Option("--split <split>", "which split to evaluate").choices(["dev", "test"]).default("test"))
    .option("--shots <k>", "k-shot baseline: show k solved training examples in the output layer's prompt", "0")
    .option("--limit <n>", "evaluate at most n examples of the split (a seeded subset)");
  addSeedOption(command, `seed for the split, --limit and the shots (default: the network's train.seed, else ${DEFAULT_SEED})`);
  addConcurrencyOption(command);
  addJsonOption(command, "print the report as one JSON object on stdout")
    .addHelpText(
      "after",
      `
Exit status: 0 every sample ran, 1 some sample failed (counted as wrong), 2 usage error.

Examples:
  $ dln eval networks/dln-1.json5 --data data.jsonl                       0-shot, initial prompts
  $ dln eval networks/dln-1.json5 --data data.jsonl --shots 5             5-shot baseline
  $ dln eval networks/dln-1.json5 --data data.jsonl --prompts runs/last   trained prompts
  $ dln eval networks/paper/dln1-hyperbaton.json5 --data paper:hyperbaton:data --json`,
    )
    .action(async (networkPath: string, flags: EvalFlags) => {
      try {
        ctx.exitCode = await evalCommand(networkPath, flags, ctx);
      } catch (err) {
        ctx.exitCode = failCommand(ctx, "eval", err);
      }
    });
}

/** The numbers of the flags, checked before anything is read. */
function evalNumbers(flags: EvalFlags): { shots: number; limit?: number; concurrency: number; seed?: number } {
  return {
    shots: numberFlag(flags.shots, "--shots", SHOTS),
    limit: numberFlag(flags.limit, "--limit", "cli.cap"),
    concurrency: numberFlag(flags.concurrency, "--concurrency", "cli.concurrency"),
    seed: numberFlag(flags.seed, "--seed", "train.seed"),
  };
}

async function evalCommand(networkPath: string, flags: EvalFlags, ctx: CliContext): Promise<number> {
  const n = evalNumbers(flags);
  parseFieldMappings(flags.field); // a malformed --field is a usage error before anything is read
  if (!flags.data && !flags[flags.split]) throw new UsageError(`no ${flags.split} data: give --data <file>, or --${flags.split} <file>`);
  const graph = await loadGraphForCommand(networkPath, ctx, flags, "eval");
  try {
    const seed = n.seed ?? graph.network.train.seed ?? DEFAULT_SEED;
    const caps = n.limit === undefined ? undefined : { [flags.split]: n.limit };
    const splits = await loadSplitsForCommand(flags, graph.network, ctx, { seed, caps, command: "eval" });
    const examples = splits[flags.split];
    if (examples.length === 0) throw new UsageError(`the ${flags.split} split is empty`);
    const options = await evaluateOptions(graph, flags, ctx, splits, { ...n, seed });
    // A model that cannot work (missing ${VAR}, refused key, dead endpoint) is reported once, not as "accuracy: 0.0%".
    await checkModels(graph.models, graph.modelsInUse(), { probe: flags.cache !== "readonly" });
    const evaluation = await evaluateWithProgress(graph, examples, options, ctx, flags.split);
    if (evaluation.shots < n.shots) ctx.stderr.write(`dln eval: warning: only ${evaluation.shots} training examples for --shots ${n.shots}\n`);
    const setting = { network: graph.name, split: flags.split, shots: n.shots, seed, prompts: flags.prompts, dataProblems: splits.problems.length };
    return printReport(ctx, reportOf(evaluation, setting), flags.json ?? false);
  } finally {
    await graph.close();
  }
}

/** `--prompts`, `--shots` and `--concurrency` as options of graph.evaluate(). */
async function evaluateOptions(
  graph: Graph,
  flags: EvalFlags,
  ctx: CliContext,
  splits: Splits,
  n: { shots: number; concurrency: number; seed: number },
): Promise<GraphEvaluateOptions> {
  const prompts = flags.prompts === undefined ? undefined : await loadPromptsForCommand(flags.prompts, graph.network, ctx, "eval");
  if (n.shots > 0 && splits.train.length === 0) throw new UsageError("--shots needs training examples: give --data or --train");
  const shots = n.shots > 0 ? { k: n.shots, examples: splits.train, seed: n.seed } : undefined;
  return { prompts, shots, concurrency: n.concurrency, signal: ctx.signal };
}

/** graph.evaluate() with a progress bar on stderr (when it is a terminal). */
async function evaluateWithProgress(graph: Graph, examples: Example[], options: GraphEvaluateOptions, ctx: CliContext, split: string): Promise<Evaluation> {
  const progress = createProgressBar(ctx, { label: `eval ${split}` });
  try {
    return await graph.evaluate(examples, {
      ...options,
      onProgress: (p) => progress.update({ done: p.done, total: examples.length, failed: p.failed, tokens: p.usage.promptTokens + p.usage.completionTokens }),
    });
  } finally {
    progress.stop();
  }
}

/** The report, or (when nothing answered) the first error instead of an accuracy of 0% that would hide the cause. */
function printReport(ctx: CliContext, report: EvalReport, json: boolean): number {
  if (!json && report.failed === report.examples && report.examples > 0) {
    const [f] = report.failures;
    const first = f ? `; the first: ${f.code}${f.node ? ` at ${f.node}` : ""}: ${f.message}` : "";
    ctx.stderr.write(`dln eval: every one of the ${report.examples} samples failed, so there is no accuracy to report${first}\n`);
    return EXIT.failed;
  }
  ctx.stdout.write(json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return report.failed > 0 ? EXIT.failed : EXIT.ok;
}

interface ReportSetting {
  network: string;
  split: "dev" | "test";
  shots: number;
  seed: number;
  prompts?: string;
  dataProblems: number;
}

/** The setting, then the scores, usage and time of an evaluation. */
function reportOf(e: Omit<Evaluation, "results" | "shots">, s: ReportSetting): EvalReport {
  return {
    network: s.network,
    split: s.split,
    shots: s.shots,
    seed: s.seed,
    ...(s.prompts !== undefined ? { prompts: s.prompts } : {}),
    examples: e.examples,
    correct: e.correct,
    accuracy: e.accuracy,
    failed: e.failed,
    perClass: e.perClass,
    failures: e.failures,
    usage: e.usage,
    dataProblems: s.dataProblems,
    wallMs: Math.round(e.wallMs),
  };
}

/** Pairs results with their examples (by input position) and scores them with the network's loss (scoreResults). */
export function buildReport(
  args: Omit<ReportSetting, "network"> & { network: Graph["network"]; examples: Example[]; results: RunResult[]; usage: Usage; wallMs: number },
): EvalReport {
  const scores = scoreResults(args.network, args.examples, args.results);
  return reportOf({ ...scores, usage: args.usage, wallMs: args.wallMs }, { ...args, network: args.network.name });
}

/** The human report: headline, per-class table with the most frequent wrong answers, usage. */
export function formatReport(r: EvalReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const setting = [r.shots > 0 ? `${r.shots}-shot` : "0-shot", r.prompts ? `prompts from ${r.prompts}` : "initial prompts"].join(", ");
  const lines = [
    `${r.network} on the ${r.split} split (${r.examples} examples, ${setting}, seed ${r.seed})`,
    `accuracy: ${pct(r.accuracy)} (${r.correct}/${r.examples})${r.failed > 0 ? `, ${r.failed} failed samples counted as wrong` : ""}`,
    "",
  ];
  const rows = Object.entries(r.perClass).sort(([a], [b]) => a.localeCompare(b));
  const header = ["gold", "total", "wrong", "acc", "wrong answers"];
  const table = rows.map(([label, c]) => [
    clip(label, 24),
    String(c.total),
    String(c.wrong),
    pct(c.total === 0 ? 0 : (c.total - c.wrong) / c.total),
    Object.entries(c.confusions)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, 4)
      .map(([answer, n]) => `${clip(answer, 20)} ×${n}`)
      .join(", "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]?.length ?? 0)));
  const render = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  lines.push(render(header), ...table.map(render), "");
  const u = r.usage;
  let usage = `usage: ${u.requests} requests (${u.cacheHits} cached), ${u.promptTokens + u.completionTokens} tokens (${u.promptTokens} prompt + ${u.completionTokens} completion)`;
  if (u.cost > 0) usage += `, $${u.cost.toFixed(4)}`;
  lines.push(`${usage}, ${(r.wallMs / 1000).toFixed(1)}s`);
  if (r.failures.length > 0) {
    lines.push("failed samples:");
    for (const f of r.failures.slice(0, SHOWN)) lines.push(`  ${f.id}: ${f.code}${f.node ? ` at ${f.node}` : ""}: ${f.message}`);
    if (r.failures.length > SHOWN) lines.push(`  … and ${r.failures.length - SHOWN} more (--json lists them all)`);
  }
  return `${lines.join("\n")}\n`;
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
