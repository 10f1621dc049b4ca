/**
 * The trainer: the outer loop of TRAINING.md, short enough to read as pseudo-code.
 *
 *   validate the initial prompts on dev (or resume a run)               startOrResume
 *   for each iteration:                                                  iteration
 *     draw a minibatch; forward it (keep the trace)                      forwardBatch
 *     backward: every parameter takes an optimizer step, children        backwardBatch (backward.ts)
 *       before parents; the new prompts                                  applySteps
 *     every valEvery iterations: validate on dev, keep the best,         validateAndRemember
 *       memory, patience
 *     checkpoint; stop at a budget                                       recordIteration, checkpoint
 *       (the iteration that meets a spending cap is dropped)             abandonIteration
 *   evaluate the best prompts on test; write result.json                 finish
 *
 * `train()` returns the events as an Observable (also appended to events.jsonl in the run
 * directory) and a promise of the result. Every random choice comes from one seeded Rng whose
 * state is checkpointed, so a resumed or repeated run makes the same choices.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lastValueFrom, ReplaySubject, toArray, type Observable } from "rxjs";
import type { CompiledNetwork } from "../compile/types.js";
import { BatchSampler } from "../data/batches.js";
import type { Example, Splits } from "../data/types.js";
import { toSample } from "../data/sample.js";
import { addUsage, emptyUsage, type Usage } from "../llm/types.js";
import { Rng } from "../util/random.js";
import { getOrThrow } from "../util/lookup.js";
import { backward, type UnitStepped } from "./backward.js";
import { budgetExceeded, subtractUsage } from "./budget.js";
import { lockRunDir, newManifest, readManifest, truncateEvents, writeManifest } from "./resume.js";
import {
  loadCheckpoint,
  openUsageLog,
  readUsageLog,
  saveCheckpoint,
  writeJsonAtomic,
  type Checkpoint,
  type HistoryEntry,
  type PromptSet,
} from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { createDlnVi } from "./dln-vi/index.js";
import { appendEvent, makeEvent, type TrainEvent, type TrainEventBody } from "./events.js";
import { buildTrainGraph, type TrainGraph } from "./topology.js";
import { mean } from "./math.js";
import type { Optimizer } from "./optimizer.js";
import type { SpendingLimit, TrainServices } from "./services.js";
import type { BatchTrace } from "./types.js";
import type { Span } from "@opentelemetry/api";
import { endSpan, startSpan, withSpan } from "../util/telemetry.js";
import { DlnError, throwIfAborted, type DlnErrorOptions } from "../util/errors.js";

export const RESULT_FILE = "result.json";
export const EVENTS_FILE = "events.jsonl";
export const BEST_FILE = "best.json";
/** A copy of the network the run trained, so a report (or a person) can tell what the prompts belong to. */
export const NETWORK_FILE = "network.json5";
const TRAINER_VERSION = "0.1.0";

export interface TrainOptions {
  config: TrainConfig;
  services: TrainServices;
  /** Where checkpoints, events.jsonl and result.json go (none: nothing is written). */
  runDir?: string;
  /** Continue the run in `runDir` from its checkpoint (see resolveResume in resume.ts for the policy). */
  resume?: boolean;
  /** Where the data came from, recorded in run.json so a resume can reload it (the CLI's data flags). */
  dataSources?: unknown;
  /** Differences from the run that a forced resume accepted (recorded in run.json). */
  forced?: string[];
  signal?: AbortSignal;
  /** Another optimizer than dln-vi (e.g. a textual-feedback one). */
  optimizer?: Optimizer;
}

export interface TrainResult {
  version: 1;
  network: string;
  runDir: string | null;
  seed: number;
  /** Why the run ended. */
  stopReason: "completed" | "budget";
  stopDetail?: string;
  iterations: number;
  bestIteration: number;
  /** Best prompt per parameter (layer id, or the shared id of replicas). */
  bestPrompts: Record<string, string>;
  initialPrompts: Record<string, string>;
  initialDevAccuracy: number | null;
  devAccuracy: number | null;
  testAccuracy: number | null;
  sizes: { train: number; dev: number; test: number };
  usage: { train: Usage; test: Usage };
  wallTimeMs: number;
  history: HistoryEntry[];
  config: TrainConfig;
  versions: { dln: string; node: string };
}

