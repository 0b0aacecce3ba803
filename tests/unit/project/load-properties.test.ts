import { describe, expect, it } from 'vitest';
import { Codes, Problems } from '../../../core/errors.js';
import { parsePropertyFile } from '../../../core/project/load-properties.js';
import { envRenderer } from './render-env.js';

function parse(text: string, render = envRenderer({ DB: 'raw_db' })) {
  const problems = new Problems();
  const pf = parsePropertyFile('models/schema.yml', text, problems, render);
  return { pf, problems };
}

const MODELS = `version: 2

models:
  - name: orders
    description: "{{ doc('orders') }}"
    config:
      materialized: table
      tags: [finance]
    meta: {owner: ann}
    docs: {show: true}
    columns:
      - name: id
        description: Primary key
        data_type: integer
        tests: [unique, not_null]
      - name: status
        meta: {pii: false}
        config:
          meta: {x: 1}
          tags: [t]
        data_tests:
          - accepted_values:
              values: ['a', 'b']
        constraints:
          - type: not_null
        quote: true
    data_tests:
      - dbt_utils.expression_is_true:
          expression: "id > 0"
  - name: customers
`;

describe('parsePropertyFile: models', () => {
  it('reads entries, columns and tests as written', () => {
    const { pf, problems } = parse(MODELS);
    expect(problems.errors).toEqual([]);
    expect(problems.warnings).toEqual([]);
    expect(pf.path).toBe('models/schema.yml');
    expect(pf.models).toHaveLength(2);
    const [orders, customers] = pf.models;
    expect(orders).toMatchObject({
      name: 'orders',
      description: "{{ doc('orders') }}",
      config: { materialized: 'table', tags: ['finance'] },
      meta: { owner: 'ann' },
      extra: { docs: { show: true } },
      loc: { file: 'models/schema.yml', line: 4 },
      dataTests: [{ 'dbt_utils.expression_is_true': { expression: 'id > 0' } }],
    });
    expect(orders!.columns[0]).toMatchObject({ name: 'id', description: 'Primary key', data_type: 'integer', data_tests: ['unique', 'not_null'], meta: {}, tags: [], quote: null, loc: { line: 12 } });
    expect(orders!.columns[1]).toMatchObject({
      name: 'status',
      description: '',
      data_type: null,
      meta: { pii: false, x: 1 },
      tags: ['t'],
      data_tests: [{ accepted_values: { values: ['a', 'b'] } }],
      constraints: [{ type: 'not_null' }],
      quote: true,
    });
    expect(customers).toMatchObject({ name: 'customers', description: '', config: {}, columns: [], dataTests: [], meta: {} });
  });

  it('treats an empty file and a missing version as fine', () => {
    expect(parse('').pf.models).toEqual([]);
    expect(parse('models:\n  - name: a\n').pf.models[0]!.name).toBe('a');
  });

  it('reads seeds, snapshots, analyses and records the rest', () => {
    const { pf, problems } = parse(
      'seeds:\n  - name: s\n    config: {delimiter: ";", column_types: {id: int}}\nsnapshots:\n  - name: snap\n    config: {strategy: timestamp, updated_at: u}\nanalyses:\n  - name: an\nexposures:\n  - name: dash\n    type: dashboard\nmacros:\n  - name: m\nunit_tests:\n  - name: u\n    model: a\nsemantic_models:\n  - name: sm\ngroups:\n  - name: g\n',
    );
    expect(problems.errors).toEqual([]);
    expect(pf.seeds[0]!.config).toEqual({ delimiter: ';', column_types: { id: 'int' } });
    expect(pf.snapshots[0]!.config).toEqual({ strategy: 'timestamp', updated_at: 'u' });
    expect(pf.analyses[0]!.name).toBe('an');
    expect(pf.exposures).toEqual([{ name: 'dash', type: 'dashboard' }]);
    expect(pf.macros).toEqual([{ name: 'm' }]);
    expect(pf.unitTests).toEqual([{ name: 'u', model: 'a' }]);
    expect(pf.other).toEqual({ semantic_models: [{ name: 'sm' }], groups: [{ name: 'g' }] });
  });

  it('renders config values but not descriptions or tests', () => {
    const render = envRenderer({ S: 'marts' });
    const { pf } = parse(
      "models:\n  - name: a\n    description: \"{{ env_var('NOPE') }}\"\n    config:\n      schema: \"{{ env_var('S') }}\"\n      enabled: \"{{ env_var('ON', 'false') }}\"\n      post-hook: \"{{ env_var('NOPE') }}\"\n    tests:\n      - x: {arg: \"{{ env_var('NOPE') }}\"}\n",
      render,
    );
    expect(pf.models[0]!.config).toEqual({ schema: 'marts', enabled: false, post_hook: ["{{ env_var('NOPE') }}"] });
    expect(render.calls).toEqual(["{{ env_var('S') }}", "{{ env_var('ON', 'false') }}"]);
  });

  it('rejects tests: and data_tests: on one entry, with the line', () => {
    const { pf, problems } = parse('models:\n  - name: a\n    tests: [x]\n    data_tests: [y]\n  - name: b\n    columns:\n      - name: c\n        tests: [unique]\n        data_tests: [not_null]\n');
    expect(problems.errors.map((e) => [e.code, e.loc?.file, e.loc?.line])).toEqual([
      [Codes.CONFIG_INVALID, 'models/schema.yml', 3],
      [Codes.CONFIG_INVALID, 'models/schema.yml', 8],
    ]);
    expect(problems.errors[0]!.related[0]?.line).toBe(4);
    expect(pf.models.map((m) => m.name)).toEqual(['a', 'b']);
  });

  it('refuses a source or table setting both loaded_at_field and loaded_at_query, at the query line (dbt’s parse error)', () => {
    const { pf, problems } = parse(
      "sources:\n  - name: raw\n    loaded_at_field: at_\n    loaded_at_query: select 1\n    tables:\n      - name: t\n        config:\n          loaded_at_field: x\n          loaded_at_query: select 2\n      - name: fine\n        loaded_at_query: select 3\n",
    );
    expect(problems.errors.map((e) => [e.code, e.loc?.line, e.message])).toEqual([
      [Codes.CONFIG_INVALID, 4, 'source raw sets both loaded_at_field and loaded_at_query; freshness takes one'],
      [Codes.CONFIG_INVALID, 9, 'source table t sets both loaded_at_field and loaded_at_query; freshness takes one'],
    ]);
    expect(pf.sources[0]!.tables.map((t) => t.name)).toEqual(['t', 'fine']);
  });

  it('reports a wrong config type at its line and goes on', () => {
    const { pf, problems } = parse('models:\n  - name: a\n    config:\n      materialized: [table]\n  - name: b\n    config:\n      enabled: nope\n  - name: c\n');
    expect(problems.errors.map((e) => [e.loc?.line, e.message])).toEqual([
      [4, '`materialized` must be a string, got a list'],
      [7, '`enabled` must be true or false, got a string ("nope")'],
    ]);
    expect(pf.models.map((m) => m.name)).toEqual(['a', 'b', 'c']);
  });

  it('warns about an unknown config key with a suggestion', () => {
    const { problems } = parse('models:\n  - name: a\n    config:\n      materlized: table\n');
    expect(problems.warnings[0]).toMatchObject({ code: Codes.CONFIG_UNKNOWN_KEY, loc: { file: 'models/schema.yml', line: 4 } });
    expect(problems.warnings[0]!.message).toContain('did you mean `materialized`');
  });

  it('reports entries without a name, wrong field types and non-list sections', () => {
    const { pf, problems } = parse('models:\n  - description: x\n  - name: b\n    description: [x]\n    columns: {a: 1}\nseeds: {name: s}\n');
    expect(problems.errors.map((e) => [e.loc?.line, e.message])).toEqual([
      [2, 'An entry of `models` has no `name`'],
      [4, '`description` must be a string, got a list'],
      [5, '`columns` must be a list of entries, got a mapping'],
      [6, '`seeds` must be a list of entries, got a mapping'],
    ]);
    expect(pf.models.map((m) => m.name)).toEqual(['b']);
  });

  it('warns about typos in entry keys and unknown top-level keys', () => {
    const { problems } = parse('modles:\n  - name: a\nmodels:\n  - name: b\n    descripton: x\n    columns:\n      - name: c\n        data_type: int\n        desription: y\n');
    expect(problems.warnings.map((w) => [w.loc?.line, w.message])).toEqual([
      [1, 'Unknown key `modles` in models/schema.yml; did you mean `models`?'],
      [5, 'Unknown model key `descripton` in models/schema.yml; did you mean `description`?'],
      [9, 'Unknown column key `desription` in models/schema.yml; did you mean `description`?'],
    ]);
  });

  it('collects a YAML syntax error instead of throwing', () => {
    const { pf, problems } = parse('models:\n  - name: a\n    description: "unterminated\n');
    expect(problems.errors[0]!.code).toBe(Codes.YAML_SYNTAX);
    expect(problems.errors[0]!.loc?.file).toBe('models/schema.yml');
    expect(pf.models).toEqual([]);
  });

  it('reports unquoted Jinja as a YAML error at its line', () => {
    const { problems } = parse("models:\n  - name: a\n    config:\n      schema: {{ var('s') }}\n");
    expect(problems.errors[0]).toMatchObject({ code: Codes.YAML_SYNTAX, loc: { file: 'models/schema.yml', line: 4 } });
  });

  it('locates problems inside flow mappings and CRLF files', () => {
    const { problems } = parse('models:\r\n  - name: a\r\n    config: {tags: [x], materialized: [table]}\r\n');
    expect(problems.errors[0]!.loc).toEqual({ file: 'models/schema.yml', line: 3, col: 25 });
  });

  it('rejects version: 1', () => {
    expect(parse('version: 1\n').problems.errors[0]!.loc?.line).toBe(1);
  });
});

