/**
 * `dln draw <file>`: the network's graph as text (Mermaid by default, Graphviz DOT, or SVG).
 * Formats come from the DRAWERS table in src/report/draw.ts; a new format is one more entry.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { formatDiagnostic, loadNetworkFile } from "../../compile/index.js";
import { DRAWERS } from "../../report/draw.js";
import { loadPromptOverrides } from "../../exec/prompts.js";
import type { CliContext } from "../context.js";
import { EXIT, exitCodeOf, formatError } from "../exit.js";
import { UsageError } from "../shared.js";

export function registerDraw(program: Command, ctx: CliContext): void {
  program
    .command("draw")
    .description("draw a network's graph (Mermaid, Graphviz DOT, or SVG)")
    .argument("<file>", "network file (JSON5)")
    .option("-f, --format <format>", `drawing format: ${Object.keys(DRAWERS).join(", ")}`, "mermaid")
    .option("-o, --output <file>", "write the drawing to this file instead of standard output")
    .option("--prompts <run-dir>", "show trained prompts (a training run directory or a JSON file of layer id → prompt; svg)")
    .addHelpText(
      "after",
      `
Examples:
  $ dln draw networks/dln-2.json5                      Mermaid, paste into a Markdown file
  $ dln draw networks/wide.json5 --format dot | dot -Tpng -o wide.png
  $ dln draw networks/dln-2.json5 --format svg --prompts runs/last -o dln-2.svg`,
    )
    .action(async (file: string, opts: { format: string; output?: string; prompts?: string }) => {
      const drawer = DRAWERS[opts.format];
      if (!drawer) {
        const err = new UsageError(`unknown format "${opts.format}"; use one of: ${Object.keys(DRAWERS).join(", ")}`);
        ctx.stderr.write(formatError(err, "dln draw"));
        ctx.exitCode = exitCodeOf(err);
        return;
      }
      const result = await loadNetworkFile(file, { cwd: ctx.cwd });
      if (!result.ok) {
        for (const d of result.diagnostics) ctx.stderr.write(`${formatDiagnostic(d)}\n`);
        ctx.exitCode = result.diagnostics.some((d) => d.code === "E_READ") ? EXIT.usage : EXIT.failed;
        return;
      }
      let prompts: Record<string, string> | undefined;
      if (opts.prompts !== undefined) {
        try {
          prompts = await loadPromptOverrides(resolve(ctx.cwd, opts.prompts));
        } catch (err) {
          ctx.stderr.write(formatError(err, "dln draw"));
          ctx.exitCode = exitCodeOf(err);
          return;
        }
      }
      const drawing = await drawer(result.network, { prompts });
      if (opts.output) {
        await writeFile(resolve(ctx.cwd, opts.output), drawing);
        ctx.stderr.write(`dln draw: wrote ${opts.output}\n`);
      } else {
        ctx.stdout.write(drawing);
      }
      ctx.exitCode = EXIT.ok;
    });
}
