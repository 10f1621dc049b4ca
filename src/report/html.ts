/**
 * The run report as one self-contained HTML page: inline CSS, inline SVG, one small inline script
 * (allowed by hash in the page's Content-Security-Policy, which also forbids every network
 * request). Every string from the run is escaped.
 */
import { createHash } from "node:crypto";
import type { Usage } from "../llm/types.js";
import { lineChart, seriesColor, type ChartSeries } from "./charts.js";
import { wordDiffHtml } from "./diff.js";
import { escapeXml as esc, firstWords } from "./escape.js";
import { count, dollars, duration, pct, score } from "./format.js";
import type { ParamHistory, PromptStep, ReportModel } from "./model.js";

export interface RenderInput {
  model: ReportModel;
  /** The network drawing (SVG text from drawSvg), if the network was found. */
  drawing?: string;
  /** Why there is no drawing. */
  drawingNote?: string;
  /** When the report was made (ISO). */
  generatedAt: string;
}

export function renderReport(input: RenderInput): string {
  const { model } = input;
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '${scriptHash()}'`;
  const title = `dln training report: ${model.network}`;
  return page({
    title,
    csp,
    css: CSS,
    header: header(model),
    sections: [
      section("summary", "Summary", summaryCards(model)),
      section("network", "Network", networkFigure(input)),
      section("charts", "Training curves", charts(model)),
      section("results", "Final results", finalResults(model)),
      section("usage", "Usage and cost", usageTable(model)),
      section("prompts", "Prompts by layer", promptsSection(model)),
      section("iterations", "Iterations", iterationsTable(model)),
      section("config", "Configuration", configSection(model)),
    ],
    footer: `Made by <code>dln report</code> on ${esc(input.generatedAt)} from ${esc(model.runDir)}.`,
    script: SCRIPT,
  });
}

/** A self-contained page (the run report, the compare page): one document, its CSP, nothing loaded from the network. */
export function page(p: { title: string; csp: string; css: string; header: string; sections: string[]; footer: string; script?: string }): string {
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${p.csp}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${esc(p.title)}</title>`,
    `<style>${p.css}</style></head>`,
    `<body>`,
    `<header>${p.header}</header>`,
    `<main>`,
    ...p.sections,
    `</main>`,
    `<footer>${p.footer} This file is self-contained: it loads nothing from the network.</footer>`,
    ...(p.script !== undefined ? [`<script>${p.script}</script>`] : []),
    `</body></html>`,
    "",
  ].join("\n");
}

/** One titled section of a self-contained page (the run report, the compare page). */
export function section(id: string, heading: string, body: string): string {
  return `<section id="${id}"><h2>${esc(heading)}</h2>${body}</section>`;
}

function header(m: ReportModel): string {
  const facts = [
    m.startedAt ? `started ${esc(m.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}` : undefined,
    m.seed !== undefined ? `seed ${m.seed}` : undefined,
    m.config ? `${esc(m.config.preset)} defaults, ${esc(m.config.optimizer)}` : undefined,
    m.resumedFrom !== undefined ? `resumed after iteration ${m.resumedFrom}` : undefined,
  ].filter(Boolean);
  const status = m.finished
    ? `<span class="status ok">${m.final.stopReason === "budget" ? `stopped by its budget${m.final.stopDetail ? `: ${esc(m.final.stopDetail)}` : ""}` : "finished"}</span>`
    : `<span class="status warn">unfinished: no result.json yet (still running, or killed; resume with <code>dln train --resume</code>)</span>`;
  return `<h1>Training report: <span class="name">${esc(m.network)}</span></h1><p class="meta">${esc(m.runDir)}<br>${facts.join(" · ")} · ${status}</p>`;
}

function card(label: string, value: string, sub?: string, id?: string): string {
  return `<div class="card"${id ? ` id="${id}"` : ""}><div class="label">${esc(label)}</div><div class="value">${value}</div>${sub ? `<div class="sub">${sub}</div>` : ""}</div>`;
}

function totalUsage(m: ReportModel): Usage | null {
  const { train, test } = m.usage;
  if (!train && !test) return null;
  const z = { requests: 0, promptTokens: 0, completionTokens: 0, cacheHits: 0, cost: 0 };
  const a = train ?? z;
  const b = test ?? z;
  return {
    requests: a.requests + b.requests,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    cacheHits: a.cacheHits + b.cacheHits,
    cost: a.cost + b.cost,
  };
}

