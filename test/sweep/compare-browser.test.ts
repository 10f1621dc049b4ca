/**
 * The compare page in a real browser (headless Chromium, as the run report is tested): a tiny 2 × 2
 * sweep on the simulator, `dln compare` over its folder, and the page must show every run as a row,
 * a dot per run in the scatter plot, a curve per run, no console error, nothing but file: URLs
 * requested, and prompts as text. A screenshot is kept in test-artifacts/compare.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { runSweep } from "../../src/sweep/index.js";
import { launchChromium } from "../helpers/chromium.js";
import { writeFixture } from "./fixture.js";
import { at } from "../helpers/indexing.js";

// The browser globals the page functions below use (the project compiles without the DOM library).
interface PageElement {
  checkVisibility(): boolean;
  getAttribute(name: string): string | null;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement>; body: { scrollHeight: number } };
declare const window: { __pwned?: number };

const ARTIFACTS = resolve("test-artifacts");
const NAMES = ["seed=1,train.promptSamples=2", "seed=1,train.promptSamples=3", "seed=2,train.promptSamples=2", "seed=2,train.promptSamples=3"];
const tmp = mkdtempSync(join(tmpdir(), "dln-compare-browser-"));
const dir = join(tmp, "sweep");
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  writeFixture(dir);
  // A prompt with markup, in one run's result: the page must show it as text.
  const summary = await runSweep(join(dir, "sweep.json5"), { parallel: 2, cache: { mode: "off" } });
  expect(summary.points.map((p) => p.status)).toEqual(["trained", "trained", "trained", "trained"]);
  const poisoned = join(dir, "out", at(NAMES, 1), "result.json");
  const result = JSON.parse(readFileSync(poisoned, "utf8"));
  result.bestPrompts.y = "Name the class. <script>window.__pwned = 1</script><img src=x>";
  writeFileSync(poisoned, JSON.stringify(result));

  const out = new PassThrough();
  const err = new PassThrough();
  let said = "";
  err.on("data", (d) => (said += d));
  const code = await runCli(["node", "dln", "compare", "out", "-o", "compare.html"], { stdout: out, stderr: err, cwd: dir, env: {} });
  expect(code, said).toBe(0);

  mkdirSync(ARTIFACTS, { recursive: true });
  context = await launchChromium(join(tmp, "profile"));
  page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => (m.type() === "error" || m.type() === "warning") && problems.push(`console ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(pathToFileURL(join(dir, "compare.html")).href, { waitUntil: "load" });
}, 90_000);

afterAll(async () => {
  await context?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const count = (selector: string): Promise<number> => page.locator(selector).count();
/** The data-run (or data-series) of the rendered elements matching `selector`. */
const shown = (selector: string, attribute: string): Promise<Array<string | null>> =>
  page.evaluate(
    ([s, a]) =>
      Array.from(document.querySelectorAll(s))
        .filter((e) => e.checkVisibility())
        .map((e) => e.getAttribute(a)),
    [selector, attribute] as const,
  );

describe("the compare page of a 2 × 2 sim sweep in Chromium", () => {
  it("loads nothing but itself, without errors", () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("shows every run as a row of the runs table, with its settings and accuracies", async () => {
    expect(await shown("#runs-table tbody tr.run", "data-run")).toEqual(NAMES);
    expect(await page.locator("#runs-table thead th").allTextContents()).toEqual(expect.arrayContaining(["seed", "train.promptSamples"]));
    for (const name of NAMES) {
      const result = JSON.parse(readFileSync(join(dir, "out", name, "result.json"), "utf8"));
      const row = page.locator(`#runs-table tr.run[data-run="${name}"]`);
      expect(await row.locator("td.test").textContent(), name).toBe(`${(result.testAccuracy * 100).toFixed(1)}%`);
      expect(await row.locator('td.setting[data-setting="seed"]').textContent(), name).toBe(String(result.seed));
    }
    expect(await count("#groups-table tbody tr.group")).toBe(2); // two prompt-sample counts, two seeds each
  });

  it("draws the scatter plot with one dot per run and the curves with one line per run", async () => {
    expect((await shown("#chart-scatter circle.pt", "data-run")).sort()).toEqual([...NAMES].sort());
    const curves = await shown("#chart-curves g.series", "data-series");
    expect(curves.sort()).toEqual([...NAMES].sort());
    // Every run validated before training and after its one iteration: two points and a line each.
    expect(await count("#chart-curves g.series circle.pt")).toBe(2 * NAMES.length);
    expect(await count("#chart-curves g.series polyline.line")).toBe(NAMES.length);
    // Every run is named in the curves' legend, each name whole, inside the section, over no other text.
    const section = (await page.locator("section#curves").boundingBox())!;
    const texts = await page.locator("#curves .legend-item").evaluateAll((items) => items.map((i) => (i as unknown as { textContent: string }).textContent));
    expect(texts).toEqual(NAMES);
    const boxes = [...(await page.locator("#curves .legend-item").all()), page.locator("#chart-curves .chart-title")];
    const rects = await Promise.all(boxes.map(async (b) => (await b.boundingBox())!));
    rects.forEach((r, i) => {
      expect(r.x, `legend item ${i}`).toBeGreaterThanOrEqual(section.x);
      expect(r.x + r.width, `legend item ${i}`).toBeLessThanOrEqual(section.x + section.width);
      rects.forEach((o, j) => {
        const overlap = j !== i && r.x < o.x + o.width && o.x < r.x + r.width && r.y < o.y + o.height && o.y < r.y + r.height;
        expect(overlap, `legend items ${i} and ${j} overlap`).toBe(false);
      });
    });
    const box = await page.locator("#chart-scatter").boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(150);
  });

  it("shows the best prompts side by side, markup as text", async () => {
    expect(await count("#prompts-table thead th")).toBe(1 + NAMES.length);
    expect(await page.locator("#prompts-table", { hasText: "<script>window.__pwned = 1</script><img src=x>" }).count()).toBe(1);
    expect(await count("script")).toBe(0);
    expect(await count("img")).toBe(0);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  });

  it("looks right: a full-page screenshot is kept in test-artifacts/compare.png", async () => {
    const height = await page.evaluate(() => document.body.scrollHeight);
    expect(height).toBeGreaterThan(900);
    const png = await page.screenshot({ path: join(ARTIFACTS, "compare.png"), fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
  });
});
