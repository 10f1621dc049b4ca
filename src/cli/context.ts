import type { Readable, Writable } from "node:stream";

/** What a command may touch: its streams, working directory and environment (tests pass their own). */
export interface CliContext {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C (bin/dln.js): long commands stop cleanly, keeping what they finished. */
  signal?: AbortSignal;
  /** Set by the command: 0 success, 1 the work failed, 2 usage error. */
  exitCode: number;
}

/** Colours only when the stream is a terminal and NO_COLOR is not set (https://no-color.org). */
export function useColor(ctx: CliContext, stream: "stdout" | "stderr" = "stdout"): boolean {
  return Boolean(ctx[stream].isTTY) && !("NO_COLOR" in ctx.env && ctx.env.NO_COLOR !== "") && ctx.env.TERM !== "dumb";
}
