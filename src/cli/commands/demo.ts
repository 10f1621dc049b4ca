/**
 * `dln demo`: the main job out of the box. It makes a small dataset with the simulator's seeded
 * task generator, then trains `networks/demo.json5` on it as `dln train` would (`graph.train()`
 * through the same view): a 2-layer network (the paper's DLN-2) trained end to end, offline, with
 * no API key, on the simulator's hard mode (`tasks-hard`), where learning takes several
 * iterations. The banner says plainly that the model is a simulator and how to run the same thing
 * on a real model; after training, a learning curve shows dev accuracy iteration by iteration, and
 * what the layers learned.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Option, type Command } from "commander";
import pc from "picocolors";
import { generateTask, TASKS } from "../../sim/tasks.js";
import type { CliContext } from "../context.js";
import { useColor } from "../context.js";
import {
  addIterationsOption,
  addJsonOption,
  addModelOptions,
  addRunDirOption,
  addSeedOption,
  failCommand,
  loadGraphForCommand,
  loadSplitsForCommand,
  numberFlag,
  type CacheFlag,
} from "../shared.js";
import { runTraining, trainFailure } from "./train.js";

/** The network the demo trains, shipped with the package. */
const DEMO_NETWORK = fileURLToPath(new URL("../../../networks/demo.json5", import.meta.url));

/** Tasks of the simulator whose answers are yes/no, like the demo network's output classes. */
const DEMO_TASKS = Object.values(TASKS)
  .filter((t) => t.labels.length === 2 && t.labels.includes("yes") && t.labels.includes("no"))
  .map((t) => t.name);

interface DemoFlags {
  task: string;
  seed: string;
  size: string;
  runDir?: string;
  iterations?: string;
  model: string[];
  json?: boolean;
  cache: CacheFlag;
}

export function registerDemo(program: Command, ctx: CliContext): void {
  const command = program
    .command("demo")
    .description("train a 2-layer network end to end on a simulated task (offline, no API key)")
    .addOption(new Option("--task <name>", "simulated task").choices(DEMO_TASKS).default("navigate"))
    .option("--size <n>", "examples generated (split 50% train, 25% dev, 25% test)", "200");
  addSeedOption(command, "seed of the data and of training", "1");
  addIterationsOption(command, "training iterations (default: the network's, 8)");
  addRunDirOption(command, "where the data, checkpoints, events and result go (default runs/demo-<time>)");
  addModelOptions(command, "run on another model, e.g. '*=openai:gpt-4o-mini' (repeatable)");
  addJsonOption(command, "one JSON event per line on stdout (the banner goes to stderr)")
    .addHelpText(
      "after",
      `
It generates train/dev/test data from the simulator's seeded task generator into
<run-dir>/data/, then trains networks/demo.json5 on it as \`dln train\` would.

Examples:
  $ dln demo
  $ dln demo --task coins --iterations 10
  $ OPENAI_API_KEY=... dln demo --model '*=openai:gpt-4o-mini'     the same, on a real model`,
    )
    .action(async (flags: DemoFlags) => {
      ctx.exitCode = await demo(flags, ctx);
    });
}

/** The demo's numbers, checked against their ranges (src/network/limits.ts). */
function demoNumbers(flags: DemoFlags): { seed: number; size: number; iterations?: number } {
  return {
    seed: numberFlag(flags.seed, "--seed", "train.seed"),
    size: numberFlag(flags.size, "--size", "cli.demoSize"),
    iterations: numberFlag(flags.iterations, "--iterations", "train.iterations"),
  };
}

async function demo(flags: DemoFlags, ctx: CliContext): Promise<number> {
  let numbers: ReturnType<typeof demoNumbers>;
  try {
    numbers = demoNumbers(flags);
  } catch (err) {
    return failCommand(ctx, "demo", err);
  }
  const stream = flags.json ? "stderr" : "stdout";
  const out = ctx[stream];
  out.write(banner(ctx, flags.task, flags.model.length === 0, stream));
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const runDir = resolve(ctx.cwd, flags.runDir ?? `runs/demo-${stamp}`);
  const files = writeDemoData(join(runDir, "data"), flags.task, numbers);
  out.write(`  data: ${files.sizes} examples of "${flags.task}" in ${relative(ctx.cwd, join(runDir, "data")) || "."}\n\n`);
  let result: DemoResult;
  try {
    result = await trainDemo(flags, ctx, { runDir, files, seed: numbers.seed, iterations: numbers.iterations });
  } catch (err) {
    return trainFailure(ctx, DEMO_NETWORK, err);
  }
  out.write(learningCurve(result, ctx, stream));
  out.write(
    `\nNext: open ${relative(ctx.cwd, join(runDir, "report.html"))} in a browser, or evaluate the trained prompts:\n` +
      `  dln eval ${relative(ctx.cwd, DEMO_NETWORK)} --test ${relative(ctx.cwd, files.test)} --prompts ${relative(ctx.cwd, runDir)}\n`,
  );
  return 0;
}

interface DemoFiles {
  train: string;
  dev: string;
  test: string;
  /** "100 train, 50 dev, 50 test". */
  sizes: string;
}

