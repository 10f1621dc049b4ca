/**
 * `dln run <network>`: streams JSONL samples through a network and writes one JSONL result per
 * sample. Reading, running and writing are one pipeline with bounded buffers: the input is read
 * only as fast as results are written (in input order unless --unordered), so memory stays flat
 * from file to file. See docs/executor.md.
 *
 * Exit status: 0 every sample succeeded, 1 any sample failed, 2 usage error (bad flags, missing
 * files, invalid network).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT } from "../exit.js";
import {
  addConcurrencyOption,
  addJsonOption,
  addModelOptions,
  addPromptsOption,
  checkModels,
  failCommand,
  loadGraphForCommand,
  loadPromptsForCommand,
  numberFlag,
  UsageError,
  type ModelFlags,
} from "../shared.js";
import { InvalidSample, type Graph, type GraphRunOptions, type RunResult, type Sample } from "../../graph.js";
import { createProgressBar, formatCount } from "../progress.js";
import { readDataLines } from "../../data/lines.js";

interface RunFlags extends ModelFlags {
  input: string;
  output: string;
  prompts?: string;
  concurrency?: string;
  temperature?: string;
  trace?: boolean;
  unordered?: boolean;
  failFast?: boolean;
  json?: boolean;
}

/** Failed samples named in the summary, at most (the output file names them all). */
const SUMMARY_FAILURES = 20;

export function registerRun(program: Command, ctx: CliContext): void {
  const command = addModelOptions(program.command("run"))
    .description("run a network on JSONL samples and write one JSONL result per sample")
    .argument("<network>", "network file (JSON5)")
    .option("-i, --input <file>", "JSONL samples, one object per line with the network's input fields; - for stdin", "-")
    .option("-o, --output <file>", "where results go, one JSON object per line; - for stdout", "-");
  addPromptsOption(command, "prompt overrides: a JSON file of layer id → prompt, or a training run directory (best.json / result.json)");
  addConcurrencyOption(command)
    .option("--temperature <t>", "override every layer's temperature")
    .option("--trace", "include every node's value and trace (rendered prompt, raw text, usage, latency) in each result")
    .option("--unordered", "write results as they complete instead of in input order")
    .option("--fail-fast", "stop at the first failed sample");
  addJsonOption(command, "print the final summary as one JSON object on stderr")
    .addHelpText(
      "after",
      `
Each input line is a JSON object with the network's input fields; other fields (such as id) are
copied to its result. Each output line is {index, line, id?, ...extra fields, output} or, for a
failed sample, {index, line, id?, error: {node?, code, message}}.

Exit status: 0 all samples succeeded, 1 some failed, 2 usage error.

Examples:
  $ dln run networks/dln-2.json5 --input samples.jsonl --output results.jsonl
  $ cat samples.jsonl | dln run net.json5 --prompts runs/2024-06-01 --unordered > out.jsonl
  $ dln run net.json5 -i samples.jsonl --model fwd=openai:gpt-4o-mini --cache off`,
    )
    .action(async (networkPath: string, flags: RunFlags) => {
      try {
        ctx.exitCode = await runCommand(networkPath, flags, ctx);
      } catch (err) {
        ctx.exitCode = failCommand(ctx, "run", err);
      }
    });
}

/** Per sample in flight: its line number and the fields that pass through to its result. */
type SampleMeta = Map<number, { line: number; extras?: Record<string, unknown> }>;

