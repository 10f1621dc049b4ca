/** Shared set-up for the model-client tests: fast retries, a throwaway cache, the fake server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createModelClient, type CreateModelClientOptions } from "../../src/llm/factory.js";
import type { ModelClient } from "../../src/llm/types.js";
import { UsageMeter } from "../../src/llm/usage.js";
import type { ModelSpec } from "../../src/network/types.js";

export const FAST_RETRY = { baseDelayMs: 2, maxDelayMs: 20, maxRetryAfterMs: 200 };

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "dln-llm-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function openaiClient(
  baseURL: string,
  spec: Partial<ModelSpec> = {},
  opts: Partial<CreateModelClientOptions> = {},
): Promise<{ client: ModelClient; meter: UsageMeter; warnings: string[] }> {
  const meter = opts.usage ?? new UsageMeter();
  const warnings: string[] = [];
  const client = await createModelClient(
    { provider: "openai", model: "fake-model", baseURL, apiKey: "sk-test-not-a-real-key-000", ...spec },
    { baseDir: ".", env: {}, cache: { mode: "off" }, usage: meter, name: "m", retry: FAST_RETRY, warn: (m) => warnings.push(m), ...opts },
  );
  return { client, meter, warnings };
}
