/**
 * Hostile network files, in process: names every object inherits, template bombs and include
 * tags, absurd numbers, `${VAR}` where a fixed word belongs, standard input for `dln validate`.
 * (test/compile/hostile-corpus.test.ts runs the corpus through the real CLI in child processes.)
 */
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { compileNetwork, formatDiagnostic } from "../../src/compile/index.js";
import { runCli } from "../../src/cli/main.js";
import { checkTemplate, renderTemplate, TemplateError, TEMPLATE_LIMITS, trialRender } from "../../src/templates/render.js";
import { renderNodeTemplate, templateVariables } from "../../src/exec/variables.js";
import { ExecError } from "../../src/exec/errors.js";
import { at } from "../helpers/indexing.js";

const SIM = `models: { m: { provider: "sim", model: "tasks" } }`;

function net(body: string): string {
  return `{\n  name: "t",\n  ${SIM},\n${body}\n}`;
}

function codes(text: string): string[] {
  const r = compileNetwork(text, { file: "n.json5" });
  return r.ok ? [] : r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code}@${d.line}:${d.column}`);
}

describe("names every JavaScript object inherits", () => {
  it("a node named __proto__ read by another node is refused at its key, without hanging", () => {
    const text = net(
      `  inputs: ["x"],\n  nodes: { __proto__: { type: "layer", from: ["x"] }, out: { type: "layer", from: ["__proto__"] } },\n  output: "out",`,
    );
    expect(codes(text)).toEqual(["E_UNSAFE_NAME@5:12"]);
  });

  it("a parsed object with an own __proto__ key is refused too (the library path)", () => {
    const spec = JSON.parse(
      '{"name":"p","inputs":["x"],"nodes":{"__proto__":{"type":"layer","from":["x"]},"out":{"type":"layer","from":["__proto__"]}},"output":"out"}',
    );
    const r = compileNetwork(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toEqual(["E_UNSAFE_NAME"]);
  });

  it.each(["constructor", "toString", "hasOwnProperty", "valueOf"])("node id %s is refused at its key", (id) => {
    const text = net(`  inputs: ["x"],\n  nodes: { ${id}: { type: "layer", from: ["x"] }, out: { type: "layer", from: ["${id}"] } },\n  output: "out",`);
    expect(codes(text)).toEqual(["E_UNSAFE_NAME@5:12"]);
  });

  it("an input, a model, a template and loss.target are checked too", () => {
    expect(codes(net(`  inputs: ["__proto__"],\n  nodes: { out: { type: "layer", from: ["__proto__"] } },\n  output: "out",`))).toEqual(["E_UNSAFE_NAME@4:12"]);
    expect(
      codes(
        net(`  inputs: ["x"],\n  nodes: { out: { type: "layer", from: ["x"] } },\n  output: "out",\n  loss: { type: "exact_match", target: "constructor" },`),
      ),
    ).toEqual(["E_UNSAFE_NAME@7:40"]);
    expect(
      codes(
        `{ name: "t", models: { toString: { provider: "sim", model: "tasks" } }, inputs: ["x"], nodes: { out: { type: "layer", from: ["x"] } }, output: "out" }`,
      ),
    ).toEqual(["E_UNSAFE_NAME@1:24"]);
    expect(
      codes(
        net(
          `  inputs: ["x"],\n  templates: { valueOf: "{{ prompt }} {{ x }}" },\n  nodes: { out: { type: "layer", from: ["x"], template: "valueOf" } },\n  output: "out",`,
        ),
      ),
    ).toEqual(["E_UNSAFE_NAME@5:16"]);
  });

  it("template variables have no prototype, so a parent's name never finds an inherited property", () => {
    const vars = templateVariables(["x"], ["a"], "p");
    expect(Object.getPrototypeOf(vars)).toBeNull();
    expect(renderTemplate("{{ prompt }}|{{ x }}|{{ constructor }}|{{ toString }}", vars)).toBe("p|a||");
  });
});

describe("templates without limits", () => {
  it("include, render and layout are refused with their position in the template, static or dynamic", () => {
    for (const [source, tag] of [
      ["{{ prompt }}\n{% if x %}{% include '/etc/passwd' %}{% endif %}", "include"],
      ["{% include x %}", "include"],
      ["{% render 'a' %}", "render"],
      ["{% layout x %}{{ x }}", "layout"],
    ] as const) {
      let error: unknown;
      try {
        checkTemplate(source);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(TemplateError);
      expect((error as TemplateError).code).toBe("E_TEMPLATE_TAG");
      expect((error as TemplateError).message).toMatch(new RegExp(`the \`${tag}\` tag is not allowed.*\\(template line \\d+, column \\d+\\)`));
    }
  });

  it("an include tag is a located E_TEMPLATE_TAG diagnostic, never a file lookup", () => {
    const text = net(
      `  inputs: ["x"],\n  nodes: { out: { type: "layer", from: ["x"], template: "{{ prompt }} {% include '/etc/passwd' %}{{ x }}" } },\n  output: "out",`,
    );
    const r = compileNetwork(text, { file: "n.json5" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^n\.json5:5:57: error E_TEMPLATE_TAG the template of nodes\.out: the `include` tag is not allowed/),
    ]);
    expect(JSON.stringify(r.diagnostics)).not.toMatch(/ENOENT|Failed to lookup/);
  });

  it("a range bomb is E_TEMPLATE_LIMIT when rendered, and at compile time", () => {
    const bomb = "{{ prompt }}{% for i in (1..100000000) %}{{ x }}{% endfor %}";
    expect(() => renderTemplate(bomb, { x: "a", prompt: "p" })).toThrow(expect.objectContaining({ code: "E_TEMPLATE_LIMIT" }));
    expect(trialRender(bomb, ["x", "prompt"])?.code).toBe("E_TEMPLATE_LIMIT");
    const text = net(`  inputs: ["x"],\n  nodes: { out: { type: "layer", from: ["x"], template: "${bomb}" } },\n  output: "out",`);
    expect(codes(text)).toEqual(["E_TEMPLATE_LIMIT@5:57"]);
  });

  it("a named template that is a bomb is reported where the template is written", () => {
    const text = net(
      `  inputs: ["x"],\n  templates: { t: "{{ prompt }}{% for i in (1..30000000) %}{{ x }}{% endfor %}" },\n  nodes: { out: { type: "layer", from: ["x"], template: "t" } },\n  output: "out",`,
    );
    expect(codes(text)).toEqual(["E_TEMPLATE_LIMIT@5:19"]);
  });

  it("a bomb that depends on its input fails that sample's node with E_TEMPLATE_LIMIT", () => {
    const source = "{{ prompt }}{% for i in (1..x) %}{{ i }}{% endfor %}";
    expect(trialRender(source, ["x", "prompt"])).toBeUndefined(); // a one-word stand-in loops zero times
    expect(renderNodeTemplate(source, templateVariables(["x"], ["3"], "p"), "out")).toBe("p123");
    let error: unknown;
    try {
      renderNodeTemplate(source, templateVariables(["x"], [String(TEMPLATE_LIMITS.memoryLimit * 2)], "p"), "out");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({ code: "E_TEMPLATE_LIMIT", node: "out" });
    expect((error as Error).message).toMatch(/node "out".*allocates more than 20,000,000.*\(template line 1, column \d+\)/);
  });
});

