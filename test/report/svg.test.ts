/** The SVG drawing: every node and every edge of every example network, kinds, badges, prompts, escaping. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNetworkFile } from "../../src/compile/index.js";
import type { CompiledNetwork } from "../../src/compile/types.js";
import { drawSvg, OUTPUT_SINK } from "../../src/report/svg.js";
import { compileFixture, FIVE_LAYER_SPEC } from "./fixtures.js";
import { at } from "../helpers/indexing.js";

interface ParsedNode {
  node: string;
  kind: string;
  classes: string[];
  texts: string[];
  tooltip: string;
}

const unescape = (s: string): string =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** Reads the drawing's nodes and edges back out of the SVG text. */
export function parseDrawing(svg: string): { nodes: ParsedNode[]; edges: Array<[string, string]> } {
  const nodes = [...svg.matchAll(/<g id="[^"]*" class="dln-node ([^"]*)" data-node="([^"]*)" data-kind="([^"]*)"[^>]*>(.*?)<\/g>(?=<g id=|\n)/g)].map((m) => ({
    classes: at(m, 1).split(" "),
    node: unescape(at(m, 2)),
    kind: at(m, 3),
    tooltip: unescape(/<title>(.*?)<\/title>/.exec(at(m, 4))?.[1] ?? ""),
    texts: [...at(m, 4).matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((t) => unescape(at(t, 1))),
  }));
  const edges = [...svg.matchAll(/<g class="dln-edge" data-from="([^"]*)" data-to="([^"]*)">.*?<path d="M[^"]+" marker-end="url\(#[^)]+\)"\/><\/g>/g)].map(
    (m): [string, string] => [unescape(at(m, 1)), unescape(at(m, 2))],
  );
  return { nodes, edges };
}

function expectedEdges(network: CompiledNetwork): Array<[string, string]> {
  return [...network.order.flatMap((id) => network.nodes.get(id)!.parents.map((p): [string, string] => [p, id])), [network.output, OUTPUT_SINK]];
}

async function exampleNetworks(): Promise<CompiledNetwork[]> {
  const dirs = ["networks", "networks/paper"];
  const files = dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith(".json5"))
      .map((f) => join(d, f)),
  );
  const out: CompiledNetwork[] = [];
  for (const f of files) {
    const r = await loadNetworkFile(f);
    if (r.ok) out.push(r.network);
  }
  return out;
}

describe("drawSvg", () => {
  it("draws every node and every edge of every example network, once", async () => {
    const networks = [...(await exampleNetworks()), compileFixture()];
    expect(networks.length).toBeGreaterThan(5);
    for (const network of networks) {
      const svg = drawSvg(network);
      const { nodes, edges } = parseDrawing(svg);
      expect(nodes.map((n) => n.node).sort(), network.name).toEqual([...network.inputs, ...network.order, OUTPUT_SINK].sort());
      expect(edges.map((e) => e.join("→")).sort(), network.name).toEqual(
        expectedEdges(network)
          .map((e) => e.join("→"))
          .sort(),
      );
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg).toMatch(/<marker id="dln-arrow"/);
      expect(svg).toMatch(/class="dln-legend"/);
    }
  });

  it("shows each kind distinctly, marks trainable and frozen layers and the output", () => {
    const network = compileFixture({
      ...FIVE_LAYER_SPEC,
      nodes: { ...FIVE_LAYER_SPEC.nodes, h4: { ...(FIVE_LAYER_SPEC.nodes.h4 as object), trainable: false } as never },
    });
    const { nodes } = parseDrawing(drawSvg(network));
    const byId = new Map(nodes.map((n) => [n.node, n]));
    expect(byId.get("x")!.kind).toBe("input");
    expect(byId.get("mix")!.kind).toBe("combine");
    expect(byId.get("vote")!.kind).toBe("ensemble");
    expect(byId.get("vote")!.classes).toContain("is-output");
    expect(byId.get(OUTPUT_SINK)!.kind).toBe("output");
    expect(byId.get("h1")!.classes).toEqual(expect.arrayContaining(["kind-layer", "trainable"]));
    expect(byId.get("h4")!.classes).toEqual(expect.arrayContaining(["kind-layer", "frozen"]));
    expect(byId.get("h4")!.texts).toContain("frozen");
    expect(byId.get("h1")!.texts).toContain("trainable");
    expect(byId.get("vote")!.texts.join(" ")).toContain("3 members");
    // The replicas share the replicated layer's prompt.
    expect(byId.get("vote#2")!.texts.join(" ")).toContain("Answer yes or no.");
  });

  it("puts the first words of the prompt under each layer, and the whole prompt in its tooltip", () => {
    const long = "Read the question. ".repeat(20).trim();
    const network = compileFixture({
      ...FIVE_LAYER_SPEC,
      nodes: { ...FIVE_LAYER_SPEC.nodes, h1: { ...(FIVE_LAYER_SPEC.nodes.h1 as object), prompt: long } as never },
    });
    const h1 = parseDrawing(drawSvg(network)).nodes.find((n) => n.node === "h1")!;
    const shown = h1.texts.filter((t) => t.includes("Read"));
    expect(shown.length).toBe(2);
    expect(at(shown, 0).startsWith("“Read the question.")).toBe(true);
    expect(at(shown, 1).endsWith("…”")).toBe(true);
    expect(shown.join(" ").length).toBeLessThan(80);
    expect(h1.tooltip).toContain(long.slice(0, 200));
  });

  it("shows the given (trained) prompts instead of the initial ones", () => {
    const network = compileFixture();
    const svg = drawSvg(network, { prompts: { h2: "Trained prompt for h2.", y: "Trained output prompt." } });
    const byId = new Map(parseDrawing(svg).nodes.map((n) => [n.node, n]));
    expect(byId.get("h2")!.texts).toContain("“Trained prompt for h2.”");
    expect(byId.get("h2")!.classes).toContain("prompt-given");
    expect(byId.get("vote#1")!.texts).toContain("“Trained output prompt.”");
    expect(byId.get("h1")!.texts.join(" ")).toContain("“List the facts in the question.”");
    expect(svg).toContain("(trained prompts)");
  });

  it("escapes prompts: markup in a prompt stays text", () => {
    const evil = `</text><script>alert(1)</script><g onload="x()"> & "q" 'a' \u0007bell`;
    const network = compileFixture({
      ...FIVE_LAYER_SPEC,
      nodes: { ...FIVE_LAYER_SPEC.nodes, h1: { ...(FIVE_LAYER_SPEC.nodes.h1 as object), prompt: evil } as never },
    });
    const svg = drawSvg(network);
    expect(svg).not.toContain("<script");
    expect(svg).not.toMatch(/onload="/);
    expect(svg).not.toContain("\u0007");
    expect(svg).toContain("&lt;script&gt;");
    const h1 = parseDrawing(svg).nodes.find((n) => n.node === "h1")!;
    expect(h1.tooltip).toContain(`<script>alert(1)</script>`);
  });

  it("shows an empty prompt as such, and uses its own id prefix", () => {
    const network = compileFixture({
      ...FIVE_LAYER_SPEC,
      nodes: { ...FIVE_LAYER_SPEC.nodes, h1: { ...(FIVE_LAYER_SPEC.nodes.h1 as object), prompt: "" } as never },
    });
    const svg = drawSvg(network, { idPrefix: "p1-", legend: false });
    expect(parseDrawing(svg).nodes.find((n) => n.node === "h1")!.texts).toContain("(empty prompt)");
    expect(svg).toContain('marker-end="url(#p1-arrow)"');
    expect(svg).not.toContain('class="dln-legend"');
    expect(svg).not.toMatch(/id="dln-/);
  });

  it("draws ensemble members left to right in declared order, each edge ending at its own member", async () => {
    const loaded = await loadNetworkFile("networks/self-consistency.json5");
    if (!loaded.ok) throw new Error("self-consistency should compile");
    const svg = drawSvg(loaded.network);
    const x = new Map([...svg.matchAll(/data-node="([^"]+)" data-kind="[^"]+" transform="translate\(([\d.]+) ([\d.]+)\)"/g)].map((m) => [m[1], Number(m[2])]));
    const members = ["sc#1", "sc#2", "sc#3", "sc#4", "sc#5"];
    const xs = members.map((m) => x.get(m)!);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(xs).size).toBe(5);
    // Every edge into and out of a member starts or ends under that member's box.
    for (const m of members) {
      const path = (from: string, to: string) =>
        new RegExp(`data-from="${from}" data-to="${to}"><title>[^<]*</title><path d="M([\\d.]+),[\\d.]+[^"]*?([\\d.]+),[\\d.]+"`).exec(svg);
      const into = path("x", m);
      const out = path(m, "sc");
      expect(Math.abs(Number(into![2]) - x.get(m)!), m).toBeLessThan(1);
      expect(Math.abs(Number(out![1]) - x.get(m)!), m).toBeLessThan(1);
    }
  });
});
