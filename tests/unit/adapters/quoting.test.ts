// dbt's `quoting:` settings in the SQL kiln writes: relation names under each policy, the DDL of
// each database, the names a database stores for unquoted parts, and the PostgreSQL connection's
// reading of its own DDL with bare parts (it keeps views across swaps and its cache by them).
import { describe, expect, it } from 'vitest';
import type { AdapterCapabilities, QuotePolicy, Relation, RelationName } from '../../../adapters/adapter.js';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { cascadeDropTarget, dialectCreate, dialectRename } from '../../../adapters/postgres/cascade.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { foldAsciiLower, renderRelation, storedName } from '../../../adapters/sql-quoting.js';
import { trinoDialect } from '../../../adapters/trino/dialect.js';
import { RelationValue } from '../../../core/compiler/relation.js';
import { planNode, type Plan, type Step } from '../../../core/materializations/plan.js';
import type { ParsedNode } from '../../../core/nodes.js';
import { quotePolicyOf, quotingSettings, sourceRelation, sourceRelationInProject } from '../../../core/project/quoting.js';

const policy = (database: boolean, schema: boolean, identifier: boolean): QuotePolicy => ({ database, schema, identifier });
const name = (quoting?: QuotePolicy): RelationName => ({ database: 'Db', schema: 'My_Schema', identifier: 'MyModel', ...(quoting ? { quoting } : {}) });

describe('relation names under each quote policy', () => {
  it('quotes exactly the parts the policy quotes', () => {
    expect(renderRelation(name())).toBe('"Db"."My_Schema"."MyModel"');
    expect(renderRelation(name(policy(true, true, true)))).toBe('"Db"."My_Schema"."MyModel"');
    expect(renderRelation(name(policy(true, true, false)))).toBe('"Db"."My_Schema".MyModel');
    expect(renderRelation(name(policy(true, false, true)))).toBe('"Db".My_Schema."MyModel"');
    expect(renderRelation(name(policy(false, true, true)))).toBe('Db."My_Schema"."MyModel"');
    expect(renderRelation(name(policy(false, false, false)))).toBe('Db.My_Schema.MyModel');
    // A quoted part still doubles its quotes.
    expect(renderRelation({ database: 'd', schema: 'a"b', identifier: 'x', quoting: policy(true, true, false) })).toBe('"d"."a""b".x');
  });

  it('every dialect renders the same way', () => {
    for (const d of [duckdbDialect, postgresDialect('Db'), trinoDialect]) {
      expect(d.renderRelation(name(policy(true, false, false)))).toBe('"Db".My_Schema.MyModel');
    }
  });

  it('names the database stores for unquoted parts: PostgreSQL lowers ASCII letters only, DuckDB keeps them, Trino lowers', () => {
    expect(foldAsciiLower('MyModel_Ü1')).toBe('mymodel_Ü1');
    const rel = name(policy(true, false, false));
    expect(storedName(rel, postgresDialect('Db').foldUnquoted)).toEqual({ database: 'Db', schema: 'my_schema', identifier: 'mymodel' });
    expect(storedName(rel, duckdbDialect.foldUnquoted)).toEqual({ database: 'Db', schema: 'My_Schema', identifier: 'MyModel' });
    expect(storedName(rel, trinoDialect.foldUnquoted)).toEqual({ database: 'Db', schema: 'my_schema', identifier: 'mymodel' });
    // No policy: the same object, names exact.
    const exact = name();
    expect(storedName(exact, foldAsciiLower)).toBe(exact);
  });

  it('create schema and rename write the parts as the policy says', () => {
    const q = policy(true, false, false);
    const existing: Relation = { database: 'Db', schema: 'my_schema', identifier: 'mymodel', type: 'table' };
    expect(postgresDialect('Db').createSchema('Db', 'My_Schema', q)).toBe('create schema if not exists My_Schema');
    expect(postgresDialect('Db').createSchema('Db', 'My_Schema')).toBe('create schema if not exists "My_Schema"');
    expect(duckdbDialect.createSchema('Db', 'My_Schema', q)).toBe('create schema if not exists "Db".My_Schema');
    expect(trinoDialect.createSchema('Db', 'My_Schema', q)).toBe('create schema if not exists "Db".My_Schema');
    expect(postgresDialect('Db').rename(existing, 'MyModel__dbt_backup', false)).toBe('alter table "Db"."my_schema"."mymodel" rename to MyModel__dbt_backup');
    expect(duckdbDialect.rename(existing, 'MyModel__dbt_backup', false)).toBe('alter table "Db"."my_schema"."mymodel" rename to MyModel__dbt_backup');
    expect(trinoDialect.rename(existing, 'MyModel__dbt_backup', false)).toBe('alter table "Db"."my_schema"."mymodel" rename to "Db"."my_schema".MyModel__dbt_backup');
    expect(postgresDialect('Db').rename(existing, 'X')).toBe('alter table "Db"."my_schema"."mymodel" rename to "X"');
  });

  it("PostgreSQL's catalog queries look for the stored names", () => {
    const d = postgresDialect('Db');
    expect(d.grantsQuery!(name(policy(true, false, false)))).toContain("table_schema = 'my_schema' and table_name = 'mymodel'");
    expect(d.uniqueIndexesQuery!(name(policy(true, true, false)))).toContain("n.nspname = 'My_Schema' and c.relname = 'mymodel'");
  });
});

