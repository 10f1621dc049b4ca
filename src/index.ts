/**
 * The public API of the dln library. The CLI (src/cli) is a thin shell over these names:
 * anything `dln` does, a program can do with them.
 */
export {
  Graph,
  compile,
  loadNetwork,
  readRunDir,
  hasCheckpoint,
  scoreResults,
  InvalidSample,
  type GraphModelOptions,
  type GraphRunOptions,
  type GraphTrainOptions,
  type GraphEvaluateOptions,
  type Evaluation,
  type EvaluationFailure,
  type Scores,
  type TrainPlan,
  type RunDirInfo,
} from "./graph.js";

// Network files: types, compiler, diagnostics, drawings.
export type * from "./network/types.js";
export {
  compileNetwork,
  loadNetworkFile,
  NetworkError,
  formatDiagnostic,
  planOf,
  type CompileResult,
  type CompileOptions,
  type Plan,
  type PlanNode,
} from "./compile/index.js";
export type * from "./compile/types.js";
export { drawMermaid, drawDot } from "./report/draw.js";

// Templates.
export { renderTemplate, templateVariables } from "./templates/render.js";
export { FORWARD_TEMPLATES, PROPOSE_TEMPLATE, POSTERIOR_TEMPLATE, REWRITE_INSTRUCTIONS } from "./templates/builtin.js";

// Execution.
export { runNetwork, runAll, loadPromptOverrides, type SampleSource } from "./exec/index.js";
export type { RunOptions, RunResult, RunError, RunProgress, NodeTrace, ClientSource, Sample } from "./exec/index.js";

// Model clients, middleware, scoring, errors.
export * from "./llm/index.js";

// Training.
export {
  train,
  resolveTrainConfig,
  createTrainServices,
  createDlnVi,
  loadCheckpoint,
  buildTrainGraph,
  hasHiddenTrainableLayers,
  DLN1_DEFAULTS,
  DLN2_DEFAULTS,
  TrainError,
  TrainConfigError,
  type TrainOptions,
  type TrainResult,
  type TrainRun,
  type TrainConfig,
  type TrainOverrides,
  type TrainServices,
  type TrainEvent,
  type Optimizer,
  type StepInput,
  type StepOutput,
} from "./train/index.js";

// Seeing networks and runs: SVG drawings and the HTML run report.
export { drawSvg } from "./report/svg.js";
export { writeReport, buildReport } from "./report/index.js";
export { exportRun, writePrompts, ExportError, type ExportOptions, type ExportResult } from "./export.js";

// Data and metrics.
export {
  loadExamples,
  parseExamples,
  loadSplits,
  BatchSampler,
  kShotExamples,
  toSample,
  PAPER_TASKS,
  loadPaperTask,
  DataError,
  type Example,
  type DataProblem,
  type Splits,
  type DataFormat,
  type LoadOptions,
  type SplitOptions,
  type BatchSamplerOptions,
  type PaperTask,
} from "./data/index.js";
export * from "./metrics/index.js";

// The offline simulator (a seeded world, not a language model: docs/simulator.md).
export { generateTask, TASKS, registerWorld, createWorld, worldNames } from "./sim/index.js";
export { createSimClient } from "./llm/providers/sim.js";

// Sweeps: grids of training runs (docs/sweeps.md).
export {
  runSweep,
  loadSweepFile,
  parseSweep,
  expandGrid,
  SweepError,
  buildCompare,
  writeCompare,
  CompareError,
  type Sweep,
  type SweepSpec,
  type SweepPoint,
  type SweepEvent,
  type SweepSummary,
  type RunSweepOptions,
} from "./sweep/index.js";

export { Rng, hashString, type RngState } from "./util/random.js";

// The one error model: every error the package throws is a DlnError (code, message, hint, location, kind).
export { DlnError, AbortError, isAbort, type ErrorKind, type ErrorLocation, type DlnErrorOptions } from "./util/errors.js";