function summaryCards(m: ReportModel): string {
  const f = m.final;
  const total = totalUsage(m);
  const last = m.iterations.at(-1);
  return `<div class="cards">${[
    card(
      "dev accuracy",
      `${pct(f.initialDevAccuracy)} → <b>${pct(f.devAccuracy)}</b>`,
      f.bestIteration !== null ? `best prompts from iteration ${f.bestIteration}` : undefined,
      "card-dev",
    ),
    card("test accuracy", `<b>${pct(f.testAccuracy)}</b>`, f.testN !== undefined ? `${count(f.testN)} examples, best prompts` : undefined, "card-test"),
    card(
      "iterations",
      `${m.iterations.length}${m.iterationsPlanned !== undefined ? ` / ${m.iterationsPlanned}` : ""}`,
      `${m.params.reduce((n, p) => n + p.changes, 0)} prompt changes`,
    ),
    card("tokens", total ? count(total.promptTokens + total.completionTokens) : "–", total ? `${count(total.requests)} requests` : undefined),
    card("cost", total ? dollars(total.cost) : "–", "training + test"),
    card("wall time", duration(f.wallTimeMs ?? last?.elapsedMs)),
  ].join("")}</div>`;
}

function networkFigure(input: RenderInput): string {
  if (!input.drawing) return `<p class="note">No drawing: ${esc(input.drawingNote ?? "the network was not found")}.</p>`;
  return `<figure class="drawing">${input.drawing}<figcaption>Each layer shows the first words of its best prompt (hover a box for the whole prompt). Thick blue: trainable layer; dashed grey: frozen; green ring: the network's output node.</figcaption></figure>`;
}

function charts(m: ReportModel): string {
  const bestIteration = m.final.bestIteration;
  const xMax = Math.max(1, m.iterationsPlanned ?? 0, ...m.iterations.map((r) => r.iteration));
  const accuracy: ChartSeries[] = [
    {
      name: "train (minibatch)",
      color: seriesColor(1),
      points: m.iterations.map((r) => ({
        x: r.iteration,
        y: r.trainAccuracy,
        tip: `iteration ${r.iteration}: train accuracy ${pct(r.trainAccuracy)} on the minibatch`,
      })),
    },
    {
      name: "dev",
      color: seriesColor(0),
      points: m.validations.map((v) => ({
        x: v.iteration,
        y: v.accuracy,
        highlight: v.iteration === bestIteration,
        tip: `${v.iteration === 0 ? "initial prompts" : `iteration ${v.iteration}`}: dev accuracy ${pct(v.accuracy)} (${v.n} examples)${v.improved ? ", new best" : ""}`,
      })),
    },
  ];
  const scoreSeries: ChartSeries[] = m.params.map((p, i) => ({
    name: p.param,
    color: seriesColor(i + 2),
    points: p.steps
      .filter((s) => s.score !== null && Number.isFinite(s.score))
      .map((s) => ({
        x: s.iteration,
        y: s.score as number,
        tip: `${p.param} · iteration ${s.iteration}: ${score(s.score)}${s.source ? ` (${s.source})` : ""}${s.changed ? ", prompt changed" : ""}`,
      })),
  }));
  const modes = m.scoreModes.length ? m.scoreModes.join(", ") : "unknown";
  const modeText =
    m.scoreModes.every((x) => x === "accuracy") && m.scoreModes.length
      ? "accuracy on the scoring half of the batch"
      : "weighted log-likelihood per token, minus trust-region and exploration terms";
  return [
    `<div class="chart-box">${lineChart({
      id: "chart-accuracy",
      title: "Accuracy over the iterations",
      xLabel: "iteration",
      yLabel: "accuracy",
      series: accuracy,
      yDomain: [0, 1],
      xDomain: [0, xMax],
      formatY: (y) => `${Math.round(y * 100)}%`,
      markers: bestIteration !== null && bestIteration > 0 ? [{ x: bestIteration, label: "best dev" }] : [],
    })}</div>`,
    `<div class="chart-box">${lineChart({
      id: "chart-score",
      title: "Optimization score of the chosen prompt, each point on a different batch",
      xLabel: "iteration",
      yLabel: "score",
      series: scoreSeries,
      xDomain: [0, xMax],
      formatY: (y) => score(y, Math.abs(y) < 10 ? 2 : 0),
    })}<p class="note">Score of the candidate each optimizer step kept, per layer (scoring: ${esc(modes)}; ${esc(modeText)}; higher is better). <strong>Each point is scored on that iteration's own minibatch</strong>, so points are not comparable across iterations: the score can fall while the prompt stays the same. The dev accuracy above is measured on the same examples every time. Hover a point for its value.</p></div>`,
  ].join("");
}

