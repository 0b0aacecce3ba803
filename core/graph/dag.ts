// The project DAG: nodes, sources and their edges (parent → child), cycle detection with the
// full path, and traversal helpers used by selection and the runner.
import { Graph, alg } from '@dagrejs/graphlib';
import { Codes, KilnError } from '../errors.js';
import type { Manifest } from '../nodes.js';

export class Dag {
  /** Every node in the order first seen (graphlib's order, which the graph once lived in). */
  private readonly order: string[] = [];
  /** Each id's position in `order`: one map for the whole graph, the edges live in arrays. */
  private readonly index = new Map<string, number>();
  /** Parents and children of each node, without repeats, in the order the edges were added. */
  private readonly preds: string[][] = [];
  private readonly succs: string[][] = [];
  /**
   * The same edges by position, children of `i` at childIdx[childStart[i]..childStart[i+1]]:
   * the cycle check and the sort walk integers instead of looking every id up in `index`
   * (over half their time at 41,000 nodes).
   */
  private childStart = new Int32Array(1);
  private childIdx = new Int32Array(0);

  private constructor() {}

  /** Builds the DAG of a manifest; throws KilnError(CYCLE) with the path when there is a cycle. */
  static fromManifest(manifest: Manifest): Dag {
    // Plain maps of arrays: graphlib's objects-of-objects took over a second to build for
    // 10,000 models and 30,000 tests.
    const dag = new Dag();
    for (const id of manifest.sources.keys()) dag.addNode(id);
    const from: number[] = [];
    const to: number[] = [];
    for (const [id, node] of manifest.nodes) {
      const i = dag.addNode(id);
      for (const parent of node.dependsOn.nodes) {
        let parents = dag.preds[i]!;
        if (parents.includes(parent)) continue;
        const p = dag.addNode(parent);
        // Most nodes have no children (tests) or no parents (sources): they share NONE until
        // their first edge, 40,000 fewer arrays for the collector.
        if (parents === NONE) dag.preds[i] = parents = [];
        parents.push(parent);
        if (dag.succs[p] === NONE) dag.succs[p] = [];
        dag.succs[p]!.push(id);
        from.push(p);
        to.push(i);
      }
    }
    dag.indexEdges(from, to);
    dag.assertAcyclic(manifest);
    return dag;
  }

  /** Lays the edges `from[k]` → `to[k]` out by parent (a counting sort keeps each node's children in order). */
  private indexEdges(from: readonly number[], to: readonly number[]): void {
    const n = this.order.length;
    const start = new Int32Array(n + 1);
    for (let k = 0; k < from.length; k++) start[from[k]! + 1]++;
    for (let i = 0; i < n; i++) start[i + 1] += start[i]!;
    const next = start.slice(0, n);
    const idx = new Int32Array(from.length);
    for (let k = 0; k < from.length; k++) idx[next[from[k]!]!++] = to[k]!;
    this.childStart = start;
    this.childIdx = idx;
  }

  /**
   * `previous.dag` when `manifest` has the same sources and nodes, in the same order, with the
   * same parents as `previous.manifest` (a re-parse in `kiln watch` after a save that changed no
   * ref): that DAG is then exactly what fromManifest would build, and it is known to be acyclic.
   * Otherwise a new one is built. Comparing is a walk over the edges, without building the index
   * or checking for cycles again.
   */
  static fromManifestReusing(manifest: Manifest, previous: { readonly manifest: Manifest; readonly dag: Dag } | undefined): Dag {
    if (previous && sameEdges(previous.manifest, manifest)) return previous.dag;
    return Dag.fromManifest(manifest);
  }

