/** `dln` for the docs test: the command line from the sources (no build needed), as bin/dln.js runs it. */
import { runCli } from "../../src/cli/main.js";

process.exitCode = await runCli(process.argv);
