/** The report's parts on their own: word diffs, text shortening, chart ticks and points, the model of a resumed run. */
import { describe, expect, it } from "vitest";
import { lineChart, niceTicks } from "../../src/report/charts.js";
import { wordDiffHtml } from "../../src/report/diff.js";
import { escapeXml, firstWords, wrapWords } from "../../src/report/escape.js";
import { buildReportModel } from "../../src/report/model.js";
import { writeSyntheticRun } from "./fixtures.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { at } from "../helpers/indexing.js";

describe("wordDiffHtml", () => {
  it("marks inserted and deleted words and escapes everything", () => {
    const { html, stats } = wordDiffHtml("Answer yes or no.", "Reply <yes> or no, carefully.");
    expect(html).toContain("<ins>");
    expect(html).toContain("<del>");
    expect(html.replace(/<\/?(ins|del)>/g, "")).toContain("&lt;yes&gt;");
    expect(html).not.toMatch(/<yes/);
    expect(stats.inserted).toBeGreaterThanOrEqual(2);
    expect(stats.deleted).toBeGreaterThanOrEqual(1);
    expect(wordDiffHtml("same", "same")).toEqual({ html: "same", stats: { inserted: 0, deleted: 0 } });
  });
});

describe("text", () => {
  it("escapes markup and drops characters XML forbids", () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0001`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
  it("cuts at a word with an ellipsis, and wraps into at most N lines", () => {
    expect(firstWords("one two three four", 11)).toBe("one two…");
    expect(firstWords("short", 10)).toBe("short");
    const lines = wrapWords("alpha beta gamma delta epsilon zeta eta theta", 12, 2);
    expect(lines.length).toBe(2);
    expect(at(lines, 1).endsWith("…")).toBe(true);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(12);
    expect(wrapWords("a b", 12, 2)).toEqual(["a b"]);
  });
});

describe("charts", () => {
  it("round ticks over the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 50, 10)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
  });
  it("one circle with a tooltip per point, per series", () => {
    const svg = lineChart({
      id: "c",
      title: "t",
      xLabel: "x",
      yLabel: "y",
      formatY: String,
      series: [
        {
          name: "a",
          color: "#000",
          points: [
            { x: 1, y: 2, tip: "p1" },
            { x: 2, y: 3, tip: "p<2>" },
          ],
        },
        { name: "b", color: "#111", points: [{ x: 1, y: 1, tip: "q" }] },
      ],
    });
    expect(svg.match(/<circle class="pt[^"]*" data-series="a"/g)?.length).toBe(2);
    expect(svg.match(/<circle class="pt[^"]*" data-series="b"/g)?.length).toBe(1);
    expect(svg).toContain("<title>p&lt;2&gt;</title>");
    expect(svg.match(/<polyline/g)?.length).toBe(1); // a single point draws no line
  });
});

describe("buildReportModel", () => {
  const run = writeSyntheticRun(join(mkdtempSync(join(tmpdir(), "dln-report-model-")), "run"), { iterations: 8 });

  it("one row per iteration, one step per parameter and iteration, parents first", () => {
    const m = buildReportModel(run.events, run.result, run.dir);
    expect(m.iterations.map((r) => r.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(m.params.map((p) => p.param)).toEqual(run.params);
    for (const p of m.params) expect(p.steps.length).toBe(8);
    expect(m.final.bestPrompts).toEqual(run.result.bestPrompts);
    expect(m.finished).toBe(true);
    expect(m.iterations.reduce((n, r) => n + r.tokens, 0)).toBe(
      m.usage.train!.promptTokens +
        m.usage.train!.completionTokens -
        (at(m.iterations, 0).usage.promptTokens + at(m.iterations, 0).usage.completionTokens - at(m.iterations, 0).tokens),
    );
  });

  it("a resumed run that repeated an iteration counts it once; an unfinished run takes its results from the events", () => {
    const repeated = run.events.filter((e) => "iteration" in e && e.iteration === 3);
    const events = [
      ...run.events.filter((e) => !("iteration" in e) || e.iteration <= 3),
      ...repeated,
      ...run.events.filter((e) => "iteration" in e && e.iteration > 3),
    ];
    const m = buildReportModel(events, null, run.dir);
    expect(m.iterations.map((r) => r.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const p of m.params) expect(p.steps.length).toBe(8);
    expect(m.finished).toBe(false);
    expect(m.final.testAccuracy).toBe(run.result.testAccuracy);
    expect(m.params.map((p) => p.param)).toEqual(run.params);
  });
});
