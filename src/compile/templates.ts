/**
 * Template resolution and checks. A node's `template` is a built-in name, a name from the
 * network's `templates`, or inline LiquidJS text (anything containing `{{` or `{%`). The checks
 * make sure the template parses and reads only what the node provides, so a typo in a variable
 * name fails at compile time instead of rendering as an empty string in the middle of a run.
 */
import { FORWARD_TEMPLATES } from "../templates/builtin.js";
import { checkTemplate, templateVariables, TemplateError, trialRender } from "../templates/render.js";
import type { PathSegment } from "../network/path.js";
import { formatPath } from "../network/path.js";
import { nearestName } from "../network/suggest.js";
import type { DiagnosticSink } from "../network/diagnostics.js";

export interface ResolvedTemplate {
  source: string;
  /** The built-in or named template it came from (absent for inline text). */
  name?: string;
  /** Where the template text is written (for errors in its syntax). */
  sourceAt: PathSegment[];
}

/** Variables every node sees, whatever its parents. */
const ALWAYS = ["from"];
/** What a judge layer sees besides its parents: the members' values, and them as a numbered list. */
const JUDGE_VARIABLES = ["members", "candidates"];

function isInlineTemplate(text: string): boolean {
  return text.includes("{{") || text.includes("{%");
}

export class TemplateResolver {
  /** Named templates that failed to parse (reported once, at their definition). */
  private readonly broken = new Set<string>();
  readonly used = new Set<string>();

  constructor(
    private readonly named: Record<string, string>,
    private readonly sink: DiagnosticSink,
  ) {
    for (const [name, source] of Object.entries(named)) {
      if (!this.parses(source, ["templates", name], `template "${name}"`)) this.broken.add(name);
      if (name in FORWARD_TEMPLATES) {
        sink.warning(
          "W_TEMPLATE_SHADOWS",
          `templates.${name} has the name of a built-in template; nodes that say template: "${name}" get this one, not the built-in`,
          ["templates", name],
          { key: true },
        );
      }
    }
  }

  /**
   * Resolves a node's template, reporting unknown names and syntax errors. Returns undefined when
   * the template cannot be used (the error is already reported).
   */
  resolve(written: string | undefined, fallback: string, at: PathSegment[]): ResolvedTemplate | undefined {
    const text = written ?? fallback;
    const fieldAt = written === undefined ? at : [...at, "template"];
    const named = Object.hasOwn(this.named, text) ? this.named[text] : undefined;
    if (named !== undefined) {
      this.used.add(text);
      if (this.broken.has(text)) return undefined;
      return { source: named, name: text, sourceAt: ["templates", text] };
    }
    const builtin = Object.hasOwn(FORWARD_TEMPLATES, text) ? FORWARD_TEMPLATES[text] : undefined;
    if (builtin !== undefined) return { source: builtin.source, name: text, sourceAt: fieldAt };
    if (isInlineTemplate(text) || /\s/.test(text.trim())) {
      if (!this.parses(text, fieldAt, `the template of ${formatPath(at)}`)) return undefined;
      return { source: text, sourceAt: fieldAt };
    }
    const known = [...Object.keys(FORWARD_TEMPLATES), ...Object.keys(this.named)];
    this.sink.error(
      "E_UNKNOWN_TEMPLATE",
      `${formatPath(at)}: there is no template named "${text}" (built-in: ${Object.keys(FORWARD_TEMPLATES).join(", ")}${
        Object.keys(this.named).length ? `; in templates: ${Object.keys(this.named).join(", ")}` : ""
      }); inline templates must contain {{ … }} or {% … %}`,
      fieldAt,
      { suggestion: nearestName(text, known) },
    );
    return undefined;
  }

  private parses(source: string, at: PathSegment[], what: string): boolean {
    try {
      checkTemplate(source);
      return true;
    } catch (err) {
      const e = err instanceof TemplateError ? err : new TemplateError("E_TEMPLATE_SYNTAX", String(err));
      // include/render/layout read other templates: refused with their own code (no file is ever read).
      const code = e.code === "E_TEMPLATE_TAG" || e.code === "E_TEMPLATE_LIMIT" ? e.code : "E_TEMPLATE_SYNTAX";
      this.sink.error(code, code === "E_TEMPLATE_SYNTAX" ? `${what} is not valid LiquidJS: ${e.message}` : `${what}: ${e.message}`, at);
      return false;
    }
  }
}

export interface TemplateUse {
  nodeAt: PathSegment[];
  template: ResolvedTemplate;
  /** Where the node's `template` field is (or the node itself when the template is the default). */
  fieldAt: PathSegment[];
  from: string[];
  hasPrompt: boolean;
  isJudge: boolean;
  trainable: boolean;
}

/**
 * Checks that the template reads only variables the node provides (error) and reads every
 * `from` entry (warning), and that a trainable layer's template shows its prompt (warning).
 */
export function checkTemplateVariables(use: TemplateUse, sink: DiagnosticSink): void {
  const vars = templateVariables(use.template.source);
  const provided = new Set([...use.from, ...ALWAYS, ...(use.hasPrompt ? ["prompt"] : []), ...(use.isJudge ? JUDGE_VARIABLES : [])]);
  const where = formatPath(use.nodeAt);
  const described = use.template.name ? `template "${use.template.name}"` : "its template";
  for (const v of vars) {
    if (provided.has(v)) continue;
    let why = `no \`from\` entry provides it (from: ${use.from.join(", ")})`;
    if (v === "prompt") why = "a combine node has no prompt";
    else if (JUDGE_VARIABLES.includes(v)) why = "only the judge layer of an ensemble (aggregate: { judge }) sees `members` and `candidates`";
    sink.error("E_TEMPLATE_VARIABLE", `${where}: ${described} reads "${v}", but ${why}`, use.fieldAt, {
      suggestion: nearestName(v, provided),
    });
  }
  const tooBig = trialRender(
    use.template.source,
    [...provided].filter((v) => v !== "from"),
  );
  if (tooBig) sink.error("E_TEMPLATE_LIMIT", `${where}: ${described} exceeds the template limits: ${tooBig.message}`, use.template.sourceAt);
  const reads = new Set(vars);
  if (!reads.has("from")) {
    use.from.forEach((name, i) => {
      if (!reads.has(name)) {
        sink.warning(
          "W_UNUSED_FROM",
          `${where} reads "${name}" but ${described} never shows it; use {{ ${name} }} in the template or remove it from \`from\``,
          [...use.nodeAt, "from", i],
        );
      }
    });
  }
  if (use.hasPrompt && use.trainable && !reads.has("prompt")) {
    sink.warning(
      "W_PROMPT_UNUSED",
      `${where} is trainable but ${described} never shows {{ prompt }}, so training cannot change what it does; add {{ prompt }} or set trainable: false`,
      use.fieldAt,
    );
  }
}
