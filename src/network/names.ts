/**
 * Names a network may not give to its inputs, nodes, models or templates: the properties every
 * JavaScript object inherits (`constructor`, `toString`, `__proto__`, …). Prompts, checkpoints,
 * reports and template variables are keyed by these names throughout the project, and a lookup
 * of `toString` in an object that has no such key finds the inherited function instead of
 * nothing; `__proto__` even replaces an object's prototype when assigned. Refusing the dozen
 * inherited names (E_UNSAFE_NAME) is the one check that keeps every such lookup honest.
 */
const UNSAFE_NAMES: ReadonlySet<string> = new Set([
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "__proto__",
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "toString",
  "valueOf",
]);

export const UNSAFE_NAMES_HELP =
  "it is the name of a property every JavaScript object inherits, so it would be confused with that property (refused names: " +
  [...UNSAFE_NAMES].sort().join(", ") +
  "); rename it";

/** Whether `name` is one of the inherited property names (see UNSAFE_NAMES). */
export function isUnsafeName(name: string): boolean {
  return UNSAFE_NAMES.has(name);
}
