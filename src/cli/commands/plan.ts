/**
 * `dln plan <file>`: the execution plan of a network: its topological generations and, for each
 * node, its kind, parents, children, model and whether it is trainable. `--json` prints the
 * `Plan` documented in docs/network-files.md.
 */
import type { Command } from "commander";
import pc from "picocolors";
import { formatDiagnostic, loadNetworkFile, planOf, type Plan } from "../../compile/index.js";
import { useColor, type CliContext } from "../context.js";
import { EXIT } from "../exit.js";
import { getOrThrow } from "../../util/lookup.js";

export function registerPlan(program: Command, ctx: CliContext): void {
  program
    .command("plan")
    .description("show the execution plan of a network: generations in order, and each node's parents, children, model, trainability")
    .argument("<file>", "network file (JSON5)")
    .option("--json", "print the plan as JSON (shape documented in docs/network-files.md)")
    .addHelpText(
      "after",
      `
Examples:
  $ dln plan networks/dln-2.json5
  $ dln plan networks/wide.json5 --json | jq '.generations'`,
    )
    .action(async (file: string, opts: { json?: boolean }) => {
      const result = await loadNetworkFile(file, { cwd: ctx.cwd });
      const colors = pc.createColors(useColor(ctx, "stderr"));
      const diagnostics = result.ok ? result.warnings : result.diagnostics;
      for (const d of diagnostics) {
        const line = formatDiagnostic(d);
        ctx.stderr.write(`${d.severity === "error" ? colors.red(line) : colors.yellow(line)}\n`);
      }
      if (!result.ok) {
        ctx.exitCode = result.diagnostics.some((d) => d.code === "E_READ") ? EXIT.usage : EXIT.failed;
        return;
      }
      const plan = planOf(result.network);
      ctx.stdout.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan, pc.createColors(useColor(ctx))));
      ctx.exitCode = EXIT.ok;
    });
}

/** The plan as a table per generation. */
function renderPlan(plan: Plan, colors: ReturnType<typeof pc.createColors>): string {
  const count = plan.nodes.length;
  const lines = [
    `${colors.bold(plan.name)}: ${count} node${count === 1 ? "" : "s"} in ${plan.generations.length} generation${plan.generations.length === 1 ? "" : "s"}; inputs: ${plan.inputs.join(", ")}; output: ${plan.output}`,
  ];
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const width = Math.max(...plan.nodes.map((n) => n.id.length));
  plan.generations.forEach((generation, i) => {
    lines.push("", colors.cyan(`generation ${i + 1}`));
    for (const id of generation) {
      const n = getOrThrow(byId, id, "plan node");
      const parts = [
        n.id.padEnd(width),
        n.kind.padEnd(8),
        `from ${n.parents.join(", ")}`,
        `→ ${n.children.length ? n.children.join(", ") : id === plan.output ? "(output)" : "(nothing)"}`,
      ];
      if (n.model !== null) parts.push(`model ${n.model}`);
      if (n.template !== null) parts.push(`template ${n.template}`);
      if (n.kind === "ensemble") parts.push(`aggregate ${typeof n.aggregate === "object" ? `judge ${n.aggregate.judge}` : n.aggregate}`);
      if (n.kind === "layer") parts.push(n.trainable ? colors.green("trainable") : colors.dim("frozen"));
      lines.push(`  ${parts.join("  ")}`);
    }
  });
  return `${lines.join("\n")}\n`;
}
