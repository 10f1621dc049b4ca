import type { Command } from "commander";
import type { CliContext } from "../context.js";

// Placeholder until the command lands; see the open issues.
export function registerPlan(program: Command, ctx: CliContext): void {
  program
    .command("plan")
    .description("(not available yet)")
    .action(() => {
      ctx.stderr.write("dln plan: not available yet\n");
      ctx.exitCode = 1;
    });
}
