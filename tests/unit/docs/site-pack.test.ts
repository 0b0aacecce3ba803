import { describe, expect, it } from 'vitest';
import { packNode, unpackNode } from '../../../core/docs/site-pack.js';
import type { SiteNode } from '../../../core/docs/site-types.js';

const nodes: SiteNode[] = [
  { id: 'model.shop.orders', name: 'orders', type: 'model', pkg: 'shop', file: 'models/marts/orders.sql', fqn: ['shop', 'marts', 'orders'], cfg: 2, parents: [0, 1], desc: 'One row per order.', cols: ['order_id'], rel: '"shop"."main"."orders"', x: 10, y: 20, patch: 'models/marts/_marts.yml', last: ['success', 0.5, 3] },
  { id: 'test.shop.unique_orders_order_id.33a2f24b8c', name: 'unique_orders_order_id', type: 'test', pkg: 'shop', file: 'models/marts/_marts.yml', fqn: ['shop', 'marts', 'unique_orders_order_id'], cfg: 1, parents: [2], desc: '', cols: [], on: 2, col: 'order_id', testName: 'unique' },
  { id: 'test.shop.assert_totals', name: 'assert_totals', type: 'test', pkg: 'shop', file: 'tests/assert_totals.sql', fqn: ['shop', 'assert_totals'], cfg: 1, parents: [2], desc: '', cols: [] },
  { id: 'source.shop.raw.orders', name: 'orders', type: 'source', pkg: 'shop', file: 'models/sources.yml', fqn: ['shop', 'raw', 'orders'], cfg: 0, tags: ['raw'], src: 'raw', parents: [], desc: '', cols: [] },
  { id: 'model.other_pkg.helper', name: 'helper', type: 'model', pkg: 'other_pkg', file: 'models/odd/place/helper.sql', fqn: ['other_pkg', 'elsewhere', 'helper'], cfg: 0, parents: [], desc: '', cols: [] },
  { id: 'model.shop.v2_orders_v2', name: 'orders_v2', type: 'model', pkg: 'shop', file: 'models/orders_v2.sql', fqn: ['shop', 'orders_v2'], cfg: 0, parents: [], desc: '', cols: [] },
];

describe('site node packing', () => {
  it('round-trips every kind of node exactly', () => {
    for (const n of nodes) expect(unpackNode(JSON.parse(JSON.stringify(packNode(n, 'shop'))), 'shop')).toEqual(n);
  });

  it('leaves out what can be derived', () => {
    const packed = packNode(nodes[1], 'shop');
    expect(packed).toEqual({ n: 'unique_orders_order_id', t: 'test', f: 'models/marts/_marts.yml', c: 1, h: '33a2f24b8c', p: [2], a: 2, l: 'order_id', m: 'unique' });
  });
});
