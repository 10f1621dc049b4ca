/**
 * Exporting a trained network: the network file with the run's best prompts written in, as one
 * file to ship. The text is edited in place at the positions the parser located (momoa keeps them),
 * so the author's comments, key order, quoting and layout stay as they were; only the `prompt`
 * strings of the trained layers change (or are added where a layer had none).
 *
 * The result is compiled before it is returned: an export that would not validate is an error.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parse, type MemberNode, type ObjectNode } from "@humanwhocodes/momoa";
import { compileNetwork } from "./compile/compile.js";
import { formatDiagnostic } from "./network/diagnostics.js";
import type { CompiledNetwork } from "./compile/types.js";
import { loadPromptOverrides } from "./exec/prompts.js";
import { NETWORK_FILE } from "./train/trainer.js";
import { DlnError } from "./util/errors.js";

/**
 * A run or network that cannot be exported: a usage error located at the path, except
 * `E_EXPORT_INVALID` (the exported network would not validate), a failure.
 */
export class ExportError extends DlnError {
  declare readonly code: "E_EXPORT_RUN_DIR" | "E_EXPORT_NETWORK" | "E_EXPORT_PROMPT" | "E_EXPORT_INVALID";
  constructor(
    code: "E_EXPORT_RUN_DIR" | "E_EXPORT_NETWORK" | "E_EXPORT_PROMPT" | "E_EXPORT_INVALID",
    readonly where: string,
    message: string,
    hint?: string,
  ) {
    super(code, `${where}: ${message}`, { kind: code === "E_EXPORT_INVALID" ? "failed" : "usage", location: { file: where }, hint });
  }
}

export interface ExportOptions {
  /**
   * The network file to write the prompts into (the author's original). Default: the copy the
   * trainer keeps in the run directory (network.json5, literal secrets redacted).
   */
  network?: string;
  /** Where the result will be written: relative paths in the network resolve against its directory when it is validated. Default: the network file's directory. */
  output?: string;
}

export interface ExportResult {
  /** The network file's text with the best prompts written in. */
  text: string;
  /** The file the text was read from. */
  source: string;
  /** The parameters (layer ids) whose prompt was written. */
  written: string[];
  /** The exported network, compiled (it validates). */
  network: CompiledNetwork;
}

/** Reads a training run directory and returns its network file with the best prompts written in. */
export async function exportRun(runDir: string, options: ExportOptions = {}): Promise<ExportResult> {
  const dir = resolve(runDir);
  if (!existsSync(dir)) throw new ExportError("E_EXPORT_RUN_DIR", dir, "no such run directory");
  let prompts: Record<string, string>;
  try {
    prompts = await loadPromptOverrides(dir);
  } catch (err) {
    throw new ExportError("E_EXPORT_RUN_DIR", dir, `${(err as Error).message.replace(`${dir}: `, "")} (point at the run directory of a \`dln train\`)`);
  }
  const source = options.network !== undefined ? resolve(options.network) : join(dir, NETWORK_FILE);
  if (!existsSync(source)) {
    throw new ExportError(
      "E_EXPORT_NETWORK",
      source,
      options.network !== undefined
        ? "no such network file"
        : `the run directory holds no copy of its network (${NETWORK_FILE}); name the network file with --network <file>`,
    );
  }
  const original = await readFile(source, "utf8");
  const { text, written } = writePrompts(original, prompts, source);
  const file = resolve(options.output ?? source);
  const compiled = compileNetwork(text, { file, baseDir: dirname(file) });
  if (!compiled.ok) {
    throw new ExportError("E_EXPORT_INVALID", file, `the exported network does not validate:\n${compiled.diagnostics.map(formatDiagnostic).join("\n")}`);
  }
  return { text, source, written, network: compiled.network };
}

/**
 * Writes `prompts` (layer or parameter id → prompt) into the `prompt` fields of `nodes` in the
 * JSON5 text, editing only those strings; a layer without a `prompt` field gets one after its
 * last member. Every id must name a node of the text.
 */
export function writePrompts(text: string, prompts: Record<string, string>, where = "<network>"): { text: string; written: string[] } {
  let document;
  try {
    document = parse(text, { mode: "json5", ranges: true });
  } catch (err) {
    throw new ExportError("E_EXPORT_NETWORK", where, `not valid JSON5: ${(err as Error).message}`);
  }
  const root = document.body;
  const nodes = root.type === "Object" ? member(root, "nodes") : undefined;
  if (!nodes || nodes.value.type !== "Object") throw new ExportError("E_EXPORT_NETWORK", where, "the network has no `nodes` object");
  const edits: Array<{ start: number; end: number; insert: string }> = [];
  const written: string[] = [];
  for (const [id, prompt] of Object.entries(prompts)) {
    const node = member(nodes.value, id);
    if (!node || node.value.type !== "Object") {
      throw new ExportError(
        "E_EXPORT_PROMPT",
        where,
        `the run has a prompt for "${id}", but the network has no node "${id}" (was the network changed after training?)`,
      );
    }
    const literal = JSON.stringify(prompt);
    const field = member(node.value, "prompt");
    if (field) {
      const [start, end] = range(field.value);
      edits.push({ start, end, insert: literal });
    } else {
      const members = node.value.members;
      const last = members[members.length - 1];
      // Quoted like the keys around it (the layer's own, or its id when it has none).
      const key = (last ?? node).name.type === "String" ? '"prompt"' : "prompt";
      if (last) edits.push({ start: range(last.value)[1], end: range(last.value)[1], insert: `, ${key}: ${literal}` });
      else edits.push({ start: range(node.value)[0] + 1, end: range(node.value)[0] + 1, insert: ` ${key}: ${literal} ` });
    }
    written.push(id);
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.insert + out.slice(e.end);
  return { text: out, written };
}

function member(object: ObjectNode, key: string): MemberNode | undefined {
  // JSON5 keeps the last of repeated keys; so does this.
  let found: MemberNode | undefined;
  for (const m of object.members) if ((m.name.type === "Identifier" ? m.name.name : m.name.value) === key) found = m;
  return found;
}

function range(node: { range?: [number, number]; loc: { start: { offset: number }; end: { offset: number } } }): [number, number] {
  return node.range ?? [node.loc.start.offset, node.loc.end.offset];
}
