/**
 * `dln train <network>`: learns the network's prompts from data with the DLN variational
 * optimizer (docs/training.md). A thin shell over the library: flags → `graph.train()` options
 * (the resume policy is the library's: `graph.planTraining`), then it renders the event stream.
 *
 * Exit status: 0 trained (also when a budget stopped it early), 1 training failed, 2 usage error,
 * 130 interrupted.
 */
import { setMaxListeners } from "node:events";
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import pc from "picocolors";
import type { CliContext } from "../context.js";
import { useColor } from "../context.js";
import { EXIT } from "../exit.js";
import { createProgressBar, formatCount, formatDuration } from "../progress.js";
import {
  addBudgetOptions,
  addDataOptions,
  addIterationsOption,
  addJsonOption,
  addModelOptions,
  addRunDirOption,
  addSeedOption,
  budgetFromFlags,
  checkModels,
  failCommand,
  loadGraphForCommand,
  loadSplitsForCommand,
  numberFlag,
  UsageError,
  type BudgetFlags,
  type DataFlags,
  type ModelFlags,
} from "../shared.js";
import {
  hasCheckpoint,
  readRunDir,
  type Graph,
  type GraphTrainOptions,
  type TrainConfig,
  type TrainEvent,
  type TrainOverrides,
  type TrainResult,
} from "../../graph.js";
import { parsePaperDataRef, type Splits } from "../../data/index.js";
import { updateLastRunLink } from "../last-run.js";
import { writeReport } from "../../report/index.js";
import { AbortError } from "../../util/errors.js";

interface TrainFlags extends DataFlags, ModelFlags, BudgetFlags {
  runDir?: string;
  resume?: string;
  force?: boolean;
  json?: boolean;
  trainCap?: string;
  devCap?: string;
  testCap?: string;
  // knobs
  iterations?: string;
  batchSize?: string;
  promptSamples?: string;
  hiddenSamples?: string;
  backwardTemperature?: string;
  posteriorTemperature?: string;
  trustFactor?: string;
  explorationPenalty?: string;
  decayPenalty?: boolean;
  memory?: string;
  patience?: string;
  valEvery?: string;
  heldOut?: boolean;
  priorTerm?: boolean;
  rewriteOnlyWrong?: boolean;
  keepForward?: boolean;
  balanced?: boolean;
  burnIn?: string;
  scoring?: TrainConfig["scoring"];
  backwardModel?: string;
  seed?: string;
}

export function registerTrain(program: Command, ctx: CliContext): void {
  const command = addModelOptions(program.command("train"))
    .description("learn the network's prompts from data (the DLN variational optimizer)")
    .argument("<network>", "network file (JSON5)");
  addDataOptions(command, { dev: "dev examples (validation, best prompts)", test: "test examples (evaluated once, with the best prompts)" })
    .option("--train-cap <n>", "use at most n training examples")
    .option("--dev-cap <n>", "use at most n dev examples")
    .option("--test-cap <n>", "use at most n test examples");
  addRunDirOption(command, "where checkpoints, events.jsonl and result.json go (default runs/<network>-<time>)")
    .option("--resume <run-dir>", "continue a run from its last checkpoint, with its own data and settings")
    .option("--force", "with --resume: continue even when the data or settings given differ from the run's (recorded in run.json)");
  addKnobOptions(command);
  addSeedOption(command, "seed of every random choice (42)");
  addBudgetOptions(command);
  addJsonOption(command, "one JSON event per line on stdout")
    .addHelpText(
      "after",
      `
Exit status: 0 trained (also when a budget stopped it), 1 training failed, 2 usage error, 130 interrupted.

Examples:
  $ dln train networks/dln-1.json5 --data data.jsonl
  $ dln train networks/dln-2.json5 --data data.jsonl --iterations 10 --budget-tokens 2000000
  $ dln train networks/dln-2.json5 --resume runs/dln-2-20240101-120000
  $ dln train networks/dln-1.json5 --train train.jsonl --dev dev.jsonl --test test.jsonl --json > events.jsonl`,
    )
    .action(async (networkPath: string, flags: TrainFlags) => {
      ctx.exitCode = await trainAction(networkPath, flags, ctx);
    });
}

