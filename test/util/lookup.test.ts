/** getOrThrow (src/util/lookup.ts): a lookup that must succeed, failing with what and which key. */
import { describe, expect, it } from "vitest";
import { DlnError } from "../../src/util/errors.js";
import { getOrThrow } from "../../src/util/lookup.js";

describe("getOrThrow", () => {
  it("returns the value stored under the key", () => {
    const m = new Map([["l1", 1]]);
    expect(getOrThrow(m, "l1", "layer context for node")).toBe(1);
  });

  it("returns a stored undefined as is (the key is there)", () => {
    const m = new Map<string, number | undefined>([["l1", undefined]]);
    expect(getOrThrow(m, "l1", "value for")).toBeUndefined();
  });

  it("throws an E_INTERNAL DlnError naming what was looked up and the missing key", () => {
    const m = new Map([["l1", 1]]);
    let thrown: unknown;
    try {
      getOrThrow(m, "l2", "layer context for node");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DlnError);
    expect(thrown).toMatchObject({ code: "E_INTERNAL", kind: "failed", message: 'no layer context for node "l2"' });
  });

  it("names a number key as is", () => {
    expect(() => getOrThrow(new Map<number, string>(), 3, "row")).toThrow("no row 3");
  });
});
