/**
 * `dln eval <network>`: runs a network on the dev or test split and reports accuracy, errors per
 * gold class and usage. With `--prompts` it evaluates trained prompts; with `--shots k` it builds
 * the paper's k-shot baseline (docs/data.md, "k-shot baselines"), so 0-shot, k-shot and trained
 * prompts can be compared on the same examples.
 *
 * Exit status: 0 every sample ran, 1 some sample failed (it counts as wrong and is listed),
 * 2 usage error (bad flags, unreadable data or network, empty split).
 */
import { Option, type Command } from "commander";
import type { CliContext } from "../context.js";
import { createProgressBar } from "../progress.js";
import type { CompiledNetwork } from "../../compile/types.js";
import {
  addModelOptions,
  checkModels,
  collect,
  createRegistry,
  loadNetworkForCommand,
  loadPromptsForCommand,
  loadSplitsForCommand,
  modelsInUse,
  numberFlag,
  parseFieldMappings,
  UsageError,
  type CacheFlag,
} from "../shared.js";
export { parseFieldMappings };
import type { Usage } from "../../llm/types.js";
import { runAll } from "../../exec/run.js";
import type { RunResult } from "../../exec/types.js";
import { DataError, kShotExamples, promptsWithShots, toSample, type Example } from "../../data/index.js";
import { summarizeAnswers, type AnswerSummary } from "../../metrics/index.js";
import { Rng } from "../../util/random.js";

interface EvalFlags {
  data?: string;
  train?: string;
  dev?: string;
  test?: string;
  prompts?: string;
  split: "dev" | "test";
  shots: string;
  limit?: string;
  json?: boolean;
  seed?: string;
  field: string[];
  target?: string;
  cache: CacheFlag;
  model: string[];
  concurrency: string;
}

/** The same default as the trainer's, so `dln eval --data f` scores the split `dln train --data f` held out. */
const DEFAULT_SEED = 42;
/** Solved examples shown in a k-shot prompt, at most. */
const SHOTS = { min: 0, max: 1000, integer: true } as const;
/** Data problems and failed samples printed, at most. */
const SHOWN = 10;

/** A usage error: printed as `dln eval: <message>`, exit status 2. */

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
  perClass: AnswerSummary["perClass"];
  failures: Array<{ id: string; code: string; node?: string; message: string }>;
  usage: Usage;
  dataProblems: number;
  wallMs: number;
}

export function registerEval(program: Command, ctx: CliContext): void {
  addModelOptions(program.command("eval"))
    .description("evaluate a network on the dev or test split: accuracy, errors per class, usage")
    .argument("<network>", "network file (JSON5)")
    .option("--data <path>", "data file (JSONL, CSV or BIG-Bench JSON) cut into train/dev/test with the seed, or paper:<task>[:<dir>]")
    .option("--train <file>", "training examples (only used for --shots)")
    .option("--dev <file>", "dev examples")
    .option("--test <file>", "test examples")
    .option("--prompts <path>", "trained prompts: a JSON file of layer id → prompt, or a training run directory")
    .addOption(new Option("--split <split>", "which split to evaluate").choices(["dev", "test"]).default("test"))
    .option("--shots <k>", "k-shot baseline: show k solved training examples in the output layer's prompt", "0")
    .option("--limit <n>", "evaluate at most n examples of the split (a seeded subset)")
    .option("--seed <n>", `seed for the split, --limit and the shots (default: the network's train.seed, else ${DEFAULT_SEED})`)
    .option("--field <input=field>", "read a network input from a differently named file field (repeatable)", collect, [])
    .option("--target <field>", "file field with the gold answer (default: target for BIG-Bench JSON, else y, else target)")
    .option("-c, --concurrency <n>", "most samples in flight (the models' own limits still apply)", "64")
    .option("--json", "print the report as one JSON object on stdout")
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
        if (!(err instanceof UsageError || err instanceof DataError)) throw err;
        ctx.stderr.write(`dln eval: ${err.message}\n`);
        ctx.exitCode = 2;
      }
    });
}

