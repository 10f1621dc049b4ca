/**
 * Template rendering with LiquidJS, configured so a template cannot read files, include other
 * templates, reach the environment, or run away: it only sees the values it is given, and the
 * parse, render-time and memory limits below end a template bomb with an error instead of
 * eating the machine (`{% for i in (1..100000000) %}` is refused after 23 ms, not 4.7 GB later).
 */
import { Liquid, Tag, type Template, type TagToken, type TopLevelToken } from "liquidjs";
import { DlnError } from "../util/errors.js";

/**
 * The limits every template render runs under. A template's own text is short; the numbers are
 * generous for any real prompt (a 10 MB input can pass through a filter or two) and small enough
 * that a bomb ends within a second and well under 500 MB.
 */
export const TEMPLATE_LIMITS = {
  /** Most characters of template text LiquidJS parses at once. */
  parseLimit: 1_000_000,
  /** Most milliseconds one render may take. */
  renderLimit: 1_000,
  /** Most characters (and list items) one render may allocate in ranges, filters and output. */
  memoryLimit: 20_000_000,
} as const;

/** Tags that read other templates (from disk or anywhere): refused wherever they appear. */
const REFUSED_TAGS = ["include", "render", "layout"] as const;

/**
 * What a template did wrong: a stable code, a readable message, and where in the template. A usage
 * error (the template is the caller's); the executor reports it as the sample's `ExecError`.
 */
export class TemplateError extends DlnError {
  declare readonly code: "E_TEMPLATE_SYNTAX" | "E_TEMPLATE_TAG" | "E_TEMPLATE_LIMIT" | "E_TEMPLATE";
  constructor(
    /** `E_TEMPLATE_SYNTAX`, `E_TEMPLATE_TAG` (include/render/layout), `E_TEMPLATE_LIMIT` or `E_TEMPLATE`. */
    code: "E_TEMPLATE_SYNTAX" | "E_TEMPLATE_TAG" | "E_TEMPLATE_LIMIT" | "E_TEMPLATE",
    message: string,
    /** 1-based line and column inside the template text, when LiquidJS knows them. */
    readonly templateLine?: number,
    readonly templateColumn?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, { ...options, kind: "usage" });
  }
}

/** No file system: whatever a template (or a LiquidJS feature) asks for, nothing is found. */
const NO_FILES = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string): Promise<string> => {
    throw new TemplateError("E_TEMPLATE_TAG", `templates cannot read files (${file})`);
  },
  readFileSync: (file: string): string => {
    throw new TemplateError("E_TEMPLATE_TAG", `templates cannot read files (${file})`);
  },
  resolve: (_dir: string, file: string) => file,
  sep: "/",
};

const engine = new Liquid({
  // An empty in-memory template map and no file system: nothing can be looked up anywhere.
  templates: {},
  fs: NO_FILES,
  root: [],
  partials: [],
  layouts: [],
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  greedy: false,
  relativeReference: false,
  ...TEMPLATE_LIMITS,
});

/** Fails the parse at the tag, so the error carries its line and column. */
class RefusedTag extends Tag {
  constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
    super(token, remain, liquid);
    throw new TemplateError("E_TEMPLATE_TAG", `the \`${token.name}\` tag is not allowed: a template cannot read other templates or files`); // LiquidJS adds the place
  }
  *render(): Generator<unknown, void, unknown> {
    // never reached: the constructor refuses the tag
  }
}
for (const name of REFUSED_TAGS) engine.registerTag(name, RefusedTag);

const parsed = new Map<string, Template[]>();

function parse(source: string): Template[] {
  let t = parsed.get(source);
  if (!t) {
    try {
      t = engine.parse(source);
    } catch (err) {
      throw templateError(err, "E_TEMPLATE_SYNTAX");
    }
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(source, t);
  }
  return t;
}

/**
 * Renders a template with the given variables (synchronously: templates do no I/O). Throws a
 * `TemplateError`: `E_TEMPLATE_LIMIT` when the render exceeds TEMPLATE_LIMITS.
 */
export function renderTemplate(source: string, vars: Record<string, unknown>): string {
  const templates = parse(source);
  try {
    return engine.renderSync(templates, vars) as string;
  } catch (err) {
    throw templateError(err, "E_TEMPLATE");
  }
}

/** Top-level variable names a template reads (e.g. `prompt`, `x`, `from`), for the compiler's checks. */
export function templateVariables(source: string): string[] {
  return engine.globalVariablesSync(parse(source));
}

/**
 * Throws a `TemplateError` (with its line and column inside the template) if the template does
 * not parse or uses a refused tag (`E_TEMPLATE_TAG`).
 */
export function checkTemplate(source: string): void {
  parse(source);
}

/**
 * Renders the template once with stand-in values (each variable a one-word text) and returns the
 * `E_TEMPLATE_LIMIT` error when even that exceeds the limits: a bomb that does not depend on its
 * inputs (`{% for i in (1..100000000) %}`) is found when the network is checked, not per sample.
 * Other failures with stand-in values say nothing about real inputs and are ignored.
 */
export function trialRender(source: string, names: readonly string[]): TemplateError | undefined {
  const vars: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const name of names) vars[name] = name;
  vars.from = names.map((name) => ({ name, value: name }));
  try {
    renderTemplate(source, vars);
    return undefined;
  } catch (err) {
    return err instanceof TemplateError && err.code === "E_TEMPLATE_LIMIT" ? err : undefined;
  }
}

const LIMIT_MESSAGES: Array<[RegExp, string]> = [
  [
    /^memory alloc limit exceeded/,
    `the template allocates more than ${TEMPLATE_LIMITS.memoryLimit.toLocaleString("en-US")} characters or list items (a range or loop too large?)`,
  ],
  [/^template render limit exceeded/, `the template takes longer than ${TEMPLATE_LIMITS.renderLimit} ms to render (a loop too large?)`],
  [/^parse length limit exceeded/, `the template is longer than ${TEMPLATE_LIMITS.parseLimit.toLocaleString("en-US")} characters`],
];

/** A LiquidJS error as a TemplateError: a clean message, its code, and its place in the template. */
function templateError(err: unknown, fallback: "E_TEMPLATE_SYNTAX" | "E_TEMPLATE"): TemplateError {
  if (err instanceof TemplateError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const position = /,?\s*line:(\d+), col:(\d+)/.exec(raw);
  const bare = raw.replace(/,?\s*line:\d+, col:\d+[\s\S]*$/, "");
  const line = position ? Number(position[1]) : undefined;
  const column = position ? Number(position[2]) : undefined;
  const at = position ? ` (template line ${line}, column ${column})` : "";
  const limit = LIMIT_MESSAGES.find(([pattern]) => pattern.test(bare));
  if (limit) return new TemplateError("E_TEMPLATE_LIMIT", `${limit[1]}${at}`, line, column, { cause: err });
  if (/^the `\w+` tag is not allowed/.test(bare)) return new TemplateError("E_TEMPLATE_TAG", `${bare}${at}`, line, column, { cause: err });
  return new TemplateError(fallback, `${bare}${at}`, line, column, { cause: err });
}
