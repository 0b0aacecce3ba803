// The project DAG: nodes, sources and their edges (parent → child), cycle detection with the
// full path, and traversal helpers used by selection and the runner.
import { Graph, alg } from '@dagrejs/graphlib';
import { Codes, KilnError } from '../errors.js';
import type { Manifest } from '../nodes.js';

export class Dag {
  /** Every node in the order first seen (graphlib's order, which the graph once lived in). */
  private readonly order: string[] = [];
  /** Parents and children of each node, without repeats, in the order the edges were added. */
  private readonly preds = new Map<string, string[]>();
  private readonly succs = new Map<string, string[]>();

  private constructor() {}

  /** Builds the DAG of a manifest; throws KilnError(CYCLE) with the path when there is a cycle. */
  static fromManifest(manifest: Manifest): Dag {
    // Plain maps of arrays: graphlib's objects-of-objects took over a second to build for
    // 10,000 models and 30,000 tests.
    const dag = new Dag();
    for (const id of manifest.sources.keys()) dag.addNode(id);
    for (const [id, node] of manifest.nodes) {
      dag.addNode(id);
      const parents = dag.preds.get(id)!;
      for (const parent of node.dependsOn.nodes) {
        if (parents.includes(parent)) continue;
        dag.addNode(parent);
        parents.push(parent);
        dag.succs.get(parent)!.push(id);
      }
    }
    dag.assertAcyclic(manifest);
    return dag;
  }

  private addNode(id: string): void {
    if (this.preds.has(id)) return;
    this.order.push(id);
    this.preds.set(id, []);
    this.succs.set(id, []);
  }

  private assertAcyclic(manifest: Manifest): void {
    if (this.isAcyclic()) return;
    // Only a project with a cycle pays for graphlib's cycle search (the first cycle it reports
    // is the one named, as before).
    const g = new Graph({ directed: true });
    for (const id of this.order) g.setNode(id);
    for (const id of this.order) for (const c of this.succs.get(id)!) g.setEdge(id, c);
    const scc = alg.findCycles(g)[0] ?? [];
    const path = cyclePath((n) => this.children(n), new Set(scc));
    const names = path.map((id) => manifest.nodes.get(id)?.name ?? id);
    const files = [...new Set(path.map((id) => manifest.nodes.get(id)?.originalFilePath).filter((f): f is string => !!f))];
    const first = manifest.nodes.get(path[0]);
    throw new KilnError(Codes.CYCLE, `Found a cycle: ${[...names, names[0]].join(' → ')}`, {
      loc: first ? { file: first.originalFilePath } : undefined,
      related: files.slice(1).map((file) => ({ file })),
      hint: `Each ref() must point to an earlier step. Break the cycle by removing one of these refs (files: ${files.join(', ')}).`,
    });
  }

  /** The node's parents (the DAG's own array: copy before changing it). */
  parents(id: string): readonly string[] {
    return this.preds.get(id) ?? [];
  }

  /** The node's children (the DAG's own array: copy before changing it). */
  children(id: string): readonly string[] {
    return this.succs.get(id) ?? [];
  }

  /** Ancestors up to `depth` levels (all when undefined), excluding the node itself. */
  ancestors(id: string, depth?: number): Set<string> {
    return this.walk(id, depth, (n) => this.parents(n));
  }

  /** Descendants up to `depth` levels (all when undefined), excluding the node itself. */
  descendants(id: string, depth?: number): Set<string> {
    return this.walk(id, depth, (n) => this.children(n));
  }

  private walk(start: string, depth: number | undefined, next: (n: string) => readonly string[]): Set<string> {
    const seen = new Set<string>();
    let frontier = [start];
    for (let level = 0; frontier.length && (depth === undefined || level < depth); level++) {
      const nextFrontier: string[] = [];
      for (const n of frontier) {
        for (const m of next(n)) {
          if (!seen.has(m) && m !== start) {
            seen.add(m);
            nextFrontier.push(m);
          }
        }
      }
      frontier = nextFrontier;
    }
    return seen;
  }