export interface TrainRun {
  events$: Observable<TrainEvent>;
  result: Promise<TrainResult>;
}

/** Trains the network's prompts on `splits` (Graph.train calls this). */
export function train(network: CompiledNetwork, splits: Pick<Splits, "train" | "dev" | "test">, options: TrainOptions): TrainRun {
  const events = new ReplaySubject<TrainEvent>();
  // The run as an OpenTelemetry span (src/util/telemetry.ts), each iteration a `dln.train.step` inside it.
  const span = startSpan(`dln.train ${network.name}`, { "dln.network": network.name });
  const trainer = new Trainer(network, splits, options, events);
  const result = withSpan(span, () => trainer.run()).then(
    (r) => {
      span.setAttributes({ "dln.train.iterations": r.iterations, "dln.train.best_iteration": r.bestIteration, "dln.train.stop_reason": r.stopReason });
      endSpan(span);
      events.complete();
      return r;
    },
    (err: unknown) => {
      if (trainer.step) endSpan(trainer.step, err);
      endSpan(span, err);
      events.error(err);
      throw err;
    },
  );
  result.catch(() => undefined); // the caller handles it; never an unhandled rejection
  return { events$: events.asObservable(), result };
}

/** The prompts a network starts from, per parameter. */
export function initialPrompts(graph: TrainGraph): Record<string, string> {
  return Object.fromEntries(graph.units.flatMap((u) => u.layers.slice(0, 1).map((l) => [u.param, l.prompt])));
}

/** Why the run ended. */
interface Stop {
  reason: "completed" | "budget";
  detail?: string;
}

/** This process's part of a run: the state a checkpoint holds, and what spans the run's processes. */
interface Session {
  state: Checkpoint;
  /** The run's generator: each iteration draws its own from it. */
  rng: Rng;
  /** The spending cap, when the budget sets one. */
  spending?: SpendingLimit;
  /** What the training has spent, earlier processes of the run included. */
  usage(): Usage;
  /** The training's wall time, earlier processes of the run included. */
  elapsed(): number;
}

class Trainer {
  private readonly graph: TrainGraph;
  private readonly config: TrainConfig;
  private readonly services: TrainServices;
  private readonly optimizer: Optimizer;
  private readonly started = Date.now();
  /** Stops keeping the run's usage in usage.jsonl (see keepUsageLog). */
  private stopUsageLog: (() => void) | undefined;
  /** The span of the iteration in progress (ended by `train` when the run fails inside it). */
  step?: Span;

  constructor(
    private readonly network: CompiledNetwork,
    private readonly splits: Pick<Splits, "train" | "dev" | "test">,
    private readonly options: TrainOptions,
    private readonly events: ReplaySubject<TrainEvent>,
  ) {
    this.graph = buildTrainGraph(network);
    this.config = options.config;
    this.services = options.services;
    this.optimizer = options.optimizer ?? createDlnVi(this.graph, this.config, this.services);
  }

  private emit(body: TrainEventBody): void {
    const event = makeEvent(body);
    if (this.options.runDir) appendEvent(join(this.options.runDir, EVENTS_FILE), event);
    this.events.next(event);
  }

  /** The run, step by step: start or resume, the iterations until done or out of budget, then the test and the result. */
  async run(): Promise<TrainResult> {
    if (this.splits.train.length === 0)
      throw new TrainError("E_TRAIN_NO_DATA", "the train split is empty", { kind: "usage", hint: "give --data or --train with at least one example" });
    const unlock = this.lock();
    try {
      // Scoring modes are decided before anything is spent: an impossible one fails here (issue 12).
      await this.checkScoring();
      const session = await this.startOrResume();
      let stop: Stop = session.state.stopped ? { reason: "budget", detail: "stopped earlier" } : { reason: "completed" };
      for (let t = session.state.iteration + 1; t <= this.config.iterations && !session.state.stopped; t++) {
        stop = (await this.iteration(t, session)) ?? stop;
      }
      if (stop.reason === "completed") this.emit({ type: "stop", iteration: session.state.iteration, reason: "completed" });
      session.spending?.release(); // the final test is reported apart (usage.test), outside the training budget
      this.stopUsageLog?.();
      return await this.finish(session, stop);
    } finally {
      this.stopUsageLog?.();
      unlock?.();
    }
  }

