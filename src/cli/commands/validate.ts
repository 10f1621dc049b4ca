/**
 * `dln validate <files...>`: compiles each network file and reports every diagnostic, one per
 * line as `file:line:column: error CODE message`. Exit 0 when all are valid, 1 when any is
 * invalid, 2 when a file cannot be read (a usage error).
 */
import type { Command } from "commander";
import pc from "picocolors";
import { compileNetwork, formatDiagnostic, loadNetworkFile, type CompileResult, type Diagnostic } from "../../compile/index.js";
import { useColor, type CliContext } from "../context.js";
import { EXIT } from "../exit.js";
import { errorMessage } from "../../util/errors.js";

export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command("validate")
    .description("check network files: JSON5 syntax, the schema, names, templates and cycles")
    .argument("<files...>", "network files (JSON5); - reads one from standard input (named <stdin>)")
    .option("--json", "print the results as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ dln validate networks/*.json5
  $ dln validate my-net.json5 --json
  $ cat my-net.json5 | dln validate -

Exit status: 0 all valid, 1 some file is invalid, 2 a file cannot be read.`,
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      const colors = pc.createColors(useColor(ctx));
      const results: Array<{ file: string; valid: boolean; diagnostics: Diagnostic[] }> = [];
      let unreadable = false;
      for (const file of files) {
        const result = await checkOne(file, ctx);
        const diagnostics = result.ok ? result.warnings : result.diagnostics;
        if (!result.ok && diagnostics.some((d) => d.code === "E_READ")) unreadable = true;
        results.push({ file: file === "-" ? STDIN_NAME : file, valid: result.ok, diagnostics });
      }
      if (opts.json) {
        ctx.stdout.write(`${JSON.stringify({ valid: results.every((r) => r.valid), files: results }, null, 2)}\n`);
      } else {
        for (const r of results) {
          for (const d of r.diagnostics) {
            const line = formatDiagnostic(d);
            const target = d.code === "E_READ" ? ctx.stderr : ctx.stdout;
            target.write(`${d.severity === "error" ? colors.red(line) : colors.yellow(line)}\n`);
          }
          if (r.valid) ctx.stdout.write(`${colors.green("✓")} ${r.file}\n`);
        }
      }
      ctx.exitCode = unreadable ? EXIT.usage : results.every((r) => r.valid) ? EXIT.ok : EXIT.failed;
    });
}

/**
 * One file's result. Nothing a file contains may stop the other files from being checked: an
 * unexpected failure becomes that file's E_INTERNAL diagnostic.
 */
async function checkOne(file: string, ctx: CliContext): Promise<CompileResult> {
  const name = file === "-" ? STDIN_NAME : file;
  try {
    if (file !== "-") return await loadNetworkFile(file, { cwd: ctx.cwd });
    return compileNetwork(await readAll(ctx.stdin), { file: name, baseDir: ctx.cwd, cwd: ctx.cwd });
  } catch (err) {
    const message = `checking the network failed unexpectedly: ${errorMessage(err)}`;
    return { ok: false, diagnostics: [{ severity: "error", code: "E_INTERNAL", message, file: name, line: 0, column: 0, path: "" }] };
  }
}

/** What `dln validate -` calls standard input in its diagnostics. */
const STDIN_NAME = "<stdin>";

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
