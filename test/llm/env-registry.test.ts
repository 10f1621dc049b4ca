import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { expandEnv, resolveModelSpec } from "../../src/llm/env.js";
import { MissingEnvVarError } from "../../src/llm/errors.js";
import { ModelRegistry } from "../../src/llm/registry.js";
import { FAST_RETRY } from "./support.js";
import { key } from "../helpers/indexing.js";
import { said } from "../helpers/said.js";

describe("expandEnv", () => {
  it("expands ${VAR} and ${VAR:-default}", () => {
    const env = { A: "x", EMPTY: "" };
    expect(expandEnv("a=${A} b=${B:-dflt} e=${EMPTY:-fallback} z=${A:-unused}", env)).toBe("a=x b=dflt e=fallback z=x");
    expect(expandEnv("no vars $A {A}", env)).toBe("no vars $A {A}");
    expect(expandEnv("${B:-}", env)).toBe("");
  });

  it("names a missing variable and the model", () => {
    expect(() => resolveModelSpec({ provider: "openai", model: "gpt", apiKey: "${NOPE_KEY}" }, {}, "fwd")).toThrow(MissingEnvVarError);
    try {
      resolveModelSpec({ provider: "openai", model: "gpt", apiKey: "${NOPE_KEY}" }, {}, "fwd");
    } catch (e) {
      expect((e as Error).message).toMatch(/NOPE_KEY.*"fwd"/);
      expect((e as MissingEnvVarError).code).toBe("E_MISSING_ENV");
    }
  });

  it("expands every string of a model spec, nested ones too", () => {
    const spec = resolveModelSpec(
      {
        provider: "openai",
        model: "${M:-m1}",
        headers: { h: "${H}" },
        endpoints: [{ baseURL: "${U}/v1" }],
        stop: ["${S:-.}"],
      },
      { H: "hv", U: "http://x" },
    );
    expect(spec).toEqual({ provider: "openai", model: "m1", headers: { h: "hv" }, endpoints: [{ baseURL: "http://x/v1" }], stop: ["."] });
  });
});

describe("ModelRegistry", () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(() => server.close());

  it("builds clients lazily, expands env at first use, memoises, and accounts usage per model", async () => {
    const registry = new ModelRegistry(
      {
        fwd: { provider: "openai", model: "${MODEL:-fake}", baseURL: "${BASE}", apiKey: "${KEY}", api: "chat", temperature: 0 },
        bwd: { provider: "openai", model: "fake", baseURL: "${MISSING_BASE}" },
      },
      {
        baseDir: ".",
        env: { BASE: server.baseURL, KEY: "sk-test-registry-0001" },
        cache: { mode: "off" },
        retry: FAST_RETRY,
        overrides: { fwd: { maxTokens: 2 } },
      },
    );
    const fwd = await registry.get("fwd");
    expect(await registry.get("fwd")).toBe(fwd);
    await fwd.generate({ prompt: "hi" });
    expect(server.stats.received.at(-1)!.body).toMatchObject({ model: "fake", max_tokens: 2, temperature: 0 });
    expect(server.stats.received.at(-1)!.headers.authorization).toBe("Bearer sk-test-registry-0001");
    expect(key(registry.usage().byModel, "fwd").requests).toBe(1);
    await expect(registry.get("bwd")).rejects.toThrow(/MISSING_BASE.*"bwd"/);
    expect(await said(registry.get("nope"))).toMatch(/No model named "nope".*fwd, bwd/s);
    await registry.close();
  });

  it("explains how to get the llama provider when it cannot load", async () => {
    const registry = new ModelRegistry({ l: { provider: "llama", model: "./missing.gguf" } }, { baseDir: ".", cache: { mode: "off" } });
    // Either node-llama-cpp is installed (the model file is then what is missing) or the message says how to install it.
    await expect(registry.get("l").then((c) => c.generate({ prompt: "x" }))).rejects.toThrow(/node-llama-cpp|missing\.gguf|not found|no such file|ENOENT/i);
    await registry.close();
  });
});
