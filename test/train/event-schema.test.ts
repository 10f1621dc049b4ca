/**
 * Every line a training run writes to events.jsonl is described by schemas/event.schema.json
 * (the contract scripts read against), the checkpoint a resume recovers included.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Ajv2020 as Ajv } from "ajv/dist/2020.js";
import { afterAll, describe, expect, it } from "vitest";
import { TASKS } from "../../src/sim/tasks.js";
import { truncateEvents } from "../../src/train/resume.js";
import { dln1, runTraining, splits } from "./helpers.js";
import { key } from "../helpers/indexing.js";

const tmp = mkdtempSync(join(tmpdir(), "dln-event-schema-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../schemas/event.schema.json"), "utf8"));

describe("events.jsonl", () => {
  it("validates line by line against schemas/event.schema.json", async () => {
    const ajv = new Ajv({ allErrors: true, formats: { "date-time": /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/ } });
    const validate = ajv.compile(schema);
    const dir = join(tmp, "run");
    const data = splits("animals", { train: 18, dev: 12, test: 6 });
    await runTraining(dln1(key(TASKS, "animals").labels), data, { iterations: 2, batchSize: 6, promptSamples: 2, valEvery: 1, seed: 3 }, { runDir: dir })
      .result;
    // As if killed after the last checkpoint was saved and before its event was written.
    const path = join(dir, "events.jsonl");
    const lines = readFileSync(path, "utf8").trim().split("\n");
    const last = lines.findLastIndex((l) => JSON.parse(l).type === "checkpoint");
    writeFileSync(path, lines.slice(0, last).join("\n") + "\n");
    truncateEvents(dir, 2);
    const events = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set([
        "start",
        "validation",
        "batch",
        "candidates",
        "choice",
        "iteration",
        "checkpoint",
        ...(events.some((e) => e.type === "reload-best") ? ["reload-best"] : []),
      ]),
    );
    expect(events.at(-1)).toMatchObject({ type: "checkpoint", recovered: true });
    for (const e of [...events, ...lines.slice(last).map((l) => JSON.parse(l))]) {
      expect(validate(e) ? null : { event: e, errors: ajv.errorsText(validate.errors) }).toBeNull();
    }
  }, 60_000);
});
