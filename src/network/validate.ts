/**
 * Schema validation with errors a person can act on. ajv reports every failed keyword; for a
 * union (`anyOf`/`oneOf`) that means one error per branch. This module keeps the errors of the
 * branch the author evidently meant (the one whose JSON type matches), turns each remaining error
 * into a Diagnostic with a stable code at the offending value's line and column, and suggests the
 * nearest allowed name for unknown fields and values.
 *
 * Schema annotations: `x-errors: { <keyword>: { code, message? } }` gives a keyword's error its own
 * code; `x-message` / `x-code` on a union or an object give its failure a single readable message.
 */
import type { ErrorObject } from "ajv";
import type { Diagnostic } from "./diagnostics.js";
import { formatPath, pointerSegments, type PathSegment } from "./path.js";
import { networkValidator } from "./schema.js";
import type { SourceMap } from "./source-map.js";
import { nearestName } from "./suggest.js";
import type { NetworkSpec } from "./types.js";

type SchemaObject = Record<string, unknown> & {
  properties?: Record<string, SchemaObject>;
  "x-errors"?: Record<string, { code: string; message?: string }>;
  "x-message"?: string;
  "x-code"?: string;
  description?: string;
};

export type SchemaCheck = { ok: true; spec: NetworkSpec } | { ok: false; diagnostics: Diagnostic[] };

/** Validates a parsed document against schemas/network.schema.json, reporting all errors. */
export function validateAgainstSchema(value: unknown, sourceMap: SourceMap): SchemaCheck {
  const validate = networkValidator();
  if (validate(value)) return { ok: true, spec: value };
  const errors = selectErrors(validate.errors ?? []);
  const diagnostics = errors.map((e) => toDiagnostic(e, value, sourceMap));
  return { ok: false, diagnostics: dedupe(diagnostics).sort((a, b) => a.line - b.line || a.column - b.column) };
}

