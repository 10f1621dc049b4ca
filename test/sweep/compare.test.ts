import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildCompare, buildCompareModel, CompareError, findRuns, readRun } from "../../src/sweep/compare.js";
import { at } from "../helpers/indexing.js";

const dir = mkdtempSync(join(tmpdir(), "dln-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const usage = (tokens: number, cost = 0) => ({ requests: 1, promptTokens: tokens, completionTokens: 0, cacheHits: 0, cost });
const config = (seed: number, promptSamples: number, iterations = 2) => ({
  preset: "dln-1",
  iterations,
  batchSize: 4,
  promptSamples,
  seed,
  heldOut: true,
  budget: {},
});

/** A finished run as `dln sweep` leaves it: result.json and point.json. */
function finished(name: string, seed: number, promptSamples: number, dev: number, test: number, tokens: number, prompt = "Answer.") {
  const d = join(dir, "sweep", name);
  mkdirSync(d, { recursive: true });
  writeFileSync(
    join(d, "point.json"),
    JSON.stringify({ version: 1, sweep: "s", name, network: "/n.json5", settings: { seed, "train.promptSamples": promptSamples } }),
  );
  writeFileSync(
    join(d, "result.json"),
    JSON.stringify({
      version: 1,
      network: "net",
      runDir: d,
      seed,
      stopReason: "completed",
      iterations: 2,
      bestIteration: 2,
      bestPrompts: { y: prompt },
      initialPrompts: { y: "Answer the question." },
      initialDevAccuracy: 0.25,
      devAccuracy: dev,
      testAccuracy: test,
      sizes: { train: 10, dev: 4, test: 4 },
      usage: { train: usage(tokens, 0.01), test: usage(100) },
      wallTimeMs: 1500,
      history: [
        { iteration: 1, trainAccuracy: 0.5, devAccuracy: dev - 0.1 },
        { iteration: 2, trainAccuracy: 0.6, devAccuracy: dev },
      ],
      config: config(seed, promptSamples),
      versions: { dln: "0.1.0", node: "v20" },
    }),
  );
  return name;
}

const names = [
  finished("seed=1,train.promptSamples=2", 1, 2, 0.5, 0.5, 1000),
  finished("seed=1,train.promptSamples=4", 1, 4, 0.75, 0.7, 2000, "Name the class. <script>window.__pwned=1</script>"),
  finished("seed=2,train.promptSamples=2", 2, 2, 0.7, 0.6, 1100),
  finished("seed=2,train.promptSamples=4", 2, 4, 0.75, 0.8, 2100),
];
writeFileSync(
  join(dir, "sweep", "sweep.json"),
  JSON.stringify({ version: 1, name: "s", networks: ["/n.json5"], grid: {}, points: names.map((name) => ({ name, network: "/n.json5", settings: {} })) }),
);

// An unfinished run of plain `dln train` (events only, one iteration of three).
const loose = join(dir, "loose");
mkdirSync(loose, { recursive: true });
const t = "2024-01-01T00:00:00Z";
writeFileSync(
  join(loose, "events.jsonl"),
  [
    { time: t, type: "start", network: "net", seed: 9, iterations: 3, config: config(9, 2, 3) },
    { time: t, type: "validation", iteration: 0, split: "dev", accuracy: 0.25, n: 4, best: 0.25, improved: true },
    { time: t, type: "choice", iteration: 1, param: "y", previous: "a", prompt: "Half-way prompt", changed: true, score: 1 },
    { time: t, type: "validation", iteration: 1, split: "dev", accuracy: 0.5, n: 4, best: 0.5, improved: true },
    {
      time: t,
      type: "iteration",
      iteration: 1,
      iterations: 3,
      trainAccuracy: 0.5,
      devAccuracy: 0.5,
      bestDevAccuracy: 0.5,
      usage: usage(300),
      elapsedMs: 900,
      failures: 0,
    },
  ]
    .map((e) => JSON.stringify(e))
    .join("\n") + "\n{ broken line",
);

const rowsOf = (html: string, table: string) => (at(at(html.split(`id="${table}"`), 1).split("</table>"), 0).match(/<tr class="(run|group)"/g) ?? []).length;

describe("dln compare", () => {
  it("finds the runs of a sweep folder in grid order, and a run directory itself", () => {
    expect(findRuns([join(dir, "sweep"), loose]).map((d) => d.slice(dir.length + 1))).toEqual([...names.map((n) => `sweep/${n}`), "loose"]);
    expect(() => findRuns([join(dir, "nope")])).toThrow(CompareError);
    expect(() => findRuns([dir + "/sweep/../"])).not.toThrow();
  });

  it("reads an unfinished run from its events", () => {
    const r = readRun(loose);
    expect(r).toMatchObject({
      finished: false,
      iterations: { done: 1, total: 3 },
      devAccuracy: 0.5,
      testAccuracy: null,
      tokens: 300,
      bestPrompts: { y: "Half-way prompt" },
    });
    expect(r.curve).toEqual([
      { iteration: 0, accuracy: 0.25 },
      { iteration: 1, accuracy: 0.5 },
    ]);
  });

  it("columns are the settings that differ; groups average over seeds with the sample sd", () => {
    const m = buildCompareModel(findRuns([join(dir, "sweep")]).map(readRun));
    expect(m.differing).toEqual(["seed", "train.promptSamples"]);
    expect(m.groups.map((g) => [g.settings, g.seeds, g.runs.length])).toEqual([
      [{ "train.promptSamples": 2 }, [1, 2], 2],
      [{ "train.promptSamples": 4 }, [1, 2], 2],
    ]);
    expect(at(m.groups, 0).test.mean).toBeCloseTo(0.55, 10);
    expect(at(m.groups, 0).test.sd).toBeCloseTo(Math.SQRT2 * 0.05, 10);
    expect(at(m.groups, 1).dev).toEqual({ mean: 0.75, sd: 0 });
  });

  it("renders one self-contained page: every run in the table, the scatter and the curves; prompts stay text", () => {
    const html = buildCompare([join(dir, "sweep"), loose], { now: new Date("2024-05-01T00:00:00Z") });
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(rowsOf(html, "runs-table")).toBe(5);
    for (const n of names) expect(html).toContain(`data-run="${n}"`);
    expect(html).toContain("unfinished (1/3)");
    // The loose run differs from the sweep's runs only by its seed (and iterations): it joins their group.
    expect(rowsOf(html, "groups-table")).toBe(3);
    expect(html).toContain("75.0% ± 7.1");
    expect((at(at(html.split('id="chart-scatter"'), 1).split("</svg>"), 0).match(/<circle class="pt/g) ?? []).length).toBe(5);
    expect((at(at(html.split('id="chart-curves"'), 1).split("</svg>"), 0).match(/<circle class="pt/g) ?? []).length).toBe(4 * 3 + 2);
    expect(html).toContain("Name the class. &lt;script&gt;window.__pwned=1&lt;/script&gt;");
    expect(html).toContain("Half-way prompt");
  });
});