  /** One process per run directory (a killed one's lock is taken over); the directory is made if missing. */
  private lock(): (() => void) | undefined {
    const dir = this.options.runDir;
    if (!dir) return undefined;
    mkdirSync(dir, { recursive: true });
    return lockRunDir(dir);
  }

  /**
   * One iteration: forward a batch, walk it backward, apply the steps, validate and remember; then
   * record it and checkpoint. Says why the run stops when this iteration spent the budget.
   */
  private async iteration(t: number, session: Session): Promise<Stop | undefined> {
    const { state } = session;
    this.checkAborted();
    // Under a spending cap: the state to go back to if this iteration meets the cap.
    const before = session.spending && (structuredClone(state) as Checkpoint);
    const rng = new Rng(session.rng.int(2 ** 32));
    const span = (this.step = startSpan("dln.train.step", { "dln.train.iteration": t }));
    const batch = await withSpan(span, () => this.forwardBatch(t, rng.fork("batch"), state.prompts));
    const steps = await withSpan(span, () => this.backwardBatch(t, batch, rng.fork("backward"), state));
    state.prompts = this.applySteps(t, state.prompts, steps);
    const dev = this.validatesAt(t) ? await withSpan(span, () => this.validateAndRemember(t, state)) : null;
    const refused = session.spending?.refused();
    if (refused && before) {
      span.setAttribute("dln.train.abandoned", true);
      endSpan(span);
      this.step = undefined;
      return this.abandonIteration(session, before, refused);
    }
    const exceeded = this.recordIteration(t, session, span, batch, steps, dev);
    this.checkpoint(state);
    if (!exceeded) return undefined;
    this.emit({ type: "stop", iteration: t, reason: "budget", detail: exceeded });
    return { reason: "budget", detail: exceeded };
  }

  /** Whether iteration t ends with a validation on dev (every valEvery iterations, and the last). */
  private validatesAt(t: number): boolean {
    return t % this.config.valEvery === 0 || t === this.config.iterations;
  }

  /** The iteration that met the spending cap is abandoned: back to the last one finished, checkpointed. */
  private async abandonIteration(session: Session, before: Checkpoint, refused: string): Promise<Stop> {
    await session.spending?.idle();
    Object.assign(session.state, before, { usage: session.usage(), elapsedMs: session.elapsed(), stopped: "budget" });
    const stop: Stop = { reason: "budget", detail: `stopped before crossing the ${refused}` };
    this.checkpoint(session.state);
    this.emit({ type: "stop", iteration: session.state.iteration, reason: "budget", detail: stop.detail });
    return stop;
  }

  /** A finished iteration goes into the state, the history, the event stream and its span; returns the budget it spent, if any. */
  private recordIteration(t: number, session: Session, span: Span, batch: BatchTrace, steps: UnitStepped[], dev: number | null): string | undefined {
    const { state } = session;
    const trainAccuracy = mean(batch.correct.map(Number));
    state.iteration = t;
    state.usage = session.usage();
    state.elapsedMs = session.elapsed();
    state.rng = session.rng.state();
    state.history.push({ iteration: t, trainAccuracy, devAccuracy: dev });
    const exceeded = budgetExceeded(state.usage, this.config.budget);
    if (exceeded) state.stopped = "budget";
    this.emit({
      type: "iteration",
      iteration: t,
      iterations: this.config.iterations,
      trainAccuracy,
      devAccuracy: dev,
      bestDevAccuracy: state.best.devAccuracy,
      usage: state.usage,
      elapsedMs: state.elapsedMs,
      failures: steps.reduce((n, s) => n + s.output.failures, 0),
    });
    span.setAttributes({
      "dln.train.train_accuracy": trainAccuracy,
      ...(dev !== null ? { "dln.train.dev_accuracy": dev } : {}),
      "dln.train.prompts_changed": steps.filter((s) => s.output.prompt !== s.previous).length,
    });
    endSpan(span);
    this.step = undefined;
    return exceeded;
  }

