// Data test nodes of manifest.json as dbt-core 1.11 writes them for the same YAML (checked with
// `dbt parse --no-partial-parse`): raw_code carries the entry's configs as a config() call, the
// config's keys and the node's test keys in dbt's order, kwargs in dbt's order.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n';

const SCHEMA = `version: 2
models:
  - name: orders
    columns:
      - name: id
        data_tests:
          - unique
          - not_null:
              config:
                alias: nn_orders_custom
                severity: warn
          - accepted_values:
              arguments:
                values: ['a', 'b']
              config:
                where: "id > 0"
                tags: ['t1']
      - name: status
        data_tests:
          - accepted_values:
              values: ['a', 'b']
              severity: warn
              alias: av_status
  - name: stg
    data_tests:
      - dbt_utils_expr_like:
          expression: "id > 0 and id < 1000000 and status in ('a', 'b', 'c', 'd', 'e')"
          config:
            severity: warn
            limit: 5
            store_failures: true
            meta: {owner: "x\\"y"}
      - dbt_utils_expr_like:
          expression: "id > 1 and id < 1000000 and status in ('a', 'b', 'c', 'd', 'e')"
`;

type Node = Record<string, unknown> & { raw_code: string; config: Record<string, unknown>; test_metadata: { kwargs: Record<string, unknown> } };

describe('data test nodes as dbt 1.11 writes them', () => {
  it('raw_code, config key order, test keys and kwargs order', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: mf\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/orders.sql': "select 1 as id, 'a' as status",
      'models/stg.sql': "select id from {{ ref('orders') }}",
      'models/s.yml': SCHEMA,
      'tests/generic/expr.sql': '{% test dbt_utils_expr_like(model, expression) %}\nselect * from {{ model }} where not ({{ expression }})\n{% endtest %}\n',
      'tests/singular_one.sql': "{{ config(severity='warn', tags=['x']) }}\nselect * from {{ ref('orders') }} where id < 0\n",
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, Node> }).nodes;
    const test = (prefix: string) => Object.entries(nodes).find(([id]) => id.startsWith(prefix))![1];
    // dbt's raw_code, character for character
    expect(test('test.mf.unique_orders_id.').raw_code).toBe('{{ test_unique(**_dbt_generic_test_kwargs) }}');
    expect(test('test.mf.not_null_orders_id.').raw_code).toBe('{{ test_not_null(**_dbt_generic_test_kwargs) }}{{ config(severity="warn",alias="nn_orders_custom") }}');
    expect(test('test.mf.accepted_values_orders_id__a__b.').raw_code).toBe("{{ test_accepted_values(**_dbt_generic_test_kwargs) }}{{ config(tags=['t1'],where=\"id > 0\") }}");
    expect(test('test.mf.accepted_values_orders_status__a__b.').raw_code).toBe('{{ test_accepted_values(**_dbt_generic_test_kwargs) }}{{ config(severity="warn",alias="av_status") }}');
    // a hashed (64 characters or longer) name: its short name as alias, last
    expect(test('test.mf.dbt_utils_expr_like_stg_id_0_').raw_code).toBe(
      '{{ test_dbt_utils_expr_like(**_dbt_generic_test_kwargs) }}{{ config(severity="warn",limit=5,store_failures=True,meta={\'owner\': \'x"y\'},alias="dbt_utils_expr_like_stg_f32ebb1981ae2c96031027b2a3a149a8") }}',
    );
    expect(test('test.mf.dbt_utils_expr_like_stg_id_1_').raw_code).toBe('{{ test_dbt_utils_expr_like(**_dbt_generic_test_kwargs) }}{{ config(alias="dbt_utils_expr_like_stg_82bd284a5d4fd72cd44ad686436ed3f7") }}');
    // dbt's TestConfig field order
    const order = ['enabled', 'alias', 'schema', 'database', 'tags', 'meta', 'group', 'static_analysis', 'materialized', 'severity', 'store_failures', 'store_failures_as', 'where', 'limit', 'fail_calc', 'warn_if', 'error_if'];
    expect(Object.keys(test('test.mf.unique_orders_id.').config)).toEqual(order);
    expect(Object.keys(nodes['test.mf.singular_one']!.config)).toEqual(order);
    expect(Object.keys(test('test.mf.unique_orders_id.')).slice(-4)).toEqual(['column_name', 'file_key_name', 'attached_node', 'test_metadata']);
    // column_name first when the arguments are under `arguments:`, after them otherwise
    expect(Object.keys(test('test.mf.accepted_values_orders_id__a__b.').test_metadata.kwargs)).toEqual(['column_name', 'values', 'model']);
    expect(Object.keys(test('test.mf.accepted_values_orders_status__a__b.').test_metadata.kwargs)).toEqual(['values', 'column_name', 'model']);
  });
});