function finalResults(m: ReportModel): string {
  const f = m.final;
  const rows = [
    ["initial dev accuracy", pct(f.initialDevAccuracy)],
    ["best dev accuracy", `${pct(f.devAccuracy)}${f.bestIteration !== null ? ` (iteration ${f.bestIteration})` : ""}`],
    ["test accuracy (best prompts)", `${pct(f.testAccuracy)}${f.testN !== undefined ? ` on ${count(f.testN)} examples` : ""}`],
    ...(f.sizes ? [["examples (train / dev / test)", `${count(f.sizes.train)} / ${count(f.sizes.dev)} / ${count(f.sizes.test)}`]] : []),
    ["stopped", f.stopReason ? `${esc(f.stopReason)}${f.stopDetail ? `: ${esc(f.stopDetail)}` : ""}` : "not yet"],
  ];
  const table = `<table class="kv" id="final-table"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("")}</tbody></table>`;
  const prompts = m.params.map((p) => {
    const prompt = f.bestPrompts[p.param] ?? p.final;
    const changed = prompt !== p.initial;
    return `<tr><th>${esc(p.param)}${p.layers.length > 1 || p.layers[0] !== p.param ? `<div class="sub">${esc(p.layers.join(", "))}</div>` : ""}</th><td><div class="prompt">${esc(prompt) || '<span class="empty">(empty)</span>'}</div></td><td>${changed ? "trained" : "unchanged"}</td></tr>`;
  });
  return `${table}<h3>Best prompts</h3><table class="best-prompts" id="best-prompts"><thead><tr><th>parameter</th><th>prompt</th><th></th></tr></thead><tbody>${prompts.join("")}</tbody></table>`;
}

function usageRow(phase: string, u: Usage | null): string {
  if (!u) return `<tr><th>${esc(phase)}</th><td colspan="6" class="empty">not recorded</td></tr>`;
  return `<tr><th>${esc(phase)}</th><td>${count(u.requests)}</td><td>${count(u.promptTokens)}</td><td>${count(u.completionTokens)}</td><td>${count(u.promptTokens + u.completionTokens)}</td><td>${count(u.cacheHits)}</td><td>${dollars(u.cost)}</td></tr>`;
}

function usageTable(m: ReportModel): string {
  return `<table class="num" id="usage-table"><thead><tr><th>phase</th><th>requests</th><th>prompt tokens</th><th>completion tokens</th><th>total tokens</th><th>cache hits</th><th>cost</th></tr></thead><tbody>${[
    usageRow("training (validation included)", m.usage.train),
    usageRow("test", m.usage.test),
    usageRow("total", totalUsage(m)),
  ].join(
    "",
  )}</tbody></table><p class="note">Cost is counted for models with a price table in the network file; cache hits cost nothing. This run does not break usage down per model.</p>`;
}

function promptsSection(m: ReportModel): string {
  if (m.params.length === 0) return `<p class="note">No optimizer steps recorded yet.</p>`;
  const toggle = `<label class="toggle"><input type="checkbox" id="show-unchanged"> show the steps where the prompt did not change (and their candidates)</label>`;
  return toggle + m.params.map((p, i) => paramBlock(p, i)).join("");
}

function paramBlock(p: ParamHistory, index: number): string {
  const items: string[] = [];
  let kept: PromptStep[] = [];
  const flushKept = (): void => {
    const [first] = kept;
    if (first === undefined) return;
    const a = first.iteration;
    const b = (kept.at(-1) ?? first).iteration;
    items.push(
      `<li class="kept-run">${a === b ? `iteration ${a}` : `iterations ${a}–${b}`}: kept the prompt (${kept.length} step${kept.length > 1 ? "s" : ""})</li>`,
    );
    kept = [];
  };
  for (const s of p.steps) {
    if (!s.changed) kept.push(s);
    else flushKept();
    items.push(stepItem(s));
  }
  flushKept();
  const layers = p.layers.length > 1 || p.layers[0] !== p.param ? ` <span class="sub">(layers ${esc(p.layers.join(", "))})</span>` : "";
  return `<details class="param" id="param-${index}" data-param="${esc(p.param)}" open><summary><b>${esc(p.param)}</b>${layers} · changed at ${p.changes} of ${p.steps.length} steps · now “${esc(firstWords(p.final, 70))}”</summary>
<div class="initial"><div class="label">initial prompt</div><div class="prompt">${esc(p.initial) || '<span class="empty">(empty)</span>'}</div></div>
<ol class="steps">${items.join("")}</ol></details>`;
}

