import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadNetworkFile } from "../../src/compile/index.js";
import { PAPER_TASKS } from "../../src/data/index.js";
import { key } from "../helpers/indexing.js";

const dir = join(import.meta.dirname, "../../networks/paper");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json5"))
  .sort();

describe("networks/paper", () => {
  it("has a DLN-1 and a DLN-2 network for every task family, and a DLN-1 for every task", () => {
    for (const task of Object.keys(PAPER_TASKS)) expect(files).toContain(`dln1-${task}.json5`);
    for (const task of ["hyperbaton", "navigate", "date_understanding", "logical_deduction_seven_objects", "subj", "gsm8k"]) {
      expect(files).toContain(`dln2-${task}.json5`);
    }
  });

  it.each(files)("%s compiles, has one input, and its classes and loss are the task's", async (file) => {
    const result = await loadNetworkFile(join(dir, file));
    if (!result.ok) throw new Error(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join("\n"));
    const network = result.network;
    const task = key(PAPER_TASKS, file.replace(/^dln[12]-|\.json5$/g, ""));
    expect(task).toBeDefined();
    expect(network.inputs).toHaveLength(1);
    expect(network.loss.type).toBe(task.loss.type);
    const out = network.nodes.get(network.output);
    expect(out?.kind).toBe("layer");
    if (out?.kind !== "layer") return;
    if (task.labels) expect(out.classes?.map((c) => c.label).sort()).toEqual([...task.labels].sort());
    else expect(out.classes).toBeUndefined();
    expect(network.order).toHaveLength(file.startsWith("dln1-") ? 1 : 2);
  });
});
