import { describe, expect, it } from "vitest";
import { defer, lastValueFrom, of, timer, map, toArray } from "rxjs";
import { pullSamples } from "../../src/exec/pullSamples.js";
import { createReorderBuffer } from "../../src/exec/reorder.js";

describe("pullSamples", () => {
  it("handles work that completes synchronously without recursion or loss", async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const out = await lastValueFrom(pullSamples(items, (x) => of(x * 2), 8).pipe(toArray()));
    expect(out).toHaveLength(10_000);
    expect(out[9_999]).toBe(19_998);
  });

  it("emits in completion order and closes the iterator when unsubscribed early", async () => {
    let closed = false;
    function* gen() {
      try {
        for (let i = 0; i < 10; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const out = await lastValueFrom(pullSamples(gen(), (x, i) => defer(() => timer(x === 0 ? 300 : 1).pipe(map(() => i))), 4).pipe(toArray()));
    expect(out[out.length - 1]).toBe(0);
    expect(closed).toBe(true);
    closed = false;
    const sub = pullSamples(gen(), () => timer(1000), 2).subscribe();
    sub.unsubscribe();
    expect(closed).toBe(true);
  });

  it("propagates an error of the source iterator", async () => {
    async function* bad() {
      yield 1;
      throw new Error("read failed");
    }
    await expect(lastValueFrom(pullSamples(bad(), (x) => of(x), 2))).rejects.toThrow("read failed");
  });
});

describe("createReorderBuffer", () => {
  it("releases results in input order and gates reading to the window", async () => {
    const buf = createReorderBuffer<{ index: number }>(2);
    expect(buf.push({ index: 1 })).toEqual([]);
    let room = false;
    const wait = buf.waitForRoom(2).then(() => (room = true));
    await Promise.resolve();
    expect(room).toBe(false);
    expect(buf.push({ index: 0 }).map((r) => r.index)).toEqual([0, 1]);
    await wait;
    expect(room).toBe(true);
    expect(buf.next).toBe(2);
    expect(buf.held).toBe(0);
  });
});
