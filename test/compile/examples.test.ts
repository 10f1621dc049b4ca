import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNetworkFile, formatDiagnostic, type LayerNode } from "../../src/compile/index.js";
import { key } from "../helpers/indexing.js";

const ROOT = join(import.meta.dirname, "../..");

const EXPECTED: Record<string, string[][]> = {
  "networks/dln-1.json5": [["y"]],
  "networks/dln-2.json5": [["h1"], ["y"]],
  "networks/cot.json5": [["reasoning"], ["answer"]],
  "networks/self-consistency.json5": [["sc#1", "sc#2", "sc#3", "sc#4", "sc#5"], ["sc"]],
  "networks/deep-3.json5": [["h1"], ["h2"], ["y"]],
  "networks/wide.json5": [["h1", "h2"], ["y"]],
  "test/fixtures/networks/valid/design-example.json5": [["h1"], ["y"]],
};

describe("example networks", () => {
  it.each(Object.entries(EXPECTED))("%s compiles, without warnings, into the expected generations", async (file, generations) => {
    const result = await loadNetworkFile(file, { cwd: ROOT });
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join("\n"));
    expect(result.network.generations).toEqual(generations);
    expect(result.network.order).toEqual(generations.flat());
    expect(result.warnings.map(formatDiagnostic)).toEqual([]);
    expect(result.network.file).toBe(join(ROOT, file));
    for (const id of result.network.order) expect(result.network.children.has(id)).toBe(true);
  });

  it("dln-2 is the paper's DLN-2: h1 thinks, y answers from x and h1 through the residual template", async () => {
    const result = await loadNetworkFile("networks/dln-2.json5", { cwd: ROOT });
    if (!result.ok) throw new Error("invalid");
    const h1 = result.network.nodes.get("h1") as LayerNode;
    const y = result.network.nodes.get("y") as LayerNode;
    expect(h1.templateName).toBe("think");
    expect(y.templateName).toBe("residual");
    expect(y.parents).toEqual(["x", "h1"]);
    expect(y.classes?.map((c) => c.label)).toEqual(["yes", "no"]);
    expect(result.network.train.backwardModel).toBe("bwd");
    expect(result.network.children.get("h1")).toEqual(["y"]);
  });

  it("self-consistency replicates one parameter five times at the replicate temperature", async () => {
    const result = await loadNetworkFile("networks/self-consistency.json5", { cwd: ROOT });
    if (!result.ok) throw new Error("invalid");
    const replicas = result.network.order.filter((id) => id.startsWith("sc#")).map((id) => result.network.nodes.get(id) as LayerNode);
    expect(replicas.map((r) => [r.param, r.temperature])).toEqual(Array(5).fill(["guess", 0.7]));
    expect(result.network.nodes.has("guess")).toBe(false);
  });

  it("cot uses the implicit default model, unexpanded", async () => {
    const result = await loadNetworkFile("networks/cot.json5", { cwd: ROOT });
    if (!result.ok) throw new Error("invalid");
    expect(key(result.network.models, "default").model).toBe("${DLN_MODEL:-gpt-4o-mini}");
    expect((result.network.nodes.get("reasoning") as LayerNode).trainable).toBe(false);
  });
});