async function evalCommand(networkPath: string, flags: EvalFlags, ctx: CliContext): Promise<number> {
  const shots = numberFlag(flags.shots, "--shots", SHOTS)!;
  const limit = numberFlag(flags.limit, "--limit", "cli.cap");
  const concurrency = numberFlag(flags.concurrency, "--concurrency", "cli.concurrency")!;
  const seedFlag = numberFlag(flags.seed, "--seed", "train.seed");
  parseFieldMappings(flags.field); // a malformed --field is a usage error before anything is read
  if (!flags.data && !flags[flags.split]) {
    throw new UsageError(`no ${flags.split} data: give --data <file>, or --${flags.split} <file>`);
  }
  const network = await loadNetworkForCommand(networkPath, ctx);
  const seed = seedFlag ?? network.train.seed ?? DEFAULT_SEED;

  const splits = await loadSplitsForCommand(flags, network, ctx, {
    seed,
    caps: limit === undefined ? undefined : { [flags.split]: limit },
    command: "eval",
  });
  const examples = splits[flags.split];
  if (examples.length === 0) throw new UsageError(`the ${flags.split} split is empty`);

  let prompts = flags.prompts === undefined ? undefined : await loadPromptsForCommand(flags.prompts, network, ctx, "eval");
  if (shots > 0) {
    if (splits.train.length === 0) throw new UsageError("--shots needs training examples: give --data or --train");
    const demos = kShotExamples(splits.train, shots, new Rng(seed).fork("shots"));
    if (demos.length < shots) ctx.stderr.write(`dln eval: warning: only ${demos.length} training examples for --shots ${shots}\n`);
    prompts = promptsWithShots(network, prompts, demos);
  }

  const registry = createRegistry(network, ctx, flags, "eval");
  // A model that cannot work (missing ${VAR}, refused key, dead endpoint) is reported once, not as "accuracy: 0.0%".
  await checkModels(registry, modelsInUse(network), { probe: flags.cache !== "readonly" }).catch(async (err: unknown) => {
    await registry.close();
    throw err;
  });
  const progress = createProgressBar(ctx, { label: `eval ${flags.split}` });
  const started = performance.now();
  let results: RunResult[];
  try {
    results = await runAll(network, examples.map(toSample), {
      clients: registry,
      prompts,
      concurrency,
      onProgress: (p) => progress.update({ done: p.done, total: examples.length, failed: p.failed, tokens: p.usage.promptTokens + p.usage.completionTokens }),
    });
  } finally {
    progress.stop();
    await registry.close();
  }

  const report = buildReport({
    network,
    examples,
    results,
    split: flags.split,
    shots,
    seed,
    prompts: flags.prompts,
    usage: registry.usage().total,
    dataProblems: splits.problems.length,
    wallMs: performance.now() - started,
  });
  if (!flags.json && report.failed === report.examples && report.examples > 0) {
    // Nothing answered: an accuracy of 0% would hide the cause.
    const f = report.failures[0];
    ctx.stderr.write(
      `dln eval: every one of the ${report.examples} samples failed, so there is no accuracy to report; the first: ${f.code}${f.node ? ` at ${f.node}` : ""}: ${f.message}\n`,
    );
    return 1;
  }
  ctx.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return report.failed > 0 ? 1 : 0;
}

/** Pairs results with their examples (by input position) and scores them with the network's loss. */
export function buildReport(args: {
  network: CompiledNetwork;
  examples: Example[];
  results: RunResult[];
  split: "dev" | "test";
  shots: number;
  seed: number;
  prompts?: string;
  usage: Usage;
  dataProblems: number;
  wallMs: number;
}): EvalReport {
  const byIndex = new Map(args.results.map((r) => [r.index, r]));
  const preds = args.examples.map((_, i) => {
    const r = byIndex.get(i);
    return r && !r.error ? r.output : undefined;
  });
  const summary = summarizeAnswers(
    preds,
    args.examples.map((e) => e.target),
    args.network.loss,
  );
  const failures = args.examples.flatMap((e, i) => {
    const r = byIndex.get(i);
    if (r && !r.error) return [];
    const error = r?.error ?? { code: "E_NOT_RUN", message: "the sample did not run" };
    return [{ id: e.id, code: error.code, node: error.node, message: error.message }];
  });
  return {
    network: args.network.name,
    split: args.split,
    shots: args.shots,
    seed: args.seed,
    ...(args.prompts !== undefined ? { prompts: args.prompts } : {}),
    examples: summary.examples,
    correct: summary.correct,
    accuracy: summary.accuracy,
    failed: failures.length,
    perClass: summary.perClass,
    failures,
    usage: args.usage,
    dataProblems: args.dataProblems,
    wallMs: Math.round(args.wallMs),
  };
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
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const render = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
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
