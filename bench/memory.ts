/**
 * Item 5, streaming memory: peak resident memory (maxRSS) of `dln run` over n and 10·n samples
 * of a generated JSONL file, with a sim DLN-2 network. Each run is its own process (the real
 * `bin/dln.js` over the built dist/), which reports `process.resourceUsage().maxRSS` when it exits
 * through a tiny `--import` hook, so nothing polls and nothing is missed.
 *
 * The executor keeps at most `--concurrency` samples in flight and a bounded reorder buffer, so
 * the peak should not grow with the input: goal peak(10·n) / peak(n) < 1.5.
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateTask } from "../src/sim/tasks.js";
import { median, notMeasured, repeat, row, type BenchRow, type Goal } from "./harness.js";
import { dln2Spec } from "./networks.js";

export interface MemoryBenchOptions {
  small: number;
  large: number;
  repeats: number;
  /** Build dist/ when it is missing or older than src/ (default true). */
  build?: boolean;
}

const REPO = fileURLToPath(new URL("..", import.meta.url));
const GOAL: Goal = { on: "ratio", op: "<", value: 1.5, text: "peak ratio < 1.5" };

/** Writes maxRSS (kB) to $DLN_BENCH_RSS_FILE when the process exits. */
const RSS_HOOK =
  "data:text/javascript," +
  encodeURIComponent(
    'import { writeFileSync } from "node:fs"; process.on("exit", () => { if (process.env.DLN_BENCH_RSS_FILE) writeFileSync(process.env.DLN_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)); });',
  );

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Makes sure dist/ is built from the current sources; returns why not when it cannot. */
function ensureBuilt(build: boolean): string | undefined {
  const main = join(REPO, "dist", "cli", "main.js");
  const fresh = existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(REPO, "src"));
  if (fresh) return undefined;
  if (!build) return "dist/ is missing or older than src/ (run npm run build)";
  const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: REPO, encoding: "utf8", timeout: 180_000 });
  if (r.status !== 0) return `npm run build failed: ${(r.stdout + r.stderr).trim().split("\n").slice(0, 3).join(" | ")}`;
  return undefined;
}

async function writeSamples(path: string, n: number): Promise<void> {
  const tasks = generateTask("navigate", { seed: 5, n: Math.min(n, 1000) });
  const out = createWriteStream(path);
  for (let i = 0; i < n; i++) {
    const t = tasks[i % tasks.length];
    if (!t) throw new Error(`memory benchmark: no generated sample to copy for line ${i}`);
    if (!out.write(JSON.stringify({ id: `s${i}`, x: `${t.x} (#${i})` }) + "\n")) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Runs `dln run` in a child process; resolves to its peak RSS in MB. */
function peakRssOfRun(dir: string, network: string, input: string): Promise<{ mb: number; ms: number }> {
  const rssFile = join(dir, `rss-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", RSS_HOOK, join(REPO, "bin", "dln.js"), "run", network, "-i", input, "-o", join(dir, "out.jsonl")], {
      cwd: dir,
      env: { ...process.env, DLN_BENCH_RSS_FILE: rssFile, NO_COLOR: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-2000)));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0 || !existsSync(rssFile)) return reject(new Error(`dln run exited with code ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
      resolve({ mb: Number(readFileSync(rssFile, "utf8")) / 1024, ms: Date.now() - started });
    });
  });
}

export async function benchMemory(o: MemoryBenchOptions): Promise<BenchRow[]> {
  const name = `dln run peak memory, ${o.large.toLocaleString("en-US")} vs ${o.small.toLocaleString("en-US")} samples`;
  const why = ensureBuilt(o.build ?? true);
  if (why) return [notMeasured("memory.ratio", 5, name, "MB", GOAL, why)];
  const dir = mkdtempSync(join(tmpdir(), "dln-bench-mem-"));
  try {
    const network = join(dir, "dln-2.json5");
    writeFileSync(network, JSON.stringify(dln2Spec({ sim: { provider: "sim", model: "tasks" } }, "sim", "sim"), null, 2));
    const small = join(dir, "small.jsonl");
    const large = join(dir, "large.jsonl");
    await writeSamples(small, o.small);
    await writeSamples(large, o.large);
    // Interleaved, so a change in the machine's load hits both sizes alike.
    const pairs = await repeat(o.repeats, async () => ({ small: await peakRssOfRun(dir, network, small), large: await peakRssOfRun(dir, network, large) }));
    const smallMb = median(pairs.map((p) => p.small.mb));
    const largeMb = median(pairs.map((p) => p.large.mb));
    return [
      row({
        id: "memory.ratio",
        item: 5,
        name,
        measured: largeMb,
        unit: "MB",
        bound: null,
        ratio: largeMb / smallMb,
        goal: GOAL,
        note: `peak RSS ${smallMb.toFixed(1)} MB at ${o.small.toLocaleString("en-US")} samples, ${largeMb.toFixed(1)} MB at ${o.large.toLocaleString("en-US")}; ratio = large / small`,
        details: {
          small: o.small,
          large: o.large,
          smallMb,
          largeMb,
          runs: pairs.map((p) => ({ smallMb: +p.small.mb.toFixed(1), largeMb: +p.large.mb.toFixed(1), smallMs: p.small.ms, largeMs: p.large.ms })),
        },
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
