// Dag.topoOrderOf(subset) orders only the subset and its ancestors; it must give exactly the
// ids of the whole order (topoOrder) that are in the subset, in the same order: the runner
// relies on it for `kiln run -s`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dag } from '../../../core/graph/dag.js';
import { manifestOf, node, source } from './manifest-fixture.js';

/** A random DAG: node i may depend on earlier nodes and on a few sources; names shuffled so id order is not build order. */
const graphs = fc
  .record({
    size: fc.integer({ min: 1, max: 60 }),
    edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 150 }),
    names: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
    picks: fc.array(fc.nat(), { maxLength: 12 }),
  })
  .map(({ size, edges, names, picks }) => {
    const name = (i: number) => `n${String(names[i]! % 97).padStart(2, '0')}_${i}`;
    const deps: string[][] = Array.from({ length: size }, () => []);
    for (const [a, b] of edges) {
      const child = a % size;
      if (child === 0) continue;
      const parent = b % (child + 2);
      deps[child]!.push(parent >= child ? `source.p.raw.t${parent - child}` : `model.p.${name(parent)}`);
    }
    const m = manifestOf(
      deps.map((d, i) => node(name(i), d)),
      [source('raw', 't0'), source('raw', 't1')],
    );
    const ids = [...m.nodes.keys(), ...m.sources.keys()];
    const subset = new Set(picks.map((p) => ids[p % ids.length]!));
    return { m, subset };
  });

describe('Dag.topoOrderOf', () => {
  it('equals the whole topological order filtered to the subset', () => {
    fc.assert(
      fc.property(graphs, ({ m, subset }) => {
        const whole = Dag.fromManifest(m).topoOrder().filter((id) => subset.has(id));
        // A fresh Dag: its whole order is not computed yet, so the closure path runs.
        expect(Dag.fromManifest(m).topoOrderOf(subset)).toEqual(whole);
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it('orders a subset whose members depend on each other through unselected nodes', () => {
    // z → a → m; ids sort a < m < z, so ordering only {m, z} by id alone would put m first.
    const m = manifestOf([node('z'), node('a', ['z']), node('m', ['a']), ...Array.from({ length: 20 }, (_, i) => node(`x${i}`))]);
    expect(Dag.fromManifest(m).topoOrderOf(new Set(['model.p.m', 'model.p.z']))).toEqual(['model.p.z', 'model.p.m']);
  });

  it('leaves out ids that are not in the graph', () => {
    const m = manifestOf([node('a'), node('b', ['a']), ...Array.from({ length: 20 }, (_, i) => node(`x${i}`))]);
    expect(Dag.fromManifest(m).topoOrderOf(new Set(['model.p.b', 'exposure.p.dash']))).toEqual(['model.p.b']);
  });
});
