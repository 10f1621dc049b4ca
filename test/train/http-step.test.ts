/**
 * One DLN-2 step through the OpenAI-compatible HTTP path (legacy completions with echo logprobs,
 * the fake server answering from the hard simulated world): the hidden layer's candidate prompts
 * get DIFFERENT scores (issue 11: on a real endpoint every one of them scored the same), and the
 * J posterior samples of an example go out as one request with `n: J` and a seed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { afterAll, expect, it } from "vitest";
import { compile } from "../../src/graph.js";
import { ModelRegistry } from "../../src/llm/registry.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { generateTask, TASKS } from "../../src/sim/tasks.js";
import type { NetworkSpec } from "../../src/network/types.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { simResponder } from "../helpers/sim-responder.js";
import { at, key } from "../helpers/indexing.js";

const dir = mkdtempSync(join(tmpdir(), "dln-http-step-"));
let server: FakeOpenAIServer | undefined;
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("scores the hidden layer's candidates differently and samples the posterior with n: J", async () => {
  forgetCapabilities();
  server = await startOpenAIServer({ responder: simResponder({ seed: 0, world: "tasks-hard" }) });
  const model = (extra: object) => ({
    provider: "openai" as const,
    model: "sim-model",
    baseURL: server!.baseURL,
    apiKey: "sk-test-0000",
    api: "completions" as const,
    concurrency: 4,
    ...extra,
  });
  const spec: NetworkSpec = {
    name: "http-step",
    models: { fwd: model({ temperature: 0, maxTokens: 256 }), bwd: model({ temperature: 0.7, maxTokens: 512 }) },
    inputs: ["x"],
    nodes: {
      h1: { type: "layer", from: ["x"], template: "think", prompt: "Think about it.", model: "fwd" },
      y: {
        type: "layer",
        from: ["x", "h1"],
        template: "residual",
        prompt: "Answer the question.",
        model: "fwd",
        classes: key(TASKS, "navigate").labels,
        maxTokens: 8,
      },
    },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
  };
  const graph = compile(spec, { baseDir: dir });
  const as = (s: string, seed: number, n: number) =>
    generateTask("navigate", { seed, n }).map((e) => ({ id: `${s}-${e.id}`, inputs: { x: e.x }, target: e.y }));
  const registry = new ModelRegistry(graph.network.models, { baseDir: dir, env: {}, cache: { mode: "off", path: join(dir, "c.sqlite") } });
  try {
    const run = graph.train(
      { train: as("t", 1, 20), dev: as("d", 2, 4), test: as("e", 3, 4) },
      {
        config: { iterations: 1, batchSize: 10, promptSamples: 4, hiddenSamples: 4, valEvery: 1, seed: 7 },
        runDir: join(dir, "run"),
        clients: registry,
      },
    );
    const events = await lastValueFrom(run.events$.pipe(toArray()));
    await run.result;
    const h1 = events.flatMap((e) => (e.type === "candidates" && e.param === "h1" ? [e] : []));
    expect(h1).toHaveLength(1);
    expect(at(h1, 0).mode).toBe("exact");
    expect(at(h1, 0).candidates.length).toBeGreaterThan(1);
    const fits = at(h1, 0).candidates.map((c) => c.parts.fit);
    expect(new Set(fits).size, JSON.stringify(fits)).toBeGreaterThan(1);
    // Posterior requests (the hint form: "Given that the answer is:"): n = J, a seed, each example's prompt once.
    const posterior = server!.stats.received.filter(
      (r) => r.route === "completions" && r.body.echo !== true && JSON.stringify(r.body.prompt).includes("Given that the answer is:"),
    );
    expect(posterior.length).toBeGreaterThan(0);
    for (const r of posterior) {
      expect(r.body.n).toBe(4);
      expect(typeof r.body.seed).toBe("number");
    }
    const prompts = posterior.flatMap((r) => (Array.isArray(r.body.prompt) ? r.body.prompt : [r.body.prompt]));
    expect(prompts).toHaveLength(10);
  } finally {
    await registry.close();
  }
}, 120_000);
