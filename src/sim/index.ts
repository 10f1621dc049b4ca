/** The simulator's public names: bundled tasks and their generator, the world interface and registry. */
export { generateTask, TASKS, UnknownTaskError } from "./tasks.js";
export type { Sample, TaskInfo } from "./tasks.js";
export type { Alternative, World, WorldFactory, WorldRequest } from "./world.js";
export { createWorld, registerWorld, worldNames, DEFAULT_WORLD, UnknownWorldError } from "./worlds.js";
export { createSimClient, createSimProvider } from "../llm/providers/sim.js";
export type { SimClientOptions, SimEndpoint } from "../llm/providers/sim.js";