describe("the PostgreSQL connection reads the dialect's DDL with bare parts", () => {
  it('as the stored names', () => {
    expect(cascadeDropTarget('drop table if exists "Db".My_Schema.MyModel__dbt_backup cascade')).toEqual({ database: 'Db', schema: 'my_schema', identifier: 'mymodel__dbt_backup' });
    expect(dialectRename('alter table "Db"."my_schema"."mymodel" rename to MyModel__dbt_backup')).toEqual({
      from: { database: 'Db', schema: 'my_schema', identifier: 'mymodel' },
      to: 'mymodel__dbt_backup',
    });
    expect(dialectCreate('create table "Db".My_Schema.MyModel__dbt_tmp as (\nselect 1\n)')).toEqual({ database: 'Db', schema: 'my_schema', identifier: 'mymodel__dbt_tmp' });
    // Quoted parts as before.
    expect(dialectRename('alter view "d"."s"."A""b" rename to "C"')).toEqual({ from: { database: 'd', schema: 's', identifier: 'A"b' }, to: 'C' });
  });
});

describe('quoting settings and policies', () => {
  it('later layers win part by part; only booleans count; all quoted is no policy', () => {
    const project = quotingSettings({ identifier: false, schema: 'no', column: true });
    expect(project).toEqual({ database: null, schema: null, identifier: false, column: true });
    expect(quotePolicyOf(project)).toEqual(policy(true, true, false));
    expect(quotePolicyOf(quotingSettings({}))).toBeUndefined();
    const source = quotingSettings({ identifier: false }, { database: false, identifier: true });
    expect(source).toEqual({ database: false, schema: null, identifier: true, column: null });
    expect(quotePolicyOf(project, source)).toEqual(policy(false, true, true));
    // Shared objects: one per policy.
    expect(quotePolicyOf(project)).toBe(quotePolicyOf(quotingSettings({ identifier: false })));
  });

  it("a source renders with its own quoting in source(), over the project's in the manifest", () => {
    const s = { database: 'db', schema: 'raw', identifier: 'Events', quotePolicy: policy(true, true, false), projectQuotePolicy: policy(true, false, false) };
    expect(renderRelation(sourceRelation(s))).toBe('"db"."raw".Events');
    expect(renderRelation(sourceRelationInProject(s))).toBe('"db".raw.Events');
  });
});

