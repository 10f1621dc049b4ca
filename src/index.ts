/** The public API of the dln library. The CLI (src/cli) is a thin shell over these names. */
export type * from "./spec/types.js";
export type * from "./compile/types.js";
export type * from "./llm/types.js";
export { renderTemplate, templateVariables } from "./templates/render.js";
export { FORWARD_TEMPLATES } from "./templates/builtin.js";
