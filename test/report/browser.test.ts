/**
 * The report in a real browser: headless Chromium, driven by playwright-core (launched by
 * test/helpers/chromium.ts: the Chromium of @sparticuz/chromium, or DLN_CHROMIUM).
 * Charts and tables are counted against the run's events, nothing but file: URLs is requested, the
 * injected markup in a prompt stays text, and screenshots are kept in test-artifacts/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrainEvent } from "../../src/train/events.js";
import { writeReport } from "../../src/report/report.js";
import { drawSvg } from "../../src/report/svg.js";
import { launchChromium } from "../helpers/chromium.js";
import { writeSyntheticRun, type SyntheticRun } from "./fixtures.js";
import { trainSimRun } from "./sim-run.js";
import { key } from "../helpers/indexing.js";

const ARTIFACTS = resolve("test-artifacts");

// The browser globals the page functions below use (the project compiles without the DOM library).
interface PageElement {
  checkVisibility(): boolean;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  open?: boolean;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getElementsByTagName(name: string): { length: number };
  documentElement: { localName: string };
  body: { scrollHeight: number };
};
declare const window: { __pwned?: number };

const tmp = mkdtempSync(join(tmpdir(), "dln-report-browser-"));
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  context = await launchChromium(join(tmp, "profile")); // a fresh profile every run
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  requests: string[];
  problems: string[];
}

/** Opens a file in a new tab, recording every request, console error, page error and dialog. */
async function open(path: string): Promise<Opened> {
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => (m.type() === "error" || m.type() === "warning") && problems.push(`console ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
  return { page, requests, problems };
}

const count = (page: Page, selector: string): Promise<number> => page.locator(selector).count();
/** Elements matching `selector` that are rendered (not display:none, not inside a closed <details>). */
const visible = (page: Page, selector: string): Promise<number> =>
  page.evaluate((s) => Array.from(document.querySelectorAll(s)).filter((e) => e.checkVisibility()).length, selector);
const of = <T extends TrainEvent["type"]>(events: TrainEvent[], type: T) => events.filter((e): e is Extract<TrainEvent, { type: T }> => e.type === type);

describe("the run report in Chromium (synthetic 50-iteration, 5-parameter run)", () => {
  let run: SyntheticRun;
  let opened: Opened;

  beforeAll(async () => {
    run = writeSyntheticRun(join(tmp, "synthetic"));
    const path = await writeReport(run.dir, { now: new Date("2024-05-01T13:00:00Z") });
    expect(path).toBe(join(run.dir, "report.html"));
    opened = await open(path);
  }, 60_000);

  it("loads nothing but itself, without errors", async () => {
    expect(opened.requests.length).toBeGreaterThan(0);
    expect(opened.requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
    expect(opened.problems).toEqual([]);
  });

  it("draws the network: every node and edge", async () => {
    const { page } = opened;
    const n = run.network;
    expect(await count(page, "#network svg.dln-drawing g.dln-node")).toBe(n.inputs.length + n.order.length + 1);
    const edges = n.order.reduce((k, id) => k + n.nodes.get(id)!.parents.length, 0) + 1;
    expect(await count(page, "#network svg.dln-drawing g.dln-edge")).toBe(edges);
    expect(await count(page, "#network g.dln-node.trainable")).toBe(7); // h1–h4 and three replicas of y
    // The drawing shows the best prompts.
    const tip = await page.locator('#network g.dln-node[data-node="h1"] > title').textContent();
    expect(tip).toContain(key(run.result.bestPrompts, "h1").slice(0, 40));
  });

  it("charts accuracy and the optimization score with one point per value", async () => {
    const { page } = opened;
    const iterations = of(run.events, "iteration");
    const validations = of(run.events, "validation");
    expect(iterations.length).toBe(50);
    expect(await count(page, '#chart-accuracy circle.pt[data-series="train (minibatch)"]')).toBe(50);
    expect(await count(page, '#chart-accuracy circle.pt[data-series="dev"]')).toBe(validations.length);
    expect(await count(page, "#chart-accuracy circle.pt.highlight")).toBe(1);
    for (const param of run.params) {
      const scored = of(run.events, "choice").filter((c) => c.param === param && c.score !== null).length;
      expect(await count(page, `#chart-score circle.pt[data-series="${param}"]`), param).toBe(scored);
    }
    expect(await count(page, "#chart-accuracy text.axis-label")).toBe(2);
    expect(await page.locator("#chart-accuracy circle.pt").first().locator("title").textContent()).toMatch(/^iteration 1: train accuracy \d/);
  });

  it("tables: iterations, usage, final results, best prompts, candidates of every step (collapsed)", async () => {
    const { page } = opened;
    expect(await count(page, "#iterations-table tbody tr")).toBe(50);
    expect(await count(page, "#usage-table tbody tr")).toBe(3);
    expect(await count(page, "#best-prompts tbody tr")).toBe(5);
    expect(await page.locator("#final-table").textContent()).toContain(`${(run.result.testAccuracy! * 100).toFixed(1)}%`);
    const candidateEvents = of(run.events, "candidates");
    expect(await count(page, "table.candidates-table")).toBe(candidateEvents.length);
    const rows = await page.evaluate(() => Array.from(document.querySelectorAll("table.candidates-table")).map((t) => t.querySelectorAll("tbody tr").length));
    const byParamThenIteration = (es: typeof candidateEvents) =>
      run.params.flatMap((p) =>
        es
          .filter((e) => e.param === p)
          .sort((a, b) => a.iteration - b.iteration)
          .map((e) => e.candidates.length),
      );
    expect(rows).toEqual(byParamThenIteration(candidateEvents));
    expect(await count(page, "details.candidates[open]")).toBe(0);
    expect(await visible(page, "table.candidates-table")).toBe(0);
    expect(await count(page, "table.candidates-table tr.chosen")).toBe(candidateEvents.length);
  });

  it("shows only changed prompts by default, each with a word diff; the switch shows the rest", async () => {
    const { page } = opened;
    const choices = of(run.events, "choice");
    const changed = choices.filter((c) => c.changed).length;
    expect(changed).toBeGreaterThan(20);
    expect(await count(page, "li.step")).toBe(choices.length);
    expect(await visible(page, "li.step.changed")).toBe(changed);
    expect(await visible(page, "li.step.unchanged")).toBe(0);
    expect(await count(page, "li.step.changed .diff")).toBe(changed);
    expect(await count(page, "li.step.changed ins")).toBeGreaterThan(0);
    expect(await count(page, "li.step.changed del")).toBeGreaterThan(0);
    for (const [i, param] of run.params.entries()) {
      expect(await count(page, `#param-${i} li.step`), param).toBe(choices.filter((c) => c.param === param).length);
    }
    await page.locator("#show-unchanged").check();
    expect(await visible(page, "li.step.unchanged")).toBe(choices.length - changed);
    expect(await visible(page, "li.kept-run")).toBe(0);
    await page.locator("#show-unchanged").uncheck();
    expect(await visible(page, "li.step.unchanged")).toBe(0);
  });

  it("keeps markup from prompts as text", async () => {
    const { page } = opened;
    expect(await count(page, "script")).toBe(1);
    expect(await count(page, "img")).toBe(0);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(await page.locator("li.step.changed .diff", { hasText: "<script>window.__pwned = 1</script>" }).count()).toBeGreaterThan(0);
  });

  it("looks right: a full-page screenshot is kept in test-artifacts/report.png", async () => {
    const { page } = opened;
    const height = await page.evaluate(() => document.body.scrollHeight);
    expect(height).toBeGreaterThan(2000);
    const png = await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    // The top of the page (summary, drawing, charts) on its own, for a quick look.
    await page.screenshot({ path: join(ARTIFACTS, "report-top.png"), clip: { x: 0, y: 0, width: 1280, height: 2000 }, fullPage: true });
    // A step with its candidates opened.
    await page
      .locator("li.step.changed details.candidates")
      .first()
      .evaluate((d) => ((d as unknown as PageElement).open = true));
    expect(await visible(page, "table.candidates-table")).toBe(1);
    await page
      .locator("li.step.changed details.candidates")
      .first()
      .screenshot({ path: join(ARTIFACTS, "report-candidates.png") });
  });
});

