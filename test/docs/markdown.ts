/**
 * Code blocks of the documentation, as the docs test sees them. The convention (docs/README.md):
 *
 * - ```` ```ts runnable ```` — a TypeScript program, run with tsx; `import … from "dln"` means the
 *   package (the test points it at src/index.ts).
 * - ```` ```sh runnable ```` — shell commands, run with bash; `dln` is the command line.
 * - ```` ```json5 file=NAME ```` (any language) — written to NAME in the document's working
 *   directory before the blocks after it run, so a tutorial can create a file and then use it.
 * - `// prints: TEXT` (ts) or `# prints: TEXT` (sh) — the block's standard output has a line
 *   equal to TEXT; several of them must appear in this order.
 */
import { at } from "../helpers/indexing.js";

export interface CodeBlock {
  /** The file the block came from, and the 1-based line of its opening fence. */
  file: string;
  line: number;
  lang: string;
  /** Words after the language: `runnable`, `file=NAME`, … */
  attrs: string[];
  code: string;
}

export function extractBlocks(markdown: string, file: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split(/\r?\n/);
  let open: { fence: string; line: number; lang: string; attrs: string[]; body: string[] } | undefined;
  lines.forEach((text, i) => {
    if (!open) {
      const m = /^(`{3,})\s*([\w+-]*)\s*(.*)$/.exec(text);
      if (m) open = { fence: at(m, 1), line: i + 1, lang: at(m, 2), attrs: at(m, 3).split(/\s+/).filter(Boolean), body: [] };
      return;
    }
    if (text.trim() === open.fence) {
      blocks.push({ file, line: open.line, lang: open.lang, attrs: open.attrs, code: open.body.join("\n") + "\n" });
      open = undefined;
    } else {
      open.body.push(text);
    }
  });
  if (open) throw new Error(`${file}:${open.line}: a code block is never closed`);
  return blocks;
}

export const isRunnable = (b: CodeBlock): boolean => b.attrs.includes("runnable");

/** Languages of program code: a block in one of them is an example, so it must be runnable. */
const CODE_LANGS: ReadonlySet<string> = new Set(["ts", "typescript", "mts", "cts", "tsx", "js", "javascript", "mjs", "cjs", "jsx"]);

/**
 * The blocks that show program code without running it, as `file:line`. A shape or a fragment
 * belongs in a ```` ```text ```` block; code in a ts/js block must be a complete, runnable example.
 */
export function unrunnableCode(blocks: CodeBlock[]): string[] {
  return blocks.filter((b) => CODE_LANGS.has(b.lang.toLowerCase()) && !isRunnable(b)).map((b) => `${b.file}:${b.line}`);
}

/** The `file=NAME` attribute, if any. */
export function fileAttr(b: CodeBlock): string | undefined {
  return b.attrs.find((a) => a.startsWith("file="))?.slice("file=".length);
}

/** The `prints:` expectations of a block, in order. */
export function expectedPrints(b: CodeBlock): string[] {
  const marker = b.lang === "sh" || b.lang === "bash" ? /#\s*prints:\s?(.*)$/ : /\/\/\s*prints:\s?(.*)$/;
  return b.code.split("\n").flatMap((line) => {
    const m = marker.exec(line);
    return m ? [at(m, 1).trim()] : [];
  });
}

/**
 * The expectations that `stdout` does not meet: each must equal a whole (trimmed) line, in order.
 * Returns the first one missing, or undefined when all are there.
 */
export function missingPrint(stdout: string, expected: string[]): string | undefined {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim());
  let at = 0;
  for (const want of expected) {
    const found = lines.indexOf(want, at);
    if (found < 0) return want;
    at = found + 1;
  }
  return undefined;
}

/** Points `import … from "dln"` at the package's source entry (an absolute file URL). */
export function resolvePackageImports(code: string, entryUrl: string): string {
  return code.replace(/(from\s+|import\s*\(\s*)(["'])dln\2/g, (_m, head: string, quote: string) => `${head}${quote}${entryUrl}${quote}`);
}
