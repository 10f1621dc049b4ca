/**
 * What the report shows, derived from a run's events (and its result.json when the run finished).
 * Pure: no files, no HTML. The HTML writer (html.ts) only formats this.
 */
import type { Usage } from "../llm/types.js";
import type { TrainConfig } from "../train/config.js";
import type { TrainEvent } from "../train/events.js";
import type { TrainResult } from "../train/trainer.js";
import type { ScoreMode, ScoredCandidate } from "../train/types.js";

type EventOf<T extends TrainEvent["type"]> = Extract<TrainEvent, { type: T }>;

export interface IterationRow {
  iteration: number;
  trainAccuracy: number;
  devAccuracy: number | null;
  bestDevAccuracy: number;
  /** Cumulative training usage at the end of the iteration. */
  usage: Usage;
  /** Tokens spent in this iteration alone. */
  tokens: number;
  cost: number;
  elapsedMs: number;
  failures: number;
  /** Parameters whose prompt changed in this iteration. */
  changed: string[];
  /** Dev accuracy of the best prompts, when patience reloaded them at the end of this iteration. */
  reloadedBest?: number;
}

/** One optimizer step of one parameter: the candidates, their scores and the choice. */
export interface PromptStep {
  iteration: number;
  previous: string;
  prompt: string;
  changed: boolean;
  score: number | null;
  mode: ScoreMode | null;
  /** Where the chosen prompt came from (current, proposal, memory), when it is among the candidates. */
  source?: ScoredCandidate["source"];
  candidates: ScoredCandidate[];
}

export interface ParamHistory {
  param: string;
  layers: string[];
  initial: string;
  /** The prompt the run ended with (best prompts of the result when finished, else the last choice). */
  final: string;
  steps: PromptStep[];
  changes: number;
}

export interface ReportModel {
  network: string;
  runDir: string;
  startedAt?: string;
  endedAt?: string;
  seed?: number;
  config?: TrainConfig;
  /** The run wrote result.json (it finished; a budget stop counts as finished). */
  finished: boolean;
  resumedFrom?: number;
  iterationsPlanned?: number;
  iterations: IterationRow[];
  validations: Array<{ iteration: number; accuracy: number; n: number; improved: boolean }>;
  params: ParamHistory[];
  final: {
    initialDevAccuracy: number | null;
    devAccuracy: number | null;
    testAccuracy: number | null;
    bestIteration: number | null;
    stopReason?: string;
    stopDetail?: string;
    sizes?: { train: number; dev: number; test: number };
    testN?: number;
    wallTimeMs?: number;
    bestPrompts: Record<string, string>;
  };
  usage: { train: Usage | null; test: Usage | null };
  /** The score's meaning: the scoring modes seen in the candidates. */
  scoreModes: ScoreMode[];
}

const tokensOf = (u: Usage): number => u.promptTokens + u.completionTokens;

