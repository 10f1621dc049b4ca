/**
 * `dln-vi`: the variational optimizer of Deep Language Networks (TRAINING.md, "One training
 * step"), generalised to any DAG. One step of one parameter:
 *
 *   signal the parents  (posterior samples of each stochastic parent, weighted by π's current fit)
 *   ∥ propose           (P−1 rewrites of π from the proposal half of the batch)
 *   → score             (weighted log-likelihood over the ranking half, KL / penalty terms)
 *   → update            (argmax)
 *
 * Posterior samples are drawn before the update, with the current prompt, as in the paper's
 * DLN-2 code: the output layer's candidates are then scored in the weighted contexts they define.
 */
import type { CompiledNetwork, LayerNode } from "../../compile/types.js";
import { asText } from "../../exec/variables.js";
import type { ModelClient } from "../../llm/types.js";
import type { TrainConfig } from "../config.js";
import { describingLayer, layerInputText, type TrainGraph } from "../topology.js";
import { decayedPenalty, mean, mergeTargetSets } from "../math.js";
import type { Optimizer, SignalSummary, StepInput, StepOutput } from "../optimizer.js";
import { allConcurrently, tolerant } from "./parallel.js";
import { RenderMemo } from "./render-memo.js";
import type { LayerScorer } from "../scorer.js";
import type { TrainServices } from "../services.js";
import type { Target, TargetSets } from "../types.js";
import { DEFAULT_POSTERIOR_FORM, posteriorWeights, renderHintPosterior, samplePosterior, toTargets } from "./posterior.js";
import { proposePrompts, type ProposalExample } from "./propose.js";
import { scoreCandidates, type ScoringGroup, type ScoringItem } from "./score.js";
import { scoredText } from "./scored-text.js";
import { chooseBest, chooseRandom, gatherCandidates } from "./update.js";
import { at } from "./at.js";
import { DlnError } from "../../util/errors.js";
import { getOrThrow } from "../../util/lookup.js";

/** The parents' values that go with a target, and their weight. */
interface Context {
  values: Readonly<Record<string, unknown>>;
  weight: number;
}

/** Length of a proposed prompt when the backward model is a layer's own model. */
const PROPOSAL_MAX_TOKENS = 512;

export function createDlnVi(graph: TrainGraph, config: TrainConfig, services: TrainServices): Optimizer {
  // Layer scorers (and so their memos) are shared by the parameter steps of one iteration: a
  // parent's step scores its current prompt on the very (context, target) pairs its child's step
  // scored for the prior term of the posterior weights, and asking again cost a round of requests.
  let shared: { iteration: number; scorers: Map<string, Promise<LayerScorer>> } | undefined;
  const scorersOf = (iteration: number) => {
    if (shared?.iteration !== iteration) shared = { iteration, scorers: new Map() };
    return shared.scorers;
  };
  return { name: "dln-vi", step: (input) => new DlnViStep(graph, config, services, input, scorersOf(input.iteration)).run() };
}

/** The highest-weighted target (the first on a tie), or undefined when there are none. */
function bestTarget(targets: readonly Target[] | undefined): string | undefined {
  if (!targets) return undefined;
  const [first, ...rest] = targets;
  if (!first) return undefined;
  let best = first;
  for (const t of rest) if (t.weight > best.weight) best = t;
  return best.text;
}

class DlnViStep {
  private readonly network: CompiledNetwork;
  /** Each distinct context of this step rendered once (candidates × samples ask for many twice). */
  private readonly renders: RenderMemo;
  private failures = 0;
  private readonly onError = (): void => {
    this.failures++;
  };

  constructor(
    private readonly graph: TrainGraph,
    private readonly config: TrainConfig,
    private readonly services: TrainServices,
    private readonly input: StepInput,
    /** This iteration's layer scorers by layer id (shared with the other parameters' steps). */
    private readonly scorers: Map<string, Promise<LayerScorer>>,
  ) {
    this.network = graph.network;
    this.renders = new RenderMemo(graph);
  }

