/**
 * The response cache in PostgreSQL (docs/sweeps.md): the table `dln_cache` of a database, shared
 * by every sweep worker that reaches it, so a request one worker paid for is answered on every
 * other machine. Keyed as the SQLite file is, by the request key (sha256 of the client id and the
 * canonical request); the value is the response's JSON. Neither ever holds an API key or a header.
 *
 * Round trips are pooled: the lookups (and the writes) one process makes in the same turn of the
 * event loop go to the server as one query (`key = ANY($1)`, one multi-row insert), so the many
 * requests a training step fires at once cost a few round trips, not one each. A write is kept in
 * memory until the server has it, so a lookup of it in the meantime finds it. What providers
 * remember about their endpoints (capability probes) is read once when the store opens.
 */
import pg from "pg";
import { DlnError } from "../util/errors.js";
import { PROVIDER_MEMORY_CLIENT, redactPassword, type ResponseCache } from "./response-cache.js";
import type { ProviderMemory } from "./types.js";

const CACHE_TABLE = "dln_cache";

/** Keys per query: large batches are split so no statement grows without bound. */
const MAX_BATCH = 500;

const SCHEMA = `CREATE TABLE IF NOT EXISTS ${CACHE_TABLE} (
  key text PRIMARY KEY,
  client text NOT NULL,
  request text NOT NULL,
  response text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

interface Row {
  client: string;
  request: string;
  response: string;
}

interface WriteBatch {
  rows: Map<string, Row>;
  done: Promise<void>;
  settle: Waiter<void>;
}

function cacheError(where: string, doing: string, err: unknown): DlnError {
  return new DlnError("E_CACHE_STORE", `the response cache in ${where} failed ${doing}: ${redactPassword(String((err as Error)?.message ?? err))}`, {
    hint: "Check that the database is reachable, or run the worker with --cache local (this machine's file) or --cache off",
    cause: err,
  });
}

export class PostgresResponseStore implements ResponseCache {
  readonly where: string;
  readonly memory: ProviderMemory;
  /** Lookups and writes asked for, and the queries that carried them (the batching at work). */
  readonly stats = { lookups: 0, lookupQueries: 0, writes: 0, writeQueries: 0 };
  private reads = new Map<string, Array<Waiter<string | undefined>>>();
  private readScheduled = false;
  private batch: WriteBatch | undefined;
  /** Written rows the server may not have yet (a lookup answers from here first). */
  private readonly unsaved = new Map<string, Row>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  private constructor(
    url: string,
    private readonly pool: pg.Pool,
    remembered: Map<string, string>,
  ) {
    this.where = `PostgreSQL ${redactPassword(url)} (table ${CACHE_TABLE})`;
    this.memory = {
      get: <T>(key: string) => {
        const text = remembered.get(key);
        return text === undefined ? undefined : (JSON.parse(text) as T);
      },
      put: (key, value) => {
        if (remembered.has(key)) return;
        remembered.set(key, JSON.stringify(value));
        this.put(key, PROVIDER_MEMORY_CLIENT, key, value).catch(() => undefined); // a lost memory is probed again
      },
    };
  }

  /** Connects, creates the table when it is missing and reads what providers remembered. */
  static async open(url: string): Promise<PostgresResponseStore> {
    const where = `PostgreSQL ${redactPassword(url)}`;
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on("error", () => undefined); // an idle connection that drops is replaced on the next query
    try {
      const client = await pool.connect();
      try {
        // Workers starting together must not race on CREATE TABLE (it is not atomic in PostgreSQL).
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [CACHE_TABLE]);
        await client.query(SCHEMA);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      const { rows } = await pool.query<{ key: string; response: string }>(`SELECT key, response FROM ${CACHE_TABLE} WHERE client = $1`, [
        PROVIDER_MEMORY_CLIENT,
      ]);
      return new PostgresResponseStore(url, pool, new Map(rows.map((r) => [r.key, r.response])));
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw cacheError(where, "to open", err);
    }
  }

  get<T>(key: string): Promise<T | undefined> {
    if (this.closed) return Promise.reject(cacheError(this.where, "a lookup", new Error("the store is closed")));
    this.stats.lookups++;
    const pending = this.unsaved.get(key);
    if (pending) return Promise.resolve(JSON.parse(pending.response) as T);
    return new Promise<string | undefined>((resolve, reject) => {
      const waiting = this.reads.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.reads.set(key, [{ resolve, reject }]);
      if (!this.readScheduled) {
        this.readScheduled = true;
        setImmediate(() => this.flushReads());
      }
    }).then((text) => (text === undefined ? undefined : (JSON.parse(text) as T)));
  }

  put(key: string, client: string, request: string, response: unknown): Promise<void> {
    if (this.closed) return Promise.reject(cacheError(this.where, "a write", new Error("the store is closed")));
    if (!this.batch) {
      let settle!: Waiter<void>;
      const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      done.catch(() => undefined); // every put's caller gets the failure; none left unhandled
      this.batch = { rows: new Map(), done, settle };
      setImmediate(() => this.flushWrites());
    }
    this.stats.writes++;
    if (!this.batch.rows.has(key) && !this.unsaved.has(key)) {
      const row = { client, request, response: JSON.stringify(response) };
      this.batch.rows.set(key, row);
      this.unsaved.set(key, row);
    }
    return this.batch.done;
  }

  /** Finishes the pending lookups and writes, then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flushReads();
    this.flushWrites();
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.pool.end().catch(() => undefined);
  }

  private track<T>(p: Promise<T>): void {
    const tracked = p.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    void tracked.then(() => this.inFlight.delete(tracked));
  }

  private flushReads(): void {
    this.readScheduled = false;
    const batch = this.reads;
    if (batch.size === 0) return;
    this.reads = new Map();
    const waiting = [...batch];
    for (let i = 0; i < waiting.length; i += MAX_BATCH) {
      const chunk = waiting.slice(i, i + MAX_BATCH);
      this.stats.lookupQueries++;
      const keys = chunk.map(([key]) => key);
      const query = this.pool.query<{ key: string; response: string }>(`SELECT key, response FROM ${CACHE_TABLE} WHERE key = ANY($1::text[])`, [keys]).then(
        ({ rows }) => {
          const found = new Map(rows.map((r) => [r.key, r.response]));
          for (const [key, waiters] of chunk) for (const w of waiters) w.resolve(found.get(key) ?? this.unsaved.get(key)?.response);
        },
        (err: unknown) => {
          const error = cacheError(this.where, "a lookup", err);
          for (const [, waiters] of chunk) for (const w of waiters) w.reject(error);
        },
      );
      this.track(query);
    }
  }

  private flushWrites(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const entries = [...batch.rows];
    const chunks: Array<Array<[string, Row]>> = [];
    for (let i = 0; i < entries.length; i += MAX_BATCH) chunks.push(entries.slice(i, i + MAX_BATCH));
    this.stats.writeQueries += chunks.length;
    const written = Promise.all(
      chunks.map((chunk) =>
        this.pool.query(
          `INSERT INTO ${CACHE_TABLE} (key, client, request, response)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT (key) DO NOTHING`,
          [chunk.map(([k]) => k), chunk.map(([, r]) => r.client), chunk.map(([, r]) => r.request), chunk.map(([, r]) => r.response)],
        ),
      ),
    ).then(
      () => {
        for (const [key] of entries) this.unsaved.delete(key);
        batch.settle.resolve();
      },
      (err: unknown) => {
        for (const [key] of entries) this.unsaved.delete(key);
        batch.settle.reject(cacheError(this.where, "a write", err));
      },
    );
    this.track(written);
  }
}