/** The knobs of the DLN variational optimizer (docs/training.md). */
function addKnobOptions(command: Command): Command {
  return addIterationsOption(command, "training iterations (20)")
    .option("--batch-size <n>", "examples per minibatch (DLN-1 20, DLN-2 10)")
    .option("--prompt-samples <n>", "prompt candidates per step, the current one included (DLN-1 20, DLN-2 10)")
    .option("--hidden-samples <n>", "posterior samples per example for hidden layers (DLN-2 10)")
    .option("--backward-temperature <t>", "temperature of proposals and posterior samples (0.7)")
    .option("--posterior-temperature <t>", "temperature of the posterior weights (1.0)")
    .option("--trust-factor <x>", "trust-region weight of the KL term on output layers (DLN-1 0, DLN-2 5)")
    .option("--exploration-penalty <x>", "exploration penalty on hidden layers (DLN-2 2)")
    .option("--no-decay-penalty", "keep the exploration penalty constant instead of decaying it to 0")
    .option("--memory <n>", "best prompt sets kept as extra candidates (DLN-1 0, DLN-2 5)")
    .option("--patience <n>", "validations without improvement before reloading the best prompts; 0 never (DLN-2 2)")
    .option("--val-every <n>", "validate on dev every n iterations (2)")
    .option("--no-held-out", "propose and rank on the whole batch instead of separate halves")
    .option("--no-prior-term", "leave the prior out of the posterior weights")
    .option("--rewrite-only-wrong", "draw posterior samples only for wrongly answered examples")
    .option("--no-keep-forward", "leave the forward value out of the posterior samples (kept by default)")
    .option("--balanced", "class-balanced minibatches")
    .option("--burn-in <f>", "fraction of the first target tokens skipped when scoring (0.05)")
    .addOption(new Option("--scoring <mode>", "how candidates are scored").choices(["auto", "exact", "classes", "accuracy"]))
    .option("--backward-model <name>", "model (from the network's models) that writes proposals and posterior samples");
}

async function trainAction(networkPath: string, flags: TrainFlags, ctx: CliContext): Promise<number> {
  try {
    return await trainCommand(networkPath, flags, ctx);
  } catch (err) {
    return trainFailure(ctx, networkPath, err);
  }
}

/** Reports why training stopped and returns the exit status; Ctrl-C says how to continue the run. */
export function trainFailure(ctx: CliContext, networkPath: string, err: unknown): number {
  if (!(err instanceof Interrupted)) return failCommand(ctx, "train", err);
  ctx.stderr.write(
    hasCheckpoint(err.runDir)
      ? `dln train: interrupted; continue with: dln train ${shellWord(networkPath)} --resume ${shellWord(err.runDir)}\n`
      : `dln train: interrupted before the first checkpoint; nothing to resume in ${err.runDir} (start again)\n`,
  );
  return EXIT.interrupted;
}

/** Ctrl-C stopped the run: the CLI prints how to continue it. */
class Interrupted extends AbortError {
  constructor(readonly runDir: string) {
    super(`interrupted; continue with --resume ${runDir}`);
  }
}

/** A path as one shell word (quoted when it has to be). */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

const num = numberFlag;

