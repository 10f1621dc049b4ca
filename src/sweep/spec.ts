/**
 * Sweep files (schemas/sweep.schema.json, docs/sweeps.md): parsed with the network files' JSON5
 * parser and source map, so every problem is a Diagnostic at `file:line:column`. Grid values of
 * `train.<knob>` and `models.<name>.<field>` are checked against the network schema's definition
 * of that knob or field, so `grid: { "train.iterations": [1.5] }` is reported where it is written.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, resolve } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { Diagnostic } from "../compile/types.js";
import { parseNetworkText } from "../network/parse.js";
import { formatPath, pointerSegments, type PathSegment } from "../network/path.js";
import { NETWORK_SCHEMA_URL } from "../network/schema.js";
import type { SourceMap } from "../network/source-map.js";
import { nearestName } from "../network/suggest.js";
import { parsePaperDataRef } from "../data/tasks.js";
import { DlnError } from "../util/errors.js";

export const SWEEP_SCHEMA_URL = new URL("../../schemas/sweep.schema.json", import.meta.url);

/** A sweep file as written (paths relative to the file). */
export interface SweepSpec {
  name?: string;
  network: string | string[];
  data: string | { train: string; dev?: string; test?: string };
  caps?: { train?: number; dev?: number; test?: number };
  target?: string;
  fields?: Record<string, string>;
  train?: Record<string, unknown>;
  models?: Record<string, Record<string, unknown>>;
  grid: Record<string, Array<string | number | boolean>>;
  out: string;
}

/** A checked sweep with absolute paths. */
export interface Sweep {
  name: string;
  /** The sweep file (absolute), or undefined for a sweep given as an object. */
  file?: string;
  networks: string[];
  data: { data?: string; train?: string; dev?: string; test?: string };
  caps?: SweepSpec["caps"];
  target?: string;
  fields?: Record<string, string>;
  train: Record<string, unknown>;
  models: Record<string, Record<string, unknown>>;
  grid: Record<string, Array<string | number | boolean>>;
  out: string;
}

export type SweepLoad = { ok: true; sweep: Sweep } | { ok: false; diagnostics: Diagnostic[] };

/** Thrown by `runSweep` for an invalid sweep file (or a network it names); carries every diagnostic, the first one's place as `location`. */
export class SweepError extends DlnError {
  declare readonly code: "E_SWEEP_INVALID";
  constructor(
    readonly diagnostics: Diagnostic[],
    message?: string,
  ) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    super(
      "E_SWEEP_INVALID",
      message ?? `invalid sweep: ${diagnostics.map((d) => `${d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file}: ${d.message}`).join("; ")}`,
      {
        kind: "usage",
        location: first ? { file: first.file, ...(first.line > 0 ? { line: first.line, column: first.column } : {}) } : undefined,
      },
    );
  }
}

type Schema = Record<string, unknown> & { "x-message"?: string; "x-code"?: string; "x-errors"?: Record<string, { code: string; message?: string }> };

let ajv: Ajv2020 | undefined;
let sweepValidator: ValidateFunction | undefined;

function validators(): { ajv: Ajv2020; sweep: ValidateFunction } {
  if (!ajv || !sweepValidator) {
    ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    for (const keyword of ["x-errors", "x-message", "x-code"]) ajv.addKeyword({ keyword });
    ajv.addSchema(JSON.parse(readFileSync(NETWORK_SCHEMA_URL, "utf8")) as object);
    sweepValidator = ajv.compile(JSON.parse(readFileSync(SWEEP_SCHEMA_URL, "utf8")) as object);
  }
  return { ajv, sweep: sweepValidator };
}

const NETWORK_SCHEMA_ID = "https://github.com/dln-ts/dln/schemas/network.schema.json";

/** The network schema's definition of a training knob or a model field (undefined: no such setting). */
function settingSchema(kind: "train" | "model", name: string): ValidateFunction | undefined {
  const { ajv: a } = validators();
  const ref = `${NETWORK_SCHEMA_ID}#/$defs/${kind}/properties/${name}`;
  try {
    return a.getSchema(ref) ?? undefined;
  } catch {
    return undefined;
  }
}

function settingNames(kind: "train" | "model"): string[] {
  const { ajv: a } = validators();
  const schema = a.getSchema(`${NETWORK_SCHEMA_ID}#/$defs/${kind}`)?.schema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(schema?.properties ?? {});
}

