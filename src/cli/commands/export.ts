/**
 * `dln export <run-dir>`: the trained network as one file, the network file with the run's best
 * prompts written in (comments and formatting kept). Thin: the library's exportRun does the work.
 *
 * Exit status: 0 written, 1 the exported network would not validate, 2 usage error.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, exitCodeOf, formatError } from "../exit.js";
import { exportRun } from "../../export.js";

export function registerExport(program: Command, ctx: CliContext): void {
  program
    .command("export")
    .description("write the network file of a training run with its best prompts written in, comments and formatting kept")
    .argument("<run-dir>", "run directory of `dln train` (holds best.json or result.json, and network.json5)")
    .option("-o, --output <file>", "write the network to this file instead of standard output")
    .option("--network <file>", "the network file to write the prompts into (default: the run's copy, network.json5)")
    .addHelpText(
      "after",
      `
Relative paths in the network (a llama model file) stay as written: put the exported file where the
network file was, or pass that file with --network and -o beside it.

Exit status: 0 written, 1 the exported network would not validate, 2 usage error.

Examples:
  $ dln export runs/last -o networks/dln-2-trained.json5
  $ dln export runs/last --network networks/dln-2.json5 > trained.json5
  $ dln run networks/dln-2-trained.json5 --input samples.jsonl`,
    )
    .action(async (runDir: string, opts: { output?: string; network?: string }) => {
      const output = opts.output !== undefined ? resolve(ctx.cwd, opts.output) : undefined;
      try {
        const result = await exportRun(resolve(ctx.cwd, runDir), {
          ...(opts.network !== undefined ? { network: resolve(ctx.cwd, opts.network) } : {}),
          ...(output !== undefined ? { output } : {}),
        });
        if (output !== undefined) {
          await writeFile(output, result.text);
          ctx.stderr.write(
            `dln export: wrote ${opts.output} (${result.written.length} prompt${result.written.length === 1 ? "" : "s"}: ${result.written.join(", ")})\n`,
          );
        } else {
          ctx.stdout.write(result.text);
        }
        ctx.exitCode = EXIT.ok;
      } catch (err) {
        ctx.stderr.write(formatError(err, "dln export"));
        ctx.exitCode = exitCodeOf(err);
      }
    });
}
