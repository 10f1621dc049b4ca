/** Sweeps: a grid of training runs (docs/sweeps.md). */
export { loadSweepFile, parseSweep, SweepError, SWEEP_SCHEMA_URL, type Sweep, type SweepSpec, type SweepLoad } from "./spec.js";
export { expandGrid, safeName, type SweepPoint, type SettingValue } from "./grid.js";
export {
  runSweep,
  resolveSweep,
  trainPoint,
  sweepPoints,
  loadSweepNetworks,
  writeManifest,
  SWEEP_FILE,
  POINT_FILE,
  type RunSweepOptions,
  type SweepSummary,
  type SweepEvent,
  type SweepManifest,
  type PointRecord,
} from "./run.js";
export {
  buildCompare,
  writeCompare,
  buildCompareModel,
  readRun,
  findRuns,
  renderCompare,
  CompareError,
  type CompareModel,
  type ComparedRun,
  type CompareGroup,
} from "./compare.js";