describe('parsePropertyFile: sources', () => {
  const SOURCES = `version: 2
sources:
  - name: shop
    database: "{{ env_var('DB') }}"
    loader: fivetran
    loaded_at_field: _loaded_at
    freshness:
      warn_after: {count: 12, period: hour}
    meta: {team: a}
    tags: shop
    quoting: {identifier: true}
    config:
      enabled: true
    tables:
      - name: orders
        identifier: raw_orders
        description: Orders
        columns:
          - name: id
            tests: [unique]
      - name: customers
        freshness: null
        loaded_at_field: updated_at
        tags: [pii]
        data_tests: [x]
  - name: billing
    schema: raw_billing
    tables:
      - name: invoices
`;

  it('reads sources and tables with dbt defaults', () => {
    const { pf, problems } = parse(SOURCES);
    expect(problems.errors).toEqual([]);
    expect(pf.sources).toHaveLength(2);
    const [shop, billing] = pf.sources;
    expect(shop).toMatchObject({
      name: 'shop',
      description: '',
      database: 'raw_db',
      schema: 'shop',
      loader: 'fivetran',
      loadedAtField: '_loaded_at',
      freshness: { warn_after: { count: 12, period: 'hour' } },
      meta: { team: 'a' },
      tags: ['shop'],
      quoting: { identifier: true },
      config: { enabled: true },
      overrides: null,
      loc: { line: 3 },
    });
    expect(shop!.tables[0]).toMatchObject({ name: 'orders', identifier: 'raw_orders', description: 'Orders', loadedAtField: null, tags: [], loc: { line: 15 } });
    expect(shop!.tables[0]!.freshness).toBeUndefined();
    expect(shop!.tables[0]!.columns[0]).toMatchObject({ name: 'id', data_tests: ['unique'] });
    expect(shop!.tables[1]).toMatchObject({ name: 'customers', identifier: null, freshness: null, loadedAtField: 'updated_at', tags: ['pii'], dataTests: ['x'] });
    expect(billing).toMatchObject({ name: 'billing', schema: 'raw_billing', database: null, loader: '' });
    expect(billing!.tables.map((t) => t.name)).toEqual(['invoices']);
  });

  it('reports bad freshness at its line', () => {
    const { problems } = parse('sources:\n  - name: s\n    tables:\n      - name: t\n        freshness:\n          error_after: {count: x, period: hour}\n');
    expect(problems.errors[0]!.message).toBe('`freshness.error_after.count` must be a number, got a string ("x")');
    expect(problems.errors[0]!.loc?.line).toBe(5);
  });

  it('reports a table without name and keeps the others', () => {
    const { pf, problems } = parse('sources:\n  - name: s\n    tables:\n      - identifier: x\n      - name: t\n');
    expect(problems.errors[0]!.loc?.line).toBe(4);
    expect(pf.sources[0]!.tables.map((t) => t.name)).toEqual(['t']);
  });
});
