/**
 * The hostile corpus (test/fixtures/hostile/), through the real command line in child processes
 * under a memory bound (`node --max-old-space-size=500`) and a time bound: every network file
 * ends `dln validate`, `dln run` and `dln train` with a located error (`file:line:column: error
 * CODE`) and exit 1 or 2, or a clean result; every data file ends with its bad records named at
 * their true lines. Never a hang: a child killed by the time bound fails the test.
 *
 * Network files say what they expect on their first line (`// expect: CODE` plus a `/*@*​/` marker
 * right before the offending text, as in test/fixtures/networks/, or `// expect: ok`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const NETWORKS = "test/fixtures/hostile/networks";
const DATA = "test/fixtures/hostile/data";
const MARK = "/*@*/";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The built CLI when dist/ is newer than src/ (as after `npm test`'s build), else the sources through tsx. */
const BUILT = existsSync(join(ROOT, "dist/cli/main.js")) && statSync(join(ROOT, "dist/cli/main.js")).mtimeMs >= newestMtime(join(ROOT, "src"));
const FROM_SOURCES = `import(${JSON.stringify(pathToFileURL(join(ROOT, "src/cli/main.ts")).href)}).then(async (m) => { process.exitCode = await m.runCli(process.argv); })`;
const ENTRY = BUILT ? [join(ROOT, "bin/dln.js")] : ["--import", "tsx", "-e", FROM_SOURCES, "dln"];
/**
 * A safety bound, not a measurement: a child still running after it is a hang. Generous, because
 * a shared machine under load can take seconds just to start Node (each child ends in about a
 * second on an idle one); tsx compiles the sources first.
 */
const BOUND_MS = BUILT ? 60_000 : 90_000;