  /**
   * Kahn's algorithm in first-seen order, only counting: it reaches every node exactly when
   * there is no cycle. No sorting, so a run of a few nodes does not pay for ordering them all.
   */
  private isAcyclic(): boolean {
    const indegree = new Map<string, number>();
    const ready: string[] = [];
    for (const id of this.order) {
      const d = this.preds.get(id)!.length;
      indegree.set(id, d);
      if (d === 0) ready.push(id);
    }
    let reached = 0;
    while (reached < ready.length) {
      const id = ready[reached++]!;
      for (const c of this.succs.get(id)!) {
        const d = indegree.get(c)! - 1;
        indegree.set(c, d);
        if (d === 0) ready.push(c);
      }
    }
    return reached === this.order.length;
  }

  /** Topological order of the whole graph (stable: ties broken by id); made once (the graph never changes). */
  topoOrder(): readonly string[] {
    return (this.topo ??= this.sortTopologically(this.order));
  }

  private topo: readonly string[] | undefined;

  /**
   * The ids of `subset` in the order topoOrder() gives them, at a cost in proportion to the subset
   * and its ancestors rather than the whole graph. Exact because the ancestors of the subset are
   * closed upwards: the nodes outside never free one inside, so the smallest-ready-first sort
   * over the closure picks its nodes in the same relative order as over the whole graph.
   */
  topoOrderOf(subset: ReadonlySet<string>): string[] {
    // With the whole order at hand (or most of the graph selected), filtering it is cheapest.
    if (this.topo || subset.size * 4 >= this.order.length) return this.topoOrder().filter((id) => subset.has(id));
    const closure = new Set<string>();
    const stack: string[] = [];
    for (const id of subset) {
      if (!this.preds.has(id) || closure.has(id)) continue;
      closure.add(id);
      stack.push(id);
      while (stack.length) {
        for (const p of this.preds.get(stack.pop()!)!) {
          if (closure.has(p)) continue;
          closure.add(p);
          stack.push(p);
        }
      }
      // Past a quarter of the graph the closure saves nothing over ordering it all.
      if (closure.size * 4 >= this.order.length) return this.topoOrder().filter((id) => subset.has(id));
    }
    return this.sortTopologically([...closure]).filter((id) => subset.has(id));
  }

  /** Kahn's sort of `nodes`, smallest ready id first; `nodes` must hold every parent of its members. */
  private sortTopologically(nodes: readonly string[]): string[] {
    // Kahn's algorithm over each id's rank in sorted order: the heap compares small integers
    // instead of long ids that share their first dozens of characters.
    const byRank = [...nodes].sort();
    const rank = new Map<string, number>();
    for (let r = 0; r < byRank.length; r++) rank.set(byRank[r]!, r);
    const indegree = new Int32Array(byRank.length);
    // A heap keeps "smallest ready id first" at O(log n) a step; re-sorting an array each time
    // took seconds at 10,000 nodes.
    const ready = new MinHeap();
    for (let r = 0; r < byRank.length; r++) {
      indegree[r] = this.preds.get(byRank[r]!)!.length;
      if (indegree[r] === 0) ready.push(r);
    }
    const order: string[] = [];
    while (ready.size) {
      const id = byRank[ready.pop()]!;
      order.push(id);
      for (const c of this.succs.get(id)!) {
        // Children outside `nodes` are not ordered here.
        const r = rank.get(c);
        if (r !== undefined && --indegree[r] === 0) ready.push(r);
      }
    }
    return order;
  }
}

/** A binary min-heap of integers. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const a = this.items;
    let i = a.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= value) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = value;
  }

  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && a[r]! < a[l]! ? r : l;
      if (a[c]! >= last) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/** An ordered cycle inside a strongly connected component. */
function cyclePath(successors: (id: string) => readonly string[], scc: Set<string>): string[] {
  const start = [...scc].sort()[0];
  const stack: string[] = [start];
  const onPath = new Set<string>([start]);
  const visited = new Set<string>();
  const dfs = (n: string): boolean => {
    for (const m of successors(n).filter((x) => scc.has(x)).sort()) {
      if (m === start) return true;
      if (onPath.has(m) || visited.has(m)) continue;
      visited.add(m);
      onPath.add(m);
      stack.push(m);
      if (dfs(m)) return true;
      stack.pop();
      onPath.delete(m);
    }
    return false;
  };
  dfs(start);
  return stack;
}
