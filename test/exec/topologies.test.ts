/**
 * Issue 13: topologies that really change behaviour. Training renders what the forward pass
 * sends (every node kind); sampled replicas draw their own answers from one shared scoring;
 * free-text members generate with their own seeds; `scoring: "accuracy"` keeps unmatched answers.
 */
import { describe, expect, it } from "vitest";
import { compileNetwork, loadNetworkFile } from "../../src/compile/index.js";
import type { CompiledNetwork, LayerNode } from "../../src/compile/types.js";
import { runAll } from "../../src/exec/run.js";
import type { ClientSource, RunResult } from "../../src/exec/types.js";
import type { Capabilities, GenerateRequest, GenerateResult, ModelClient } from "../../src/llm/types.js";
import { ModelRegistry } from "../../src/llm/registry.js";
import { isCorrect } from "../../src/metrics/index.js";
import { generateTask, TASKS } from "../../src/sim/tasks.js";
import type { NetworkSpec } from "../../src/network/types.js";
import { buildTrainGraph, layerInputText, renderLayer, withOverrides } from "../../src/train/topology.js";
import { hashString, Rng } from "../../src/util/random.js";
import { clientsOf, fakeClient } from "./helpers/fakeClient.js";
import { at, key, only } from "../helpers/indexing.js";