describe("numbers and fixed words", () => {
  it.each([
    ['models: { m: { provider: "sim", model: "tasks", timeoutMs: 1e300 } }', "train: {}"],
    ['models: { m: { provider: "sim", model: "tasks" } }', "train: { promptSamples: 1000000000 }"],
    ['models: { m: { provider: "sim", model: "tasks" } }', "train: { hiddenSamples: 1e9 }"],
    ['models: { m: { provider: "sim", model: "tasks" } }', "train: { memory: 1e9 }"],
  ])("%s / %s is E_OUT_OF_RANGE at the number", (models, train) => {
    const text = `{ name: "t", ${models}, inputs: ["x"], nodes: { y: { type: "layer", from: ["x"] } }, output: "y",\n  ${train} }`;
    const r = compileNetwork(text, { file: "n.json5" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E_OUT_OF_RANGE"]);
    expect(at(r.diagnostics, 0).message).toMatch(/must be <= \d+/);
    expect(at(r.diagnostics, 0).line).toBeGreaterThan(0);
  });

  it("${VAR} in `api` says which fields may use ${VAR}", () => {
    const text = `{ name: "t", models: { m: { provider: "openai", model: "gpt", api: "\${DLN_API}" } }, inputs: ["x"], nodes: { y: { type: "layer", from: ["x"] } }, output: "y" }`;
    const r = compileNetwork(text, { file: "n.json5" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics[0]).toMatchObject({ code: "E_BAD_VALUE", line: 1, column: 68 });
    expect(at(r.diagnostics, 0).message).toMatch(/cannot use \$\{VAR\}.*"chat", "completions", "auto".*only free-text model fields \(model, baseURL, apiKey/);
  });
});

describe("dln validate", () => {
  async function validate(args: string[], stdin = "") {
    const out = new PassThrough();
    let stdout = "";
    out.on("data", (d) => (stdout += d));
    const code = await runCli(["node", "dln", "validate", ...args], {
      stdout: out,
      stderr: new PassThrough(),
      stdin: Readable.from([stdin]),
      cwd: process.cwd(),
      env: {},
    });
    return { code, stdout };
  }

  it("a file with an include tag does not stop the next file from being checked", async () => {
    const r = await validate(["test/fixtures/hostile/networks/template-include.json5", "networks/dln-1.json5"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^test\/fixtures\/hostile\/networks\/template-include\.json5:\d+:\d+: error E_TEMPLATE_TAG /m);
    expect(r.stdout).toContain("✓ networks/dln-1.json5");
  });

  it("- reads the network from standard input and names it <stdin>", async () => {
    const bad = net(`  inputs: ["x"],\n  nodes: { toString: { type: "layer", from: ["x"] } },\n  output: "toString",`);
    const r = await validate(["-"], bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:5:12: error E_UNSAFE_NAME /);
    const good = await validate(["-"], net(`  inputs: ["x"],\n  nodes: { y: { type: "layer", from: ["x"] } },\n  output: "y",`));
    expect(good).toEqual({ code: 0, stdout: "✓ <stdin>\n" });
  });
});
