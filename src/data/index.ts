/** Datasets: loading, field mapping, splits, minibatches and k-shot examples (docs/data.md). */
export type { Example, DataProblem, Splits, DataFormat } from "./types.js";
export { DataError, type DataErrorCode } from "./errors.js";
export { loadExamples, parseExamples, type LoadOptions, type LoadResult } from "./load.js";
export { loadSplits, type SplitOptions } from "./splits.js";
export { seededPartition, capExamples, DEFAULT_FRACTIONS, type SplitName, type SplitFractions } from "./partition.js";
export { resolveMapping, SINGLE_INPUT_FALLBACKS, type FieldMapping, type MappingOptions } from "./mapping.js";
export { BatchSampler, kShotExamples, type BatchSamplerOptions, type BatchSamplerOptions as BatchOptions } from "./batches.js";
export { toSample } from "./sample.js";
export { detectFormat } from "./formats/detect.js";
export { PAPER_TASKS, loadPaperTask, parsePaperDataRef, type PaperTask, type PaperTaskKind, type PaperTaskOptions } from "./tasks.js";
export { formatShots, outputLayers, promptsWithShots } from "./shots.js";
export { DataLineSplitter, readDataLines, decodeDataFile, type DataLine } from "./lines.js";
export { outputLabels, unreachableGoldLabels } from "./labels.js";
