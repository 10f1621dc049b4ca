import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNetworkFile } from "../../src/compile/index.js";
import { runCli } from "../../src/cli/main.js";
import { createRegistry, parseModelOverrides, UsageError } from "../../src/cli/shared.js";
import { capture } from "../helpers/capture.js";
import { key } from "../helpers/indexing.js";

describe("--model overrides", () => {
  it("parses name=provider:model and drops endpoint settings only when the provider changes", async () => {
    const r = await loadNetworkFile(resolve("networks/dln-2.json5"));
    if (!r.ok) throw new Error("dln-2 should compile");
    const registry = createRegistry(r.network, { cwd: ".", env: {} } as never, { model: ["*=sim:tasks", "bwd=openai:gpt-4.1-mini"], cache: "off" }, "test");
    expect(registry.spec("fwd")).toMatchObject({ provider: "sim", model: "tasks", temperature: 0 });
    expect(registry.spec("fwd").apiKey).toBeUndefined();
    expect(registry.spec("fwd").baseURL).toBeUndefined();
    // Same provider: the endpoint settings stay.
    expect(registry.spec("bwd")).toMatchObject({ provider: "openai", model: "gpt-4.1-mini", apiKey: "${OPENAI_API_KEY}" });
    expect(() => parseModelOverrides(["nope=sim:tasks"], r.network)).toThrow(UsageError);
    expect(() => parseModelOverrides(["fwd=gpt"], r.network)).toThrow(/name=provider:model/);
  });

  it("resolves a llama model path typed on the command line against the working directory", async () => {
    const r = await loadNetworkFile(resolve("networks/dln-2.json5"));
    if (!r.ok) throw new Error("dln-2 should compile");
    const cwd = mkdtempSync(join(tmpdir(), "dln-model-path-"));
    const registry = createRegistry(r.network, { cwd, env: {} } as never, { model: ["*=llama:./models/x.gguf"], cache: "off" }, "test");
    expect(registry.spec("fwd").model).toBe(join(cwd, "models", "x.gguf"));
    // URIs and absolute paths are kept as typed.
    expect(key(parseModelOverrides(["*=llama:hf:user/repo/x.gguf"], r.network, cwd), "*").model).toBe("hf:user/repo/x.gguf");
    expect(key(parseModelOverrides(["*=llama:/abs/x.gguf"], r.network, cwd), "*").model).toBe("/abs/x.gguf");
    // The command looks for the file where the user typed it from, not beside the network file.
    const out = capture();
    const err = capture();
    writeFileSync(join(cwd, "in.jsonl"), JSON.stringify({ x: "Moves: 1 north. Do you end where you started?" }) + "\n");
    const code = await runCli(
      ["node", "dln", "run", resolve("networks/dln-2.json5"), "--input", "in.jsonl", "--model", "*=llama:./models/x.gguf", "--cache", "off"],
      { stdout: out.stream, stderr: err.stream, cwd, env: {} },
    );
    // A model that cannot load is a configuration error, reported once before the first sample.
    expect(code).toBe(2);
    expect(out.text()).toBe("");
    expect(err.text()).toContain('model "fwd" cannot be used');
    expect(err.text()).toContain(`${join(cwd, "models", "x.gguf")} does not exist`);
    expect(err.text()).not.toContain(join(resolve("networks"), "models", "x.gguf"));
  });

  it("lets an OpenAI network run on the simulator without any API key", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "dln-model-"));
    writeFileSync(join(cwd, "in.jsonl"), JSON.stringify({ x: "Moves: 2 north, 2 south. Do you end where you started?" }) + "\n");
    const out = capture();
    const err = capture();
    const code = await runCli(["node", "dln", "run", resolve("networks/dln-2.json5"), "--input", "in.jsonl", "--model", "*=sim:tasks", "--cache", "off"], {
      stdout: out.stream,
      stderr: err.stream,
      cwd,
      env: {},
    });
    expect(err.text()).not.toMatch(/OPENAI_API_KEY/);
    expect(code).toBe(0);
    const line = JSON.parse(out.text().trim());
    expect(["yes", "no"]).toContain(line.output);
  });
});
