/**
 * Finds where a value is in the network file. The parser keeps the JSON5 syntax tree (momoa),
 * and every check reports its findings by document path; this map turns a path back into a
 * line and column. Lookups walk down from the root, with a per-object index of its keys, so a
 * network with thousands of nodes costs the same per lookup as a small one.
 */
import type { DocumentNode, MemberNode, ObjectNode, ValueNode } from "@humanwhocodes/momoa";
import { formatPath, type PathSegment } from "./path.js";

/** Where something is in a network file. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** Path in the document, e.g. `nodes.h1.from[1]`. */
  path: string;
}

export interface Located {
  /** The value at the path (as deep as the document goes). */
  value?: ValueNode;
  /** The object member whose value it is, when the last segment is an object key. */
  member?: MemberNode;
  /** Whether the whole path was found. */
  found: boolean;
}

export class SourceMap {
  private readonly keyIndex = new WeakMap<ObjectNode, Map<string, MemberNode>>();

  constructor(
    readonly file: string,
    private readonly document?: DocumentNode,
  ) {}

  /** The key of a member (momoa keeps identifiers and string keys apart). */
  static keyOf(member: MemberNode): string {
    return member.name.type === "Identifier" ? member.name.name : member.name.value;
  }

  /** Walks `segments` down the tree; stops at the deepest node that exists. */
  find(segments: readonly PathSegment[]): Located {
    if (!this.document) return { found: false };
    let value: ValueNode = this.document.body;
    let member: MemberNode | undefined;
    for (const segment of segments) {
      if (value.type === "Object") {
        const next = this.members(value).get(String(segment));
        if (!next) return { value, member, found: false };
        member = next;
        value = next.value;
      } else if (value.type === "Array") {
        const index = typeof segment === "number" ? segment : Number(segment);
        const element = value.elements[index];
        if (!Number.isInteger(index) || !element) return { value, member, found: false };
        member = undefined;
        value = element.value;
      } else {
        return { value, member, found: false };
      }
    }
    return { value, member, found: true };
  }

  /**
   * The location of the value at `segments` (or, with `key: true`, of its key in the parent
   * object: where an unknown or duplicated field, or a node id, is written). When the path is
   * not in the document, the deepest existing ancestor is used.
   */
  at(segments: readonly PathSegment[], options: { key?: boolean } = {}): SourceLocation {
    const path = formatPath(segments);
    const { value, member } = this.find(segments);
    const node = options.key && member ? member.name : value;
    if (!node) return { file: this.file, line: 0, column: 0, path };
    return { file: this.file, line: node.loc.start.line, column: node.loc.start.column, path };
  }

  private members(object: ObjectNode): Map<string, MemberNode> {
    let index = this.keyIndex.get(object);
    if (!index) {
      index = new Map();
      // JSON5 keeps the last of duplicated keys; so does the index (duplicates are reported separately).
      for (const m of object.members) index.set(SourceMap.keyOf(m), m);
      this.keyIndex.set(object, index);
    }
    return index;
  }
}