/** Grid settings the trainer cannot vary per point (they are not a knob of one run). */
const NOT_IN_GRID = new Set(["budget", "rewriteInstructions", "optimizer"]);

/** Reads and checks a sweep file. Nothing here throws for bad input: problems are diagnostics. */
export async function loadSweepFile(path: string, options: { cwd?: string } = {}): Promise<SweepLoad> {
  const abs = resolve(options.cwd ?? process.cwd(), path);
  let text: string;
  try {
    text = await readFile(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    return {
      ok: false,
      diagnostics: [{ severity: "error", code: "E_READ", message: `cannot read the sweep file: ${reason}`, file: path, line: 0, column: 0, path: "" }],
    };
  }
  return parseSweep(text, { file: path, baseDir: dirname(abs), defaultName: basename(abs, extname(abs)).replace(/\.json5?$/, "") });
}

/** Checks sweep text (JSON5) or a sweep object; relative paths resolve against `baseDir`. */
export function parseSweep(input: string | SweepSpec, options: { file?: string; baseDir: string; defaultName?: string }): SweepLoad {
  const file = options.file ?? "<sweep>";
  let value: unknown;
  let sourceMap: SourceMap | undefined;
  if (typeof input === "string") {
    const parsed = parseNetworkText(input, file);
    if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
    value = parsed.value;
    sourceMap = parsed.sourceMap;
  } else {
    value = input;
  }
  const at = (segments: PathSegment[], key = false): Pick<Diagnostic, "file" | "line" | "column" | "path"> =>
    sourceMap ? sourceMap.at(segments, { key }) : { file, line: 0, column: 0, path: formatPath(segments) };
  const diagnostics: Diagnostic[] = [];
  const error = (code: string, message: string, segments: PathSegment[], extra: { key?: boolean; suggestion?: string } = {}): void => {
    diagnostics.push({ severity: "error", code, message, ...at(segments, extra.key), ...(extra.suggestion ? { suggestion: extra.suggestion } : {}) });
  };

  const { sweep: validate } = validators();
  if (!validate(value)) {
    for (const e of selectErrors(validate.errors ?? [])) schemaDiagnostic(e, error);
    return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  }
  const spec = value as SweepSpec;

  // The grid's values, against the network schema's definitions of the settings they vary.
  for (const [key, values] of Object.entries(spec.grid)) {
    const parts = key.split(".");
    let check: ValidateFunction | undefined;
    if (key === "seed") {
      check = settingSchema("train", "seed");
    } else if (parts[0] === "train") {
      const knob = parts[1] ?? ""; // "train" alone names no setting
      check = NOT_IN_GRID.has(knob) ? undefined : settingSchema("train", knob);
      if (!check) {
        error("E_SWEEP_GRID_KEY", `"${key}" is not a training setting a grid can vary`, ["grid", key], {
          key: true,
          suggestion: suggest(
            knob,
            settingNames("train").filter((n) => !NOT_IN_GRID.has(n)),
            "train.",
          ),
        });
        continue;
      }
    } else {
      const field = parts.slice(2).join(".");
      check = settingSchema("model", field);
      if (!check) {
        error("E_SWEEP_GRID_KEY", `"${key}": models have no field "${field}"`, ["grid", key], {
          key: true,
          suggestion: suggest(field, settingNames("model"), `models.${parts[1]}.`),
        });
        continue;
      }
    }
    values.forEach((v, i) => {
      if (check && !check(v)) {
        const why = (check.errors ?? [])
          .map((e) => e.message)
          .filter(Boolean)
          .join(", ");
        error("E_SWEEP_GRID_VALUE", `${JSON.stringify(v)} is not a valid value of ${key} (${why})`, ["grid", key, i]);
      }
    });
    if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) error("E_SWEEP_GRID_VALUE", `${key} lists a value twice`, ["grid", key]);
  }
  if ("seed" in spec.grid && spec.train && "seed" in spec.train)
    error("E_SWEEP_CONFLICT", `"seed" is both in train and in the grid`, ["train", "seed"], { key: true });
  for (const key of Object.keys(spec.grid)) {
    const knob = key.startsWith("train.") ? key.slice(6) : undefined;
    if (knob && spec.train && knob in spec.train)
      error("E_SWEEP_CONFLICT", `"${knob}" is both in train and in the grid (as "${key}")`, ["train", knob], { key: true });
  }
  for (const [name, fields] of Object.entries(spec.models ?? {})) {
    for (const [field, v] of Object.entries(fields)) {
      const check = settingSchema("model", field);
      if (!check)
        error("E_SWEEP_MODELS", `models have no field "${field}"`, ["models", name, field], {
          key: true,
          suggestion: suggest(field, settingNames("model"), ""),
        });
      else if (!check(v))
        error("E_SWEEP_MODELS", `${JSON.stringify(v)} is not a valid ${field} (${(check.errors ?? []).map((e) => e.message).join(", ")})`, [
          "models",
          name,
          field,
        ]);
    }
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };

  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(options.baseDir, p));
  const dataPath = (p: string): string => {
    const paper = parsePaperDataRef(p);
    return paper ? `paper:${paper.task}:${abs(paper.dir)}` : abs(p);
  };
  const data =
    typeof spec.data === "string"
      ? { data: dataPath(spec.data) }
      : { train: abs(spec.data.train), dev: spec.data.dev && abs(spec.data.dev), test: spec.data.test && abs(spec.data.test) };
  return {
    ok: true,
    sweep: {
      name: spec.name ?? options.defaultName ?? "sweep",
      ...(options.file ? { file: resolve(options.baseDir, basename(options.file)) } : {}),
      networks: (Array.isArray(spec.network) ? spec.network : [spec.network]).map(abs),
      data,
      ...(spec.caps ? { caps: spec.caps } : {}),
      ...(spec.target ? { target: spec.target } : {}),
      ...(spec.fields ? { fields: spec.fields } : {}),
      train: spec.train ?? {},
      models: spec.models ?? {},
      grid: spec.grid,
      out: abs(spec.out),
    },
  };
}