describe('doc_blocks as dbt 1.11 writes them', () => {
  it("lists the doc blocks a node's or a column's description shows, [] elsewhere (every node and column)", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: mf\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/orders.sql': 'select 1 as id',
      'models/docs.md': '{% docs orders_doc %}\nThe orders.\n{% enddocs %}\n{% docs id_doc %}\nThe id.\n{% enddocs %}\n',
      'models/s.yml':
        'version: 2\nmodels:\n  - name: orders\n    description: "{{ doc(\'orders_doc\') }} and more"\n    columns:\n      - name: id\n        description: "{{ doc(\'id_doc\') }}"\n        data_tests: [unique]\n      - name: other\n',
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    type Cols = Record<string, { doc_blocks: string[] }>;
    const nodes = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { doc_blocks: string[]; columns: Cols; description: string }> }).nodes;
    // dbt: ['doc.mf.orders_doc'] and, for the column, ['doc.mf.id_doc']; the description rendered
    expect(nodes['model.mf.orders']!.doc_blocks).toEqual(['doc.mf.orders_doc']);
    expect(nodes['model.mf.orders']!.description).toBe('The orders. and more');
    expect(nodes['model.mf.orders']!.columns.id!.doc_blocks).toEqual(['doc.mf.id_doc']);
    expect(nodes['model.mf.orders']!.columns.other!.doc_blocks).toEqual([]);
    const test = Object.entries(nodes).find(([id]) => id.startsWith('test.'))![1];
    expect(Object.keys(test).slice(Object.keys(test).indexOf('raw_code'), Object.keys(test).indexOf('raw_code') + 3)).toEqual(['raw_code', 'doc_blocks', 'language']);
    expect(test.doc_blocks).toEqual([]);
  });
});

describe('unit tests in manifest.json as dbt 1.11 writes them', () => {
  it("carry dbt's checksum, and rows as dbt's parser leaves them", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: mf\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/orders.sql': "select 1 as id, 'a' as status",
      'models/stg.sql': "select id from {{ ref('orders') }}",
      'models/s.yml': `version: 2
unit_tests:
  - name: ut_stg
    model: stg
    given:
      - input: ref('orders')
        rows:
          - {id: 1}
    expect:
      rows:
        - {id: 1}
  - name: ut_csv
    model: stg
    overrides:
      vars: {x: 1}
      macros: {is_incremental: true}
    given:
      - input: ref('orders')
        format: csv
        rows: |
          id,status
          ,a
          2,b
    expect:
      rows:
        - {id: null}
        - {id: 2}
`,
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    type Fixture = { rows: unknown; fixture: null };
    const u = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { unit_tests: Record<string, { checksum: string; given: Fixture[]; expect: Fixture }> }).unit_tests;
    // dbt-core 1.11.16's checksums for the same YAML
    expect(u['unit_test.mf.stg.ut_stg']!.checksum).toBe('033197568da663acb6590c88409ac003e8b2a0b93ed454e813df94fb0a26cb13');
    expect(u['unit_test.mf.stg.ut_csv']!.checksum).toBe('d79c7495594af546c7167f6d321e51b038d613c72f98052ed77ad924dde8ff70');
    // csv text read into rows of strings ('' as null), the first row without nulls moved to the top
    expect(u['unit_test.mf.stg.ut_csv']!.given[0]).toMatchObject({ rows: [{ id: '2', status: 'b' }, { id: null, status: 'a' }], fixture: null });
    expect(u['unit_test.mf.stg.ut_csv']!.expect.rows).toEqual([{ id: 2 }, { id: null }]);
    // dbt's other keys (created_at aside): path under the resource folder, overrides null when none
    expect(u['unit_test.mf.stg.ut_stg']).toMatchObject({ path: 's.yml', overrides: null, config: { tags: [], meta: {}, enabled: true, static_analysis: null }, schema: 'main', versions: null, version: null });
    expect(u['unit_test.mf.stg.ut_csv']).toMatchObject({ overrides: { macros: { is_incremental: true }, vars: { x: 1 }, env_vars: {} } });
  });
});