/** Builds the report's model; `result` is null for a run that has not finished (or crashed). */
export function buildReportModel(events: readonly TrainEvent[], result: TrainResult | null, runDir: string): ReportModel {
  const of = <T extends TrainEvent["type"]>(type: T): Array<EventOf<T>> => events.filter((e): e is EventOf<T> => e.type === type);
  // A resumed run repeats iterations it had started but not finished: the last word on each counts.
  const lastBy = <T extends { iteration: number }>(list: T[]): T[] =>
    [...new Map(list.map((e) => [e.iteration, e])).values()].sort((a, b) => a.iteration - b.iteration);

  const starts = of("start");
  const start = starts[0];
  const iterationEvents = lastBy(of("iteration"));
  const choices = of("choice");
  const candidateEvents = of("candidates");
  const reloads = new Map(of("reload-best").map((e) => [e.iteration, e.devAccuracy]));

  const params = paramHistories(candidateEvents, choices, result);
  const changedAt = new Map<number, string[]>();
  for (const p of params) for (const s of p.steps) if (s.changed) changedAt.set(s.iteration, [...(changedAt.get(s.iteration) ?? []), p.param]);

  let previousUsage: Usage | undefined;
  const iterations: IterationRow[] = iterationEvents.map((e) => {
    const tokens = tokensOf(e.usage) - (previousUsage ? tokensOf(previousUsage) : 0);
    const cost = e.usage.cost - (previousUsage?.cost ?? 0);
    previousUsage = e.usage;
    const row: IterationRow = {
      iteration: e.iteration,
      trainAccuracy: e.trainAccuracy,
      devAccuracy: e.devAccuracy,
      bestDevAccuracy: e.bestDevAccuracy,
      usage: e.usage,
      tokens: Math.max(0, tokens),
      cost: Math.max(0, cost),
      elapsedMs: e.elapsedMs,
      failures: e.failures,
      changed: changedAt.get(e.iteration) ?? [],
    };
    if (reloads.has(e.iteration)) row.reloadedBest = reloads.get(e.iteration);
    return row;
  });

  const validations = lastBy(of("validation")).map((v) => ({ iteration: v.iteration, accuracy: v.accuracy, n: v.n, improved: v.improved }));
  const test = of("test").at(-1);
  const done = of("done").at(-1);
  const stop = of("stop").at(-1);
  const initialDev = validations.find((v) => v.iteration === 0)?.accuracy ?? null;
  const bestValidation = validations.reduce<(typeof validations)[number] | undefined>((best, v) => (!best || v.accuracy > best.accuracy ? v : best), undefined);

  const final: ReportModel["final"] = result
    ? {
        initialDevAccuracy: result.initialDevAccuracy,
        devAccuracy: result.devAccuracy,
        testAccuracy: result.testAccuracy,
        bestIteration: result.bestIteration,
        stopReason: result.stopReason,
        stopDetail: result.stopDetail,
        sizes: result.sizes,
        testN: test?.n ?? result.sizes.test,
        wallTimeMs: result.wallTimeMs,
        bestPrompts: result.bestPrompts,
      }
    : {
        initialDevAccuracy: initialDev,
        devAccuracy: done?.devAccuracy ?? bestValidation?.accuracy ?? null,
        testAccuracy: done?.testAccuracy ?? test?.accuracy ?? null,
        bestIteration: bestValidation?.iteration ?? null,
        stopReason: stop?.reason,
        stopDetail: stop?.detail,
        testN: test?.n,
        wallTimeMs: iterations.at(-1)?.elapsedMs,
        bestPrompts: done?.bestPrompts ?? {},
      };

  const modes = new Set<ScoreMode>();
  for (const c of candidateEvents) if (c.mode) modes.add(c.mode);

  return {
    network: result?.network ?? start?.network ?? "(unknown network)",
    runDir,
    startedAt: start?.time,
    endedAt: events.at(-1)?.time,
    seed: result?.seed ?? start?.seed,
    config: result?.config ?? start?.config,
    finished: result !== null,
    resumedFrom: starts.find((s) => s.resumedFrom !== undefined)?.resumedFrom,
    iterationsPlanned: starts.at(-1)?.iterations ?? result?.config.iterations,
    iterations,
    validations,
    params,
    final,
    usage: { train: result?.usage.train ?? iterationEvents.at(-1)?.usage ?? null, test: result?.usage.test ?? test?.usage ?? null },
    scoreModes: [...modes],
  };
}

/** Per parameter: its steps in iteration order (one per iteration; a resumed iteration's last try wins). */
function paramHistories(candidateEvents: Array<EventOf<"candidates">>, choices: Array<EventOf<"choice">>, result: TrainResult | null): ParamHistory[] {
  const layers = new Map<string, string[]>();
  const steps = new Map<string, Map<number, PromptStep>>();
  const candidatesAt = new Map<string, EventOf<"candidates">>();
  for (const c of candidateEvents) {
    candidatesAt.set(`${c.param}\u0000${c.iteration}`, c);
    if (!layers.has(c.param)) layers.set(c.param, c.layers);
  }
  for (const ch of choices) {
    let paramSteps = steps.get(ch.param);
    if (!paramSteps) steps.set(ch.param, (paramSteps = new Map()));
    const cands = candidatesAt.get(`${ch.param}\u0000${ch.iteration}`);
    const chosen = cands?.candidates.find((c) => c.prompt === ch.prompt);
    paramSteps.set(ch.iteration, {
      iteration: ch.iteration,
      previous: ch.previous,
      prompt: ch.prompt,
      changed: ch.changed,
      score: ch.score,
      mode: cands?.mode ?? null,
      source: chosen?.source,
      candidates: cands?.candidates ?? [],
    });
  }
  // Parameters that never stepped still have prompts worth showing (initial = best).
  for (const param of Object.keys(result?.initialPrompts ?? {})) if (!steps.has(param)) steps.set(param, new Map());
  // Parents first: the result's order when known, else the reverse of the events' (children first).
  const known = Object.keys(result?.initialPrompts ?? {});
  const order = [...steps].reverse();
  order.sort(([a], [b]) => rank(known, a) - rank(known, b));
  return order.map(([param, paramSteps]) => {
    const list = [...paramSteps.values()].sort((a, b) => a.iteration - b.iteration);
    const initial = result?.initialPrompts[param] ?? list[0]?.previous ?? "";
    const final = result?.bestPrompts[param] ?? list.at(-1)?.prompt ?? initial;
    return { param, layers: layers.get(param) ?? [param], initial, final, steps: list, changes: list.filter((s) => s.changed).length };
  });
}

function rank(known: string[], param: string): number {
  const i = known.indexOf(param);
  return i < 0 ? known.length : i;
}
