/**
 * Parses the text of a network file (JSON5) into a plain value plus a source map, so every later
 * finding can say where it is. Syntax errors and duplicated keys are diagnostics, not exceptions.
 */
import { evaluate, parse as parseJson5, type DocumentNode, type ObjectNode, type ValueNode } from "@humanwhocodes/momoa";
import type { Diagnostic } from "./diagnostics.js";
import { formatPath, type PathSegment } from "./path.js";
import { SourceMap } from "./source-map.js";
import { UNSAFE_NAMES_HELP } from "./names.js";

export type ParseResult = { ok: true; value: unknown; sourceMap: SourceMap; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Parses JSON5 text. Errors (syntax, duplicated keys) come back as diagnostics with their line and column. */
export function parseNetworkText(text: string, file: string): ParseResult {
  let document: DocumentNode;
  try {
    document = parseJson5(text, { mode: "json5", ranges: true });
  } catch (err) {
    return { ok: false, diagnostics: [syntaxDiagnostic(err, text, file)] };
  }
  const duplicates = findDuplicateKeys(document.body, [], file);
  if (duplicates.length > 0) return { ok: false, diagnostics: duplicates };
  return { ok: true, value: evaluate(document), sourceMap: new SourceMap(file, document), diagnostics: [] };
}

function syntaxDiagnostic(err: unknown, text: string, file: string): Diagnostic {
  const e = err as { message?: string; line?: number; column?: number; offset?: number };
  const raw = String(e.message ?? err).replace(/\s*\(\d+:\d+\)\s*$/, "");
  let message = raw;
  if (/^Unexpected end of input/.test(raw)) {
    message = "unexpected end of file (a `}` or `]` is missing?)";
  } else if (/^Unexpected (token|character)/.test(raw) && e.offset !== undefined) {
    const found = /^(\w+|"[^"\n]{0,30}"?|'[^'\n]{0,30}'?|\S)/.exec(text.slice(e.offset))?.[0] ?? "";
    const before = text
      .slice(0, e.offset)
      .replace(/(\/\/[^\n]*|\/\*[\s\S]*?\*\/|\s)+$/g, "")
      .slice(-1);
    const missingComma = before !== "" && !",{[:".includes(before) && !"}]:,".includes(found);
    message = `unexpected ${found ? `\`${found}\`` : "character"}${missingComma ? " (is a comma missing before it?)" : ""}`;
  }
  return {
    severity: "error",
    code: "E_SYNTAX",
    message: `JSON5 syntax error: ${message}`,
    file,
    line: e.line ?? 1,
    column: e.column ?? 1,
    path: "",
  };
}

/** JSON5 silently keeps the last of two equal keys; a repeated node id is almost always a mistake. */
function findDuplicateKeys(value: ValueNode, path: PathSegment[], file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack: Array<{ value: ValueNode; path: PathSegment[] }> = [{ value, path }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { value: v, path: p } = top;
    if (v.type === "Object") checkObject(v, p, file, out, stack);
    else if (v.type === "Array") v.elements.forEach((el, i) => stack.push({ value: el.value, path: [...p, i] }));
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

function checkObject(object: ObjectNode, path: PathSegment[], file: string, out: Diagnostic[], stack: Array<{ value: ValueNode; path: PathSegment[] }>): void {
  const seen = new Map<string, number>();
  for (const member of object.members) {
    const key = SourceMap.keyOf(member);
    const first = seen.get(key);
    if (key === "__proto__") {
      // Evaluated into a plain object, this key would replace the object's prototype instead of
      // adding a field: no later check could see it. Refused here, before anything evaluates it.
      out.push({
        severity: "error",
        code: "E_UNSAFE_NAME",
        message: `"__proto__" cannot be used as a name in ${formatPath(path) || "the document"}: ${UNSAFE_NAMES_HELP}`,
        file,
        line: member.name.loc.start.line,
        column: member.name.loc.start.column,
        path: formatPath([...path, key]),
      });
      continue;
    }
    if (first !== undefined) {
      out.push({
        severity: "error",
        code: "E_DUPLICATE_KEY",
        message: `"${key}" is defined twice in ${formatPath(path) || "the document"} (first on line ${first}); JSON5 would silently keep the last one`,
        file,
        line: member.name.loc.start.line,
        column: member.name.loc.start.column,
        path: formatPath([...path, key]),
      });
    } else {
      seen.set(key, member.name.loc.start.line);
    }
    stack.push({ value: member.value, path: [...path, key] });
  }
}
