/**
 * The one error model (src/util/errors.ts, src/cli/exit.ts): every error class the package exports
 * is a DlnError, cancellation is one AbortError, and one table turns an error into an exit status.
 */
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import * as llm from "../../src/llm/index.js";
import * as exec from "../../src/exec/index.js";
import * as train from "../../src/train/index.js";
import * as data from "../../src/data/index.js";
import * as report from "../../src/report/index.js";
import * as sweep from "../../src/sweep/index.js";
import * as sim from "../../src/sim/index.js";
import * as compileApi from "../../src/compile/index.js";
import { CheckpointError } from "../../src/train/checkpoint.js";
import { TemplateError } from "../../src/templates/render.js";
import { LlamaProviderError } from "../../src/llm/providers/llama-errors.js";
import { QueueError } from "../../src/sweep/queue.js";
import { ConfigError, UsageError } from "../../src/cli/shared.js";
import { EXIT, exitCodeOf, formatError } from "../../src/cli/exit.js";
import { createModelClient } from "../../src/llm/factory.js";
import { AbortError, abortErrorOf, DlnError, errorCode, isAbort } from "../../src/util/errors.js";

const { AuthenticationError, CompareError, ContextLengthError, DataError, EndpointDeadError, MissingEnvVarError, NetworkError, TrainConfigError } = api;
const { ReportError } = report;
const { ResumeError } = train;

describe("exitCodeOf: the one error → exit status table", () => {
  const table: Array<[string, unknown, number]> = [
    ["a usage DlnError", new DlnError("E_X", "bad flag", { kind: "usage" }), EXIT.usage],
    ["a failed DlnError", new DlnError("E_X", "it broke"), EXIT.failed],
    ["an AbortError", new AbortError(), EXIT.interrupted],
    ["the platform's abort (DOMException)", AbortSignal.abort().reason, EXIT.interrupted],
    ["a commander parse error", new CommanderError(1, "commander.unknownOption", "unknown option"), EXIT.usage],
    ["a plain Error (a bug)", new Error("boom"), EXIT.failed],
    ["a thrown string", "boom", EXIT.failed],
    [
      "an invalid network",
      new NetworkError([{ severity: "error", code: "E_CYCLE", message: "cycle", file: "n.json5", line: 1, column: 2, path: "" }]),
      EXIT.usage,
    ],
    ["unusable data", new DataError("E_DATA_NOT_FOUND", "no such file", "d.jsonl"), EXIT.usage],
    ["a missing env var", new MissingEnvVarError("OPENAI_API_KEY", "fwd"), EXIT.usage],
    ["a refused key", new AuthenticationError("bad key", { status: 401 }), EXIT.usage],
    ["a setting out of range", new TrainConfigError("iterations", "must be ≥ 1"), EXIT.usage],
    ["a resume refused", new ResumeError("cannot resume: other data"), EXIT.usage],
    ["an unreadable checkpoint", new CheckpointError("r/checkpoint.json", "not valid JSON"), EXIT.usage],
    ["a flag misused", new UsageError("--force only goes with --resume"), EXIT.usage],
    ["a model that cannot be used", new ConfigError('model "m" cannot be used'), EXIT.usage],
    ["a dead endpoint", new EndpointDeadError(3, "ECONNREFUSED"), EXIT.failed],
    ["a prompt over the context", new ContextLengthError("9000 tokens"), EXIT.failed],
    ["a malformed response", new llm.MalformedResponseError("not JSON"), EXIT.failed],
    ["an export that would not validate", new api.ExportError("E_EXPORT_INVALID", "out.json5", "does not validate"), EXIT.failed],
    ["an export of no run", new api.ExportError("E_EXPORT_RUN_DIR", "runs/x", "no such run directory"), EXIT.usage],
    ["every sample failed in training", new api.TrainError("E_TRAIN_ALL_FAILED", "every sample failed"), EXIT.failed],
    ["a node's failure in a run", new exec.ExecError("E_PARSE", "not JSON", "y"), EXIT.failed],
  ];
  it.each(table)("%s", (_name, err, code) => {
    expect(exitCodeOf(err)).toBe(code);
  });
});