async function runCommand(networkPath: string, flags: RunFlags, ctx: CliContext): Promise<number> {
  const concurrency = numberFlag(flags.concurrency ?? "64", "--concurrency", "cli.concurrency");
  const temperature = numberFlag(flags.temperature, "--temperature", "layer.temperature");
  const graph = await loadGraphForCommand(networkPath, ctx, flags, "run");
  try {
    const prompts = flags.prompts === undefined ? undefined : await loadPromptsForCommand(flags.prompts, graph.network, ctx, "run");
    const inputPath = flags.input === "-" ? undefined : resolve(ctx.cwd, flags.input);
    if (inputPath && !(await isFile(inputPath))) throw new UsageError(`no such input file: ${flags.input}`);
    // A model that cannot work (missing ${VAR}, refused key, dead endpoint) is reported once, not as an error row per sample.
    await checkModels(graph.models, graph.modelsInUse(), { probe: flags.cache !== "readonly" });
    const out: Writable = flags.output === "-" ? ctx.stdout : createWriteStream(resolve(ctx.cwd, flags.output));
    const options: GraphRunOptions = {
      prompts,
      temperature,
      concurrency,
      trace: flags.trace,
      failFast: flags.failFast,
      signal: ctx.signal,
      ordered: !flags.unordered,
    };
    const summary = await streamResults(graph, inputPath, out, options, ctx);
    if (out !== ctx.stdout) await new Promise<void>((done, fail) => out.end((err?: Error | null) => (err ? fail(err) : done())));
    writeSummary(ctx, flags.json ?? false, { ...summary, usage: graph.models.usage().total });
    return summary.failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await graph.close();
  }
}

const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * The pipeline: input lines → graph.run() → one JSONL line per result, with bounded buffers (the
 * input is read no faster than results are written; in input order unless --unordered).
 */
async function streamResults(
  graph: Graph,
  inputPath: string | undefined,
  out: Writable,
  options: GraphRunOptions,
  ctx: CliContext,
): Promise<Omit<Summary, "usage">> {
  const total = inputPath && ctx.stderr.isTTY ? await countLines(inputPath) : undefined;
  const progress = createProgressBar(ctx, { label: "run" });
  const started = performance.now();
  const summary = { samples: 0, ok: 0, failed: 0, failures: [] as Summary["failures"] };
  const meta: SampleMeta = new Map();
  const writer = resultWriter(out, meta, summary, options.trace ?? false);
  const onProgress: GraphRunOptions["onProgress"] = (p) =>
    progress.update({ done: p.done, total, failed: p.failed, tokens: p.usage.promptTokens + p.usage.completionTokens });
  try {
    const results = graph.run(readSamples(inputPath, ctx, graph.inputs, meta, writer), { ...options, onProgress });
    await new Promise<void>((done, fail) => results.subscribe({ next: writer.write, error: fail, complete: done }));
  } finally {
    progress.stop();
  }
  return { ...summary, wallMs: performance.now() - started };
}

/** Writes each result as a JSONL line and counts it; `drained` is set while the output is full. */
function resultWriter(out: Writable, meta: SampleMeta, summary: Omit<Summary, "usage" | "wallMs">, trace: boolean) {
  const writer = {
    drained: undefined as Promise<unknown> | undefined,
    write(r: RunResult): void {
      const m = meta.get(r.index);
      meta.delete(r.index);
      summary.samples++;
      if (r.error) {
        summary.failed++;
        if (summary.failures.length < SUMMARY_FAILURES) summary.failures.push({ line: m?.line ?? 0, id: r.id, node: r.error.node, code: r.error.code });
      } else summary.ok++;
      if (!out.write(`${JSON.stringify(outputRecord(r, m, trace))}\n`) && !writer.drained) {
        writer.drained = once(out, "drain").finally(() => (writer.drained = undefined));
      }
    },
  };
  return writer;
}

/** The input's JSONL lines as samples (an InvalidSample for a line that cannot be one), read no faster than the output drains. */
async function* readSamples(
  inputPath: string | undefined,
  ctx: CliContext,
  inputs: readonly string[],
  meta: SampleMeta,
  writer: { drained?: Promise<unknown> },
): AsyncGenerator<Sample | InvalidSample> {
  const input = inputPath ? createReadStream(inputPath) : ctx.stdin;
  let index = 0;
  try {
    // The data reader every command shares (src/data/lines.ts): byte-order mark, CRLF, non-UTF-8 lines.
    for await (const { line: lineNo, text, problem } of readDataLines(input as AsyncIterable<Uint8Array | string>)) {
      if (problem === undefined && text.trim() === "") continue;
      if (writer.drained) await writer.drained;
      const sample = problem !== undefined ? new InvalidSample("E_INVALID_TEXT", `line ${lineNo}: ${problem}`) : readSample(text, lineNo, inputs);
      meta.set(index++, { line: lineNo, extras: sample instanceof InvalidSample ? undefined : extrasOf(sample, inputs) });
      yield sample;
    }
  } finally {
    if (inputPath) (input as ReturnType<typeof createReadStream>).destroy();
  }
}

