/**
 * The training event stream (schemas/event.schema.json): every candidate with its score, every
 * choice, validation results, usage. The same objects go to subscribers of `events$` and, one
 * JSON object per line, to `events.jsonl` in the run directory.
 */
import { appendFileSync } from "node:fs";
import type { Usage } from "../llm/types.js";
import type { TrainConfig } from "./config.js";
import type { ScoreMode, ScoredCandidate } from "./types.js";

interface Base {
  /** ISO time the event was made. */
  time: string;
}

export type TrainEvent = Base &
  (
    | { type: "start"; network: string; runDir?: string; seed: number; iterations: number; resumedFrom?: number; config: TrainConfig }
    | { type: "validation"; iteration: number; split: "dev"; accuracy: number; n: number; best: number; improved: boolean }
    | { type: "batch"; iteration: number; ids: string[]; trainAccuracy: number; failed: number }
    | { type: "candidates"; iteration: number; param: string; layers: string[]; mode: ScoreMode | null; candidates: ScoredCandidate[] }
    | { type: "choice"; iteration: number; param: string; previous: string; prompt: string; changed: boolean; score: number | null }
    | { type: "signal"; iteration: number; from: string; to: string; samples: number; peak: number }
    | {
        type: "iteration";
        iteration: number;
        iterations: number;
        trainAccuracy: number;
        devAccuracy: number | null;
        bestDevAccuracy: number;
        usage: Usage;
        elapsedMs: number;
        failures: number;
      }
    | { type: "reload-best"; iteration: number; devAccuracy: number }
    | {
        type: "checkpoint";
        iteration: number;
        path: string;
        /** Written on resume: the process saved the checkpoint but was killed before logging it. */ recovered?: true;
      }
    | { type: "stop"; iteration: number; reason: "completed" | "budget" | "aborted"; detail?: string }
    | { type: "test"; accuracy: number | null; n: number; usage: Usage }
    | { type: "done"; devAccuracy: number | null; testAccuracy: number | null; bestPrompts: Record<string, string> }
  );

export type TrainEventType = TrainEvent["type"];

type Without<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
export type TrainEventBody = Without<TrainEvent, "time">;

export function makeEvent(body: TrainEventBody, now = new Date()): TrainEvent {
  return { ...body, time: now.toISOString() } as TrainEvent;
}

/** One line of events.jsonl (non-finite numbers become null, as JSON has no -Infinity). */
function eventLine(event: TrainEvent): string {
  return JSON.stringify(event) + "\n";
}

/** Appends events to a file synchronously, so the file's order is the stream's order even if the process dies. */
export function appendEvent(path: string, event: TrainEvent): void {
  appendFileSync(path, eventLine(event));
}
