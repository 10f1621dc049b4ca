import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { runCli } from "../../src/cli/main.js";

function capture() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d) => (text += d));
  return { stream: out, text: () => text };
}

describe("dln", () => {
  it("prints help with examples and exits 0", async () => {
    const out = capture();
    const code = await runCli(["node", "dln", "--help"], { stdout: out.stream });
    expect(code).toBe(0);
    expect(out.text()).toContain("Examples:");
    expect(out.text()).toContain("validate");
  });
  it("exits 2 on an unknown command", async () => {
    const err = capture();
    const code = await runCli(["node", "dln", "frobnicate"], { stderr: err.stream });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/unknown command/);
  });
});
