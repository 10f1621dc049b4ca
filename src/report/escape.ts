/**
 * Escaping and shortening of text that comes from a run (prompts are user and model text): every
 * string that reaches HTML or SVG goes through `escapeXml`, so a prompt can never become markup.
 */

/** Characters XML 1.0 forbids even when escaped; a model can emit them, a browser would choke on them. */
// eslint-disable-next-line no-control-regex -- these control characters are what it matches
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Text safe inside an element or a quoted attribute, in HTML and in SVG. */
export function escapeXml(text: unknown): string {
  return String(text)
    .replace(INVALID_XML_CHARS, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The first words of `text` on one line, at most `maxChars` long, with an ellipsis when cut. */
export function firstWords(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, Math.max(1, maxChars - 1));
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > maxChars / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/**
 * Splits `text` into at most `maxLines` lines of about `width` characters, breaking at spaces;
 * the last line ends with an ellipsis when text was left out.
 */
export function wrapWords(text: string, width: number, maxLines: number): string[] {
  const words = text.replace(/\s+/g, " ").trim().split(" ").filter(Boolean);
  const lines: string[] = [];
  let line = "";
  let used = 0;
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= width || !line) {
      line = next;
      used++;
      continue;
    }
    lines.push(line);
    line = word;
    used++;
    if (lines.length === maxLines) break;
  }
  if (lines.length < maxLines && line) {
    lines.push(line);
    line = "";
  }
  const truncated = used < words.length || line !== "";
  const last = lines.at(-1);
  if (last !== undefined) {
    let shown = last.length > width ? firstWords(last, width) : last;
    if (truncated && !shown.endsWith("…")) shown = `${firstWords(shown, width - 1).replace(/…$/, "")}…`;
    lines[lines.length - 1] = shown;
  }
  return lines;
}
