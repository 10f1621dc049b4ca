/**
 * Property tests: any DAG of layers compiles into an order where every parent comes before its
 * children and the generations are exactly the longest-path levels; adding one back edge makes
 * compilation fail with E_CYCLE naming a real cycle through that edge's nodes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileNetwork, formatDiagnostic } from "../../src/compile/index.js";
import type { NetworkSpec } from "../../src/network/types.js";
import { at } from "../helpers/indexing.js";

/** A random DAG: node i may read any node j < i (and the input x). */
const dagArb = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.array(fc.subarray(Array.from({ length: n }, (_, j) => j)), { minLength: n, maxLength: n }),
    fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
  ),
);

function build(n: number, reads: number[][], declOrder: number[]): { spec: NetworkSpec; parents: Map<string, string[]> } {
  const parents = new Map<string, string[]>();
  const nodes: NetworkSpec["nodes"] = {};
  for (const i of declOrder) {
    const ps = [...new Set(at(reads, i).filter((j) => j < i))].map((j) => `n${j}`);
    parents.set(`n${i}`, ps);
    nodes[`n${i}`] = { type: "layer", from: ["x", ...ps], template: "classify", prompt: "p" };
  }
  return { spec: { name: "random", inputs: ["x"], nodes, output: `n${n - 1}` }, parents };
}

describe("random DAGs", () => {
  it("compile into a topological order with correct generations", () => {
    fc.assert(
      fc.property(dagArb, ([n, reads, declOrder]) => {
        const { spec, parents } = build(n, reads, declOrder);
        const r = compileNetwork(spec);
        if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join("\n"));
        const { order, generations, children } = r.network;
        expect([...order].sort()).toEqual([...parents.keys()].sort());
        const position = new Map(order.map((id, i) => [id, i]));
        const level = new Map<string, number>();
        generations.forEach((g, i) => g.forEach((id) => level.set(id, i)));
        for (const [id, ps] of parents) {
          for (const p of ps) {
            expect(position.get(p)!).toBeLessThan(position.get(id)!);
            expect(children.get(p)).toContain(id);
          }
          // A node's generation is one more than its deepest parent's (0 with no node parents).
          expect(level.get(id)).toBe(ps.length === 0 ? 0 : Math.max(...ps.map((p) => level.get(p)!)) + 1);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("reject a back edge, naming a cycle that uses it", () => {
    const withPath = fc.integer({ min: 2, max: 15 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 2 })));
    fc.assert(
      fc.property(dagArb, withPath, ([n0, reads, declOrder], [chain, start]) => {
        // A chain c0 → c1 → … guarantees a path to close; the random DAG around it adds noise.
        const { spec } = build(n0, reads, declOrder);
        for (let i = 0; i < chain; i++) spec.nodes[`c${i}`] = { type: "layer", from: i === 0 ? ["x"] : ["x", `c${i - 1}`] };
        spec.output = `c${chain - 1}`;
        const target = spec.nodes[`c${start}`] as { from: string[] };
        target.from.push(`c${chain - 1}`); // back edge: the last node feeds an earlier one
        const r = compileNetwork(spec);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        const cycle = r.diagnostics.find((d) => d.code === "E_CYCLE");
        expect(cycle, r.diagnostics.map(formatDiagnostic).join("\n")).toBeDefined();
        const names = at(/cycle: (.*?);/.exec(cycle!.message)!, 1).split(" → ");
        expect(names[0]).toBe(names[names.length - 1]);
        const expected = Array.from({ length: chain - start }, (_, k) => `c${start + k}`);
        expect(new Set(names)).toEqual(new Set(expected));
        // Consecutive names are real edges: each reads the one before it.
        for (let i = 1; i < names.length; i++) expect((spec.nodes[at(names, i)] as { from: string[] }).from).toContain(names[i - 1]);
        expect(cycle!.path).toBe(`nodes.c${start}.from[${target.from.length - 1}]`);
      }),
      { numRuns: 100 },
    );
  });
});