  /** Saves the state atomically, when the run has a directory. */
  private checkpoint(state: Checkpoint): void {
    if (this.options.runDir) this.emit({ type: "checkpoint", iteration: state.iteration, path: saveCheckpoint(this.options.runDir, state) });
  }

  /** Evaluates the best prompts on test, writes result.json and best.json, and says done. */
  private async finish(session: Session, stop: Stop): Promise<TrainResult> {
    const { state } = session;
    const best = state.best.devAccuracy >= 0 ? state.best.prompts : state.prompts;
    const beforeTest = this.services.usage();
    const test = this.splits.test.length ? await this.accuracy(this.splits.test, best) : null;
    const testUsage = subtractUsage(this.services.usage(), beforeTest);
    this.emit({ type: "test", accuracy: test, n: this.splits.test.length, usage: testUsage });
    const result: TrainResult = {
      version: 1,
      network: this.network.name,
      runDir: this.options.runDir ?? null,
      seed: this.config.seed,
      stopReason: stop.reason,
      ...(stop.detail ? { stopDetail: stop.detail } : {}),
      iterations: state.iteration,
      bestIteration: state.best.iteration,
      bestPrompts: best,
      initialPrompts: initialPrompts(this.graph),
      initialDevAccuracy: state.initialDevAccuracy,
      devAccuracy: state.best.devAccuracy >= 0 ? state.best.devAccuracy : null,
      testAccuracy: test,
      sizes: { train: this.splits.train.length, dev: this.splits.dev.length, test: this.splits.test.length },
      usage: { train: state.usage, test: testUsage },
      wallTimeMs: session.elapsed(),
      history: state.history,
      config: this.config,
      versions: { dln: TRAINER_VERSION, node: process.version },
    };
    if (this.options.runDir) {
      writeJsonAtomic(join(this.options.runDir, RESULT_FILE), result);
      writeJsonAtomic(join(this.options.runDir, BEST_FILE), best);
    }
    this.emit({ type: "done", devAccuracy: result.devAccuracy, testAccuracy: result.testAccuracy, bestPrompts: best });
    return result;
  }

  /** Picks every trainable layer's scoring mode (capability probes only), throwing when one is impossible. */
  private async checkScoring(): Promise<void> {
    const layers = this.graph.units.filter((u) => u.trainable).flatMap((u) => u.layers);
    await Promise.all(layers.map(async (layer) => this.services.scorer(layer, await this.services.clients.get(layer.model))));
  }

  // ── state ───────────────────────────────────────────────────────────────────────────────────

  /**
   * A fresh run (with its initial validation), or the run in runDir where its checkpoint left it;
   * either way with what spans the run's processes: its usage, wall time and spending cap.
   */
  private async startOrResume(): Promise<Session> {
    const usageAtStart = this.services.usage();
    const resumed = this.options.resume ? this.resumeState() : undefined;
    const spentBefore = resumed ? this.spentBefore(resumed) : emptyUsage();
    const elapsedBefore = resumed ? resumed.elapsedMs : 0;
    const usage = (): Usage => addUsage({ ...spentBefore }, subtractUsage(this.services.usage(), usageAtStart));
    // The cap counts from here: a fresh run's initial validation is inside it.
    const spending = this.capSpending(spentBefore);
    this.keepUsageLog(spentBefore, usage);
    const state = resumed ?? (await this.freshState());
    if (resumed) state.usage = { ...spentBefore };
    return { state, rng: new Rng(state.rng), spending, usage, elapsed: () => elapsedBefore + (Date.now() - this.started) };
  }