function compile(spec: NetworkSpec): CompiledNetwork {
  const r = compileNetwork(spec, { baseDir: process.cwd() });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`).join("\n"));
  return r.network;
}

const SIM = { default: { provider: "sim" as const, model: "tasks" } };

function simClients(network: CompiledNetwork): ModelRegistry {
  return new ModelRegistry(network.models, { baseDir: process.cwd(), cache: { mode: "off" } });
}

const animals = (seed: number, n: number) => generateTask("animals", { seed, n });

describe("one renderer for the executor and the trainer", () => {
  // Every node kind: a layer, a combine node, listed members, a judge whose template walks `from`,
  // and replicas of a layer that reads the judged ensemble.
  const net = compile({
    name: "every-kind",
    models: SIM,
    inputs: ["x"],
    nodes: {
      h: { type: "layer", from: ["x"], prompt: "H", template: "{{ prompt }} <{{ x }}>" },
      c: { type: "combine", from: ["x", "h"], template: "{{ x }} / {{ h }}" },
      m1: { type: "layer", from: ["c"], prompt: "M1" },
      m2: { type: "layer", from: ["x", "h"], prompt: "M2" },
      j: { type: "layer", from: ["x"], prompt: "J", template: "{{ prompt }}{% for f in from %} [{{ f.name }}={{ f.value }}]{% endfor %}\n{{ candidates }}" },
      ens: { type: "ensemble", members: ["m1", "m2"], aggregate: { judge: "j" } },
      g: { type: "layer", from: ["x", "ens"], prompt: "G" },
      sc: { type: "ensemble", replicate: { layer: "g", count: 3, temperature: 0.7 }, aggregate: "vote" },
    },
    output: "sc",
  });

  it("training renders exactly the text every layer sent in the forward pass", async () => {
    let n = 0;
    const client = fakeClient(() => `answer${n++ % 3}`);
    const samples = [{ x: "first question" }, { x: "second question" }];
    const results = await runAll(net, samples, { clients: clientsOf(client), trace: true });
    const graph = buildTrainGraph(net);
    const kinds = new Set<string>();
    for (const r of results) {
      expect(r.error).toBeUndefined();
      const values: Record<string, unknown> = { ...samples[r.index], ...r.values };
      for (const t of r.trace!) {
        const node = net.nodes.get(t.node)!;
        if (node.kind === "layer") {
          kinds.add(node.judgeOf ? "judge" : node.param !== node.id ? "replica" : ["m1", "m2"].includes(node.id) ? "member" : "layer");
          expect(renderLayer(graph, node, node.prompt, values), t.node).toBe(t.rendered);
        } else if (node.kind === "combine") {
          kinds.add("combine");
          // The trainer re-renders combine nodes when it substitutes a value upstream.
          expect(withOverrides(net, values, { h: values.h }).c).toBe(t.rendered);
          expect(withOverrides(net, values, { h: "other" }).c).toBe(`${values.x} / other`);
        }
      }
    }
    expect([...kinds].sort()).toEqual(["combine", "judge", "layer", "member", "replica"]);
  });

  it("a judge's proposal examples show its input and the candidates it chose from, not the members as inputs", () => {
    const j = net.nodes.get("j") as LayerNode;
    expect(layerInputText(j, { x: "q", m1: "A", m2: "B" })).toBe("q\n\nCandidates:\n1. A\n2. B");
  });
});

/**
 * A seeded model with `topLogprobs`: its first token is "yes" with probability `pYes(prompt)`.
 * Generation samples from that at the request's temperature, seeded by (prompt, seed) only, so
 * identical requests get identical text whatever their sampleKey.
 */
function unsureModel(pYes: (prompt: string) => number, caps: Partial<Capabilities> = {}) {
  const calls: GenerateRequest[] = [];
  const client: ModelClient = {
    id: "unsure",
    capabilities: async () => ({ api: "completions", exactScoring: false, topLogprobs: 5, batching: 1, ...caps }),
    score: async () => {
      throw Object.assign(new Error("no"), { code: "E_UNSUPPORTED" });
    },
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      calls.push(req);
      const p = pYes(req.prompt);
      const top = [
        { token: " yes", logprob: Math.log(p) },
        { token: " no", logprob: Math.log(1 - p) },
      ];
      const t = req.temperature ?? 0;
      const u = new Rng(`${req.prompt}/${req.seed ?? ""}`).next();
      const wy = Math.pow(p, 1 / Math.max(t, 1e-9));
      const yes = t <= 0 ? p >= 0.5 : u < wy / (wy + Math.pow(1 - p, 1 / t));
      const text = yes ? " yes" : " no";
      return {
        completions: [{ text, tokens: [{ token: text, logprob: Math.log(yes ? p : 1 - p), top }] }],
        usage: { requests: 1, promptTokens: 1, completionTokens: 1, cacheHits: 0, cost: 0 },
      };
    },
  };
  return { client, calls, clients: { get: async () => client } as ClientSource };
}

function selfConsistency(count: number, temperature: number, parse?: "first_word"): NetworkSpec {
  return {
    name: "sc",
    models: { default: { provider: "sim", model: "tasks", scoring: "classes" } },
    inputs: ["x"],
    nodes: {
      guess: { type: "layer", from: ["x"], prompt: "Answer yes or no.", ...(parse ? { parse } : { classes: ["yes", "no"] }) },
      sc: { type: "ensemble", replicate: { layer: "guess", count, temperature }, aggregate: "vote" },
    },
    output: "sc",
  };
}

const replicaValues = (r: RunResult, n: number) => Array.from({ length: n }, (_, i) => r.values[`sc#${i + 1}`]);

describe("sampled replicas", () => {
  it("draw their own classes from ONE scoring request per sample, reproducibly, with each draw in the trace", async () => {
    const net = compile(selfConsistency(5, 0.7));
    const xs = Array.from({ length: 40 }, (_, i) => ({ x: `question ${i}` }));
    const pYes = (prompt: string) => 0.3 + 0.4 * ((hashString(prompt) % 1000) / 1000); // unsure: 0.3 … 0.7
    const model = unsureModel(pYes);
    const results = await runAll(net, xs, { clients: model.clients, trace: true, seed: 1 });
    // One top-logprobs request per sample serves all five replicas.
    expect(model.calls).toHaveLength(xs.length);
    const differing = results.filter((r) => new Set(replicaValues(r, 5)).size > 1).length;
    expect(differing).toBeGreaterThan(xs.length / 2);
    for (const r of results) {
      const replicas = r.trace!.filter((t) => t.node.startsWith("sc#"));
      expect(replicas).toHaveLength(5);
      for (const t of replicas) {
        expect(t.sampled).toEqual({ temperature: 0.7 });
        expect(t.classProbs).toEqual(at(replicas, 0).classProbs);
        expect(t.value).toBe(r.values[t.node]);
      }
      expect(replicas.filter((t) => t.usage !== undefined)).toHaveLength(1);
    }
    // The same seed draws the same; another seed draws differently somewhere.
    const again = await runAll(net, xs, { clients: unsureModel(pYes).clients, seed: 1 });
    expect(again.map((r) => replicaValues(r, 5))).toEqual(results.map((r) => replicaValues(r, 5)));
    const other = await runAll(net, xs, { clients: unsureModel(pYes).clients, seed: 2 });
    expect(other.map((r) => replicaValues(r, 5))).not.toEqual(results.map((r) => replicaValues(r, 5)));
  });

  it("follow p^(1/T): at a low temperature almost every replica gives the most probable class", async () => {
    const net = compile(selfConsistency(5, 0.05));
    const xs = Array.from({ length: 20 }, (_, i) => ({ x: `q${i}` }));
    const results = await runAll(net, xs, { clients: unsureModel(() => 0.6).clients });
    const draws = results.flatMap((r) => replicaValues(r, 5));
    expect(draws.filter((v) => v === "yes").length).toBeGreaterThanOrEqual(draws.length - 1);
  });

  it("free-text replicas generate with their own request seeds, so a seeded server gives them different answers", async () => {
    const net = compile(selfConsistency(5, 0.7, "first_word"));
    const model = unsureModel(() => 0.5, { topLogprobs: 0 });
    const xs = Array.from({ length: 20 }, (_, i) => ({ x: `q${i}` }));
    const results = await runAll(net, xs, { clients: model.clients, trace: true });
    const seeds = new Set(model.calls.map((c) => c.seed));
    expect(seeds.size).toBe(5);
    expect(results.filter((r) => new Set(replicaValues(r, 5)).size > 1).length).toBeGreaterThan(xs.length / 2);
    const traced = at(results, 0).trace!.find((t) => t.node === "sc#2")!;
    expect(traced.sampled?.temperature).toBe(0.7);
    expect(model.calls.some((c) => c.seed === traced.sampled?.seed)).toBe(true);
  });

  it("on the simulator: replicas of an unsure layer differ on most inputs, at one request per sample", async () => {
    const net = compile({
      name: "sc-sim",
      models: { default: { provider: "sim", model: "tasks", scoring: "classes" } },
      inputs: ["x"],
      nodes: {
        guess: { type: "layer", from: ["x"], prompt: "Answer the question.", classes: ["mammal", "bird", "fish", "reptile"] },
        sc: { type: "ensemble", replicate: { layer: "guess", count: 5, temperature: 0.7 }, aggregate: "vote" },
      },
      output: "sc",
    });
    const data = animals(7, 40);
    const registry = simClients(net);
    try {
      const results = await runAll(
        net,
        data.map((s) => ({ x: s.x })),
        { clients: registry },
      );
      expect(results.every((r) => !r.error)).toBe(true);
      const differing = results.filter((r) => new Set(replicaValues(r, 5)).size > 1).length;
      expect(differing).toBeGreaterThanOrEqual(data.length / 2);
      // One request per sample; inputs that occur twice in the data are asked once (usage meters a joined request once).
      expect(registry.usage().total.requests).toBe(new Set(data.map((s) => s.x)).size);
    } finally {
      await registry.close();
    }
  });
});

describe("an ensemble of three different prompts (networks/ensemble.json5, on the simulator)", () => {
  it("has members that disagree on some inputs, and its vote beats each member alone", async () => {
    const loaded = await loadNetworkFile("networks/ensemble.json5");
    if (!loaded.ok) throw new Error("networks/ensemble.json5 does not compile");
    const net: CompiledNetwork = { ...loaded.network, models: { default: SIM.default, bwd: SIM.default } };
    // Each member's prompt states three of the five rules (and the answer format).
    const rules = key(TASKS, "animals").rules;
    const format = rules[rules.length - 1];
    const prompts = {
      terse: `${rules[0]} ${rules[2]} ${rules[3]} ${format}`,
      careful: `${rules[1]} ${rules[2]} ${rules[4]} ${format}`,
      brief: `${rules[0]} ${rules[3]} ${rules[4]} ${format}`,
    };
    const data = animals(11, 60);
    const registry = simClients(net);
    try {
      const results = await runAll(
        net,
        data.map((s) => ({ x: s.x })),
        { clients: registry, prompts },
      );
      const members = ["terse", "careful", "brief"];
      const disagree = results.filter((r) => new Set(members.map((m) => r.values[m])).size > 1).length;
      expect(disagree).toBeGreaterThan(0);
      const acc = (pick: (r: RunResult) => unknown) => results.filter((r) => isCorrect(pick(r), at(data, r.index).y, net.loss)).length;
      const voted = acc((r) => r.output);
      for (const m of members) expect(voted, m).toBeGreaterThan(acc((r) => r.values[m]));
      // One request per member and distinct input (a repeated input is asked once).
      expect(registry.usage().total.requests).toBe(3 * new Set(data.map((s) => s.x)).size);
    } finally {
      await registry.close();
    }
  });
});

describe("self-consistency beats a greedy answer when the model's mass is split over wordings", () => {
  // The right answer is written six ways (0.12 each), the wrong one one way (0.28): greedy
  // decoding picks the wrong wording; a vote over sampled, class-matched answers pools the right one.
  const wordings = [{ text: "no", p: 0.28 }, ...["yes", "Yes, it is", "I'd say yes", "yes.", "Yes!", "Surely yes"].map((text) => ({ text, p: 0.12 }))];
  const model = (): { clients: ClientSource; calls: GenerateRequest[] } => {
    const client = fakeClient((prompt, req) => {
      const t = req.temperature ?? 0;
      if (t <= 0) return at(wordings, 0).text;
      const w = wordings.map((x) => Math.pow(x.p, 1 / t));
      let u = new Rng(`${prompt}/${req.seed ?? ""}`).next() * w.reduce((s, v) => s + v, 0);
      for (let i = 0; i < w.length; i++) if ((u -= at(w, i)) < 0) return at(wordings, i).text;
      return at(wordings, wordings.length - 1).text;
    });
    return { clients: clientsOf(client), calls: client.calls };
  };
  const spec = (replicas: number, temperature: number): NetworkSpec => ({
    name: "sc-split",
    models: { default: { provider: "sim", model: "tasks" } },
    inputs: ["x"],
    nodes: {
      guess: { type: "layer", from: ["x"], prompt: "Is it?", classes: ["yes", "no"], parse: "none" },
      ...(replicas > 0 ? { sc: { type: "ensemble", replicate: { layer: "guess", count: replicas, temperature }, aggregate: "vote" } } : {}),
    },
    output: replicas > 0 ? "sc" : "guess",
  });
  const xs = Array.from({ length: 60 }, (_, i) => ({ x: `q${i}` }));
  const accuracyOf = (rs: RunResult[]) => rs.filter((r) => r.output === "yes").length / rs.length;

  it("the vote of 5 at 0.7 beats the single greedy answer and a single sampled answer", async () => {
    const greedy = accuracyOf(await runAll(compile(spec(0, 0)), xs, { clients: model().clients }));
    const results = await runAll(compile(spec(5, 0.7)), xs, { clients: model().clients });
    const voted = accuracyOf(results);
    const oneDraw = results.filter((r) => r.values["sc#1"] === "yes").length / results.length;
    expect(greedy).toBe(0);
    expect(voted).toBeGreaterThan(0.5);
    expect(voted).toBeGreaterThan(oneDraw);
  });
});

describe("aggregate: mean", () => {
  it("takes the class with the highest mean probability, where a vote of the same members takes the majority", async () => {
    // Two members lean "yes" (0.55), one is sure of "no" (0.95): vote says yes, mean says no.
    const pYes = (prompt: string) => (prompt.startsWith("sure") ? 0.05 : 0.55);
    const spec = (aggregate: "vote" | "mean"): NetworkSpec => ({
      name: "mean",
      models: { default: { provider: "sim", model: "tasks", scoring: "classes" } },
      inputs: ["x"],
      nodes: {
        a: { type: "layer", from: ["x"], prompt: "lean a", classes: ["yes", "no"] },
        b: { type: "layer", from: ["x"], prompt: "lean b", classes: ["yes", "no"] },
        c: { type: "layer", from: ["x"], prompt: "sure", classes: ["yes", "no"] },
        e: { type: "ensemble", members: ["a", "b", "c"], aggregate },
      },
      output: "e",
    });
    const voted = only(await runAll(compile(spec("vote")), [{ x: "q" }], { clients: unsureModel(pYes).clients }));
    const meaned = only(await runAll(compile(spec("mean")), [{ x: "q" }], { clients: unsureModel(pYes).clients, trace: true }));
    expect(voted.output).toBe("yes");
    expect(meaned.output).toBe("no");
    expect(meaned.trace!.find((t) => t.node === "e")!.members!.map((m) => m.value)).toEqual(["yes", "yes", "no"]);
  });

  it("without class probabilities counts each member's value once, like a vote", async () => {
    const net = compile({
      name: "mean-text",
      models: SIM,
      inputs: ["x"],
      nodes: {
        a: { type: "layer", from: ["x"], prompt: "A" },
        b: { type: "layer", from: ["x"], prompt: "B" },
        c: { type: "layer", from: ["x"], prompt: "C" },
        e: { type: "ensemble", members: ["a", "b", "c"], aggregate: "mean" },
      },
      output: "e",
    });
    const r = only(await runAll(net, [{ x: "q" }], { clients: clientsOf(fakeClient((p) => (p.startsWith("A") ? "red" : "Blue"))) }));
    expect(r.output).toBe("Blue");
  });
});

describe("scoring: accuracy", () => {
  it("keeps an answer that matches no class as the parsed text, not the first class", async () => {
    const net = compile({
      name: "acc",
      models: { default: { provider: "sim", model: "tasks", scoring: "accuracy" } },
      inputs: ["x"],
      nodes: { y: { type: "layer", from: ["x"], prompt: "P", classes: ["yes", "no"], parse: "first_word" } },
      output: "y",
    });
    // The client could score classes, but the model's scoring is "accuracy": generate and match.
    const client = fakeClient((p) => (p.includes("QQ") ? "Perhaps." : "No!"), { exactScoring: true, topLogprobs: 5 });
    const [unmatched, matched] = await runAll(net, [{ x: "QQ" }, { x: "RR" }], { clients: clientsOf(client) });
    expect(unmatched?.output).toBe("Perhaps");
    expect(matched?.output).toBe("no");
    expect(client.calls).toHaveLength(2);
  });
});
