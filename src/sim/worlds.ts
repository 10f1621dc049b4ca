/** The registry of simulated worlds the sim provider can load by name (`model` in a network file). */
import { createHardTasksWorld, createTasksWorld } from "./tasks-world.js";
import type { WorldFactory } from "./world.js";
import { DlnError } from "../util/errors.js";

const worlds = new Map<string, WorldFactory>([
  ["tasks", createTasksWorld],
  ["tasks-hard", createHardTasksWorld],
]);

export const DEFAULT_WORLD = "tasks";

export class UnknownWorldError extends DlnError {
  declare readonly code: "SIM_UNKNOWN_WORLD";
  constructor(readonly world: string) {
    super("SIM_UNKNOWN_WORLD", `sim: there is no simulated world named "${world}"`, {
      kind: "usage",
      hint: `set model to one of: ${[...worlds.keys()].join(", ")} (or register your own with registerWorld)`,
    });
  }
}

/** Makes a world available to `{ provider: "sim", model: name }`. */
export function registerWorld(name: string, factory: WorldFactory): void {
  worlds.set(name, factory);
}

export function worldNames(): string[] {
  return [...worlds.keys()];
}

export function createWorld(name: string, seed: number): import("./world.js").World {
  const factory = worlds.get(name);
  if (!factory) throw new UnknownWorldError(name);
  return factory(seed);
}
