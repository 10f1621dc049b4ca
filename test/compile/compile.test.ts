import { describe, expect, it } from "vitest";
import { compileNetwork, formatDiagnostic, NetworkError, type LayerNode } from "../../src/compile/index.js";
import type { NetworkSpec } from "../../src/network/types.js";
import { editDistance, nearestName } from "../../src/network/suggest.js";
import { at, key } from "../helpers/indexing.js";

function spec(nodes: NetworkSpec["nodes"], extra: Partial<NetworkSpec> = {}): NetworkSpec {
  return { name: "t", inputs: ["x"], nodes, output: "y", ...extra };
}

function ok(input: string | NetworkSpec) {
  const r = compileNetwork(input);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join("\n"));
  return r.network;
}

describe("compileNetwork defaults", () => {
  it("fills layer defaults: classify template, empty prompt, trainable, trim parse, the only model", () => {
    const n = ok(spec({ y: { type: "layer", from: ["x"] } }));
    const y = n.nodes.get("y") as LayerNode;
    expect([y.templateName, y.prompt, y.trainable, y.parse, y.model, y.param]).toEqual(["classify", "", true, "trim", "default", "y"]);
    expect(n.loss).toEqual({ type: "exact_match", normalize: "trim", target: "y" });
    expect(key(n.models, "default").apiKey).toBe("${OPENAI_API_KEY}");
  });

  it("normalises classes and stop, and reads single-word classes from the first word", () => {
    const n = ok(spec({ y: { type: "layer", from: ["x"], stop: "\n", classes: ["yes", { label: "no", verbalizers: ["no", "nope"] }] } }));
    const y = n.nodes.get("y") as LayerNode;
    expect(y.stop).toEqual(["\n"]);
    expect(y.classes).toEqual([
      { label: "yes", verbalizers: ["yes"] },
      { label: "no", verbalizers: ["no", "nope"] },
    ]);
    expect(y.parse).toBe("first_word");
    const multi = ok(spec({ y: { type: "layer", from: ["x"], classes: ["very good", "bad"] } })).nodes.get("y") as LayerNode;
    expect(multi.parse).toBe("first_line");
  });

  it("picks the model named default, else the only non-backward model", () => {
    const models = { a: { provider: "sim" as const, model: "w" }, default: { provider: "sim" as const, model: "w" } };
    expect((ok(spec({ y: { type: "layer", from: ["x"] } }, { models })).nodes.get("y") as LayerNode).model).toBe("default");
  });

  it("wires a judge: members → judge → ensemble, and the judge sees members and candidates", () => {
    const n = ok(
      spec({
        a: { type: "layer", from: ["x"] },
        b: { type: "layer", from: ["x"] },
        j: { type: "layer", from: ["x"], template: "{{ prompt }} {{ x }} {{ candidates }} {{ members | size }}" },
        y: { type: "ensemble", members: ["a", "b"], aggregate: { judge: "j" } },
      }),
    );
    const j = n.nodes.get("j") as LayerNode;
    expect(j.judgeOf).toBe("y");
    expect(j.parents).toEqual(["x", "a", "b"]);
    expect(j.from).toEqual(["x"]);
    expect(n.nodes.get("y")!.parents).toEqual(["a", "b", "j"]);
    expect(n.generations).toEqual([["a", "b"], ["j"], ["y"]]);
  });

  it("a combine node joins values without an LLM call", () => {
    const n = ok(
      spec({
        h: { type: "layer", from: ["x"], template: "think" },
        c: { type: "combine", from: ["x", "h"], template: "concat" },
        y: { type: "layer", from: ["c"] },
      }),
    );
    expect(n.nodes.get("c")!.kind).toBe("combine");
    expect(n.children.get("h")).toEqual(["c"]);
    expect(n.generations).toEqual([["h"], ["c"], ["y"]]);
  });

  it("reports every schema error at once", () => {
    const r = compileNetwork(`{ name: "t", inputs: ["x"], nodes: { y: { type: "layer", from: "x", temperature: 9, promt: "" } }, output: "y" }`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(["E_OUT_OF_RANGE", "E_UNKNOWN_FIELD", "E_WRONG_TYPE"]);
  });

  it("a spec given as an object has paths but no lines", () => {
    const r = compileNetwork(spec({ y: { type: "layer", from: ["X"] } }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics[0]).toMatchObject({ code: "E_UNKNOWN_NODE", path: "nodes.y.from[0]", line: 0, suggestion: "x" });
    expect(formatDiagnostic(at(r.diagnostics, 0))).toMatch(/^<network>: error E_UNKNOWN_NODE .* \(did you mean "x"\?\)$/);
  });
});

describe("diagnostics", () => {
  it("formats as file:line:column: severity CODE message", () => {
    expect(formatDiagnostic({ severity: "error", code: "E_X", message: "bad", file: "a.json5", line: 3, column: 7, path: "nodes.y", suggestion: "z" })).toBe(
      'a.json5:3:7: error E_X bad (did you mean "z"?)',
    );
  });

  it("NetworkError carries every diagnostic and names the first", () => {
    const r = compileNetwork("{", { file: "n.json5" });
    if (r.ok) throw new Error("compiled");
    const e = new NetworkError(r.diagnostics);
    expect(e).toBeInstanceOf(Error);
    expect(e.diagnostics).toBe(r.diagnostics);
    expect(e.message).toMatch(/^invalid network: n\.json5:1:\d+: error E_SYNTAX/);
  });

  it("suggests near names only", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(nearestName("clasify", ["classify", "think"])).toBe("classify");
    expect(nearestName("banana", ["classify", "think"])).toBeUndefined();
  });
});