function suggest(name: string, candidates: string[], prefix: string): string | undefined {
  const n = nearestName(name, candidates);
  return n === undefined ? undefined : `${prefix}${n}`;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}

/** Keeps one error per union with an `x-message`, and drops ajv's bookkeeping errors. */
function selectErrors(all: ErrorObject[]): ErrorObject[] {
  const unions = all.filter((e) => (e.keyword === "anyOf" || e.keyword === "oneOf") && (e.parentSchema as Schema | undefined)?.["x-message"]);
  return all.filter((e) => {
    if (e.keyword === "if") return false;
    if (e.keyword === "propertyNames" && all.some((o) => o !== e && o.keyword === "pattern" && o.instancePath === e.instancePath)) return true;
    if (e.keyword === "pattern" && all.some((o) => o.keyword === "propertyNames" && o.instancePath === e.instancePath)) return false;
    return !unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`));
  });
}

function schemaDiagnostic(
  e: ErrorObject,
  error: (code: string, message: string, segments: PathSegment[], extra?: { key?: boolean; suggestion?: string }) => void,
): void {
  const segments: PathSegment[] = pointerSegments(e.instancePath);
  const where = formatPath(segments) || "the sweep";
  const parent = e.parentSchema as Schema | undefined;
  switch (e.keyword) {
    case "anyOf":
    case "oneOf":
      error(parent?.["x-code"] ?? "E_SWEEP_SCHEMA", `${where} ${parent?.["x-message"] ?? "has the wrong form"}`, segments);
      return;
    case "required":
      error("E_SWEEP_REQUIRED", `${where} needs "${(e.params as { missingProperty: string }).missingProperty}"`, segments);
      return;
    case "additionalProperties": {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((parent?.properties as Record<string, unknown> | undefined) ?? {}).filter((k) => k !== "$schema");
      error("E_SWEEP_UNKNOWN_FIELD", `unknown field "${field}" in ${where} (allowed: ${known.join(", ")})`, [...segments, field], {
        key: true,
        suggestion: nearestName(field, known),
      });
      return;
    }
    case "propertyNames": {
      const name = (e.params as { propertyName: string }).propertyName;
      const custom = parent?.["x-errors"]?.propertyNames;
      error(custom?.code ?? "E_SWEEP_SCHEMA", `"${name}": ${custom?.message ?? e.message ?? "is not allowed"}`, [...segments, name], { key: true });
      return;
    }
    default:
      error("E_SWEEP_SCHEMA", `${where} ${e.message ?? "is not valid"}`, segments);
  }
}
