/** Training: the DLN variational optimizer, the trainer loop, checkpoints and events (docs/training.md). */
export {
  train,
  initialPrompts,
  remember,
  memoryByParam,
  TrainError,
  RESULT_FILE,
  EVENTS_FILE,
  BEST_FILE,
  type TrainOptions,
  type TrainResult,
  type TrainRun,
} from "./trainer.js";
export { resolveTrainConfig, DLN1_DEFAULTS, DLN2_DEFAULTS, DEFAULT_SEED, TrainConfigError, type TrainConfig, type TrainOverrides } from "./config.js";
export { createTrainServices, type TrainServices, type ForwardOptions, type RegistryLike } from "./services.js";
export { createDlnVi } from "./dln-vi/index.js";
export { backward, type BackwardInput, type UnitStepped } from "./backward.js";
export { buildTrainGraph, hasHiddenTrainableLayers, type TrainGraph } from "./topology.js";
export { loadCheckpoint, saveCheckpoint, CHECKPOINT_FILE, type Checkpoint } from "./checkpoint.js";
export { resolveResume, lockRunDir, splitFingerprint, ResumeError, RUN_FILE, type ResumePlan, type ResumeRequest, type RunManifest } from "./resume.js";
export type { Optimizer, StepInput, StepOutput } from "./optimizer.js";
export type { TrainEvent, TrainEventType } from "./events.js";
export type { Target, TargetSets, BatchTrace, ParamUnit, ScoredCandidate, ScoreMode } from "./types.js";
