/** The registry of simulated worlds the sim provider can load by name (`model` in a network file). */
import { createHardTasksWorld, createTasksWorld } from "./tasks-world.js";
import type { WorldFactory } from "./world.js";

const worlds = new Map<string, WorldFactory>([
  ["tasks", createTasksWorld],
  ["tasks-hard", createHardTasksWorld],
]);

export const DEFAULT_WORLD = "tasks";

export class UnknownWorldError extends Error {
  readonly code = "SIM_UNKNOWN_WORLD";
  constructor(readonly world: string) {
    super(
      `sim: there is no simulated world named "${world}"; set model to one of: ${[...worlds.keys()].join(", ")} ` + `(or register your own with registerWorld)`,
    );
    this.name = "UnknownWorldError";
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
