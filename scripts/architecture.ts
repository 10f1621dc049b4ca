/**
 * Draws src/'s folders and who imports whom, from the imports themselves, into CONTRIBUTING.md
 * (a Mermaid flowchart between the `architecture` markers).
 *
 *   npm run architecture                     rewrite the drawing
 *   npx tsx scripts/architecture.ts --check  exit 1 if the drawing is stale (npm run lint runs this)
 *
 * dependency-cruiser collapses every module to its folder (src/graph.ts and friends stay files);
 * the drawing keeps only the edges that no longer path implies (a transitive reduction), so the
 * layers read top to bottom. The rules that forbid an import are in .dependency-cruiser.cjs.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DOC = join(ROOT, "CONTRIBUTING.md");
const START = "<!-- architecture: drawn by scripts/architecture.ts from the imports; do not edit by hand -->";
const END = "<!-- /architecture -->";

interface Cruised {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string }> }>;
}

/** Folder (or top-level file) → the folders and files it imports, as dependency-cruiser sees them. */
function importsByFolder(): Map<string, Set<string>> {
  const bin = join(ROOT, "node_modules", ".bin", "depcruise");
  const json = execFileSync(bin, ["src", "--config", ".dependency-cruiser.cjs", "--collapse", "^src/[^/]+", "--output-type", "json"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const cruised = JSON.parse(json) as Cruised;
  const graph = new Map<string, Set<string>>();
  for (const m of cruised.modules) {
    const from = m.source.replace(/^src\//, "");
    const to = graph.get(from) ?? new Set<string>();
    for (const d of m.dependencies) {
      const target = d.resolved.replace(/^src\//, "");
      if (target !== from && d.resolved.startsWith("src/")) to.add(target);
    }
    graph.set(from, to);
  }
  return graph;
}

/** The edges u → v for which no other path leads from u to v. */
function transitiveReduction(graph: Map<string, Set<string>>): Array<[string, string]> {
  const reach = new Map<string, Set<string>>();
  const reachable = (node: string): Set<string> => {
    const known = reach.get(node);
    if (known) return known;
    const out = new Set<string>();
    for (const next of graph.get(node) ?? []) {
      out.add(next);
      for (const further of reachable(next)) out.add(further);
    }
    reach.set(node, out);
    return out;
  };
  const edges: Array<[string, string]> = [];
  for (const [from, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    for (const to of [...targets].sort()) {
      const viaOther = [...targets].some((other) => other !== to && reachable(other).has(to));
      if (!viaOther) edges.push([from, to]);
    }
  }
  return edges;
}

function mermaid(graph: Map<string, Set<string>>): string {
  const id = (name: string) => name.replace(/\W/g, "_");
  const label = (name: string) => (name.endsWith(".ts") ? name : `${name}/`);
  const lines = ["```mermaid", "flowchart TB"];
  for (const name of [...graph.keys()].sort()) lines.push(`  ${id(name)}["${label(name)}"]`);
  for (const [from, to] of transitiveReduction(graph)) lines.push(`  ${id(from)} --> ${id(to)}`);
  lines.push("```");
  return lines.join("\n");
}

const doc = readFileSync(DOC, "utf8");
const start = doc.indexOf(START);
const end = doc.indexOf(END);
if (start < 0 || end < start) {
  process.stderr.write(`scripts/architecture.ts: CONTRIBUTING.md has no "${START}" … "${END}" section to draw into\n`);
  process.exit(2);
}
const drawn = `${doc.slice(0, start + START.length)}\n${mermaid(importsByFolder())}\n${doc.slice(end)}`;
if (process.argv.includes("--check")) {
  if (drawn !== doc) {
    process.stderr.write("CONTRIBUTING.md: the drawing of src/ no longer matches the imports; run `npm run architecture` and commit the result\n");
    process.exit(1);
  }
} else if (drawn !== doc) {
  writeFileSync(DOC, drawn);
  process.stdout.write("CONTRIBUTING.md: drawing of src/ updated\n");
}