  /**
   * What earlier processes of this run spent (resume): the usage log, which also holds what an
   * iteration a kill cut short spent; the checkpoint (finished iterations only) for older runs.
   * A log behind the checkpoint (one restored from elsewhere, e.g. a sweep's database) is not used.
   */
  private spentBefore(resumed: Checkpoint): Usage {
    const logged = this.options.runDir === undefined ? undefined : readUsageLog(this.options.runDir);
    const behind = (a: Usage, b: Usage): boolean => a.requests + a.cacheHits < b.requests + b.cacheHits;
    return { ...(logged && !behind(logged, resumed.usage) ? logged : resumed.usage) };
  }

  /** A budget is a cap: requests that would cross it are refused before they are sent (issue 12). */
  private capSpending(spent: Usage): SpendingLimit | undefined {
    const capped = Object.values(this.config.budget).some((v) => v !== undefined);
    return capped ? this.services.limitSpending?.(this.config.budget, spent) : undefined;
  }

  /** The run's usage is kept on disk (usage.jsonl) as it is spent, so a kill loses none of it (issue 12). */
  private keepUsageLog(spentBefore: Usage, usage: () => Usage): void {
    if (!this.options.runDir || !this.services.onUsage) return;
    const log = openUsageLog(this.options.runDir, spentBefore);
    const unwatch = this.services.onUsage(() => log.write(usage()));
    this.stopUsageLog = () => {
      unwatch();
      log.close();
      this.stopUsageLog = undefined;
    };
  }

  private async freshState(): Promise<Checkpoint> {
    const prompts = initialPrompts(this.graph);
    if (this.options.runDir) {
      writeNetworkCopy(this.options.runDir, this.network);
      writeManifest(this.options.runDir, newManifest(this.network.name, this.splits, this.options.dataSources));
    }
    this.emit({
      type: "start",
      network: this.network.name,
      runDir: this.options.runDir,
      seed: this.config.seed,
      iterations: this.config.iterations,
      config: this.config,
    });
    const initial = this.splits.dev.length ? await this.accuracy(this.splits.dev, prompts, "the initial validation") : null;
    if (initial !== null)
      this.emit({ type: "validation", iteration: 0, split: "dev", accuracy: initial, n: this.splits.dev.length, best: initial, improved: true });
    const best: PromptSet = { prompts, devAccuracy: initial ?? -1, iteration: 0 };
    return {
      version: 1,
      network: this.network.name,
      iteration: 0,
      prompts,
      memory: initial === null ? [] : [best].slice(0, this.config.memory),
      rng: new Rng(`dln-train/${this.config.seed}`).state(),
      best,
      initialDevAccuracy: initial,
      staleValidations: 0,
      usage: emptyUsage(),
      elapsedMs: 0,
      seed: this.config.seed,
      config: this.config,
      history: [],
    };
  }

  private resumeState(): Checkpoint {
    const dir = this.options.runDir;
    if (!dir || !existsSync(dir)) throw new TrainError("E_TRAIN_RESUME", `cannot resume: run directory ${dir ?? "(none)"} does not exist`, { kind: "usage" });
    const cp = loadCheckpoint(dir);
    if (cp.network !== this.network.name)
      throw new TrainError("E_TRAIN_RESUME", `cannot resume: ${dir} is a run of network "${cp.network}", not "${this.network.name}"`, { kind: "usage" });
    // The events of the iteration a kill cut short are done again: drop them, so the log reads each iteration once.
    truncateEvents(dir, cp.iteration);
    let manifest = readManifest(dir) ?? newManifest(this.network.name, this.splits, this.options.dataSources);
    if (this.options.forced?.length) {
      // A forced resume trains on the data given now: later resumes compare with it.
      const now = newManifest(this.network.name, this.splits, this.options.dataSources ?? manifest.data.sources);
      manifest = { ...manifest, data: now.data };
    }
    manifest.resumes.push({
      time: new Date().toISOString(),
      fromIteration: cp.iteration,
      ...(this.options.forced?.length ? { forced: this.options.forced } : {}),
    });
    writeManifest(dir, manifest);
    this.emit({
      type: "start",
      network: this.network.name,
      runDir: dir,
      seed: this.config.seed,
      iterations: this.config.iterations,
      resumedFrom: cp.iteration,
      config: this.config,
    });
    return cp;
  }

