import { describe, expect, it } from "vitest";
import { SlidingWindow } from "../../src/llm/middleware/limit.js";

describe("SlidingWindow", () => {
  it("lets an oversized request go once every earlier entry has left the window", async () => {
    let now = 0;
    const window = new SlidingWindow(100, () => now);
    await window.take(50);
    now = 60_001; // the first entry is out of the window: nothing is in use
    await expect(window.take(250)).resolves.toMatchObject({ amount: 250 });
  });
});
