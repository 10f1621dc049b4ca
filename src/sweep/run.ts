/**
 * Running a sweep on this machine: every grid point is one training run (`Graph.train`) in
 * `<out>/<point>/`, `parallel` points at once. All points share one response cache file, so a
 * request two points make is paid once. A point with `result.json` is finished and skipped; a
 * point with only a checkpoint is resumed from it. The sweep's own files:
 *
 * - `<out>/sweep.json`: the sweep (grid, points and their settings), read by `dln compare`;
 * - `<out>/<point>/point.json`: the point's settings, so one run directory says what it varied.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadNetworkFile } from "../compile/load.js";
import type { CompiledNetwork } from "../compile/types.js";
import { formatDiagnostic } from "../network/diagnostics.js";
import { loadSplits } from "../data/splits.js";
import { Graph } from "../graph.js";
import type { CacheSettings } from "../llm/factory.js";
import { emptyUsage, addUsage, type Usage } from "../llm/types.js";
import type { ModelSpec } from "../network/types.js";
import { CHECKPOINT_FILE, writeJsonAtomic } from "../train/checkpoint.js";
import { resolveTrainConfig, type TrainOverrides } from "../train/config.js";
import { buildTrainGraph, hasHiddenTrainableLayers } from "../train/topology.js";
import { RESULT_FILE, type TrainResult } from "../train/trainer.js";
import type { TrainEvent } from "../train/events.js";
import { expandGrid, type SettingValue, type SweepPoint } from "./grid.js";
import { getOrThrow } from "../util/lookup.js";
import { loadSweepFile, parseSweep, SweepError, type Sweep, type SweepSpec } from "./spec.js";

export const SWEEP_FILE = "sweep.json";
export const POINT_FILE = "point.json";

/** What `<out>/sweep.json` holds. */
export interface SweepManifest {
  version: 1;
  name: string;
  file?: string;
  networks: string[];
  grid: Sweep["grid"];
  points: Array<{ name: string; network: string; settings: Record<string, SettingValue> }>;
}

/** What `<out>/<point>/point.json` holds. */
export interface PointRecord {
  version: 1;
  sweep: string;
  name: string;
  network: string;
  settings: Record<string, SettingValue>;
}

interface EventBase {
  time: string;
}

/** The sweep's event stream (`dln sweep --json` prints one per line). */
export type SweepEvent = EventBase &
  (
    | { type: "sweep-start"; sweep: string; out: string; points: number; finished: number; parallel: number }
    | { type: "point-skip"; point: string; reason: "finished"; devAccuracy: number | null; testAccuracy: number | null }
    | { type: "point-start"; point: string; dir: string; settings: Record<string, SettingValue>; resumedFrom: number | null; iterations: number }
    | { type: "point-iteration"; point: string; iteration: number; iterations: number; devAccuracy: number | null; bestDevAccuracy: number }
    | {
        type: "point-done";
        point: string;
        dir: string;
        devAccuracy: number | null;
        testAccuracy: number | null;
        requests: number;
        tokens: number;
        cost: number;
        wallTimeMs: number;
      }
    | { type: "point-failed"; point: string; dir: string; error: string }
    | { type: "sweep-done"; points: number; trained: number; skipped: number; failed: number; usage: Usage; wallTimeMs: number }
  );

type SweepEventBody = SweepEvent extends infer E ? (E extends EventBase ? Omit<E, "time"> : never) : never;

export interface RunSweepOptions {
  /** Points trained at once (default 1). */
  parallel?: number;
  /** The shared response cache (default readwrite at `.dln/cache.sqlite` under `cwd`). */
  cache?: CacheSettings;
  /** Where relative paths of a sweep given as an object resolve, and where the default cache is. */
  cwd?: string;
  /** Where `${VAR}` in model settings are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?: (event: SweepEvent) => void;
  /** Train only these points (by name); the others are left alone. */
  only?: readonly string[];
}

export interface SweepSummary {
  out: string;
  points: Array<{ name: string; dir: string; status: "trained" | "skipped" | "failed"; result?: TrainResult; error?: string }>;
  /** What this call spent (the skipped points spent nothing). */
  usage: Usage;
  wallTimeMs: number;
}

