/**
 * What several commands share: usage errors (exit 2), the flags declared once (`--model`/`--cache`,
 * the data flags, `--seed`, `--json`, `--concurrency`, the budgets) as option builders applied to
 * each command, the one parser of numbers, loading the network as a `Graph` with the flags' model
 * settings, and the error report of a command. One place, so `run`, `train`, `eval` and `demo`
 * behave alike.
 */
import { isAbsolute, resolve } from "node:path";
import { Option, type Command } from "commander";
import type { CompiledNetwork } from "../compile/types.js";
import { loadNetwork, type Graph, type GraphModelOptions } from "../graph.js";
import { formatDiagnostic, NetworkError } from "../network/diagnostics.js";
import { exitCodeOf, formatError } from "./exit.js";
import { loadSplits, parsePaperDataRef, type SplitOptions, type Splits } from "../data/index.js";
import { unreachableGoldLabels } from "../data/labels.js";
import { loadPromptOverrides } from "../exec/prompts.js";
import { DEFAULT_CACHE_FILE } from "../llm/factory.js";
import { ModelRegistry } from "../llm/registry.js";
import { AuthenticationError, EndpointDeadError, MissingEnvVarError, UnsupportedError } from "../llm/errors.js";
import { describeLimit, LIMITS, type LimitName, type NumberLimit } from "../network/limits.js";
import type { ModelSpec, ProviderName } from "../network/types.js";
import type { CliContext } from "./context.js";
import { DlnError, type DlnErrorOptions } from "../util/errors.js";

/** A mistake in how the command was called (`E_USAGE`): reported on stderr, exit status 2. */
export class UsageError extends DlnError {
  constructor(message: string, options: Omit<DlnErrorOptions, "kind"> & { code?: string } = {}) {
    super(options.code ?? "E_USAGE", message, { ...options, kind: "usage" });
  }
}

/**
 * A model that cannot be used as configured (`E_MODEL_CONFIG`: a missing `${VAR}`, a refused key, an
 * unreachable endpoint), found before the first sample: reported once, exit status 2.
 */
export class ConfigError extends UsageError {
  constructor(message: string, options: Omit<DlnErrorOptions, "kind"> = {}) {
    super(message, { ...options, code: "E_MODEL_CONFIG" });
  }
}

/**
 * The one parser of numeric flags: `--prompt-samples 12` → 12, checked against its range in
 * src/network/limits.ts (the same range as the network file's field) before anything is read or
 * sent. Undefined when the flag was not given (a flag with a default is always given).
 */
export function numberFlag(text: string, flag: string, limit: LimitName | NumberLimit): number;
export function numberFlag(text: string | undefined, flag: string, limit: LimitName | NumberLimit): number | undefined;
export function numberFlag(text: string | undefined, flag: string, limit: LimitName | NumberLimit): number | undefined {
  if (text === undefined) return undefined;
  const range: NumberLimit = typeof limit === "string" ? LIMITS[limit] : limit;
  const n = text.trim() === "" ? Number.NaN : Number(text);
  const ok = Number.isFinite(n) && (!range.integer || Number.isInteger(n)) && (range.exclusiveMinimum ? n > range.min : n >= range.min) && n <= range.max;
  if (!ok) throw new UsageError(`${flag} must be ${describeLimit(range)} (got "${text}")`);
  return n;
}

/** Errors that say the configuration is wrong, not that a request was unlucky. */
const isConfigProblem = (err: unknown): boolean =>
  err instanceof MissingEnvVarError ||
  err instanceof AuthenticationError ||
  err instanceof EndpointDeadError ||
  err instanceof UnsupportedError ||
  (err as { status?: number }).status === 404 ||
  (err as { code?: string }).code === "E_LLAMA_MODEL_NOT_FOUND";

/**
 * Checks, before the first sample, that every model in use can be built (its `${VAR}`s are set,
 * its settings make sense) and answers (the capability probe: a refused key, a dead endpoint or an
 * unknown model shows here). A problem is reported once, naming the model, instead of failing
 * every sample. With a read-only cache (a replay, maybe offline) the endpoints are not asked.
 */
