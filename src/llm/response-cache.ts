/** What the cache middleware needs of a response store (src/llm/cache-store.ts, src/llm/cache-postgres.ts). */
import type { ProviderMemory } from "./types.js";

/** The `client` column of what providers remember about their endpoints (capability probes). */
export const PROVIDER_MEMORY_CLIENT = "provider-memory";

/** What the cache middleware needs of a store. Asynchronous, so a store may be remote. */
export interface ResponseCache {
  /** Where the responses are kept, for messages: a file path, or a database URL without its password. */
  readonly where: string;
  get<T>(key: string): Promise<T | undefined>;
  /** First writer wins: two runs racing on the same request store one answer. */
  put(key: string, client: string, request: string, response: unknown): Promise<void>;
  /** What providers remember about their endpoints, synchronously (the rows of client `provider-memory`). */
  readonly memory: ProviderMemory;
  close(): Promise<void>;
}

/** A connection URL with its password hidden (secrets never reach messages). */
export function redactPassword(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
