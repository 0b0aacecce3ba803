// PostgreSQL keeps the first 63 bytes of a name, with only a notice: kiln shows it as a KLN510
// warning (once per name), so a column that a test or a BI tool names in full is not lost silently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('nametrunc');
});
afterAll(async () => {
  await db?.drop();
});

const LONG = `customer_lifetime_value_over_the_first_twelve_months_after_signup_usd`; // 69 bytes

function project(files: Record<string, string>): string {
  const s = pgServer();
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n      password: ${JSON.stringify(s.password ?? '')}\n      dbname: ${db.database}\n      schema: analytics\n      threads: 2\n      sslmode: disable\n`,
    ...files,
  });
}

describe('PostgreSQL names longer than 63 bytes', () => {
  it('warns once per cut name, naming what it became, and the build still succeeds', async () => {
    const dir = project({
      'models/wide.sql': `select 1 as id, 2.5 as ${LONG}`,
      'models/wider.sql': `{{ config(materialized='table') }} select * from {{ ref('wide') }}`,
    });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    const warnings = r.output.split('\n').filter((l) => l.includes('KLN510'));
    expect(warnings).toHaveLength(1);
    expect(r.output).toContain(`identifier "${LONG}" will be truncated to "${LONG.slice(0, 63)}"`);
    expect(r.output).toMatch(/alias the column/);
    // A short name gives no warning.
    const quiet = await kiln(['run'], project({ 'models/narrow.sql': 'select 1 as id' }));
    expect(quiet.output).not.toContain('KLN510');
  });
});
