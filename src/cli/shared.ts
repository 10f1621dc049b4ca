/**
 * What several commands share: usage errors (exit 2), the `--model` and `--cache` flags, and the
 * model registry built from them. One place, so `run`, `train`, `eval` and `demo` behave alike.
 */
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import type { CompiledNetwork } from "../compile/types.js";
import { DEFAULT_CACHE_FILE } from "../llm/factory.js";
import { ModelRegistry } from "../llm/registry.js";
import type { ModelSpec, ProviderName } from "../spec/types.js";
import type { CliContext } from "./context.js";

/** A mistake in how the command was called: reported on stderr, exit status 2. */
export class UsageError extends Error {}

export type CacheFlag = "readwrite" | "readonly" | "off";

/** For repeatable options: `--model a --model b` → ["a", "b"]. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `--model name=provider:model` (repeatable) and `--cache <mode>` to a command. */
export function addModelOptions(command: Command): Command {
  return command
    .option("--model <name=provider:model>", "replace a model of the network, e.g. fwd=openai:gpt-4o-mini (repeatable; name * for all)", collect, [])
    .addOption(
      new Option("--cache <mode>", `response cache (${DEFAULT_CACHE_FILE})`).choices(["readwrite", "readonly", "off"]).default("readwrite"),
    );
}

const PROVIDERS: ProviderName[] = ["openai", "llama", "sim"];

/**
 * `--model fwd=openai:gpt-4o-mini` → overrides for ModelRegistry; `*` applies to every model.
 * The rest of the model's settings (temperature, maxTokens, …) are kept; ModelRegistry drops its
 * endpoint settings when the provider changes (a sim model replaced by `openai:…` reads
 * OPENAI_API_KEY / OPENAI_BASE_URL).
 */
export function parseModelOverrides(values: readonly string[], network: CompiledNetwork): Record<string, Partial<ModelSpec>> {
  const overrides: Record<string, Partial<ModelSpec>> = {};
  for (const value of values) {
    const m = /^([^=]+)=([a-z]+):(.+)$/.exec(value);
    if (!m) throw new UsageError(`--model ${value}: expected name=provider:model, e.g. fwd=openai:gpt-4o-mini or '*=sim:tasks'`);
    const [, name, provider, model] = m;
    if (!PROVIDERS.includes(provider as ProviderName)) throw new UsageError(`--model ${value}: unknown provider "${provider}" (use ${PROVIDERS.join(", ")})`);
    if (name !== "*" && !(name in network.models)) {
      throw new UsageError(`--model ${value}: the network has no model "${name}" (its models: ${Object.keys(network.models).join(", ") || "none"})`);
    }
    overrides[name] = { provider: provider as ProviderName, model };
  }
  return overrides;
}

/** The model registry of a command: the network's models with `--model` overrides and the `--cache` mode. */
export function createRegistry(
  network: CompiledNetwork,
  ctx: CliContext,
  flags: { model?: readonly string[]; cache?: CacheFlag },
  command: string,
): ModelRegistry {
  const mode = flags.cache ?? "readwrite";
  return new ModelRegistry(network.models, {
    baseDir: network.baseDir,
    env: ctx.env,
    cache: mode === "off" ? { mode: "off" } : { mode, path: resolve(ctx.cwd, DEFAULT_CACHE_FILE) },
    overrides: parseModelOverrides(flags.model ?? [], network),
    warn: (m) => ctx.stderr.write(`dln ${command}: ${m}\n`),
  });
}