/** A JSONL line as a sample, or an InvalidSample naming the line when it is not usable. */
function readSample(text: string, line: number, inputs: readonly string[]): Sample | InvalidSample {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return new InvalidSample("E_INVALID_JSON", `line ${line}: not valid JSON (${(err as Error).message})`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return new InvalidSample("E_INVALID_SAMPLE", `line ${line}: expected a JSON object with the fields ${inputs.join(", ")}`);
  }
  const sample = value as Sample;
  const id = typeof sample.id === "string" || typeof sample.id === "number" ? String(sample.id) : undefined;
  const missing = inputs.filter((name) => sample[name] === undefined);
  if (missing.length > 0) {
    return new InvalidSample("E_MISSING_INPUT", `line ${line}: missing input field${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`, id);
  }
  return sample;
}

function extrasOf(sample: Sample, inputs: readonly string[]): Record<string, unknown> | undefined {
  let extras: Record<string, unknown> | undefined;
  for (const key of Object.keys(sample)) {
    if (key === "id" || inputs.includes(key)) continue;
    (extras ??= {})[key] = sample[key];
  }
  return extras;
}

function outputRecord(r: RunResult, m: { line: number; extras?: Record<string, unknown> } | undefined, trace: boolean): Record<string, unknown> {
  const record: Record<string, unknown> = { index: r.index, line: m?.line };
  if (r.id !== undefined) record.id = r.id;
  if (m?.extras) for (const [k, v] of Object.entries(m.extras)) if (!(k in record)) record[k] = v;
  if (r.error) record.error = r.error;
  else record.output = r.output;
  if (trace) {
    record.values = r.values;
    record.trace = r.trace;
  }
  return record;
}

async function countLines(path: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(path)) {
    for (let i = (chunk as Buffer).indexOf(10); i >= 0; i = (chunk as Buffer).indexOf(10, i + 1)) count++;
  }
  return count;
}

interface Summary {
  samples: number;
  ok: number;
  failed: number;
  failures: Array<{ line: number; id?: string; node?: string; code: string }>;
  wallMs: number;
  usage: { requests: number; promptTokens: number; completionTokens: number; cacheHits: number; cost: number };
}

function writeSummary(ctx: CliContext, json: boolean, s: Summary): void {
  if (json) {
    ctx.stderr.write(`${JSON.stringify({ ...s, wallMs: Math.round(s.wallMs) })}\n`);
    return;
  }
  const secs = s.wallMs / 1000;
  const tokens = s.usage.promptTokens + s.usage.completionTokens;
  let line = `dln run: ${s.ok} ok, ${s.failed} failed of ${s.samples} samples in ${secs.toFixed(1)}s (${(s.samples / Math.max(secs, 1e-3)).toFixed(1)}/s), ${s.usage.requests} requests, ${s.usage.cacheHits} cached, ${formatCount(tokens)} tokens`;
  if (s.usage.cost > 0) line += `, $${s.usage.cost.toFixed(4)}`;
  ctx.stderr.write(`${line}\n`);
  if (s.failed > 0) {
    const named = s.failures.map((f) => `line ${f.line}${f.id !== undefined ? ` (id ${f.id})` : ""}: ${f.code}${f.node ? ` at ${f.node}` : ""}`);
    const more = s.failed > named.length ? `\n  … and ${s.failed - named.length} more (see the error field of the results)` : "";
    ctx.stderr.write(`failed samples:\n  ${named.join("\n  ")}${more}\n`);
  }
}
