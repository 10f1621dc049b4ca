/**
 * `dln sweep <sweep.json5>`: trains every point of a sweep's grid (docs/sweeps.md). Thin: the
 * library's runSweep does the work; this parses flags and renders its events (a line per point
 * and a progress line over the whole sweep, or `--json`: one event per line).
 *
 * Exit status: 0 every point finished, 1 a point failed, 2 usage error (invalid sweep file or network).
 */
import { setMaxListeners } from "node:events";
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import pc from "picocolors";
import { formatDiagnostic } from "../../network/diagnostics.js";
import { DEFAULT_CACHE_FILE } from "../../llm/factory.js";
import { expandGrid, resolveSweep, runSweep, SweepError, type SweepEvent } from "../../sweep/index.js";
import type { SweepQueue } from "../../sweep/queue.js";
import type { CliContext } from "../context.js";
import { useColor } from "../context.js";
import { createProgressBar, formatCount, formatDuration } from "../progress.js";
import { UsageError, type CacheFlag } from "../shared.js";
import { EXIT, exitCodeOf, formatError } from "../exit.js";
import { AbortError } from "../../util/errors.js";

interface SweepFlags {
  queue?: string;
  wait?: boolean;
  lease?: string;
  parallel: string;
  json?: boolean;
  cache: CacheFlag;
  only: string[];
}

export function registerSweep(program: Command, ctx: CliContext): void {
  program
    .command("sweep")
    .description("train every point of a sweep's grid (seeds, training settings, model settings), several at once")
    .argument("<sweep>", "sweep file (JSON5): network, data, grid, out; or `pull` followed by the sweep file")
    .argument("[file]", "with `pull`: the sweep file")
    .option("--parallel <n>", "points trained at once", "1")
    .addOption(
      new Option("--cache <mode>", `response cache shared by every point (${DEFAULT_CACHE_FILE})`)
        .choices(["readwrite", "readonly", "off"])
        .default("readwrite"),
    )
    .option("--only <point>", "train only this point (repeatable)", (v: string, prev: string[]) => [...prev, v], [])
    .option("--json", "one JSON event per line on stdout")
    .option("--queue <url>", "put the points on a PostgreSQL queue (postgres://…, or `embedded`) for `dln worker`s instead of training here")
    .option("--wait", "with --queue: wait until every point is finished, writing the runs into the sweep's folder")
    .option("--lease <seconds>", "with --queue: how long a worker may hold a point before another may take it over", "900")
    .addHelpText(
      "after",
      `
A rerun skips finished points (result.json) and resumes unfinished ones from their checkpoints.
Exit status: 0 every point finished, 1 a point failed, 2 usage error.

Examples:
  $ dln sweep sweeps/seeds.json5 --parallel 4
  $ dln sweep sweeps/seeds.json5 --json > sweep-events.jsonl
  $ dln compare runs/seeds -o compare.html
  $ dln sweep sweeps/seeds.json5 --queue postgres://dln@db.example/dln --wait
  $ dln sweep pull sweeps/seeds.json5 --queue postgres://dln@db.example/dln`,
    )
    .action(async (first: string, second: string | undefined, flags: SweepFlags) => {
      const pull = first === "pull" && second !== undefined;
      const file = pull ? second : first;
      if (second !== undefined && !pull) {
        ctx.exitCode = writeError(ctx, "dln sweep", new UsageError(`one sweep file at a time (got "${first}" and "${second}")`));
        return;
      }
      if (pull && !flags.queue) {
        ctx.exitCode = writeError(ctx, "dln sweep pull", new UsageError("give the queue with --queue postgres://… (or embedded)"));
        return;
      }
      if (flags.queue) {
        ctx.exitCode = await queueCommand(file, { ...flags, queue: flags.queue }, pull, ctx);
        return;
      }
      const parallel = Number(flags.parallel);
      if (!Number.isInteger(parallel) || parallel < 1) {
        ctx.exitCode = writeError(ctx, "dln sweep", new UsageError(`--parallel must be a whole number ≥ 1 (got "${flags.parallel}")`));
        return;
      }
      const abort = new AbortController();
      setMaxListeners(0, abort.signal);
      const onInterrupt = (): void => abort.abort(new AbortError("interrupted; run the same sweep again to continue"));
      ctx.signal?.addEventListener("abort", onInterrupt, { once: true });
      const view = flags.json ? jsonView(ctx) : terminalView(ctx);
      try {
        const summary = await runSweep(file, {
          cwd: ctx.cwd,
          env: ctx.env,
          parallel,
          cache: flags.cache === "off" ? { mode: "off" } : { mode: flags.cache, path: resolve(ctx.cwd, DEFAULT_CACHE_FILE) },
          signal: abort.signal,
          only: flags.only.length > 0 ? flags.only : undefined,
          onEvent: view.event,
        });
        view.stop();
        if (flags.only.length > 0) {
          const missing = flags.only.filter((n) => !summary.points.some((p) => p.name === n));
          if (missing.length > 0) ctx.stderr.write(`dln sweep: warning: --only names no point of the sweep: ${missing.join(", ")}\n`);
        }
        // An interrupted sweep ends like one with a failed point: its unfinished points are there to resume.
        ctx.exitCode = summary.points.some((p) => p.status === "failed") || abort.signal.aborted ? EXIT.failed : EXIT.ok;
      } catch (err) {
        view.stop();
        if (err instanceof SweepError) {
          for (const d of err.diagnostics) ctx.stderr.write(`${formatDiagnostic(d)}\n`);
          ctx.stderr.write(
            `dln sweep: ${err.diagnostics.length > 0 && err.message.startsWith("invalid sweep") ? `the sweep ${file} is not valid` : err.message.split("\n")[0]}\n`,
          );
          ctx.exitCode = exitCodeOf(err);
          return;
        }
        ctx.exitCode = writeError(ctx, "dln sweep", err);
      } finally {
        ctx.signal?.removeEventListener("abort", onInterrupt);
      }
    });
}

