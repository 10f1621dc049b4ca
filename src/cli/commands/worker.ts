/**
 * `dln worker --queue postgres://…`: takes points of sweeps from the queue and trains them
 * (docs/sweeps.md). Thin: the library's runWorker does the work.
 *
 * Exit status: 0 stopped (Ctrl-C, or idle for --idle-exit seconds), 1 the worker failed, 2 usage error.
 */
import { setMaxListeners } from "node:events";
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { DEFAULT_CACHE_FILE, type CacheSettings } from "../../llm/factory.js";
import type { CliContext } from "../context.js";
import { EXIT, exitCodeOf, formatError } from "../exit.js";
import { UsageError } from "../shared.js";
import { AbortError } from "../../util/errors.js";
import { redactUrl } from "./sweep.js";

export function registerWorker(program: Command, ctx: CliContext): void {
  program
    .command("worker")
    .description("take points of sweeps from a PostgreSQL queue and train them (see dln sweep --queue)")
    .requiredOption("--queue <url>", "the queue: postgres://…, or `embedded` (the one `dln sweep --queue embedded` started on this machine)")
    .option("--parallel <n>", "points trained at once", "1")
    .addOption(
      new Option(
        "--cache <where>",
        `the response cache: shared (in the queue's database, by every worker; readwrite is another name for it), readonly (shared, a miss is an error), local (this machine's ${DEFAULT_CACHE_FILE}) or off`,
      )
        .choices(["shared", "readwrite", "readonly", "local", "off"])
        .default("shared"),
    )
    .option("--idle-exit <seconds>", "stop after this many seconds without a point (default: run until Ctrl-C)")
    .option("--json", "one JSON event per line on stdout")
    .addHelpText(
      "after",
      `
A worker killed mid-run gives its point back after the sweep's lease; another worker resumes it
from its last checkpoint. Exit status: 0 stopped, 1 failed, 2 usage error.

Examples:
  $ dln worker --queue postgres://dln:secret@db.example/dln
  $ dln worker --queue embedded --parallel 2`,
    )
    .action(async (flags: { queue: string; parallel: string; cache: WorkerCacheFlag; idleExit?: string; json?: boolean }) => {
      const parallel = Number(flags.parallel);
      const idle = flags.idleExit === undefined ? undefined : Number(flags.idleExit);
      if (!Number.isInteger(parallel) || parallel < 1 || (idle !== undefined && !(idle >= 0))) {
        const err = new UsageError(
          `--parallel must be a whole number ≥ 1 and --idle-exit a number of seconds (got ${flags.parallel} and ${flags.idleExit ?? "none"})`,
        );
        ctx.stderr.write(formatError(err, "dln worker"));
        ctx.exitCode = exitCodeOf(err);
        return;
      }
      // Ctrl-C (ctx.signal) stops the worker; every request in flight listens to the signal.
      const abort = new AbortController();
      setMaxListeners(0, abort.signal);
      const onInterrupt = (): void => abort.abort(new AbortError("interrupted"));
      ctx.signal?.addEventListener("abort", onInterrupt, { once: true });
      try {
        const { embeddedQueue, runWorker } = await import("../../sweep/queue.js");
        const url = flags.queue === "embedded" ? (await embeddedQueue(ctx.cwd, { start: false })).url : flags.queue;
        if (!flags.json) ctx.stderr.write(`dln worker: taking points from ${redactUrl(url)}\n`);
        const { trained } = await runWorker(url, {
          parallel,
          cache: workerCache(flags.cache, url, ctx.cwd),
          env: ctx.env,
          signal: abort.signal,
          idleExitSeconds: idle,
          onEvent: (e) => {
            if (flags.json) ctx.stdout.write(JSON.stringify(e) + "\n");
            else if (e.type === "point-start") ctx.stdout.write(`▸ ${e.point}${e.resumedFrom !== null ? ` (resumed after iteration ${e.resumedFrom})` : ""}\n`);
          },
        });
        if (!flags.json) ctx.stderr.write(`dln worker: stopped after training ${trained.length} point${trained.length === 1 ? "" : "s"}\n`);
        ctx.exitCode = EXIT.ok;
      } catch (err) {
        ctx.stderr.write(redactUrl(formatError(err, "dln worker")));
        ctx.exitCode = exitCodeOf(err);
      } finally {
        ctx.signal?.removeEventListener("abort", onInterrupt);
      }
    });
}

type WorkerCacheFlag = "shared" | "readwrite" | "readonly" | "local" | "off";

/** `--cache`: where a worker keeps its responses (docs/sweeps.md). */
function workerCache(flag: WorkerCacheFlag, url: string, cwd: string): CacheSettings {
  if (flag === "off") return { mode: "off" };
  if (flag === "local") return { mode: "readwrite", path: resolve(cwd, DEFAULT_CACHE_FILE) };
  return { mode: flag === "readonly" ? "readonly" : "readwrite", postgres: url };
}
