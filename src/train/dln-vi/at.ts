import { DlnError } from "../../util/errors.js";

/**
 * `items[i]`, for arrays the step walks in parallel (a batch's values, gold answers, the scores of
 * its candidates): they are built to the same length, so a missing element is a bug, reported by
 * what was missing and where rather than carried on as `undefined`.
 */
export function at<T>(items: readonly T[], i: number, what: string): T {
  const item = items[i];
  if (item === undefined) throw new DlnError("E_INTERNAL", `dln-vi: ${what} has no element ${i} (length ${items.length})`, { kind: "failed" });
  return item;
}
