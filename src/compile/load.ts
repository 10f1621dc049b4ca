import { readFile } from "node:fs/promises";
import { compileNetwork, type CompileResult } from "./compile.js";

/**
 * Reads and compiles a network file. A file that cannot be read is a diagnostic (E_READ), like
 * any other problem with the network; nothing here throws for bad input.
 */
export async function loadNetworkFile(path: string): Promise<CompileResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    return {
      ok: false,
      diagnostics: [{ severity: "error", code: "E_READ", message: `cannot read the network file: ${reason}`, file: path, line: 0, column: 0, path: "" }],
    };
  }
  return compileNetwork(text, { file: path });
}
