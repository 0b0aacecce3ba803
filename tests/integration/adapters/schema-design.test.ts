// Schema design on real DuckDB and PostgreSQL, through the CLI: enforced contracts (every
// difference in one error, nothing built), tables with the declared types and constraints (a
// violated constraint leaves the previous table and rows), indexes, grants (PostgreSQL: checked
// in its catalog, stale grants revoked) and persist_docs as comments.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync as fsWrite } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

type Rows = Record<string, unknown>[];

interface Target {
  readonly name: 'duckdb' | 'postgres';
  project(files: Record<string, string>): string;
  query(dir: string, sql: string): Promise<Rows>;
  /** The table's columns and their types as the catalog names them. */
  columnTypes(dir: string, table: string): Promise<Rows>;
  /** Relations of the schema whose names start with `prefix`. */
  relations(dir: string, prefix: string): Promise<string[]>;
}

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('schema');
});
afterAll(async () => {
  await db?.drop();
});

const duckdb: Target = {
  name: 'duckdb',
  project: (files) =>
    testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n',
      ...files,
    }),
  query: (dir, sql) => queryDuckDb(path.join(dir, 'dev.duckdb'), sql),
  columnTypes: (dir, table) => queryDuckDb(path.join(dir, 'dev.duckdb'), `select column_name as name, data_type as type from duckdb_columns() where table_name = '${table}' order by column_index`),
  relations: async (dir, prefix) =>
    (await queryDuckDb(path.join(dir, 'dev.duckdb'), `select table_name as n from information_schema.tables where table_name like '${prefix}%' order by 1`)).map((r) => String(r.n)),
};

/** Each PostgreSQL project builds into a schema of its own in the file's database. */
let schemas = 0;
const schemaOf = new Map<string, string>();
async function pgQuery(sql: string): Promise<Rows> {
  const c = await adminClient(db.database);
  try {
    return (await c.query(sql)).rows as Rows;
  } finally {
    await c.end();
  }
}
const postgres: Target = {
  name: 'postgres',
  project: (files) => {
    const s = pgServer();
    const schema = `sd_${++schemas}`;
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n      password: ${JSON.stringify(s.password ?? 'x')}\n      dbname: ${db.database}\n      schema: ${schema}\n      threads: 2\n      sslmode: disable\n`,
      ...files,
    });
    schemaOf.set(dir, schema);
    return dir;
  },
  query: (dir, sql) => pgQuery(sql.replaceAll('{schema}', schemaOf.get(dir)!)),
  columnTypes: (dir, table) =>
    pgQuery(
      `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = '${schemaOf.get(dir)}' and c.relname = '${table}' and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    ),
  relations: async (dir, prefix) =>
    (await pgQuery(`select c.relname as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${schemaOf.get(dir)}' and c.relkind in ('r', 'v') and c.relname like '${prefix}%' order by 1`)).map((r) => String(r.n)),
};

/** `{schema}` in SQL is the project's schema (DuckDB: main). */
const rel = (t: Target, dir: string, name: string) => (t.name === 'duckdb' ? `main.${name}` : `${schemaOf.get(dir)}.${name}`);

const CONTRACT_YML = (sqlTypes: { id: string; name: string; amount: string }) => `version: 2
models:
  - name: customers
    description: Customers of the shop
    config:
      materialized: table
      contract: {enforced: true}
      persist_docs: {relation: true, columns: true}
      indexes:
        - {columns: [name]}
    columns:
      - name: id
        data_type: ${sqlTypes.id}
        description: The customer's key
        constraints:
          - type: primary_key
      - name: name
        data_type: ${sqlTypes.name}
        constraints:
          - type: not_null
      - name: amount
        data_type: ${sqlTypes.amount}
        constraints:
          - type: check
            expression: amount >= 0
`;

const GOOD = `select 1 as id, cast('ann' as varchar) as name, cast(5.5 as numeric) as amount
union all select 2, 'bob', 7`;

