/** The compiler's public API: network text or spec in, checked and ordered network (or diagnostics) out. */
export { compileNetwork, DEFAULT_LOSS, type CompileResult, type CompileOptions } from "./compile.js";
export { loadNetworkFile } from "./load.js";
export { NetworkError, formatDiagnostic } from "../network/diagnostics.js";
export { IMPLICIT_MODEL } from "./models.js";
export type * from "./types.js";
export { planOf, type Plan, type PlanNode } from "./plan-data.js";
