import type { Command } from "commander";
import type { CliContext } from "../context.js";

// Placeholder until the command lands; see the open issues.
export function registerTrain(program: Command, ctx: CliContext): void {
  program
    .command("train")
    .description("(not available yet)")
    .action(() => {
      ctx.stderr.write("dln train: not available yet\n");
      ctx.exitCode = 1;
    });
}
