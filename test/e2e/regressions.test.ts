/** Regression tests for bugs the end-to-end HTTP runs found (one per fix, named after it). */
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../src/graph.js";
import { scoreClasses } from "../../src/llm/scoring.js";
import { generateTask } from "../../src/sim/tasks.js";
import { simResponder } from "../helpers/sim-responder.js";
import { classifyPrompt } from "../sim/helpers.js";
import { sleep } from "../../src/llm/abort.js";
import { withBatching } from "../../src/llm/middleware/batch.js";
import { withDedupe } from "../../src/llm/middleware/dedupe.js";
import { emptyUsage, type ModelClient } from "../../src/llm/types.js";
import { createModelClient } from "../../src/llm/factory.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { at } from "../helpers/indexing.js";

const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 5 };
let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("regressions found end to end", () => {
  it("openai-capabilities: a chat probe answered with few top alternatives does not cap top logprobs at that count", async () => {
    forgetCapabilities();
    // A confident model: the probe's one token has a single alternative; a classification prompt has many.
    server = await startOpenAIServer({
      completions: false,
      responder: (r) => {
        const prompt = String(r.body.messages?.at(-1)?.content ?? "");
        const top =
          prompt === "Hello world"
            ? [{ token: "!", logprob: -0.01 }]
            : Array.from({ length: r.body.top_logprobs ?? 0 }, (_x, i) => ({ token: ` t${i}`, logprob: -1 - i }));
        return {
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: top[0]?.token ?? "" },
              finish_reason: "length",
              logprobs: r.body.logprobs ? { content: [{ token: top[0]?.token ?? "", logprob: top[0]?.logprob ?? 0, top_logprobs: top }] } : null,
            },
          ],
          usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
        };
      },
      faults: { decide: (r) => (r.route === "completions" ? { kind: "404" } : undefined) },
    });
    const client = await createModelClient(
      { provider: "openai", model: "confident", baseURL: server.baseURL, apiKey: "sk-test-not-a-secret-000000", api: "chat" },
      { baseDir: ".", env: {}, cache: { mode: "off" }, retry: FAST_RETRY },
    );
    expect(await client.capabilities()).toMatchObject({ api: "chat", exactScoring: false, topLogprobs: 20 });
    const r = await client.generate({ prompt: "Is it a bird?", maxTokens: 1, temperature: 0, topLogprobs: 20 });
    expect(at(r.completions, 0).tokens?.[0]?.top).toHaveLength(20);
  });

  it("abort/dedupe/batch/retry sleep: a long-lived caller signal keeps no listener once its requests are done", async () => {
    const inner: ModelClient = {
      id: "fake",
      capabilities: async () => ({ api: "completions", exactScoring: true, topLogprobs: 5, batching: 4 }),
      generate: async (r) => ({ completions: [{ text: r.prompt }], usage: emptyUsage() }),
      score: async () => ({ tokens: [{ token: "x", logprob: -1 }], usage: emptyUsage() }),
      generateBatch: async (rs) => rs.map((r) => ({ completions: [{ text: r.prompt }], usage: emptyUsage() })),
      scoreBatch: async (rs) => rs.map(() => ({ tokens: [{ token: "x", logprob: -1 }], usage: emptyUsage() })),
    };
    const client = withDedupe(withBatching(inner, { windowMs: 1 }));
    const run = new AbortController(); // like the one `dln train` passes to every request of a run
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 12 }, (_x, i) => client.score({ context: `c${i % 3}`, target: "t", signal: run.signal })));
      await Promise.all(Array.from({ length: 12 }, (_x, i) => client.generate({ prompt: `p${i}`, signal: run.signal })));
      await sleep(1, run.signal);
    }
    expect(getEventListeners(run.signal, "abort")).toHaveLength(0);
  });

  it("trainer: the network copy in the run directory has no literal API key or header secret, and keeps ${VAR} placeholders", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dln-e2e-copy-"));
    try {
      const graph = compile(
        {
          name: "copy",
          models: {
            a: { provider: "sim", model: "tasks", apiKey: "sk-test-literal-secret-0000", headers: { Authorization: "Bearer tok-literal-0000" } },
            b: {
              provider: "sim",
              model: "tasks",
              apiKey: "${OPENAI_API_KEY}",
              endpoints: [{ baseURL: "http://127.0.0.1:9/v1", apiKey: "sk-endpoint-secret-0000" }],
            },
          },
          inputs: ["x"],
          nodes: { y: { type: "layer", from: ["x"], template: "classify", prompt: "Answer.", model: "a", classes: ["yes", "no"] } },
          output: "y",
        },
        { baseDir: dir, cache: { mode: "off" } },
      );
      const data = [{ id: "1", inputs: { x: "Is a cat a mammal?" }, target: "yes" }];
      await graph.train({ train: data, dev: [], test: [] }, { runDir: join(dir, "run"), config: { iterations: 1, batchSize: 1, promptSamples: 1 } }).result;
      const copy = readFileSync(join(dir, "run", "network.json5"), "utf8");
      for (const secret of ["sk-test-literal-secret-0000", "tok-literal-0000", "sk-endpoint-secret-0000"]) expect(copy).not.toContain(secret);
      expect(copy).toContain("[redacted]");
      expect(copy).toContain("${OPENAI_API_KEY}");
      await graph.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("scoring: exact class scores count the spellings a model may use, like class-logprob scores (classes Yes/No, a model answering yes)", async () => {
    forgetCapabilities();
    server = await startOpenAIServer({ responder: simResponder({ seed: 0 }) });
    const client = await createModelClient(
      { provider: "openai", model: "sim-model", baseURL: server.baseURL, apiKey: "sk-test-not-a-secret-000000", api: "completions" },
      { baseDir: ".", env: {}, cache: { mode: "off" }, retry: FAST_RETRY },
    );
    const classes = [
      { label: "Yes", verbalizers: ["Yes"] },
      { label: "No", verbalizers: ["No"] },
    ];
    const instruction =
      "Keep two totals: steps north minus steps south, and steps east minus steps west. You end where you started only when both totals are zero. Answer with exactly one word: yes or no.";
    for (const sample of generateTask("navigate", { seed: 4, n: 4 })) {
      const prompt = classifyPrompt(instruction, sample.x);
      const said = at((await client.generate({ prompt, temperature: 0, maxTokens: 4 })).completions, 0)
        .text.trim()
        .toLowerCase();
      const exact = await scoreClasses(client, prompt, classes, { mode: "exact" });
      const viaTop = await scoreClasses(client, prompt, classes, { mode: "classes" });
      const label = said.startsWith("yes") ? "Yes" : "No";
      expect(exact.mode).toBe("exact");
      expect(exact.probs[label]).toBeGreaterThan(0.5);
      expect(viaTop.probs[label]).toBeGreaterThan(0.5);
    }
  });
});
