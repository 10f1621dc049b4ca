import type { Command } from "commander";
import type { CliContext } from "../context.js";

// Placeholder until the command lands; see the open issues.
export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command("run")
    .description("(not available yet)")
    .action(() => {
      ctx.stderr.write("dln run: not available yet\n");
      ctx.exitCode = 1;
    });
}
