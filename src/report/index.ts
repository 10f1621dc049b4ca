/** Pictures of networks and runs: the SVG drawing and the self-contained HTML run report. */
export { drawSvg, drawingGraph, OUTPUT_SINK, type DrawSvgOptions, type DrawnKind } from "./svg.js";
export { writeReport, buildReport, REPORT_FILE, type ReportOptions } from "./report.js";
export { loadRun, parseEvents, ReportError, NETWORK_COPIES, type RunRecord, type LoadRunOptions } from "./run.js";
export { buildReportModel, type ReportModel, type ParamHistory, type PromptStep, type IterationRow } from "./model.js";
export { lineChart, type ChartSeries, type LineChartOptions } from "./charts.js";
export { wordDiffHtml } from "./diff.js";
export { escapeXml } from "./escape.js";
