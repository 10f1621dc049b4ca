/**
 * The network schema's numeric ranges and src/network/limits.ts (which the command line also reads)
 * must say the same thing, and every number in the schema must have an upper bound.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LIMITS, checkLimit, type LimitName, type NumberLimit } from "../../src/network/limits.js";

type Schema = Record<string, any>;
const schema: Schema = JSON.parse(readFileSync(join(import.meta.dirname, "../../schemas/network.schema.json"), "utf8"));
const defs = schema.$defs as Schema;

/** Where each network-file limit lives in the schema. */
const WHERE: Partial<Record<LimitName, Schema[]>> = {
  "model.temperature": [defs.model.properties.temperature],
  "model.maxTokens": [defs.model.properties.maxTokens],
  "model.seed": [defs.model.properties.seed],
  "model.concurrency": [defs.model.properties.concurrency],
  "model.rpm": [defs.model.properties.rpm],
  "model.tpm": [defs.model.properties.tpm],
  "model.timeoutMs": [defs.model.properties.timeoutMs],
  "model.maxRetries": [defs.model.properties.maxRetries],
  "model.batchSize": [defs.model.properties.batchSize],
  "model.topLogprobs": [defs.model.properties.topLogprobs],
  "model.price": [defs.model.properties.price.properties.prompt, defs.model.properties.price.properties.completion],
  "model.threads": [defs.model.properties.threads],
  "model.contextSize": [defs.model.properties.contextSize],
  "model.endpoint.weight": [defs.model.properties.endpoints.items.properties.weight],
  "layer.maxTokens": [defs.layer.properties.maxTokens],
  "layer.temperature": [defs.layer.properties.temperature],
  "ensemble.count": [defs.ensemble.properties.replicate.properties.count],
  "ensemble.temperature": [defs.ensemble.properties.replicate.properties.temperature],
  "train.budget.tokens": [defs.train.properties.budget.properties.tokens],
  "train.budget.requests": [defs.train.properties.budget.properties.requests],
  "train.budget.cost": [defs.train.properties.budget.properties.cost],
};
for (const key of Object.keys(defs.train.properties)) {
  const name = `train.${key}` as LimitName;
  if (name in LIMITS) WHERE[name] = [defs.train.properties[key]];
}

function allNumbers(s: unknown, path: string, out: Array<[string, Schema]>): void {
  if (!s || typeof s !== "object") return;
  const o = s as Schema;
  if (o.type === "integer" || o.type === "number") out.push([path, o]);
  for (const [k, v] of Object.entries(o)) allNumbers(v, `${path}/${k}`, out);
}

describe("numeric limits", () => {
  it("the schema's ranges are the ones in src/network/limits.ts", () => {
    for (const [name, places] of Object.entries(WHERE) as Array<[LimitName, Schema[]]>) {
      const limit: NumberLimit = LIMITS[name];
      for (const s of places) {
        expect({ name, type: s.type, min: s.minimum ?? s.exclusiveMinimum, max: s.maximum, exclusive: "exclusiveMinimum" in s }).toEqual({
          name,
          type: limit.integer ? "integer" : "number",
          min: limit.min,
          max: limit.max,
          exclusive: limit.exclusiveMinimum === true,
        });
      }
    }
  });

  it("every number of the network file has a lower and an upper bound", () => {
    const found: Array<[string, Schema]> = [];
    allNumbers(schema, "#", found);
    expect(found.length).toBeGreaterThan(30);
    for (const [path, s] of found) {
      expect({ path, bounded: "maximum" in s && ("minimum" in s || "exclusiveMinimum" in s) }).toEqual({ path, bounded: true });
    }
  });

  it("checkLimit refuses absurd values with a message that says what is accepted", () => {
    expect(checkLimit("train.promptSamples", 10)).toBeUndefined();
    expect(checkLimit("train.promptSamples", 1e9)).toBe("must be an integer from 1 to 100, got 1000000000");
    expect(checkLimit("model.timeoutMs", 1e300)).toMatch(/from 1 to 86400000/);
    expect(checkLimit("model.timeoutMs", 1.5)).toMatch(/integer/);
    expect(checkLimit("model.rpm", 0)).toBe("must be a number above 0 and at most 1000000, got 0");
    expect(checkLimit("cli.concurrency", Number.NaN)).toMatch(/got NaN/);
  });
});
