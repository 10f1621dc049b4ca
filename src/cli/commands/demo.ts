/**
 * `dln demo`: the main job out of the box. It makes a small dataset with the simulator's seeded
 * task generator, then runs exactly `dln train networks/demo.json5` on it: a 2-layer network
 * (the paper's DLN-2) trained end to end, offline, with no API key, on the simulator's hard mode
 * (`tasks-hard`), where learning takes several iterations. The banner says plainly that the model
 * is a simulator and how to run the same thing on a real model; after training, a learning curve
 * shows dev accuracy iteration by iteration, and what the layers learned.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Option, type Command } from "commander";
import pc from "picocolors";
import { generateTask, TASKS } from "../../sim/tasks.js";
import type { CliContext } from "../context.js";
import { useColor } from "../context.js";

/** The network the demo trains, shipped with the package. */
export const DEMO_NETWORK = fileURLToPath(new URL("../../../networks/demo.json5", import.meta.url));

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
  cache: string;
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("train a 2-layer network end to end on a simulated task (offline, no API key)")
    .addOption(new Option("--task <name>", "simulated task").choices(DEMO_TASKS).default("navigate"))
    .option("--size <n>", "examples generated (split 50% train, 25% dev, 25% test)", "200")
    .option("--seed <n>", "seed of the data and of training", "1")
    .option("--iterations <n>", "training iterations (default: the network's, 8)")
    .option("--run-dir <dir>", "where the data, checkpoints, events and result go (default runs/demo-<time>)")
    .option("--model <name=provider:model>", "run on another model, e.g. '*=openai:gpt-4o-mini' (repeatable)", (v: string, p: string[]) => [...p, v], [])
    .addOption(new Option("--cache <mode>", "response cache (.dln/cache.sqlite)").choices(["readwrite", "readonly", "off"]).default("readwrite"))
    .option("--json", "one JSON event per line on stdout (the banner goes to stderr)")
    .addHelpText(
      "after",
      `
It generates train/dev/test data from the simulator's seeded task generator into
<run-dir>/data/, then runs \`dln train networks/demo.json5\` on it.

Examples:
  $ dln demo
  $ dln demo --task coins --iterations 10
  $ OPENAI_API_KEY=... dln demo --model '*=openai:gpt-4o-mini'     the same, on a real model`,
    )
    .action(async (flags: DemoFlags) => {
      ctx.exitCode = await demo(flags, ctx);
    });
}

async function demo(flags: DemoFlags, ctx: CliContext): Promise<number> {
  const seed = Number(flags.seed);
  const size = Number(flags.size);
  if (!Number.isInteger(seed) || !Number.isInteger(size) || size < 8) {
    ctx.stderr.write("dln demo: --seed must be an integer and --size an integer of at least 8\n");
    return 2;
  }
  const simulated = flags.model.length === 0;
  const out = flags.json ? ctx.stderr : ctx.stdout;
  out.write(banner(ctx, flags.task, simulated, flags.json ? "stderr" : "stdout"));

  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const runDir = resolve(ctx.cwd, flags.runDir ?? `runs/demo-${stamp}`);
  const dataDir = join(runDir, "data");
  mkdirSync(dataDir, { recursive: true });
  const examples = generateTask(flags.task, { seed, n: size });
  const cut = [Math.floor(size * 0.5), Math.floor(size * 0.75)];
  const files = {
    train: examples.slice(0, cut[0]),
    dev: examples.slice(cut[0], cut[1]),
    test: examples.slice(cut[1]),
  };
  for (const [split, rows] of Object.entries(files)) {
    writeFileSync(join(dataDir, `${split}.jsonl`), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  }
  out.write(
    `  data: ${files.train.length} train, ${files.dev.length} dev, ${files.test.length} test examples of "${flags.task}" in ${relative(ctx.cwd, dataDir) || "."}\n\n`,
  );

  const args = [
    "train",
    DEMO_NETWORK,
    "--train",
    join(dataDir, "train.jsonl"),
    "--dev",
    join(dataDir, "dev.jsonl"),
    "--test",
    join(dataDir, "test.jsonl"),
    "--run-dir",
    runDir,
    "--seed",
    String(seed),
    "--cache",
    flags.cache,
    ...(flags.iterations ? ["--iterations", flags.iterations] : []),
    ...flags.model.flatMap((m) => ["--model", m]),
    ...(flags.json ? ["--json"] : []),
  ];
  // The same code path as typing `dln train …` (imported lazily: main.ts imports this file).
  const { buildProgram } = await import("../main.js");
  const sub: CliContext = { ...ctx, exitCode: 0 };
  await buildProgram(sub).parseAsync(args, { from: "user" });
  if (sub.exitCode === 0) {
    const resultFile = join(runDir, "result.json");
    if (existsSync(resultFile)) out.write(learningCurve(JSON.parse(readFileSync(resultFile, "utf8")) as DemoResult, ctx, flags.json ? "stderr" : "stdout"));
    out.write(
      `\nNext: open ${relative(ctx.cwd, join(runDir, "report.html"))} in a browser, or evaluate the trained prompts:\n` +
        `  dln eval ${relative(ctx.cwd, DEMO_NETWORK)} --test ${relative(ctx.cwd, join(dataDir, "test.jsonl"))} --prompts ${relative(ctx.cwd, runDir)}\n`,
    );
  }
  return sub.exitCode;
}

/** The parts of result.json the learning curve reads. */
interface DemoResult {
  initialDevAccuracy?: number;
  devAccuracy?: number;
  testAccuracy?: number;
  bestIteration?: number;
  iterations?: number;
  history?: Array<{ iteration: number; devAccuracy?: number }>;
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
  if (points.length < 2) return "";
  const lines = ["", c.bold("learning curve") + c.dim("  (dev accuracy before training and after each iteration)")];
  let best = points[0][1];
  for (const [label, acc] of points) {
    const bar = "█".repeat(Math.round(acc * 40));
    const rose = acc > best + 1e-9;
    if (rose) best = acc;
    lines.push(`  ${label.padEnd(8)} ${pct(acc)}  ${rose ? c.green(bar) : bar}${rose ? c.green("  ↑ new best") : ""}`);
  }
  const start = points[0][1];
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
