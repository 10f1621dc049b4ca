/**
 * `dln compare <run-dir | sweep-dir>…`: one self-contained HTML page comparing training runs
 * (docs/sweeps.md). Thin: the library's writeCompare does the work.
 *
 * Exit status: 0 written, 1 the page could not be made, 2 usage error (no such directory, no run).
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, exitCodeOf, formatError } from "../exit.js";
import { writeCompare } from "../../sweep/compare.js";

export function registerCompare(program: Command, ctx: CliContext): void {
  program
    .command("compare")
    .description("compare training runs on one HTML page: settings, accuracy, tokens, cost, curves, best prompts")
    .argument("<dirs...>", "run directories (of `dln train`) or sweep folders (of `dln sweep`)")
    .option("-o, --output <file>", "where to write the page", "compare.html")
    .addHelpText(
      "after",
      `
Exit status: 0 written, 1 the page could not be made, 2 usage error.

Examples:
  $ dln compare runs/seeds                                 every point of a sweep
  $ dln compare runs/dln-1-a runs/dln-1-b -o /tmp/compare.html`,
    )
    .action(async (dirs: string[], opts: { output: string }) => {
      try {
        const path = await writeCompare(
          dirs.map((d) => resolve(ctx.cwd, d)),
          resolve(ctx.cwd, opts.output),
        );
        ctx.stderr.write(`dln compare: wrote ${path}\n`);
        ctx.exitCode = EXIT.ok;
      } catch (err) {
        ctx.stderr.write(formatError(err, "dln compare"));
        ctx.exitCode = exitCodeOf(err);
      }
    });
}
