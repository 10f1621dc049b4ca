import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { CacheMissError } from "../../src/llm/errors.js";
import { ResponseStore } from "../../src/llm/cache-store.js";
import { openaiClient, tempDir } from "./support.js";

const KEY = "sk-test-SECRET-abcdef123456";
const HEADER_SECRET = "hdr-SECRET-987654";

describe("response cache", () => {
  let server: FakeOpenAIServer;
  let dir: { dir: string; cleanup: () => void };
  beforeEach(async () => {
    server = await startOpenAIServer();
    dir = tempDir();
  });
  afterEach(async () => {
    await server.close();
    dir.cleanup();
  });

  const make = (mode: "readwrite" | "readonly" | "off") =>
    openaiClient(server.baseURL, { apiKey: KEY, headers: { "x-secret": HEADER_SECRET } }, { cache: { mode, path: join(dir.dir, "cache.sqlite") } });

  it("answers a repeated request from the cache without the server seeing it, across clients", async () => {
    const { client, meter } = await make("readwrite");
    const request = { prompt: "cache me", maxTokens: 3, temperature: 0.9, sampleKey: 2 };
    const first = await client.generate(request);
    const seen = server.stats.requests;
    const second = await client.generate(request);
    expect(server.stats.requests).toBe(seen);
    expect(second.completions).toEqual(first.completions);
    expect(second.usage).toMatchObject({ requests: 0, cacheHits: 1, promptTokens: 0 });
    expect(meter.snapshot().total.cacheHits).toBe(1);
    // Another sample index is another entry.
    await client.generate({ ...request, sampleKey: 3 });
    expect(server.stats.requests).toBe(seen + 1);
    await client.close?.();

    const { client: replay } = await make("readonly");
    const third = await replay.generate(request);
    expect(third.completions).toEqual(first.completions);
    expect(server.stats.requests).toBe(seen + 1);
    await replay.close?.();
  });

  it("makes a read-only miss a typed error and sends nothing", async () => {
    const { client } = await make("readonly");
    await client.capabilities();
    const before = server.stats.requests;
    const err = await client.generate({ prompt: "never recorded" }).catch((e) => e);
    expect(err).toBeInstanceOf(CacheMissError);
    expect(err.code).toBe("E_CACHE_MISS");
    expect(server.stats.requests).toBe(before);
    await client.close?.();
  });

  it("caches scores too", async () => {
    const { client } = await make("readwrite");
    const a = await client.score({ context: "Q:", target: " yes" });
    const seen = server.stats.requests;
    const b = await client.score({ context: "Q:", target: " yes" });
    expect(b.tokens).toEqual(a.tokens);
    expect(server.stats.requests).toBe(seen);
    await client.close?.();
  });

  it("never writes the API key or a header value into the cache file", async () => {
    const { client } = await make("readwrite");
    await client.generate({ prompt: "secret test", maxTokens: 2 });
    await client.score({ context: "a", target: " b" });
    // The server did receive them, so the test would notice if they leaked.
    expect(JSON.stringify(server.stats.received.map((r) => r.headers))).toContain(KEY);
    await client.close?.();
    const files = ["cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"].map((f) => join(dir.dir, f)).filter(existsSync);
    expect(files.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f))).toString("latin1");
    expect(bytes).toContain("secret test"); // the request is there…
    expect(bytes).not.toContain(KEY); // …the secrets are not
    expect(bytes).not.toContain(HEADER_SECRET);
    expect(bytes.toLowerCase()).not.toContain("authorization");
  });

  it("is shared safely by two connections to one file (as by two runs)", async () => {
    const path = join(dir.dir, "shared.sqlite");
    const a = new ResponseStore(path);
    const b = new ResponseStore(path);
    await a.put("k1", "c", "{}", { v: 1 });
    await b.put("k1", "c", "{}", { v: 2 }); // the first writer wins
    await b.put("k2", "c", "{}", { v: 3 });
    expect(await b.get("k1")).toEqual({ v: 1 });
    expect(await a.get("k2")).toEqual({ v: 3 });
    expect(await a.get("k3")).toBeUndefined();
    await a.close();
    await b.close();
  });

  it("off mode sends every request", async () => {
    const { client } = await make("off");
    await client.capabilities();
    const before = server.stats.requests;
    await client.generate({ prompt: "z", maxTokens: 1, temperature: 0 });
    await client.generate({ prompt: "z", maxTokens: 1, temperature: 0 });
    expect(server.stats.requests - before).toBe(2);
  });
});
