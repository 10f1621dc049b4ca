/**
 * The network as a graphology DAG: cycle detection and topological generations come from
 * graphology-dag; this module only adds what those do not give: the nodes of a cycle, in order,
 * so the error can name it (`a → b → c → a`), and a deterministic order inside each generation
 * (the order the nodes are written in the file).
 */
import { DirectedGraph } from "graphology";
import { hasCycle, topologicalGenerations } from "graphology-dag";
import { getOrThrow } from "../util/lookup.js";

export interface DagInput {
  /** Executable node ids in declaration order. */
  ids: string[];
  /** Node id → upstream ids (only executable nodes; inputs are left out). */
  parents: Map<string, string[]>;
}

export type DagResult = { ok: true; generations: string[][]; order: string[]; children: Map<string, string[]> } | { ok: false; cycles: string[][] };

export function orderDag({ ids, parents }: DagInput): DagResult {
  const graph = new DirectedGraph();
  for (const id of ids) graph.addNode(id);
  for (const id of ids) for (const p of parents.get(id) ?? []) graph.mergeEdge(p, id);
  if (hasCycle(graph)) return { ok: false, cycles: findCycles(ids, parents) };

  const rank = new Map(ids.map((id, i) => [id, i]));
  const byRank = (a: string, b: string) => getOrThrow(rank, a, "executable node") - getOrThrow(rank, b, "executable node");
  const generations = topologicalGenerations(graph).map((g) => [...g].sort(byRank));
  const children = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const p of new Set(parents.get(id) ?? [])) getOrThrow(children, p, "executable node (a parent)").push(id);
  return { ok: true, generations, order: generations.flat(), children };
}

/**
 * Some cycles of the graph (each as a list of ids in data-flow order, the first not repeated),
 * at most one per group of entangled nodes. Peels off every node that is not on or behind a
 * cycle (Kahn), then walks backwards through parents from each remaining node until a node
 * repeats: every remaining node has a remaining parent, so each walk ends on a cycle. Linear time.
 */
function findCycles(ids: string[], parents: Map<string, string[]>, limit = 20): string[][] {
  const remaining = new Set(ids);
  const indegree = new Map(ids.map((id) => [id, new Set(parents.get(id) ?? []).size]));
  const children = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const p of new Set(parents.get(id) ?? [])) children.get(p)?.push(id);
  const queue = ids.filter((id) => indegree.get(id) === 0);
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    remaining.delete(id);
    for (const c of children.get(id) ?? []) {
      const d = getOrThrow(indegree, c, "in-degree of node") - 1;
      indegree.set(c, d);
      if (d === 0) queue.push(c);
    }
  }

  const cycles: string[][] = [];
  const visited = new Set<string>();
  for (const start of ids) {
    if (!remaining.has(start) || visited.has(start) || cycles.length >= limit) continue;
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let current: string | undefined = start;
    while (current !== undefined && !onPath.has(current) && !visited.has(current)) {
      onPath.set(current, path.length);
      path.push(current);
      visited.add(current);
      current = (parents.get(current) ?? []).find((p) => remaining.has(p));
    }
    if (current !== undefined && onPath.has(current)) cycles.push(path.slice(onPath.get(current)).reverse());
  }
  return cycles;
}