describe('exposures in manifest.json as dbt 1.11 writes them', () => {
  it('merge tags (sorted) and meta of the entry and its config into both places', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id',
      'models/s.yml':
        "version: 2\nexposures:\n  - name: dash\n    type: dashboard\n    owner: {name: A}\n    depends_on: [ref('m')]\n    meta: {top: 1}\n    config:\n      meta: {conf: 2}\n      tags: [zz]\n    tags: [mm, aa]\n",
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const e = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { exposures: Record<string, { config: unknown; meta: unknown; tags: unknown }> }).exposures['exposure.p.dash']!;
    // dbt-core 1.11.16: config {'enabled': True, 'tags': ['aa', 'mm', 'zz'], 'meta': {'top': 1, 'conf': 2}}
    expect(JSON.stringify(e.config)).toBe(JSON.stringify({ enabled: true, tags: ['aa', 'mm', 'zz'], meta: { top: 1, conf: 2 } }));
    expect(e.meta).toEqual({ top: 1, conf: 2 });
    expect(e.tags).toEqual(['aa', 'mm', 'zz']);
  });
});

describe("data tests' unrendered_config as dbt 1.11 writes it", () => {
  it('the folder configs as written, then the entry or config() calls (checked with dbt-core 1.11.16)', async () => {
    const dir = testdir({
      'dbt_project.yml':
        "name: shop\nprofile: p\nvars:\n  floor: 250\ndata_tests:\n  shop:\n    +store_failures: false\n    +meta: {k: \"{{ target.name }}\"}\n    sub:\n      +severity: \"{{ 'warn' }}\"\n    marts:\n      +tags: [\"mt\"]\n",
      'profiles.yml': PROFILE,
      'models/marts/customers.sql': 'select 1 as customer_id, 2 as number_of_orders',
      'models/marts/_marts.yml': `version: 2
models:
  - name: customers
    data_tests:
      - expr_true:
          arguments:
            expr: "customer_id is not null"
          config:
            severity: warn
            warn_if: ">10"
            meta: {owner: "{{ var('floor') }}"}
    columns:
      - name: customer_id
        data_tests:
          - unique:
              config:
                severity: warn
                where: "customer_id > 0"
                tags: ["pk", "{{ 'x' ~ 'y' }}"]
                store_failures: true
          - not_null:
              severity: error
              tags: colonly
          - relationships:
              arguments:
                to: ref('customers')
                field: customer_id
      - name: number_of_orders
        data_tests:
          - not_null:
              config:
                where: "number_of_orders >= {{ var('floor') }}"
                severity: "{{ 'warn' }}"
                limit: 5
                fail_calc: "count(*)"
                custom_key: "{{ 1 + 1 }}"
                enabled: true
          - accepted_values:
              name: my_named_test
              arguments:
                values: [0, 1, 2]
              config:
                tags: [named]
                error_if: ">100"
`,
      'tests/generic/expr.sql': '{% test expr_true(model, expr) %}\nselect * from {{ model }} where not ({{ expr }})\n{% endtest %}\n',
      'tests/assert_positive.sql': "{{ config(severity='warn', tags=['sing'], where=var('w', 'amount > 0'), meta={'a': 1}) }}\nselect * from {{ ref('customers') }} where customer_id < 0\n",
      'tests/assert_plain_cfg.sql': '{{ config(store_failures=true) }}\n{{ config(limit=3) }}\nselect 1 as x where false\n',
      'tests/sub/assert_sub.sql': 'select 1 as y where false\n',
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; unrendered_config: unknown }> }).nodes;
    const of = (name: string) => JSON.stringify(Object.values(nodes).find((n) => n.name === name)!.unrendered_config);
    const tree = '"store_failures":false,"meta":{"k":"{{ target.name }}"}';
    // (key order as dbt's: a key the folders set keeps its place)
    expect(of('unique_customers_customer_id')).toBe(`{"store_failures":true,"meta":{"k":"{{ target.name }}"},"tags":["pk","{{ 'x' ~ 'y' }}"],"severity":"warn","where":"customer_id > 0"}`);
    expect(of('not_null_customers_customer_id')).toBe(`{${tree},"tags":"colonly","severity":"error"}`);
    expect(of('not_null_customers_number_of_orders')).toBe(`{${tree},"tags":["mt"],"severity":"warn","enabled":true,"where":"number_of_orders >= 250","limit":5,"fail_calc":"count(*)","custom_key":"2"}`);
    // A test other than unique and not_null: dbt merges its entry's configs twice (tags listed twice).
    expect(of('my_named_test')).toBe(`{${tree},"tags":["named","named"],"error_if":">100"}`);
    expect(of('expr_true_customers_customer_id_is_not_null')).toBe(`{"store_failures":false,"meta":{"owner":"{{ var('floor') }}"},"tags":["mt"],"severity":"warn","warn_if":">10"}`);
    // A hashed name: its short name as the alias.
    expect(of('relationships_customers_customer_id__customer_id__ref_customers_')).toBe(`{${tree},"tags":["mt"],"alias":"relationships_customers_ee5c1285fef89873b45e9053305ce185"}`);
    // Singular tests: their config() calls, rendered and merged in order.
    expect(of('assert_positive')).toBe('{"store_failures":false,"meta":{"a":1},"severity":"warn","tags":["sing"],"where":"amount > 0"}');
    expect(of('assert_plain_cfg')).toBe(`{"store_failures":true,"meta":{"k":"{{ target.name }}"},"limit":3}`);
    expect(of('assert_sub')).toBe(`{${tree},"severity":"{{ 'warn' }}"}`);
    // (a model with nothing configured for it)
    expect(of('customers')).toBe('{}');
  });
});

