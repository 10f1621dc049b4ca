/**
 * The persistent response store behind the cache middleware: one SQLite file (better-sqlite3),
 * WAL mode and a busy timeout so two runs can share it. A row holds the request key, the
 * canonical request (for inspection; it never contains a key or header) and the response.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

export class ResponseStore {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { response: string }>;
  private readonly putStmt: Database.Statement<[string, string, string, string, number]>;

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
    // First writer wins: two runs racing on the same request store one answer.
    this.putStmt = this.db.prepare("INSERT OR IGNORE INTO responses (key, client, request, response, created_at) VALUES (?, ?, ?, ?, ?)");
  }

  get<T>(key: string): T | undefined {
    const row = this.getStmt.get(key);
    return row ? (JSON.parse(row.response) as T) : undefined;
  }

  put(key: string, client: string, request: string, response: unknown): void {
    this.putStmt.run(key, client, request, JSON.stringify(response), Date.now());
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const stores = new Map<string, { store: ResponseStore; users: number }>();

/** One open connection per file per process, shared by every client that uses it. */
export function openStore(path: string): { store: ResponseStore; release: () => void } {
  let entry = stores.get(path);
  if (!entry) {
    entry = { store: new ResponseStore(path), users: 0 };
    stores.set(path, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    store: held.store,
    release: () => {
      if (released) return;
      released = true;
      if (--held.users === 0) {
        held.store.close();
        if (stores.get(path) === held) stores.delete(path);
      }
    },
  };
}
