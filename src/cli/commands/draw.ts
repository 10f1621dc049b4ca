import type { Command } from "commander";
import type { CliContext } from "../context.js";

// Placeholder until the command lands; see the open issues.
export function registerDraw(program: Command, ctx: CliContext): void {
  program
    .command("draw")
    .description("(not available yet)")
    .action(() => {
      ctx.stderr.write("dln draw: not available yet\n");
      ctx.exitCode = 1;
    });
}
