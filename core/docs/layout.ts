// A layered (Sugiyama-style) layout of a DAG, left to right, in linear-ish time so it lays out
// 10,000 nodes at generate time and a focused view of a few hundred in the browser at once.
// dagre's network-simplex ranking does not finish on graphs this size; this trades its
// optimality for speed: longest-path ranks (roots pulled next to their first child), barycenter
// ordering sweeps without dummy nodes, and coordinates that follow the neighbours' mean.
// Pure: used by the generator (Node) and bundled into the site (browser).

export interface LayoutOptions {
  readonly nodeWidth: number;
  readonly nodeHeight: number;
  readonly colGap: number;
  readonly rowGap: number;
  /** Ordering sweeps (each one down and one up). */
  readonly sweeps?: number;
}

export interface Layout {
  /** Top-left corner of each node's box. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly rank: Int32Array;
  readonly width: number;
  readonly height: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 224, nodeHeight: 36, colGap: 64, rowGap: 14, sweeps: 4 };

/**
 * Lays out nodes 0..n-1; `parents[i]` lists the parents of node i (indices in the same range;
 * others are ignored). The graph must be acyclic (kiln's DAG is checked when it is built).
 */
export function layeredLayout(n: number, parents: readonly (readonly number[])[], opts: LayoutOptions = DEFAULT_LAYOUT): Layout {
  const children: number[][] = Array.from({ length: n }, () => []);
  const ups: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (const p of parents[i] ?? []) {
      if (p >= 0 && p < n && p !== i) {
        ups[i].push(p);
        children[p].push(i);
      }
    }
  }
  const order = topoOrder(n, ups, children);
  const rank = new Int32Array(n);
  for (const i of order) {
    let r = 0;
    for (const p of ups[i]) r = Math.max(r, rank[p] + 1);
    rank[i] = r;
  }
  // Roots (sources, seeds) sit just left of their nearest child rather than in column 0.
  for (const i of order) {
    if (ups[i].length || !children[i].length) continue;
    let m = Infinity;
    for (const c of children[i]) m = Math.min(m, rank[c]);
    rank[i] = Math.max(0, m - 1);
  }
  let maxRank = 0;
  for (let i = 0; i < n; i++) maxRank = Math.max(maxRank, rank[i]);

  // Initial order: topological (depth-first-ish), which keeps families together.
  const layers: number[][] = Array.from({ length: maxRank + 1 }, () => []);
  for (const i of order) layers[rank[i]].push(i);
  const pos = new Float64Array(n);
  const setPositions = (layer: number[]) => {
    for (let k = 0; k < layer.length; k++) pos[layer[k]] = (k + 0.5) / layer.length;
  };
  for (const layer of layers) setPositions(layer);

  const key = new Float64Array(n);
  const sweepLayer = (layer: number[], neighbours: number[][]) => {
    for (const i of layer) {
      const nb = neighbours[i];
      if (!nb.length) {
        key[i] = pos[i];
        continue;
      }
      let s = 0;
      for (const j of nb) s += pos[j];
      key[i] = s / nb.length;
    }
    layer.sort((a, b) => key[a] - key[b] || pos[a] - pos[b]);
    setPositions(layer);
  };
  const sweeps = opts.sweeps ?? 4;
  for (let s = 0; s < sweeps; s++) {
    for (let r = 1; r <= maxRank; r++) sweepLayer(layers[r], ups);
    for (let r = maxRank - 1; r >= 0; r--) sweepLayer(layers[r], children);
  }

  // Coordinates: each node wants the mean y of its neighbours; boxes keep their order and gap.
  const step = opts.nodeHeight + opts.rowGap;
  const y = new Float64Array(n);
  for (const layer of layers) for (let k = 0; k < layer.length; k++) y[layer[k]] = (k - layer.length / 2) * step;
  const place = (layer: number[], neighbours: number[][]) => {
    if (!layer.length) return;
    const want = new Float64Array(layer.length);
    for (let k = 0; k < layer.length; k++) {
      const nb = neighbours[layer[k]];
      if (!nb.length) want[k] = y[layer[k]];
      else {
        let s = 0;
        for (const j of nb) s += y[j];
        want[k] = s / nb.length;
      }
    }
    const got = packInOrder(want, step);
    for (let k = 0; k < layer.length; k++) y[layer[k]] = got[k];
  };
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 1; r <= maxRank; r++) place(layers[r], ups);
    for (let r = maxRank - 1; r >= 0; r--) place(layers[r], children);
  }

  const x = new Float64Array(n);
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    x[i] = rank[i] * (opts.nodeWidth + opts.colGap);
    minY = Math.min(minY, y[i]);
    maxY = Math.max(maxY, y[i]);
  }
  if (n === 0) return { x, y, rank, width: 0, height: 0 };
  for (let i = 0; i < n; i++) y[i] = Math.round(y[i] - minY);
  return { x, y, rank, width: (maxRank + 1) * (opts.nodeWidth + opts.colGap) - opts.colGap, height: maxY - minY + opts.nodeHeight };
}