/** The knobs given on the command line (undefined where not given, so the network's `train` and the defaults apply). */
function overridesFromFlags(f: TrainFlags): TrainOverrides {
  return {
    iterations: num(f.iterations, "--iterations", "train.iterations"),
    batchSize: num(f.batchSize, "--batch-size", "train.batchSize"),
    promptSamples: num(f.promptSamples, "--prompt-samples", "train.promptSamples"),
    hiddenSamples: num(f.hiddenSamples, "--hidden-samples", "train.hiddenSamples"),
    backwardTemperature: num(f.backwardTemperature, "--backward-temperature", "train.backwardTemperature"),
    posteriorTemperature: num(f.posteriorTemperature, "--posterior-temperature", "train.posteriorTemperature"),
    trustFactor: num(f.trustFactor, "--trust-factor", "train.trustFactor"),
    explorationPenalty: num(f.explorationPenalty, "--exploration-penalty", "train.explorationPenalty"),
    decayPenalty: f.decayPenalty === false ? false : undefined,
    memory: num(f.memory, "--memory", "train.memory"),
    patience: num(f.patience, "--patience", "train.patience"),
    valEvery: num(f.valEvery, "--val-every", "train.valEvery"),
    heldOut: f.heldOut === false ? false : undefined,
    priorTerm: f.priorTerm === false ? false : undefined,
    rewriteOnlyWrong: f.rewriteOnlyWrong ? true : undefined,
    keepForward: f.keepForward === false ? false : undefined,
    balanced: f.balanced ? true : undefined,
    burnIn: num(f.burnIn, "--burn-in", "train.burnIn"),
    scoring: f.scoring,
    backwardModel: f.backwardModel,
    seed: num(f.seed, "--seed", "train.seed"),
    budget: budgetFromFlags(f),
  };
}

function timestamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The data flags of a run, paths made absolute: recorded in run.json, so `--resume <dir>` alone reloads the same data. */
interface DataSources {
  flags: DataFlags;
  caps: { train?: number; dev?: number; test?: number };
}

function dataSources(flags: TrainFlags, cwd: string): DataSources {
  const at = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(cwd, p));
  const paper = flags.data !== undefined ? parsePaperDataRef(flags.data) : undefined;
  return {
    flags: {
      data: paper ? `paper:${paper.task}:${resolve(cwd, paper.dir)}` : at(flags.data),
      train: at(flags.train),
      dev: at(flags.dev),
      test: at(flags.test),
      field: flags.field,
      target: flags.target,
    },
    caps: {
      train: num(flags.trainCap, "--train-cap", "cli.cap"),
      dev: num(flags.devCap, "--dev-cap", "cli.cap"),
      test: num(flags.testCap, "--test-cap", "cli.cap"),
    },
  };
}

const givesData = (f: TrainFlags): boolean => Boolean(f.data || f.train || f.dev || f.test);

/** The data to train on: from the flags, or (resume without data flags) the data the run recorded, cut with the run's seed. */
async function trainData(
  graph: Graph,
  flags: TrainFlags,
  ctx: CliContext,
  runDir: string,
  overrides: TrainOverrides,
): Promise<{ splits: Splits; sources: DataSources }> {
  let sources = dataSources(flags, ctx.cwd);
  const run = flags.resume ? readRunDir(runDir) : undefined;
  if (run && !givesData(flags)) {
    if (flags.field.length || flags.target || flags.trainCap || flags.devCap || flags.testCap) {
      throw new UsageError("--field, --target and the caps describe data: give them with --data/--train, or resume with the run's own data (no data flags)");
    }
    const recorded = run.dataSources as DataSources | undefined;
    if (!recorded?.flags) throw new UsageError(`${runDir} does not record its data (made by an older dln): give --data or --train again`);
    sources = recorded;
  }
  if (!run && !givesData(flags)) throw new UsageError("no training data: give --data <file>, or --train <file> (with --dev and --test)");
  const seed = run ? run.config.seed : graph.trainConfig(overrides).seed;
  const splits = await loadSplitsForCommand(sources.flags, graph.network, ctx, { seed, caps: sources.caps, command: "train" });
  if (splits.train.length === 0) throw new UsageError("the train split is empty");
  return { splits, sources };
}

