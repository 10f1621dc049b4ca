/** Fan-out in turns: order of results and starts kept, at most TASKS_PER_TURN started per event-loop turn, nothing started after a failure. */
import { describe, expect, it } from "vitest";
import { allConcurrently, TASKS_PER_TURN } from "../../src/train/dln-vi/parallel.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const microtasks = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe("allConcurrently", () => {
  it("starts at most TASKS_PER_TURN tasks per event-loop turn, in task order, and returns results in task order", async () => {
    const started: number[] = [];
    const n = TASKS_PER_TURN * 2 + 5;
    const done = allConcurrently(
      Array.from({ length: n }, (_x, i) => async () => {
        started.push(i);
        await new Promise((resolve) => setTimeout(resolve, (n - i) % 3));
        return i * 10;
      }),
    );
    await microtasks();
    expect(started).toHaveLength(TASKS_PER_TURN);
    await nextTurn();
    await microtasks();
    expect(started).toHaveLength(TASKS_PER_TURN * 2);
    expect(await done).toEqual(Array.from({ length: n }, (_x, i) => i * 10));
    expect(started).toEqual(Array.from({ length: n }, (_x, i) => i));
  });

  it("nested fan-outs share the turns, and all of them finish", async () => {
    let running = 0;
    const inner = (k: number) =>
      allConcurrently(
        Array.from({ length: 20 }, (_x, j) => async () => {
          running++;
          await nextTurn();
          running--;
          return k * 100 + j;
        }),
      );
    const outer = allConcurrently(Array.from({ length: 10 }, (_x, k) => () => inner(k)));
    await microtasks();
    expect(running).toBeLessThanOrEqual(TASKS_PER_TURN);
    const results = await outer;
    expect(results.flat()).toEqual(Array.from({ length: 10 }, (_x, k) => Array.from({ length: 20 }, (_y, j) => k * 100 + j)).flat());
  });

  it("rejects on the first failure and starts no task that was still waiting for its turn", async () => {
    const started: number[] = [];
    const n = TASKS_PER_TURN * 3;
    const run = allConcurrently(
      Array.from({ length: n }, (_x, i) => async () => {
        started.push(i);
        if (i === 0) throw new Error("boom");
        return i;
      }),
    );
    await expect(run).rejects.toThrow("boom");
    for (let t = 0; t < 4; t++) await nextTurn();
    expect(started.length).toBeLessThanOrEqual(TASKS_PER_TURN);
  });

  it("resolves an empty list at once", async () => {
    expect(await allConcurrently([])).toEqual([]);
  });
});
