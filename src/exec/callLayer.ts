/**
 * `callLayer`: fires a layer for one sample. Renders the template, asks the model (or has it
 * score the classes), parses the answer. Emits one NodeOutcome and completes; unsubscribing
 * aborts the request in flight (the AbortSignal goes into the GenerateRequest).
 */
import { setMaxListeners } from "node:events";
import { Observable } from "rxjs";
import { addUsage } from "../llm/types.js";
import { endSpan, startSpan, withSpan } from "../util/telemetry.js";
import type { Usage } from "../llm/types.js";
import { AbortError, DlnError, errorCode, errorMessage, isAbort } from "../util/errors.js";
import { ExecError } from "./errors.js";
import type { ClassDef } from "../compile/types.js";
import { hashString, Rng } from "../util/random.js";
import { drawClass, matchClass, scoreLayerClasses, type ScoredClasses } from "./classify.js";
import type { RunContext } from "./context.js";
import type { NodeOutcome } from "./outcome.js";
import { parseValue } from "./parse.js";
import type { PlannedLayer } from "./execution-plan.js";
import { renderLayerText } from "./render.js";
import type { NodeTrace } from "./types.js";
import { asText } from "./variables.js";

/**
 * Class scorings shared by the layers of one sample, by model, scoring mode, classes and rendered
 * prompt: the replicas of a self-consistency ensemble render the same prompt, so one scoring
 * serves all of them (each then draws its own class from it).
 */
export type SharedScorings = Map<string, Promise<ScoredClasses | undefined>>;

export function callLayer(layer: PlannedLayer, depValues: unknown[], index: number, ctx: RunContext, shared?: SharedScorings): Observable<NodeOutcome> {
  return new Observable<NodeOutcome>((subscriber) => {
    const abort = new AbortController();
    setMaxListeners(0, abort.signal); // one listener per request of the call (e.g. every class scored)
    let settled = false;
    const span = startSpan(`dln.layer ${layer.id}`, { "dln.layer": layer.id, "dln.model": layer.node.model, "dln.sample.index": index });
    let open = true;
    const close = (err?: unknown): void => {
      if (open) endSpan(span, err);
      open = false;
    };
    withSpan(span, () => fireLayer(layer, depValues, index, ctx, abort.signal, shared)).then(
      (outcome) => {
        settled = true;
        close();
        subscriber.next(outcome);
        subscriber.complete();
      },
      (err) => {
        settled = true;
        close(err);
        subscriber.error(err);
      },
    );
    return () => {
      if (!settled) {
        abort.abort();
        close(new AbortError("the layer call was cancelled"));
      }
    };
  });
}

/**
 * The text a layer sends to its model for these dependency values (the trainer renders the same
 * way, through src/exec/render.ts, with candidate prompts).
 */
export function renderLayerPrompt(layer: PlannedLayer, depValues: readonly unknown[], prompt = layer.prompt): string {
  return renderLayerText(layer.node, layer.inputs, prompt, (name) => depValues[layer.deps.indexOf(name)]);
}

/** The temperature this layer samples at: an ensemble member's (a replica included) above 0; undefined when it does not sample. */
function samplingTemperature(layer: PlannedLayer): number | undefined {
  return layer.isMember && (layer.temperature ?? 0) > 0 ? layer.temperature : undefined;
}

async function fireLayer(
  layer: PlannedLayer,
  depValues: unknown[],
  index: number,
  ctx: RunContext,
  signal: AbortSignal,
  shared?: SharedScorings,
): Promise<NodeOutcome> {
  const started = performance.now();
  const node = layer.node;
  const rendered = renderLayerPrompt(layer, depValues);
  const temperature = samplingTemperature(layer);
  const sampled = temperature !== undefined;
  let value: unknown;
  let raw: string | undefined;
  let usage: Usage | undefined;
  let classProbs: Record<string, number> | undefined;
  let seed: number | undefined;
  try {
    const client = await ctx.client(node.model);
    let scored: ScoredClasses | undefined;
    let first = true;
    const classes = node.classes ?? [];
    if (classes.length > 0) {
      const score = (): Promise<ScoredClasses | undefined> => scoreLayerClasses(client, rendered, classes, layer.scoring, signal, ctx.scoreClasses);
      if (shared) {
        const key = `${node.model}\u0000${layer.scoring ?? ""}\u0000${classesKey(classes)}\u0000${rendered}`;
        let pending = shared.get(key);
        if (pending) first = false;
        else shared.set(key, (pending = score()));
        scored = await pending;
      } else {
        scored = await score();
      }
    }
    if (scored) {
      classProbs = scored.probs;
      // One scoring serves every replica: only the layer that asked for it counts its usage.
      usage = first ? scored.usage : undefined;
      value = sampled ? drawClass(scored.probs, classes, temperature, new Rng(`${ctx.seed}/${ctx.sampleKey ?? ""}/${layer.id}/${rendered}`)) : scored.label;
    } else {
      if (sampled) seed = hashString(`${ctx.seed}/${ctx.sampleKey ?? ""}/${layer.id}`);
      const result = await client.generate({
        prompt: rendered,
        maxTokens: node.maxTokens,
        temperature: layer.temperature,
        stop: node.stop,
        ...(seed !== undefined ? { seed } : {}),
        sampleKey: sampleKeyOf(layer, index, ctx),
        signal,
      });
      usage = result.usage;
      raw = result.completions[0]?.text ?? "";
    }
  } catch (err) {
    if (err instanceof ExecError) throw err;
    const kind = isAbort(err) ? "aborted" : "failed";
    throw new ExecError(errorCode(err, "E_MODEL"), errorMessage(err), node.id, { cause: err, kind, hint: err instanceof DlnError ? err.hint : undefined });
  }
  if (usage) addUsage(ctx.usage, usage);
  if (raw !== undefined) {
    const parsed = parseValue(raw, node.parse, node.id);
    value = node.classes && node.classes.length > 0 ? (matchClass(asText(parsed), node.classes) ?? parsed) : parsed;
  }
  const trace: NodeTrace = { node: node.id, kind: "layer", rendered, raw, value, usage, latencyMs: performance.now() - started, classProbs };
  if (sampled) trace.sampled = seed !== undefined ? { temperature, seed } : { temperature };
  return { value, trace };
}

const classKeys = new WeakMap<readonly ClassDef[], string>();

function classesKey(classes: readonly ClassDef[]): string {
  let key = classKeys.get(classes);
  if (key === undefined) {
    key = JSON.stringify(classes.map((c) => [c.label, c.verbalizers]));
    classKeys.set(classes, key);
  }
  return key;
}

/**
 * Sampled forward passes (RunOptions.sampleKey) make every sample and node its own cache entry;
 * otherwise ensemble members get their node id, so replicas sharing a prompt are not one entry.
 * (A key only separates cache entries: a seeded server answers identical requests identically,
 * so sampled members also get their own request `seed`.)
 */
function sampleKeyOf(layer: PlannedLayer, index: number, ctx: RunContext): string | undefined {
  if (ctx.sampleKey !== undefined) return `${ctx.sampleKey}/${index}/${layer.id}`;
  return layer.isMember ? layer.id : undefined;
}