describe('templates see relations under the policy', () => {
  const rel = new RelationValue(name(policy(true, true, false)), postgresDialect('Db'));

  it('this, include(), quote() and incorporate()', () => {
    expect(String(rel)).toBe('"Db"."My_Schema".MyModel');
    expect(String(rel.include({ database: false }))).toBe('"My_Schema".MyModel');
    expect(String(rel.quote({ identifier: true }))).toBe('"Db"."My_Schema"."MyModel"');
    expect(String(rel.quote({ schema: false }))).toBe('"Db".My_Schema.MyModel');
    expect(String(rel.incorporate({ path: { identifier: 'Other' } }))).toBe('"Db"."My_Schema".Other');
  });
});

describe('plans write the node as the policy says and move the folded relation aside', () => {
  const caps: AdapterCapabilities = { supportsTransactionalDdl: true, supportsMerge: true, supportsCreateOrReplaceView: true, maxIdentifierLength: 63, incrementalStrategies: ['append', 'delete+insert'], supportsIndexes: false };
  const node = (materialized: string, extra: Record<string, unknown> = {}): ParsedNode =>
    ({
      uniqueId: 'model.p.MyModel',
      resourceType: 'model',
      name: 'MyModel',
      originalFilePath: 'models/MyModel.sql',
      database: 'db',
      schema: 's',
      alias: 'MyModel',
      quotePolicy: policy(true, true, false),
      description: '',
      columns: {},
      config: { materialized, ...extra },
    }) as unknown as ParsedNode;
  // What the cache answers: the stored (folded) name, exact.
  const existing: Relation = { database: 'db', schema: 's', identifier: 'mymodel', type: 'table' };
  const shape = (plan: Plan): string[] => plan.steps.map((s: Step) => (s.kind === 'sql' ? s.sql.split(' as (')[0].split('\n')[0] : s.kind));

  it('table (PostgreSQL swap)', () => {
    const plan = planNode(node('table'), 'select 1 as id', { existing, leftovers: [] }, { dialect: postgresDialect('db'), capabilities: caps });
    expect(shape(plan)).toEqual([
      'begin',
      'create table "db"."s".MyModel__dbt_tmp',
      'alter table "db"."s"."mymodel" rename to MyModel__dbt_backup',
      'alter table "db"."s".MyModel__dbt_tmp rename to MyModel',
      'drop table if exists "db"."s".MyModel__dbt_backup cascade',
      'commit',
    ]);
    expect(plan.result).toMatchObject({ identifier: 'MyModel', quoting: policy(true, true, false) });
  });

  it('incremental (delete+insert into the existing table)', () => {
    const plan = planNode(node('incremental', { unique_key: 'id' }), 'select 1 as id', { existing, leftovers: [] }, { dialect: postgresDialect('db'), capabilities: caps });
    const sql = plan.steps.flatMap((s) => (s.kind === 'sql' ? [s.sql] : s.kind === 'inspect' ? s.then([[{ name: 'id', dataType: 'integer', index: 1 }], [{ name: 'id', dataType: 'integer', index: 1 }]]).flatMap((t) => (t.kind === 'sql' ? [t.sql] : [])) : []));
    expect(sql.join('\n')).toContain('"db"."s".MyModel__dbt_tmp');
    expect(sql.join('\n')).toMatch(/(delete from|insert into) "db"\."s"\.MyModel /);
    expect(sql.join('\n')).not.toContain('"MyModel');
  });

  it('seed (DuckDB)', () => {
    const seed = { file: '/x.csv', delimiter: ',', columns: [{ name: 'id', sqlType: 'INTEGER' }], quoteColumns: true, rowCount: 1 };
    const plan = planNode(node('seed'), '', { existing: null, leftovers: [] }, { dialect: duckdbDialect, capabilities: { ...caps, supportsTransactionalDdl: true } }, seed);
    expect(shape(plan)).toEqual(['begin', 'create table "db"."s".MyModel__dbt_tmp (', 'load', 'alter table "db"."s".MyModel__dbt_tmp rename to MyModel', 'commit']);
  });
});
