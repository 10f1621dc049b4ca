import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/network/diagnostics.js";
import { expandGrid, parseSweep, safeName } from "../../src/sweep/index.js";
import { at } from "../helpers/indexing.js";

const base = { file: "s.json5", baseDir: "/tmp/sw" };

describe("sweep files", () => {
  it("accepts a valid sweep and resolves its paths against the file's folder", () => {
    const r = parseSweep(`{ network: "n.json5", data: { train: "a.jsonl", dev: "b.jsonl" }, grid: { seed: [1, 2] }, out: "out" }`, base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.sweep.networks).toEqual(["/tmp/sw/n.json5"]);
    expect(r.sweep.data).toEqual({ train: "/tmp/sw/a.jsonl", dev: "/tmp/sw/b.jsonl", test: undefined });
    expect(r.sweep.out).toBe("/tmp/sw/out");
    expect(r.sweep.name).toBe("sweep");
  });

  it("reports every problem at its line and column", () => {
    const text = [
      "{",
      '  network: "n.json5",',
      '  data: "d.jsonl",',
      "  grid: {",
      '    "train.iterations": [1, 2.5],',
      '    "train.promptSampels": [2],',
      '    "models.fwd.temprature": [0.1],',
      '    "foo": [1],',
      "  },",
      '  out: "o",',
      "  outt: 1,",
      "}",
    ].join("\n");
    const r = parseSweep(text, base);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.diagnostics.map(formatDiagnostic);
    // The schema finds the unknown field and the malformed grid key first.
    expect(lines).toContainEqual(expect.stringMatching(/^s\.json5:8:5: error E_SWEEP_GRID_KEY "foo"/));
    expect(lines).toContainEqual(expect.stringMatching(/^s\.json5:11:3: error E_SWEEP_UNKNOWN_FIELD unknown field "outt".*did you mean "out"/));
    const fixed = parseSweep(text.replace('    "foo": [1],\n', "").replace("  outt: 1,\n", ""), base);
    expect(fixed.ok).toBe(false);
    if (fixed.ok) return;
    const more = fixed.diagnostics.map(formatDiagnostic);
    expect(more).toContainEqual(expect.stringMatching(/^s\.json5:5:29: error E_SWEEP_GRID_VALUE 2\.5 is not a valid value of train\.iterations/));
    expect(more).toContainEqual(expect.stringMatching(/^s\.json5:6:5: error E_SWEEP_GRID_KEY .*did you mean "train\.promptSamples"/));
    expect(more).toContainEqual(expect.stringMatching(/^s\.json5:7:5: error E_SWEEP_GRID_KEY .*did you mean "models\.fwd\.temperature"/));
  });

  it("reports a missing field and a wrong data form", () => {
    const r = parseSweep(`{ network: "n.json5", data: 3, grid: { seed: [1] } }`, base);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.diagnostics.map(formatDiagnostic);
    expect(lines).toContainEqual(expect.stringMatching(/^s\.json5:1:1: error E_SWEEP_REQUIRED the sweep needs "out"/));
    expect(lines).toContainEqual(expect.stringMatching(/^s\.json5:1:29: error E_SWEEP_DATA data must be a data file path/));
  });

  it("expands the grid into named points, the first setting varying slowest", () => {
    const r = parseSweep(
      `{ network: "n.json5", data: "d.jsonl", train: { iterations: 1 }, grid: { seed: [1, 2], "train.promptSamples": [4, 8], "models.*.temperature": [0.5] }, out: "o" }`,
      base,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const points = expandGrid(r.sweep);
    expect(points.map((p) => p.name)).toEqual([
      "seed=1,train.promptSamples=4,models._.temperature=0.5",
      "seed=1,train.promptSamples=8,models._.temperature=0.5",
      "seed=2,train.promptSamples=4,models._.temperature=0.5",
      "seed=2,train.promptSamples=8,models._.temperature=0.5",
    ]);
    expect(at(points, 1).train).toEqual({ iterations: 1, seed: 1, promptSamples: 8 });
    expect(at(points, 1).models).toEqual({ "*": { temperature: 0.5 } });
    expect(at(points, 1).settings).toEqual({ seed: 1, "train.promptSamples": 8, "models.*.temperature": 0.5 });
  });

  it("names points of several networks by file name, and makes names filesystem-safe", () => {
    const r = parseSweep(
      { network: ["a/dln-1.json5", "b/dln-2.json5"], data: "d", grid: { "models.fwd.model": ["gpt/4o: mini"] }, out: "o" },
      { baseDir: "/x" },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(expandGrid(r.sweep).map((p) => p.name)).toEqual(["network=dln-1,models.fwd.model=gpt_4o__mini", "network=dln-2,models.fwd.model=gpt_4o__mini"]);
    expect(safeName("x".repeat(300))).toHaveLength(120);
    expect(safeName("../..")).toBe("__..");
  });
});
