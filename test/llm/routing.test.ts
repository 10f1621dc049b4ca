import { afterEach, describe, expect, it } from "vitest";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { openaiClient } from "./support.js";

describe("several endpoints behind one model", () => {
  const servers: FakeOpenAIServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function pool(latencyMs = 0) {
    const [a, b] = await Promise.all([startOpenAIServer({ latencyMs }), startOpenAIServer({ latencyMs })]);
    servers.push(a, b);
    const { client } = await openaiClient("", { api: "chat", scoring: "classes", endpoints: [{ baseURL: a.baseURL }, { baseURL: b.baseURL }] });
    await client.capabilities();
    a.resetStats();
    b.resetStats();
    return { a, b, client };
  }

  it("spreads load to the least busy endpoint", async () => {
    const { a, b, client } = await pool(10);
    await Promise.all(Array.from({ length: 20 }, (_x, i) => client.generate({ prompt: `q${i}`, maxTokens: 1 })));
    expect(a.stats.answered.chat + b.stats.answered.chat).toBe(20);
    expect(a.stats.answered.chat).toBeGreaterThanOrEqual(5);
    expect(b.stats.answered.chat).toBeGreaterThanOrEqual(5);
    expect(client.id).toMatch(/^openai:fake-model@\{127\.0\.0\.1:\d+\/v1,127\.0\.0\.1:\d+\/v1\}$/);
  });

  it("fails over when one endpoint is down, losing nothing", async () => {
    const { a, b, client } = await pool();
    a.setFaults({ decide: () => ({ kind: "503" }) });
    const results = await Promise.all(Array.from({ length: 10 }, (_x, i) => client.generate({ prompt: `q${i}`, maxTokens: 1 })));
    expect(results).toHaveLength(10);
    expect(b.stats.answered.chat).toBe(10);
    expect(a.stats.answered.chat).toBe(0);
    expect(a.stats.requests).toBeGreaterThan(0); // it was tried, then avoided
    expect(a.stats.requests).toBeLessThan(10);
  });

  it("fails over from a dropped connection", async () => {
    const { a, b, client } = await pool();
    a.setFaults({ decide: () => ({ kind: "drop" }) });
    b.setFaults({ at: { 1: { kind: "500" } } });
    const r = await client.generate({ prompt: "x", maxTokens: 1 });
    expect(r.completions).toHaveLength(1);
    expect(a.stats.answered.chat + b.stats.answered.chat).toBe(1);
  });
});
