/**
 * The house rules of src/: which folder may import which (CONTRIBUTING.md draws the same map).
 * `npm run lint` checks them with dependency-cruiser; a new import that breaks the layering, or any
 * cycle between modules, fails the build. Lower layers never import higher ones.
 */
const layer = (from, ...to) => ({
  from: { path: `^src/${from}/` },
  to: { path: `^src/(${[from, ...to].join("|")})/` },
});
const external = { from: {}, to: { dependencyTypes: ["core", "npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "type-only"], path: "^(?!src/)" } };

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "Modules form a DAG; a cycle means a missing contract.", from: {}, to: { circular: true } },
    { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  allowed: [
    external,
    layer("util"),
    layer("text"),
    layer("network", "util"),
    layer("templates", "network", "util"),
    layer("sim", "util"),
    layer("metrics", "network", "text", "util"),
    layer("llm", "network", "sim", "text", "util"),
    layer("compile", "network", "templates", "text", "util"),
    layer("data", "compile", "metrics", "network", "text", "util"),
    layer("exec", "compile", "llm", "network", "templates", "text", "util"),
    layer("train", "compile", "data", "exec", "llm", "metrics", "network", "templates", "text", "util"),
    layer("report", "compile", "llm", "network", "train", "text", "util"),
    // The library's front door (src/graph.ts, src/export.ts): everything below it.
    { from: { path: "^src/[^/]+\\.ts$", pathNot: "^src/index\\.ts$" }, to: { path: "^src/(compile|data|exec|llm|metrics|network|report|sim|templates|text|train|util)/|^src/[^/]+\\.ts$" } },
    layer("sweep", "compile", "data", "llm", "metrics", "network", "report", "train", "text", "util"),
    { from: { path: "^src/sweep/" }, to: { path: "^src/(graph|export)\\.ts$" } },
    layer("cli", "compile", "data", "exec", "llm", "metrics", "network", "report", "sim", "sweep", "templates", "text", "train", "util"),
    { from: { path: "^src/cli/" }, to: { path: "^src/(graph|export)\\.ts$" } },
    // The package's index re-exports the public names of every folder.
    { from: { path: "^src/index\\.ts$" }, to: { path: "^src/" } },
  ],
  allowedSeverity: "error",
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".js"] },
  },
};