/** Drops the noise: `if` wrappers, the branches of a union that do not apply, and fields a typo explains. */
function selectErrors(all: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const e of all) if (e.keyword === "if") dropped.add(e);

  const unions = all.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (dropped.has(union)) continue;
    const prefix = `${union.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of all) {
      if (e === union || dropped.has(e) || !e.schemaPath.startsWith(prefix)) continue;
      if (!isWithin(e.instancePath, union.instancePath)) continue;
      const [index = ""] = e.schemaPath.slice(prefix.length).split("/");
      branches.set(index, [...(branches.get(index) ?? []), e]);
    }
    // A branch whose JSON type does not match the value was not what the author meant.
    const viable = [...branches.values()].filter((errs) => !errs.some((e) => e.keyword === "type" && e.instancePath === union.instancePath));
    for (const errs of branches.values()) for (const e of errs) dropped.add(e);
    const [only, ...others] = viable;
    if (only !== undefined && others.length === 0 && branches.size > 0) {
      dropped.add(union);
      for (const e of only) dropped.delete(e);
    }
  }

  // `propertyNames` repeats what its inner keyword (the name pattern) already said.
  const kept = all.filter((e) => !dropped.has(e) && e.keyword !== "propertyNames");
  // `{ lable: "yes" }`: the unknown field "lable" explains the missing "label"; report it once.
  return kept.filter((e) => {
    if (e.keyword !== "required") return true;
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return !kept.some(
      (o) =>
        o.keyword === "additionalProperties" &&
        o.instancePath === e.instancePath &&
        nearestName((o.params as { additionalProperty: string }).additionalProperty, [missing]) === missing,
    );
  });
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function toDiagnostic(e: ErrorObject, root: unknown, sourceMap: SourceMap): Diagnostic {
  const segments = typedSegments(root, pointerSegments(e.instancePath));
  // Reached through `propertyNames`, ajv names the offending key in `propertyName`.
  const key = (e as { propertyName?: string }).propertyName;
  const where = formatPath(key === undefined ? segments : [...segments, key]) || "the network";
  const schema = (e.parentSchema ?? {}) as SchemaObject;
  const override = schema["x-errors"]?.[e.keyword];
  const make = (code: string, message: string, at: { segments: PathSegment[]; key?: boolean }, suggestion?: string): Diagnostic => ({
    severity: "error",
    code: override?.code ?? code,
    message: override?.message ? `${where}: ${override.message}` : message,
    ...sourceMap.at(at.segments, { key: at.key }),
    ...(suggestion ? { suggestion } : {}),
  });

  switch (e.keyword) {
    case "additionalProperties": {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(schema.properties ?? {});
      const suggestion = nearestName(field, allowed);
      return make(
        "E_UNKNOWN_FIELD",
        `unknown field "${field}" in ${where}${allowed.length ? ` (allowed: ${allowed.join(", ")})` : ""}`,
        { segments: [...segments, field], key: true },
        suggestion,
      );
    }
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const help = schema.properties?.[missing]?.description;
      return make("E_MISSING_FIELD", `${where} is missing the required field "${missing}"${help ? `: ${lowerFirst(help)}` : ""}`, {
        segments,
        key: segments.length > 0,
      });
    }
    case "type": {
      const expected = (e.params as { type: string | string[] }).type;
      return make("E_WRONG_TYPE", `${where} must be ${describeTypes(expected)}, not ${describeValue(e.data)}`, { segments });
    }
    case "enum":
    case "const": {
      const allowed: unknown[] =
        e.keyword === "enum" ? (e.params as { allowedValues: unknown[] }).allowedValues : [(e.params as { allowedValue: unknown }).allowedValue];
      const suggestion =
        typeof e.data === "string"
          ? nearestName(
              e.data,
              allowed.filter((a): a is string => typeof a === "string"),
            )
          : undefined;
      if (typeof e.data === "string" && /\$\{[A-Za-z_]/.test(e.data)) {
        // `api: "${DLN_API}"`: fixed words are checked when the file is compiled, before any environment is read.
        return make(
          "E_BAD_VALUE",
          `${where} is ${JSON.stringify(e.data)}, but this field cannot use \${VAR}: it is one of fixed words checked when the network is compiled (${allowed.map((a) => JSON.stringify(a)).join(", ")}); only free-text model fields (model, baseURL, apiKey, headers, azure, endpoints, stop) may use \${VAR}`,
          { segments },
        );
      }
      return make(
        "E_BAD_VALUE",
        `${where} is ${JSON.stringify(e.data)}; expected ${allowed.length === 1 ? "" : "one of "}${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
        { segments },
        suggestion,
      );
    }
    case "pattern": {
      const target = key !== undefined ? { segments: [...segments, key], key: true } : { segments };
      return make("E_BAD_VALUE", `${where}: ${JSON.stringify(key ?? e.data)} must match ${(e.params as { pattern: string }).pattern}`, target);
    }
    case "uniqueItems": {
      // ajv names the later of the two equal items `i`: point at the repeat.
      const { i } = e.params as { i: number; j: number };
      return make("E_BAD_VALUE", `${where} lists ${describeValue((e.data as unknown[])[i])} twice`, { segments: [...segments, i] });
    }
    case "anyOf":
    case "oneOf": {
      const forms = unionTypes(e.schema);
      const message = schema["x-message"] ?? `must be ${describeTypes(forms)}, not ${describeValue(e.data)}`;
      return make(schema["x-code"] ?? "E_WRONG_TYPE", `${where}: ${message}`, { segments, key: e.keyword === "oneOf" });
    }
    default:
      return make("E_OUT_OF_RANGE", `${where} ${e.message ?? "is not allowed"} (found ${describeValue(e.data)})`, { segments });
  }
}

/** ajv paths are strings; the source map and messages want numbers for array indices. */
function typedSegments(root: unknown, raw: string[]): PathSegment[] {
  const out: PathSegment[] = [];
  let cur: unknown = root;
  for (const s of raw) {
    if (Array.isArray(cur)) {
      out.push(Number(s));
      cur = cur[Number(s)];
    } else {
      out.push(s);
      cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[s] : undefined;
    }
  }
  return out;
}

/** The JSON types a union's branches accept, for "must be a string or a list". */
function unionTypes(branches: unknown): string[] {
  if (!Array.isArray(branches)) return [];
  return branches.flatMap((b) => {
    const t = (b as { type?: string | string[] }).type;
    return t === undefined ? [] : Array.isArray(t) ? t : [t];
  });
}

function describeTypes(t: string | string[]): string {
  const names: Record<string, string> = {
    array: "a list",
    object: "an object",
    string: "a string",
    number: "a number",
    integer: "a whole number",
    boolean: "true or false",
    null: "null",
  };
  return (Array.isArray(t) ? t : [t]).map((x) => names[x] ?? x).join(" or ");
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `${v}` : `the number ${v}`;
  return String(v);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}|${d.path}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
