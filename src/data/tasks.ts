/**
 * The tasks of the Deep Language Networks paper, read from the layouts the original code used
 * (its `scripts/setup_data.sh` puts them under one data directory):
 *
 *   <dir>/bbh/<task>.json                       BIG-Bench Hard, the test set
 *   <dir>/bb_minus_bbh/<task>.json              BIG-Bench minus BBH, the train and dev sets
 *   <dir>/ordered_prompt/<task>/{train,dev_subsample,test}.jsonl   MPQA, TREC, Subj
 *   <dir>/leopard/<task>/<task>_eval.json       Disaster, Airline
 *   <dir>/gsm8k/{train,test}.jsonl              GSM8K (openai/grade-school-math)
 *
 * Nothing here downloads; docs/paper-tasks.md says where to get each file.
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { LossSpec } from "../network/types.js";
import { Rng } from "../util/random.js";
import type { DataProblem, Example, Splits } from "./types.js";
import { DataError } from "./errors.js";
import { loadExamples } from "./load.js";
import { capExamples, seededPartition } from "./partition.js";
import { appendOptionList, goldLetter, gsm8kAnswer, shuffleOptions } from "./paper/transforms.js";

export type PaperTaskKind = "bbh" | "nlu" | "gsm8k";

export interface PaperTask {
  name: string;
  kind: PaperTaskKind;
  /** The output classes (gold answers are always one of them), when the task is a classification. */
  labels?: string[];
  /** The fields of the published files that hold the input text and the gold answer. */
  defaultFields: { input: string; target: string };
  /** The loss the paper scored the task with. */
  loss: { type: LossSpec["type"]; normalize: NonNullable<LossSpec["normalize"]> };
  description: string;
  /** Where to get the data, and where to put it under the data directory. */
  source: string;
  /** Raw label in the file → the paper's label word. */
  labelMap?: Record<string, string>;
  /** The paper's split sizes. */
  caps: { train?: number; dev?: number; test?: number };
}

const LETTERS = "ABCDEFG".split("");
const choiceLoss = { type: "exact_match", normalize: "first_word" } as const;
const BBH_SOURCE =
  "test: bbh/<task>.json from https://github.com/suzgunmirac/BIG-Bench-Hard (folder bbh/); " +
  "train/dev: bb_minus_bbh/<task>.json made by scripts/split_bigbench_<task>.py of https://github.com/microsoft/deep-language-networks " +
  "(BIG-Bench examples that are not in BBH)";

function bbhTask(name: string, labels: string[], description: string): PaperTask {
  return {
    name,
    kind: "bbh",
    labels,
    defaultFields: { input: "input", target: "target" },
    loss: choiceLoss,
    description,
    source: BBH_SOURCE.replaceAll("<task>", name),
    caps: { train: 1000, dev: 1000 },
  };
}

function nluTask(name: string, labelMap: Record<string, string>, description: string, source: string, leopard: boolean): PaperTask {
  return {
    name,
    kind: "nlu",
    labels: [...new Set(Object.values(labelMap))],
    defaultFields: leopard ? { input: "sentence1", target: "label" } : { input: "sentence", target: "label" },
    loss: choiceLoss,
    description,
    source,
    labelMap,
    caps: leopard ? { train: 1000, dev: 250, test: 250 } : { train: 1000, test: 250 },
  };
}

const ORDERED_PROMPT = (task: string) =>
  `ordered_prompt/${task}/{train,dev_subsample,test}.jsonl from https://github.com/yaolu/Ordered-Prompt (folder data/${task}/)`;
const LEOPARD = (task: string) => `leopard/${task}/${task}_eval.json from https://github.com/iesl/leopard (folder data/json/${task}/)`;

