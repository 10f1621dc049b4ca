import type { Command } from "commander";
import type { CliContext } from "../context.js";

// Placeholder until the command lands; see the open issues.
export function registerEval(program: Command, ctx: CliContext): void {
  program
    .command("eval")
    .description("(not available yet)")
    .action(() => {
      ctx.stderr.write("dln eval: not available yet\n");
      ctx.exitCode = 1;
    });
}
