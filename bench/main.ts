/**
 * `npm run bench`: how close the executor and the trainer come to what the model's latency
 * allows (issue 7). Prints a table (or, with --json, one JSON report on stdout); `--quick` uses
 * smaller sizes and finishes in under two minutes on a small machine. Figures never decide the
 * exit code: it is 0 unless a measurement itself crashed (then that row says why, and it is 1).
 *
 *   npm run bench                 the full run
 *   npm run bench -- --quick      smaller sizes (said in the output)
 *   npm run bench -- --json       machine-readable
 *   npm run bench -- --only 1,4   some items only
 *   npm run bench -- --out r.json also write the JSON report to a file
 * (`npm run bench --silent -- --json` keeps npm's own banner off stdout.)
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine, formatTable, notMeasured, type BenchReport, type BenchRow } from "./harness.js";
import { benchCompile } from "./compile.js";
import { benchCost } from "./cost.js";
import { benchExecutor } from "./executor.js";
import { benchLlamaScoring } from "./llama-scoring.js";
import { benchMemory } from "./memory.js";
import { benchOverhead } from "./overhead.js";
import { benchTraining } from "./training.js";

export interface BenchSizes {
  executor: { samples: number; repeats: number };
  training: { repeats: number };
  overhead: { samples: number; repeats: number };
  memory: { small: number; large: number; repeats: number };
  compile: { nodes: number; repeats: number };
  llama: { candidates: number; inputs: number };
  cost: { samples: number };
}

export const FULL: BenchSizes = {
  executor: { samples: 96, repeats: 3 },
  training: { repeats: 3 },
  overhead: { samples: 20_000, repeats: 5 },
  memory: { small: 10_000, large: 100_000, repeats: 1 },
  compile: { nodes: 1_000, repeats: 9 },
  llama: { candidates: 10, inputs: 10 },
  cost: { samples: 100 },
};

export const QUICK: BenchSizes = {
  executor: { samples: 48, repeats: 3 },
  training: { repeats: 3 },
  overhead: { samples: 4_000, repeats: 3 },
  memory: { small: 2_000, large: 20_000, repeats: 1 },
  compile: { nodes: 1_000, repeats: 5 },
  llama: { candidates: 10, inputs: 5 },
  cost: { samples: 40 },
};

/** The loopback server's latency and the model's concurrency cap (items 1–3). */
export const LATENCY_MS = 50;
export const CONCURRENCY = 8;

interface Item {
  item: number;
  title: string;
  run: (s: BenchSizes) => Promise<BenchRow[]>;
}

const ITEMS: Item[] = [
  { item: 1, title: "executor efficiency", run: (s) => benchExecutor({ ...s.executor, latencyMs: LATENCY_MS, concurrency: CONCURRENCY }) },
  {
    item: 2,
    title: "requests per training step (and 3: step wall time)",
    run: (s) => benchTraining({ ...s.training, latencyMs: LATENCY_MS, concurrency: CONCURRENCY }),
  },
  { item: 4, title: "framework overhead", run: (s) => benchOverhead(s.overhead) },
  { item: 5, title: "streaming memory", run: (s) => benchMemory(s.memory) },
  { item: 6, title: "compilation", run: (s) => benchCompile(s.compile) },
  { item: 7, title: "embedded scoring", run: (s) => benchLlamaScoring(s.llama) },
  { item: 8, title: "cost per sample of dln run (issue 12)", run: (s) => benchCost({ ...s.cost, concurrency: CONCURRENCY }) },
];

export async function runBench(args: readonly string[], log: (line: string) => void): Promise<{ report: BenchReport; crashed: boolean }> {
  const quick = args.includes("--quick");
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? "").split(",").map(Number)) : undefined;
  if (only?.has(3)) only.add(2);
  const sizes = quick ? QUICK : FULL;
  const started = Date.now();
  const rows: BenchRow[] = [];
  let crashed = false;
  for (const item of ITEMS) {
    if (only && !only.has(item.item)) continue;
    const t0 = Date.now();
    log(`bench: item ${item.item}, ${item.title}…`);
    try {
      rows.push(...(await item.run(sizes)));
    } catch (err) {
      crashed = true;
      rows.push(notMeasured(`item${item.item}.error`, item.item, item.title, "", null, `the measurement crashed: ${(err as Error)?.stack ?? String(err)}`));
    }
    log(`bench: item ${item.item} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const report: BenchReport = { version: 1, env: describeMachine(quick), startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, rows };
  return { report, crashed };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { report, crashed } = await runBench(args, (line) => process.stderr.write(line + "\n"));
  const json = JSON.stringify(report, null, 2);
  const outAt = args.indexOf("--out");
  const outFile = outAt >= 0 ? args[outAt + 1] : undefined;
  if (outFile) writeFileSync(outFile, json + "\n");
  process.stdout.write((args.includes("--json") ? json : formatTable(report)) + "\n");
  process.exitCode = crashed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
