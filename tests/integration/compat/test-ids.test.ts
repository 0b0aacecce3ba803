// Generic tests get dbt's node names, unique_ids, aliases and compiled paths, so a manifest,
// `--select` by test name and state comparisons line up with what dbt writes for the same project.
// The expected ids below are what dbt-core 1.11 writes for this project (dbt parse).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n`;
const YAML = `sources:
  - name: raw
    schema: main
    tables:
      - name: people
        columns:
          - name: id
            data_tests: [not_null]
models:
  - name: orders
    data_tests:
      - expr:
          arguments:
            expression: "status != 'x'"
    columns:
      - name: id
        data_tests:
          - not_null
          - unique
          - relationships:
              arguments:
                to: ref('orders')
                field: id
      - name: status
        data_tests:
          - accepted_values:
              arguments:
                values: ['placed', 'shipped', 'completed', 'return_pending', 'returned']
          - accepted_values:
              name: status_is_known
              values: ['placed', 'shipped']
`;

describe('generic test identities', () => {
  it('match dbt: full name in name/fqn/unique_id, md5 of name + metadata, short name for long aliases', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: shop\nprofile: shop\n',
      'profiles.yml': PROFILE,
      'macros/expr.sql': '{% test expr(model, expression) %}\nselect 1 from {{ model }} where not ({{ expression }})\n{% endtest %}\n',
      'models/orders.sql': "select 1 as id, 'placed' as status",
      'models/orders.yml': YAML,
      'models/order_lines.sql': 'select 1 as order_id',
      'models/lines.yml': "models:\n  - name: order_lines\n    columns:\n      - name: order_id\n        data_tests:\n          - relationships:\n              to: ref('orders')\n              field: id\n",
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; alias: string; path: string; fqn: string[]; config: { alias?: string | null } }> };
    const tests = Object.entries(manifest.nodes).filter(([id]) => id.startsWith('test.') && !id.includes('order_lines'));
    expect(tests.map(([id, n]) => [id, n.alias, n.path]).sort()).toEqual([
      ['test.shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3', 'accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758', 'accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758.sql'],
      ['test.shop.expr_orders_status_x_.80fcdbb7eb', 'expr_orders_status_x_', 'expr_orders_status_x_.sql'],
      ['test.shop.not_null_orders_id.84ef11d8fe', 'not_null_orders_id', 'not_null_orders_id.sql'],
      ['test.shop.relationships_orders_id__id__ref_orders_.3f295c3db3', 'relationships_orders_id__id__ref_orders_', 'relationships_orders_id__id__ref_orders_.sql'],
      ['test.shop.source_not_null_raw_people_id.b74b75aa9d', 'source_not_null_raw_people_id', 'source_not_null_raw_people_id.sql'],
      ['test.shop.status_is_known.a788bd373e', 'status_is_known', 'status_is_known.sql'],
      ['test.shop.unique_orders_id.1360ecc70e', 'unique_orders_id', 'unique_orders_id.sql'],
    ]);
    const long = tests.find(([id]) => id.includes('return_pending'))![1];
    expect(long.name).toBe('accepted_values_orders_status__placed__shipped__completed__return_pending__returned');
    expect(long.fqn).toEqual(['shop', 'accepted_values_orders_status__placed__shipped__completed__return_pending__returned']);
    expect(long.config.alias).toBe('accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758');
    expect(tests.find(([id]) => id.startsWith('test.shop.unique_orders_id'))![1].config.alias ?? null).toBeNull();

    // Its compiled SQL goes to the short name's file, as dbt lays it out (no over-long file names).
    const built = await kiln(['build', '-s', 'orders', 'order_lines'], dir);
    expect(built.code, built.output).toBe(0);
    expect(built.stdout).toMatch(/PASS accepted_values_orders_status__placed__shipped__completed__return_pending__returned/);
    expect(fs.readdirSync(path.join(dir, 'target/compiled/shop/models/orders.yml')).filter((f) => f.startsWith('accepted_values'))).toEqual(['accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758.sql']);

    // The arguments' refs come first in refs and depends_on, then the tested model (as in dbt).
    const rel = manifest.nodes['test.shop.relationships_order_lines_order_id__id__ref_orders_.f071f78520'] as unknown as { refs: { name: string }[]; depends_on: { nodes: string[] } };
    expect(rel.refs.map((r) => r.name)).toEqual(['orders', 'order_lines']);
    expect(rel.depends_on.nodes).toEqual(['model.shop.orders', 'model.shop.order_lines']);

    // Selected by its full name, as in dbt; it runs against its short relation name.
    const ls = await kiln(['ls', '-s', 'accepted_values_orders_status__placed__shipped__completed__return_pending__returned'], dir);
    expect(ls.stdout.trim()).toBe('shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned');
  });
});
