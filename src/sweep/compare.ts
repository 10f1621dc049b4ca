/**
 * `dln compare`: one self-contained HTML page comparing training runs (docs/sweeps.md): a table
 * of the runs (the settings that differ, dev and test accuracy, tokens, cost, wall time), mean ±
 * sd over seeds per setting, accuracy against tokens, the dev curves overlaid and the best prompts
 * side by side. Inline CSS and SVG only: no script, and a Content-Security-Policy that forbids
 * every request. Every string from a run is escaped.
 *
 * Inputs are run directories (events.jsonl / result.json) and sweep folders (sweep.json: its
 * points, in grid order); a folder that is neither is searched one level down for runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { lineChart, niceTicks, SERIES_COLORS, seriesColor, type ChartSeries } from "../report/charts.js";
import { escapeXml as esc, firstWords } from "../report/escape.js";
import { page, section } from "../report/html.js";
import { count, dollars, duration, pct } from "../report/format.js";
import { parseEvents } from "../report/run.js";
import type { TrainEvent } from "../train/events.js";
import { EVENTS_FILE, RESULT_FILE, type TrainResult } from "../train/trainer.js";
import type { SettingValue } from "./grid.js";
import { POINT_FILE, SWEEP_FILE, type PointRecord, type SweepManifest } from "./run.js";
import { DlnError } from "../util/errors.js";

/** A path given to compare holds no run (or an unreadable one): a usage error, located at that path. */
export class CompareError extends DlnError {
  declare readonly code: "E_COMPARE";
  constructor(
    readonly where: string,
    message: string,
  ) {
    super("E_COMPARE", `${where}: ${message}`, { kind: "usage", location: { file: where } });
  }
}

/** One run as the compare page sees it. */
export interface ComparedRun {
  /** Label: the point name, or the folder name. */
  name: string;
  dir: string;
  network: string;
  /** Every setting of the run, flattened: `seed`, `train.<knob>`, and the point's grid settings. */
  settings: Record<string, SettingValue>;
  finished: boolean;
  /** Iterations done and planned (from the events when the run is unfinished). */
  iterations: { done: number; total: number };
  devAccuracy: number | null;
  testAccuracy: number | null;
  tokens: number;
  cost: number;
  wallTimeMs: number | null;
  /** Dev accuracy by iteration (validations only). */
  curve: Array<{ iteration: number; accuracy: number }>;
  bestPrompts: Record<string, string>;
}

export interface CompareGroup {
  /** The differing settings other than the seed (undefined: the group's runs do not have it). */
  settings: Record<string, SettingValue | undefined>;
  runs: ComparedRun[];
  seeds: Array<SettingValue | undefined>;
  dev: { mean: number | null; sd: number | null };
  test: { mean: number | null; sd: number | null };
  tokens: number;
}

export interface CompareModel {
  runs: ComparedRun[];
  /** Settings whose values differ between the runs (the table's columns). */
  differing: string[];
  groups: CompareGroup[];
}

/** The run directories named by `paths` (run directories, sweep folders, or folders of runs). */
export function findRuns(paths: readonly string[]): string[] {
  const dirs: string[] = [];
  const isRun = (d: string): boolean => existsSync(join(d, RESULT_FILE)) || existsSync(join(d, EVENTS_FILE));
  for (const p of paths.map((x) => resolve(x))) {
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new CompareError(p, "no such directory");
    if (isRun(p)) {
      dirs.push(p);
      continue;
    }
    const manifestPath = join(p, SWEEP_FILE);
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as SweepManifest;
      const runs = manifest.points.map((pt) => join(p, pt.name)).filter(isRun);
      dirs.push(...runs);
      continue;
    }
    const children = readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(p, e.name))
      .filter(isRun)
      .sort();
    if (children.length === 0) throw new CompareError(p, `no run here: neither ${RESULT_FILE}/${EVENTS_FILE}, nor a ${SWEEP_FILE}, nor run directories inside`);
    dirs.push(...children);
  }
  return [...new Set(dirs)];
}

