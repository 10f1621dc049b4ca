/**
 * The spec types (src/network/types.ts) and the JSON Schema (schemas/network.schema.json) must
 * describe the same language. This test reads the types with the TypeScript compiler and walks
 * both side by side: for every object, the same keys with the same optionality; for every union
 * of string literals, the same values. Adding a field to one and not the other fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { at } from "../helpers/indexing.js";

type Schema = Record<string, any>;
const ROOT = join(import.meta.dirname, "../..");
const schema: Schema = JSON.parse(readFileSync(join(ROOT, "schemas/network.schema.json"), "utf8"));

function deref(s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 10 && cur.$ref; i++) {
    const path = (cur.$ref as string).replace(/^#\//, "").split("/");
    cur = path.reduce((o: Schema, k) => o[k], schema);
  }
  return cur;
}

/** The alternatives a schema allows: its anyOf/oneOf branches, or the `then` of each if/then, or itself. */
function alternatives(s: Schema): Schema[] {
  const d = deref(s);
  if (d.anyOf) return d.anyOf.map(deref);
  if (d.allOf?.every((b: Schema) => b.then)) return d.allOf.map((b: Schema) => deref(b.then));
  return [d];
}

const program = ts.createProgram([join(ROOT, "src/network/types.ts")], { strict: true, target: ts.ScriptTarget.ES2022 });
const checker = program.getTypeChecker();
const source = program.getSourceFile(join(ROOT, "src/network/types.ts"))!;

function exportedType(name: string): ts.Type {
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((s) => s.name === name);
  if (!symbol) throw new Error(`type ${name} not found`);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

function parts(t: ts.Type): ts.Type[] {
  return (t.isUnion() ? t.types : [t]).filter(
    (x) => !(x.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.BooleanLiteral)) || x.flags & ts.TypeFlags.BooleanLiteral,
  );
}

const isObject = (t: ts.Type) => Boolean(t.flags & ts.TypeFlags.Object) && !checker.isArrayType(t);

/** Collects every disagreement between a TypeScript type and a schema, as readable lines. */
function compare(t: ts.Type, s: Schema, where: string, out: string[]): void {
  const types = parts(t).filter((x) => !(x.flags & ts.TypeFlags.Undefined));
  const alts = alternatives(s);

  const literals = types
    .filter((x) => x.isStringLiteral())
    .map((x) => (x as ts.StringLiteralType).value)
    .sort();
  if (literals.length > 0) {
    const values = alts.flatMap((a) => a.enum ?? (a.const !== undefined ? [a.const] : [])).sort();
    if (JSON.stringify(literals) !== JSON.stringify(values)) out.push(`${where}: type allows ${literals.join("|")}, schema ${values.join("|")}`);
  }

  const objects = types.filter(isObject);
  const objectAlts = alts.filter((a) => a.type === "object" || a.properties || a.additionalProperties);
  for (const o of objects) {
    let target = objectAlts[0];
    if (objectAlts.length > 1) {
      const kind = checker.getTypeOfSymbol(o.getProperty("type")!) as ts.StringLiteralType;
      target = objectAlts.find((a) => a.properties?.type?.const === kind.value)!;
    }
    if (!target) {
      out.push(`${where}: type has an object form, schema has none`);
      continue;
    }
    compareObject(o, target, where, out);
  }
  if (objects.length === 0 && objectAlts.length > 0 && literals.length === 0 && !types.some((x) => checker.isArrayType(x))) {
    out.push(`${where}: schema has an object form, type has none`);
  }

  const arrays = types.filter((x) => checker.isArrayType(x));
  const arrayAlt = alts.find((a) => a.type === "array");
  if (arrays.length > 0 && !arrayAlt) out.push(`${where}: type is a list, schema is not`);
  if (arrays.length === 0 && arrayAlt) out.push(`${where}: schema is a list, type is not`);
  if (arrays.length > 0 && arrayAlt) compare(at(checker.getTypeArguments(arrays[0] as ts.TypeReference), 0), arrayAlt.items, `${where}[]`, out);
}

function compareObject(o: ts.Type, s: Schema, where: string, out: string[]): void {
  const props = checker.getPropertiesOfType(o);
  if (props.length === 0) {
    const index = checker.getIndexInfosOfType(o)[0];
    if (!index || typeof s.additionalProperties !== "object") out.push(`${where}: record type vs schema without additionalProperties`);
    else compare(index.type, s.additionalProperties, `${where}[*]`, out);
    return;
  }
  const typeKeys = props.map((p) => p.name).sort();
  const schemaKeys = Object.keys(s.properties ?? {}).sort();
  const missing = typeKeys.filter((k) => !schemaKeys.includes(k));
  const extra = schemaKeys.filter((k) => !typeKeys.includes(k));
  if (missing.length) out.push(`${where}: in the type but not the schema: ${missing.join(", ")}`);
  if (extra.length) out.push(`${where}: in the schema but not the type: ${extra.join(", ")}`);
  const required = new Set<string>(s.required ?? []);
  for (const p of props) {
    if (!schemaKeys.includes(p.name)) continue;
    const optional = Boolean(p.flags & ts.SymbolFlags.Optional);
    if (optional === required.has(p.name))
      out.push(`${where}.${p.name}: ${optional ? "optional in the type, required in the schema" : "required in the type, optional in the schema"}`);
    compare(checker.getTypeOfSymbol(p), s.properties[p.name], `${where}.${p.name}`, out);
  }
}

describe("schema and types agree", () => {
  it("NetworkSpec matches schemas/network.schema.json, object by object", () => {
    const out: string[] = [];
    compare(exportedType("NetworkSpec"), schema, "NetworkSpec", out);
    expect(out).toEqual([]);
  });

  it("the comparison notices drift", () => {
    const drifted = structuredClone(schema);
    delete drifted.$defs.layer.properties.stop;
    drifted.$defs.model.properties.provider.enum.push("anthropic");
    delete drifted.$defs.classSpec.anyOf[1].properties.verbalizers;
    drifted.$defs.ensemble.properties.replicate.required = ["layer"];
    drifted.$defs.train.properties.budget.properties.seconds = { type: "number" };
    const out: string[] = [];
    const original = { ...schema };
    Object.assign(schema, drifted);
    try {
      compare(exportedType("NetworkSpec"), schema, "NetworkSpec", out);
    } finally {
      Object.assign(schema, original);
    }
    expect(out.some((l) => l.includes("stop"))).toBe(true);
    expect(out.some((l) => l.includes("anthropic"))).toBe(true);
    expect(out.some((l) => l.includes("classes[]") && l.includes("verbalizers"))).toBe(true);
    expect(out).toContain("NetworkSpec.nodes[*].replicate.count: required in the type, optional in the schema");
    expect(out.some((l) => l.includes("budget") && l.includes("seconds"))).toBe(true);
  });

  it("every property in the schema has a title and a description", () => {
    const missing: string[] = [];
    const walk = (s: unknown, where: string) => {
      if (!s || typeof s !== "object") return;
      const o = s as Schema;
      for (const [k, v] of Object.entries(o.properties ?? {})) {
        const d = deref(v as Schema);
        if (!d.title || !d.description) missing.push(`${where}.${k}`);
      }
      if (o.if) walk(o.then, `${where}/then`); // an `if` only selects; its `then` is the schema
      for (const [k, v] of Object.entries(o)) if (typeof v === "object" && k !== "if" && k !== "then") walk(v, `${where}/${k}`);
    };
    walk(schema, "#");
    expect(missing).toEqual([]);
  });
});
