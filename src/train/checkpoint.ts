/**
 * Checkpoints (schemas/checkpoint.schema.json): everything needed to continue a run after the
 * last finished iteration — prompts, memory, the RNG state, best so far, usage. Written
 * atomically (temporary file, then rename), so a crash leaves the previous checkpoint intact.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Usage } from "../llm/types.js";
import type { RngState } from "../util/random.js";
import type { TrainConfig } from "./config.js";
import { DlnError } from "../util/errors.js";

export const CHECKPOINT_FILE = "checkpoint.json";

export interface PromptSet {
  prompts: Record<string, string>;
  devAccuracy: number;
  iteration: number;
}

export interface HistoryEntry {
  iteration: number;
  trainAccuracy: number;
  devAccuracy: number | null;
}

export interface Checkpoint {
  version: 1;
  network: string;
  /** Iterations finished (the run continues with the next one). */
  iteration: number;
  prompts: Record<string, string>;
  memory: PromptSet[];
  rng: RngState;
  best: PromptSet;
  initialDevAccuracy: number | null;
  /** Validations since the last improvement (for patience). */
  staleValidations: number;
  /** Spent on training (validation included) so far. */
  usage: Usage;
  elapsedMs: number;
  seed: number;
  config: TrainConfig;
  history: HistoryEntry[];
  /** Set when the run stopped for good (budget): resuming does not continue training. */
  stopped?: "budget";
}

/** Writes JSON to `path` atomically: a temporary file in the same directory, then a rename. */
export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  renameSync(tmp, path);
}

export function saveCheckpoint(runDir: string, checkpoint: Checkpoint): string {
  const path = join(runDir, CHECKPOINT_FILE);
  writeJsonAtomic(path, checkpoint);
  return path;
}

/** A checkpoint that is missing, unreadable or of another version: a usage error, located at the file. */
export class CheckpointError extends DlnError {
  declare readonly code: "E_CHECKPOINT";
  constructor(
    readonly path: string,
    message: string,
    hint?: string,
  ) {
    super("E_CHECKPOINT", `${path}: ${message}`, { kind: "usage", location: { file: path }, hint });
  }
}

export function loadCheckpoint(runDir: string): Checkpoint {
  const path = join(runDir, CHECKPOINT_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CheckpointError(
      path,
      "no checkpoint here",
      "resume a run directory of `dln train` that finished at least one iteration (or start the run again)",
    );
  }
  let cp: Checkpoint;
  try {
    cp = JSON.parse(text) as Checkpoint;
  } catch (err) {
    throw new CheckpointError(path, `not valid JSON (${(err as Error).message})`);
  }
  if (cp.version !== 1 || typeof cp.iteration !== "number" || !Array.isArray(cp.rng) || typeof cp.prompts !== "object") {
    throw new CheckpointError(path, "not a checkpoint of this version of dln", "resume it with the dln that wrote it, or start the run again");
  }
  return cp;
}

/**
 * The run's training usage as it is spent (issue 12): one line per recorded usage, each the
 * cumulative total, so a run killed mid-iteration keeps what that iteration spent and a resume
 * starts from it (the checkpoint holds finished iterations only). Compacted to one line when opened.
 */
export const USAGE_FILE = "usage.jsonl";

export interface UsageLog {
  write(total: Usage): void;
  close(): void;
}

/** Starts the log at `total` (atomically, replacing what was there), then appends. */
export function openUsageLog(runDir: string, total: Usage): UsageLog {
  const path = join(runDir, USAGE_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(total) + "\n");
  renameSync(tmp, path);
  let fd: number | undefined = openSync(path, "a");
  return {
    write: (u) => {
      if (fd !== undefined) writeSync(fd, JSON.stringify(u) + "\n");
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** The last total in the run's usage log (a line a kill cut in half is skipped), or undefined without one. */
export function readUsageLog(runDir: string): Usage | undefined {
  let text: string;
  try {
    text = readFileSync(join(runDir, USAGE_FILE), "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n").reverse()) {
    try {
      const u = JSON.parse(line) as Usage;
      const fields = [u.requests, u.promptTokens, u.completionTokens, u.cacheHits, u.cost];
      if (fields.every((v) => typeof v === "number" && Number.isFinite(v))) return u;
    } catch {
      // a torn or empty line
    }
  }
  return undefined;
}
