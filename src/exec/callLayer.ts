/**
 * `callLayer`: fires a layer for one sample. Renders the template, asks the model (or has it
 * score the classes), parses the answer. Emits one NodeOutcome and completes; unsubscribing
 * aborts the request in flight (the AbortSignal goes into the GenerateRequest).
 */
import { setMaxListeners } from "node:events";
import { Observable } from "rxjs";
import { addUsage } from "../llm/types.js";
import { endSpan, startSpan, withSpan } from "../telemetry.js";
import type { Usage } from "../llm/types.js";
import { ExecError, errorCode, errorMessage } from "./errors.js";
import { matchClass, scoreLayerClasses } from "./classify.js";
import type { RunContext } from "./context.js";
import type { NodeOutcome } from "./outcome.js";
import { parseValue } from "./parse.js";
import type { PlannedLayer } from "./plan.js";
import { addJudgeVariables, asText, renderNodeTemplate, templateVariables } from "./variables.js";

export function callLayer(layer: PlannedLayer, depValues: unknown[], index: number, ctx: RunContext): Observable<NodeOutcome> {
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
    withSpan(span, () => fireLayer(layer, depValues, index, ctx, abort.signal)).then(
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
        close(new Error("cancelled"));
      }
    };
  });
}

/** The text a layer sends to its model for these dependency values (the trainer re-renders with candidate prompts). */
export function renderLayerPrompt(layer: PlannedLayer, depValues: readonly unknown[], prompt = layer.prompt): string {
  const node = layer.node;
  const vars = templateVariables(layer.from, depValues, prompt);
  if (layer.memberIdx) addJudgeVariables(vars, layer.memberIdx.map((i) => depValues[i]));
  return renderNodeTemplate(node.template, vars, node.id);
}

async function fireLayer(layer: PlannedLayer, depValues: unknown[], index: number, ctx: RunContext, signal: AbortSignal): Promise<NodeOutcome> {
  const started = performance.now();
  const node = layer.node;
  const rendered = renderLayerPrompt(layer, depValues);
  let value: unknown;
  let raw: string | undefined;
  let usage: Usage | undefined;
  let classProbs: Record<string, number> | undefined;
  try {
    const client = await ctx.client(node.model);
    if (node.classes && node.classes.length > 0) {
      const scored = await scoreLayerClasses(client, rendered, node.classes, layer.scoring, signal, ctx.scoreClasses);
      if (scored) {
        value = scored.label;
        classProbs = scored.probs;
        usage = scored.usage;
      }
    }
    if (usage === undefined) {
      const result = await client.generate({
        prompt: rendered,
        maxTokens: node.maxTokens,
        temperature: layer.temperature,
        stop: node.stop,
        sampleKey: sampleKeyOf(layer, index, ctx),
        signal,
      });
      usage = result.usage;
      raw = result.completions[0]?.text ?? "";
    }
  } catch (err) {
    if (err instanceof ExecError) throw err;
    throw new ExecError(errorCode(err, "E_MODEL"), errorMessage(err), node.id, { cause: err });
  }
  addUsage(ctx.usage, usage);
  if (raw !== undefined) {
    const parsed = parseValue(raw, node.parse, node.id);
    value = node.classes && node.classes.length > 0 ? (matchClass(asText(parsed), node.classes) ?? parsed) : parsed;
  }
  return {
    value,
    trace: { node: node.id, kind: "layer", rendered, raw, value, usage, latencyMs: performance.now() - started, classProbs },
  };
}

/**
 * Sampled forward passes (RunOptions.sampleKey) make every sample and node its own cache entry;
 * otherwise ensemble members get their node id, so replicas sharing a prompt are not one entry.
 */
function sampleKeyOf(layer: PlannedLayer, index: number, ctx: RunContext): string | undefined {
  if (ctx.sampleKey !== undefined) return `${ctx.sampleKey}/${index}/${layer.id}`;
  return layer.isMember ? layer.id : undefined;
}
