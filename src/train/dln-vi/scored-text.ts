/**
 * Which text a free-text target is scored as (docs/training.md, "Which text is scored"). A target
 * of a layer is scored as that layer's forward pass would have produced it after its context:
 *
 * - the layer's forward value itself: the raw text the model generated, unchanged;
 * - any other text (a posterior sample, a child's target): the text without its leading
 *   whitespace, after the leading whitespace the layer's forward generation began with for that
 *   sample (`" "`, `"\n"`, or nothing when the model began at once), so its tokens are the ones
 *   the model would have produced there; `"\n"` (the target on its own line, as the original DLN
 *   scores it) when the forward text is unknown or blank.
 *
 * Class answers are not texts here: a layer with classes is scored by its class distribution,
 * which counts every verbalizer with and without a leading space (src/llm/scoring.ts).
 */

/** The separator when the layer's forward text is unknown: the target on its own line, as the original DLN. */
const DEFAULT_SEPARATOR = "\n";

/** The whitespace a text begins with. */
function leadingWhitespace(text: string): string {
  return text.slice(0, text.length - text.trimStart().length);
}

/**
 * The text ℓ(text | context) is measured on, for an output `text` of a layer whose forward value
 * for this sample was `forwardValue`, generated as `raw` (undefined when the trace has no raw text).
 */
export function scoredText(text: string, forwardValue: string, raw: string | undefined): string {
  const known = raw !== undefined && raw.trim() !== "";
  if (known && text === forwardValue) return raw;
  return (known ? leadingWhitespace(raw) : DEFAULT_SEPARATOR) + text.trimStart();
}
