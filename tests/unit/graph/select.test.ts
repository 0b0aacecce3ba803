import { describe, expect, it } from 'vitest';
import { Dag } from '../../../core/graph/dag.js';
import { parseAtom, selectNodes } from '../../../core/graph/select.js';
import { KilnError } from '../../../core/errors.js';
import { manifestOf, node, source } from './manifest-fixture.js';

const m = manifestOf(
  [
    node('stg_orders', ['source.p.shop.orders'], { tags: ['staging'], originalFilePath: 'models/staging/stg_orders.sql', fqn: ['p', 'staging', 'stg_orders'] }),
    node('stg_customers', [], { tags: ['staging'], originalFilePath: 'models/staging/stg_customers.sql', fqn: ['p', 'staging', 'stg_customers'] }),
    node('orders', ['stg_orders', 'stg_customers'], { tags: ['finance'], materialized: 'table', originalFilePath: 'models/marts/orders.sql', fqn: ['p', 'marts', 'orders'] }),
    node('report', ['orders'], { originalFilePath: 'models/marts/report.sql', fqn: ['p', 'marts', 'report'] }),
  ],
  [source('shop', 'orders')],
);
const dag = Dag.fromManifest(m);
const sel = (select?: string[], exclude?: string[]) =>
  [...selectNodes(m, dag, { select, exclude }, '/proj')].map((id) => id.split('.').pop()).sort();

describe('selection', () => {
  it('selects everything by default', () => {
    expect(sel()).toEqual(['orders', 'report', 'stg_customers', 'stg_orders']);
  });
  it('selects by name, with ancestors and descendants', () => {
    expect(sel(['orders'])).toEqual(['orders']);
    expect(sel(['+orders'])).toEqual(['orders', 'stg_customers', 'stg_orders']);
    expect(sel(['orders+'])).toEqual(['orders', 'report']);
    expect(sel(['1+report'])).toEqual(['orders', 'report']);
    expect(sel(['stg_orders+1'])).toEqual(['orders', 'stg_orders']);
  });
  it('selects by tag, path, folder fqn and wildcard', () => {
    expect(sel(['tag:staging'])).toEqual(['stg_customers', 'stg_orders']);
    expect(sel(['path:models/marts'])).toEqual(['orders', 'report']);
    expect(sel(['path:models/marts/orders.sql'])).toEqual(['orders']);
    expect(sel(['marts'])).toEqual(['orders', 'report']);
    expect(sel(['stg_*'])).toEqual(['stg_customers', 'stg_orders']);
    expect(sel(['config.materialized:table'])).toEqual(['orders']);
  });
  it('unions with spaces, intersects with commas, excludes', () => {
    expect(sel(['tag:finance tag:staging'])).toEqual(['orders', 'stg_customers', 'stg_orders']);
    expect(sel(['+orders,tag:staging'])).toEqual(['stg_customers', 'stg_orders']);
    expect(sel(['+report'], ['tag:staging'])).toEqual(['orders', 'report']);
  });
  it('selects downstream of a source', () => {
    expect(sel(['source:shop.orders+'])).toEqual(['orders', 'report', 'stg_orders']);
  });
  it('@ selects descendants and their ancestors', () => {
    expect(sel(['@stg_orders'])).toEqual(['orders', 'report', 'stg_customers', 'stg_orders']);
  });
  it('rejects an unknown method with a hint', () => {
    expect(() => parseAtom('colour:red')).toThrow(KilnError);
    try {
      parseAtom('colour:red');
    } catch (e) {
      expect((e as KilnError).code).toBe('KLN305');
      expect((e as KilnError).hint).toContain('tag');
    }
  });
});
