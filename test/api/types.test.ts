import { describe, expectTypeOf, it } from "vitest";
import { generateTask, type Sample } from "../../src/index.js";

describe("public types", () => {
  it("generated tasks are samples the executor accepts", () => {
    // Compile-time check (npm test type-checks the tests): an interface would not be assignable.
    const samples: Sample[] = generateTask("navigate", { seed: 1, n: 2 });
    expectTypeOf(samples).toMatchTypeOf<Record<string, unknown>[]>();
  });
});
