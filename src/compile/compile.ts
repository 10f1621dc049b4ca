/**
 * The compiler: network file → checked, ordered network.
 *
 *   parse (JSON5, with locations) → schema (all errors) → names and references → templates →
 *   graphology DAG → cycle check → topological generations
 *
 * Every problem is a Diagnostic with a stable code, the file, line, column and document path;
 * errors make compilation fail, warnings travel with the compiled network.
 */
import { dirname, resolve } from "node:path";
import type { AggregateSpec, CombineSpec, EnsembleSpec, LayerSpec, NetworkSpec, NodeSpec, ParseSpec } from "../network/types.js";
import type { ClassDef, CompiledNetwork, CompiledNode, Diagnostic, EnsembleNode, LayerNode } from "./types.js";
import { parseNetworkText } from "../network/parse.js";
import { SourceMap } from "../network/source-map.js";
import { validateAgainstSchema } from "../network/validate.js";
import { formatPath, type PathSegment } from "../network/path.js";
import { nearestName } from "../network/suggest.js";
import { isUnsafeName, UNSAFE_NAMES_HELP } from "../network/names.js";
import { byPosition, DiagnosticSink } from "../network/diagnostics.js";
import { ModelResolver } from "./models.js";
import { checkTemplateVariables, TemplateResolver } from "./templates.js";
import { orderDag } from "./dag.js";
import { getOrThrow } from "../util/lookup.js";

