import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYOUT, layeredLayout, packedLayout } from '../../../core/docs/layout.js';

/** Random DAG: each node's parents are earlier nodes. */
function randomDag(n: number, seed: number): number[][] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, (_, i) => {
    const k = i === 0 ? 0 : Math.floor(rnd() * 3);
    return [...new Set(Array.from({ length: k }, () => Math.floor(rnd() * i)))];
  });
}

describe('layeredLayout', () => {
  it('puts every child right of its parents and roots next to their first child', () => {
    // a → b → c → d, and a root e used only by d: e sits one column left of d, not in column 0.
    const parents = [[], [0], [1], [2, 4], []];
    const l = layeredLayout(5, parents);
    expect([...l.rank]).toEqual([0, 1, 2, 3, 2]);
    for (let i = 0; i < 5; i++) for (const p of parents[i]) expect(l.x[p]).toBeLessThan(l.x[i]);
  });

  it('never overlaps two boxes of one column, on a large random DAG', () => {
    const n = 3000;
    const parents = randomDag(n, 7);
    const l = layeredLayout(n, parents);
    const byColumn = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      for (const p of parents[i]) expect(l.rank[p]).toBeLessThan(l.rank[i]);
      byColumn.set(l.x[i], [...(byColumn.get(l.x[i]) ?? []), l.y[i]]);
    }
    for (const ys of byColumn.values()) {
      ys.sort((a, b) => a - b);
      for (let k = 1; k < ys.length; k++) expect(ys[k] - ys[k - 1]).toBeGreaterThanOrEqual(DEFAULT_LAYOUT.nodeHeight + DEFAULT_LAYOUT.rowGap - 1);
    }
    expect(Math.min(...l.y)).toBe(0);
    expect(l.height).toBeGreaterThan(0);
  });

  it('lines a chain up straight and is deterministic', () => {
    const parents = [[], [0], [1], [2]];
    const a = layeredLayout(4, parents);
    expect(new Set(a.y).size).toBe(1);
    const b = layeredLayout(4, parents);
    expect([...b.x]).toEqual([...a.x]);
    expect([...b.y]).toEqual([...a.y]);
  });

  it('lays out nothing, and ignores parents outside the range', () => {
    expect(layeredLayout(0, []).width).toBe(0);
    const l = layeredLayout(2, [[5], [0, -1]]);
    expect([...l.rank]).toEqual([0, 1]);
  });
});

describe('packedLayout', () => {
  it('packs unrelated pieces side by side into a landscape page, without overlaps', () => {
    // 400 lone nodes and a chain of three.
    const parents: number[][] = [...Array.from({ length: 400 }, () => []), [], [400], [401]];
    const l = packedLayout(parents.length, parents);
    expect(l.width).toBeGreaterThan(l.height);
    const { nodeWidth: w, nodeHeight: h } = DEFAULT_LAYOUT;
    const boxes = Array.from({ length: parents.length }, (_, i) => [l.x[i], l.y[i]]);
    const seen = new Set(boxes.map(([x, y]) => `${x},${y}`));
    expect(seen.size).toBe(parents.length);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const overlap = Math.abs(boxes[i][0] - boxes[j][0]) < w && Math.abs(boxes[i][1] - boxes[j][1]) < h;
        if (overlap) expect.unreachable(`boxes ${i} and ${j} overlap`);
      }
    }
    // The chain keeps its left-to-right order.
    expect(l.x[400]).toBeLessThan(l.x[401]);
    expect(l.x[401]).toBeLessThan(l.x[402]);
  });
});
