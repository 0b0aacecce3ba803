// `kiln clone` on PostgreSQL: the state run's tables (an incremental model's history, a seed)
// become views in this target's schema, in one database; existing relations are kept.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('clone');
});
afterAll(async () => {
  await db?.drop();
});

function output(name: string, schema: string): string {
  const s = pgServer();
  return `    ${name}:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n      password: ${JSON.stringify(s.password ?? '')}\n      dbname: ${db.database}\n      schema: ${schema}\n      threads: 2\n      sslmode: disable\n`;
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const c = await adminClient(db.database);
  try {
    return (await c.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

describe('kiln clone on PostgreSQL', () => {
  it("makes views on production's relations and keeps what already exists", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': `p:\n  target: ci\n  outputs:\n${output('prod', 'prod')}${output('ci', 'ci')}`,
      'seeds/codes.csv': 'code\na\nb\n',
      'models/events.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id\n{% if is_incremental() %}union all select 2{% endif %}",
      'models/total.sql': "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('events') }} cross join {{ ref('codes') }}",
    });
    for (let i = 0; i < 2; i++) expect((await kiln(['build', '--target', 'prod'], dir)).code).toBe(0);
    fs.cpSync(path.join(dir, 'target'), path.join(dir, 'prod-state'), { recursive: true });
    const r = await kiln(['clone', '--state', 'prod-state'], dir);
    expect(r.code, r.output).toBe(0);
    const kinds = await rows("select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'ci' order by 1");
    expect(kinds).toEqual([
      { relname: 'codes', relkind: 'v' },
      { relname: 'events', relkind: 'v' },
      { relname: 'total', relkind: 'v' },
    ]);
    expect(await rows('select id from ci.events order by id')).toEqual([{ id: 1 }, { id: 2 }]);
    const again = await kiln(['clone', '--state', 'prod-state', '-s', 'events'], dir);
    expect(again.output).toContain('Clone of events: nothing to do, it already exists');
  });
});