function stepItem(s: PromptStep): string {
  const head = [
    `<b>iteration ${s.iteration}</b>`,
    `score ${score(s.score)}`,
    s.source ? `from ${s.source === "proposal" ? "a proposal" : s.source === "memory" ? "memory" : "the current prompt"}` : undefined,
  ].filter(Boolean);
  let body: string;
  if (s.changed) {
    const { html, stats } = wordDiffHtml(s.previous, s.prompt);
    head.push(`<span class="ins-count">+${stats.inserted}</span> <span class="del-count">−${stats.deleted}</span> words`);
    body = `<div class="prompt diff">${html}</div>`;
  } else {
    head.push("kept");
    body = "";
  }
  const cands = s.candidates.length ? candidatesTable(s) : "";
  return `<li class="step ${s.changed ? "changed" : "unchanged"}" data-iteration="${s.iteration}"><div class="step-head">${head.join(" · ")}</div>${body}${cands}</li>`;
}

function candidatesTable(s: PromptStep): string {
  const ranked = [...s.candidates].map((c, i) => ({ c, i })).sort((a, b) => (b.c.score ?? -Infinity) - (a.c.score ?? -Infinity) || a.i - b.i);
  // Duplicates of the chosen prompt can be among the candidates: the best-ranked one is the choice.
  const chosenRank = ranked.findIndex(({ c }) => c.prompt === s.prompt);
  const rows = ranked.map(({ c }, rank) => {
    const chosen = rank === chosenRank;
    return `<tr class="${chosen ? "chosen" : ""}"><td>${rank + 1}${chosen ? " ✓" : ""}</td><td>${esc(c.source)}</td><td>${score(c.score)}</td><td>${score(c.parts?.fit)}</td><td>${score(c.parts?.kl)}</td><td>${score(c.parts?.penalty)}</td><td><div class="cand-prompt">${esc(c.prompt) || '<span class="empty">(empty)</span>'}</div></td></tr>`;
  });
  return `<details class="candidates"><summary>${s.candidates.length} candidates${s.mode ? ` (scored by ${esc(s.mode)})` : ""}</summary><table class="candidates-table"><thead><tr><th>#</th><th>source</th><th>score</th><th>fit</th><th>KL</th><th>penalty</th><th>prompt</th></tr></thead><tbody>${rows.join("")}</tbody></table></details>`;
}

function iterationsTable(m: ReportModel): string {
  const rows = m.iterations.map((r) => {
    const notes = [
      r.reloadedBest !== undefined ? `reloaded the best prompts (dev ${pct(r.reloadedBest)})` : undefined,
      r.failures ? `${r.failures} failed requests` : undefined,
    ].filter(Boolean);
    return `<tr><td>${r.iteration}</td><td>${pct(r.trainAccuracy)}</td><td>${pct(r.devAccuracy)}</td><td>${pct(r.bestDevAccuracy)}</td><td class="text">${esc(r.changed.join(", ")) || "–"}</td><td>${count(r.tokens)}</td><td>${dollars(r.cost)}</td><td>${duration(r.elapsedMs)}</td><td class="text">${esc(notes.join("; "))}</td></tr>`;
  });
  return `<details id="iterations-details"><summary>${m.iterations.length} iterations: accuracies, prompt changes, tokens and time per iteration</summary><table class="num" id="iterations-table"><thead><tr><th>iteration</th><th>train</th><th>dev</th><th>best dev</th><th>prompts changed</th><th>tokens</th><th>cost</th><th>elapsed</th><th>notes</th></tr></thead><tbody>${rows.join("")}</tbody></table></details>`;
}

