import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ClientSource } from "../../src/exec/types.js";
import type { GenerateRequest, ModelClient } from "../../src/llm/types.js";
import { PROPOSE_STOP } from "../../src/templates/builtin.js";
import { createTrainServices } from "../../src/train/services.js";
import { train } from "../../src/train/trainer.js";
import { dln1, setup, splits } from "./helpers.js";

/** Wraps the registry so every generate request is seen before it goes to the sim. */
function recording(registry: ClientSource & { usage(): never }, seen: GenerateRequest[]) {
  return {
    usage: () => registry.usage(),
    async get(name: string): Promise<ModelClient> {
      const inner = await registry.get(name);
      return {
        ...inner,
        id: inner.id,
        capabilities: () => inner.capabilities(),
        score: (r) => inner.score(r),
        generate: (r) => (seen.push(r), inner.generate(r)),
      };
    },
  };
}

describe("backward requests", () => {
  it("give proposals room even when the layer's own model writes them with a tiny maxTokens", async () => {
    const { network, registry, config } = setup(dln1(["mammal", "bird", "fish", "reptile"]), { iterations: 1, batchSize: 6, promptSamples: 3, seed: 3 });
    const seen: GenerateRequest[] = [];
    const clients = recording(registry as never, seen);
    const services = createTrainServices(network, clients, { scoring: config.scoring, burnIn: config.burnIn });
    const runDir = mkdtempSync(join(tmpdir(), "dln-bwd-"));
    await train(network, splits("animals", { train: 12, dev: 6, test: 6 }), { config, services, runDir }).result;
    const proposals = seen.filter((r) => r.stop?.[0] === PROPOSE_STOP[0]);
    expect(proposals.length).toBe(2);
    for (const p of proposals) expect(p.maxTokens).toBe(512);
    // The run directory keeps a copy of the network it trained (for reports and people).
    expect(JSON.parse(readFileSync(join(runDir, "network.json5"), "utf8")).name).toBe(network.name);
  });
});