export type CompileResult = { ok: true; network: CompiledNetwork; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

export interface CompileOptions {
  /** The file the text came from: named in diagnostics, and its directory is the default `baseDir`. */
  file?: string;
  /** Directory that relative paths in the network resolve against. Default: the file's directory, else the working directory. */
  baseDir?: string;
  /** Directory a relative `file` is relative to (the CLI passes its own). Default: process.cwd(). */
  cwd?: string;
}

export const DEFAULT_LOSS = { type: "exact_match", normalize: "trim", target: "y" } as const;

/** Names the templates give a meaning of their own; inputs and nodes may not take them. */
const RESERVED_NAMES = ["prompt", "from", "members", "candidates"];

/** Compiles network text (JSON5) or an already-parsed spec. Never throws for a bad network. */
export function compileNetwork(input: string | NetworkSpec, options: CompileOptions = {}): CompileResult {
  const file = options.file ?? "<network>";
  let value: unknown = input;
  let sourceMap = new SourceMap(file);
  if (typeof input === "string") {
    const parsed = parseNetworkText(input, file);
    if (!parsed.ok) return parsed;
    value = parsed.value;
    sourceMap = parsed.sourceMap;
  }
  const checked = validateAgainstSchema(value, sourceMap);
  if (!checked.ok) return checked;
  return new Compiler(checked.spec, sourceMap, options).run();
}

class Compiler {
  private readonly sink: DiagnosticSink;
  private readonly models: ModelResolver;
  private readonly templates: TemplateResolver;
  private readonly inputs: Set<string>;
  private readonly specs: Map<string, NodeSpec>;
  /** Layers replicated by an ensemble: id → the ensembles that replicate it. Not executed themselves. */
  private readonly prototypes = new Map<string, string[]>();
  /** Judge layer id → its ensemble. */
  private readonly judges = new Map<string, string>();
  private readonly compiled = new Map<string, CompiledNode>();
  /** Executable ids in declaration order (replicas where their ensemble is declared). */
  private readonly ids: string[] = [];

  constructor(
    private readonly spec: NetworkSpec,
    sourceMap: SourceMap,
    private readonly options: CompileOptions,
  ) {
    this.sink = new DiagnosticSink(sourceMap);
    this.models = new ModelResolver(spec.models, this.sink, spec.train?.backwardModel);
    this.templates = new TemplateResolver(spec.templates ?? {}, this.sink);
    this.inputs = new Set(spec.inputs);
    this.specs = new Map(Object.entries(spec.nodes));
  }

  run(): CompileResult {
    // An inherited name (toString, __proto__, …) would confuse every lookup after this one: stop here.
    if (!this.checkUnsafeNames()) return { ok: false, diagnostics: [...this.sink.errors].sort(byPosition) };
    this.checkNames();
    this.findPrototypesAndJudges();
    // Layers first, so an ensemble finds its replicated layer built whatever the order in the file.
    for (const [id, node] of this.specs) {
      if (node.type === "layer" && this.prototypes.has(id)) this.replicaSources.set(id, this.buildLayer(id, node));
      else if (node.type === "layer") this.addLayer(id, node);
      else if (node.type === "combine") this.addCombine(id, node);
    }
    for (const [id, node] of this.specs) if (node.type === "ensemble") this.addEnsemble(id, node);
    this.sortByDeclaration();
    this.checkOutput();
    this.checkTraining();
    const dag = this.order();
    this.reportUnused(dag?.reaching);
    if (this.sink.errors.length > 0 || !dag) {
      return { ok: false, diagnostics: [...this.sink.errors, ...this.sink.warnings].sort(byPosition) };
    }
    const warnings = [...this.sink.warnings].sort(byPosition);
    const file = this.options.file !== undefined ? resolve(this.options.cwd ?? process.cwd(), this.options.file) : undefined;
    const network: CompiledNetwork = {
      name: this.spec.name,
      ...(this.spec.description !== undefined ? { description: this.spec.description } : {}),
      ...(file !== undefined ? { file } : {}),
      baseDir: this.options.baseDir ?? (file !== undefined ? dirname(file) : (this.options.cwd ?? process.cwd())),
      spec: this.spec,
      inputs: [...this.spec.inputs],
      output: this.spec.output,
      models: this.models.models,
      nodes: new Map(dag.order.map((id) => [id, getOrThrow(this.compiled, id, "compiled node")])),
      order: dag.order,
      generations: dag.generations,
      children: dag.children,
      loss: { ...DEFAULT_LOSS, ...this.spec.loss },
      train: { ...this.spec.train },
      warnings,
    };
    return { ok: true, network, warnings };
  }

  // ── names ────────────────────────────────────────────────────────────────────────────────

  /** Refuses the names every JavaScript object inherits (E_UNSAFE_NAME); true when there are none. */
  private checkUnsafeNames(): boolean {
    const refuse = (what: string, name: string, at: PathSegment[], key: boolean) => {
      if (isUnsafeName(name)) this.sink.error("E_UNSAFE_NAME", `${what} "${name}" cannot be used: ${UNSAFE_NAMES_HELP}`, at, { key });
    };
    this.spec.inputs.forEach((name, i) => refuse("input", name, ["inputs", i], false));
    for (const id of Object.keys(this.spec.nodes)) refuse("node id", id, ["nodes", id], true);
    for (const name of Object.keys(this.spec.models ?? {})) refuse("model name", name, ["models", name], true);
    for (const name of Object.keys(this.spec.templates ?? {})) refuse("template name", name, ["templates", name], true);
    if (this.spec.loss?.target !== undefined) refuse("the gold answer field (loss.target)", this.spec.loss.target, ["loss", "target"], false);
    return this.sink.errors.length === 0;
  }

  private checkNames(): void {
    this.spec.inputs.forEach((name, i) => {
      if (RESERVED_NAMES.includes(name)) {
        this.sink.error("E_RESERVED_NAME", `input "${name}" has a name templates reserve (${RESERVED_NAMES.join(", ")}); rename it`, ["inputs", i]);
      }
    });
    for (const id of this.specs.keys()) {
      if (RESERVED_NAMES.includes(id)) {
        this.sink.error("E_RESERVED_NAME", `node id "${id}" is a name templates reserve (${RESERVED_NAMES.join(", ")}); rename the node`, ["nodes", id], {
          key: true,
        });
      } else if (this.inputs.has(id)) {
        this.sink.error(
          "E_INPUT_CLASH",
          `node id "${id}" is also the name of an input, so \`from: ["${id}"]\` and {{ ${id} }} would be ambiguous; rename the node`,
          ["nodes", id],
          { key: true },
        );
      }
    }
  }

  /** Replicated layers and judge layers change how other nodes may use them; find them first. */
  private findPrototypesAndJudges(): void {
    for (const [id, node] of this.specs) {
      if (node.type !== "ensemble") continue;
      const at: PathSegment[] = ["nodes", id];
      if (node.replicate) {
        const layer = this.layerRef(node.replicate.layer, [...at, "replicate", "layer"], "replicate");
        if (layer) this.prototypes.set(layer, [...(this.prototypes.get(layer) ?? []), id]);
      }
      if (typeof node.aggregate === "object") {
        const judgeAt = [...at, "aggregate", "judge"];
        const judge = this.layerRef(node.aggregate.judge, judgeAt, "judge");
        if (!judge) continue;
        const other = this.judges.get(judge);
        if (other !== undefined) {
          this.sink.error("E_JUDGE_SHARED", `layer "${judge}" already judges ensemble "${other}"; give each ensemble its own judge layer`, judgeAt);
        } else if (node.members?.includes(judge)) {
          this.sink.error("E_JUDGE_IS_MEMBER", `layer "${judge}" cannot be both a member and the judge of ${formatPath(at)}`, judgeAt);
        } else {
          this.judges.set(judge, id);
        }
      }
    }
    for (const [judge, ens] of this.judges) {
      const replicator = this.replicatedBy(judge);
      if (replicator !== undefined) {
        this.sink.error("E_PROTOTYPE_READ", `layer "${judge}" is replicated by ensemble "${replicator}", so it cannot also be a judge`, [
          "nodes",
          ens,
          "aggregate",
          "judge",
        ]);
      }
    }
  }

  /** The (first) ensemble that replicates layer `id`, when one does. */
  private replicatedBy(id: string): string | undefined {
    return this.prototypes.get(id)?.[0];
  }

  /** A reference that must name a layer (ensemble members, replicate.layer, judge). */
  private layerRef(name: string, at: PathSegment[], role: string): string | undefined {
    const node = this.specs.get(name);
    if (!node) {
      const layers = [...this.specs].filter(([, n]) => n.type === "layer").map(([k]) => k);
      this.sink.error(
        "E_UNKNOWN_NODE",
        `${formatPath(at)}: there is no layer "${name}"${this.inputs.has(name) ? ` ("${name}" is an input; a ${role} must be a layer)` : ""}`,
        at,
        { suggestion: nearestName(name, layers) },
      );
      return undefined;
    }
    if (node.type !== "layer") {
      this.sink.error("E_NOT_A_LAYER", `${formatPath(at)}: "${name}" is a ${node.type} node, but a ${role} must be a layer`, at);
      return undefined;
    }
    return name;
  }

  /** A `from` entry: an input or a node that runs (not a replicated prototype). */
  private sourceRef(name: string, at: PathSegment[]): boolean {
    if (this.inputs.has(name) && !this.specs.has(name)) return true;
    if (this.specs.has(name)) {
      const ens = this.replicatedBy(name);
      if (ens !== undefined) {
        this.sink.error(
          "E_PROTOTYPE_READ",
          `${formatPath(at)}: "${name}" is replicated by ensemble "${ens}" and does not run on its own; read "${ens}" (the aggregated value) instead`,
          at,
          { suggestion: ens },
        );
        return false;
      }
      return true;
    }
    this.sink.error("E_UNKNOWN_NODE", `${formatPath(at)}: "${name}" is neither an input (${this.spec.inputs.join(", ") || "none"}) nor a node`, at, {
      suggestion: nearestName(name, [...this.spec.inputs, ...[...this.specs.keys()].filter((k) => !this.prototypes.has(k))]),
    });
    return false;
  }

  // ── nodes ────────────────────────────────────────────────────────────────────────────────

  private addLayer(id: string, spec: LayerSpec): void {
    const layer = this.buildLayer(id, spec);
    if (layer) this.add(layer);
  }

  private buildLayer(id: string, spec: LayerSpec): LayerNode | undefined {
    const at: PathSegment[] = ["nodes", id];
    const judgeOf = this.judges.get(id);
    const judged = judgeOf !== undefined ? (this.specs.get(judgeOf) as EnsembleSpec) : undefined;
    const members = judgeOf !== undefined && judged ? this.memberIds(judgeOf, judged) : [];
    const fromOk = spec.from.map((name, i) => this.sourceRef(name, [...at, "from", i])).every(Boolean);
    const model = this.models.forLayer(spec.model, at);
    const trainable = spec.trainable ?? true;
    const template = this.templates.resolve(spec.template, judgeOf !== undefined ? "judge" : "classify", at);
    if (template) {
      checkTemplateVariables(
        {
          nodeAt: at,
          template,
          fieldAt: spec.template === undefined ? at : [...at, "template"],
          from: spec.from,
          hasPrompt: true,
          isJudge: judgeOf !== undefined,
          trainable,
        },
        this.sink,
      );
    }
    const classes = spec.classes ? this.classes(spec.classes, [...at, "classes"]) : undefined;
    const parse = spec.parse ?? defaultParse(classes);
    if (typeof parse === "object") this.checkRegex(parse, [...at, "parse"]);
    if (!fromOk || model === undefined || !template) return undefined;
    return {
      kind: "layer",
      id,
      parents: judgeOf !== undefined ? [...new Set([...spec.from, ...members])] : [...spec.from],
      from: [...spec.from],
      loc: this.sink.sourceMap.at(at, { key: true }),
      template: template.source,
      ...(template.name !== undefined ? { templateName: template.name } : {}),
      prompt: spec.prompt ?? "",
      param: id,
      model,
      trainable,
      ...(classes ? { classes } : {}),
      ...(spec.maxTokens !== undefined ? { maxTokens: spec.maxTokens } : {}),
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
      ...(spec.stop !== undefined ? { stop: typeof spec.stop === "string" ? [spec.stop] : [...spec.stop] } : {}),
      parse,
      ...(spec.posterior !== undefined ? { posterior: spec.posterior } : {}),
      ...(judgeOf !== undefined ? { judgeOf } : {}),
    };
  }

  private classes(specs: NonNullable<LayerSpec["classes"]>, at: PathSegment[]): ClassDef[] {
    const defs = specs.map((c) =>
      typeof c === "string" ? { label: c, verbalizers: [c] } : { label: c.label, verbalizers: c.verbalizers ? [...c.verbalizers] : [c.label] },
    );
    const labels = new Map<string, number>();
    const verbalizers = new Map<string, string>();
    defs.forEach((def, i) => {
      const first = labels.get(def.label);
      if (first !== undefined) {
        this.sink.error("E_DUPLICATE_CLASS", `${formatPath(at)}: class "${def.label}" is listed twice (first as classes[${first}])`, [...at, i]);
        return;
      }
      labels.set(def.label, i);
      for (const v of def.verbalizers) {
        const key = v.trim().toLowerCase();
        const owner = verbalizers.get(key);
        if (owner !== undefined && owner !== def.label) {
          this.sink.error(
            "E_DUPLICATE_CLASS",
            `${formatPath(at)}: the answer "${v}" would count as both "${owner}" and "${def.label}"; give each class its own verbalizers`,
            [...at, i],
          );
        }
        verbalizers.set(key, def.label);
      }
    });
    return defs;
  }

  private checkRegex(parse: Exclude<ParseSpec, string>, at: PathSegment[]): void {
    try {
      new RegExp(parse.regex, parse.flags);
    } catch (err) {
      this.sink.error("E_BAD_REGEX", `${formatPath(at)}: the regular expression does not compile: ${(err as Error).message}`, [...at, "regex"]);
    }
  }

  private addCombine(id: string, spec: CombineSpec): void {
    const at: PathSegment[] = ["nodes", id];
    const fromOk = spec.from.map((name, i) => this.sourceRef(name, [...at, "from", i])).every(Boolean);
    const template = this.templates.resolve(spec.template, "concat", at);
    if (template) {
      checkTemplateVariables(
        { nodeAt: at, template, fieldAt: [...at, "template"], from: spec.from, hasPrompt: false, isJudge: false, trainable: false },
        this.sink,
      );
    }
    if (!fromOk || !template) return;
    this.add({
      kind: "combine",
      id,
      parents: [...spec.from],
      loc: this.sink.sourceMap.at(at, { key: true }),
      template: template.source,
      ...(template.name !== undefined ? { templateName: template.name } : {}),
    });
  }

  /** The member ids of an ensemble: its listed layers, or the synthetic replicas `ens#1…`. */
  private memberIds(id: string, spec: EnsembleSpec): string[] {
    if (spec.replicate) return Array.from({ length: spec.replicate.count }, (_, i) => `${id}#${i + 1}`);
    return [...(spec.members ?? [])];
  }

  private addEnsemble(id: string, spec: EnsembleSpec): void {
    const at: PathSegment[] = ["nodes", id];
    let ok = true;
    if (spec.replicate) {
      const protoId = spec.replicate.layer;
      const proto = this.replicaSources.get(protoId);
      if (!proto) ok = false;
      else this.addReplicas(id, spec.replicate, proto, [...at, "replicate"]);
    } else {
      (spec.members ?? []).forEach((m, i) => {
        const memberAt = [...at, "members", i];
        const layer = this.layerRef(m, memberAt, "member of an ensemble");
        if (!layer) ok = false;
        else if (this.replicatedBy(layer) !== undefined) {
          ok = false;
          this.sink.error(
            "E_PROTOTYPE_READ",
            `${formatPath(memberAt)}: "${m}" is replicated by ensemble "${this.replicatedBy(layer)}" and does not run on its own`,
            memberAt,
          );
        }
      });
    }
    const aggregate: AggregateSpec = spec.aggregate ?? "vote";
    const judge = typeof aggregate === "object" ? aggregate.judge : undefined;
    if (judge !== undefined && this.judges.get(judge) !== id) ok = false;
    if (!ok) return;
    const members = this.memberIds(id, spec);
    const node: EnsembleNode = {
      kind: "ensemble",
      id,
      parents: judge !== undefined ? [...members, judge] : members,
      loc: this.sink.sourceMap.at(at, { key: true }),
      members,
      aggregate: typeof aggregate === "object" ? { ...aggregate } : aggregate,
    };
    this.add(node);
  }

  /** Replicated layers, compiled once (not executed themselves; their replicas are). */
  private readonly replicaSources = new Map<string, LayerNode | undefined>();

  private addReplicas(ensId: string, replicate: NonNullable<EnsembleSpec["replicate"]>, proto: LayerNode, at: PathSegment[]): void {
    const temperature = replicate.temperature ?? proto.temperature ?? this.models.models[proto.model]?.temperature;
    if (temperature === 0) {
      this.sink.warning(
        "W_REPLICAS_IDENTICAL",
        `${formatPath(at)}: the ${replicate.count} replicas of "${proto.id}" sample at temperature 0, so they will all give the same answer; set replicate.temperature (e.g. 0.7)`,
        replicate.temperature !== undefined ? [...at, "temperature"] : at,
        { key: replicate.temperature === undefined },
      );
    }
    for (let i = 1; i <= replicate.count; i++) {
      this.add({
        ...proto,
        id: `${ensId}#${i}`,
        parents: [...proto.parents],
        param: proto.id,
        loc: this.sink.sourceMap.at(at, { key: true }),
        ...(temperature !== undefined ? { temperature } : {}),
      });
    }
  }

  private add(node: CompiledNode): void {
    this.compiled.set(node.id, node);
    this.ids.push(node.id);
  }

  /** Declaration order: each node where it is written; replicas just before their ensemble. */
  private sortByDeclaration(): void {
    const position = new Map([...this.specs.keys()].map((id, i) => [id, i]));
    const declared = (id: string) => getOrThrow(position, id, "declared node");
    const rank = (id: string): [number, number] => {
      const hash = id.lastIndexOf("#");
      if (hash < 0) return [declared(id), Number.MAX_SAFE_INTEGER];
      return [declared(id.slice(0, hash)), Number(id.slice(hash + 1))];
    };
    const ranked = this.ids.map((id) => ({ id, rank: rank(id) }));
    ranked.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1]);
    this.ids.splice(0, this.ids.length, ...ranked.map((r) => r.id));
  }

  // ── whole-network checks ────────────────────────────────────────────────────────────────

  private checkOutput(): void {
    const output = this.spec.output;
    const at = ["output"];
    if (this.specs.has(output)) {
      const ens = this.replicatedBy(output);
      if (ens !== undefined) {
        this.sink.error("E_PROTOTYPE_READ", `output: "${output}" is replicated by ensemble "${ens}" and does not run on its own; use "${ens}"`, at, {
          suggestion: ens,
        });
      }
      return;
    }
    const nodes = [...this.specs.keys()].filter((k) => !this.prototypes.has(k));
    const why = this.inputs.has(output) ? `"${output}" is an input; the output must be a node` : `there is no node "${output}"`;
    this.sink.error("E_UNKNOWN_OUTPUT", `output: ${why} (nodes: ${nodes.join(", ")})`, at, { suggestion: nearestName(output, nodes) });
  }

  private checkTraining(): void {
    const train = this.spec.train;
    if (train?.backwardModel !== undefined) this.models.named(train.backwardModel, ["train", "backwardModel"]);
    if (train && ![...this.compiled.values()].some((n) => n.kind === "layer" && n.trainable) && this.sink.errors.length === 0) {
      this.sink.warning("W_NOTHING_TO_TRAIN", "the network has a `train` section but no trainable layer", ["train"], { key: true });
    }
    this.checkPosteriorForms();
    const target = this.spec.loss?.target ?? DEFAULT_LOSS.target;
    const index = this.spec.inputs.indexOf(target);
    if (index >= 0) {
      this.sink.warning(
        "W_TARGET_IS_INPUT",
        `the gold answer field "${target}" (loss.target) is also an input, so the network can read the answer it is scored on`,
        ["inputs", index],
      );
    }
  }

  /** `posterior` only matters on a layer another layer reads: it says how that layer's posterior samples are drawn. */
  private checkPosteriorForms(): void {
    for (const [id, spec] of this.specs) {
      if (spec.type !== "layer" || spec.posterior === undefined) continue;
      const read =
        [...this.specs.values()].some((s) => s.type !== "ensemble" && s.from.includes(id)) ||
        [...this.specs.values()].some((s) => s.type === "ensemble" && (s.members?.includes(id) || s.replicate?.layer === id));
      if (!read || this.spec.output === id) {
        this.sink.warning(
          "W_POSTERIOR_UNUSED",
          `nodes.${id}.posterior: "${spec.posterior}" has no effect: posterior samples are drawn only for a hidden layer (one another layer reads), and "${id}" is ${this.spec.output === id ? "the output" : "read by no node"}`,
          ["nodes", id, "posterior"],
          { key: true },
        );
      }
    }
  }

  /** Builds the DAG, reports cycles, and computes which nodes feed the output. */
  private order(): { generations: string[][]; order: string[]; children: Map<string, string[]>; reaching: Set<string> } | undefined {
    const parents = new Map([...this.compiled].map(([id, node]) => [id, node.parents.filter((p) => this.compiled.has(p))]));
    const result = orderDag({ ids: this.ids, parents });
    if (!result.ok) {
      for (const cycle of result.cycles) this.reportCycle(cycle);
      return undefined;
    }
    const reaching = new Set<string>();
    const stack = this.compiled.has(this.spec.output) ? [this.spec.output] : [];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (reaching.has(id)) continue;
      reaching.add(id);
      stack.push(...(parents.get(id) ?? []));
    }
    return { ...result, reaching };
  }

  /**
   * Names the cycle and points at the reference that closes it: the edge whose upstream node is
   * written after the node that reads it (a forward reference), else the cycle's first edge.
   */
  private reportCycle(cycle: string[]): void {
    const [first, ...rest] = cycle;
    if (first === undefined) return;
    // Each node reads the one before it; the last one's output closes the loop into the first.
    const edges = cycle.map((from, i) => ({ from, to: rest[i] ?? first }));
    const closing = edges.find((e) => this.ids.indexOf(e.from) >= this.ids.indexOf(e.to)) ?? { from: rest.at(-1) ?? first, to: first };
    const start = cycle.indexOf(closing.to);
    const named = [...cycle.slice(start), ...cycle.slice(0, start), closing.to].join(" → ");
    this.sink.error("E_CYCLE", `cycle: ${named}; a node cannot depend on its own output`, this.edgeSite(closing.from, closing.to));
  }

  /** Where the reference that makes `from` an input of `to` is written. */
  private edgeSite(from: string, to: string): PathSegment[] {
    const node = getOrThrow(this.compiled, to, "compiled node");
    const specId = node.kind === "layer" && node.param !== node.id ? node.param : to;
    const spec = getOrThrow(this.specs, specId, "node spec");
    if (spec.type !== "ensemble") {
      const i = spec.from.indexOf(from);
      if (i >= 0) return ["nodes", specId, "from", i];
      // A judge reads the members of its ensemble.
      return ["nodes", this.judges.get(specId) ?? specId, "members"];
    }
    const i = spec.members?.indexOf(from) ?? -1;
    if (i >= 0) return ["nodes", to, "members", i];
    if (typeof spec.aggregate === "object" && spec.aggregate.judge === from) return ["nodes", to, "aggregate", "judge"];
    return spec.replicate ? ["nodes", to, "replicate"] : ["nodes", to];
  }

  private reportUnused(reaching: Set<string> | undefined): void {
    if (this.sink.errors.length === 0) this.models.reportUnused(); // a layer that failed to compile uses nothing
    for (const name of Object.keys(this.spec.templates ?? {})) {
      if (!this.templates.used.has(name)) {
        this.sink.warning("W_UNUSED_TEMPLATE", `template "${name}" is not used by any node`, ["templates", name], { key: true });
      }
    }
    const read = new Set<string>();
    for (const node of this.specs.values()) if (node.type !== "ensemble") for (const f of node.from) read.add(f);
    this.spec.inputs.forEach((name, i) => {
      if (!read.has(name)) this.sink.warning("W_UNUSED_INPUT", `input "${name}" is not read by any node`, ["inputs", i]);
    });
    if (!reaching || this.sink.errors.length > 0) return; // with errors the graph is incomplete
    const reported = new Set<string>();
    for (const [id, node] of this.compiled) {
      if (reaching.has(id)) continue;
      const specId = node.kind === "layer" ? node.param : id;
      if (reported.has(specId)) continue;
      reported.add(specId);
      this.sink.warning(
        "W_UNREACHABLE",
        `node "${specId}" does not feed the output "${this.spec.output}": it would run and its result be thrown away`,
        ["nodes", specId],
        { key: true },
      );
    }
  }
}

/** Answers constrained to single-word classes are read from the first word; longer ones from the first line. */
function defaultParse(classes: ClassDef[] | undefined): ParseSpec {
  if (!classes) return "trim";
  return classes.every((c) => c.verbalizers.every((v) => !/\s/.test(v.trim()))) ? "first_word" : "first_line";
}
