// Through the CLI: a run that finds the target locked by another run says so, waits for
// --lock-timeout and then exits 2 without touching anything.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import { kiln } from '../../helpers/cli.js';
import { freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
let holder: PostgresAdapter;

beforeAll(async () => {
  db = await freshDatabase('clilock');
  holder = new PostgresAdapter({ ...db.config, schema: 'analytics', fields: { ...db.config.fields, schema: 'analytics' } });
});
afterAll(async () => {
  await holder?.close();
  await db?.drop();
});

it('waits for the lock, then gives up with a clear error and exit 2', async () => {
  const s = pgServer();
  const dir = testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n${s.password ? `      password: "${s.password}"\n` : ''}      dbname: ${db.database}\n      schema: analytics\n      threads: 1\n      sslmode: disable\n`,
    'models/m.sql': 'select 1 as id',
  });
  const release = await holder.acquireRunLock({ timeoutMs: 1000, onWait: () => undefined });
  try {
    const r = await kiln(['run', '--lock-timeout', '1'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/waiting up to 1s/);
    expect(r.output).toContain('KLN502');
    expect(r.output).toMatch(/lock/i);
  } finally {
    await release();
  }
  const ok = await kiln(['run'], dir);
  expect(ok.code, ok.output).toBe(0);
});
