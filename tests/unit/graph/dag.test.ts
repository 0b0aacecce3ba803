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
});
