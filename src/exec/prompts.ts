/**
 * Prompt overrides from disk: a JSON file mapping layer or parameter ids to prompts, or a
 * training run directory (its `best.json`, else the `bestPrompts` of its `result.json`).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ExecError } from "./errors.js";

/** A prompts file that cannot be used is the caller's to fix. */
const USAGE = { kind: "usage" } as const;

export async function loadPromptOverrides(path: string): Promise<Record<string, string>> {
  let file = path;
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ExecError("E_PROMPTS", `cannot read prompts from ${path}: no such file or directory`, undefined, USAGE);
  if (info.isDirectory()) {
    const candidates = [join(path, "best.json"), join(path, "result.json")];
    const found = await firstExisting(candidates);
    if (!found)
      throw new ExecError("E_PROMPTS", `${path} is a directory without best.json or result.json`, undefined, {
        ...USAGE,
        hint: "point --prompts at a training run directory or a JSON file of layer id → prompt",
      });
    file = found;
  }
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new ExecError("E_PROMPTS", `cannot read prompts from ${file}: ${(err as Error).message}`, undefined, USAGE);
  }
  return promptsFrom(data, file);
}

/** Accepts `{ id: prompt }`, `{ bestPrompts: { … } }` (a training result) or `{ prompts: { … } }`. */
export function promptsFrom(data: unknown, where: string): Record<string, string> {
  const obj = data as Record<string, unknown> | null;
  const map = obj && typeof obj === "object" && !Array.isArray(obj) ? (obj.bestPrompts ?? obj.prompts ?? obj) : undefined;
  if (!map || typeof map !== "object" || Array.isArray(map)) {
    throw new ExecError("E_PROMPTS", `${where}: expected a JSON object mapping layer ids to prompts`, undefined, USAGE);
  }
  const out: Record<string, string> = {};
  for (const [id, prompt] of Object.entries(map)) {
    if (typeof prompt !== "string") throw new ExecError("E_PROMPTS", `${where}: the prompt of "${id}" is not a string`, undefined, USAGE);
    out[id] = prompt;
  }
  return out;
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths)
    if (
      await stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return p;
  return undefined;
}
