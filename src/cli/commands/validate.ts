import type { Command } from "commander";
import type { CliContext } from "../context.js";

// Placeholder until the command lands; see the open issues.
export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command("validate")
    .description("(not available yet)")
    .action(() => {
      ctx.stderr.write("dln validate: not available yet\n");
      ctx.exitCode = 1;
    });
}