describe("models', seeds', snapshots' and analyses' unrendered_config as dbt 1.11 writes it", () => {
  it('folder configs as written, then the property file config:, then config() calls (checked with dbt-core 1.11.16)', async () => {
    const dir = testdir({
      'dbt_project.yml': `name: shop
profile: p
vars:
  floor: 250
models:
  shop:
    +materialized: view
    staging:
      +tags: ["staging"]
    marts:
      +materialized: table
      +tags: ["marts"]
      +meta: {owner: "{{ target.name }}"}
      customers:
        +persist_docs: {relation: true}
seeds:
  shop:
    +tags: ["raw"]
    raw_orders:
      +quote_columns: false
`,
      'profiles.yml': PROFILE,
      'models/staging/stg.sql': 'select 1 as id',
      'models/marts/orders.sql': "{{ config(tags=['t_' ~ 'sql'], meta={'m': var('floor')}) }}\n{{ config(tags=['second']) }}\nselect * from {{ ref('stg') }}",
      'models/marts/customers.sql': "select * from {{ ref('stg') }}",
      'models/marts/plain.sql': "select * from {{ ref('stg') }}",
      'models/marts/_marts.yml': 'version: 2\nmodels:\n  - name: customers\n    config:\n      tags: ["yml"]\n      contract: {enforced: false}\n',
      'seeds/raw_orders.csv': 'id\n1\n',
      'seeds/raw_payments.csv': 'amount\n1\n',
      'seeds/_seeds.yml': 'version: 2\nseeds:\n  - name: raw_payments\n    config:\n      column_types: {amount: integer}\n      tags: ["pay"]\n',
      'snapshots/snap.yml': "snapshots:\n  - name: orders_snap\n    relation: ref('stg')\n    config:\n      unique_key: id\n      strategy: check\n      check_cols: all\n",
      'analyses/a1.sql': "{{ config(tags=['an']) }}\nselect 1 as a\n",
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { unrendered_config: unknown }> }).nodes;
    const of = (id: string) => JSON.stringify(nodes[id]!.unrendered_config);
    expect(of('model.shop.stg')).toBe('{"materialized":"view","tags":["staging"]}');
    // config() calls merged (tags appended), rendered; the folders' meta replaced whole
    expect(of('model.shop.orders')).toBe('{"materialized":"table","tags":["t_sql","second"],"meta":{"m":250}}');
    expect(of('model.shop.customers')).toBe(`{"materialized":"table","tags":["yml"],"meta":{"owner":"{{ target.name }}"},"persist_docs":{"relation":true},"contract":{"enforced":false}}`);
    expect(of('model.shop.plain')).toBe(`{"materialized":"table","tags":["marts"],"meta":{"owner":"{{ target.name }}"}}`);
    // analyses take the models: folder configs
    expect(of('analysis.shop.a1')).toBe('{"materialized":"view","tags":["an"]}');
    expect(of('seed.shop.raw_payments')).toBe('{"tags":["pay"],"column_types":{"amount":"integer"}}');
    expect(of('seed.shop.raw_orders')).toBe('{"tags":["raw"],"quote_columns":false}');
    expect(of('snapshot.shop.orders_snap')).toBe('{"unique_key":"id","strategy":"check","check_cols":"all"}');
  });
});

