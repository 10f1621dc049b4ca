import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/llm/middleware/batch.js";

describe("Batcher", () => {
  it("gives each caller its own result, and an error to a caller the response has no result for", async () => {
    const batcher = new Batcher<{ prompt: string; signal?: AbortSignal }, string>(2, 1_000, async (requests) =>
      requests.slice(0, 1).map((r) => r.prompt.toUpperCase()),
    );
    const first = batcher.add("k", { prompt: "a" });
    const second = batcher.add("k", { prompt: "b" });
    await expect(first).resolves.toBe("A");
    await expect(second).rejects.toMatchObject({ code: "E_MALFORMED_RESPONSE" });
  });
});
