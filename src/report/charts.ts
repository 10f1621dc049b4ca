/**
 * Inline SVG line charts for the report: axes with ticks and labels, one polyline per series, and a
 * point per value with a `<title>` (the browser's tooltip). No script, no fonts, no network.
 *
 * Points are `<circle class="pt" data-series="…">`, so tests count them per series.
 */
import { escapeXml } from "./escape.js";

interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip text of the point. */
  tip: string;
  /** Drawn larger and ringed (e.g. the best validation). */
  highlight?: boolean;
}

export interface ChartSeries {
  name: string;
  color: string;
  points: ChartPoint[];
  dashed?: boolean;
}

export interface LineChartOptions {
  /** Id of the chart's root element (also used for ids inside it). */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** Fixed y range (e.g. 0–1 for accuracies); otherwise from the data, with some headroom. */
  yDomain?: [number, number];
  /** Fixed x range; otherwise from the data. */
  xDomain?: [number, number];
  formatY: (y: number) => string;
  /** Vertical markers, e.g. "best" at the best iteration. */
  markers?: Array<{ x: number; label: string }>;
  width?: number;
  height?: number;
  /** Draw the legend across the top (default true); false when the page shows its own. */
  legend?: boolean;
}

export const SERIES_COLORS = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2", "#ca8a04", "#4b5563"];

/** The colour of series `i` (0-based; the palette repeats). */
export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] ?? "#4b5563";
}

const MARGIN = { top: 34, right: 18, bottom: 44, left: 60 };

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step, n = 0; v <= max + step * 1e-9 && n < 50; v += step, n++) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

function domainOf(values: number[], pad: boolean): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 0.5;
    hi += Math.abs(hi) * 0.1 || 0.5;
  } else if (pad) {
    const p = (hi - lo) * 0.08;
    lo -= p;
    hi += p;
  }
  return [lo, hi];
}

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 1080;
  const height = o.height ?? 300;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = o.series.flatMap((s) => s.points);
  const [x0, x1] =
    o.xDomain ??
    domainOf(
      all.map((p) => p.x),
      false,
    );
  const [y0, y1] =
    o.yDomain ??
    domainOf(
      all.map((p) => p.y),
      true,
    );
  const sx = (x: number): number => MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number): number => MARGIN.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;
  const f = (n: number): string => String(Math.round(n * 10) / 10);

  const xTicks = niceTicks(x0, x1, Math.min(10, Math.max(1, Math.round(x1 - x0)))).filter((t) => Number.isInteger(t));
  const yTicks = niceTicks(y0, y1, 5);
  const grid = [
    ...yTicks.map(
      (t) =>
        `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${f(sy(t))}" y2="${f(sy(t))}"/><text class="tick" x="${MARGIN.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${escapeXml(o.formatY(t))}</text>`,
    ),
    ...xTicks.map(
      (t) =>
        `<line class="tick-mark" x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}"/><text class="tick" x="${f(sx(t))}" y="${MARGIN.top + plotH + 17}" text-anchor="middle">${t}</text>`,
    ),
  ];
  const axes = [
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/>`,
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}"/>`,
    `<text class="axis-label" x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  ];
  const markers = (o.markers ?? []).map((m) => {
    // Label on the side with room for it.
    const right = sx(m.x) + m.label.length * 6.6 + 8 < MARGIN.left + plotW;
    return `<g class="marker"><line x1="${f(sx(m.x))}" x2="${f(sx(m.x))}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/><text x="${f(sx(m.x) + (right ? 4 : -4))}" y="${MARGIN.top + plotH - 6}" text-anchor="${right ? "start" : "end"}">${escapeXml(m.label)}</text></g>`;
  });
  const series = o.series.map((s) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const line =
      pts.length > 1
        ? `<polyline class="line${s.dashed ? " dashed" : ""}" stroke="${s.color}" points="${pts.map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(" ")}"/>`
        : "";
    const dots = pts.map(
      (p) =>
        `<circle class="pt${p.highlight ? " highlight" : ""}" data-series="${escapeXml(s.name)}" data-x="${p.x}" cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="${p.highlight ? 5 : pts.length > 60 ? 2.2 : 3.2}" fill="${s.color}"><title>${escapeXml(p.tip)}</title></circle>`,
    );
    return `<g class="series" data-series="${escapeXml(s.name)}">${line}${dots.join("")}</g>`;
  });
  // Legend across the top, right-aligned.
  let lx = width - MARGIN.right;
  const legend = (o.legend === false ? [] : [...o.series]).reverse().map((s) => {
    const w = s.name.length * 6.6 + 26;
    lx -= w;
    return `<g class="legend-item" transform="translate(${f(lx)} 14)"><line x1="0" x2="16" y1="0" y2="0" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/><circle cx="8" cy="0" r="3" fill="${s.color}"/><text x="20" y="4">${escapeXml(s.name)}</text></g>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeXml(o.id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(o.title)}">`,
    `<text class="chart-title" x="${MARGIN.left}" y="18">${escapeXml(o.title)}</text>`,
    ...legend,
    ...grid,
    ...axes,
    ...markers,
    ...series,
    `</svg>`,
  ].join("");
}
