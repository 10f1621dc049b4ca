/**
 * Starts bench/server-process.ts as a child process and gives the benchmark a small handle on it:
 * its baseURL, its request statistics, a reset, and close. The child is always ended by close()
 * (and by the parent's exit, since it leaves when the IPC channel closes).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { RemoteStats, ServerMessage } from "./server-process.js";

export interface RemoteServer {
  baseURL: string;
  stats(): Promise<RemoteStats>;
  reset(): Promise<void>;
  setLatency(ms: number): Promise<void>;
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./server-process.ts", import.meta.url));
const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Extra node flags for the server process, e.g. DLN_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" to profile it. */
function extraNodeArgs(): string[] {
  return (process.env.DLN_BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
}

export async function startRemoteServer(latencyMs: number): Promise<RemoteServer> {
  const child: ChildProcess = fork(SCRIPT, [String(latencyMs)], {
    cwd: REPO,
    execArgv: ["--import", "tsx", ...extraNodeArgs()],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const next = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => (cleanup(), reject(new Error(`fake server process: no "${type}" reply within 30 s`))), 30_000);
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        cleanup();
        resolve(m as T);
      };
      const onExit = (code: number | null) => (cleanup(), reject(new Error(`fake server process exited (code ${code}) before "${type}"`)));
      const cleanup = () => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
    });
  const ask = <T>(message: ServerMessage, type: string): Promise<T> => {
    const answer = next<T>(type);
    child.send(message);
    return answer;
  };
  const ready = await next<{ baseURL: string }>("ready");
  return {
    baseURL: ready.baseURL,
    stats: async () => (await ask<{ stats: RemoteStats }>({ type: "stats" }, "stats")).stats,
    reset: async () => void (await ask({ type: "reset" }, "reset")),
    setLatency: async (ms) => void (await ask({ type: "latency", ms }, "latency")),
    close: async () => {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      await ask({ type: "close" }, "closed").catch(() => undefined);
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
