#!/usr/bin/env node
// The `dln` command. The TypeScript sources are compiled to dist/ by `npm ci` (the `prepare` script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
if (!existsSync(main)) {
  process.stderr.write("dln: dist/ is missing; run `npm ci` (or `npm run build`) in the checkout first.\n");
  process.exit(2);
}
// `dln plan x | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => { if (err.code === "EPIPE") process.exit(process.exitCode ?? 0); throw err; });
}
const { runCli } = await import(main);
// First Ctrl-C: stop cleanly (in-flight requests are aborted, finished work is kept); second: exit now.
const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write("\ndln: interrupted; stopping (Ctrl-C again to quit at once)\n");
  interrupt.abort();
});
const code = await runCli(process.argv, { signal: interrupt.signal });
process.exitCode = interrupt.signal.aborted && code === 0 ? 130 : code;
