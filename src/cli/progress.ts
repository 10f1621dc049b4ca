/**
 * A one-line progress bar on stderr: done/total, samples per second, ETA, tokens and errors.
 * Drawn only when stderr is a terminal (logs and pipes stay clean), redrawn at most every
 * `intervalMs`, coloured unless NO_COLOR. Used by `dln run`; any long command can reuse it.
 */
import pc from "picocolors";
import { useColor, type CliContext } from "./context.js";

export interface ProgressState {
  done: number;
  /** Unknown for a stream: then no bar and no ETA. */
  total?: number;
  failed?: number;
  tokens?: number;
  /** Extra text at the end of the line (e.g. the current iteration). */
  note?: string;
}

export interface ProgressBar {
  update(state: ProgressState): void;
  /** Draws the final state and ends the line (or does nothing when not drawing). */
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  intervalMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /** Draw even when stderr is not a terminal (tests). */
  force?: boolean;
}

const BAR_WIDTH = 24;

export function createProgressBar(ctx: CliContext, options: ProgressOptions): ProgressBar {
  if (!options.force && !ctx.stderr.isTTY) return { update() {}, stop() {} };
  const colors = pc.createColors(useColor(ctx, "stderr"));
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const started = now();
  let lastDraw = -Infinity;
  let state: ProgressState = { done: 0 };
  let drawn = false;

  const draw = (): void => {
    const elapsed = (now() - started) / 1000;
    const line = formatProgressLine(options.label, state, elapsed, colors);
    const width = ctx.stderr.columns ?? 120;
    ctx.stderr.write(`\r\x1b[2K${line.length > width + 20 ? line.slice(0, width + 20) : line}`);
    drawn = true;
  };

  return {
    update(next) {
      state = next;
      const t = now();
      if (t - lastDraw >= interval) {
        lastDraw = t;
        draw();
      }
    },
    stop() {
      draw();
      if (drawn) ctx.stderr.write("\n");
    },
  };
}

type Colors = ReturnType<typeof pc.createColors>;

/** The text of one progress line (exported for tests). */
export function formatProgressLine(label: string, s: ProgressState, elapsedSec: number, colors: Colors = pc.createColors(false)): string {
  const rate = elapsedSec > 0 ? s.done / elapsedSec : 0;
  const parts = [colors.bold(label)];
  if (s.total !== undefined && s.total > 0) {
    const filled = Math.min(BAR_WIDTH, Math.round((s.done / s.total) * BAR_WIDTH));
    parts.push(`${colors.cyan("█".repeat(filled))}${colors.dim("░".repeat(BAR_WIDTH - filled))}`, `${s.done}/${s.total}`);
  } else parts.push(`${s.done}`);
  parts.push(`${rate.toFixed(rate >= 100 ? 0 : 1)}/s`);
  if (s.total !== undefined && s.total > s.done && rate > 0) parts.push(`ETA ${formatDuration((s.total - s.done) / rate)}`);
  if (s.tokens !== undefined) parts.push(`${formatCount(s.tokens)} tokens`);
  if (s.failed) parts.push(colors.red(`${s.failed} error${s.failed === 1 ? "" : "s"}`));
  if (s.note) parts.push(s.note);
  return parts.join("  ");
}

/** 45s, 3m05s, 2h07m. */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return "?";
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** 950, 12.3k, 4.5M. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}