async function trainCommand(networkPath: string, flags: TrainFlags, ctx: CliContext): Promise<number> {
  const graph = await loadGraphForCommand(networkPath, ctx, flags, "train");
  try {
    // Every number is checked before anything is read or sent.
    const overrides = overridesFromFlags(flags);
    dataSources(flags, ctx.cwd);
    if (flags.backwardModel && !graph.network.models[flags.backwardModel]) {
      throw new UsageError(`--backward-model: no model "${flags.backwardModel}" in the network (models: ${Object.keys(graph.network.models).join(", ")})`);
    }
    if (flags.force && !flags.resume) throw new UsageError("--force only goes with --resume <run-dir>");
    const runDir = resolve(ctx.cwd, flags.resume ?? flags.runDir ?? `runs/${graph.name}-${timestamp()}`);
    const { splits, sources } = await trainData(graph, flags, ctx, runDir, overrides);
    const options = { config: overrides, runDir, resume: Boolean(flags.resume), force: flags.force, dataSources: sources };
    await runTraining(graph, splits, options, ctx, { json: flags.json ?? false, probe: flags.cache !== "readonly" });
    return EXIT.ok;
  } finally {
    await graph.close();
  }
}

/**
 * `graph.train()` as `dln train` does it (and `dln demo`): the library's plan first (the resume
 * policy of src/train/resume.ts, the cost budget's prices), the models checked once, runs/last
 * updated, the events shown, then the HTML report and (unless json) the summary.
 */
export async function runTraining(
  graph: Graph,
  splits: Pick<Splits, "train" | "dev" | "test">,
  options: GraphTrainOptions & { runDir: string },
  ctx: CliContext,
  view: { json: boolean; probe: boolean },
): Promise<TrainResult> {
  const plan = graph.planTraining(splits, options);
  for (const d of plan.forced) ctx.stderr.write(`dln train: warning: --force: ${d}\n`);
  // A model that cannot work (missing ${VAR}, refused key, dead endpoint) is reported once, before the first sample.
  await checkModels(graph.models, graph.modelsInUse([plan.config.backwardModel]), { probe: view.probe });
  const last = updateLastRunLink(ctx.cwd, options.runDir);
  if (last.problem) ctx.stderr.write(`dln train: warning: ${last.problem}\n`);
  const result = await trainWithView(graph, splits, options, ctx, view.json);
  const report = await writeReport(options.runDir, { network: graph.network, cwd: ctx.cwd }).catch((err: Error) => {
    ctx.stderr.write(`dln train: the report could not be written: ${err.message}\n`);
    return undefined;
  });
  if (!view.json) printSummary(ctx, result, report);
  return result;
}

/**
 * Runs `graph.train()` and shows its events (a JSON line each, or the terminal view); Ctrl-C
 * (ctx.signal, from bin/dln.js) stops it at once, the finished iterations checkpointed.
 */
async function trainWithView(
  graph: Graph,
  splits: Pick<Splits, "train" | "dev" | "test">,
  options: GraphTrainOptions & { runDir: string },
  ctx: CliContext,
  json: boolean,
): Promise<TrainResult> {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // every request in flight listens to it
  const onInterrupt = (): void => abort.abort(new Interrupted(options.runDir));
  ctx.signal?.addEventListener("abort", onInterrupt, { once: true });
  if (ctx.signal?.aborted) onInterrupt();
  const run = graph.train(splits, { ...options, signal: abort.signal });
  const view = json ? jsonView(ctx) : terminalView(ctx);
  const sub = run.events$.subscribe({ next: view.event, error: () => undefined });
  try {
    return await run.result;
  } catch (err) {
    throw abort.signal.aborted ? new Interrupted(options.runDir) : err;
  } finally {
    sub.unsubscribe();
    view.stop();
    ctx.signal?.removeEventListener("abort", onInterrupt);
  }
}

interface View {
  event(e: TrainEvent): void;
  stop(): void;
}

