/**
 * The loopback fake OpenAI server (test/helpers/openai-server.ts) in its own process, so that its
 * CPU work (hashing tokens, JSON) does not compete with the code being measured for one event
 * loop. The parent talks to it over the IPC channel: it receives `{ url }` once listening, and
 * may send `stats`, `reset` or `close`.
 *
 * Run as a child: node --import tsx bench/server-process.ts <latencyMs>
 * It answers with bench/fast-model.ts (cheap to compute; samples vary per request).
 */
import { startOpenAIServer } from "../test/helpers/openai-server.js";
import { createFastResponder } from "./fast-model.js";

export interface RemoteStats {
  requests: number;
  byRoute: Record<string, number>;
  maxConcurrent: number;
  /** Prompts per legacy completions request, in arrival order. */
  promptsPerRequest: number[];
}

export type ServerMessage = { type: "stats" } | { type: "reset" } | { type: "close" } | { type: "latency"; ms: number };

async function main(): Promise<void> {
  const latencyMs = Number(process.argv[2] ?? 0);
  const server = await startOpenAIServer({ latencyMs, responder: createFastResponder() });
  const reply = (message: unknown) => process.send?.(message);
  process.on("message", async (m: ServerMessage) => {
    if (m.type === "stats") {
      const s = server.stats;
      reply({
        type: "stats",
        stats: { requests: s.requests, byRoute: s.byRoute, maxConcurrent: s.maxConcurrent, promptsPerRequest: s.promptsPerRequest } satisfies RemoteStats,
      });
    } else if (m.type === "reset") {
      server.resetStats();
      reply({ type: "reset" });
    } else if (m.type === "latency") {
      server.setLatency(m.ms);
      reply({ type: "latency" });
    } else if (m.type === "close") {
      await server.close();
      reply({ type: "closed" });
      process.disconnect?.();
    }
  });
  process.on("disconnect", () => void server.close().then(() => process.exit(0)));
  reply({ type: "ready", url: server.url, baseURL: server.baseURL });
}

if (process.send) void main();