describe('store_failures and store_failures_as as dbt 1.11 settles them', () => {
  it('in manifest.json and in what is stored (checked with dbt-core 1.11.16)', async () => {
    const test = (name: string, config: string) => `          - not_null:\n              name: ${name}\n              config: {${config}, severity: warn}\n`;
    const dir = testdir({
      'dbt_project.yml': 'name: sf\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id union all select null',
      'models/s.yml':
        'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n' +
        test('t_true', 'store_failures: true') +
        test('t_false', 'store_failures: false') +
        test('t_view', 'store_failures_as: view') +
        test('t_eph', 'store_failures_as: ephemeral, store_failures: true') +
        test('t_none', 'enabled: true'),
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; config: Record<string, unknown> }> }).nodes;
    const settled = Object.fromEntries(Object.values(nodes).filter((n) => n.name.startsWith('t_')).map((n) => [n.name, [n.config.store_failures, n.config.store_failures_as]]));
    expect(settled).toEqual({ t_true: [true, 'table'], t_false: [false, 'ephemeral'], t_view: [true, 'view'], t_eph: [false, 'ephemeral'], t_none: [null, null] });
    const stored = await queryDuckDb(path.join(dir, 'p.duckdb'), "select table_name, table_type from information_schema.tables where table_schema = 'main_dbt_test__audit' order by 1");
    expect(stored).toEqual([{ table_name: 't_true', table_type: 'BASE TABLE' }, { table_name: 't_view', table_type: 'VIEW' }]);
  });
});

describe("a generic data test's config.tags as dbt 1.11 writes them", () => {
  it("lists the folders' tags, then the entry's as written, and the entry's again unless unique or not_null; node tags the entry's sorted, then the rest, each once", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: tg\nprofile: p\nmodels:\n  tg:\n    +tags: ["pm"]\ndata_tests:\n  tg:\n    +tags: ["pt"]\n',
      'profiles.yml': PROFILE,
      'models/m1.sql': "select 1 as id, 'x' as s",
      'macros/g.sql': '{% test is_pos(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} < 0\n{% endtest %}\n',
      'tests/sing.sql': "{{ config(tags=['st']) }}\nselect * from {{ ref('m1') }} where false\n",
      'models/s.yml': `version: 2
models:
  - name: m1
    config:
      tags: ['my']
    columns:
      - name: id
        data_tests:
          - unique:
              config: {tags: ['a', 'b']}
          - not_null:
              config: {tags: ['z', 'z']}
          - accepted_values:
              arguments: {values: [1]}
              config: {tags: ['a', 'b']}
          - is_pos:
              tags: ['a', 'b']
          - is_pos:
              name: pos_cfg
              config: {tags: ['c', 'a']}
          - is_pos:
              name: pos_pt
              config: {tags: ['pt', 'q']}
          - is_pos:
              name: pos_none
      - name: s
        data_tests:
          - accepted_values:
              arguments: {values: ['x']}
              tags: 'solo'
`,
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; tags: string[]; config: { tags: string[] } }> }).nodes;
    const of = (name: string) => Object.values(nodes).find((n) => n.name === name)!;
    // dbt-core 1.11.16's config.tags and node tags for the same project: node tags are the
    // entry's sorted, then the config's others in order.
    const expected: Record<string, [string[], string[]]> = {
      unique_m1_id: [['pt', 'a', 'b'], ['a', 'b', 'pt']],
      not_null_m1_id: [['pt', 'z', 'z'], ['z', 'pt']],
      accepted_values_m1_id__1: [['pt', 'a', 'b', 'a', 'b'], ['a', 'b', 'pt']],
      is_pos_m1_id: [['pt', 'a', 'b', 'a', 'b'], ['a', 'b', 'pt']],
      pos_cfg: [['pt', 'c', 'a', 'c', 'a'], ['a', 'c', 'pt']],
      pos_pt: [['pt', 'pt', 'q', 'pt', 'q'], ['pt', 'q']],
      pos_none: [['pt'], ['pt']],
      accepted_values_m1_s__x: [['pt', 'solo', 'solo'], ['solo', 'pt']],
      sing: [['pt', 'st'], ['pt', 'st']],
      m1: [['pm', 'my'], ['pm', 'my']],
    };
    for (const [name, [config, tags]] of Object.entries(expected)) {
      expect(of(name).config.tags, name).toEqual(config);
      expect(of(name).tags, name).toEqual(tags);
    }
    // Selection by tag reads each tag once, as before.
    const ls = await kiln(['ls', '-s', 'tag:a', '--output', 'name'], dir);
    expect(ls.stdout.trim().split('\n').sort()).toEqual(['accepted_values_m1_id__1', 'is_pos_m1_id', 'pos_cfg', 'unique_m1_id']);
  });
});
