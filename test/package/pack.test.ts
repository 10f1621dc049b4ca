/**
 * The published package, as a user gets it: `npm pack`, unpacked into an empty project whose
 * node_modules holds only the package's declared `dependencies` (linked from this checkout: the
 * test is offline), then used from an ES module, from the `dln` binary, and from TypeScript
 * (type-checked with the project's tsc). Needs a fresh dist/ (`npm test` builds it first).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at, only } from "../helpers/indexing.js";

const ROOT = resolve(".");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  files: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  license: string;
};
const tmp = mkdtempSync(join(tmpdir(), "dln-pack-"));
const project = join(tmp, "consumer");
const installed = join(project, "node_modules", "dln");
let packed: string[] = [];

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  const built = existsSync(join(ROOT, "dist/index.js")) && statSync(join(ROOT, "dist/index.js")).mtimeMs >= newest(join(ROOT, "src"));
  if (!built) execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT });
  // --ignore-scripts: dist/ is fresh, `prepare` need not build it again.
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "error" },
  });
  const info = only(JSON.parse(out) as { filename: string; files: { path: string }[] }[]);
  packed = info.files.map((f) => f.path);
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(tmp, info.filename), "-C", installed, "--strip-components=1"]);
  // What `npm install dln` would add: the declared dependencies, and nothing else.
  for (const dep of [...Object.keys(pkg.dependencies), "@types/node"]) {
    const target = realpathSync(join(ROOT, "node_modules", dep));
    mkdirSync(dirname(join(project, "node_modules", dep)), { recursive: true });
    symlinkSync(target, join(project, "node_modules", dep), "dir");
  }
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { dln: "0.1.0" } }));
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the npm package", () => {
  it("holds the license, every folder `files` names, and no source map pointing at a missing file", () => {
    expect(pkg.license).toBe("MIT");
    expect(packed).toContain("LICENSE");
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the dln authors\n/);
    for (const entry of pkg.files)
      expect(
        packed.some((p) => p === entry || p.startsWith(`${entry}/`)),
        `files: "${entry}" ships nothing`,
      ).toBe(true);
    const maps = packed.filter((p) => p.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(installed, map), "utf8")) as { sources: string[] };
      for (const s of sources) if (!existsSync(resolve(dirname(join(installed, map)), s))) missing.push(`${map} → ${s}`);
    }
    expect(missing).toEqual([]);
  });

  it("declares only dependencies that dist/ imports", () => {
    const imported = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".js"))
          for (const m of readFileSync(p, "utf8").matchAll(/(?:from|import\()\s*["']([^"'.][^"']*)["']/g)) {
            const specifier = at(m, 1);
            imported.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : at(specifier.split("/"), 0));
          }
      }
    };
    walk(join(installed, "dist"));
    expect(Object.keys(pkg.dependencies).filter((d) => !imported.has(d))).toEqual([]);
  });

  it("works from an ES module: a network of the package compiled and run on the simulator", () => {
    writeFileSync(
      join(project, "use.mjs"),
      `
import { loadNetwork } from "dln";
const file = new URL("./node_modules/dln/networks/dln-2.json5", import.meta.url).pathname;
const graph = await loadNetwork(file, { models: { "*": { provider: "sim", model: "tasks" } }, cache: { mode: "off" } });
const [r] = await graph.runAll([{ x: "Moves: 2 north, 2 south. Do you end where you started?" }]);
await graph.close();
console.log(JSON.stringify({ name: graph.name, output: r.output }));
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ["use.mjs"], { cwd: project, encoding: "utf8" })) as { name: string; output: string };
    expect(out.name).toBe("dln-2");
    expect(["yes", "no"]).toContain(out.output);
  });

  it("its binary validates a network", () => {
    const out = execFileSync(process.execPath, [join(installed, "bin/dln.js"), "validate", join(installed, "networks/dln-2.json5")], {
      cwd: project,
      encoding: "utf8",
    });
    expect(out).toBe(`✓ ${join(installed, "networks/dln-2.json5")}\n`);
  });

  it("type-checks from TypeScript (NodeNext, strict)", () => {
    writeFileSync(
      join(project, "use.ts"),
      `
import { compile, exportRun, loadNetworkFile, type Graph, type NetworkSpec, type TrainResult } from "dln";
// Declarations that failed to resolve would be \`any\` (skipLibCheck hides their errors): make that an error.
type IsAny<T> = 0 extends 1 & T ? true : false;
const resolved: [IsAny<NetworkSpec>, IsAny<TrainResult>, IsAny<Graph>, IsAny<Awaited<ReturnType<typeof exportRun>>>] = [false, false, false, false];
const spec: NetworkSpec = { name: "t", models: { default: { provider: "sim", model: "tasks" } }, inputs: ["x"], nodes: { y: { type: "layer", from: ["x"], prompt: "Answer." } }, output: "y" };
const graph: Graph = compile(spec, { cache: { mode: "off" } });
const names: readonly string[] = graph.inputs;
const checked = await loadNetworkFile("net.json5");
const best: TrainResult["bestPrompts"] | undefined = undefined;
// @ts-expect-error a layer's prompt is a string
const wrong: NetworkSpec = { ...spec, nodes: { y: { type: "layer", from: ["x"], prompt: 3 } } };
export { resolved, names, checked, best, wrong };
`,
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        files: ["use.ts"],
      }),
    );
    let out: string;
    try {
      out = execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(out).toBe("");
  }, 180_000);
});