describe.each([duckdb, postgres])('schema design on $name', (t) => {
  const types = { id: 'integer', name: t.name === 'postgres' ? 'varchar(20)' : 'varchar', amount: 'numeric(10,2)' };

  it('builds a contracted table with the declared types, constraints, index and comments', async () => {
    const dir = t.project({ 'models/customers.sql': GOOD, 'models/schema.yml': CONTRACT_YML(types) });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await t.query(dir, `select id, name from ${rel(t, dir, 'customers')} order by id`)).toEqual([
      { id: 1, name: 'ann' },
      { id: 2, name: 'bob' },
    ]);
    const cols = await t.columnTypes(dir, 'customers');
    expect(cols.map((c) => String(c.type).toLowerCase())).toEqual(t.name === 'postgres' ? ['integer', 'character varying(20)', 'numeric(10,2)'] : ['integer', 'varchar', 'decimal(10,2)']);
    // The declared constraints are in the table's definition.
    if (t.name === 'postgres') {
      const cons = await t.query(dir, `select contype from pg_constraint where conrelid = '{schema}.customers'::regclass order by contype`);
      expect(cons.map((c) => c.contype)).toEqual(['c', 'p']);
      expect((await t.query(dir, `select indexdef from pg_indexes where schemaname = '{schema}' and tablename = 'customers' and indexdef like '%(name)%'`)).length).toBe(1);
      expect(await t.query(dir, `select obj_description('{schema}.customers'::regclass, 'pg_class') as d, col_description('{schema}.customers'::regclass, 1) as c`)).toEqual([
        { d: 'Customers of the shop', c: "The customer's key" },
      ]);
    } else {
      const cons = await t.query(dir, `select constraint_type as t from duckdb_constraints() where table_name = 'customers' order by 1`);
      expect(cons.map((c) => c.t)).toEqual(expect.arrayContaining(['CHECK', 'NOT NULL', 'PRIMARY KEY']));
      // An index would keep the next build from renaming the table: DuckDB warns once instead.
      expect(r.output.match(/warning\[KLN509\] `indexes` are not created on this database; ignored on customers/g)).toHaveLength(1);
      expect(await t.query(dir, `select comment from duckdb_tables() where table_name = 'customers'`)).toEqual([{ comment: 'Customers of the shop' }]);
      expect(await t.query(dir, `select column_name, comment from duckdb_columns() where table_name = 'customers' order by column_index`)).toEqual([
        { column_name: 'id', comment: "The customer's key" },
        { column_name: 'name', comment: null },
        { column_name: 'amount', comment: null },
      ]);
    }
    // A second build swaps the table again (the index names do not collide).
    expect((await kiln(['build'], dir)).code).toBe(0);
    expect(await t.relations(dir, 'customers')).toEqual(['customers']);
  });

  it('lists every contract difference in one error, with the YAML location, and builds nothing', async () => {
    const dir = t.project({ 'models/customers.sql': GOOD, 'models/schema.yml': CONTRACT_YML(types) });
    expect((await kiln(['build'], dir)).code).toBe(0);
    // name is now an integer, amount is gone, extra is new.
    const bad = `select 3 as id, 42 as name, 'x' as extra`;
    const r = await kiln(['build'], testdirUpdate(dir, { 'models/customers.sql': bad }));
    expect(r.code).toBe(1);
    expect(r.output).toContain('error[KLN508]');
    expect(r.output).toMatch(/3 differences/);
    expect(r.output).toMatch(/- name: declared varchar(\(20\) \(character varying\(20\)\))?, the query returns (INTEGER|integer)/);
    expect(r.output).toMatch(/- amount: declared \(numeric\(10,2\)\) but the query does not return it/);
    expect(r.output).toMatch(/- extra: returned by the query .* but not declared in the contract/);
    expect(r.output).toContain('--> models/schema.yml:3:');
    expect(await t.query(dir, `select id from ${rel(t, dir, 'customers')} order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await t.relations(dir, 'customers')).toEqual(['customers']);
  });

  it('keeps the previous table and its rows when a constraint is violated', async () => {
    const dir = t.project({ 'models/customers.sql': GOOD, 'models/schema.yml': CONTRACT_YML(types) });
    expect((await kiln(['build'], dir)).code).toBe(0);
    for (const violating of [
      `select 1 as id, cast('a' as varchar) as name, cast(1 as numeric) as amount union all select 1, 'b', 2`, // primary key
      `select 1 as id, cast(null as varchar) as name, cast(1 as numeric) as amount`, // not null
      `select 1 as id, cast('a' as varchar) as name, cast(-1 as numeric) as amount`, // check
    ]) {
      const r = await kiln(['run'], testdirUpdate(dir, { 'models/customers.sql': violating }));
      expect(r.code, r.output).toBe(1);
      expect(r.output).toMatch(/constraint|null/i);
      expect(await t.query(dir, `select id, name from ${rel(t, dir, 'customers')} order by id`)).toEqual([
        { id: 1, name: 'ann' },
        { id: 2, name: 'bob' },
      ]);
      expect(await t.relations(dir, 'customers')).toEqual(['customers']);
    }
  });

  it('checks a contracted view (names and types) and a contracted incremental model', async () => {
    const yml = `version: 2
models:
  - name: v
    config: {materialized: view, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
  - name: inc
    config: {materialized: incremental, unique_key: id, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer, constraints: [{type: not_null}]}
      - {name: label, data_type: ${t.name === 'postgres' ? 'text' : 'varchar'}}
`;
    const dir = t.project({ 'models/v.sql': 'select 1 as id', 'models/inc.sql': `select 1 as id, cast('a' as ${t.name === 'postgres' ? 'text' : 'varchar'}) as label`, 'models/schema.yml': yml });
    const first = await kiln(['build'], dir);
    expect(first.code, first.output).toBe(0);
    const again = await kiln(['build'], testdirUpdate(dir, { 'models/inc.sql': `select 2 as id, cast('b' as ${t.name === 'postgres' ? 'text' : 'varchar'}) as label` }));
    expect(again.code, again.output).toBe(0);
    expect(await t.query(dir, `select id, label from ${rel(t, dir, 'inc')} order by id`)).toEqual([
      { id: 1, label: 'a' },
      { id: 2, label: 'b' },
    ]);
    const r = await kiln(['build'], testdirUpdate(dir, { 'models/v.sql': `select 'x' as id`, 'models/inc.sql': 'select 3 as id' }));
    expect(r.code).toBe(1);
    expect(r.output.match(/error\[KLN508\]/g)).toHaveLength(2);
    expect(r.output).toMatch(/- label: declared \((text|varchar)\) but the query does not return it/);
    expect(await t.query(dir, `select id from ${rel(t, dir, 'v')}`)).toEqual([{ id: 1 }]);
    expect(await t.query(dir, `select count(*)::int as n from ${rel(t, dir, 'inc')}`)).toEqual([{ n: 2 }]);
  });

  it('checks the contract of a microbatch model on its first build and on later batches', async () => {
    const model = (id: string) => `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', batch_size='day', begin='2024-01-01') }}
select ${id} as id, ts from {{ ref('events') }}`;
    const dir = t.project({
      'seeds/events.csv': 'id,ts\n1,2024-01-01 10:00:00\n2,2024-01-02 10:00:00\n',
      'seeds/props.yml': 'seeds:\n  - name: events\n    config:\n      event_time: ts\n',
      'models/mb.sql': model('id'),
      'models/schema.yml': `version: 2
models:
  - name: mb
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer, constraints: [{type: not_null}]}
      - {name: ts, data_type: timestamp}
`,
    });
    expect((await kiln(['seed'], dir)).code).toBe(0);
    const first = await kiln(['run', '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-03'], dir);
    expect(first.code, first.output).toBe(0);
    expect(await t.query(dir, `select id from ${rel(t, dir, 'mb')} order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
    // Two batches: each checks the contract in its own transaction (a failed batch does not stop the next).
    const bad = await kiln(['run', '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-03'], testdirUpdate(dir, { 'models/mb.sql': model('cast(id as varchar)') }));
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/error\[KLN508\][\s\S]*- id: declared integer, the query returns/);
    expect(await t.query(dir, `select id from ${rel(t, dir, 'mb')} order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('writes descriptions as comments on a view and its columns (persist_docs)', async () => {
    const dir = t.project({
      'models/v.sql': 'select 1 as id, 2 as other',
      'models/schema.yml': `version: 2
models:
  - name: v
    description: A view of ids
    config: {persist_docs: {relation: true, columns: true}}
    columns:
      - {name: id, description: "The id's value"}
      - {name: gone, description: not returned by the query, so not commented}
`,
    });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    if (t.name === 'postgres') {
      expect(await t.query(dir, `select obj_description('{schema}.v'::regclass, 'pg_class') as d, col_description('{schema}.v'::regclass, 1) as c1, col_description('{schema}.v'::regclass, 2) as c2`)).toEqual([
        { d: 'A view of ids', c1: "The id's value", c2: null },
      ]);
    } else {
      expect(await t.query(dir, `select comment from duckdb_views() where view_name = 'v'`)).toEqual([{ comment: 'A view of ids' }]);
      expect(await t.query(dir, `select column_name, comment from duckdb_columns() where table_name = 'v' order by column_index`)).toEqual([
        { column_name: 'id', comment: "The id's value" },
        { column_name: 'other', comment: null },
      ]);
    }
  });

  it('refuses a contract on an ephemeral model and a contracted column without data_type before running', async () => {
    const dir = t.project({
      'models/e.sql': 'select 1 as id',
      'models/m.sql': 'select 1 as id, 2 as b',
      'models/schema.yml': `version: 2
models:
  - name: e
    config: {materialized: ephemeral, contract: {enforced: true}}
    columns: [{name: id, data_type: integer}]
  - name: m
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: id
        data_type: integer
      - name: b
`,
    });
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/e enforces a contract but is ephemeral/);
    expect(r.output).toMatch(/column b has no data_type/);
    expect(r.output).toContain('models/schema.yml:11:');
    // Found before the database is opened (DuckDB: no file yet).
    if (t.name === 'duckdb') expect(existsSync(path.join(dir, 'dev.duckdb'))).toBe(false);
    else expect(await t.relations(dir, 'm')).toEqual([]);
  });

  it('enforces a foreign key to a ref()d model on PostgreSQL; DuckDB warns once and builds without it', async () => {
    const yml = `version: 2
models:
  - name: parent
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer, constraints: [{type: primary_key}]}
  - name: child
    config: {materialized: table, contract: {enforced: true}}
    constraints:
      - type: foreign_key
        columns: [parent_id]
        to: ref('parent')
        to_columns: [id]
    columns:
      - {name: id, data_type: integer}
      - {name: parent_id, data_type: integer}
`;
    // child does not ref parent in SQL: the constraint's `to:` orders the build.
    const dir = t.project({ 'models/parent.sql': 'select 1 as id', 'models/child.sql': 'select 10 as id, 1 as parent_id', 'models/schema.yml': yml });
    const ok = await kiln(['build'], dir);
    expect(ok.code, ok.output).toBe(0);
    const bad = await kiln(['build'], testdirUpdate(dir, { 'models/child.sql': 'select 10 as id, 99 as parent_id' }));
    if (t.name === 'postgres') {
      expect(ok.output).not.toContain('KLN509');
      expect(bad.code).toBe(1);
      expect(bad.output).toMatch(/foreign key/i);
      expect(await t.query(dir, `select parent_id from ${rel(t, dir, 'child')}`)).toEqual([{ parent_id: 1 }]);
    } else {
      expect(ok.output.match(/warning\[KLN509\] foreign_key constraints are not enforced/g)).toHaveLength(1);
      expect(bad.code).toBe(0);
      // The parent can still be rebuilt (no key points at it).
      expect((await kiln(['build', '-s', 'parent'], dir)).code).toBe(0);
    }
  });

  it('applies grants after the build and revokes stale ones (PostgreSQL); a no-op on DuckDB', async () => {
    const tag = randomBytes(3).toString('hex');
    const [a, b] = [`kiln_ra_${tag}`, `kiln_rb_${tag}`];
    const admin = await adminClient();
    if (t.name === 'postgres') await admin.query(`create role ${a}; create role ${b}`);
    try {
      const yml = (roles: string[]) => `version: 2
models:
  - name: g
    config: {materialized: table, grants: {select: [${roles.join(', ')}]}}
  - name: gi
    config: {materialized: incremental, grants: {select: [${roles.join(', ')}]}}
`;
      const dir = t.project({ 'models/g.sql': 'select 1 as id', 'models/gi.sql': 'select 1 as id', 'models/schema.yml': yml([a]) });
      const first = await kiln(['build'], dir);
      expect(first.code, first.output).toBe(0);
      if (t.name === 'duckdb') return;
      const grants = (table: string) =>
        t.query(dir, `select grantee, privilege_type from information_schema.role_table_grants where table_schema = '{schema}' and table_name = '${table}' and grantee like 'kiln_r%' order by 1, 2`);
      expect(await grants('g')).toEqual([{ grantee: a, privilege_type: 'SELECT' }]);
      expect(await grants('gi')).toEqual([{ grantee: a, privilege_type: 'SELECT' }]);
      // The incremental table lives on: a grant given outside kiln and the old role are revoked.
      await pgQuery(`grant insert on ${rel(t, dir, 'gi')} to ${a}`);
      const second = await kiln(['build'], testdirUpdate(dir, { 'models/schema.yml': yml([b]) }));
      expect(second.code, second.output).toBe(0);
      expect(await grants('g')).toEqual([{ grantee: b, privilege_type: 'SELECT' }]);
      expect(await grants('gi')).toEqual([{ grantee: b, privilege_type: 'SELECT' }]);
      // A role that does not exist: the build fails and the table keeps its rows and grants.
      const missing = `kiln_rx_${tag}`;
      const third = await kiln(['run', '-s', 'g'], testdirUpdate(dir, { 'models/schema.yml': yml([missing]), 'models/g.sql': 'select 2 as id' }));
      expect(third.code).toBe(1);
      expect(third.output).toContain(`Granting select on g to ${missing} failed`);
      expect(third.output).toContain('--> models/schema.yml:3:');
      expect(await t.query(dir, `select id from ${rel(t, dir, 'g')}`)).toEqual([{ id: 1 }]);
      expect(await grants('g')).toEqual([{ grantee: b, privilege_type: 'SELECT' }]);
    } finally {
      if (t.name === 'postgres') {
        // Roles are cluster-wide: drop what they own in this database, then the roles.
        const c = await adminClient(db.database);
        await c.query(`drop owned by ${a}, ${b}`).finally(() => c.end());
        await admin.query(`drop role if exists ${a}; drop role if exists ${b}`);
      }
      await admin.end();
    }
  });
});

describe('the docs site and manifest', () => {
  it('show contracts, constraints, indexes and grants', async () => {
    const dir = duckdb.project({
      'models/customers.sql': GOOD,
      'models/schema.yml': CONTRACT_YML({ id: 'integer', name: 'varchar', amount: 'numeric(10,2)' }).replace('      indexes:', '      grants: {select: [reporter]}\n      indexes:'),
    });
    expect((await kiln(['build'], dir)).code).toBe(0);
    const r = await kiln(['docs', 'generate'], dir);
    expect(r.code, r.output).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { contract: { enforced: boolean; checksum: string | null }; columns: Record<string, { constraints: { type: string; expression: string | null }[] }> }> };
    const node = manifest.nodes['model.p.customers'];
    expect(node.contract.enforced).toBe(true);
    expect(node.contract.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(node.columns.amount.constraints).toEqual([expect.objectContaining({ type: 'check', expression: 'amount >= 0' })]);
    const chunks = readdirSync(path.join(dir, 'target', 'kiln-docs', 'data')).map((f) => readFileSync(path.join(dir, 'target', 'kiln-docs', 'data', f), 'utf8')).join('\n');
    expect(chunks).toContain('"Contract","enforced: id integer, name varchar, amount numeric(10,2)"');
    expect(chunks).toContain('"Indexes","(name)"');
    expect(chunks).toContain('"Grants","select: reporter"');
    expect(chunks).toContain('"check (amount >= 0)"');
    // persist_docs reached the catalog through the database's comments.
    const catalog = JSON.parse(readFileSync(path.join(dir, 'target', 'catalog.json'), 'utf8')) as { nodes: Record<string, { metadata: { comment: string | null } }> };
    expect(catalog.nodes['model.p.customers'].metadata.comment).toBe('Customers of the shop');
  });
});

/** Rewrites files of an existing project (a model's SQL between builds). */
function testdirUpdate(dir: string, files: Record<string, string>): string {
  for (const [rel, contents] of Object.entries(files)) fsWrite(path.join(dir, rel), contents);
  return dir;
}