const SKIPPED_CONFIG = new Set(["budget", "rewriteInstructions", "preset"]);

/** Reads one run directory. */
export function readRun(dir: string): ComparedRun {
  const resultPath = join(dir, RESULT_FILE);
  let result: TrainResult | null = null;
  if (existsSync(resultPath)) {
    try {
      result = JSON.parse(readFileSync(resultPath, "utf8")) as TrainResult;
    } catch (err) {
      throw new CompareError(resultPath, `not valid JSON (${(err as Error).message})`);
    }
  }
  const events: TrainEvent[] = existsSync(join(dir, EVENTS_FILE)) ? parseEvents(readFileSync(join(dir, EVENTS_FILE), "utf8")).events : [];
  const point = existsSync(join(dir, POINT_FILE)) ? (JSON.parse(readFileSync(join(dir, POINT_FILE), "utf8")) as PointRecord) : undefined;
  const start = events.find((e): e is Extract<TrainEvent, { type: "start" }> => e.type === "start");
  const config = result?.config ?? start?.config;
  const settings: Record<string, SettingValue> = {};
  if (config) {
    for (const [k, v] of Object.entries(config)) {
      if (SKIPPED_CONFIG.has(k) || v === undefined || v === null || typeof v === "object") continue;
      settings[k === "seed" ? "seed" : `train.${k}`] = v as SettingValue;
    }
  }
  const networkName = result?.network ?? start?.network ?? "?";
  settings.network = typeof point?.settings.network === "string" ? point.settings.network : networkName;
  for (const [k, v] of Object.entries(point?.settings ?? {})) settings[k] = v;

  const iterationsDone = events.filter((e): e is Extract<TrainEvent, { type: "iteration" }> => e.type === "iteration");
  const last = iterationsDone.at(-1);
  const curve = result
    ? result.history.flatMap((h) => (h.devAccuracy === null ? [] : [{ iteration: h.iteration, accuracy: h.devAccuracy }]))
    : events
        .filter((e): e is Extract<TrainEvent, { type: "validation" }> => e.type === "validation")
        .map((e) => ({ iteration: e.iteration, accuracy: e.accuracy }));
  if (result && result.initialDevAccuracy !== null && !curve.some((c) => c.iteration === 0))
    curve.unshift({ iteration: 0, accuracy: result.initialDevAccuracy });
  const usage = result ? [result.usage.train, result.usage.test] : last ? [last.usage] : [];
  const lastChoice = new Map<string, string>();
  for (const e of events) if (e.type === "choice") lastChoice.set(e.param, e.prompt);
  return {
    name: point?.name ?? basename(dir),
    dir,
    network: networkName,
    settings,
    finished: result !== null,
    iterations: { done: result?.iterations ?? last?.iteration ?? 0, total: config?.iterations ?? last?.iterations ?? 0 },
    devAccuracy: result ? result.devAccuracy : (last?.bestDevAccuracy ?? null),
    testAccuracy: result?.testAccuracy ?? null,
    tokens: usage.reduce((s, u) => s + u.promptTokens + u.completionTokens, 0),
    cost: usage.reduce((s, u) => s + u.cost, 0),
    wallTimeMs: result?.wallTimeMs ?? last?.elapsedMs ?? null,
    curve,
    bestPrompts: result?.bestPrompts ?? Object.fromEntries(lastChoice),
  };
}

function meanSd(xs: Array<number | null>): { mean: number | null; sd: number | null } {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return { mean: null, sd: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, sd: null };
  return { mean, sd: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) };
}

