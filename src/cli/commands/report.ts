/**
 * `dln report <run-dir>`: the self-contained HTML report of a training run (docs/report.md).
 * Thin: the library's writeReport does the work; this parses flags and prints where it wrote.
 *
 * Exit status: 0 written, 1 the report could not be made, 2 usage error (no such run directory).
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, exitCodeOf, formatError } from "../exit.js";
import { writeReport } from "../../report/index.js";

export function registerReport(program: Command, ctx: CliContext): void {
  program
    .command("report")
    .description("write the HTML report of a training run: network drawing, curves, prompt diffs, candidates, usage, results")
    .argument("<run-dir>", "run directory of `dln train` (holds events.jsonl and result.json)")
    .option("-o, --output <file>", "where to write the report (default <run-dir>/report.html)")
    .option("--network <file>", "the network file, to draw it when the run directory does not hold a copy")
    .addHelpText(
      "after",
      `
Exit status: 0 written, 1 the report could not be made, 2 usage error.

Examples:
  $ dln report runs/dln-2-20240101-120000                 writes runs/dln-2-20240101-120000/report.html
  $ dln report runs/last --output /tmp/report.html --network networks/dln-2.json5`,
    )
    .action(async (runDir: string, opts: { output?: string; network?: string }) => {
      try {
        const path = await writeReport(resolve(ctx.cwd, runDir), {
          cwd: ctx.cwd,
          ...(opts.output !== undefined ? { output: resolve(ctx.cwd, opts.output) } : {}),
          ...(opts.network !== undefined ? { network: resolve(ctx.cwd, opts.network) } : {}),
        });
        ctx.stderr.write(`dln report: wrote ${path}\n`);
        ctx.exitCode = EXIT.ok;
      } catch (err) {
        ctx.stderr.write(formatError(err, "dln report"));
        ctx.exitCode = exitCodeOf(err);
      }
    });
}