/** Generates the task's examples and writes them as train/dev/test JSONL files (50%, 25%, 25%). */
function writeDemoData(dataDir: string, task: string, { seed, size }: { seed: number; size: number }): DemoFiles {
  mkdirSync(dataDir, { recursive: true });
  const examples = generateTask(task, { seed, n: size });
  const cut = [Math.floor(size * 0.5), Math.floor(size * 0.75)] as const;
  const splits = { train: examples.slice(0, cut[0]), dev: examples.slice(cut[0], cut[1]), test: examples.slice(cut[1]) };
  for (const [split, rows] of Object.entries(splits)) {
    writeFileSync(join(dataDir, `${split}.jsonl`), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  }
  const sizes = `${splits.train.length} train, ${splits.dev.length} dev, ${splits.test.length} test`;
  return { train: join(dataDir, "train.jsonl"), dev: join(dataDir, "dev.jsonl"), test: join(dataDir, "test.jsonl"), sizes };
}

/** Loads the demo network as a Graph and trains it on the files with `graph.train()` (through dln train's view). */
async function trainDemo(flags: DemoFlags, ctx: CliContext, run: { runDir: string; files: DemoFiles; seed: number; iterations?: number }): Promise<DemoResult> {
  const graph = await loadGraphForCommand(DEMO_NETWORK, ctx, flags, "demo");
  try {
    // Recorded in run.json as `dln train --train … --dev … --test …` records its flags, so `dln train --resume <run-dir>` works.
    const data = { train: run.files.train, dev: run.files.dev, test: run.files.test, field: [] as string[] };
    const splits = await loadSplitsForCommand(data, graph.network, ctx, { seed: run.seed, caps: {}, command: "train" });
    const config = { seed: run.seed, iterations: run.iterations };
    const options = { config, runDir: run.runDir, dataSources: { flags: data, caps: {} } };
    return await runTraining(graph, splits, options, ctx, { json: flags.json ?? false, probe: flags.cache !== "readonly" });
  } finally {
    await graph.close();
  }
}

/** The parts of the training result (result.json) the learning curve reads. */
interface DemoResult {
  initialDevAccuracy?: number | null;
  devAccuracy?: number | null;
  testAccuracy?: number | null;
  bestIteration?: number;
  iterations?: number;
  history?: Array<{ iteration: number; devAccuracy?: number | null }>;
  initialPrompts?: Record<string, string>;
  bestPrompts?: Record<string, string>;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`.padStart(4);

/**
 * Dev accuracy before training and after every iteration, as bars, then one sentence on what
 * happened and the prompts that changed: so a person sees learning happen (or not) over the run.
 */
export function learningCurve(result: DemoResult, ctx: CliContext, stream: "stdout" | "stderr"): string {
  const c = pc.createColors(useColor(ctx, stream));
  const points: Array<[string, number]> = [];
  if (typeof result.initialDevAccuracy === "number") points.push(["before", result.initialDevAccuracy]);
  for (const h of result.history ?? []) if (typeof h.devAccuracy === "number") points.push([`iter ${h.iteration}`, h.devAccuracy]);
  const [first] = points;
  if (!first || points.length < 2) return "";
  const lines = ["", c.bold("learning curve") + c.dim("  (dev accuracy before training and after each iteration)")];
  let best = first[1];
  for (const [label, acc] of points) {
    const bar = "█".repeat(Math.round(acc * 40));
    const rose = acc > best + 1e-9;
    if (rose) best = acc;
    lines.push(`  ${label.padEnd(8)} ${pct(acc)}  ${rose ? c.green(bar) : bar}${rose ? c.green("  ↑ new best") : ""}`);
  }
  const start = first[1];
  const end = result.devAccuracy ?? best;
  if (end > start + 1e-9) {
    const at = result.bestIteration ? ` (best prompts from iteration ${result.bestIteration})` : "";
    lines.push(
      `  dev accuracy rose from ${pct(start).trim()} to ${pct(end).trim()}${at}` +
        (typeof result.testAccuracy === "number" ? `; held-out test accuracy ${pct(result.testAccuracy).trim()}.` : "."),
    );
  } else {
    lines.push(
      c.yellow(`  dev accuracy did not rise above ${pct(start).trim()}: no candidate prompt scored better (try more --iterations or another --seed).`),
    );
  }
  for (const [id, prompt] of Object.entries(result.bestPrompts ?? {})) {
    const before = result.initialPrompts?.[id];
    if (before !== undefined && before !== prompt) lines.push(`  ${id}: ${c.dim(JSON.stringify(before))} → ${JSON.stringify(prompt)}`);
  }
  return lines.join("\n") + "\n";
}

function banner(ctx: CliContext, task: string, simulated: boolean, stream: "stdout" | "stderr"): string {
  const c = pc.createColors(useColor(ctx, stream));
  const rule = c.dim("─".repeat(78));
  if (!simulated) {
    return `${rule}\n${c.bold("dln demo")}: training the 2-layer network on "${task}" with the model(s) you named.\n${rule}\n`;
  }
  return [
    rule,
    `${c.bold("dln demo")}: a 2-layer Deep Language Network (DLN-2) trained end to end, offline.`,
    "",
    `${c.yellow("This run uses the `sim` provider: a seeded SIMULATOR, not a language model.")}`,
    `Its world rewards prompts that state the task's rules (docs/simulator.md), so the`,
    `training below is real (proposals, scoring, posterior samples), but the "model" is not.`,
    `It runs in hard mode (tasks-hard): one layer cannot solve "${task}", the thinking layer`,
    `must learn both rules before it writes the right intermediate step, and most proposed`,
    `prompts are no better than the one they rewrite, so learning takes several iterations.`,
    "",
    "The same command on a real model:",
    `  OPENAI_API_KEY=sk-...  npx dln demo --model '*=openai:gpt-4o-mini'`,
    `  OPENAI_BASE_URL=http://localhost:8000/v1  npx dln demo --model '*=openai:<served model>'`,
    `  npx dln demo --model '*=llama:./models/<model>.gguf'        (embedded llama.cpp)`,
    `Your own network and data: npx dln train networks/dln-2.json5 --data your-data.jsonl`,
    rule,
    "",
  ].join("\n");
}
