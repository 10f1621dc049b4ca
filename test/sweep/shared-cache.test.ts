/**
 * The response cache shared in PostgreSQL by sweep workers (issue 17: "the rerun must send no
 * request"): a 2 × 1 sweep on the loopback OpenAI-compatible server (answering from the
 * simulator) is trained through the queue by `dln worker` in one folder; the same sweep, queued
 * again under another name so that every point is trained again, by a fresh worker in another
 * folder (nothing on its disk, nothing in its memory) sends no request to the server and gives
 * the same results. A third worker with `--cache local` (its own SQLite file) does send requests:
 * what answered the second one was the database. The API key reaches no table.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { resolveSweep } from "../../src/sweep/index.js";
import { SweepQueue } from "../../src/sweep/queue.js";
import type { TrainResult } from "../../src/train/trainer.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { simResponder } from "../helpers/sim-responder.js";
import { writeFixture } from "./fixture.js";
import { startTestPostgres, type TestPostgres } from "./pg.js";
import { at } from "../helpers/indexing.js";

const KEY = "sk-test-SECRET-shared-cache-4242";
const dir = mkdtempSync(join(tmpdir(), "dln-shared-cache-"));
let db: TestPostgres;
let server: FakeOpenAIServer;

beforeAll(async () => {
  db = await startTestPostgres("dln-shared-cache-pg-");
  server = await startOpenAIServer({ responder: simResponder({ seed: 0 }) });
  writeFixture(dir);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
  forgetCapabilities();
});

/** The same sweep under another name: its points are trained again. */
function sweepFile(name: string): string {
  const file = join(dir, `${name}.json5`);
  writeFileSync(
    file,
    `{
      name: "${name}",
      network: "net.json5",
      data: "data.jsonl",
      caps: { train: 12, dev: 8, test: 8 },
      models: { "*": { provider: "openai", model: "sim-model", baseURL: "${server.baseURL}", apiKey: "\${DLN_TEST_KEY}", concurrency: 4 } },
      train: { iterations: 1 },
      grid: { seed: [1, 2] },
      out: "out-${name}",
    }`,
  );
  return file;
}

/** `dln worker` in a folder of its own, as on a fresh machine: it trains what is queued and stops when idle. */
async function worker(name: string, cache?: string): Promise<{ code: number; out: string; cwd: string }> {
  forgetCapabilities(); // a fresh process knows nothing of the endpoint
  const cwd = join(dir, `machine-${name}`);
  mkdirSync(cwd, { recursive: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (out += d));
  const args = ["node", "dln", "worker", "--queue", db.url, "--idle-exit", "1", "--json", ...(cache ? ["--cache", cache] : [])];
  const code = await runCli(args, { stdout, stderr, cwd, env: { DLN_TEST_KEY: KEY } });
  return { code, out, cwd };
}

async function results(queue: SweepQueue, id: string): Promise<Record<string, Pick<TrainResult, "devAccuracy" | "testAccuracy" | "bestPrompts" | "history">>> {
  const { rows } = await queue.pool.query<{ point: string; result: string | null }>("SELECT point, result FROM dln_run WHERE sweep = $1 ORDER BY point", [id]);
  return Object.fromEntries(
    rows.map((r) => {
      expect(r.result, `point ${r.point} of ${id} finished`).not.toBeNull();
      const { devAccuracy, testAccuracy, bestPrompts, history } = JSON.parse(r.result!) as TrainResult;
      return [r.point, { devAccuracy, testAccuracy, bestPrompts, history }];
    }),
  );
}

describe("the response cache shared in PostgreSQL", () => {
  it("a fresh worker on another machine trains the same sweep again and sends no request; --cache local does", async () => {
    const queue = await SweepQueue.open(db.url);
    try {
      // 1. The sweep, trained through the queue by a worker with the default cache (shared).
      const first = await queue.submit(await resolveSweep(sweepFile("first")));
      expect(first.queued).toHaveLength(2);
      const one = await worker("a");
      expect(one.code, one.out).toBe(0);
      const paid = server.stats.requests;
      expect(paid).toBeGreaterThan(0);
      const trained = await results(queue, first.id);
      expect(Object.keys(trained)).toEqual(["seed=1", "seed=2"]);
      // Running it again trains nothing (its points are finished).
      expect((await queue.submit(await resolveSweep(sweepFile("first")))).queued).toEqual([]);

      // 2. The same sweep trained again, by a fresh worker in an empty folder: no request at all.
      const second = await queue.submit(await resolveSweep(sweepFile("second")));
      expect(second.queued).toHaveLength(2);
      const two = await worker("b");
      expect(two.code, two.out).toBe(0);
      expect(server.stats.requests - paid, "requests the second run sent").toBe(0);
      expect(await results(queue, second.id)).toEqual(trained);
      expect(readdirSync(two.cwd)).toEqual([]); // it kept nothing on its disk

      // 3. The control: a worker with a cache of its own pays again.
      const third = await queue.submit(await resolveSweep(sweepFile("third")));
      const three = await worker("c", "local");
      expect(three.code, three.out).toBe(0);
      expect(server.stats.requests - paid).toBeGreaterThan(0);
      expect(await results(queue, third.id)).toEqual(trained);

      // The key reached the server (so a leak would show) but no table.
      expect(JSON.stringify(server.stats.received.map((r) => r.headers))).toContain(KEY);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string; text: string }>(
          "SELECT count(*) AS n, string_agg(key || client || request || response, '') AS text FROM dln_cache",
        );
        expect(Number(at(rows, 0).n)).toBeGreaterThan(0);
        expect(at(rows, 0).text).not.toContain(KEY);
        const { rows: runs } = await client.query<{ text: string }>("SELECT string_agg(dln_run::text, '') AS text FROM dln_run");
        const { rows: sweeps } = await client.query<{ text: string }>("SELECT string_agg(spec::text, '') AS text FROM dln_sweep");
        expect(at(runs, 0).text + at(sweeps, 0).text).not.toContain(KEY);
      } finally {
        await client.end();
      }
    } finally {
      await queue.close();
    }
  }, 120_000);
});
