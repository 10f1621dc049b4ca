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
import { formatDiagnostic } from "../../compile/diagnostics.js";
import { DEFAULT_CACHE_FILE } from "../../llm/factory.js";
import { runSweep, SweepError, type SweepEvent } from "../../sweep/index.js";
import type { CliContext } from "../context.js";
import { useColor } from "../context.js";
import { createProgressBar, formatCount, formatDuration } from "../progress.js";
import type { CacheFlag } from "../shared.js";

interface SweepFlags {
  parallel: string;
  json?: boolean;
  cache: CacheFlag;
  only: string[];
}

export function registerSweep(program: Command, ctx: CliContext): void {
  program
    .command("sweep")
    .description("train every point of a sweep's grid (seeds, training settings, model settings), several at once")
    .argument("<sweep>", "sweep file (JSON5): network, data, grid, out")
    .option("--parallel <n>", "points trained at once", "1")
    .addOption(new Option("--cache <mode>", `response cache shared by every point (${DEFAULT_CACHE_FILE})`).choices(["readwrite", "readonly", "off"]).default("readwrite"))
    .option("--only <point>", "train only this point (repeatable)", (v: string, prev: string[]) => [...prev, v], [])
    .option("--json", "one JSON event per line on stdout")
    .addHelpText(
      "after",
      `
A rerun skips finished points (result.json) and resumes unfinished ones from their checkpoints.
Exit status: 0 every point finished, 1 a point failed, 2 usage error.

Examples:
  $ dln sweep sweeps/seeds.json5 --parallel 4
  $ dln sweep sweeps/seeds.json5 --json > sweep-events.jsonl
  $ dln compare runs/seeds -o compare.html`,
    )
    .action(async (file: string, flags: SweepFlags) => {
      const parallel = Number(flags.parallel);
      if (!Number.isInteger(parallel) || parallel < 1) {
        ctx.stderr.write(`dln sweep: --parallel must be a whole number ≥ 1 (got "${flags.parallel}")\n`);
        ctx.exitCode = 2;
        return;
      }
      const abort = new AbortController();
      setMaxListeners(0, abort.signal);
      const onInterrupt = (): void => abort.abort(new Error("interrupted; run the same sweep again to continue"));
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
        ctx.exitCode = summary.points.some((p) => p.status === "failed") || abort.signal.aborted ? 1 : 0;
      } catch (err) {
        view.stop();
        if (err instanceof SweepError) {
          for (const d of err.diagnostics) ctx.stderr.write(`${formatDiagnostic(d)}\n`);
          ctx.stderr.write(`dln sweep: ${err.diagnostics.length > 0 && err.message.startsWith("invalid sweep") ? `the sweep ${file} is not valid` : err.message.split("\n")[0]}\n`);
          ctx.exitCode = 2;
          return;
        }
        ctx.stderr.write(`dln sweep: ${(err as Error).message}\n`);
        ctx.exitCode = 1;
      } finally {
        ctx.signal?.removeEventListener("abort", onInterrupt);
      }
    });
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
          ctx.stdout.write(`${c.bold(`sweep ${e.sweep}`)}: ${e.points} points (${e.finished} finished earlier), ${e.parallel} at once\n  folder: ${e.out}\n`);
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
          ctx.stdout.write(`  ${c.green("✓")} ${e.point}  dev ${c.green(pct(e.devAccuracy))}  test ${pct(e.testAccuracy)}  ${formatCount(e.tokens)} tokens  $${e.cost.toFixed(4)}  ${formatDuration(e.wallTimeMs / 1000)}\n`);
          break;
        case "point-failed":
          done++;
          failed++;
          running.delete(e.point);
          ctx.stdout.write(`  ${c.red("✗")} ${e.error}\n`);
          break;
        case "sweep-done":
          ctx.stdout.write(`\n${c.bold("done")}: ${e.trained} trained, ${e.skipped} finished earlier, ${e.failed} failed; ${formatCount(e.usage.requests)} requests, ${formatCount(e.usage.cacheHits)} cache hits, $${e.usage.cost.toFixed(4)}, ${formatDuration(e.wallTimeMs / 1000)}\n`);
          break;
      }
      redraw();
    },
    stop: () => bar.stop(),
  };
}