export const PAPER_TASKS: Record<string, PaperTask> = {
  hyperbaton: bbhTask("hyperbaton", LETTERS.slice(0, 2), "BBH: which of two phrases has the correct English adjective order; answer A or B."),
  navigate: bbhTask("navigate", ["Yes", "No"], "BBH: do the movement instructions return to the starting point; answer Yes or No."),
  date_understanding: bbhTask("date_understanding", LETTERS.slice(0, 6), "BBH: infer a date from context; six options A–F."),
  logical_deduction_seven_objects: bbhTask(
    "logical_deduction_seven_objects",
    LETTERS.slice(0, 7),
    "BBH: deduce the order of seven objects from clues; seven options A–G.",
  ),
  mpqa: nluTask("mpqa", { "0": "negative", "1": "positive" }, "MPQA: polarity of a short opinion phrase.", ORDERED_PROMPT("mpqa"), false),
  trec: nluTask(
    "trec",
    { "0": "description", "1": "entity", "2": "expression", "3": "human", "4": "location", "5": "number" },
    "TREC: the type of answer a question asks for (6 classes).",
    ORDERED_PROMPT("trec"),
    false,
  ),
  subj: nluTask("subj", { "0": "subjective", "1": "objective" }, "Subj: is a movie-review sentence subjective or objective.", ORDERED_PROMPT("subj"), false),
  disaster: nluTask(
    "disaster",
    { "Not Relevant": "no", Relevant: "yes" },
    "Disaster (Leopard): is a tweet about a real disaster; yes or no.",
    LEOPARD("disaster"),
    true,
  ),
  airline: nluTask(
    "airline",
    { positive: "positive", negative: "negative", neutral: "neutral" },
    "Airline (Leopard): sentiment of a tweet to an airline: positive, negative or neutral.",
    LEOPARD("airline"),
    true,
  ),
  gsm8k: {
    name: "gsm8k",
    kind: "gsm8k",
    defaultFields: { input: "question", target: "answer" },
    loss: { type: "number_match", normalize: "none" },
    description: "GSM8K: grade-school math word problems; the gold is the number after `####`.",
    source: "gsm8k/{train,test}.jsonl from https://github.com/openai/grade-school-math (folder grade_school_math/data/)",
    caps: { train: 300, dev: 300, test: 300 },
  },
};

export interface PaperTaskOptions {
  /** The network's inputs; a paper task has one input text, so exactly one name. */
  inputs: string[];
  seed: number;
  /** Override the paper's split sizes. */
  caps?: { train?: number; dev?: number; test?: number };
  /** BBH: re-order the options of train and dev examples, as the paper did (default true). */
  shuffleOptions?: boolean;
  /** NLU: end each input with the list of label words, as the paper did (default true). */
  appendOptions?: boolean;
}

/** `paper:<task>` or `paper:<task>:<dir>` (default dir: `data`) → the task and its directory. */
export function parsePaperDataRef(data: string): { task: string; dir: string } | undefined {
  const [, task, dir = "data"] = /^paper:([A-Za-z0-9_]+)(?::(.+))?$/.exec(data) ?? [];
  return task === undefined ? undefined : { task, dir };
}

/** Loads one paper task from `dir` (laid out as above) into the paper's train/dev/test splits. */
export async function loadPaperTask(name: string, dir: string, opts: PaperTaskOptions): Promise<Splits> {
  const task = PAPER_TASKS[name];
  if (!task) {
    throw new DataError("E_DATA_TASK", `unknown paper task "${name}"; known: ${Object.keys(PAPER_TASKS).join(", ")}`);
  }
  const [input, ...more] = opts.inputs;
  if (input === undefined || more.length > 0) {
    throw new DataError(
      "E_DATA_TASK",
      `the paper task "${name}" gives one input text, but the network has ${opts.inputs.length} inputs (${opts.inputs.join(", ")})`,
    );
  }
  const caps = { ...task.caps, ...opts.caps };
  const loaded = await LOADERS[task.kind](task, dir, opts);
  const rename = (e: Example): Example => ({ ...e, inputs: { [input]: textOf(e) } });
  const splits: Splits = { train: [], dev: [], test: [], problems: loaded.problems };
  for (const split of ["train", "dev", "test"] as const) {
    splits[split] = capExamples(loaded[split], caps[split], opts.seed, `${name}:${split}`).map(rename);
  }
  return splits;
}

/** The input text of an example read for a paper task (readTaskFile keys it `text`). */
function textOf(e: Example): string {
  const text = e.inputs.text;
  if (text === undefined) throw new DataError("E_DATA_FIELDS", `the example "${e.id}" has no input text`, e.source?.file, e.source?.line);
  return text;
}

type TaskLoader = (task: PaperTask, dir: string, opts: PaperTaskOptions) => Promise<Splits>;

const LOADERS: Record<PaperTaskKind, TaskLoader> = { bbh: loadBbhTask, nlu: loadNluTask, gsm8k: loadGsm8kTask };

/** Examples keyed by the internal input name `text`, with the gold rewritten (or the record left out). */
async function readTaskFile(
  task: PaperTask,
  path: string,
  rewrite: (e: Example) => { text: string; target: string } | string,
): Promise<{ examples: Example[]; problems: DataProblem[] }> {
  const { examples, problems } = await loadExamples(path, {
    inputs: ["text"],
    fields: { text: task.defaultFields.input },
    target: task.defaultFields.target,
  });
  const kept: Example[] = [];
  for (const e of examples) {
    const out = rewrite(e);
    if (typeof out === "string") {
      problems.push({ file: path, line: e.source?.line ?? 0, message: out });
      continue;
    }
    kept.push({ ...e, inputs: { text: out.text }, target: out.target });
  }
  return { examples: kept, problems };
}

