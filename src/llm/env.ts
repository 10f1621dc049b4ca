/**
 * `${VAR}` and `${VAR:-default}` in model settings. Expansion happens when a model is first used
 * (src/llm/registry.ts), never at compile time, so a network file can be validated and drawn
 * without the secrets it will need to run.
 */
import type { ModelSpec } from "../network/types.js";
import { MissingEnvVarError } from "./errors.js";

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands `${VAR}` and `${VAR:-default}` in `value`. An unset or empty variable takes the default
 * (shell `:-` semantics); with no default, `onMissing(name)` decides (default: throw a
 * MissingEnvVarError naming the variable).
 */
export function expandEnv(
  value: string,
  env: NodeJS.ProcessEnv,
  onMissing: (variable: string) => never = (variable) => {
    throw new MissingEnvVarError(variable, "?");
  },
): string {
  return value.replace(PATTERN, (_match, name: string, fallback: string | undefined) => {
    const set = env[name];
    if (set !== undefined && set !== "") return set;
    if (fallback !== undefined) return fallback;
    return onMissing(name);
  });
}

/** A copy of `spec` with every string (nested in objects and arrays too) expanded. */
export function resolveModelSpec(spec: ModelSpec, env: NodeJS.ProcessEnv, modelName = spec.model): ModelSpec {
  const missing = (variable: string): never => {
    throw new MissingEnvVarError(variable, modelName);
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return expandEnv(v, env, missing);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(spec) as ModelSpec;
}
