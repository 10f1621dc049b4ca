/**
 * Template rendering with LiquidJS, configured so a template cannot read files, include other
 * templates from disk, or reach the environment: it only sees the values it is given.
 */
import { Liquid, type Template } from "liquidjs";

const engine = new Liquid({
  // An empty in-memory template map: `{% include %}` / `{% render %}` / `{% layout %}` find nothing on disk.
  templates: {},
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  greedy: false,
});

const parsed = new Map<string, Template[]>();

function parse(source: string): Template[] {
  let t = parsed.get(source);
  if (!t) {
    t = engine.parse(source);
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(source, t);
  }
  return t;
}

/** Renders a template with the given variables (synchronously: templates do no I/O). */
export function renderTemplate(source: string, vars: Record<string, unknown>): string {
  return engine.renderSync(parse(source), vars) as string;
}

/** Top-level variable names a template reads (e.g. `prompt`, `x`, `from`), for the compiler's checks. */
export function templateVariables(source: string): string[] {
  return engine.globalVariablesSync(parse(source));
}

/** Throws the LiquidJS syntax error (with its line and column inside the template) if the template does not parse. */
export function checkTemplate(source: string): void {
  parse(source);
}