export async function checkModels(registry: ModelRegistry, names: readonly string[], options: { probe: boolean }): Promise<void> {
  const problems = await Promise.all(
    names.map(async (name) => {
      try {
        const client = await registry.get(name);
        if (options.probe) await client.capabilities();
        return undefined;
      } catch (err) {
        return { name, err };
      }
    }),
  );
  const found = problems.filter((p): p is { name: string; err: unknown } => p !== undefined);
  if (found.length === 0) return;
  const message = found.map((p) => `model "${p.name}" cannot be used: ${(p.err as Error)?.message ?? String(p.err)}`).join("\n");
  // The advice of each model's error (e.g. "export OPENAI_API_KEY=…") travels with the report.
  const hints = [...new Set(found.flatMap((p) => (p.err instanceof DlnError && p.err.hint ? [p.err.hint] : [])))];
  const hint = hints.length > 0 ? hints.join("; ") : undefined;
  if (found.some((p) => isConfigProblem(p.err))) throw new ConfigError(message, { hint });
  throw new DlnError("E_MODEL_UNUSABLE", message, { hint }); // kind failed: exit 1, as before
}

export type CacheFlag = "readwrite" | "readonly" | "off";

/** For repeatable options: `--model a --model b` → ["a", "b"]. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `--model name=provider:model` (repeatable) and `--cache <mode>` to a command. */
export function addModelOptions(
  command: Command,
  modelHelp = "replace a model of the network, e.g. fwd=openai:gpt-4o-mini (repeatable; name * for all)",
): Command {
  return command
    .option("--model <name=provider:model>", modelHelp, collect, [])
    .addOption(new Option("--cache <mode>", `response cache (${DEFAULT_CACHE_FILE})`).choices(["readwrite", "readonly", "off"]).default("readwrite"));
}

/** The help of the data flags where a command says it its own way. */
export interface DataHelp {
  train?: string;
  dev?: string;
  test?: string;
  target?: string;
}

/** Adds the data flags (`--data`, `--train`, `--dev`, `--test`, `--field`, `--target`): see DataFlags. */
export function addDataOptions(command: Command, help: DataHelp = {}): Command {
  return command
    .option("--data <path>", "data file (JSONL, CSV or BIG-Bench JSON) cut into train/dev/test with the seed, or paper:<task>[:<dir>]")
    .option("--train <file>", help.train ?? "training examples")
    .option("--dev <file>", help.dev ?? "dev examples")
    .option("--test <file>", help.test ?? "test examples")
    .option("--field <input=field>", "read a network input from a differently named file field (repeatable)", collect, [])
    .option("--target <field>", help.target ?? "file field with the gold answer");
}

/** `--prompts <path>`: prompt overrides (see loadPromptsForCommand). */
export function addPromptsOption(command: Command, help: string): Command {
  return command.option("--prompts <path>", help);
}

/** `--run-dir <dir>`: where a training run writes. */
export function addRunDirOption(command: Command, help: string): Command {
  return command.option("--run-dir <dir>", help);
}

/** `--iterations <n>` (checked against train.iterations's range by numberFlag). */
export function addIterationsOption(command: Command, help: string): Command {
  return command.option("--iterations <n>", help);
}

/** `--seed <n>` (checked against train.seed's range by numberFlag). */
export function addSeedOption(command: Command, help: string, defaultValue?: string): Command {
  return command.option("--seed <n>", help, defaultValue);
}

/** `--json` with what it prints. */
export function addJsonOption(command: Command, help: string): Command {
  return command.option("--json", help);
}

/** `-c, --concurrency <n>` (default 64). */
export function addConcurrencyOption(command: Command): Command {
  return command.option("-c, --concurrency <n>", "most samples in flight (the models' own limits still apply)", "64");
}

/** `--budget-tokens`, `--budget-requests`, `--budget-cost`: see budgetFromFlags. */
export function addBudgetOptions(command: Command): Command {
  return command
    .option("--budget-tokens <n>", "stop after the iteration that spends this many tokens")
    .option("--budget-requests <n>", "stop after the iteration that sends this many requests")
    .option("--budget-cost <dollars>", "stop after the iteration that spends this much (needs model prices)");
}

export interface BudgetFlags {
  budgetTokens?: string;
  budgetRequests?: string;
  budgetCost?: string;
}

