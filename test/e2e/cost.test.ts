/**
 * Issue 12 (cost): what `dln run` sends to an OpenAI-compatible endpoint, counted on the loopback
 * fake server: requests per sample for a one-class-layer network on legacy completions (one
 * request per sample at most, batched), a network declared `api: "chat"` never touching legacy
 * completions, and a warm rerun (same cache file) sending nothing at all, capability probes
 * included.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";

const SAMPLES = 20;
/** Samples of the one-at-a-time run. */
const FEW = 6;

function sink() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c) => (text += c));
  return { stream, text: () => text };
}

function oneClassLayer(baseURL: string, api: string, scoring?: string, classes = ["yes", "no"]): string {
  return JSON.stringify({
    name: "one-class-layer",
    models: { fwd: { provider: "openai", model: "m", baseURL, apiKey: "sk-test-000000", api, temperature: 0, scoring } },
    inputs: ["x"],
    nodes: { y: { type: "layer", from: ["x"], prompt: "Which one? Answer with one word.", model: "fwd", classes } },
    output: "y",
  });
}

function twoLayers(baseURL: string): string {
  return JSON.stringify({
    name: "two-layers",
    models: { fwd: { provider: "openai", model: "m", baseURL, apiKey: "sk-test-000000", api: "chat", temperature: 0, maxTokens: 16 } },
    inputs: ["x"],
    nodes: {
      h1: { type: "layer", from: ["x"], template: "think", prompt: "Think step by step.", model: "fwd" },
      y: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "Answer yes or no.", model: "fwd", classes: ["yes", "no"] },
    },
    output: "y",
  });
}

describe("requests per sample of dln run (issue 12)", () => {
  const dir = mkdtempSync(join(tmpdir(), "dln-cost-"));
  let server: FakeOpenAIServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    forgetCapabilities();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const inputs =
    Array.from({ length: SAMPLES }, (_x, i) => JSON.stringify({ x: `sample number ${i}: the film was ${i % 2 ? "great" : "dull"}` })).join("\n") + "\n";

  async function run(file: string, cache: string[] = ["--cache", "off"]): Promise<void> {
    const err = sink();
    const code = await runCli(["node", "dln", "run", file, "--input", "in.jsonl", "--output", "out.jsonl", ...cache], {
      cwd: dir,
      env: {},
      stdout: sink().stream,
      stderr: err.stream,
    });
    expect(code, err.text()).toBe(0);
  }

  it.each(["completions", "auto"])("a one-class-layer network on legacy completions (api %s) sends at most one request per sample", async (api) => {
    server = await startOpenAIServer();
    writeFileSync(join(dir, "in.jsonl"), inputs);
    writeFileSync(join(dir, `one-${api}.json`), oneClassLayer(server.baseURL, api));
    await run(`one-${api}.json`);
    const scored = server.stats.byRoute.completions + server.stats.byRoute.chat;
    console.log(`one class layer, api ${api}: ${scored} requests for ${SAMPLES} samples; prompts per request ${server.stats.promptsPerRequest.join(",")}`);
    // The default scoring of a class layer is one top-logprobs prompt per sample, and concurrent
    // samples share legacy requests of 20 prompts: the capability probe + one batched request.
    expect(scored).toBeLessThanOrEqual(1 + Math.ceil(SAMPLES / 20));
  });

  it("exact class scoring sends all classes and spellings of a sample in one echo request, even one sample at a time", async () => {
    server = await startOpenAIServer();
    writeFileSync(join(dir, "in.jsonl"), inputs);
    // 4 classes × 3 spellings × 2 (leading space): 24 targets, more than the 20 prompts of a batch.
    writeFileSync(join(dir, "one-exact.json"), oneClassLayer(server.baseURL, "completions", "exact", ["alpha", "beta", "gamma", "delta"]));
    const err = sink();
    writeFileSync(join(dir, "in.jsonl"), inputs.split("\n").slice(0, FEW).join("\n") + "\n");
    const code = await runCli(["node", "dln", "run", "one-exact.json", "--input", "in.jsonl", "--output", "out.jsonl", "--cache", "off", "-c", "1"], {
      cwd: dir,
      env: {},
      stdout: sink().stream,
      stderr: err.stream,
    });
    expect(code, err.text()).toBe(0);
    const probes = server.stats.received.filter((r) => r.body.prompt === "Hello world").length;
    const scored = server.stats.byRoute.completions + server.stats.byRoute.chat - probes;
    console.log(`one class layer, exact, -c 1: ${scored} requests for ${FEW} samples; prompts per request ${server.stats.promptsPerRequest.join(",")}`);
    expect(scored).toBeLessThanOrEqual(FEW);
    expect(server.stats.promptsPerRequest.slice(-FEW).every((n) => n === 24)).toBe(true);
  });

  it('a network declared api: "chat" sends nothing to legacy completions, and at most one request per layer call', async () => {
    server = await startOpenAIServer();
    writeFileSync(join(dir, "in.jsonl"), inputs);
    writeFileSync(join(dir, "two.json"), twoLayers(server.baseURL));
    await run("two.json");
    console.log(`two layers, api chat: ${JSON.stringify(server.stats.byRoute)} for ${SAMPLES} samples`);
    expect(server.stats.byRoute.completions).toBe(0);
    expect(server.stats.byRoute.chat).toBeLessThanOrEqual(2 * SAMPLES + 1); // + the capability probe
  });

  it("a warm rerun on the same cache file sends 0 requests, capability probes included", async () => {
    server = await startOpenAIServer();
    writeFileSync(join(dir, "in.jsonl"), inputs);
    writeFileSync(join(dir, "warm.json"), oneClassLayer(server.baseURL, "auto"));
    const cache = ["--cache", "readwrite"]; // dir/.dln/cache.sqlite
    await run("warm.json", cache);
    expect(server.stats.requests).toBeGreaterThan(0);
    forgetCapabilities(); // a new process remembers nothing but the cache file
    server.resetStats();
    await run("warm.json", cache);
    expect(server.stats.requests).toBe(0);
  });
});

describe("the declared API and the asked scoring (issue 12)", () => {
  it('training a network declared api: "chat" with scoring: "exact" is refused after the chat probe alone', async () => {
    forgetCapabilities();
    const server = await startOpenAIServer();
    const dir = mkdtempSync(join(tmpdir(), "dln-cost-train-"));
    try {
      const net = JSON.parse(twoLayers(server.baseURL));
      net.models.fwd.scoring = "exact";
      writeFileSync(join(dir, "net.json"), JSON.stringify(net));
      writeFileSync(
        join(dir, "data.jsonl"),
        Array.from({ length: 30 }, (_x, i) => JSON.stringify({ x: `question ${i}`, y: i % 2 ? "yes" : "no" })).join("\n") + "\n",
      );
      const err = sink();
      const code = await runCli(["node", "dln", "train", "net.json", "--data", "data.jsonl", "--run-dir", "run", "--cache", "off", "--iterations", "1"], {
        cwd: dir,
        env: {},
        stdout: sink().stream,
        stderr: err.stream,
      });
      expect(code).not.toBe(0);
      expect(err.text()).toMatch(/exact scoring is not possible/);
      expect(server.stats.byRoute.completions).toBe(0);
      expect(server.stats.byRoute.chat).toBe(1); // the capability probe
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      forgetCapabilities();
    }
  });
});
