// The pure parts of schema design: constraint entries validated, contract differences listed,
// grants diffed against the catalog's rows, and the DDL each dialect writes for a contracted table.
import { describe, expect, it } from 'vitest';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { connectorCapabilities } from '../../../adapters/trino/connectors.js';
import { openSession } from '../../../core/cli/session.js';
import { Problems } from '../../../core/errors.js';
import { checkCapabilities } from '../../../core/materializations/capability-check.js';
import { testdir } from '../../helpers/testdir.js';
import { contractDifferences, typeKey } from '../../../core/materializations/contract.js';
import { grantConfig, grantDiff } from '../../../core/materializations/grants-and-docs.js';
import { parseConstraints, parseRefText } from '../../../core/project/constraints.js';

const loc = { file: 'models/schema.yml', line: 4 };

describe('constraint entries', () => {
  it("reads dbt's shapes: column-level, model-level with columns, foreign keys by ref or expression", () => {
    const problems = new Problems();
    const col = parseConstraints([{ type: 'not_null' }, { type: 'foreign_key', to: "ref('customers')", to_columns: ['id'], name: 'fk_c' }, { type: 'foreign_key', expression: 'other.t (id)' }], 'customer_id', loc, problems, 'orders');
    expect(problems.errors).toEqual([]);
    expect(col.map((c) => [c.type, c.columns, c.to, c.toColumns, c.expression, c.name])).toEqual([
      ['not_null', ['customer_id'], null, [], null, null],
      ['foreign_key', ['customer_id'], "ref('customers')", ['id'], null, 'fk_c'],
      ['foreign_key', ['customer_id'], null, [], 'other.t (id)', null],
    ]);
    const model = parseConstraints([{ type: 'primary_key', columns: ['a', 'b'] }, { type: 'check', expression: 'a < b' }], null, loc, problems, 'm');
    expect(model.map((c) => [c.type, c.columns, c.onColumn])).toEqual([
      ['primary_key', ['a', 'b'], false],
      ['check', [], false],
    ]);
  });

  it('collects every bad entry with its location', () => {
    const problems = new Problems();
    parseConstraints([{ type: 'primary' }, 'not_null', { type: 'check' }, { type: 'foreign_key', columns: ['c'], to: 'customers' }, { type: 'unique' }], null, loc, problems, 'm');
    expect(problems.errors.map((e) => e.message)).toEqual([
      'In m, constraint type "primary" is not one of not_null, unique, primary_key, foreign_key, check, custom',
      'In m, a constraint must be a mapping with a `type`, got "not_null"',
      'In m, a `check` constraint needs an `expression`',
      'In m, foreign_key `to: customers` is not a ref',
      'In m, a model-level `unique` constraint needs `columns`',
    ]);
    expect(problems.errors.every((e) => e.loc === loc)).toBe(true);
  });

  it('parses the ref() forms `to:` takes', () => {
    expect(parseRefText("ref('x')")).toEqual({ name: 'x' });
    expect(parseRefText('ref("pkg", "x")')).toEqual({ package: 'pkg', name: 'x' });
    expect(parseRefText("ref('x', v=2)")).toEqual({ name: 'x' });
    expect(parseRefText('x')).toBeNull();
  });
});

describe('contract differences', () => {
  const declared = [
    { name: 'id', dataType: 'integer', constraints: [] },
    { name: 'name', dataType: 'varchar(20)', constraints: [] },
    { name: 'gone', dataType: 'date', constraints: [] },
  ];
  const col = (name: string, dataType: string, index: number) => ({ name, dataType, index });

  it('lists missing, extra and retyped columns; size and case do not matter', () => {
    const actual = [col('ID', 'integer', 1), col('name', 'integer', 2), col('extra', 'text', 3)];
    const declaredTypes = [col('id', 'integer', 1), col('name', 'character varying(20)', 2), col('gone', 'date', 3)];
    expect(contractDifferences(declared, actual, declaredTypes)).toEqual([
      'name: declared varchar(20) (character varying(20)), the query returns integer',
      'gone: declared (date) but the query does not return it',
      'extra: returned by the query (text) but not declared in the contract',
    ]);
    expect(typeKey('NUMERIC(10, 2)')).toBe(typeKey('numeric'));
  });

  it('finds no difference when the database names both sides alike', () => {
    const actual = [col('id', 'integer', 1), col('name', 'character varying', 2), col('gone', 'date', 3)];
    const declaredTypes = [col('id', 'integer', 1), col('name', 'character varying(20)', 2), col('gone', 'date', 3)];
    expect(contractDifferences(declared, actual, declaredTypes)).toEqual([]);
  });
});

