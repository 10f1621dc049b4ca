/**
 * What a run directory remembers besides its checkpoint, and the one resume policy that
 * `graph.train({ resume })` and `dln train --resume` share:
 *
 * - `run.json` (written when a run starts): the data it trained on (a fingerprint and the size of
 *   each split, and, from the command line, where the data came from, so `--resume <dir>` alone
 *   can reload it) and a record of every resume (when, from which iteration, what was forced).
 * - `resolveResume()`: a resumed run continues with the checkpoint's settings. Only `iterations`
 *   and the budgets may change. A setting given again with another value, or other data, is
 *   refused with a message naming each difference, unless `force` (then the new values apply and
 *   the differences are recorded in run.json).
 * - `run.lock`: one process per run directory. A second is refused, naming the holder's pid and
 *   host; the lock of a process that no longer runs (killed) is taken over.
 * - `truncateEvents()`: on resume, the events after the checkpoint (of the iteration a kill cut
 *   short) are dropped from events.jsonl, so it reads every iteration once.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Example, Splits } from "../data/types.js";
import { CHECKPOINT_FILE, loadCheckpoint, writeJsonAtomic, type Checkpoint } from "./checkpoint.js";
import { makeEvent } from "./events.js";
import type { TrainConfig, TrainOverrides } from "./config.js";
import { DlnError } from "../util/errors.js";

export const RUN_FILE = "run.json";
export const LOCK_FILE = "run.lock";
const EVENTS = "events.jsonl";

type SplitName = "train" | "dev" | "test";
const SPLITS: SplitName[] = ["train", "dev", "test"];

export interface RunManifest {
  version: 1;
  network: string;
  data: {
    /** sha256 of each split's examples (id, inputs, target), in order. */
    fingerprints: Record<SplitName, string>;
    sizes: Record<SplitName, number>;
    /** Where the data came from (the command line records its data flags), when known. */
    sources?: unknown;
  };
  resumes: Array<{ time: string; fromIteration: number; forced?: string[] }>;
}

/** A split's fingerprint: the same examples in the same order give the same hex string. */
export function splitFingerprint(examples: readonly Example[]): string {
  const hash = createHash("sha256");
  for (const e of examples)
    hash.update(JSON.stringify([e.id, Object.entries(e.inputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), e.target])).update("\n");
  return hash.digest("hex");
}

export function readManifest(runDir: string): RunManifest | undefined {
  const path = join(runDir, RUN_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as RunManifest;
  } catch (err) {
    throw new ResumeError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

export function writeManifest(runDir: string, manifest: RunManifest): void {
  writeJsonAtomic(join(runDir, RUN_FILE), manifest);
}

export function newManifest(network: string, splits: Pick<Splits, SplitName>, sources?: unknown): RunManifest {
  return {
    version: 1,
    network,
    data: {
      fingerprints: Object.fromEntries(SPLITS.map((s) => [s, splitFingerprint(splits[s])])) as Record<SplitName, string>,
      sizes: Object.fromEntries(SPLITS.map((s) => [s, splits[s].length])) as Record<SplitName, number>,
      ...(sources !== undefined ? { sources } : {}),
    },
    resumes: [],
  };
}

/** A run that cannot be resumed as asked (missing, another network's, changed data or settings, in use): a usage error. */
export class ResumeError extends DlnError {
  declare readonly code: "E_TRAIN_RESUME";
  constructor(message: string, hint?: string) {
    super("E_TRAIN_RESUME", message, { kind: "usage", hint });
  }
}

export interface ResumeRequest {
  runDir: string;
  /** The network being trained (its name must be the run's). */
  network: string;
  /** Settings given explicitly now (undefined fields: not given). */
  overrides?: TrainOverrides;
  /** The data given now; compared with the run's fingerprints when the run recorded them. */
  splits?: Pick<Splits, SplitName>;
  /** Continue despite differences (they are returned, to be recorded). */
  force?: boolean;
}

export interface ResumePlan {
  checkpoint: Checkpoint;
  /** The configuration to continue with. */
  config: TrainConfig;
  /** What differs from the run (empty unless forced). */
  differences: string[];
  manifest: RunManifest | undefined;
}

const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? "unset"));

/** Settings that may change on resume: how long the run goes on, and what it may spend. */
const FREE = new Set(["iterations", "budget"]);

