// A run on PostgreSQL starts connecting while it parses the project (Adapter.connectAhead). A run
// that stops before it touches the warehouse (the project does not parse, a bad --select, a bad
// seed file, nothing selected) leaves no session behind, and a target it cannot reach fails once,
// with the error it always gave.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { createAdapter } from '../../../adapters/registry.js';
import { adminClient, freshDatabase, pgServer, pgTarget, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('ahead');
});
afterAll(async () => {
  await db?.drop();
});

function project(files: Record<string, string>, fields: Record<string, string | number> = {}): string {
  const s = pgServer();
  const profile = { host: s.host, port: s.port, user: s.user, ...(s.password ? { password: s.password } : {}), dbname: db.database, schema: 'analytics', threads: 2, sslmode: 'disable', application_name: 'kiln-ahead-test', ...fields };
  const lines = Object.entries(profile).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n${lines.join('\n')}\n`,
    ...files,
  });
}

/** Sessions on the test database other than the admin client's own, once they settle (a backend ends just after its client). */
async function sessionsLeft(): Promise<number> {
  const admin = await adminClient();
  try {
    let n = -1;
    for (let i = 0; i < 40; i++) {
      const r = await admin.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [db.database]);
      n = Number(r.rows[0].n);
      if (n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return n;
  } finally {
    await admin.end();
  }
}

describe('connecting ahead while the project is parsed', () => {
  it.each([
    ['a project that does not parse', { 'seeds/s.csv': 'id\n1\n', 'models/m.sql': "select * from {{ ref('missing') }}" }, ['seed']],
    ['a bad --select', { 'seeds/s.csv': 'id\n1\n' }, ['seed', '--select', 'nosuchmethod:x']],
    ['a malformed seed file', { 'seeds/s.csv': 'id,v\n1,2,3\n' }, ['seed']],
    ['nothing selected', { 'seeds/s.csv': 'id\n1\n' }, ['seed', '--select', 'no_such_node']],
  ])('leaves no session after %s', async (_what, files, args) => {
    const dir = project(files);
    const r = await kiln(args, dir);
    expect(r.code, r.output).toBe(args.includes('no_such_node') ? 0 : 2);
    expect(await sessionsLeft()).toBe(0);
  });

  it('loads as before, and leaves no session once done', async () => {
    const dir = project({ 'seeds/s.csv': 'id,v\n1,a\n2,b\n' });
    const r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await sessionsLeft()).toBe(0);
    const admin = await adminClient(db.database);
    try {
      expect((await admin.query('select count(*)::int as n from analytics.s')).rows[0].n).toBe(2);
    } finally {
      await admin.end();
    }
  });

  it('opens every worker session ahead, so no thread of the run waits for one', async () => {
    const adapter = await createAdapter(pgTarget(db.database, { threads: 3 }), process.cwd(), 'profiles.yml');
    const pooled = () => (adapter as unknown as { pooledSessions: number }).pooledSessions;
    try {
      adapter.connectAhead!();
      await adapter.open();
      for (let i = 0; i < 500 && pooled() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(pooled()).toBe(3);
      const conns = await Promise.all([1, 2, 3].map(() => adapter.acquire()));
      expect(new Set(conns).size).toBe(3);
      expect(pooled()).toBe(3);
      for (const c of conns) adapter.release(c);
    } finally {
      await adapter.close();
    }
    expect(await sessionsLeft()).toBe(0);
  });

  it('tries a server that hangs up once: open() answers with the error of the opening ahead', async () => {
    let accepted = 0;
    const server = createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const adapter = await createAdapter(pgTarget(db.database, { fields: { port, connect_retries: 0 } }), process.cwd(), 'profiles.yml');
    try {
      adapter.connectAhead!();
      // The opening ahead has failed before the command asks.
      for (let i = 0; i < 200 && accepted === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(adapter.open()).rejects.toThrow(/Cannot connect to PostgreSQL/);
      expect(accepted).toBe(1);
      // A later open() tries again.
      await expect(adapter.open()).rejects.toThrow(/Cannot connect to PostgreSQL/);
      expect(accepted).toBe(2);
    } finally {
      await adapter.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a target it cannot reach once, as before', async () => {
    const s = pgServer();
    const login = s.passwordLogin;
    if (!login) return; // an external server that does not ask for passwords
    const dir = project({ 'seeds/s.csv': 'id\n1\n' }, { user: login.user, password: 'wrong-password', connect_retries: 0 });
    const r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output.split('\n').filter((l) => /error\[KLN/.test(l))).toHaveLength(1);
    expect(r.output).toMatch(/password authentication failed/);
  });
});