  async run(): Promise<StepOutput> {
    const { unit, batch } = this.input;
    const current = this.currentPrompt();
    const n = batch.ids.length;
    // Held-out ranking: proposals see one half of the batch, candidates are ranked on the other.
    const order = this.input.rng.shuffle(Array.from({ length: n }, (_, i) => i));
    const half = this.config.heldOut && n >= 2 ? Math.floor(n / 2) : n;
    const proposalIdx = order.slice(0, half);
    const rankingIdx = this.config.heldOut && n >= 2 ? order.slice(half) : order;
    const proposalRng = this.input.rng.fork("propose");

    const train = unit.trainable && this.config.promptSamples > 1;
    const [signalled, proposals] = (await allConcurrently<unknown>([
      // The parents' steps need only these targets, not this step's choice: send them on at once.
      () => this.signalParents().then((s) => (this.input.sendSignals?.(s.signals), s)),
      () => (train ? this.propose(current, proposalIdx, proposalRng) : Promise.resolve([])),
    ])) as [Awaited<ReturnType<DlnViStep["signalParents"]>>, string[]];

    if (!train) {
      return { prompt: current, candidates: [], signals: signalled.signals, summaries: signalled.summaries, failures: this.failures };
    }
    const candidates = gatherCandidates(current, proposals, this.input.memory);
    const groups = await this.scoringGroups(rankingIdx, signalled.contexts);
    const scores = await scoreCandidates({
      graph: this.graph,
      candidates: candidates.map((c) => c.prompt),
      current,
      groups,
      trustFactor: this.config.trustFactor,
      penalty: decayedPenalty(this.config.explorationPenalty, this.input.iteration, this.config.iterations, this.config.decayPenalty),
      accuracy: (c) => this.accuracyWith(c, rankingIdx),
      render: (layer, prompt, values) => this.renders.render(layer, prompt, values),
      signal: this.input.signal,
      onError: this.onError,
    });
    const { chosen, scored } =
      this.config.selection === "random" ? chooseRandom(candidates, scores, this.input.rng.fork("select")) : chooseBest(candidates, scores);
    return {
      prompt: chosen.prompt,
      candidates: scored,
      mode: groups[0]?.scorer.mode,
      signals: signalled.signals,
      summaries: signalled.summaries,
      failures: this.failures,
    };
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────

  private client(model: string): Promise<ModelClient> {
    return this.services.clients.get(model);
  }

  private backwardClient(layer: LayerNode): Promise<ModelClient> {
    return this.client(this.config.backwardModel ?? layer.model);
  }

  private scorer(layer: LayerNode): Promise<LayerScorer> {
    let s = this.scorers.get(layer.id);
    if (!s) {
      s = this.client(layer.model).then((c) => this.services.scorer(layer, c));
      this.scorers.set(layer.id, s);
    }
    return s;
  }

  /** The parameter's prompt before this step (the trainer gives the step every parameter's prompt). */
  private currentPrompt(): string {
    const { prompts, unit } = this.input;
    const prompt = prompts[unit.param];
    if (prompt === undefined) throw new DlnError("E_INTERNAL", `dln-vi: no current prompt for parameter "${unit.param}" at iteration ${this.input.iteration}`);
    return prompt;
  }

  /** Sample i's forward values (i indexes this step's batch). */
  private values(i: number): Record<string, unknown> {
    return at(this.input.batch.values, i, "the batch's forward values");
  }

  private targetsOf(layerId: string): TargetSets {
    return this.input.targets.get(layerId) ?? [];
  }

  /** The layer's best target for sample i; its own forward value when it received none. */
  private best(layerId: string, i: number): string {
    return bestTarget(this.targetsOf(layerId)[i]) ?? asText(this.values(i)[layerId]);
  }

  /**
   * The text an output `text` of layer `id` is scored as for sample i (scored-text.ts): the raw
   * forward text for the forward value, else the text after the forward generation's leading
   * whitespace. Layers with classes are scored by class, so their targets stay as they are.
   */
  private scored(id: string, i: number, text: string): string {
    const node = this.network.nodes.get(id);
    if (node?.kind === "layer" && node.classes?.length) return text;
    return scoredText(text, asText(this.values(i)[id]), this.input.batch.raw?.[i]?.[id]);
  }

  // ── 2d: signal the parents ──────────────────────────────────────────────────────────────────

  private async signalParents(): Promise<{ signals: Map<string, TargetSets>; contexts: Map<string, Context[][]>; summaries: SignalSummary[] }> {
    const { unit, batch } = this.input;
    const pairs = unit.layers.flatMap((layer) => (this.graph.stochasticParents.get(layer.id) ?? []).map((parent) => ({ layer, parent })));
    const results = await allConcurrently(
      pairs.map(
        ({ layer, parent }) =>
          () =>
            this.posteriorFor(layer, parent),
      ),
    );

    const signals = new Map<string, TargetSets>();
    const contexts = new Map<string, Context[][]>();
    const summaries: SignalSummary[] = [];
    for (const layer of unit.layers) {
      contexts.set(
        layer.id,
        batch.values.map((values) => [{ values, weight: 1 }]),
      );
    }
    const parentsOf = new Map<string, number>();
    pairs.forEach(({ layer }) => parentsOf.set(layer.id, (parentsOf.get(layer.id) ?? 0) + 1));
    const fresh = new Set<string>();
    pairs.forEach(({ layer, parent }, k) => {
      const targets = results[k];
      if (!targets) return;
      // m's targets from this unit; several layers of one parameter reading m are averaged.
      const prev = signals.get(parent);
      signals.set(parent, prev ? prev.map((set, i) => mergeTargetSets([set, targets[i] ?? []])) : targets);
      // n's scoring contexts: each parent's weighted samples, the others at their forward values; parents share the weight.
      let ctx = fresh.has(layer.id) ? contexts.get(layer.id) : undefined;
      if (!ctx) {
        ctx = batch.values.map((): Context[] => []);
        contexts.set(layer.id, ctx);
        fresh.add(layer.id);
      }
      const share = 1 / getOrThrow(parentsOf, layer.id, "parent count of layer");
      targets.forEach((set, i) => {
        const slot = at(ctx, i, `the scoring contexts of ${layer.id}`);
        for (const t of set) slot.push({ values: this.renders.withOverride(this.values(i), parent, t.text), weight: t.weight * share });
      });
      summaries.push({
        from: layer.id,
        to: parent,
        samples: mean(targets.map((s) => s.length)),
        peak: mean(targets.map((s) => Math.max(...s.map((t) => t.weight)))),
      });
    });
    return { signals, contexts, summaries };
  }

  /** Weighted posterior samples of stochastic parent `parent` of `layer`, per sample. */
  private async posteriorFor(layer: LayerNode, parent: string): Promise<TargetSets | undefined> {
    const { batch, prompts, iteration, unit } = this.input;
    const describing = describingLayer(this.network, parent);
    if (!describing) return undefined;
    const forward = batch.values.map((v) => asText(v[parent]));
    if (this.config.hiddenSamples <= 0) return forward.map((text) => [{ text, weight: 1 }]);

    const describingPrompt = prompts[describing.param] ?? describing.prompt;
    const hint = (describing.posterior ?? DEFAULT_POSTERIOR_FORM) === "hint";
    const candidates = await samplePosterior({
      client: await this.backwardClient(describing),
      prompt: describingPrompt,
      samples: batch.values.map((values, i) => ({
        input: layerInputText(describing, values),
        forward: asText(values[parent]),
        target: this.best(layer.id, i),
        resample: !(this.config.rewriteOnlyWrong && at(batch.correct, i, "the batch's correctness")),
        // The hint form: m's own forward context, the wanted answer shown before its closing cue.
        prompt: hint ? renderHintPosterior(this.renders.render(describing, describingPrompt, values), describingPrompt, this.best(layer.id, i)) : undefined,
      })),
      count: this.config.hiddenSamples,
      keepForward: this.config.keepForward,
      temperature: this.config.backwardTemperature,
      maxTokens: describing.maxTokens,
      stop: hint ? describing.stop : undefined,
      sampleKey: `${iteration}/${unit.param}/${layer.id}/posterior/${parent}`,
      seed: this.config.seed,
      signal: this.input.signal,
      onError: this.onError,
    });

    const childScorer = await this.scorer(layer);
    const parentScorer = this.config.priorTerm && describing.id === parent ? await this.scorer(describing) : undefined;
    const priorScorer = parentScorer?.likelihood && !describing.classes?.length ? parentScorer : undefined;
    const current = this.currentPrompt();
    return allConcurrently(
      candidates.map((hs, i) => async () => {
        if (hs.length === 1) return toTargets(hs, [1]);
        const target = this.best(layer.id, i);
        const [child, prior] = await allConcurrently([
          () =>
            this.logLiks(
              childScorer,
              hs.map((h) => this.renders.render(layer, current, this.renders.withOverride(this.values(i), parent, h))),
              hs.map(() => this.scored(layer.id, i, target)),
            ),
          () =>
            priorScorer
              ? this.logLiks(
                  priorScorer,
                  hs.map(() => this.renders.render(describing, prompts[describing.param] ?? describing.prompt, this.values(i))),
                  hs.map((h) => this.scored(parent, i, h)),
                )
              : Promise.resolve(undefined),
        ]);
        return toTargets(hs, posteriorWeights(child ?? hs.map(() => 0), prior, this.config.posteriorTemperature));
      }),
    );
  }

  /** ℓ for each (context, target) pair; zeros (uniform weights) when the scorer cannot say. */
  private async logLiks(scorer: LayerScorer, contexts: string[], targets: string[]): Promise<number[] | undefined> {
    const { likelihood } = scorer;
    if (!likelihood) return undefined;
    const lls = await allConcurrently(
      contexts.map((c, j) => tolerant(() => likelihood(c, at(targets, j, "scored targets"), this.input.signal), this.input.signal, this.onError)),
    );
    return lls.map((l) => l ?? -Infinity);
  }

  // ── 2a: propose ─────────────────────────────────────────────────────────────────────────────

  private async propose(current: string, idx: number[], rng: StepInput["rng"]): Promise<string[]> {
    const { unit, batch, iteration } = this.input;
    const examples: ProposalExample[] = unit.layers.flatMap((layer) =>
      idx.map((i) => {
        const values = this.values(i);
        return {
          input: layerInputText(layer, values),
          output: asText(values[layer.id]),
          target: this.best(layer.id, i),
          correct: this.graph.outputLayers.has(layer.id)
            ? this.services.isCorrect(values[layer.id], at(batch.gold, i, "the batch's gold answers"))
            : at(batch.correct, i, "the batch's correctness"),
        };
      }),
    );
    return proposePrompts({
      client: await this.backwardClient(at(unit.layers, 0, `the layers of parameter ${unit.param}`)),
      prompt: current,
      memory: this.input.memory,
      examples,
      count: this.config.promptSamples - 1,
      maxExamples: Math.max(1, idx.length),
      instructions: this.config.rewriteInstructions,
      temperature: this.config.backwardTemperature,
      // A layer's own model may be capped at a few tokens (a classifier); a new instruction needs room.
      maxTokens: this.config.backwardModel ? undefined : PROPOSAL_MAX_TOKENS,
      rng,
      sampleKey: `${iteration}/${unit.param}/propose`,
      signal: this.input.signal,
      onError: this.onError,
    });
  }

  // ── 2b: what the candidates are scored on ───────────────────────────────────────────────────

  private async scoringGroups(rankingIdx: number[], contexts: Map<string, Context[][]>): Promise<ScoringGroup[]> {
    const { unit, batch } = this.input;
    return allConcurrently(
      unit.layers.map((layer) => async () => {
        const targets = this.targetsOf(layer.id);
        const ctx = getOrThrow(contexts, layer.id, "scoring contexts of layer");
        const items: ScoringItem[][] = rankingIdx.map((i) => {
          const ts = targets[i] ?? [];
          const target = (text: string) => this.scored(layer.id, i, text);
          const contextsOfSample = at(ctx, i, `the scoring contexts of ${layer.id}`);
          return ts.flatMap((t) => contextsOfSample.map((c) => ({ target: target(t.text), values: c.values, weight: t.weight * c.weight })));
        });
        return {
          layer,
          scorer: await this.scorer(layer),
          isOutput: this.graph.outputLayers.has(layer.id),
          items,
          forward: rankingIdx.map((i) => this.values(i)),
          forwardOutput: rankingIdx.map((i) => this.scored(layer.id, i, asText(this.values(i)[layer.id]))),
          wrong: rankingIdx.map((i) => !at(batch.correct, i, "the batch's correctness")),
        };
      }),
    );
  }

  /**
   * Accuracy scoring (temperature 0, ranking samples, this parameter set to c): for a parameter
   * whose layers all receive the gold answer (the output layer, ensemble members), how often each
   * layer's own answer is right, as exact scoring compares each with its own target; otherwise
   * (hidden layers) the network's accuracy. Scoring a member by the ensemble's vote would rank
   * every candidate alike whenever the other members outvote it, and the ensemble would never learn.
   */
  private async accuracyWith(candidate: string, idx: number[]): Promise<number> {
    const { batch, prompts, unit } = this.input;
    const ownAnswers = unit.layers.every((layer) => this.graph.outputLayers.has(layer.id));
    const samples = idx.map((i) => {
      const s: Record<string, unknown> = { id: batch.ids[i] };
      const values = this.values(i);
      for (const name of this.network.inputs) s[name] = values[name];
      return s;
    });
    const results = await this.services.forward(samples, { prompts: { ...prompts, [unit.param]: candidate }, temperature: 0, signal: this.input.signal });
    const gold = idx.map((i) => at(batch.gold, i, "the batch's gold answers"));
    const right = (value: unknown, k: number) => (this.services.isCorrect(value, at(gold, k, "the ranking samples' gold answers")) ? 1 : 0);
    return mean(
      results.map((r, k) => {
        if (r.error) return 0;
        return ownAnswers ? mean(unit.layers.map((layer) => right(r.values[layer.id], k))) : right(r.output, k);
      }),
    );
  }
}
