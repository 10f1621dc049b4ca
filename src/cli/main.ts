/**
 * The `dln` command: a thin shell over the library. Each command lives in src/cli/commands/ and
 * registers itself on the program; it returns its exit status instead of calling process.exit,
 * so the commands can be run in-process by tests.
 *
 * Exit status (src/cli/exit.ts, the one mapping): 0 success, 1 the work failed (invalid network for
 * validate, failed samples, …), 2 usage error, 130 interrupted.
 */
import { Command, CommanderError } from "commander";
import type { CliContext } from "./context.js";
import { EXIT, exitCodeOf, formatError } from "./exit.js";
import { registerValidate } from "./commands/validate.js";
import { registerPlan } from "./commands/plan.js";
import { registerDraw } from "./commands/draw.js";
import { registerRun } from "./commands/run.js";
import { registerTrain } from "./commands/train.js";
import { registerEval } from "./commands/eval.js";
import { registerDemo } from "./commands/demo.js";
import { registerReport } from "./commands/report.js";
import { registerSweep } from "./commands/sweep.js";
import { registerCompare } from "./commands/compare.js";
import { registerWorker } from "./commands/worker.js";
import { registerExport } from "./commands/export.js";

export const VERSION = "0.1.0";

export function buildProgram(ctx: CliContext): Command {
  const program = new Command("dln")
    .description("Deep Language Networks: declare stacks of LLM calls in JSON5, run them, train their prompts")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .addHelpText(
      "after",
      `
Examples:
  $ dln validate networks/*.json5          check network files
  $ dln plan networks/dln-2.json5          show the execution order
  $ dln run networks/dln-2.json5 --input samples.jsonl
  $ dln train networks/dln-2.json5 --data data.jsonl
  $ dln export runs/last -o trained.json5  the trained network as one file
  $ dln demo                               train a 2-layer network offline, no API key needed

Environment:
  OPENAI_API_KEY, OPENAI_BASE_URL   used by models with provider "openai"
  NO_COLOR                          disables colours`,
    );
  for (const register of [
    registerValidate,
    registerPlan,
    registerDraw,
    registerRun,
    registerTrain,
    registerEval,
    registerDemo,
    registerReport,
    registerSweep,
    registerCompare,
    registerWorker,
    registerExport,
  ]) {
    register(program, ctx);
  }
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Runs the command line and resolves to the exit status. */
export async function runCli(argv: string[], partial: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = {
    stdout: partial.stdout ?? process.stdout,
    stderr: partial.stderr ?? process.stderr,
    stdin: partial.stdin ?? process.stdin,
    cwd: partial.cwd ?? process.cwd(),
    env: partial.env ?? process.env,
    signal: partial.signal,
    exitCode: 0,
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its own message (or the help) already.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT.ok;
      return exitCodeOf(err);
    }
    ctx.stderr.write(formatError(err, "dln"));
    return exitCodeOf(err);
  }
}
