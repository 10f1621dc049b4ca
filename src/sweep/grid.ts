/**
 * A sweep's grid → its points: every combination of the grid's values (the first setting varies
 * slowest), each named by its settings, e.g. `seed=1,train.promptSamples=4`. Names are safe as
 * folder names on every filesystem: characters other than letters, digits and `.,=+-@` become `_`,
 * and a long name is cut and ends with a hash of the full one.
 */
import { basename, extname } from "node:path";
import { hashString } from "../util/random.js";
import { getOrThrow } from "../util/lookup.js";
import type { Sweep } from "./spec.js";

export type SettingValue = string | number | boolean;

export interface SweepPoint {
  /** Folder name under the sweep's `out`, unique within the sweep. */
  name: string;
  /** The network file (absolute). */
  network: string;
  /** The grid's settings of this point, in the grid's order (`network` first when the sweep has several). */
  settings: Record<string, SettingValue>;
  /** Training overrides: the sweep's `train`, the grid's `train.*` and `seed`. */
  train: Record<string, unknown>;
  /** Model overrides by name: the sweep's `models` and the grid's `models.<name>.<field>`. */
  models: Record<string, Record<string, unknown>>;
}

const MAX_NAME = 120;

export function safeName(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9.,=+\-@]/g, "_").replace(/^\.+/, "_");
  if (safe.length <= MAX_NAME) return safe;
  return `${safe.slice(0, MAX_NAME - 9)}~${(hashString(text) >>> 0).toString(16).padStart(8, "0")}`;
}

/** The short name of a network file in point names: its file name without the extension. */
function networkLabel(path: string): string {
  return basename(path, extname(path));
}

export function expandGrid(sweep: Sweep): SweepPoint[] {
  const dims: Array<[string, SettingValue[]]> = [];
  if (sweep.networks.length > 1) dims.push(["network", sweep.networks]);
  for (const [key, values] of Object.entries(sweep.grid)) dims.push([key, values]);
  let combos: Array<Record<string, SettingValue>> = [{}];
  for (const [key, values] of dims) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  const labels = new Map(sweep.networks.map((n) => [n, networkLabel(n)]));
  const onlyNetwork = sweep.networks.length === 1 ? sweep.networks[0] : undefined;
  const points = combos.map((settings): SweepPoint => {
    const train: Record<string, unknown> = structuredClone(sweep.train);
    const models: Record<string, Record<string, unknown>> = structuredClone(sweep.models);
    for (const [key, value] of Object.entries(settings)) {
      if (key === "seed") train.seed = value;
      else if (key.startsWith("train.")) train[key.slice(6)] = value;
      else if (key.startsWith("models.")) {
        const [model = "", ...field] = key.slice("models.".length).split(".");
        (models[model] ??= {})[field.join(".")] = value;
      }
    }
    const shown = Object.entries(settings).map(([k, v]) => `${k}=${k === "network" ? labels.get(String(v)) : String(v)}`);
    return {
      name: safeName(shown.join(",")),
      network: onlyNetwork ?? String(settings.network),
      settings: Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, k === "network" ? getOrThrow(labels, String(v), "label of network") : v])),
      train,
      models,
    };
  });
  // Two points whose names became equal when made safe (or two networks with one file name) get a hash each.
  const seen = new Map<string, number>();
  for (const p of points) seen.set(p.name, (seen.get(p.name) ?? 0) + 1);
  for (const p of points) {
    if ((seen.get(p.name) ?? 0) > 1) p.name = safeName(`${p.name}~${(hashString(JSON.stringify([p.network, p.settings])) >>> 0).toString(16)}`);
  }
  return points;
}