function jsonView(ctx: CliContext): View {
  return { event: (e) => ctx.stdout.write(JSON.stringify(e) + "\n"), stop: () => undefined };
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? "  –  " : `${(100 * x).toFixed(1)}%`);

/** One line per iteration on stdout, and a status line (progress, dev, best, tokens, cost, ETA) on stderr when it is a terminal. */
function terminalView(ctx: CliContext): View {
  const bar = createProgressBar(ctx, { label: "train" });
  const c = pc.createColors(useColor(ctx));
  let best: number | null = null;
  let done = 0;
  return {
    event(e) {
      switch (e.type) {
        case "start":
          ctx.stdout.write(
            `${c.bold(`training ${e.network}`)} (${e.config.preset} defaults, seed ${e.seed}, ${e.iterations} iterations)${e.resumedFrom !== undefined ? `, resumed after iteration ${e.resumedFrom}` : ""}\n  run directory: ${e.runDir}\n`,
          );
          break;
        case "validation":
          best = e.best;
          if (e.iteration === 0) ctx.stdout.write(`  initial dev accuracy ${pct(e.accuracy)} (${e.n} examples)\n`);
          break;
        case "iteration": {
          done = e.iteration;
          const tokens = e.usage.promptTokens + e.usage.completionTokens;
          ctx.stdout.write(
            `  iter ${String(e.iteration).padStart(3)}/${e.iterations}  train ${pct(e.trainAccuracy)}  dev ${pct(e.devAccuracy)}  best ${c.green(pct(e.bestDevAccuracy))}  tokens ${formatCount(tokens)}  $${e.usage.cost.toFixed(4)}  ${formatDuration(e.elapsedMs / 1000)}${e.failures ? c.yellow(`  ${e.failures} failed requests`) : ""}\n`,
          );
          bar.update({ done, total: e.iterations, tokens, note: `dev best ${pct(best)} · $${e.usage.cost.toFixed(4)}` });
          break;
        }
        case "reload-best":
          ctx.stdout.write(c.dim(`  no improvement: reloaded the best prompts (dev ${pct(e.devAccuracy)})\n`));
          break;
        case "stop":
          if (e.reason === "budget") ctx.stdout.write(c.yellow(`  stopped: ${e.detail}\n`));
          break;
        default:
          break;
      }
    },
    stop: () => bar.stop(),
  };
}

function printSummary(ctx: CliContext, r: TrainResult, report: string | undefined): void {
  const c = pc.createColors(useColor(ctx));
  ctx.stdout.write(
    `\n${c.bold("result")}  dev ${pct(r.initialDevAccuracy)} → ${c.green(pct(r.devAccuracy))} (best at iteration ${r.bestIteration})   test ${pct(r.testAccuracy)}\n`,
  );
  const t = r.usage.train;
  ctx.stdout.write(
    `  training: ${formatCount(t.requests)} requests, ${formatCount(t.promptTokens + t.completionTokens)} tokens, $${t.cost.toFixed(4)}; test: ${formatCount(r.usage.test.requests)} requests; ${formatDuration(r.wallTimeMs / 1000)}\n\n`,
  );
  ctx.stdout.write(`${c.bold("best prompts")}\n`);
  const width = Math.max(5, ...Object.keys(r.bestPrompts).map((k) => k.length));
  for (const [param, prompt] of Object.entries(r.bestPrompts)) {
    const lines = prompt.split("\n");
    ctx.stdout.write(`  ${param.padEnd(width)}  ${lines[0]}\n`);
    for (const line of lines.slice(1)) ctx.stdout.write(`  ${" ".repeat(width)}  ${line}\n`);
  }
  ctx.stdout.write(`\n  ${r.runDir}/result.json, best.json (use with: dln eval <network> --prompts ${r.runDir})\n`);
  if (report) ctx.stdout.write(`  report: ${report}\n`);
}