/** The budgets given (only those), checked against their ranges. */
export function budgetFromFlags(f: BudgetFlags): { tokens?: number; requests?: number; cost?: number } {
  const budget = {
    tokens: numberFlag(f.budgetTokens, "--budget-tokens", "train.budget.tokens"),
    requests: numberFlag(f.budgetRequests, "--budget-requests", "train.budget.requests"),
    cost: numberFlag(f.budgetCost, "--budget-cost", "train.budget.cost"),
  };
  return Object.fromEntries(Object.entries(budget).filter(([, v]) => v !== undefined));
}

/** The flags of addModelOptions. */
export interface ModelFlags {
  model?: readonly string[];
  cache?: CacheFlag;
}

const PROVIDERS: ProviderName[] = ["openai", "llama", "sim"];

/**
 * `--model fwd=openai:gpt-4o-mini` → overrides for ModelRegistry; `*` applies to every model.
 * The rest of the model's settings (temperature, maxTokens, …) are kept; ModelRegistry drops its
 * endpoint settings when the provider changes (a sim model replaced by `openai:…` reads
 * OPENAI_API_KEY / OPENAI_BASE_URL).
 * A llama model's file path typed here resolves against `cwd` (the working directory), not against
 * the network file's directory as a path written in the file does.
 */
export function parseModelOverrides(values: readonly string[], network: CompiledNetwork, cwd: string = process.cwd()): Record<string, Partial<ModelSpec>> {
  const overrides: Record<string, Partial<ModelSpec>> = {};
  for (const value of values) {
    const [, name, provider, model] = /^([^=]+)=([a-z]+):(.+)$/.exec(value) ?? [];
    if (name === undefined || provider === undefined || model === undefined) {
      throw new UsageError(`--model ${value}: expected name=provider:model, e.g. fwd=openai:gpt-4o-mini or '*=sim:tasks'`);
    }
    if (!PROVIDERS.includes(provider as ProviderName)) throw new UsageError(`--model ${value}: unknown provider "${provider}" (use ${PROVIDERS.join(", ")})`);
    if (name !== "*" && !(name in network.models)) {
      throw new UsageError(`--model ${value}: the network has no model "${name}" (its models: ${Object.keys(network.models).join(", ") || "none"})`);
    }
    const typedPath = provider === "llama" && !/^(hf:|https?:)/i.test(model) && !model.includes("${") && !isAbsolute(model);
    overrides[name] = { provider: provider as ProviderName, model: typedPath ? resolve(cwd, model) : model };
  }
  return overrides;
}

/** The model settings of a command: the `--model` overrides, the `--cache` mode, the environment, warnings on stderr. */
function modelOptions(
  network: CompiledNetwork,
  ctx: CliContext,
  flags: ModelFlags,
  command: string,
): Required<Omit<GraphModelOptions, "env">> & { env: NodeJS.ProcessEnv } {
  const mode = flags.cache ?? "readwrite";
  return {
    env: ctx.env,
    cache: mode === "off" ? { mode: "off" } : { mode, path: resolve(ctx.cwd, DEFAULT_CACHE_FILE) },
    models: parseModelOverrides(flags.model ?? [], network, resolve(ctx.cwd)),
    warn: (m) => ctx.stderr.write(`dln ${command}: ${m}\n`),
  };
}

/** The model registry of a command: the network's models with `--model` overrides and the `--cache` mode. */
export function createRegistry(network: CompiledNetwork, ctx: CliContext, flags: ModelFlags, command: string): ModelRegistry {
  const { env, cache, models, warn } = modelOptions(network, ctx, flags, command);
  return new ModelRegistry(network.models, { baseDir: network.baseDir, env, cache, overrides: models, warn });
}

/**
 * Loads a network file as a Graph (`loadNetwork`) whose models follow the `--model`/`--cache`
 * flags. Its diagnostics go to stderr (`file:line:column: error CODE message`), warnings too; an
 * invalid network is a usage error.
 */
