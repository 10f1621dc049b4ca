/**
 * Which model each layer calls. A layer names one in `model`; otherwise it gets the model named
 * `default`, or the only model, or the only model that is not `train.backwardModel`. A network without `models` calls OpenAI (or any endpoint set in
 * OPENAI_BASE_URL) through an implicit model named `default`. `${VAR}` stays unexpanded here:
 * the environment is read when a model is used, so compiling never needs secrets.
 */
import type { ModelSpec } from "../network/types.js";
import { formatPath, type PathSegment } from "../network/path.js";
import { nearestName } from "../network/suggest.js";
import type { DiagnosticSink } from "../network/diagnostics.js";

export const IMPLICIT_MODEL: ModelSpec = {
  provider: "openai",
  model: "${DLN_MODEL:-gpt-4o-mini}",
  apiKey: "${OPENAI_API_KEY}",
  baseURL: "${OPENAI_BASE_URL:-https://api.openai.com/v1}",
};

export class ModelResolver {
  readonly models: Record<string, ModelSpec>;
  readonly implicit: boolean;
  readonly used = new Set<string>();

  constructor(
    written: Record<string, ModelSpec> | undefined,
    private readonly sink: DiagnosticSink,
    /** `train.backwardModel`, which layers without a `model` do not default to. */
    private readonly backwardModel?: string,
  ) {
    this.implicit = !written || Object.keys(written).length === 0;
    this.models = this.implicit ? { default: { ...IMPLICIT_MODEL } } : { ...written };
  }

  /** The model a layer at `nodeAt` uses; undefined (and an error) when it cannot be decided. */
  forLayer(written: string | undefined, nodeAt: PathSegment[]): string | undefined {
    const names = Object.keys(this.models);
    if (written !== undefined) return this.named(written, [...nodeAt, "model"]);
    // The backward model writes prompts, it does not answer: a layer that names no model never means it.
    const forward = names.filter((n) => n !== this.backwardModel);
    const chosen = Object.hasOwn(this.models, "default") ? "default" : names.length === 1 ? names[0] : forward.length === 1 ? forward[0] : undefined;
    if (chosen === undefined) {
      this.sink.error(
        "E_AMBIGUOUS_MODEL",
        `${formatPath(nodeAt)} does not say which model to use, and the network has ${forward.length} it could mean (${forward.join(", ")}); add model: "${forward[0]}" to it, or name one of the models "default"`,
        nodeAt,
        { key: true },
      );
      return undefined;
    }
    this.used.add(chosen);
    return chosen;
  }

  /** A model named explicitly (a layer's `model`, `train.backwardModel`). */
  named(name: string, at: PathSegment[]): string | undefined {
    if (Object.hasOwn(this.models, name)) {
      this.used.add(name);
      return name;
    }
    const names = Object.keys(this.models);
    this.sink.error(
      "E_UNKNOWN_MODEL",
      `${formatPath(at)}: there is no model named "${name}" (${this.implicit ? "the network has no `models`, so the only model is the implicit `default`" : `models: ${names.join(", ")}`})`,
      at,
      { suggestion: nearestName(name, names) },
    );
    return undefined;
  }

  /** Models no layer and no training setting uses. */
  reportUnused(): void {
    if (this.implicit) return;
    for (const name of Object.keys(this.models)) {
      if (!this.used.has(name)) {
        this.sink.warning("W_UNUSED_MODEL", `model "${name}" is not used by any layer or by train.backwardModel`, ["models", name], { key: true });
      }
    }
  }
}
