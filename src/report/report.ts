/**
 * `writeReport(runDir)`: the HTML report of a training run (docs/report.md), written next to the
 * run's files. `dln report` calls it, and so does `dln train` when a run ends.
 */
import { writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { renderReport } from "./html.js";
import { buildReportModel } from "./model.js";
import { loadRun, type LoadRunOptions } from "./run.js";
import { drawSvg } from "./svg.js";

export const REPORT_FILE = "report.html";

export interface ReportOptions extends LoadRunOptions {
  /** Where to write the report (default `<runDir>/report.html`). */
  output?: string;
  /** The report's time stamp (tests pin it). */
  now?: Date;
  /** The run directory is shown relative to this directory (default: the working directory), never as an absolute path. */
  cwd?: string;
}

/** The report of the run in `runDir`, as HTML text. */
export async function buildReport(runDir: string, options: Omit<ReportOptions, "output"> = {}): Promise<string> {
  const run = await loadRun(runDir, options);
  const model = buildReportModel(run.events, run.result, shownPath(run.dir, options.cwd ?? process.cwd()));
  const drawing = run.network ? drawSvg(run.network, { prompts: model.final.bestPrompts, idPrefix: "net-" }) : undefined;
  return renderReport({ model, drawing, drawingNote: run.networkNote, generatedAt: (options.now ?? new Date()).toISOString() });
}

/** Writes the report of the run in `runDir` and resolves to the path of the file. */
export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const html = await buildReport(runDir, options);
  const path = resolve(options.output ?? join(runDir, REPORT_FILE));
  await writeFile(path, html);
  return path;
}

/** `runs/x` for a run under the working directory, `../elsewhere/x` otherwise; `.` for the directory itself. */
function shownPath(dir: string, cwd: string): string {
  return relative(resolve(cwd), dir) || ".";
}