export async function loadGraphForCommand(path: string, ctx: CliContext, flags: ModelFlags, command: string): Promise<Graph> {
  let graph: Graph;
  try {
    graph = await loadNetwork(path, { cwd: ctx.cwd });
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    for (const d of err.diagnostics) ctx.stderr.write(`${formatDiagnostic(d)}\n`);
    const errors = err.diagnostics.filter((d) => d.severity === "error").length;
    throw new UsageError(`the network ${path} is not valid (${errors} error${errors === 1 ? "" : "s"} above)`);
  }
  for (const w of graph.warnings) ctx.stderr.write(`${formatDiagnostic(w)}\n`);
  return graph.withModels(modelOptions(graph.network, ctx, flags, command));
}

/** Reports a command's error on stderr (`dln <command>: error …`, with its hint) and returns the exit status. */
export function failCommand(ctx: CliContext, command: string, err: unknown): number {
  ctx.stderr.write(`dln ${command}: ${formatError(err)}`);
  return exitCodeOf(err);
}

/** `--prompts <file or run dir>`: prompt overrides, with a warning for ids that name no layer. */
export async function loadPromptsForCommand(path: string, network: CompiledNetwork, ctx: CliContext, command: string): Promise<Record<string, string>> {
  let prompts: Record<string, string>;
  try {
    prompts = await loadPromptOverrides(resolve(ctx.cwd, path));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const known = new Set<string>();
  for (const n of network.nodes.values()) if (n.kind === "layer") known.add(n.id).add(n.param);
  const unknown = Object.keys(prompts).filter((id) => !known.has(id));
  if (unknown.length > 0) ctx.stderr.write(`dln ${command}: warning: --prompts names no layer ${unknown.join(", ")} (ignored)\n`);
  return prompts;
}

/** `--field q=question` (repeatable) → { q: "question" }. */
export function parseFieldMappings(values: readonly string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const value of values) {
    const [, input, field] = /^([^=\s]+)=(.+)$/.exec(value) ?? [];
    if (input === undefined || field === undefined) throw new UsageError(`--field ${value}: expected input=field, e.g. --field x=question`);
    if (input in out) throw new UsageError(`--field maps the input "${input}" twice`);
    out[input] = field;
  }
  return out;
}

/** The data flags shared by `train` and `eval`. */
export interface DataFlags {
  data?: string;
  train?: string;
  dev?: string;
  test?: string;
  field: string[];
  target?: string;
}

/**
 * Loads train/dev/test from the data flags (`--data file|paper:<task>[:<dir>]`, or separate
 * files); malformed records are reported on stderr with file and line, and left out.
 */
export async function loadSplitsForCommand(
  flags: DataFlags,
  network: CompiledNetwork,
  ctx: CliContext,
  options: { seed: number; caps?: SplitOptions["caps"]; command: string },
): Promise<Splits> {
  const at = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(ctx.cwd, p));
  const paper = flags.data !== undefined ? parsePaperDataRef(flags.data) : undefined;
  const splits = await loadSplits({
    data: paper ? `paper:${paper.task}:${resolve(ctx.cwd, paper.dir)}` : at(flags.data),
    train: at(flags.train),
    dev: at(flags.dev),
    test: at(flags.test),
    inputs: network.inputs,
    fields: parseFieldMappings(flags.field),
    target: flags.target ?? network.spec.loss?.target,
    seed: options.seed,
    caps: options.caps,
  });
  const { problems } = splits;
  if (problems.length > 0) {
    const shown = 5;
    ctx.stderr.write(`dln ${options.command}: ${problems.length} malformed record${problems.length > 1 ? "s" : ""} left out:\n`);
    for (const p of problems.slice(0, shown)) ctx.stderr.write(`  ${p.file}:${p.line}: ${p.message}\n`);
    if (problems.length > shown) ctx.stderr.write(`  … and ${problems.length - shown} more\n`);
  }
  const unreachable = unreachableGoldLabels([...splits.train, ...splits.dev, ...splits.test], network);
  if (unreachable.length > 0) {
    const shown = 5;
    ctx.stderr.write(
      `dln ${options.command}: warning: ${unreachable.length} example${unreachable.length > 1 ? "s have a gold answer" : " has a gold answer"} no output class can give:\n`,
    );
    for (const p of unreachable.slice(0, shown)) ctx.stderr.write(`  ${p.file}:${p.line}: ${p.message}\n`);
    if (unreachable.length > shown) ctx.stderr.write(`  … and ${unreachable.length - shown} more\n`);
  }
  return splits;
}
