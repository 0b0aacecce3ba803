import { describe, expect, it } from 'vitest';
import { Dag } from '../../../core/graph/dag.js';
import { KilnError } from '../../../core/errors.js';
import { manifestOf, node, source } from './manifest-fixture.js';

describe('Dag', () => {
  it('orders nodes so parents come first', () => {
    const m = manifestOf([node('c', ['b']), node('b', ['a']), node('a', ['source.p.raw.t'])], [source('raw', 't')]);
    const order = Dag.fromManifest(m).topoOrder();
    expect(order.indexOf('source.p.raw.t')).toBeLessThan(order.indexOf('model.p.a'));
    expect(order.indexOf('model.p.a')).toBeLessThan(order.indexOf('model.p.b'));
    expect(order.indexOf('model.p.b')).toBeLessThan(order.indexOf('model.p.c'));
  });

  it('reports a cycle with its full path and files', () => {
    const m = manifestOf([node('a', ['c']), node('b', ['a']), node('c', ['b']), node('d', ['a'])]);
    try {
      Dag.fromManifest(m);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KilnError);
      const err = e as KilnError;
      expect(err.code).toBe('KLN303');
      expect(err.message).toBe('Found a cycle: a → b → c → a');
      expect(err.hint).toContain('models/a.sql');
      expect(err.hint).toContain('models/c.sql');
    }
  });

  it('walks ancestors and descendants with a depth limit', () => {
    const m = manifestOf([node('a'), node('b', ['a']), node('c', ['b']), node('d', ['c'])]);
    const dag = Dag.fromManifest(m);
    expect([...dag.descendants('model.p.a')].sort()).toEqual(['model.p.b', 'model.p.c', 'model.p.d']);
    expect([...dag.descendants('model.p.a', 1)]).toEqual(['model.p.b']);
    expect([...dag.ancestors('model.p.d', 2)].sort()).toEqual(['model.p.b', 'model.p.c']);
  });

  describe('fromManifestReusing (kiln watch: the last parse\'s DAG when no edge changed)', () => {
    const base = () => manifestOf([node('a', ['source.p.raw.t']), node('b', ['a']), node('c', ['b'])], [source('raw', 't')]);

    it('reuses the previous DAG when the nodes, their order and their parents are the same', () => {
      const prev = base();
      const dag = Dag.fromManifest(prev);
      // A re-parse makes new node objects with new (equal) dependsOn arrays.
      expect(Dag.fromManifestReusing(base(), { manifest: prev, dag })).toBe(dag);
    });

    it('builds a new DAG when a parent, a node, a source or the order changed', () => {
      const prev = base();
      const dag = Dag.fromManifest(prev);
      const reused = (m: ReturnType<typeof base>) => Dag.fromManifestReusing(m, { manifest: prev, dag });
      const newParent = manifestOf([node('a', ['source.p.raw.t']), node('b', ['a']), node('c', ['a'])], [source('raw', 't')]);
      const extraParent = manifestOf([node('a', ['source.p.raw.t']), node('b', ['a']), node('c', ['b', 'a'])], [source('raw', 't')]);
      const added = manifestOf([node('a', ['source.p.raw.t']), node('b', ['a']), node('c', ['b']), node('d', ['c'])], [source('raw', 't')]);
      const reordered = manifestOf([node('b', ['a']), node('a', ['source.p.raw.t']), node('c', ['b'])], [source('raw', 't')]);
      const otherSource = manifestOf([node('a', ['source.p.raw.u']), node('b', ['a']), node('c', ['b'])], [source('raw', 'u')]);
      for (const m of [newParent, extraParent, added, reordered, otherSource]) {
        const next = reused(m);
        expect(next).not.toBe(dag);
        expect(next.topoOrder()).toEqual(Dag.fromManifest(m).topoOrder());
      }
      expect([...reused(newParent).children('model.p.a')].sort()).toEqual(['model.p.b', 'model.p.c']);
    });

    it('still reports a cycle made by the change', () => {
      const prev = base();
      const cyclic = manifestOf([node('a', ['c']), node('b', ['a']), node('c', ['b'])], [source('raw', 't')]);
      expect(() => Dag.fromManifestReusing(cyclic, { manifest: prev, dag: Dag.fromManifest(prev) })).toThrow(/Found a cycle/);
    });
  });
});
