/** The llama provider's job queue: strict serialisation, prefix affinity, bounded waiting. */
import { describe, expect, it } from "vitest";
import { PrefixAffinityQueue, sharedPrefixLength } from "../../src/llm/providers/llama-queue.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("PrefixAffinityQueue", () => {
  it("never runs two jobs at once and survives a failing job", async () => {
    const queue = new PrefixAffinityQueue<number>(() => []);
    let active = 0;
    let maxActive = 0;
    const job = (fail: boolean) =>
      queue.run([], async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await tick();
        active--;
        if (fail) throw new Error("boom");
        return "ok";
      });
    const results = await Promise.allSettled([job(false), job(true), job(false), job(false)]);
    expect(maxActive).toBe(1);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
  });

  it("runs the waiting job that shares the longest prefix with the held tokens first", async () => {
    let held: number[] = [1, 2, 3];
    const queue = new PrefixAffinityQueue(() => held);
    const order: string[] = [];
    const job = (name: string, tokens: number[]) =>
      queue.run(tokens, async () => {
        order.push(name);
        held = tokens;
        await tick();
      });
    await Promise.all([job("first", [7]), job("other", [9, 9]), job("similar", [7, 1]), job("same", [7, 1, 2])]);
    // "first" starts at once and leaves [7]; "similar" and "same" share 1 token with it, "other" none;
    // after "similar" leaves [7, 1], "same" shares 2 and goes next; "other" waits till last.
    expect(order).toEqual(["first", "similar", "same", "other"]);
  });

  it("lets an old job wait behind at most window - 1 newer ones", async () => {
    const held = [5, 5, 5];
    const queue = new PrefixAffinityQueue(() => held, 2);
    const order: string[] = [];
    const job = (name: string, tokens: number[]) =>
      queue.run(tokens, async () => {
        order.push(name);
        await tick();
      });
    await Promise.all([job("running", [5]), job("old", [1]), job("a", [5, 5]), job("b", [5, 5]), job("c", [5, 5])]);
    // "a" is preferred once (it shares more), then "old" has waited window - 1 = 1 times and goes.
    expect(order).toEqual(["running", "a", "old", "b", "c"]);
  });

  it("measures shared prefixes", () => {
    expect(sharedPrefixLength([1, 2, 3], [1, 2, 4])).toBe(2);
    expect(sharedPrefixLength([], [1])).toBe(0);
    expect(sharedPrefixLength([1, 2], [1, 2, 3])).toBe(2);
  });
});
