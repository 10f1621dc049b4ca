/**
 * The backward walk's schedule (src/train/schedule.ts): every parameter and ensemble runs once,
 * only after everything that reads it has handed over; what becomes ready together starts
 * together; an error or an abort ends the walk. No timers: the works are promises the test
 * resolves itself.
 */
import { lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import type { NetworkSpec } from "../../src/network/types.js";
import { scheduleBackward, type Work } from "../../src/train/schedule.js";
import { buildTrainGraph } from "../../src/train/topology.js";
import { compile } from "./helpers.js";
import { AbortError } from "../../src/util/errors.js";

/** x → h1 → (a, b) → ensemble e, the output. */
function spec(): NetworkSpec {
  return {
    name: "sched",
    models: { sim: { provider: "sim", model: "tasks" } },
    inputs: ["x"],
    nodes: {
      h1: { type: "layer", from: ["x"], template: "think", prompt: "Think.", maxTokens: 32 },
      a: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "A.", classes: ["yes", "no"] },
      b: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "B.", classes: ["yes", "no"] },
      e: { type: "ensemble", members: ["a", "b"], aggregate: "vote" },
    },
    output: "e",
    loss: { type: "exact_match", normalize: "first_word" },
  };
}

const graph = buildTrainGraph(compile(spec()));
const name = (w: Work): string => (w.kind === "unit" ? w.unit.param : w.ensemble.id);

describe("scheduleBackward", () => {
  it("runs every parameter and ensemble once, each after its readers, and emits the results of the works that return one", async () => {
    const log: string[] = [];
    const results = await lastValueFrom(
      scheduleBackward(
        graph,
        async (work) => {
          log.push(`start ${name(work)}`);
          await Promise.resolve();
          log.push(`end ${name(work)}`);
          return work.kind === "unit" ? work.unit.param : undefined;
        },
        undefined,
      ).pipe(toArray()),
    );
    expect(log.filter((l) => l.startsWith("start"))).toEqual(["start e", "start a", "start b", "start h1"]);
    // a and b become ready together (e handed over) and run side by side; h1 waits for both.
    expect(log.indexOf("start b")).toBeLessThan(log.indexOf("end a"));
    expect(log.indexOf("start h1")).toBeGreaterThan(Math.max(log.indexOf("end a"), log.indexOf("end b")));
    expect(results.sort()).toEqual(["a", "b", "h1"]);
  });

  it("starts a parent when its readers hand over, before they end", async () => {
    const log: string[] = [];
    let h1Ran!: () => void;
    const h1 = new Promise<void>((resolve) => (h1Ran = resolve));
    const done = lastValueFrom(
      scheduleBackward(graph, async (work, handOver) => {
        log.push(`start ${name(work)}`);
        if (work.kind === "unit" && work.unit.param !== "h1") {
          handOver();
          await h1; // would never resolve if h1 waited for a and b to end
        }
        if (name(work) === "h1") h1Ran();
        log.push(`end ${name(work)}`);
        return name(work);
      }).pipe(toArray()),
    );
    expect((await done).sort()).toEqual(["a", "b", "e", "h1"]);
    expect(log.slice(0, 5)).toEqual(["start e", "end e", "start a", "start b", "start h1"]);
  });

  it("ends with the first error, and starts nothing after it", async () => {
    const started: string[] = [];
    const walk = scheduleBackward(graph, async (work) => {
      started.push(name(work));
      if (name(work) === "a") throw new Error("a failed");
      return name(work);
    });
    await expect(lastValueFrom(walk.pipe(toArray()))).rejects.toThrow("a failed");
    expect(started).not.toContain("h1");
  });

  it("does not start a work once the signal is aborted, and ends with an AbortError carrying its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("stopped by the test");
    controller.abort(reason);
    const started: string[] = [];
    const walk = scheduleBackward(
      graph,
      async (work) => {
        started.push(name(work));
        return name(work);
      },
      controller.signal,
    );
    const error: unknown = await lastValueFrom(walk.pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect((error as AbortError).message).toContain("stopped by the test");
    expect(started).toEqual([]);
  });
});
