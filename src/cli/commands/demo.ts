import type { Command } from "commander";
import type { CliContext } from "../context.js";

// Placeholder until the command lands; see the open issues.
export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("(not available yet)")
    .action(() => {
      ctx.stderr.write("dln demo: not available yet\n");
      ctx.exitCode = 1;
    });
}
