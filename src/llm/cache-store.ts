/**
 * The persistent response stores behind the cache middleware. A store maps a request key (a
 * sha256 that holds no secret) to the response's JSON; a row also keeps the client id and the
 * canonical request (for inspection; neither ever contains a key or header).
 *
 * - `ResponseStore`: one SQLite file (better-sqlite3), WAL mode and a busy timeout so two runs
 *   can share it. Synchronous underneath; its async `get`/`put` answer at once.
 * - `PostgresResponseStore` (src/llm/cache-postgres.ts, loaded only when asked for): the table
 *   `dln_cache` of a PostgreSQL database, shared by every sweep worker that reaches it.
 *
 * Both implement `ResponseCache`; `openCache` opens one per file or database per process, shared
 * by every client that uses it.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PROVIDER_MEMORY_CLIENT, type ResponseCache } from "./response-cache.js";
import type { ProviderMemory } from "./types.js";

export type { ResponseCache } from "./response-cache.js";

export class ResponseStore implements ResponseCache {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { response: string }>;
  private readonly putStmt: Database.Statement<[string, string, string, string, number]>;
  readonly memory: ProviderMemory;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("busy_timeout = 10000");
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(`CREATE TABLE IF NOT EXISTS responses (
      key TEXT PRIMARY KEY,
      client TEXT NOT NULL,
      request TEXT NOT NULL,
      response TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
    this.getStmt = this.db.prepare("SELECT response FROM responses WHERE key = ?");
    this.putStmt = this.db.prepare("INSERT OR IGNORE INTO responses (key, client, request, response, created_at) VALUES (?, ?, ?, ?, ?)");
    this.memory = { get: (key) => this.getSync(key), put: (key, value) => this.putSync(key, PROVIDER_MEMORY_CLIENT, key, value) };
  }

  get where(): string {
    return this.path;
  }

  getSync<T>(key: string): T | undefined {
    const row = this.getStmt.get(key);
    return row ? (JSON.parse(row.response) as T) : undefined;
  }

  putSync(key: string, client: string, request: string, response: unknown): void {
    this.putStmt.run(key, client, request, JSON.stringify(response), Date.now());
  }

  get<T>(key: string): Promise<T | undefined> {
    try {
      return Promise.resolve(this.getSync<T>(key));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  put(key: string, client: string, request: string, response: unknown): Promise<void> {
    try {
      this.putSync(key, client, request, response);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

/** Where a cache lives: a SQLite file, or a PostgreSQL database (`postgres://…`). */
export type CacheLocation = { path: string; postgres?: undefined } | { postgres: string; path?: undefined };

interface Entry {
  ready: Promise<ResponseCache>;
  /** A SQLite store, there at once. */
  sqlite?: ResponseStore;
  users: number;
}

const opened = new Map<string, Entry>();

function holder(id: string, entry: Entry, store: ResponseCache): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--entry.users === 0) {
      if (opened.get(id) === entry) opened.delete(id);
      await store.close();
    }
  };
}

/** The SQLite file at `path`, opened once per process (synchronously), shared by every client that uses it. */
export function openStore(path: string): { store: ResponseStore; release: () => Promise<void> } {
  const id = `sqlite:${path}`;
  let entry = opened.get(id);
  let sqlite = entry?.sqlite;
  if (!entry || !sqlite) {
    sqlite = new ResponseStore(path);
    entry = { ready: Promise.resolve(sqlite), sqlite, users: 0 };
    opened.set(id, entry);
  }
  entry.users++;
  return { store: sqlite, release: holder(id, entry, sqlite) };
}

/**
 * The store at `location`, opened once per process and shared by every client that uses it; the
 * last `release` closes it (a PostgreSQL store first finishes its pending writes).
 */
export async function openCache(location: CacheLocation): Promise<{ store: ResponseCache; release: () => Promise<void> }> {
  if (location.postgres === undefined) return openStore(location.path);
  const id = `postgres:${location.postgres}`;
  let entry = opened.get(id);
  if (!entry) {
    const ready = import("./cache-postgres.js").then((m) => m.PostgresResponseStore.open(location.postgres));
    const created: Entry = { ready, users: 0 };
    entry = created;
    opened.set(id, created);
    // A store that failed to open is not kept: the next caller tries again.
    ready.catch(() => opened.get(id) === created && opened.delete(id));
  }
  entry.users++;
  let store: ResponseCache;
  try {
    store = await entry.ready;
  } catch (err) {
    entry.users--;
    throw err;
  }
  return { store, release: holder(id, entry, store) };
}