describe("formatError", () => {
  it("prints the location, the code and the message on one line and the hint on the next", () => {
    const err = new DlnError("E_DATA_FIELDS", "no field x", {
      kind: "usage",
      location: { file: "data.jsonl", line: 3, column: 5 },
      hint: "map it with --field x=question",
    });
    expect(formatError(err)).toBe("data.jsonl:3:5: error E_DATA_FIELDS: no field x\n  hint: map it with --field x=question\n");
    expect(formatError(err, "dln eval")).toBe("dln eval: data.jsonl:3:5: error E_DATA_FIELDS: no field x\n  hint: map it with --field x=question\n");
  });

  it("says the place once when the message starts with it or names it", () => {
    expect(formatError(new ReportError("E_REPORT_RUN_DIR", "runs/x", "no events.jsonl or result.json"))).toBe(
      "runs/x: error E_REPORT_RUN_DIR: no events.jsonl or result.json\n",
    );
    expect(formatError(new DataError("E_DATA_FORMAT", "not JSON", "d.jsonl", 4))).toBe("d.jsonl:4: error E_DATA_FORMAT: not JSON\n");
    const network = new NetworkError([{ severity: "error", code: "E_CYCLE", message: "cycle: y → y", file: "n.json5", line: 2, column: 7, path: "" }]);
    expect(network.location).toEqual({ file: "n.json5", line: 2, column: 7 });
    expect(formatError(network)).toBe("error E_NETWORK_INVALID: invalid network: n.json5:2:7: error E_CYCLE cycle: y → y\n");
  });

  it("prints a line without location or hint, and anything else as a plain error", () => {
    expect(formatError(new CompareError("nowhere", "no such directory"))).toBe("nowhere: error E_COMPARE: no such directory\n");
    expect(formatError(new AbortError("interrupted"))).toBe("error E_ABORTED: interrupted\n");
    expect(formatError(new Error("boom"), "dln")).toBe("dln: error: boom\n");
  });

  it("advice is a hint, not glued to the message", () => {
    const env = new MissingEnvVarError("OPENAI_API_KEY", "fwd");
    expect(env.message).toBe('The environment variable OPENAI_API_KEY is not set (used by model "fwd")');
    expect(env.hint).toMatch(/^export OPENAI_API_KEY=…/);
    expect(new AuthenticationError("bad key", { where: "openai:gpt@api" }).hint).toMatch(/apiKey/);
    expect(new CheckpointError("r/checkpoint.json", "no checkpoint here", "resume a finished iteration").hint).toBeDefined();
  });

  it("an LLMError keeps its fields and its redaction", () => {
    const err = new AuthenticationError("key sk-abcdefghijkl123 refused", {
      where: "openai:gpt@http://h/v1",
      status: 403,
      cause: new Error("Bearer sk-secret-123456"),
    });
    expect(err).toBeInstanceOf(DlnError);
    expect(err).toMatchObject({ code: "E_AUTH", kind: "usage", status: 403, retryable: false, where: "openai:gpt@http://h/v1" });
    expect(err.message).not.toContain("sk-abcdefghijkl123");
    expect(String(err.cause)).not.toContain("sk-secret-123456");
    expect(formatError(err)).not.toContain("sk-abcdefghijkl123");
  });
});

/** Every class a module exports whose name ends in "Error" (but the base itself). */
function errorClasses(modules: Record<string, unknown>[]): Array<[string, unknown]> {
  const found = new Map<string, unknown>();
  for (const m of modules) {
    for (const [name, value] of Object.entries(m)) {
      if (name.endsWith("Error") && value !== DlnError && typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value)))
        found.set(name, value);
    }
  }
  return [...found];
}

describe("every error class is a DlnError", () => {
  const classes = errorClasses([
    api,
    llm,
    exec,
    train,
    data,
    report,
    sweep,
    sim,
    compileApi,
    { CheckpointError, TemplateError, LlamaProviderError, QueueError, UsageError, ConfigError },
  ]);

  it("finds the classes (the walk is not empty)", () => {
    const names = classes.map(([name]) => name);
    for (const name of ["NetworkError", "LLMError", "ExecError", "TrainError", "DataError", "ReportError", "SweepError", "UnknownTaskError", "ExportError"]) {
      expect(names).toContain(name);
    }
  });

  it.each(classes)("%s extends DlnError", (_name, cls) => {
    expect((cls as { prototype: unknown }).prototype).toBeInstanceOf(DlnError);
  });
});

describe("one abort error", () => {
  it("an aborted run rejects with AbortError", async () => {
    const graph = api.compile(
      `{ name: "a", models: { m: { provider: "sim", model: "tasks" } }, inputs: ["x"],
         nodes: { y: { type: "layer", from: ["x"], prompt: "Answer.", classes: ["yes", "no"] } }, output: "y" }`,
      { cache: { mode: "off" } },
    );
    const controller = new AbortController();
    controller.abort();
    const run = graph.runAll([{ x: "Is it?" }, { x: "Is it not?" }], { signal: controller.signal });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    await expect(run).rejects.toMatchObject({ code: "E_ABORTED", kind: "aborted" });
    await graph.close();
  });

  it("an aborted model call rejects with AbortError, through the middleware", async () => {
    const client = await createModelClient({ provider: "sim", model: "tasks" }, { baseDir: ".", env: {}, cache: { mode: "off" } });
    const controller = new AbortController();
    controller.abort();
    const call = client.generate({ prompt: "Is it?", signal: controller.signal });
    await expect(call).rejects.toBeInstanceOf(AbortError);
    expect(exitCodeOf(await call.catch((e: unknown) => e))).toBe(EXIT.interrupted);
  });

  it("a signal aborted with a reason of the caller's gives an AbortError that keeps it", () => {
    const controller = new AbortController();
    controller.abort(new Error("killed"));
    const err = abortErrorOf(controller.signal, "training was cancelled");
    expect(err).toBeInstanceOf(AbortError);
    expect(err.message).toBe("training was cancelled: killed");
    expect((err.cause as Error).message).toBe("killed");
    expect(abortErrorOf(AbortSignal.abort(), "the run was cancelled").message).toBe("the run was cancelled");
    const ours = new AbortError("interrupted");
    expect(abortErrorOf(AbortSignal.abort(ours))).toBe(ours);
  });

  it("isAbort knows ours, the platform's and Node's; errorCode reads any code", () => {
    expect(isAbort(new AbortError())).toBe(true);
    expect(isAbort(AbortSignal.abort().reason)).toBe(true);
    expect(isAbort(Object.assign(new Error("x"), { code: "ABORT_ERR" }))).toBe(true);
    expect(isAbort(new Error("x"))).toBe(false);
    expect(errorCode(new AbortError(), "E_X")).toBe("E_ABORTED");
    expect(errorCode(new Error("x"), "E_X")).toBe("E_X");
  });
});