function configSection(m: ReportModel): string {
  if (!m.config) return `<p class="note">No configuration recorded.</p>`;
  const rows = Object.entries(m.config).map(([k, v]) => {
    const value = Array.isArray(v)
      ? `<ul>${v.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>`
      : esc(typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
    return `<tr><th>${esc(k)}</th><td>${value}</td></tr>`;
  });
  return `<details><summary>the resolved training settings (${rows.length})</summary><table class="kv">${rows.join("")}</table></details>`;
}

/** The page's only script: the "show unchanged steps" switch. */
const SCRIPT = `document.getElementById("show-unchanged")?.addEventListener("change",function(e){document.body.classList.toggle("show-unchanged",e.target.checked)});`;

function scriptHash(): string {
  return `sha256-${createHash("sha256").update(SCRIPT).digest("base64")}`;
}

const CSS = `
:root { --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --blue:#2563eb; --ins:#dcfce7; --ins-fg:#166534; --del:#fee2e2; --del-fg:#991b1b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #0f172a; color: #f8fafc; padding: 18px 32px 14px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .meta { margin: 0; color: #cbd5e1; font-size: 13px; word-break: break-all; }
header code { color: #f8fafc; }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; font-weight: 600; }
.status.ok { background: #166534; color: #fff; }
.status.warn { background: #b45309; color: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 32px 32px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 20px 16px; margin: 16px 0; }
h2 { font-size: 17px; margin: 4px 0 12px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { flex: 1 1 150px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--bg); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 19px; white-space: nowrap; }
.card .sub, .sub { color: var(--muted); font-size: 12px; font-weight: normal; }
figure.drawing { margin: 0; overflow-x: auto; text-align: center; }
figure.drawing figcaption, .note { color: var(--muted); font-size: 12.5px; }
.chart-box { overflow-x: auto; margin-bottom: 8px; }
svg.chart { font-family: inherit; font-size: 11px; background: #fff; max-width: 100%; height: auto; }
svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: var(--fg); }
svg.chart .grid { stroke: #eef0f3; }
svg.chart .axis { stroke: #9ca3af; }
svg.chart .tick-mark { stroke: #9ca3af; }
svg.chart .tick, svg.chart .legend-item text { fill: #4b5563; }
svg.chart .axis-label { fill: #374151; font-size: 12px; }
svg.chart .line { fill: none; stroke-width: 1.8; }
svg.chart .line.dashed { stroke-dasharray: 5 4; }
svg.chart .pt { stroke: #fff; stroke-width: 1; }
svg.chart .pt:hover { stroke: #111827; stroke-width: 2; }
svg.chart .pt.highlight { stroke: #111827; stroke-width: 2; }
svg.chart .marker line { stroke: #16a34a; stroke-dasharray: 3 3; }
svg.chart .marker text { fill: #16a34a; font-size: 11px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--bg); font-size: 12px; color: #374151; position: sticky; top: 0; }
table.kv th { width: 260px; font-weight: 500; color: #374151; }
table.kv ul { margin: 0; padding-left: 18px; }
table.num td { font-variant-numeric: tabular-nums; text-align: right; }
table.num td.text { text-align: left; }
.prompt, .cand-prompt { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.prompt { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.cand-prompt { max-height: 7.5em; overflow: auto; }
.empty { color: var(--muted); font-style: italic; }
ins { background: var(--ins); color: var(--ins-fg); text-decoration: none; border-radius: 2px; }
del { background: var(--del); color: var(--del-fg); border-radius: 2px; }
.ins-count { color: var(--ins-fg); font-weight: 600; }
.del-count { color: var(--del-fg); font-weight: 600; }
details > summary { cursor: pointer; }
details.param { border-top: 1px solid var(--line); padding: 8px 0; }
details.param > summary { font-size: 14px; }
.initial { margin: 8px 0 4px 18px; }
.initial .label { color: var(--muted); font-size: 12px; }
ol.steps { list-style: none; margin: 6px 0 0 18px; padding: 0; border-left: 2px solid var(--line); }
ol.steps > li { padding: 4px 0 6px 14px; position: relative; }
ol.steps > li::before { content: ""; position: absolute; left: -6px; top: 10px; width: 10px; height: 10px; border-radius: 50%; background: var(--blue); }
ol.steps > li.unchanged::before, ol.steps > li.kept-run::before { background: #d1d5db; }
.step-head { font-size: 13px; color: #374151; }
li.kept-run { color: var(--muted); font-size: 12.5px; }
li.step.unchanged { display: none; }
body.show-unchanged li.step.unchanged { display: list-item; }
body.show-unchanged li.kept-run { display: none; }
details.candidates { margin: 4px 0 0; }
details.candidates > summary { color: var(--blue); font-size: 12.5px; }
table.candidates-table { font-size: 12.5px; }
table.candidates-table td:nth-child(-n+6) { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.candidates-table tr.chosen { background: #eff6ff; }
table.best-prompts th:first-child { width: 140px; }
table.best-prompts td:last-child { width: 90px; color: var(--muted); }
.toggle { display: block; margin: 0 0 8px; font-size: 13px; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 0 0 24px; }
`;
