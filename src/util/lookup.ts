import { DlnError } from "./errors.js";

/**
 * `map.get(key)` where the key is known to be there (an id from the same network, a node the walk
 * already visited): a missing entry is a bug in this package, reported as `E_INTERNAL` naming what
 * was looked up and the key (`no layer context for node "l2"`) instead of carried on as `undefined`
 * to fail later as "Cannot read properties of undefined". Not for names a user typed: those deserve
 * a usage error that names the file or flag they came from.
 *
 * `what` completes "no … <key>", e.g. `"compiled node"`, `"layer context for node"`.
 */
export function getOrThrow<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined && !map.has(key)) throw new DlnError("E_INTERNAL", `no ${what} ${JSON.stringify(key) ?? String(key)}`, { kind: "failed" });
  return value as V;
}
