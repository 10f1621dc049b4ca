/**
 * Word-level diffs of prompts as HTML: inserted words in `<ins>`, deleted words in `<del>`, the
 * rest as text. Every piece is escaped: prompts are model output.
 */
import { diffWords } from "diff";
import { escapeXml } from "./escape.js";

export interface DiffStats {
  inserted: number;
  deleted: number;
}

export function wordDiffHtml(before: string, after: string): { html: string; stats: DiffStats } {
  const stats: DiffStats = { inserted: 0, deleted: 0 };
  const html = diffWords(before, after)
    .map((change) => {
      const text = escapeXml(change.value);
      if (change.added) {
        stats.inserted += wordsIn(change.value);
        return `<ins>${text}</ins>`;
      }
      if (change.removed) {
        stats.deleted += wordsIn(change.value);
        return `<del>${text}</del>`;
      }
      return text;
    })
    .join("");
  return { html, stats };
}

/** Words (runs of letters or digits) in a piece of text; punctuation and spaces do not count. */
function wordsIn(text: string): number {
  return text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
}
