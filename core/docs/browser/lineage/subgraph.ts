// Which nodes a lineage view shows: a node with its ancestors and descendants to a depth, the
// nodes on the paths between two nodes, and view graphs (positions + edges) for a node set.
import type { Store } from '../data.js';
import { DEFAULT_LAYOUT, packedLayout } from '../../layout.js';

export interface ViewGraph {
  /** Global node indices, in view order. */
  readonly nodes: readonly number[];
  /** Top-left corners, by view order. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Edges as pairs of view positions: parent, child, parent, child, ... */
  readonly edges: Int32Array;
  readonly width: number;
  readonly height: number;
}

/** `start` and what lies within `depth` steps along `next` (all of it when depth is null). */
export function reach(start: number, depth: number | null, next: (i: number) => readonly number[], keep: (i: number) => boolean): Set<number> {
  const seen = new Set<number>([start]);
  let frontier = [start];
  for (let d = 0; frontier.length && (depth === null || d < depth); d++) {
    const nextFrontier: number[] = [];
    for (const i of frontier) {
      for (const j of next(i)) {
        if (seen.has(j) || !keep(j)) continue;
        seen.add(j);
        nextFrontier.push(j);
      }
    }
    frontier = nextFrontier;
  }
  return seen;
}

export function focusSet(store: Store, focus: number, up: number | null, down: number | null, tests: boolean): Set<number> {
  const keep = (i: number) => !store.node(i).hide && (tests || store.node(i).type !== 'test');
  const ups = reach(focus, up, (i) => store.node(i).parents, keep);
  const downs = reach(focus, down, (i) => store.children[i], keep);
  for (const i of downs) ups.add(i);
  return ups;
}

/** Nodes on some path from a to b, or from b to a; empty when neither reaches the other. */
export function pathSet(store: Store, a: number, b: number): Set<number> {
  const between = (from: number, to: number) => {
    const down = reach(from, null, (i) => store.children[i], () => true);
    if (!down.has(to)) return null;
    const up = reach(to, null, (i) => store.node(i).parents, () => true);
    return new Set([...down].filter((i) => up.has(i)));
  };
  return between(a, b) ?? between(b, a) ?? new Set();
}

/** Lays out a node set afresh (focused views, selections): instant for a few thousand nodes. */
export function layoutSet(store: Store, set: ReadonlySet<number>): ViewGraph {
  const nodes = [...set].sort((a, b) => a - b);
  const local = new Map(nodes.map((g, l) => [g, l]));
  const parents = nodes.map((g) => store.node(g).parents.map((p) => local.get(p)).filter((l): l is number => l !== undefined));
  const layout = packedLayout(nodes.length, parents, DEFAULT_LAYOUT);
  return { nodes, x: layout.x, y: layout.y, edges: edgesOf(parents), width: layout.width, height: layout.height };
}

/** The whole graph as laid out at generate time (tests are not part of it). */
export function fullGraph(store: Store): ViewGraph {
  const nodes: number[] = [];
  store.core.nodes.forEach((n, i) => {
    if (n.x !== undefined) nodes.push(i);
  });
  const local = new Map(nodes.map((g, l) => [g, l]));
  const x = new Float64Array(nodes.length);
  const y = new Float64Array(nodes.length);
  let width = 0;
  let height = 0;
  nodes.forEach((g, l) => {
    x[l] = store.node(g).x!;
    y[l] = store.node(g).y!;
    width = Math.max(width, x[l] + store.core.box.w);
    height = Math.max(height, y[l] + store.core.box.h);
  });
  const parents = nodes.map((g) => store.node(g).parents.map((p) => local.get(p)).filter((l): l is number => l !== undefined));
  return { nodes, x, y, edges: edgesOf(parents), width, height };
}

function edgesOf(parents: readonly (readonly number[])[]): Int32Array {
  let n = 0;
  for (const ps of parents) n += ps.length;
  const edges = new Int32Array(n * 2);
  let k = 0;
  parents.forEach((ps, child) => {
    for (const p of ps) {
      edges[k++] = p;
      edges[k++] = child;
    }
  });
  return edges;
}