const tmp = mkdtempSync(join(tmpdir(), "dln-hostile-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function dln(...args: string[]): Outcome {
  const r = spawnSync(process.execPath, ["--max-old-space-size=500", ...ENTRY, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: BOUND_MS,
    killSignal: "SIGKILL",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

interface NetworkCase {
  name: string;
  file: string;
  code: string;
  /** `file:line:column` of the marker, for an expected error. */
  at?: string;
}

const networks: NetworkCase[] = readdirSync(join(ROOT, NETWORKS))
  .filter((f) => f.endsWith(".json5"))
  .sort()
  .map((name) => {
    const file = `${NETWORKS}/${name}`;
    const text = readFileSync(join(ROOT, file), "utf8").replace(/^\uFEFF/, "");
    const code = /^\/\/ expect: (\w+)/.exec(text)?.[1];
    if (!code) throw new Error(`${name}: needs "// expect: CODE" or "// expect: ok" on line 1`);
    if (code === "ok") return { name, file, code };
    const mark = text.indexOf(MARK);
    if (mark < 0) throw new Error(`${name}: needs a ${MARK} marker`);
    const before = text.slice(0, mark + MARK.length);
    return { name, file, code, at: `${file}:${before.split("\n").length}:${before.length - before.lastIndexOf("\n")}` };
  });

const SAMPLES = `${DATA}/bom.jsonl`;
const trainArgs = (network: string, data: string, runDir: string) => [
  "train",
  network,
  "--data",
  data,
  "--iterations",
  "1",
  "--run-dir",
  join(tmp, runDir),
  "--cache",
  "off",
];

function expectNoHang(r: Outcome): void {
  expect(r.signal, `killed by the time or memory bound:\n${r.stderr.slice(-2000)}`).toBeNull();
  expect(r.stderr).not.toMatch(/heap out of memory|Invalid array length|ERR_OUT_OF_RANGE/);
}

describe("hostile network files", () => {
  it("the corpus covers prototype names, template bombs, include tags, absurd numbers and a byte-order mark", () => {
    const codes = new Set(networks.map((n) => n.code));
    for (const code of ["E_UNSAFE_NAME", "E_TEMPLATE_TAG", "E_TEMPLATE_LIMIT", "E_OUT_OF_RANGE", "E_BAD_VALUE", "ok"]) expect(codes).toContain(code);
    expect(networks.length).toBeGreaterThanOrEqual(25);
  });

  it("one `dln validate` of every file reports each at its marker; no file stops the others", () => {
    const r = dln("validate", ...networks.map((n) => n.file));
    expectNoHang(r);
    expect(r.status).toBe(1);
    for (const n of networks) {
      if (n.at) expect(r.stdout, n.name).toContain(`${n.at}: error ${n.code} `);
      else expect(r.stdout, n.name).toContain(`✓ ${n.file}\n`);
    }
  });

  // `dln validate` of each file on its own is the test above (one process, every file); here run and train.
  it.each(networks.map((n) => [n.name, n] as const))("%s: run and train end with a located error or a clean result", (_, n) => {
    const run = dln("run", n.file, "-i", SAMPLES, "--cache", "off");
    expectNoHang(run);
    const train = dln(...trainArgs(n.file, SAMPLES, `net-${n.name}`));
    expectNoHang(train);
    if (n.at) {
      for (const r of [run, train]) {
        expect([1, 2]).toContain(r.status);
        expect(r.stderr).toContain(`${n.at}: error ${n.code} `);
        expect(r.stdout).toBe("");
      }
    } else {
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim().split("\n")).toHaveLength(16);
      expect(train.status, train.stderr).toBe(0);
    }
  });
});

describe("hostile data files", () => {
  const OK = `${NETWORKS}/ok.json5`;

  it("a byte-order mark works in `dln run` and `dln train` alike (JSONL and CSV with CRLF)", () => {
    const run = dln("run", OK, "-i", `${DATA}/bom.jsonl`, "--cache", "off");
    expectNoHang(run);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('"error"');
    for (const file of ["bom.jsonl", "bom.csv"]) {
      const train = dln(...trainArgs(OK, `${DATA}/${file}`, `bom-${file}`));
      expectNoHang(train);
      expect(train.status, train.stderr).toBe(0);
      expect(train.stderr).not.toMatch(/left out|warning/);
    }
  });

  it("an unterminated CSV quote is named at its true line and the good records around it are kept", () => {
    const train = dln(...trainArgs(OK, `${DATA}/broken-quote.csv`, "broken-quote"));
    expectNoHang(train);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/1 malformed record left out:\n {2}\S*broken-quote\.csv:3: unreadable CSV: .*the record starting on this line is left out\n/);
  });

  it("bytes that are not UTF-8 are named with their line by run and by train", () => {
    const run = dln("run", OK, "-i", `${DATA}/non-utf8.jsonl`, "--cache", "off");
    expectNoHang(run);
    expect(run.status).toBe(1);
    const rows = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { line: number; error?: { code: string; message: string } });
    expect(rows.filter((r) => r.error).map((r) => [r.line, r.error!.code])).toEqual([[4, "E_INVALID_TEXT"]]);
    expect(rows).toHaveLength(17);
    for (const [file, line] of [
      ["non-utf8.jsonl", 4],
      ["non-utf8.csv", 3],
    ] as const) {
      const train = dln(...trainArgs(OK, `${DATA}/${file}`, `utf8-${file}`));
      expectNoHang(train);
      expect(train.status, train.stderr).toBe(0);
      expect(train.stderr).toMatch(
        new RegExp(`1 malformed record left out:\\n {2}\\S*${file.replace(".", "\\.")}:${line}: not UTF-8 text \\(byte 0x[0-9A-F]{2}`),
      );
    }
  });

  it("a gold label no class can produce is a warning before training starts, with its line", () => {
    const train = dln(...trainArgs(OK, `${DATA}/unreachable-label.jsonl`, "unreachable"));
    expectNoHang(train);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).toMatch(
      /warning: 1 example has a gold answer no output class can give:\n {2}\S*unreachable-label\.jsonl:5: the gold answer "maybe" is none of the output's classes \(yes, no\)/,
    );
  });

  it("records with __proto__ and constructor fields are read like any other", () => {
    const run = dln("run", OK, "-i", `${DATA}/proto-fields.jsonl`, "--cache", "off");
    expectNoHang(run);
    expect(run.status, run.stderr).toBe(0);
    const train = dln(...trainArgs(OK, `${DATA}/proto-fields.jsonl`, "proto-fields"));
    expectNoHang(train);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).not.toMatch(/left out/);
  });
});
