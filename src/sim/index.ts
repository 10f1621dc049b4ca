/**
 * The simulator's public names: bundled tasks and their generator, the world interface and registry.
 * The model client that speaks for a world is a provider like the others: src/llm/providers/sim.ts.
 */
export { generateTask, TASKS, UnknownTaskError } from "./tasks.js";
export type { Sample, TaskInfo } from "./tasks.js";
export type { Alternative, World, WorldFactory, WorldRequest } from "./world.js";
export { createWorld, registerWorld, worldNames, DEFAULT_WORLD, UnknownWorldError } from "./worlds.js";
