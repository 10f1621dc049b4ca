/**
 * The small shared harness of the benchmarks: medians of repeats, the row every measurement
 * returns, the machine description, and the human table.
 *
 * Every figure is a median of several repeats, and every ratio compares two quantities measured
 * in the same run (a bound computed from the run's own settings, or two sizes measured back to
 * back), so a noisy shared machine shifts both sides rather than deciding the result.
 */
import { cpus, totalmem } from "node:os";

/** What a goal is checked against: the ratio (higher is better unless `op` says otherwise) or the raw figure. */
export interface Goal {
  on: "ratio" | "measured";
  op: ">=" | "<" | "==";
  value: number;
  /** The goal as a person would say it ("bound/measured ≥ 0.9"). */
  text: string;
}

/** One line of the report. */
export interface BenchRow {
  /** Stable machine name, e.g. `executor.chain`. */
  id: string;
  /** Which item of issue 7 it measures (1–7). */
  item: number;
  name: string;
  /** The figure (null when not measured). */
  measured: number | null;
  unit: string;
  /** The lower bound in the same unit, when the figure has one. */
  bound: number | null;
  /**
   * bound / measured for rows with a bound (1 is perfect; higher is better), or the ratio the
   * issue names for the row (e.g. peak memory at 10× the samples / peak memory). Null when none.
   */
  ratio: number | null;
  goal: Goal | null;
  /** Informational: whether the goal was met (null without a goal or a figure). */
  pass: boolean | null;
  /** What the figure depends on, or why it is missing. */
  note?: string;
  /** Extra numbers (sizes, counts, spread of the repeats). */
  details?: Record<string, unknown>;
}

export interface BenchEnv {
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  memoryGB: number;
  quick: boolean;
}

export interface BenchReport {
  version: 1;
  env: BenchEnv;
  startedAt: string;
  durationMs: number;
  rows: BenchRow[];
}

export function describeMachine(quick: boolean): BenchEnv {
  const list = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: list[0]?.model?.trim() ?? "unknown",
    cores: list.length,
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    quick,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  // 0 <= mid - 1 < mid < length: the array is not empty (checked above), and mid - 1 is read only when the length is even.
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `fn` `times` times, one after another, and returns every result. */
export async function repeat<T>(times: number, fn: (round: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < times; i++) out.push(await fn(i));
  return out;
}

/** Milliseconds taken by `fn` (high-resolution clock), with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Whether a row meets its goal (null when it has none or was not measured). */
export function checkGoal(goal: Goal | null, measured: number | null, ratio: number | null): boolean | null {
  if (!goal) return null;
  const x = goal.on === "ratio" ? ratio : measured;
  if (x === null || !Number.isFinite(x)) return null;
  switch (goal.op) {
    case ">=":
      return x >= goal.value;
    case "<":
      return x < goal.value;
    case "==":
      return x === goal.value;
  }
}

/** Builds a row, computing `pass` from the goal. */
export function row(r: Omit<BenchRow, "pass">): BenchRow {
  return { ...r, pass: checkGoal(r.goal, r.measured, r.ratio) };
}

/** A row for something that could not be measured, saying why (never an invented number). */
export function notMeasured(id: string, item: number, name: string, unit: string, goal: Goal | null, why: string): BenchRow {
  return { id, item, name, measured: null, unit, bound: null, ratio: null, goal, pass: null, note: `not measured: ${why}` };
}

const round = (x: number): string => {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (Number.isInteger(x) || a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
};

const withUnit = (x: number | null, unit: string): string => (x === null ? "—" : `${round(x)} ${unit}`.trim());

/** The human table: one line per row, then the notes. */
export function formatTable(report: BenchReport): string {
  const e = report.env;
  const head = [
    `dln benchmarks${e.quick ? " (--quick: smaller sizes)" : ""}`,
    `node ${e.node} · ${e.platform} · ${e.cores} cores (${e.cpu}) · ${e.memoryGB} GB · ${report.startedAt} · took ${(report.durationMs / 1000).toFixed(1)} s`,
    "",
  ];
  const cols = ["#", "measurement", "measured", "bound", "ratio", "goal", "result"];
  const lines = report.rows.map((r) => [
    String(r.item),
    r.name,
    withUnit(r.measured, r.unit),
    withUnit(r.bound, r.unit),
    r.ratio === null ? "—" : round(r.ratio),
    r.goal?.text ?? "—",
    r.pass === null ? (r.measured === null ? "n/a" : "info") : r.pass ? "pass" : "MISS",
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const notes = report.rows.filter((r) => r.note).map((r) => `  ${r.id}: ${r.note}`);
  return [
    ...head,
    fmt(cols),
    fmt(widths.map((w) => "-".repeat(w))),
    ...lines.map(fmt),
    ...(notes.length ? ["", "notes:", ...notes] : []),
    "",
    "Goals are informational: the exit code is 0 whatever the figures.",
  ].join("\n");
}