describe('grants', () => {
  it('grants what is missing and revokes what is no longer configured', () => {
    const wanted = grantConfig({ config: { enabled: true, materialized: 'table', tags: [], meta: {}, grants: { select: ['Reporter', 'bi'], insert: 'loader' } } });
    expect([...wanted]).toEqual([
      ['select', ['Reporter', 'bi']],
      ['insert', ['loader']],
    ]);
    const diff = grantDiff(wanted, [
      ['reporter', 'SELECT'],
      ['old_role', 'SELECT'],
      ['bi', 'UPDATE'],
    ]);
    expect([...diff.revoke]).toEqual([
      ['select', ['old_role']],
      ['update', ['bi']],
    ]);
    expect([...diff.grant]).toEqual([
      ['select', ['bi']],
      ['insert', ['loader']],
    ]);
  });
});

describe('contracted table DDL', () => {
  const rel = { database: 'db', schema: 's', identifier: 't__dbt_tmp' };
  const columns = [
    { name: 'id', dataType: 'integer', constraints: [{ type: 'primary_key', name: null, expression: null, columns: ['id'], references: null }] },
    {
      name: 'customer_id',
      dataType: 'bigint',
      constraints: [
        { type: 'not_null', name: null, expression: null, columns: ['customer_id'], references: null },
        { type: 'foreign_key', name: 'fk_c', expression: null, columns: ['customer_id'], references: { relation: { database: 'db', schema: 's', identifier: 'customers' }, columns: ['id'] } },
      ],
    },
  ];
  const table = [{ type: 'check', name: 'positive', expression: 'id > 0', columns: [], references: null }, { type: 'unique', name: null, expression: null, columns: ['id', 'customer_id'], references: null }];

  it('is the same standard DDL on PostgreSQL and DuckDB', () => {
    const expected = [
      'create table "db"."s"."t__dbt_tmp" (',
      '  "id" integer primary key,',
      '  "customer_id" bigint not null constraint "fk_c" references "db"."s"."customers" ("id"),',
      '  constraint "positive" check (id > 0),',
      '  unique ("id", "customer_id")',
      ')',
    ].join('\n');
    expect(postgresDialect('db').createContractTable!(rel, columns, table)).toBe(expected);
    expect(duckdbDialect.createContractTable!(rel, columns, table)).toBe(expected);
    expect(duckdbDialect.insertSelect!(rel, ['id', 'customer_id'], 'select 1 as id, 2 as customer_id;')).toBe(
      'insert into "db"."s"."t__dbt_tmp" ("id", "customer_id")\nselect "id", "customer_id"\nfrom (\nselect 1 as id, 2 as customer_id\n) as model_subq',
    );
    expect(postgresDialect('db').comment!({ ...rel, type: 'view' }, null, "it's")).toBe(`comment on view "db"."s"."t__dbt_tmp" is 'it''s'`);
  });
});

describe('constraints a database leaves out', () => {
  it('are one warning per constraint type on Trino, naming the models; indexes one more', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n',
      'models/a.sql': 'select 1 as id',
      'models/b.sql': 'select 1 as id',
      'models/v.sql': 'select 1 as id',
      'models/schema.yml': `version: 2
models:
  - name: a
    config: {materialized: table, contract: {enforced: true}, indexes: [{columns: [id]}]}
    columns: [{name: id, data_type: integer, constraints: [{type: not_null}, {type: primary_key}]}]
  - name: b
    config: {materialized: table, contract: {enforced: true}}
    columns: [{name: id, data_type: integer, constraints: [{type: not_null}, {type: check, expression: id > 0, warn_unsupported: false}]}]
  - name: v
    config: {materialized: view, contract: {enforced: true}}
    columns: [{name: id, data_type: integer, constraints: [{type: not_null}]}]
`,
    });
    const session = await openSession({ command: 'build', logFormat: 'text', color: false }, dir);
    const problems = new Problems();
    const ids = new Set([...session.manifest.nodes.keys()]);
    checkCapabilities(session.manifest, ids, () => connectorCapabilities('memory', 'memory'), problems);
    expect(problems.errors).toEqual([]);
    expect(problems.warnings.map((w) => [w.code, w.message])).toEqual([
      ['KLN509', "`indexes` are not created by Trino connector 'memory' (catalog memory); ignored on a"],
      ['KLN509', "primary_key constraints are not enforced by Trino connector 'memory' (catalog memory); declared on a, they are recorded in the manifest and docs but not created"],
      ['KLN509', 'not_null constraints are not enforced on views (a view holds no constraints); declared on v, they are recorded in the manifest and docs but not created'],
    ]);
  });
});