/** Writes `err` to standard error (connection URLs without their password) and returns its exit status. */
function writeError(ctx: CliContext, command: string, err: unknown): number {
  ctx.stderr.write(redactUrl(formatError(err, command)));
  return exitCodeOf(err);
}

/** Hides the password of a connection URL (secrets never reach logs). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

async function queueCommand(file: string, flags: SweepFlags & { queue: string }, pull: boolean, ctx: CliContext): Promise<number> {
  const lease = Number(flags.lease);
  if (!Number.isFinite(lease) || lease < 1)
    return writeError(ctx, "dln sweep", new UsageError(`--lease must be a number of seconds ≥ 1 (got "${flags.lease}")`));
  let sweep;
  try {
    sweep = await resolveSweep(file, ctx.cwd);
  } catch (err) {
    if (err instanceof SweepError) {
      for (const d of err.diagnostics) ctx.stderr.write(`${formatDiagnostic(d)}\n`);
      ctx.stderr.write(`dln sweep: the sweep ${file} is not valid\n`);
      return exitCodeOf(err);
    }
    throw err;
  }
  // The port a fresh embedded PostgreSQL listens on (default 54329).
  const portText = ctx.env.DLN_EMBEDDED_PORT;
  const port = portText === undefined || portText === "" ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    return writeError(ctx, "dln sweep", new UsageError(`DLN_EMBEDDED_PORT must be a port number from 1 to 65535 (got "${portText}")`));
  }
  // Loaded only here: the other commands never pay for pg-boss and pg.
  const { embeddedQueue, SweepQueue } = await import("../../sweep/queue.js");
  const embedded = flags.queue === "embedded" ? await embeddedQueue(ctx.cwd, { port }) : undefined;
  const url = embedded?.url ?? flags.queue;
  const view = flags.json ? jsonView(ctx) : terminalView(ctx);
  const started = performance.now();
  let queue: SweepQueue | undefined;
  try {
    queue = await SweepQueue.open(url, { leaseSeconds: lease });
    if (pull) {
      const id = await queue.idOf(sweep);
      if (!id) {
        return writeError(
          ctx,
          "dln sweep pull",
          new UsageError(`the queue at ${url} holds no sweep like ${file}`, { hint: `submit it with dln sweep ${file} --queue …` }),
        );
      }
      const { finished, unfinished } = await queue.pull(sweep, id);
      ctx.stdout.write(
        `pulled ${finished.length} finished point${finished.length === 1 ? "" : "s"} and ${unfinished.length} checkpoint${unfinished.length === 1 ? "" : "s"} into ${sweep.out}\n`,
      );
      return EXIT.ok;
    }
    const { id, queued, finished } = await queue.submit(sweep);
    const total = queued.length + finished.length;
    if (!flags.json)
      ctx.stdout.write(
        `queued ${queued.length} point${queued.length === 1 ? "" : "s"} of sweep ${id} on ${redactUrl(url)} (${finished.length} finished earlier); train them with: dln worker --queue ${flags.queue === "embedded" ? "embedded" : redactUrl(url)}\n`,
      );
    const wait = flags.wait || embedded !== undefined;
    if (!wait) return EXIT.ok;
    view.event({
      time: new Date().toISOString(),
      type: "sweep-start",
      sweep: sweep.name,
      out: sweep.out,
      points: expandGrid(sweep).length,
      finished: finished.length,
      parallel: 0,
    });
    const abort = new AbortController();
    const onInterrupt = (): void => abort.abort();
    ctx.signal?.addEventListener("abort", onInterrupt, { once: true });
    try {
      // The usage is what the points' runs spent (on the workers), finished earlier or not.
      const usage = { requests: 0, promptTokens: 0, completionTokens: 0, cacheHits: 0, cost: 0 };
      const done = await queue.wait(sweep, id, { onEvent: view.event, signal: abort.signal, usage });
      view.event({
        time: new Date().toISOString(),
        type: "sweep-done",
        points: total,
        trained: done.length,
        skipped: 0,
        failed: 0,
        usage,
        wallTimeMs: performance.now() - started,
      });
      return abort.signal.aborted ? EXIT.failed : EXIT.ok;
    } finally {
      ctx.signal?.removeEventListener("abort", onInterrupt);
    }
  } catch (err) {
    return writeError(ctx, "dln sweep", err);
  } finally {
    view.stop();
    await queue?.close();
    await embedded?.stop();
  }
}

interface View {
  event(e: SweepEvent): void;
  stop(): void;
}

function jsonView(ctx: CliContext): View {
  return { event: (e) => ctx.stdout.write(JSON.stringify(e) + "\n"), stop: () => undefined };
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? "–" : `${(100 * x).toFixed(1)}%`);

/** A line per point on stdout; on stderr (a terminal) a progress line over the sweep: points done, running points' iterations. */
function terminalView(ctx: CliContext): View {
  const bar = createProgressBar(ctx, { label: "sweep" });
  const c = pc.createColors(useColor(ctx));
  let total = 0;
  let done = 0;
  let failed = 0;
  let tokens = 0;
  const running = new Map<string, string>();
  const redraw = (): void => bar.update({ done, total, failed, tokens, note: [...running.entries()].map(([p, it]) => `${p} ${it}`).join(" · ") });
  return {
    event(e) {
      switch (e.type) {
        case "sweep-start":
          total = e.points;
          ctx.stdout.write(
            `${c.bold(`sweep ${e.sweep}`)}: ${e.points} point${e.points === 1 ? "" : "s"} (${e.finished} finished earlier), ${e.parallel > 0 ? `${e.parallel} at once` : "trained by workers"}\n  folder: ${e.out}\n`,
          );
          break;
        case "point-skip":
          done++;
          ctx.stdout.write(c.dim(`  = ${e.point}  finished earlier  dev ${pct(e.devAccuracy)}  test ${pct(e.testAccuracy)}\n`));
          break;
        case "point-start":
          running.set(e.point, `0/${e.iterations}`);
          ctx.stdout.write(`  ▸ ${e.point}${e.resumedFrom !== null ? ` (resumed after iteration ${e.resumedFrom})` : ""}\n`);
          break;
        case "point-iteration":
          running.set(e.point, `${e.iteration}/${e.iterations}`);
          break;
        case "point-done":
          done++;
          tokens += e.tokens;
          running.delete(e.point);
          ctx.stdout.write(
            `  ${c.green("✓")} ${e.point}  dev ${c.green(pct(e.devAccuracy))}  test ${pct(e.testAccuracy)}  ${formatCount(e.tokens)} tokens  $${e.cost.toFixed(4)}  ${formatDuration(e.wallTimeMs / 1000)}\n`,
          );
          break;
        case "point-failed":
          done++;
          failed++;
          running.delete(e.point);
          ctx.stdout.write(`  ${c.red("✗")} ${e.error}\n`);
          break;
        case "sweep-done":
          ctx.stdout.write(
            `\n${c.bold("done")}: ${e.trained} trained, ${e.skipped} finished earlier, ${e.failed} failed; ${formatCount(e.usage.requests)} requests, ${formatCount(e.usage.cacheHits)} cache hits, $${e.usage.cost.toFixed(4)}, ${formatDuration(e.wallTimeMs / 1000)}\n`,
          );
          break;
      }
      redraw();
    },
    stop: () => bar.stop(),
  };
}
