/**
 * The one reader of data files' bytes, for every command: `dln run` streams its samples through
 * `readDataLines`, `dln train` and `dln eval` read whole files through `decodeDataFile`. Both cut
 * the bytes into lines the same way, so they agree on everything a file can get wrong:
 *
 * - a UTF-8 byte-order mark at the start is dropped (it is not part of the first field);
 * - `\n` and `\r\n` both end a line; lines are numbered from 1 as an editor shows them;
 * - bytes that are not UTF-8 make that line a problem that names the line and the byte,
 *   instead of being silently replaced.
 */

export interface DataLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line's text, without its line break (bytes that are not UTF-8 shown as U+FFFD). */
  text: string;
  /** Why the line cannot be used (its bytes are not UTF-8), when it cannot. */
  problem?: string;
}

const BOM = [0xef, 0xbb, 0xbf];
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Cuts bytes into lines, chunk by chunk (a line may span chunks). */
export class DataLineSplitter {
  private pending: Uint8Array[] = [];
  private line = 0;

  /** The complete lines in `chunk` (with what was pending before it). */
  push(chunk: Uint8Array): DataLine[] {
    const out: DataLine[] = [];
    let from = 0;
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, from)) {
      this.pending.push(chunk.subarray(from, i));
      out.push(this.take());
      from = i + 1;
    }
    if (from < chunk.length) this.pending.push(chunk.subarray(from));
    return out;
  }

  /** The last line, when the data does not end with a line break. */
  end(): DataLine[] {
    return this.pending.some((p) => p.length > 0) ? [this.take()] : [];
  }

  private take(): DataLine {
    const [only, ...more] = this.pending;
    let bytes = only !== undefined && more.length === 0 ? only : concat(this.pending);
    this.pending = [];
    this.line++;
    if (this.line === 1 && BOM.every((b, i) => bytes[i] === b)) bytes = bytes.subarray(3);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    try {
      return { line: this.line, text: strict.decode(bytes) };
    } catch {
      const at = firstInvalidByte(bytes);
      // A line that failed to decode has at least one byte, and `at` is one of its offsets.
      const byte = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, "0");
      return {
        line: this.line,
        text: lenient.decode(bytes),
        problem: `not UTF-8 text (byte 0x${byte} at byte ${at + 1} of the line); save the file as UTF-8`,
      };
    }
  }
}

/** Every line of a stream of bytes (or strings), in order. */
export async function* readDataLines(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<DataLine> {
  const splitter = new DataLineSplitter();
  for await (const chunk of input) yield* splitter.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  yield* splitter.end();
}

/**
 * A whole file's text (byte-order mark dropped, line breaks as `\n`) and the lines that are not
 * UTF-8 (line number → problem), for the format readers.
 */
export function decodeDataFile(bytes: Uint8Array): { text: string; badLines: Map<number, string> } {
  const splitter = new DataLineSplitter();
  const lines = [...splitter.push(bytes), ...splitter.end()];
  const badLines = new Map<number, string>();
  for (const l of lines) if (l.problem !== undefined) badLines.set(l.line, l.problem);
  return { text: lines.map((l) => l.text).join("\n"), badLines };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  for (let b = bytes[i]; b !== undefined; b = bytes[i]) {
    const size = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 0 || i + size > bytes.length) return i;
    for (const next of bytes.subarray(i + 1, i + size)) if ((next & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates and code points above U+10FFFF (sequences of 3 or 4 bytes, so b1 exists).
    const b1 = bytes[i + 1] ?? 0;
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    i += size;
  }
  return Math.max(0, bytes.length - 1);
}
