/**
 * The executor end to end with real model clients: the `sim` provider and the `openai` provider
 * talking to the loopback fake OpenAI server, on compiled network files of every shape.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileNetwork } from "../../src/compile/index.js";
import type { CompiledNetwork } from "../../src/compile/types.js";
import { ModelRegistry } from "../../src/llm/registry.js";
import type { ModelSpec } from "../../src/network/types.js";
import { runAll } from "../../src/exec/run.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { at } from "../helpers/indexing.js";

const layer = (from: string[], extra = "") => `{ type: "layer", from: ${JSON.stringify(from)}, template: "think", prompt: "Think."${extra} }`;

/** Node declarations of each shape; every network has input `x` and output `out`. */
const SHAPES: Record<string, string> = {
  chain: `h1: ${layer(["x"])}, out: ${layer(["h1"])}`,
  residual: `h1: ${layer(["x"])}, out: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "Answer yes or no.", classes: ["yes", "no"] }`,
  diamond: `a: ${layer(["x"])}, b: ${layer(["x"])}, out: ${layer(["a", "b"])}`,
  wide: `${[1, 2, 3, 4, 5, 6].map((i) => `w${i}: ${layer(["x"])}`).join(", ")}, out: ${layer(["w1", "w2", "w3", "w4", "w5", "w6"])}`,
  deep5: `l1: ${layer(["x"])}, l2: ${layer(["l1"])}, l3: ${layer(["l2"])}, l4: ${layer(["l3"])}, out: ${layer(["l4"])}`,
  ensemble: `m1: { type: "layer", from: ["x"], prompt: "Yes or no?", classes: ["yes", "no"] },
             m2: { type: "layer", from: ["x"], prompt: "Answer yes or no.", classes: ["yes", "no"] },
             m3: { type: "layer", from: ["x"], prompt: "Is it so? yes or no", classes: ["yes", "no"] },
             out: { type: "ensemble", members: ["m1", "m2", "m3"], aggregate: "vote" }`,
};

function compile(shape: string, model: ModelSpec): CompiledNetwork {
  const text = `{ name: "${shape}", models: { m: ${JSON.stringify(model)} }, inputs: ["x"], nodes: { ${SHAPES[shape]} }, output: "out" }`;
  const result = compileNetwork(text, { baseDir: "/tmp" });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.network;
}

const samples = (n: number) => Array.from({ length: n }, (_, i) => ({ x: `Is ${i} an even number?`, id: `s${i}` }));

describe("with the sim provider", () => {
  for (const shape of Object.keys(SHAPES)) {
    it(`runs the ${shape} network on every sample, deterministically`, async () => {
      const network = compile(shape, { provider: "sim", model: "tasks" });
      const registry = new ModelRegistry(network.models, { baseDir: "/tmp", env: {}, cache: { mode: "off" } });
      const first = await runAll(network, samples(12), { clients: registry, concurrency: 5 });
      const again = await runAll(network, samples(12), { clients: registry, concurrency: 3 });
      await registry.close();
      expect(first.map((r) => r.index)).toEqual([...Array(12).keys()]);
      expect(first.every((r) => r.error === undefined && r.output !== undefined)).toBe(true);
      expect(first.map((r) => r.id)).toEqual(samples(12).map((s) => s.id));
      expect(again.map((r) => r.output)).toEqual(first.map((r) => r.output));
      if (shape === "residual" || shape === "ensemble") for (const r of first) expect(["yes", "no"]).toContain(r.output);
    });
  }
});

describe("with the loopback OpenAI server", () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    // Long enough that four requests in flight overlap even on a loaded machine (the cap is asserted below).
    server = await startOpenAIServer({ latencyMs: 50 });
  });
  afterAll(async () => {
    await server.close();
  });
  const model = (): ModelSpec => ({
    provider: "openai",
    model: "fake",
    baseURL: server.baseURL,
    apiKey: "sk-test",
    api: "chat",
    concurrency: 4,
    maxRetries: 3,
  });
  const registryFor = (network: CompiledNetwork) =>
    new ModelRegistry(network.models, { baseDir: "/tmp", env: {}, cache: { mode: "off" }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });

  for (const shape of Object.keys(SHAPES)) {
    it(`runs the ${shape} network: every sample back, the endpoint's limit reached and never exceeded`, async () => {
      server.resetStats();
      server.setFaults(undefined);
      const network = compile(shape, model());
      const registry = registryFor(network);
      const results = await runAll(network, samples(10), { clients: registry });
      await registry.close();
      expect(results.map((r) => r.index)).toEqual([...Array(10).keys()]);
      expect(results.filter((r) => r.error)).toEqual([]);
      expect(server.stats.maxConcurrent).toBe(4);
    });
  }

  it("retries transient faults and turns a hard failure into that sample's error result", async () => {
    server.resetStats();
    // Every request whose prompt mentions 7 is refused (400, not retried); a fifth of the rest fail with 500 once in a while.
    server.setFaults({
      decide: (req) => (JSON.stringify(req.body).includes("Is 7 ") ? { kind: "400", message: "bad sample" } : undefined),
      random: { seed: 3, probability: 0.2, faults: [{ kind: "500" }, { kind: "503", retryAfter: "0" }] },
    });
    const network = compile("chain", model());
    const registry = registryFor(network);
    const results = await runAll(network, samples(10), { clients: registry });
    await registry.close();
    server.setFaults(undefined);
    expect(results).toHaveLength(10);
    const failed = results.filter((r) => r.error);
    expect(failed.map((r) => r.index)).toEqual([7]);
    expect(at(failed, 0).error).toMatchObject({ node: "h1", code: "E_BAD_REQUEST" });
    expect((server.stats.faults["500"] ?? 0) + (server.stats.faults["503"] ?? 0)).toBeGreaterThan(0);
  });

  it("aborting the run aborts the requests in flight", async () => {
    server.resetStats();
    server.setLatency(2000);
    const network = compile("chain", model());
    const registry = registryFor(network);
    const controller = new AbortController();
    const run = runAll(network, samples(20), { clients: registry, signal: controller.signal });
    const until = Date.now() + 5000;
    while (server.stats.concurrent < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: "E_ABORTED" });
    await registry.close();
    server.setLatency(5);
    expect(server.stats.requests).toBe(4);
  });
});
