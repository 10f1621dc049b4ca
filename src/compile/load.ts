import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { compileNetwork, type CompileResult } from "./compile.js";

/**
 * Reads and compiles a network file. A file that cannot be read is a diagnostic (E_READ), like
 * any other problem with the network; nothing here throws for bad input. Diagnostics name the
 * file as `path` was written; a relative path is read from `options.cwd` (default: process.cwd()).
 */
export async function loadNetworkFile(path: string, options: { cwd?: string } = {}): Promise<CompileResult> {
  let text: string;
  try {
    text = await readFile(resolve(options.cwd ?? process.cwd(), path), "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    return {
      ok: false,
      diagnostics: [{ severity: "error", code: "E_READ", message: `cannot read the network file: ${reason}`, file: path, line: 0, column: 0, path: "" }],
    };
  }
  return compileNetwork(text, { file: path, cwd: options.cwd });
}