async function loadBbhTask(task: PaperTask, dir: string, opts: PaperTaskOptions): Promise<Splits> {
  const labels = task.labels ?? [];
  const isChoice = labels.every((l) => LETTERS.includes(l));
  const gold = (e: Example): { text: string; target: string } | string => {
    const text = textOf(e);
    const target = isChoice ? goldLetter(text, e.target) : labels.find((l) => l.toLowerCase() === e.target.trim().toLowerCase());
    if (target === undefined || !labels.includes(target)) {
      return `the target "${e.target}" is not one of ${labels.join(", ")}${isChoice ? " (or the text of an option)" : ""}`;
    }
    return { text, target };
  };
  const testPath = join(dir, "bbh", `${task.name}.json`);
  const trainPath = join(dir, "bb_minus_bbh", `${task.name}.json`);
  const test = await readTaskFile(task, testPath, gold);
  const problems = [...test.problems];
  let train: Example[];
  let dev: Example[];
  let testExamples = test.examples;
  if (await exists(trainPath)) {
    const pool = await readTaskFile(task, trainPath, gold);
    problems.push(...pool.problems);
    // The paper: half of BIG-Bench-minus-BBH for training, the other half for dev.
    const parts = seededPartition(pool.examples, ["train", "dev"], { train: 1, dev: 1, test: 0 }, opts.seed);
    train = parts.train;
    dev = parts.dev;
    // The original added the training examples to date_understanding's dev set (it is tiny).
    if (task.name === "date_understanding") dev = [...dev, ...train];
  } else {
    // Only the BBH file: split it with the seed instead.
    const parts = seededPartition(test.examples, ["train", "dev", "test"], { train: 0.5, dev: 0.25, test: 0.25 }, opts.seed);
    ({ train, dev } = parts);
    testExamples = parts.test;
  }
  if (isChoice && opts.shuffleOptions !== false) {
    const rng = new Rng(opts.seed).fork(`options:${task.name}`);
    const shuffle = (e: Example): Example => {
      const s = shuffleOptions(textOf(e), e.target, rng);
      return { ...e, inputs: { text: s.input }, target: s.target };
    };
    train = train.map(shuffle);
    dev = dev.map(shuffle);
  }
  return { train, dev, test: testExamples, problems };
}

async function loadNluTask(task: PaperTask, dir: string, opts: PaperTaskOptions): Promise<Splits> {
  const labelMap = task.labelMap ?? {};
  const labels = task.labels ?? [];
  const gold = (e: Example): { text: string; target: string } | string => {
    const raw = e.target.trim();
    const target = labelMap[raw] ?? labels.find((l) => l === raw.toLowerCase());
    if (target === undefined) return `the label "${e.target}" is not one of ${Object.keys(labelMap).join(", ")}`;
    const text = textOf(e);
    return { text: opts.appendOptions === false ? text : appendOptionList(text, labels), target };
  };
  const problems: DataProblem[] = [];
  if (task.defaultFields.input === "sentence1") {
    const all = await readTaskFile(task, join(dir, "leopard", task.name, `${task.name}_eval.json`), gold);
    problems.push(...all.problems);
    // The paper: 1500 random examples, 1000 / 250 / 250 (the caps cut the splits to those sizes).
    const parts = seededPartition(all.examples, ["train", "dev", "test"], { train: 1000, dev: 250, test: 250 }, opts.seed);
    return { ...parts, problems };
  }
  const read = async (file: string) => {
    const r = await readTaskFile(task, join(dir, "ordered_prompt", task.name, file), gold);
    problems.push(...r.problems);
    return r.examples;
  };
  return { train: await read("train.jsonl"), dev: await read("dev_subsample.jsonl"), test: await read("test.jsonl"), problems };
}

async function loadGsm8kTask(task: PaperTask, dir: string, opts: PaperTaskOptions): Promise<Splits> {
  const gold = (e: Example): { text: string; target: string } | string => {
    const target = gsm8kAnswer(e.target);
    return target === undefined ? `the answer has no "#### <number>" line` : { text: textOf(e), target };
  };
  const pool = await readTaskFile(task, join(dir, "gsm8k", "train.jsonl"), gold);
  const test = await readTaskFile(task, join(dir, "gsm8k", "test.jsonl"), gold);
  const parts = seededPartition(pool.examples, ["train", "dev"], { train: 1, dev: 1, test: 0 }, opts.seed);
  return { train: parts.train, dev: parts.dev, test: test.examples, problems: [...pool.problems, ...test.problems] };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
