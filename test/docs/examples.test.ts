/**
 * Runs the documentation's examples, so they cannot rot. Every `ts runnable` and `sh runnable`
 * block of README.md and docs/*.md runs, in the order of its document, in a fresh working
 * directory per document (with `networks/` and `node_modules/` linked in, and `file=NAME` blocks written there as
 * they come). Offline: OPENAI_API_KEY is removed and OPENAI_BASE_URL points at a closed local
 * port, so an example that reached for a real model would fail here. Conventions:
 * test/docs/markdown.ts and docs/README.md.
 */
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { expectedPrints, extractBlocks, fileAttr, isRunnable, missingPrint, resolvePackageImports, unrunnableCode, type CodeBlock } from "./markdown.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");

/** The newest modification time of a source file under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * `npm test` builds dist/ first; when that build is newer than every source file, the examples
 * run against it (as a user's would, and several times faster than compiling src/ in every
 * child). Otherwise they run against src/ through tsx, so a stale build never hides a change.
 */
const BUILT =
  ["dist/index.js", "dist/cli/main.js"].every((f) => existsSync(join(ROOT, f))) &&
  Math.min(statSync(join(ROOT, "dist/index.js")).mtimeMs, statSync(join(ROOT, "dist/cli/main.js")).mtimeMs) >= newestMtime(join(ROOT, "src"));
const ENTRY = pathToFileURL(join(ROOT, BUILT ? "dist/index.js" : "src/index.ts")).href;
const DLN = BUILT ? `exec node "${join(ROOT, "bin/dln.js")}" "$@"` : `exec "${TSX}" "${join(ROOT, "test/docs/dln-bin.ts")}" "$@"`;
/** Per block; a generous guard, not a speed assertion. */
const BLOCK_TIMEOUT_MS = 60_000;
/**
 * Examples running at once, over all documents (the documents run concurrently, each one's
 * blocks in order): two cores, shared with the other test files.
 */
const MAX_CHILDREN = 2;

const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];
const blocksOf = (doc: string): CodeBlock[] => extractBlocks(readFileSync(join(ROOT, doc), "utf8"), doc);

const scratch = mkdtempSync(join(tmpdir(), "dln-docs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A `dln` on PATH: the built command line, or the sources' when the build is stale. */
const binDir = join(scratch, "bin");
mkdirSync(binDir);
writeFileSync(join(binDir, "dln"), `#!/bin/sh\n${DLN}\n`);
chmodSync(join(binDir, "dln"), 0o755);

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", OPENAI_BASE_URL: "http://127.0.0.1:9/v1", PATH: `${binDir}:${process.env.PATH ?? ""}` };
  delete env.OPENAI_API_KEY;
  delete env.AZURE_OPENAI_API_KEY;
  delete env.DLN_MODEL;
  return env;
}

interface Outcome {
  code: number | string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `task` when fewer than `max` others are running. Among those waiting, the one with the
 * highest `priority` goes first (then the earliest): a document with more blocks left to run gets
 * the next slot, so the longest document does not finish last after waiting behind every other.
 */
function limiter(max: number): <T>(priority: number, task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<{ priority: number; go: () => void }> = [];
  return async (priority, task) => {
    if (running >= max) {
      await new Promise<void>((go) => {
        const at = waiting.findIndex((w) => w.priority < priority);
        waiting.splice(at < 0 ? waiting.length : at, 0, { priority, go });
      });
    } else {
      running++;
    }
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next)
        next.go(); // the slot passes straight to the next task
      else running--;
    }
  };
}
const inChildSlot = limiter(MAX_CHILDREN);

/** Runs a child process when a slot is free; `priority`: how many blocks its document has left. */
function run(cmd: string, args: string[], cwd: string, priority: number): Promise<Outcome> {
  return inChildSlot(priority, () => spawnChild(cmd, args, cwd));
}

function spawnChild(cmd: string, args: string[], cwd: string): Promise<Outcome> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env: childEnv(), timeout: BLOCK_TIMEOUT_MS, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number | string }).code ?? (err as { signal?: string }).signal ?? 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

async function runBlock(block: CodeBlock, cwd: string, blocksLeft: number): Promise<void> {
  const name = `${block.file.replace(/\W+/g, "_")}_${block.line}`;
  const where = `${block.file}:${block.line}`;
  let outcome: Outcome;
  if (block.lang === "ts") {
    const path = join(cwd, `.example-${name}.mts`);
    writeFileSync(path, resolvePackageImports(block.code, ENTRY));
    outcome = await run(TSX, [path], cwd, blocksLeft);
  } else if (block.lang === "sh" || block.lang === "bash") {
    outcome = await run("bash", ["-euo", "pipefail", "-c", block.code], cwd, blocksLeft);
  } else {
    throw new Error(`${where}: runnable blocks are ts or sh, not "${block.lang}"`);
  }
  const report = `${where} exited with ${outcome.code}\n--- stdout\n${outcome.stdout}\n--- stderr\n${outcome.stderr}`;
  expect(outcome.code, report).toBe(0);
  const missing = missingPrint(outcome.stdout, expectedPrints(block));
  expect(missing, `${where}: expected a line "${missing}" in the output\n${report}`).toBeUndefined();
}

describe("documentation examples", () => {
  it("finds runnable examples where the docs promise them", () => {
    const count = (doc: string): number => blocksOf(doc).filter(isRunnable).length;
    expect(count("docs/api.md")).toBeGreaterThanOrEqual(6);
    expect(count("docs/getting-started.md")).toBeGreaterThanOrEqual(3);
    expect(count("docs/topologies.md")).toBeGreaterThanOrEqual(2);
    expect(count("docs/cli.md")).toBeGreaterThanOrEqual(2);
  });

  it("has no ts/js code block anywhere in the README or docs that is not runnable", () => {
    // A fragment rots unseen: make it a complete `ts runnable` example, or fence a shape as `text`.
    expect(DOCS.flatMap((doc) => unrunnableCode(blocksOf(doc)))).toEqual([]);
  });

  // The documents with the most examples first: vitest starts a few concurrent tests at a time.
  const work = DOCS.map((doc) => ({ doc, blocks: blocksOf(doc).filter((b) => isRunnable(b) || fileAttr(b) !== undefined) }))
    .map((w) => ({ ...w, runnable: w.blocks.filter(isRunnable).length }))
    .filter((w) => w.runnable > 0)
    .sort((a, b) => b.runnable - a.runnable);
  for (const { doc, blocks, runnable } of work) {
    it.concurrent(`${doc}: every runnable block runs and prints what it says`, { timeout: 240_000 }, async () => {
      const cwd = join(scratch, doc.replace(/\W+/g, "_"));
      mkdirSync(cwd);
      symlinkSync(join(ROOT, "networks"), join(cwd, "networks"));
      symlinkSync(join(ROOT, "node_modules"), join(cwd, "node_modules")); // for rxjs & co, as in a project that depends on dln
      let blocksLeft = runnable;
      for (const block of blocks) {
        const file = fileAttr(block);
        if (file !== undefined) {
          const target = resolve(cwd, file);
          expect(relative(cwd, target).startsWith(".."), `${block.file}:${block.line}: file=${file} leaves the working directory`).toBe(false);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, block.code);
        }
        if (isRunnable(block)) await runBlock(block, cwd, blocksLeft--);
      }
    });
  }
});