describe("a real run directory (the trainer on the sim provider)", () => {
  it("has a report with a point per iteration and a table per optimizer step", async () => {
    const dir = join(tmp, "sim");
    const { network, result } = await trainSimRun(dir, 4);
    const path = await writeReport(dir, { network });
    const events = readFileSync(join(dir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as TrainEvent);
    const { page, requests, problems } = await open(path);
    expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
    expect(problems).toEqual([]);
    expect(await count(page, '#chart-accuracy circle.pt[data-series="train (minibatch)"]')).toBe(of(events, "iteration").length);
    expect(await count(page, '#chart-accuracy circle.pt[data-series="dev"]')).toBe(of(events, "validation").length);
    expect(await count(page, "#iterations-table tbody tr")).toBe(result.iterations);
    expect(await count(page, "table.candidates-table")).toBe(of(events, "candidates").length);
    expect(await count(page, "#network g.dln-node")).toBe(network.inputs.length + network.order.length + 1);
    expect(await count(page, "#best-prompts tbody tr")).toBe(Object.keys(result.bestPrompts).length);
    await page.screenshot({ path: join(ARTIFACTS, "report-sim.png"), fullPage: true });
  }, 60_000);
});

describe("the standalone SVG drawing in Chromium", () => {
  it("is well-formed SVG with every node and edge", async () => {
    const run = writeSyntheticRun(join(tmp, "drawing"), { iterations: 2 });
    const file = join(tmp, "drawing.svg");
    writeFileSync(file, drawSvg(run.network, { prompts: run.result.bestPrompts }));
    const { page, problems } = await open(file);
    expect(problems).toEqual([]);
    expect(await page.evaluate(() => document.getElementsByTagName("parsererror").length)).toBe(0);
    expect(await page.evaluate(() => document.documentElement.localName)).toBe("svg");
    expect(await page.evaluate(() => document.querySelectorAll("g.dln-node").length)).toBe(run.network.inputs.length + run.network.order.length + 1);
    await page.screenshot({ path: join(ARTIFACTS, "drawing.png") });
  });
});
