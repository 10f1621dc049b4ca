/** The executor (see docs/executor.md). */
export { runNetwork, runAll, DEFAULT_CONCURRENCY, type SampleSource } from "./run.js";
export type { RunOptions, RunResult, RunError, RunProgress, NodeTrace, ClientSource, Sample } from "./types.js";
export { InvalidSample } from "./invalidSample.js";
export { ExecError } from "./errors.js";
export { parseValue, firstLine, firstWord } from "./parse.js";
export { matchClass } from "./classify.js";
export { majorityVote } from "./aggregateEnsemble.js";
export { planRun, type ExecutionPlan, type PlannedNode, type PlannedLayer } from "./execution-plan.js";
export { renderLayerPrompt } from "./callLayer.js";
export { createReorderBuffer, type ReorderBuffer } from "./reorder.js";
export { loadPromptOverrides, promptsFrom } from "./prompts.js";