/** Reads the sweep file (or takes a checked sweep) and throws a SweepError with located diagnostics when it is invalid. */
export async function resolveSweep(input: string | Sweep | SweepSpec, cwd = process.cwd()): Promise<Sweep> {
  if (typeof input === "string") {
    const loaded = await loadSweepFile(input, { cwd });
    if (!loaded.ok) throw new SweepError(loaded.diagnostics);
    return loaded.sweep;
  }
  if ("networks" in input) return input;
  const parsed = parseSweep(input, { baseDir: cwd });
  if (!parsed.ok) throw new SweepError(parsed.diagnostics);
  return parsed.sweep;
}

/** Compiles the sweep's networks and checks that the models it overrides exist in them. */
export async function loadSweepNetworks(sweep: Sweep): Promise<Map<string, CompiledNetwork>> {
  const networks = new Map<string, CompiledNetwork>();
  const problems: SweepError["diagnostics"] = [];
  for (const path of sweep.networks) {
    const loaded = await loadNetworkFile(path);
    if (!loaded.ok) {
      throw new SweepError(loaded.diagnostics, `the network ${path} is not valid:\n${loaded.diagnostics.map(formatDiagnostic).join("\n")}`);
    }
    networks.set(path, loaded.network);
    const named = [
      ...Object.keys(sweep.models),
      ...Object.keys(sweep.grid)
        .filter((k) => k.startsWith("models."))
        .flatMap((k) => k.split(".").slice(1, 2)),
    ];
    for (const model of new Set(named)) {
      if (model !== "*" && !(model in loaded.network.models)) {
        problems.push({
          severity: "error",
          code: "E_SWEEP_MODEL",
          file: sweep.file ?? "<sweep>",
          line: 0,
          column: 0,
          path: `models.${model}`,
          message: `the sweep sets model "${model}", which the network ${path} does not have (its models: ${Object.keys(loaded.network.models).join(", ") || "none"})`,
        });
      }
    }
  }
  if (problems.length > 0) throw new SweepError(problems);
  return networks;
}

function stamp<E extends SweepEventBody>(body: E): SweepEvent {
  return { time: new Date().toISOString(), ...body } as unknown as SweepEvent;
}

/** The sweep's points with their run directories and state. */
export function sweepPoints(sweep: Sweep): Array<SweepPoint & { dir: string; finished: boolean; checkpointed: boolean }> {
  return expandGrid(sweep).map((p) => {
    const dir = join(sweep.out, p.name);
    return { ...p, dir, finished: existsSync(join(dir, RESULT_FILE)), checkpointed: existsSync(join(dir, CHECKPOINT_FILE)) };
  });
}

export function writeManifest(sweep: Sweep, points: SweepPoint[]): void {
  const manifest: SweepManifest = {
    version: 1,
    name: sweep.name,
    ...(sweep.file ? { file: sweep.file } : {}),
    networks: sweep.networks,
    grid: sweep.grid,
    points: points.map((p) => ({ name: p.name, network: p.network, settings: p.settings })),
  };
  writeJsonAtomic(join(sweep.out, SWEEP_FILE), manifest);
}

/**
 * Trains one point in `dir` (resuming from its checkpoint when there is one) and resolves to the
 * result. Used by the local runner and by queue workers alike.
 */
export async function trainPoint(
  sweep: Sweep,
  point: SweepPoint,
  network: CompiledNetwork,
  dir: string,
  options: { cache?: CacheSettings; env?: NodeJS.ProcessEnv; signal?: AbortSignal; onEvent?: (e: SweepEvent) => void; onTrainEvent?: (e: TrainEvent) => void },
): Promise<{ result: TrainResult; usage: Usage }> {
  const emit = (body: SweepEventBody): void => options.onEvent?.(stamp(body));
  mkdirSync(dir, { recursive: true });
  const record: PointRecord = { version: 1, sweep: sweep.name, name: point.name, network: point.network, settings: point.settings };
  writeJsonAtomic(join(dir, POINT_FILE), record);
  const overrides = point.train as TrainOverrides;
  const config = resolveTrainConfig(network.train, overrides, hasHiddenTrainableLayers(buildTrainGraph(network)));
  const splits = await loadSplits({
    ...sweep.data,
    inputs: network.inputs,
    fields: sweep.fields,
    target: sweep.target ?? network.spec.loss?.target,
    seed: config.seed,
    caps: sweep.caps,
  });
  const graph = new Graph(network, { models: point.models as Record<string, Partial<ModelSpec>>, cache: options.cache, env: options.env });
  try {
    const resume = existsSync(join(dir, CHECKPOINT_FILE));
    const run = graph.train(splits, { config: overrides, runDir: dir, resume, signal: options.signal });
    const sub = run.events$.subscribe({
      next: (e) => {
        options.onTrainEvent?.(e);
        if (e.type === "start")
          emit({ type: "point-start", point: point.name, dir, settings: point.settings, resumedFrom: e.resumedFrom ?? null, iterations: e.iterations });
        else if (e.type === "iteration")
          emit({
            type: "point-iteration",
            point: point.name,
            iteration: e.iteration,
            iterations: e.iterations,
            devAccuracy: e.devAccuracy,
            bestDevAccuracy: e.bestDevAccuracy,
          });
      },
      error: () => undefined,
    });
    try {
      const result = await run.result;
      return { result, usage: graph.models.usage().total };
    } finally {
      sub.unsubscribe();
    }
  } finally {
    await graph.close();
  }
}

