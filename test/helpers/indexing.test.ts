import { describe, expect, it } from "vitest";
import { at, key, only } from "./indexing.js";

describe("indexing helpers", () => {
  it("at returns the element, counting from the end when negative, and throws naming the index when out of range", () => {
    expect(at(["a", "b", "c"], 0)).toBe("a");
    expect(at(["a", "b", "c"], -1)).toBe("c");
    expect(at([undefined], 0)).toBeUndefined(); // an element that is there, even if undefined
    expect(() => at(["a", "b"], 2)).toThrow("no element at index 2: the array has 2");
    expect(() => at(["a"], -2)).toThrow("no element at index -2: the array has 1");
    expect(() => at([], 0)).toThrow("no element at index 0: the array has 0");
    expect(() => at(["a"], 0.5)).toThrow(/index 0.5/);
  });

  it("only returns the one element, and throws on none or several", () => {
    expect(only([7])).toBe(7);
    expect(() => only([])).toThrow("expected exactly one element, got 0");
    expect(() => only([1, 2])).toThrow("expected exactly one element, got 2");
  });

  it("key returns the value, and throws naming the key and the keys present", () => {
    const record: Record<string, number> = { a: 1, b: 0 };
    expect(key(record, "a")).toBe(1);
    expect(key(record, "b")).toBe(0);
    expect(() => key(record, "c")).toThrow('no key "c": present are a, b');
    expect(() => key({}, "c")).toThrow('no key "c": present are none');
    expect(() => key(record, "toString")).toThrow(/no key "toString"/); // inherited properties are not keys
  });
});
