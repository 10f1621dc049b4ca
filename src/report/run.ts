/**
 * Reading a training run directory (written by src/train/trainer.ts): events.jsonl, result.json
 * when the run finished, and the network, so the report can draw it.
 *
 * The network is found, in order: the one the caller passes (compiled, or a file path); a path
 * named by the run itself (`networkFile` on the start event or the result, when the trainer
 * records it); a copy in the run directory (network.json5 / network.json).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { formatDiagnostic, loadNetworkFile } from "../compile/index.js";
import type { CompiledNetwork } from "../compile/types.js";
import { EVENTS_FILE, RESULT_FILE, type TrainResult } from "../train/trainer.js";
import type { TrainEvent } from "../train/events.js";
import { DlnError } from "../util/errors.js";

/** Names under which the run directory may hold a copy of the network file. */
export const NETWORK_COPIES = ["network.json5", "network.json"];

/** The run directory or the network file given to the report cannot be used: a usage error, located at that path. */
export class ReportError extends DlnError {
  declare readonly code: "E_REPORT_RUN_DIR" | "E_REPORT_NETWORK";
  constructor(
    code: "E_REPORT_RUN_DIR" | "E_REPORT_NETWORK",
    readonly where: string,
    message: string,
    hint?: string,
  ) {
    super(code, `${where}: ${message}`, { kind: "usage", location: { file: where }, hint });
  }
}

export interface RunRecord {
  dir: string;
  events: TrainEvent[];
  result: TrainResult | null;
  network: CompiledNetwork | null;
  /** Why there is no network drawing, when there is none. */
  networkNote?: string;
  /** Lines of events.jsonl that were not JSON (e.g. the last one of a killed run). */
  badLines: number;
}

export interface LoadRunOptions {
  /** The network (compiled), or the path of its file (relative to the current directory). */
  network?: CompiledNetwork | string;
}

export async function loadRun(runDir: string, options: LoadRunOptions = {}): Promise<RunRecord> {
  const dir = resolve(runDir);
  const eventsPath = join(dir, EVENTS_FILE);
  const resultPath = join(dir, RESULT_FILE);
  if (!existsSync(eventsPath) && !existsSync(resultPath)) {
    throw new ReportError(
      "E_REPORT_RUN_DIR",
      dir,
      `no ${EVENTS_FILE} or ${RESULT_FILE} here; point at the run directory of a \`dln train\` (printed when training starts)`,
    );
  }
  const { events, badLines } = existsSync(eventsPath) ? parseEvents(await readFile(eventsPath, "utf8")) : { events: [], badLines: 0 };
  let result: TrainResult | null = null;
  if (existsSync(resultPath)) {
    try {
      result = JSON.parse(await readFile(resultPath, "utf8")) as TrainResult;
    } catch (err) {
      throw new ReportError("E_REPORT_RUN_DIR", resultPath, `not valid JSON (${(err as Error).message})`);
    }
  }
  const { network, note } = await findNetwork(dir, events, result, options.network);
  return { dir, events, result, network, ...(note ? { networkNote: note } : {}), badLines };
}

/** One event per line; lines that are not JSON objects with a type are counted and skipped. */
export function parseEvents(text: string): { events: TrainEvent[]; badLines: number } {
  const events: TrainEvent[] = [];
  let badLines = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as TrainEvent;
      if (e && typeof e === "object" && typeof e.type === "string") events.push(e);
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { events, badLines };
}

async function findNetwork(
  dir: string,
  events: TrainEvent[],
  result: TrainResult | null,
  given: CompiledNetwork | string | undefined,
): Promise<{ network: CompiledNetwork | null; note?: string }> {
  if (given !== undefined && typeof given !== "string") return { network: given };
  const named = (o: unknown): string | undefined => {
    const f = (o as { networkFile?: unknown } | null | undefined)?.networkFile;
    return typeof f === "string" ? f : undefined;
  };
  const candidates = [
    ...(given !== undefined ? [resolve(given)] : []),
    ...[named(events.find((e) => e.type === "start")), named(result)]
      .filter((f): f is string => f !== undefined)
      .map((f) => (isAbsolute(f) ? f : resolve(dir, f))),
    ...NETWORK_COPIES.map((name) => join(dir, name)),
  ];
  for (const path of candidates) {
    if (!existsSync(path)) {
      if (path === candidates[0] && given !== undefined) throw new ReportError("E_REPORT_NETWORK", path, "no such network file");
      continue;
    }
    const loaded = await loadNetworkFile(path, { cwd: dir });
    if (loaded.ok) return { network: loaded.network };
    if (given !== undefined && path === candidates[0]) {
      throw new ReportError("E_REPORT_NETWORK", path, `not a valid network:\n${loaded.diagnostics.map(formatDiagnostic).join("\n")}`);
    }
    return { network: null, note: `the network file ${path} does not compile any more (${loaded.diagnostics.length} problems), so it is not drawn` };
  }
  return { network: null, note: "the run directory does not say where its network file is; pass it with --network <file> to draw it" };
}
