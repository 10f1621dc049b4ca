/**
 * Diagnostics: how the compiler reports what is wrong with a network, and where.
 */
import type { SourceLocation, SourceMap } from "./source-map.js";

export type { SourceLocation };
import type { PathSegment } from "./path.js";
import { DlnError } from "../util/errors.js";

export interface Diagnostic extends SourceLocation {
  severity: "error" | "warning";
  /** Stable code, e.g. `E_UNKNOWN_NODE`; documented in docs/network-files.md. */
  code: string;
  message: string;
  /** The nearest valid name, when a name was misspelt. */
  suggestion?: string;
}

/**
 * Thrown by APIs that need a valid network (e.g. `loadNetworkFile(...).then(orThrow)`); carries every
 * diagnostic, and the first error's place as its `location`. A usage error: the network file is the caller's.
 */
export class NetworkError extends DlnError {
  declare readonly code: "E_NETWORK_INVALID";
  constructor(readonly diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    const first = errors[0] ?? diagnostics[0];
    super(
      "E_NETWORK_INVALID",
      first
        ? `invalid network: ${formatDiagnostic(first)}${errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : ""}`
        : "invalid network",
      {
        kind: "usage",
        location: first ? { file: first.file, ...(first.line > 0 ? { line: first.line, column: first.column } : {}) } : undefined,
        hint: errors.length > 1 && first ? `dln validate ${first.file} lists every error` : undefined,
      },
    );
  }
}

/** `file:line:column: error CODE message (did you mean "x"?)`, the format editors and CI logs understand. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const hint = d.suggestion ? ` (did you mean "${d.suggestion}"?)` : "";
  return `${where}: ${d.severity} ${d.code} ${d.message}${hint}`;
}

/** Collects diagnostics during compilation, locating each by its document path. */
export class DiagnosticSink {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];

  constructor(readonly sourceMap: SourceMap) {}

  error(code: string, message: string, at: PathSegment[], options: { key?: boolean; suggestion?: string } = {}): void {
    this.errors.push(this.make("error", code, message, at, options));
  }

  warning(code: string, message: string, at: PathSegment[], options: { key?: boolean; suggestion?: string } = {}): void {
    this.warnings.push(this.make("warning", code, message, at, options));
  }

  private make(
    severity: Diagnostic["severity"],
    code: string,
    message: string,
    at: PathSegment[],
    options: { key?: boolean; suggestion?: string },
  ): Diagnostic {
    return {
      severity,
      code,
      message,
      ...this.sourceMap.at(at, { key: options.key }),
      ...(options.suggestion ? { suggestion: options.suggestion } : {}),
    };
  }
}

/** Document order, so a file's diagnostics read top to bottom. */
export function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);
}
