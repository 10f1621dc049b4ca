/** The step's render memo: each distinct (layer, prompt, values) is rendered once, with the text renderLayer gives; substitutions are shared. */
import { describe, expect, it, vi } from "vitest";
import type { LayerNode } from "../../src/compile/types.js";
import * as graphModule from "../../src/train/topology.js";
import { buildTrainGraph, renderLayer, withOverrides } from "../../src/train/topology.js";
import { RenderMemo } from "../../src/train/dln-vi/render-memo.js";
import { compile, dln2 } from "./helpers.js";

vi.mock("../../src/train/topology.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/train/topology.js")>();
  return { ...actual, renderLayer: vi.fn(actual.renderLayer), withOverrides: vi.fn(actual.withOverrides) };
});

describe("RenderMemo", () => {
  const network = compile(dln2());
  const graph = buildTrainGraph(network);
  const y = network.nodes.get("y") as LayerNode;
  const h1 = network.nodes.get("h1") as LayerNode;
  const values = { x: "Is water wet?", h1: "Water is a liquid.", y: "yes" };

  it("renders each distinct (layer, prompt, values) once, as renderLayer does", () => {
    const memo = new RenderMemo(graph);
    const spy = vi.mocked(graphModule.renderLayer);
    spy.mockClear();
    const first = memo.render(y, "Answer.", values);
    expect(first).toBe(renderLayer(graph, y, "Answer.", values));
    spy.mockClear();
    for (let k = 0; k < 5; k++) expect(memo.render(y, "Answer.", values)).toBe(first);
    expect(spy).not.toHaveBeenCalled();
    memo.render(y, "Answer briefly.", values);
    memo.render(h1, "Answer.", values);
    memo.render(y, "Answer.", { ...values }); // another values object: rendered again
    expect(spy).toHaveBeenCalledTimes(3);
    expect(memo.render(y, "Answer briefly.", values)).toBe(renderLayer(graph, y, "Answer briefly.", values));
  });

  it("substitutes a node's value once per (values, node, text), as withOverrides does", () => {
    const memo = new RenderMemo(graph);
    const spy = vi.mocked(graphModule.withOverrides);
    spy.mockClear();
    const a = memo.withOverride(values, "h1", "Wet means covered in liquid.");
    expect(a).toEqual(withOverrides(network, values, { h1: "Wet means covered in liquid." }));
    spy.mockClear();
    expect(memo.withOverride(values, "h1", "Wet means covered in liquid.")).toBe(a);
    expect(spy).not.toHaveBeenCalled();
    expect(memo.withOverride(values, "h1", "Something else.")).not.toBe(a);
    expect(spy).toHaveBeenCalledTimes(1);
    // Renders of the shared substitution are shared too.
    const text = memo.render(y, "Answer.", a);
    expect(memo.render(y, "Answer.", memo.withOverride(values, "h1", "Wet means covered in liquid."))).toBe(text);
  });
});
