/**
 * `runs/last`: a symbolic link to the newest run directory, so examples such as
 * `dln report runs/last` work after `dln train` or `dln demo`. It is kept only for runs inside
 * `<cwd>/runs/` (the default place); a run directory elsewhere leaves it alone.
 */
import { existsSync, lstatSync, mkdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

const LAST_RUN_LINK = "last";

/**
 * Points `<cwd>/runs/last` at `runDir` (a relative link, so the folder can move). Returns the
 * link's path, undefined when the run is not directly inside `<cwd>/runs`, or a message when the
 * link could not be made (e.g. `runs/last` is a real directory, or the file system has no links).
 */
export function updateLastRunLink(cwd: string, runDir: string): { link?: string; problem?: string } {
  const runs = resolve(cwd, "runs");
  const dir = resolve(runDir);
  if (dirname(dir) !== runs || basename(dir) === LAST_RUN_LINK) return {};
  const link = join(runs, LAST_RUN_LINK);
  try {
    mkdirSync(dir, { recursive: true });
    if (existsSync(link) || isLink(link)) {
      if (!isLink(link)) return { problem: `${link} exists and is not a link; it was left as it is` };
    }
    // Made beside it, then renamed over it: readers never see a missing link.
    const temp = join(runs, `.${LAST_RUN_LINK}-${process.pid}-${Date.now()}`);
    symlinkSync(basename(dir), temp, "dir");
    try {
      renameSync(temp, link);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    return { link };
  } catch (err) {
    return { problem: `could not point ${link} at ${dir}: ${(err as Error).message}` };
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
