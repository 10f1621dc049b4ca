import { describe, expect, it } from "vitest";
import { startOpenAIServer } from "../helpers/openai-server.js";
import { redactSecrets } from "../../src/llm/errors.js";
import { Semaphore, SlidingWindow } from "../../src/llm/middleware/limit.js";
import { openaiClient } from "./support.js";

describe("limits", () => {
  it("holds a request over the per-minute budget until the window moves", async () => {
    let now = 0;
    const window = new SlidingWindow(2, () => now);
    await window.take(1);
    await window.take(1);
    let third = false;
    const pending = window.take(1).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    now = 60_001;
    await pending;
    expect(third).toBe(true);
  });

  it("lets a waiter leave the semaphore queue when aborted", async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "E_ABORTED" });
    release();
    const again = await semaphore.acquire();
    expect(semaphore.inFlight).toBe(1);
    again();
    expect(semaphore.inFlight).toBe(0);
  });
});

describe("secrets", () => {
  it("redacts keys and authorization values from text", () => {
    const text = 'Authorization: Bearer abc.def key sk-proj-ABCDEFGH12345 {"api-key": "zzz"} https://x/?api-key=qqq';
    const out = redactSecrets(text);
    for (const secret of ["abc.def", "sk-proj-ABCDEFGH12345", "zzz", "qqq"]) expect(out).not.toContain(secret);
  });

  it("keeps a key the server echoes back out of error messages", async () => {
    const key = "plainsecretvalue-42";
    const server = await startOpenAIServer();
    try {
      const { client, warnings } = await openaiClient(server.baseURL, { api: "chat", scoring: "classes", apiKey: key, topLogprobs: 99 });
      await client.capabilities();
      server.setFaults({ decide: () => ({ kind: "400", message: `Invalid key ${key} for this model` }) });
      const err = await client.generate({ prompt: "x" }).catch((e) => e);
      expect(err.code).toBe("E_BAD_REQUEST");
      expect(server.stats.received.at(-1)!.headers.authorization).toBe(`Bearer ${key}`);
      expect(`${err.message} ${String(err.cause)} ${err.stack}`).not.toContain(key);
      expect(warnings.join(" ")).not.toContain(key);
    } finally {
      await server.close();
    }
  });
});
