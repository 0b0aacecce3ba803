// `kiln watch` on PostgreSQL through the real bin: each rebuild opens its connections afresh and
// takes the run lock, so a relation changed by another session between saves is seen, and the
// rows can be read while the watch runs (no file lock, unlike DuckDB).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KilnChild } from '../../helpers/kiln-spawn.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
let child: KilnChild | null = null;

beforeAll(async () => {
  db = await freshDatabase('watch');
});
afterAll(async () => {
  child?.kill();
  await db?.drop();
});

async function rows(sql: string): Promise<unknown[]> {
  const c = await adminClient(db.database);
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

it('rebuilds on save, sees relations another session dropped meanwhile, and exits 130 on Ctrl-C', async () => {
  const s = pgServer();
  const dir = testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n${s.password ? `      password: "${s.password}"\n` : ''}      dbname: ${db.database}\n      schema: analytics\n      threads: 2\n      sslmode: disable\n`,
    'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id",
    'models/b.sql': "select id * 10 as v from {{ ref('a') }}",
  });
  child = new KilnChild(['watch'], dir);
  await child.waitFor(/Watching .*Ctrl-C to stop/);
  fs.writeFileSync(path.join(dir, 'models/a.sql'), "{{ config(materialized='table') }}\nselect 2 as id");
  await child.waitFor(/Rebuilt 2 nodes in .*ERROR=0/);
  expect(await rows('select v from analytics.b')).toEqual([{ v: 20 }]);

  // Another session drops both relations; a stale relation cache would try to swap a missing table.
  await rows('drop view analytics.b; drop table analytics.a');
  fs.writeFileSync(path.join(dir, 'models/a.sql'), "{{ config(materialized='table') }}\nselect 3 as id");
  await child.waitFor(/Rebuilt 2 nodes in .*ERROR=0/, 2);
  expect(await rows('select v from analytics.b')).toEqual([{ v: 30 }]);

  expect(await child.interrupt()).toBe(130);
}, 120_000);