  private checkAborted(): void {
    const s = this.options.signal;
    throwIfAborted(s, "training was cancelled");
  }

  // ── forward ─────────────────────────────────────────────────────────────────────────────────

  private async forwardBatch(t: number, rng: Rng, prompts: Record<string, string>): Promise<BatchTrace> {
    const examples = new BatchSampler(this.splits.train, { batchSize: this.config.batchSize, balanced: this.config.balanced, rng }).next();
    const results = await this.services.forward(examples.map(toSample), { prompts, sampleKey: `train/${t}`, signal: this.options.signal, trace: true });
    this.checkAborted();
    const raw: NonNullable<BatchTrace["raw"]> = [];
    const trace: BatchTrace = { ids: [], values: [], gold: [], correct: [], raw };
    let failed = 0;
    results.forEach((r, k) => {
      const e = examples[k];
      if (r.error || !e) return void failed++;
      trace.ids.push(e.id);
      trace.values.push({ ...e.inputs, ...r.values });
      trace.gold.push(e.target);
      trace.correct.push(this.services.isCorrect(r.output, e.target));
      raw.push(Object.fromEntries((r.trace ?? []).flatMap((n) => (n.kind === "layer" && n.raw !== undefined ? [[n.node, n.raw]] : []))));
    });
    this.emit({ type: "batch", iteration: t, ids: examples.map((e) => e.id), trainAccuracy: mean(trace.correct.map(Number)) || 0, failed });
    return trace;
  }

  /** The backward walk over the batch (backward.ts): every parameter's optimizer step, readers before what they read. */
  private backwardBatch(t: number, batch: BatchTrace, rng: Rng, state: Checkpoint): Promise<UnitStepped[]> {
    const walk = backward({
      graph: this.graph,
      optimizer: this.optimizer,
      iteration: t - 1,
      prompts: state.prompts,
      memory: memoryByParam(state.memory),
      batch,
      rng,
      signal: this.options.signal,
    });
    return lastValueFrom(walk.pipe(toArray()));
  }

  /** Accuracy of the network with these prompts at temperature 0 (failed samples count as wrong). */
  private async accuracy(examples: readonly Example[], prompts: Record<string, string>, what?: string): Promise<number> {
    const results = await this.services.forward(examples.map(toSample), { prompts, temperature: 0, signal: this.options.signal });
    this.checkAborted();
    const failed = results.flatMap((r) => (r.error ? [r.error] : []));
    const [first] = failed;
    if (what && first && failed.length === results.length) {
      // Nothing answered: a number (0%) would hide a configuration problem.
      throw new TrainError(
        "E_TRAIN_ALL_FAILED",
        `every sample of ${what} failed, so there is no accuracy to report; the first: ${first.code}${first.node ? ` at ${first.node}` : ""}: ${first.message}`,
      );
    }
    return mean(results.map((r, k) => (!r.error && this.services.isCorrect(r.output, examples[k]?.target ?? "") ? 1 : 0)));
  }

  // ── update, validation, memory, patience ────────────────────────────────────────────────────

  private applySteps(t: number, prompts: Record<string, string>, steps: UnitStepped[]): Record<string, string> {
    const next = { ...prompts };
    // Events in topological order of the parameters, whatever order the steps finished in.
    const order = new Map(this.graph.units.map((u, i) => [u.param, i]));
    const rank = (s: UnitStepped) => getOrThrow(order, s.unit.param, "parameter unit");
    for (const s of [...steps].sort((a, b) => rank(a) - rank(b)).reverse()) {
      const { unit, output } = s;
      for (const sig of output.summaries) this.emit({ type: "signal", iteration: t, ...sig });
      if (output.candidates.length === 0) continue;
      this.emit({
        type: "candidates",
        iteration: t,
        param: unit.param,
        layers: unit.layers.map((l) => l.id),
        mode: output.mode ?? null,
        candidates: output.candidates,
      });
      const chosen = output.candidates.find((c) => c.prompt === output.prompt);
      this.emit({
        type: "choice",
        iteration: t,
        param: unit.param,
        previous: s.previous,
        prompt: output.prompt,
        changed: output.prompt !== s.previous,
        score: chosen?.score ?? null,
      });
      next[unit.param] = output.prompt;
    }
    return next;
  }