export function buildCompareModel(runs: ComparedRun[]): CompareModel {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.settings)));
  const differing = [...keys].filter((k) => new Set(runs.map((r) => JSON.stringify(r.settings[k] ?? null))).size > 1);
  // Grid settings first (in the order a point names them), then the others alphabetically.
  const gridOrder = runs.flatMap((r) => Object.keys(r.settings)).filter((k) => !k.startsWith("train.") && k !== "seed" && k !== "network");
  const rank = (k: string): number => (k === "network" ? 0 : k === "seed" ? 1 : gridOrder.includes(k) ? 2 : 3);
  differing.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const groupKeys = differing.filter((k) => k !== "seed");
  const groups = new Map<string, CompareGroup>();
  for (const r of runs) {
    const settings = Object.fromEntries(groupKeys.map((k) => [k, r.settings[k]]));
    const key = JSON.stringify(settings);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { settings, runs: [], seeds: [], dev: { mean: null, sd: null }, test: { mean: null, sd: null }, tokens: 0 }));
    g.runs.push(r);
    g.seeds.push(r.settings.seed);
  }
  for (const g of groups.values()) {
    g.dev = meanSd(g.runs.map((r) => r.devAccuracy));
    g.test = meanSd(g.runs.map((r) => r.testAccuracy));
    g.tokens = g.runs.reduce((s, r) => s + r.tokens, 0) / g.runs.length;
  }
  return { runs, differing, groups: [...groups.values()] };
}

/** Builds the compare page of the runs in `paths` (run directories or sweep folders). */
export function buildCompare(paths: readonly string[], options: { now?: Date } = {}): string {
  const dirs = findRuns(paths);
  const model = buildCompareModel(dirs.map(readRun));
  return renderCompare(model, { generatedAt: (options.now ?? new Date()).toISOString(), sources: paths.map((p) => resolve(p)) });
}

/** Writes the compare page and resolves to its path. */
export async function writeCompare(paths: readonly string[], output: string, options: { now?: Date } = {}): Promise<string> {
  const html = buildCompare(paths, options);
  const path = resolve(output);
  await writeFile(path, html);
  return path;
}

const meanSdText = (m: { mean: number | null; sd: number | null }): string =>
  m.mean === null ? "–" : m.sd === null ? pct(m.mean) : `${pct(m.mean)} ± ${(100 * m.sd).toFixed(1)}`;

const settingText = (v: SettingValue | undefined): string => (v === undefined ? "–" : String(v));

function colorOf(i: number): { color: string; dashed: boolean } {
  return { color: seriesColor(i), dashed: Math.floor(i / SERIES_COLORS.length) % 2 === 1 };
}

export function renderCompare(model: CompareModel, input: { generatedAt: string; sources: string[] }): string {
  const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  const title = `dln compare: ${model.runs.length} run${model.runs.length === 1 ? "" : "s"}`;
  return page({
    title,
    csp,
    css: CSS,
    header: `<h1>${esc(title)}</h1><p class="facts">${model.differing.length > 0 ? `varied: ${model.differing.map((k) => `<code>${esc(k)}</code>`).join(", ")}` : "the runs have the same settings"}</p>`,
    sections: [
      section("runs", "Runs", runsTable(model)),
      section("groups", "Mean ± sd over seeds", groupsTable(model)),
      section("scatter", "Accuracy against tokens", scatter(model)),
      section("curves", "Dev accuracy during training", curves(model)),
      section("prompts", "Best prompts", prompts(model)),
    ],
    footer: `Made by <code>dln compare</code> on ${esc(input.generatedAt)} from ${input.sources.map((s) => esc(s)).join(", ")}.`,
  });
}

