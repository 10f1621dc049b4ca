import type { Command } from "commander";
import type { CliContext } from "../context.js";

// Placeholder until the command lands; see the open issues.
export function registerReport(program: Command, ctx: CliContext): void {
  program
    .command("report")
    .description("(not available yet)")
    .action(() => {
      ctx.stderr.write("dln report: not available yet\n");
      ctx.exitCode = 1;
    });
}
