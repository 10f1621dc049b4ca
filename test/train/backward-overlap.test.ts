/**
 * The backward walk starts a parent's step as soon as its children have sent their targets
 * (`sendSignals`), while the children are still scoring their candidates; a step that sends
 * nothing early still hands its targets over when it ends. Either way the parent receives the
 * same targets.
 */
import { lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { backward } from "../../src/train/backward.js";
import { buildTrainGraph } from "../../src/train/topology.js";
import type { Optimizer, StepInput, StepOutput } from "../../src/train/optimizer.js";
import type { BatchTrace, TargetSets } from "../../src/train/types.js";
import { Rng } from "../../src/util/random.js";
import { compile, dln2 } from "./helpers.js";
import { key } from "../helpers/indexing.js";

const graph = buildTrainGraph(compile(dln2()));
const batch: BatchTrace = {
  ids: ["a", "b"],
  values: [
    { x: "1", h1: "one", y: "yes" },
    { x: "2", h1: "two", y: "no" },
  ],
  gold: ["yes", "no"],
  correct: [true, false],
};
const h1Targets: TargetSets = [[{ text: "uno", weight: 1 }], [{ text: "dos", weight: 1 }]];

function walk(optimizer: Optimizer) {
  return lastValueFrom(backward({ graph, optimizer, iteration: 0, prompts: { h1: "p1", y: "p2" }, memory: {}, batch, rng: new Rng(1) }).pipe(toArray()));
}

const output = (input: StepInput, signals: Map<string, TargetSets>): StepOutput => ({
  prompt: key(input.prompts, input.unit.param),
  candidates: [],
  signals,
  summaries: [],
  failures: 0,
});

describe("backward overlap", () => {
  it("starts h1's step once y has sent its targets, before y's step ends", async () => {
    const log: string[] = [];
    let h1Started!: () => void;
    const h1Running = new Promise<void>((resolve) => (h1Started = resolve));
    const received: TargetSets[] = [];
    const optimizer: Optimizer = {
      name: "fake",
      async step(input) {
        const param = input.unit.param;
        log.push(`start ${param}`);
        if (param === "y") {
          const signals = new Map([["h1", h1Targets]]);
          input.sendSignals?.(signals);
          // Would never resolve if h1 waited for the end of y's step.
          await Promise.race([h1Running, new Promise((_r, reject) => setTimeout(() => reject(new Error("h1 did not start while y was running")), 2000))]);
          log.push("end y");
          return output(input, signals);
        }
        received.push(input.targets.get("h1")!);
        h1Started();
        log.push("end h1");
        return output(input, new Map());
      },
    };
    const steps = await walk(optimizer);
    expect(log).toEqual(["start y", "start h1", "end h1", "end y"]);
    expect(steps.map((s) => s.unit.param).sort()).toEqual(["h1", "y"]);
    expect(received).toEqual([h1Targets]);
  });

  it("hands the targets over at the end of a step that sends nothing early", async () => {
    const log: string[] = [];
    const received: TargetSets[] = [];
    const optimizer: Optimizer = {
      name: "fake",
      async step(input) {
        log.push(`start ${input.unit.param}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (input.unit.param === "h1") received.push(input.targets.get("h1")!);
        log.push(`end ${input.unit.param}`);
        return output(input, input.unit.param === "y" ? new Map([["h1", h1Targets]]) : new Map());
      },
    };
    await walk(optimizer);
    expect(log).toEqual(["start y", "end y", "start h1", "end h1"]);
    expect(received).toEqual([h1Targets]);
  });

  it("fails the walk when a step fails", async () => {
    const optimizer: Optimizer = { name: "fake", step: async () => Promise.reject(new Error("step failed")) };
    await expect(walk(optimizer)).rejects.toThrow("step failed");
  });
});
