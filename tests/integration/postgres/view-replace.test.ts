// Views on PostgreSQL through `kiln run`: a rebuilt view is replaced in place (`create or replace
// view`, one statement), so the views built on it are left as they are; where Postgres refuses the
// new columns (one dropped, renamed or retyped), the build falls back to the swap, which keeps the
// views on it; a failing view keeps the old one.
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await freshDatabase('viewrepl');
  client = await adminClient(db.database);
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

function project(files: Record<string, string>): string {
  const s = pgServer();
  const profile = { host: s.host, port: s.port, user: s.user, ...(s.password ? { password: s.password } : {}), dbname: db.database, schema: 'vr', threads: 2, sslmode: 'disable' };
  const lines = Object.entries(profile).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  p:\n    +materialized: view\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n${lines.join('\n')}\n`,
    ...files,
  });
}

/** oid of each relation of schema vr, by name: a relation created again gets a new one. */
async function oids(): Promise<Record<string, number>> {
  const res = await client.query(`select c.relname, c.oid::int as oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'vr' order by 1`);
  return Object.fromEntries(res.rows.map((r: { relname: string; oid: number }) => [r.relname, r.oid]));
}

const ran = (dir: string, model: string): string => fs.readFileSync(path.join(dir, 'target/run/p/models', `${model}.sql`), 'utf8');

describe('views on PostgreSQL', () => {
  it('replaces an unchanged view in place, keeps the views on it, and swaps only when Postgres refuses the new columns', async () => {
    const dir = project({
      'models/a.sql': 'select 1 as id, 2 as v',
      'models/b.sql': "select id, v + 1 as v from {{ ref('a') }}",
      'models/c.sql': "select b.id, a.v + b.v as v from {{ ref('a') }} a join {{ ref('b') }} b using (id)",
    });
    const first = await kiln(['run'], dir);
    expect(first.code, first.output).toBe(0);
    expect(ran(dir, 'a').trim()).toMatch(/^create or replace view "[^"]+"\."vr"\."a" as \(\nselect 1 as id, 2 as v\n\);$/);
    expect(fs.readFileSync(path.join(dir, 'target/run/p/models/b.sql'), 'utf8')).not.toMatch(/__dbt_tmp|rename/);
    const before = await oids();
    expect(Object.keys(before)).toEqual(['a', 'b', 'c']);

    // A rerun: every view replaced in place, none created again.
    const rerun = await kiln(['run'], dir);
    expect(rerun.code, rerun.output).toBe(0);
    expect(await oids()).toEqual(before);

    // A new column after the old ones: Postgres takes it in place.
    fs.writeFileSync(path.join(dir, 'models/a.sql'), 'select 1 as id, 2 as v, 3 as extra');
    const added = await kiln(['run', '--select', 'a'], dir);
    expect(added.code, added.output).toBe(0);
    expect(await oids()).toEqual(before);
    expect(ran(dir, 'a')).not.toMatch(/__dbt_tmp/);

    // A dropped and a retyped column: refused in place, so swapped; the views on it are kept.
    fs.writeFileSync(path.join(dir, 'models/a.sql'), 'select 1::bigint as id, 5 as v');
    const changed = await kiln(['run', '--select', 'a'], dir);
    expect(changed.code, changed.output).toBe(0);
    // target/run holds what built it: the swap, not the refused statement.
    expect(ran(dir, 'a')).toMatch(/create view "[^"]+"\."vr"\."a__dbt_tmp"/);
    expect(ran(dir, 'a')).not.toMatch(/create or replace/);
    const after = await oids();
    expect(Object.keys(after)).toEqual(['a', 'b', 'c']);
    expect(after.a).not.toBe(before.a);
    expect((await client.query('select id::text, v from vr.c')).rows).toEqual([{ id: '1', v: 11 }]);
    const types = await client.query(`select data_type from information_schema.columns where table_schema = 'vr' and table_name = 'a' order by ordinal_position`);
    expect(types.rows.map((r: { data_type: string }) => r.data_type)).toEqual(['bigint', 'integer']);

    // A view whose new SQL fails keeps the old one (and its rows).
    fs.writeFileSync(path.join(dir, 'models/a.sql'), 'select 1::bigint as id, 1/0 as v from no_such_table');
    const failed = await kiln(['run', '--select', 'a'], dir);
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/no_such_table/);
    expect(await oids()).toEqual(after);
    expect((await client.query('select v from vr.a')).rows).toEqual([{ v: 5 }]);
  });
});