function runsTable(m: CompareModel): string {
  const head = ["run", ...m.differing, "dev", "test", "tokens", "cost", "wall time", "status"];
  const rows = m.runs.map((r, i) => {
    const { color } = colorOf(i);
    const status = r.finished ? "finished" : `unfinished (${r.iterations.done}/${r.iterations.total})`;
    return `<tr class="run" data-run="${esc(r.name)}"><td class="text"><span class="swatch" style="background:${color}"></span>${esc(r.name)}</td>${m.differing.map((k) => `<td class="text setting" data-setting="${esc(k)}">${esc(settingText(r.settings[k]))}</td>`).join("")}<td class="dev">${pct(r.devAccuracy)}</td><td class="test">${pct(r.testAccuracy)}</td><td>${count(r.tokens)}</td><td>${dollars(r.cost)}</td><td>${duration(r.wallTimeMs)}</td><td class="text">${status}</td></tr>`;
  });
  return `<table class="num" id="runs-table"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function groupsTable(m: CompareModel): string {
  const keys = m.differing.filter((k) => k !== "seed");
  const head = [...(keys.length > 0 ? keys : ["setting"]), "runs", "seeds", "dev", "test", "tokens (mean)"];
  const rows = m.groups.map((g) => {
    const cells = keys.length > 0 ? keys.map((k) => `<td class="text">${esc(settingText(g.settings[k]))}</td>`).join("") : `<td class="text">all runs</td>`;
    return `<tr class="group">${cells}<td>${g.runs.length}</td><td class="text">${esc(g.seeds.map(settingText).join(", "))}</td><td class="dev">${meanSdText(g.dev)}</td><td class="test">${meanSdText(g.test)}</td><td>${count(g.tokens)}</td></tr>`;
  });
  return `<p class="note">Sample standard deviation over the runs of a setting (n − 1); one run shows no sd.</p><table class="num" id="groups-table"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** Test accuracy (dev for runs without a test score) against tokens, one dot per run. */
function scatter(m: CompareModel): string {
  const pts = m.runs.flatMap((r, i) => {
    const y = r.testAccuracy ?? r.devAccuracy;
    return y === null ? [] : [{ r, i, y, x: r.tokens }];
  });
  if (pts.length === 0) return `<p class="empty">No run has an accuracy yet.</p>`;
  const width = 1080;
  const height = 340;
  const M = { top: 20, right: 18, bottom: 44, left: 60 };
  const pw = width - M.left - M.right;
  const ph = height - M.top - M.bottom;
  const xs = pts.map((p) => p.x);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (x0 === x1) [x0, x1] = [x0 * 0.9, x1 * 1.1 || 1];
  const pad = (x1 - x0) * 0.06;
  x0 = Math.max(0, x0 - pad);
  x1 += pad;
  const sx = (x: number): number => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => M.top + ph - y * ph;
  const f = (n: number): string => String(Math.round(n * 10) / 10);
  const xt = niceTicks(x0, x1, 6);
  const yt = niceTicks(0, 1, 5);
  const parts = [
    ...yt.map(
      (t) =>
        `<line class="grid" x1="${M.left}" x2="${M.left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}"/><text class="tick" x="${M.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${pct(t)}</text>`,
    ),
    ...xt.map(
      (t) =>
        `<line class="tick-mark" x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${M.top + ph}" y2="${M.top + ph + 4}"/><text class="tick" x="${f(sx(t))}" y="${M.top + ph + 17}" text-anchor="middle">${count(t)}</text>`,
    ),
    `<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}"/>`,
    `<line class="axis" x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}"/>`,
    `<text class="axis-label" x="${M.left + pw / 2}" y="${height - 8}" text-anchor="middle">tokens (training and test)</text>`,
    `<text class="axis-label" transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">test accuracy</text>`,
    ...pts.map(({ r, i, x, y }) => {
      const { color } = colorOf(i);
      const tip = `${r.name}: ${r.testAccuracy !== null ? `test ${pct(r.testAccuracy)}` : `dev ${pct(r.devAccuracy)} (no test yet)`}, ${count(x)} tokens`;
      return `<circle class="pt${r.testAccuracy === null ? " no-test" : ""}" data-run="${esc(r.name)}" cx="${f(sx(x))}" cy="${f(sy(y))}" r="5" fill="${color}"><title>${esc(tip)}</title></circle>`;
    }),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-scatter" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="test accuracy against tokens">${parts.join("")}</svg><p class="note">One dot per run (hover for its name); a hollow dot is a run without a test score, placed at its best dev accuracy.</p>`;
}

function curves(m: CompareModel): string {
  const series: ChartSeries[] = m.runs.map((r, i) => ({
    name: r.name,
    ...colorOf(i),
    points: r.curve.map((c) => ({ x: c.iteration, y: c.accuracy, tip: `${r.name}, iteration ${c.iteration}: dev ${pct(c.accuracy)}` })),
  }));
  if (series.every((s) => s.points.length === 0)) return `<p class="empty">No validation yet.</p>`;
  const maxIt = Math.max(1, ...m.runs.flatMap((r) => r.curve.map((c) => c.iteration)));
  const chart = lineChart({
    id: "chart-curves",
    title: "dev accuracy by iteration",
    xLabel: "iteration",
    yLabel: "dev accuracy",
    series: series.map((s) => ({ ...s, name: firstWords(s.name, 60) })),
    yDomain: [0, 1],
    xDomain: [0, maxIt],
    formatY: (y) => pct(y),
    height: 340,
    legend: false,
  });
  // The legend in HTML, below the chart: it wraps however many runs there are and however long their names.
  const legend = series.map(
    (s) => `<li class="legend-item"><span class="legend-line${s.dashed ? " dashed" : ""}" style="border-color:${s.color}"></span>${esc(s.name)}</li>`,
  );
  return `${chart}<ul class="legend">${legend.join("")}</ul>`;
}

function prompts(m: CompareModel): string {
  const params = [...new Set(m.runs.flatMap((r) => Object.keys(r.bestPrompts)))];
  if (params.length === 0) return `<p class="empty">No prompts yet.</p>`;
  const head = `<tr><th>parameter</th>${m.runs.map((r, i) => `<th><span class="swatch" style="background:${colorOf(i).color}"></span>${esc(r.name)}</th>`).join("")}</tr>`;
  const rows = params.map(
    (p) =>
      `<tr><th class="param">${esc(p)}</th>${m.runs.map((r) => `<td><div class="prompt">${r.bestPrompts[p] !== undefined ? esc(r.bestPrompts[p]) : '<span class="empty">–</span>'}</div></td>`).join("")}</tr>`,
  );
  return `<div class="scroll"><table id="prompts-table"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

const CSS = `
:root { --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 12px 20px; }
h1 { font-size: 22px; margin: 8px 0 2px; }
h2 { font-size: 17px; margin: 0 0 8px; }
.facts { color: var(--muted); margin: 0; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 18px; margin: 14px 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--bg); font-size: 12px; color: #374151; }
table.num td { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
table.num td.text { text-align: left; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; vertical-align: baseline; }
.note { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 6px 0 0; padding: 0; font-size: 12.5px; color: #4b5563; }
.legend-line { display: inline-block; width: 18px; border-top: 2.5px solid; margin-right: 6px; vertical-align: middle; }
.legend-line.dashed { border-top-style: dashed; }
.empty { color: var(--muted); font-style: italic; }
.scroll { overflow-x: auto; }
#prompts-table td, #prompts-table th { min-width: 260px; }
#prompts-table th.param { min-width: 90px; }
.prompt { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
svg.chart { font-family: inherit; font-size: 11px; background: #fff; max-width: 100%; height: auto; }
svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: var(--fg); }
svg.chart .grid { stroke: #eef0f3; }
svg.chart .axis, svg.chart .tick-mark { stroke: #9ca3af; }
svg.chart .tick, svg.chart .legend-item text { fill: #4b5563; }
svg.chart .axis-label { fill: #374151; font-size: 12px; }
svg.chart .line { fill: none; stroke-width: 1.8; }
svg.chart .line.dashed { stroke-dasharray: 5 4; }
svg.chart .pt { stroke: #fff; stroke-width: 1; }
svg.chart .pt.no-test { fill-opacity: 0.15; stroke: currentColor; }
svg.chart .pt:hover { stroke: #111827; stroke-width: 2; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 0 0 24px; }
`;