  private addNode(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.order.push(id) - 1;
      this.index.set(id, i);
      this.preds.push(NONE);
      this.succs.push(NONE);
    }
    return i;
  }

  private assertAcyclic(manifest: Manifest): void {
    if (this.isAcyclic()) return;
    // Only a project with a cycle pays for graphlib's cycle search (the first cycle it reports
    // is the one named, as before).
    const g = new Graph({ directed: true });
    for (const id of this.order) g.setNode(id);
    for (const id of this.order) for (const c of this.children(id)) g.setEdge(id, c);
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
    const i = this.index.get(id);
    return i === undefined ? NONE : this.preds[i]!;
  }

  /** The node's children (the DAG's own array: copy before changing it). */
  children(id: string): readonly string[] {
    const i = this.index.get(id);
    return i === undefined ? NONE : this.succs[i]!;
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
    const n = this.order.length;
    const indegree = new Int32Array(n);
    const ready = new Int32Array(n);
    let end = 0;
    for (let i = 0; i < n; i++) if ((indegree[i] = this.preds[i]!.length) === 0) ready[end++] = i;
    let reached = 0;
    const start = this.childStart;
    const idx = this.childIdx;
    while (reached < end) {
      const i = ready[reached++]!;
      for (let k = start[i]!; k < start[i + 1]!; k++) {
        const ci = idx[k]!;
        if (--indegree[ci] === 0) ready[end++] = ci;
      }
    }
    return reached === n;
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
      if (!this.index.has(id) || closure.has(id)) continue;
      closure.add(id);
      stack.push(id);
      while (stack.length) {
        for (const p of this.parents(stack.pop()!)) {
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
    // instead of long ids that share their first dozens of characters. Ranks, positions and
    // edges are integer arrays: no id is looked up after the ranks are set.
    const byRank = [...nodes].sort();
    const m = byRank.length;
    const rankOf = new Int32Array(this.order.length).fill(-1);
    const posOf = new Int32Array(m);
    const indegree = new Int32Array(m);
    // A heap keeps "smallest ready id first" at O(log n) a step; re-sorting an array each time
    // took seconds at 10,000 nodes.
    const ready = new MinHeap(m);
    for (let r = 0; r < m; r++) {
      const i = this.index.get(byRank[r]!)!;
      rankOf[i] = r;
      posOf[r] = i;
      indegree[r] = this.preds[i]!.length;
    }
    for (let r = 0; r < m; r++) if (indegree[r] === 0) ready.push(r);
    const start = this.childStart;
    const idx = this.childIdx;
    const order: string[] = new Array<string>(m);
    let done = 0;
    while (ready.size) {
      const r = ready.pop();
      order[done++] = byRank[r]!;
      const i = posOf[r]!;
      for (let k = start[i]!; k < start[i + 1]!; k++) {
        // Children outside `nodes` are not ordered here.
        const rc = rankOf[idx[k]!]!;
        if (rc !== -1 && --indegree[rc] === 0) ready.push(rc);
      }
    }
    order.length = done;
    return order;
  }
}

/** The shared empty list of a node without parents or without children (never pushed to). */
const NONE = Object.freeze([]) as unknown as string[];

/** A binary min-heap of at most `capacity` integers. */
class MinHeap {
  private readonly items: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(capacity);
  }

  push(value: number): void {
    const a = this.items;
    let i = this.size++;
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
    const n = --this.size;
    if (n === 0) return top;
    const last = a[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && a[r]! < a[l]! ? r : l;
      if (a[c]! >= last) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/** An ordered cycle inside a strongly connected component. */
/** Whether two manifests have the same source and node ids in the same order, and the same dependsOn.nodes. */
function sameEdges(a: Manifest, b: Manifest): boolean {
  if (a === b) return true;
  if (a.sources.size !== b.sources.size || a.nodes.size !== b.nodes.size) return false;
  const sources = a.sources.keys();
  for (const id of b.sources.keys()) if (sources.next().value !== id) return false;
  const nodes = a.nodes.entries();
  for (const [id, node] of b.nodes) {
    const next = nodes.next();
    if (next.done || next.value[0] !== id) return false;
    const was = next.value[1].dependsOn.nodes;
    const now = node.dependsOn.nodes;
    if (was === now) continue;
    if (was.length !== now.length) return false;
    for (let i = 0; i < now.length; i++) if (was[i] !== now[i]) return false;
  }
  return true;
}

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