/**
 * Runs a sweep on this machine. Resolves when every point is finished or failed (a failed point
 * does not stop the others); rejects with a SweepError when the sweep or a network is invalid.
 */
export async function runSweep(input: string | Sweep | SweepSpec, options: RunSweepOptions = {}): Promise<SweepSummary> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const sweep = await resolveSweep(input, cwd);
  const networks = await loadSweepNetworks(sweep);
  const emit = (body: SweepEventBody): void => options.onEvent?.(stamp(body));
  const all = sweepPoints(sweep);
  const { only } = options;
  const points = only ? all.filter((p) => only.includes(p.name)) : all;
  const parallel = Math.max(1, Math.floor(options.parallel ?? 1));
  const cache: CacheSettings = options.cache ?? { mode: "readwrite", path: join(cwd, ".dln", "cache.sqlite") };
  mkdirSync(sweep.out, { recursive: true });
  writeManifest(sweep, all);
  emit({ type: "sweep-start", sweep: sweep.name, out: sweep.out, points: points.length, finished: points.filter((p) => p.finished).length, parallel });

  const usage = emptyUsage();
  const outcomes: SweepSummary["points"] = [];
  const queue = [...points];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      if (options.signal?.aborted) return;
      if (p.finished) {
        const result = readResult(p.dir);
        emit({ type: "point-skip", point: p.name, reason: "finished", devAccuracy: result?.devAccuracy ?? null, testAccuracy: result?.testAccuracy ?? null });
        outcomes.push({ name: p.name, dir: p.dir, status: "skipped", ...(result ? { result } : {}) });
        continue;
      }
      try {
        const { result, usage: spent } = await trainPoint(sweep, p, getOrThrow(networks, p.network, "loaded network"), p.dir, {
          cache,
          env: options.env,
          signal: options.signal,
          onEvent: options.onEvent,
        });
        addUsage(usage, spent);
        const t = result.usage.train;
        emit({
          type: "point-done",
          point: p.name,
          dir: p.dir,
          devAccuracy: result.devAccuracy,
          testAccuracy: result.testAccuracy,
          requests: spent.requests,
          tokens: t.promptTokens + t.completionTokens + result.usage.test.promptTokens + result.usage.test.completionTokens,
          cost: t.cost + result.usage.test.cost,
          wallTimeMs: result.wallTimeMs,
        });
        outcomes.push({ name: p.name, dir: p.dir, status: "trained", result });
      } catch (err) {
        const message = `${p.name}: ${(err as Error).message}`;
        emit({ type: "point-failed", point: p.name, dir: p.dir, error: message });
        outcomes.push({ name: p.name, dir: p.dir, status: "failed", error: message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, points.length)) }, worker));
  const order = new Map(points.map((p, i) => [p.name, i]));
  const rank = (o: { name: string }) => getOrThrow(order, o.name, "point");
  outcomes.sort((a, b) => rank(a) - rank(b));
  const wallTimeMs = performance.now() - started;
  const count = (s: string): number => outcomes.filter((o) => o.status === s).length;
  emit({ type: "sweep-done", points: points.length, trained: count("trained"), skipped: count("skipped"), failed: count("failed"), usage, wallTimeMs });
  return { out: sweep.out, points: outcomes, usage, wallTimeMs };
}

function readResult(dir: string): TrainResult | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, RESULT_FILE), "utf8")) as TrainResult;
  } catch {
    return undefined;
  }
}