  private async validateAndRemember(t: number, state: Checkpoint): Promise<number | null> {
    if (this.splits.dev.length === 0) return null;
    const acc = await this.accuracy(this.splits.dev, state.prompts);
    const improved = acc > state.best.devAccuracy;
    if (improved) {
      state.best = { prompts: { ...state.prompts }, devAccuracy: acc, iteration: t };
      state.staleValidations = 0;
    } else state.staleValidations++;
    this.emit({ type: "validation", iteration: t, split: "dev", accuracy: acc, n: this.splits.dev.length, best: state.best.devAccuracy, improved });
    state.memory = remember(state.memory, { prompts: { ...state.prompts }, devAccuracy: acc, iteration: t }, this.config.memory);
    if (this.config.patience > 0 && state.staleValidations >= this.config.patience) {
      state.prompts = { ...state.best.prompts };
      state.staleValidations = 0;
      this.emit({ type: "reload-best", iteration: t, devAccuracy: state.best.devAccuracy });
    }
    return acc;
  }
}

/** The M best prompt sets by dev accuracy (earlier first on a tie), without duplicates. */
export function remember(memory: readonly PromptSet[], entry: PromptSet, size: number): PromptSet[] {
  if (size <= 0) return [];
  const key = (p: PromptSet): string => JSON.stringify(p.prompts);
  const all = [...memory.filter((m) => key(m) !== key(entry) || m.devAccuracy >= entry.devAccuracy)];
  if (!all.some((m) => key(m) === key(entry))) all.push(entry);
  return all.sort((a, b) => b.devAccuracy - a.devAccuracy || a.iteration - b.iteration).slice(0, size);
}

/** Remembered prompts per parameter, best first, distinct. */
export function memoryByParam(memory: readonly PromptSet[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const set of memory) {
    for (const [param, prompt] of Object.entries(set.prompts)) {
      const list = (out[param] ??= []);
      if (!list.includes(prompt)) list.push(prompt);
    }
  }
  return out;
}

/** Training could not go on (`E_TRAIN_ALL_FAILED`: kind failed) or could not start (no data, a run that cannot be resumed: kind usage). */
export class TrainError extends DlnError {
  constructor(code: string, message: string, options: DlnErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * Copies the network file (or, for a network given as an object, its spec) into the run
 * directory, with every literal secret of its models (API keys, header values) replaced by
 * `[redacted]`: run directories are shared and reported on, and secrets never reach them.
 * `${VAR}` placeholders are kept; they are no secret.
 */
function writeNetworkCopy(runDir: string, network: CompiledNetwork): void {
  let text: string;
  try {
    text = network.file ? readFileSync(network.file, "utf8") : JSON.stringify(network.spec, null, 2) + "\n";
  } catch {
    text = JSON.stringify(network.spec, null, 2) + "\n";
  }
  writeFileSync(join(runDir, NETWORK_FILE), redactLiterals(text, literalSecrets(network)));
}

/** The literal (not `${VAR}`) API keys and header values of a network's models, longest first. */
function literalSecrets(network: Pick<CompiledNetwork, "models" | "spec">): string[] {
  const models = [...Object.values(network.models ?? {}), ...Object.values(network.spec.models ?? {})];
  const values = models.flatMap((m) => [m.apiKey, ...Object.values(m.headers ?? {}), ...(m.endpoints ?? []).map((e) => e.apiKey)]);
  const secrets = values.filter((v): v is string => typeof v === "string" && v.length >= 4 && !v.includes("${"));
  return [...new Set(secrets)].sort((a, b) => b.length - a.length);
}

function redactLiterals(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, secret) => t.split(secret).join("[redacted]"), text);
}