/**
 * Positions as close as possible to `want` (kept in the given order) with at least `gap`
 * between neighbours: boxes that would overlap merge into a block, and a block sits where its
 * members want it on average (pool-adjacent-violators).
 */
function packInOrder(want: Float64Array, gap: number): Float64Array {
  // Per block: index of its first member, member count, and the sum over members of
  // (want_k - (k - start) * gap), so that the block's first position is sum / count.
  const start: number[] = [];
  const count: number[] = [];
  const sum: number[] = [];
  for (let k = 0; k < want.length; k++) {
    start.push(k);
    count.push(1);
    sum.push(want[k]);
    for (let b = start.length - 1; b > 0; b--) {
      const first = sum[b] / count[b];
      const prevEnd = sum[b - 1] / count[b - 1] + count[b - 1] * gap;
      if (first >= prevEnd) break;
      sum[b - 1] += sum[b] - count[b] * count[b - 1] * gap;
      count[b - 1] += count[b];
      start.pop();
      count.pop();
      sum.pop();
    }
  }
  const out = new Float64Array(want.length);
  for (let b = 0; b < start.length; b++) {
    const first = sum[b] / count[b];
    for (let j = 0; j < count[b]; j++) out[start[b] + j] = first + j * gap;
  }
  return out;
}

/** Kahn's algorithm; nodes left over by a cycle are appended so the layout still finishes. */
function topoOrder(n: number, ups: number[][], children: number[][]): number[] {
  const indeg = new Int32Array(n);
  for (let i = 0; i < n; i++) indeg[i] = ups[i].length;
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  const out: number[] = [];
  const seen = new Uint8Array(n);
  // A stack gives depth-first order: children follow their parent, so families stay together.
  while (queue.length) {
    const i = queue.pop()!;
    out.push(i);
    seen[i] = 1;
    for (let k = children[i].length - 1; k >= 0; k--) {
      const c = children[i][k];
      if (--indeg[c] === 0) queue.push(c);
    }
  }
  if (out.length < n) for (let i = 0; i < n; i++) if (!seen[i]) out.push(i);
  return out;
}

/**
 * Lays out each weakly connected component on its own and packs the pieces in rows (largest
 * first) towards a landscape page, so a selection of many unrelated nodes is a grid, not one
 * column thousands of boxes tall.
 */
export function packedLayout(n: number, parents: readonly (readonly number[])[], opts: LayoutOptions = DEFAULT_LAYOUT): Layout {
  const comp = components(n, parents);
  if (comp.length <= 1) return layeredLayout(n, parents, opts);
  const pieces = comp.map((members) => {
    const local = new Map(members.map((g, l) => [g, l]));
    const layout = layeredLayout(members.length, members.map((g) => (parents[g] ?? []).map((p) => local.get(p)).filter((l): l is number => l !== undefined)), opts);
    return { members, layout };
  });
  pieces.sort((a, b) => b.layout.height * b.layout.width - a.layout.height * a.layout.width || a.members[0] - b.members[0]);
  const gapX = opts.colGap * 1.5;
  const gapY = opts.nodeHeight * 1.5;
  const area = pieces.reduce((s, p) => s + (p.layout.width + gapX) * (p.layout.height + gapY), 0);
  const rowWidth = Math.max(pieces[0].layout.width, Math.sqrt(area * 1.8));
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const rank = new Int32Array(n);
  let cx = 0;
  let cy = 0;
  let rowHeight = 0;
  let width = 0;
  for (const { members, layout } of pieces) {
    if (cx > 0 && cx + layout.width > rowWidth) {
      cx = 0;
      cy += rowHeight + gapY;
      rowHeight = 0;
    }
    members.forEach((g, l) => {
      x[g] = cx + layout.x[l];
      y[g] = cy + layout.y[l];
      rank[g] = layout.rank[l];
    });
    cx += layout.width + gapX;
    width = Math.max(width, cx - gapX);
    rowHeight = Math.max(rowHeight, layout.height);
  }
  return { x, y, rank, width, height: cy + rowHeight };
}

/** Weakly connected components, each listed in ascending index order. */
function components(n: number, parents: readonly (readonly number[])[]): number[][] {
  const up = new Int32Array(n).map((_, i) => i);
  const find = (i: number): number => {
    while (up[i] !== i) {
      up[i] = up[up[i]];
      i = up[i];
    }
    return i;
  };
  for (let i = 0; i < n; i++) {
    for (const p of parents[i] ?? []) {
      if (p < 0 || p >= n) continue;
      const a = find(i);
      const b = find(p);
      if (a !== b) up[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    const list = byRoot.get(r);
    if (list) list.push(i);
    else byRoot.set(r, [i]);
  }
  return [...byRoot.values()];
}