/** The resume policy (see the file comment). Throws a ResumeError naming every difference. */
export function resolveResume(request: ResumeRequest): ResumePlan {
  const { runDir } = request;
  if (!existsSync(runDir)) throw new ResumeError(`cannot resume: run directory ${runDir} does not exist`);
  const checkpoint = loadCheckpoint(runDir);
  if (checkpoint.network !== request.network) {
    throw new ResumeError(`cannot resume: ${runDir} is a run of network "${checkpoint.network}", not "${request.network}"`);
  }
  const manifest = readManifest(runDir);
  const differences: string[] = [];
  const given = Object.entries(request.overrides ?? {}).filter(([k, v]) => v !== undefined && !FREE.has(k));
  for (const [key, value] of given) {
    const was = (checkpoint.config as unknown as Record<string, unknown>)[key];
    if (JSON.stringify(was) !== JSON.stringify(value)) differences.push(`${key} is ${show(value)}, the run used ${show(was)}`);
  }
  if (request.splits && manifest) {
    for (const s of SPLITS) {
      const now = splitFingerprint(request.splits[s]);
      if (now !== manifest.data.fingerprints[s]) {
        differences.push(
          `the ${s} data differs (${request.splits[s].length} examples, fingerprint ${now.slice(0, 12)}; the run's: ${manifest.data.sizes[s]} examples, ${manifest.data.fingerprints[s].slice(0, 12)})`,
        );
      }
    }
  }
  if (differences.length > 0 && !request.force) {
    throw new ResumeError(
      `cannot resume ${runDir}: ${differences.join("; ")}. A resumed run keeps its data and settings (only iterations and budgets may change)`,
      "resume without them, or force it (--force; { force: true }), which is recorded in run.json",
    );
  }
  const budget = { ...checkpoint.config.budget, ...request.overrides?.budget };
  const forcedSettings = request.force ? Object.fromEntries(given) : {};
  const config: TrainConfig = {
    ...checkpoint.config,
    ...forcedSettings,
    iterations: request.overrides?.iterations ?? checkpoint.config.iterations,
    budget,
  };
  return { checkpoint, config, differences, manifest };
}

/**
 * Drops the lines of events.jsonl after the checkpointed iteration (they belong to an iteration
 * that a kill cut short and that the resumed run does again). Returns how many were dropped.
 */
export function truncateEvents(runDir: string, iteration: number): number {
  const path = join(runDir, EVENTS);
  if (!existsSync(path)) return 0;
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  let keep = -1;
  let firstIterationEvent = -1;
  lines.forEach((line, i) => {
    let e: { type?: string; iteration?: number };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return; // a line cut by a kill: dropped below unless before the cut
    }
    const it = e.iteration;
    if (typeof it === "number" && it > 0 && firstIterationEvent < 0 && e.type !== "start") firstIterationEvent = i;
    if (typeof it === "number" && it <= iteration && (e.type === "iteration" || e.type === "checkpoint" || (e.type === "stop" && it === iteration))) keep = i;
  });
  // Nothing of iteration 1 finished: keep what came before it (start, the initial validation).
  if (keep < 0) keep = (firstIterationEvent < 0 ? lines.length : firstIterationEvent) - 1;
  // Start/validation lines before the first iteration are kept; a partial last line never is.
  const kept = lines.slice(0, keep + 1).filter((l) => {
    try {
      JSON.parse(l);
      return true;
    } catch {
      return false;
    }
  });
  const dropped = lines.length - kept.length;
  // A kill after checkpoint.json was saved but before its event was appended: the resumed run
  // starts after `iteration`, so the log says that iteration was saved (marked as recovered).
  const saved = kept.some((l) => {
    const e = JSON.parse(l) as { type?: string; iteration?: number };
    return e.type === "checkpoint" && e.iteration === iteration;
  });
  const missing =
    !saved &&
    iteration > 0 &&
    kept.some((l) => {
      const e = JSON.parse(l) as { type?: string; iteration?: number };
      return e.type === "iteration" && e.iteration === iteration;
    });
  if (missing) kept.push(JSON.stringify(makeEvent({ type: "checkpoint", iteration, path: join(runDir, CHECKPOINT_FILE), recovered: true })));
  if (dropped > 0 || missing) {
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, kept.map((l) => l + "\n").join(""));
    renameSync(tmp, path);
  }
  return dropped;
}

interface LockHolder {
  pid: number;
  host: string;
  time: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the run directory's lock, or throws a ResumeError naming who holds it. The lock of a
 * process on this host that no longer runs is taken over. Returns the release function.
 */
export function lockRunDir(runDir: string): () => void {
  const path = join(runDir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), time: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let holder: LockHolder | undefined;
      try {
        holder = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
      } catch {
        holder = undefined; // written half by a killed process: stale
      }
      const stale = !holder || (holder.host === me.host && !alive(holder.pid));
      if (holder && !stale) {
        throw new ResumeError(
          `the run directory ${runDir} is in use by process ${holder.pid} on ${holder.host} (since ${holder.time})`,
          `wait for it to finish or stop it, or remove ${path} if that process is gone`,
        );
      }
      try {
        unlinkSync(path);
      } catch {
        // another process took it over first: the next attempt sees its lock
      }
      continue;
    }
    writeSync(fd, JSON.stringify(me) + "\n");
    closeSync(fd);
    return () => {
      try {
        const now = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
        if (now.pid === me.pid && now.host === me.host) unlinkSync(path);
      } catch {
        // already gone
      }
    };
  }
  throw new ResumeError(`could not lock the run directory ${runDir} (${path} keeps reappearing)`, "another process keeps taking the run: stop it, then resume");
}
