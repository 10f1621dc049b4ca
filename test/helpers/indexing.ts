// Indexed access for tests under `noUncheckedIndexedAccess`: an index or key that is not there is a
// test failure, reported with the index (or key) and what was there instead.

/** The element at `index` (negative counts from the end); throws naming the index and the length when it is out of range. */
export function at<T>(array: readonly T[], index: number): T {
  const i = index < 0 ? array.length + index : index;
  if (!Number.isInteger(i) || i < 0 || i >= array.length) throw new Error(`no element at index ${index}: the array has ${array.length}`);
  return array[i] as T;
}

/** The one element of `array`; throws when it has none or more than one. */
export function only<T>(array: readonly T[]): T {
  if (array.length !== 1) throw new Error(`expected exactly one element, got ${array.length}`);
  return array[0] as T;
}

/** The value under `key`; throws naming the key and the keys present when it is missing. */
export function key<V>(record: Readonly<Record<string, V>>, name: string): V {
  if (!Object.hasOwn(record, name) || record[name] === undefined) {
    throw new Error(`no key "${name}": present are ${Object.keys(record).join(", ") || "none"}`);
  }
  return record[name] as V;
}
