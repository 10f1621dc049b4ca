/**
 * OpenTelemetry spans (src/util/telemetry.ts, src/llm/middleware/telemetry.ts) seen through the SDK's
 * in-memory exporter: a training run, its steps, the runs and layer calls inside them, and model
 * calls with the generative-AI semantic conventions' attributes.
 */
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compile } from "../../src/graph.js";
import { generateTask } from "../../src/sim/tasks.js";
import { SIM_SPEC } from "../report/sim-run.js";
import { at } from "../helpers/indexing.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
const byId = (spans: ReadableSpan[]) => new Map(spans.map((s) => [s.spanContext().spanId, s]));
/** Names from the span up to the root: ["chat tasks", "dln.layer y", "dln.run sim-dln-2", …]. */
function ancestry(span: ReadableSpan, spans: ReadableSpan[]): string[] {
  const ids = byId(spans);
  const names: string[] = [];
  for (let s: ReadableSpan | undefined = span; s; s = parentOf(s) ? ids.get(parentOf(s)!) : undefined) names.push(s.name);
  return names;
}
const samples = (seed: number, n: number) => generateTask("animals", { seed, n }).map((s) => ({ id: s.id, inputs: { x: s.x }, target: s.y }));

describe("OpenTelemetry spans", () => {
  it("a run: one span, a span per layer call under it, a model call span under each layer", async () => {
    const graph = compile(SIM_SPEC, { cache: { mode: "off" } });
    await graph.runAll(samples(1, 3).map((s) => s.inputs));
    await graph.close();
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === "dln.run sim-dln-2");
    expect(runs).toHaveLength(1);
    expect(at(runs, 0).attributes).toMatchObject({ "dln.network": "sim-dln-2", "dln.run.samples": 3, "dln.run.failed": 0 });
    const layers = spans.filter((s) => s.name.startsWith("dln.layer "));
    expect(layers.map((s) => s.name).sort()).toEqual([...Array(3).fill("dln.layer h1"), ...Array(3).fill("dln.layer y")]);
    for (const l of layers) expect(parentOf(l)).toBe(at(runs, 0).spanContext().spanId);
    const models = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(models.length).toBeGreaterThanOrEqual(6);
    for (const m of models) {
      expect(ancestry(m, spans).slice(1, 3)).toEqual([expect.stringMatching(/^dln\.layer (h1|y)$/), "dln.run sim-dln-2"]);
      expect(m.attributes).toMatchObject({
        "gen_ai.operation.name": "text_completion",
        "gen_ai.provider.name": "dln.sim",
        "gen_ai.system": "dln.sim",
        "gen_ai.request.model": "tasks",
        "dln.model": "sim",
      });
      expect(m.name).toBe("text_completion tasks");
      expect(m.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
      expect(typeof m.attributes["gen_ai.usage.output_tokens"]).toBe("number");
      expect(m.status.code).not.toBe(SpanStatusCode.ERROR);
    }
    const generated = models.filter((m) => m.attributes["dln.request.kind"] === "generate");
    expect(generated.length).toBeGreaterThan(0);
    expect(generated.some((m) => m.attributes["gen_ai.request.max_tokens"] === 128)).toBe(true);
    // No prompt or completion text on any span.
    const text = JSON.stringify(spans.map((s) => s.attributes));
    expect(text).not.toContain("Think about it.");
  });

  it("training stopped by a budget: the abandoned step's span is ended too, marked abandoned", async () => {
    const graph = compile(SIM_SPEC, { cache: { mode: "off" } });
    const run = graph.train(
      { train: samples(1, 12), dev: samples(2, 6), test: samples(3, 6) },
      { config: { iterations: 5, batchSize: 4, promptSamples: 2, hiddenSamples: 2, valEvery: 1, seed: 3, budget: { requests: 40 } } },
    );
    const result = await run.result;
    await graph.close();
    expect(result.stopReason).toBe("budget");
    const steps = exporter.getFinishedSpans().filter((s) => s.name === "dln.train.step");
    expect(steps.length).toBe(result.iterations + 1);
    expect(steps.at(-1)?.attributes["dln.train.abandoned"]).toBe(true);
  });

  it("training: a span for the run, one per step, and the steps' runs and model calls inside them", async () => {
    const graph = compile(SIM_SPEC, { cache: { mode: "off" } });
    const run = graph.train(
      { train: samples(1, 12), dev: samples(2, 6), test: samples(3, 6) },
      { config: { iterations: 2, batchSize: 4, promptSamples: 2, hiddenSamples: 2, valEvery: 1, seed: 3 } },
    );
    const result = await run.result;
    await graph.close();
    const spans = exporter.getFinishedSpans();
    const roots = spans.filter((s) => s.name === "dln.train sim-dln-2");
    expect(roots).toHaveLength(1);
    expect(at(roots, 0).attributes).toMatchObject({
      "dln.network": "sim-dln-2",
      "dln.train.iterations": result.iterations,
      "dln.train.stop_reason": "completed",
    });
    const steps = spans.filter((s) => s.name === "dln.train.step");
    expect(steps.map((s) => s.attributes["dln.train.iteration"])).toEqual([1, 2]);
    for (const s of steps) {
      expect(parentOf(s)).toBe(at(roots, 0).spanContext().spanId);
      expect(typeof s.attributes["dln.train.train_accuracy"]).toBe("number");
      expect(typeof s.attributes["dln.train.dev_accuracy"]).toBe("number");
    }
    // Inside step 1: its forward batch and validation runs, and the proposals' model calls (no layer in between).
    const inStep = (s: ReadableSpan) => ancestry(s, spans).includes("dln.train.step") && ancestry(s, spans).at(-1) === "dln.train sim-dln-2";
    expect(spans.filter((s) => s.name === "dln.run sim-dln-2" && inStep(s)).length).toBeGreaterThanOrEqual(4);
    const backwardCalls = spans.filter((s) => s.kind === SpanKind.CLIENT && inStep(s) && !ancestry(s, spans).some((n) => n.startsWith("dln.layer")));
    expect(backwardCalls.length).toBeGreaterThan(0);
    for (const c of backwardCalls) expect(c.attributes["gen_ai.provider.name"]).toBe("dln.sim");
  });
});
