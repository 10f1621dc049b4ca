import { parse as parseJsonAst, evaluate } from "@humanwhocodes/momoa";
import type { ArrayNode, ValueNode } from "@humanwhocodes/momoa";
import type { DataProblem, RawRecord, ReadResult } from "../types.js";
import { DataError } from "../errors.js";
import { describeJsonType, stripBom } from "./jsonl.js";

/**
 * Reads a whole-file JSON dataset: the BIG-Bench Hard layout `{"examples": [{input, target}]}`
 * (other top-level keys such as `canary` are ignored) or a plain top-level array of records
 * (the Leopard layout). The file is parsed with locations so every record keeps its line.
 */
export function readJsonDocument(text: string, file: string): ReadResult {
  let body: ValueNode;
  try {
    body = parseJsonAst(stripBom(text), { mode: "json" }).body;
  } catch (err) {
    const e = err as Error & { line?: number };
    throw new DataError("E_DATA_FORMAT", `not valid JSON (${e.message})`, file, e.line);
  }
  const list = findExampleList(body, file);
  const records: RawRecord[] = [];
  const problems: DataProblem[] = [];
  for (const element of list.elements) {
    const line = element.loc.start.line;
    if (element.value.type !== "Object") {
      problems.push({ file, line, message: `an example must be a JSON object, got ${describeJsonType(evaluate(element.value))}` });
      continue;
    }
    records.push({ fields: evaluate(element.value) as Record<string, unknown>, line, endLine: element.loc.end.line });
  }
  return { records, problems };
}

function findExampleList(body: ValueNode, file: string): ArrayNode {
  if (body.type === "Array") return body;
  if (body.type === "Object") {
    const member = body.members.find((m) => (m.name.type === "String" ? m.name.value : m.name.name) === "examples");
    if (!member) {
      const keys = body.members.map((m) => (m.name.type === "String" ? m.name.value : m.name.name));
      throw new DataError(
        "E_DATA_FORMAT",
        `expected the BIG-Bench layout {"examples": [...]}, found the keys ${keys.map((k) => `"${k}"`).join(", ") || "(none)"}`,
        file,
        body.loc.start.line,
      );
    }
    if (member.value.type === "Array") return member.value;
    throw new DataError("E_DATA_FORMAT", `"examples" must be an array`, file, member.loc.start.line);
  }
  throw new DataError("E_DATA_FORMAT", `expected an object with "examples" or an array of records`, file, body.loc.start.line);
}
