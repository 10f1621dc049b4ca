/**
 * The network JSON Schema (schemas/network.schema.json) and its compiled ajv validator.
 * The schema file sits at the package root, two levels above both src/network and dist/network.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import type { NetworkSpec } from "./types.js";

export const NETWORK_SCHEMA_URL = new URL("../../schemas/network.schema.json", import.meta.url);

let schema: Record<string, unknown> | undefined;
let validator: ValidateFunction<NetworkSpec> | undefined;

/** The schema as a plain object (read once). */
function networkSchema(): Record<string, unknown> {
  schema ??= JSON.parse(readFileSync(NETWORK_SCHEMA_URL, "utf8")) as Record<string, unknown>;
  return schema;
}

/**
 * The compiled validator. `allErrors` so an author sees every mistake at once; `verbose` so each
 * error carries its schema, whose `x-errors` / `x-message` / `x-code` annotations give stable
 * codes and readable messages (src/network/validate.ts).
 */
export function networkValidator(): ValidateFunction<NetworkSpec> {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    for (const keyword of ["x-errors", "x-message", "x-code"]) ajv.addKeyword({ keyword });
    validator = ajv.compile<NetworkSpec>(networkSchema());
  }
  return validator;
}
