/**
 * The response cache in PostgreSQL (table dln_cache), on an embedded PostgreSQL: what one client
 * stored answers another with nothing in memory (as another worker on another machine, capability
 * probe included), the API key and headers never reach the table, and the lookups one process
 * makes at once go to the server as one query.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PostgresResponseStore } from "../../src/llm/cache-postgres.js";
import { CacheMissError } from "../../src/llm/errors.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { startTestPostgres, type TestPostgres } from "../sweep/pg.js";
import { openaiClient } from "./support.js";

const KEY = "sk-test-SECRET-pg-abcdef123456";
const HEADER_SECRET = "hdr-SECRET-pg-987654";

let db: TestPostgres;
beforeAll(async () => {
  db = await startTestPostgres("dln-cache-pg-");
}, 60_000);
afterAll(async () => {
  await db?.stop();
});

async function tableText(): Promise<string> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ text: string | null }>(
      "SELECT string_agg(key || ' ' || client || ' ' || request || ' ' || response, E'\\n') AS text FROM dln_cache",
    );
    return rows[0]?.text ?? "";
  } finally {
    await client.end();
  }
}

describe("response cache in PostgreSQL", () => {
  let server: FakeOpenAIServer;
  beforeEach(async () => {
    server = await startOpenAIServer();
    forgetCapabilities();
  });
  afterEach(async () => {
    await server.close();
    forgetCapabilities();
  });

  const make = (mode: "readwrite" | "readonly") =>
    openaiClient(server.baseURL, { apiKey: KEY, headers: { "x-secret": HEADER_SECRET } }, { cache: { mode, postgres: db.url } });

  it("answers another client with nothing in memory (another worker) from the table, its capability probe too", async () => {
    const { client } = await make("readwrite");
    const request = { prompt: "shared cache", maxTokens: 3, temperature: 0.9, sampleKey: 1 };
    const first = await client.generate(request);
    const scored = await client.score({ context: "Q:", target: " yes" });
    await client.close?.();
    expect(server.stats.requests).toBeGreaterThan(0);

    forgetCapabilities(); // a fresh process knows nothing of the endpoint
    const seen = server.stats.requests;
    const { client: other, meter } = await make("readwrite");
    const second = await other.generate(request);
    const rescored = await other.score({ context: "Q:", target: " yes" });
    expect(server.stats.requests).toBe(seen);
    expect(second.completions).toEqual(first.completions);
    expect(rescored.tokens).toEqual(scored.tokens);
    expect(second.usage).toMatchObject({ requests: 0, cacheHits: 1, promptTokens: 0 });
    expect(meter.snapshot().total.cacheHits).toBe(2);
    await other.close?.();

    const { client: replay } = await make("readonly");
    const err = await replay.generate({ prompt: "never recorded" }).catch((e) => e);
    expect(err).toBeInstanceOf(CacheMissError);
    expect(err.message).toContain("dln_cache");
    expect(err.message).not.toContain("dln:dln@"); // the URL's password is hidden
    expect(server.stats.requests).toBe(seen);
    await replay.close?.();
  });

  it("never writes the API key or a header value into the table", async () => {
    const { client } = await make("readwrite");
    await client.generate({ prompt: "secret test", maxTokens: 2 });
    await client.score({ context: "a", target: " b" });
    await client.close?.();
    // The server did receive them, so the test would notice if they leaked.
    expect(JSON.stringify(server.stats.received.map((r) => r.headers))).toContain(KEY);
    const text = await tableText();
    expect(text).toContain("secret test"); // the request is there…
    expect(text).not.toContain(KEY); // …the secrets are not
    expect(text).not.toContain(HEADER_SECRET);
    expect(text.toLowerCase()).not.toContain("authorization");
  });

  it("is shared by two connections (first writer wins) and answers many lookups at once in one query", async () => {
    const a = await PostgresResponseStore.open(db.url);
    const b = await PostgresResponseStore.open(db.url);
    try {
      await a.put("pg-k1", "c", "{}", { v: 1 });
      await b.put("pg-k1", "c", "{}", { v: 2 });
      expect(await b.get("pg-k1")).toEqual({ v: 1 });
      expect(await b.get("pg-k-missing")).toBeUndefined();

      // Fifty writes and fifty lookups made in one turn of the event loop: one query each.
      const writes = b.stats.writeQueries;
      await Promise.all(Array.from({ length: 50 }, (_, i) => b.put(`pg-many-${i}`, "c", "{}", { i })));
      expect(b.stats.writeQueries - writes).toBe(1);
      const lookups = a.stats.lookupQueries;
      const found = await Promise.all(Array.from({ length: 50 }, (_, i) => a.get<{ i: number }>(`pg-many-${i}`)));
      expect(found.map((f) => f?.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(a.stats.lookupQueries - lookups).toBe(1);

      // A write the server does not have yet is found by a lookup in the same process.
      const saving = a.put("pg-k2", "c", "{}", { v: 3 });
      expect(await a.get("pg-k2")).toEqual({ v: 3 });
      await saving;
      expect(await b.get("pg-k2")).toEqual({ v: 3 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
