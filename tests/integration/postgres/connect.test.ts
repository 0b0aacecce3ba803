// Opening: unreachable servers, bad credentials and missing databases fail with a message that
// says where kiln tried to connect and what to check, never the password; role and
// search_path apply to every worker session.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import { KilnError } from '../../../core/errors.js';
import { adminClient, freshDatabase, pgServer, pgTarget, type FreshDatabase } from '../../helpers/postgres.js';

const SECRET = 'sekrit-Pa55word';

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('connect');
});

afterAll(async () => {
  await db?.drop();
});

async function openError(fields: Record<string, unknown>, database?: string): Promise<KilnError> {
  const adapter = new PostgresAdapter(pgTarget(database ?? db.database, { fields }));
  try {
    await adapter.open();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    return e as KilnError;
  } finally {
    await adapter.close();
  }
  throw new Error('open() succeeded');
}

function expectNoSecret(e: KilnError): void {
  // The test server's own password too, when it has one (KILN_TEST_POSTGRES_URL).
  for (const secret of [SECRET, pgServer().password].filter((x): x is string => !!x)) {
    expect(JSON.stringify(e.toJSON())).not.toContain(secret);
    expect(e.stack ?? '').not.toContain(secret);
  }
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
}

describe('open() failures', () => {
  it('names host:port, database and user when nothing listens', async () => {
    const port = await closedPort();
    const e = await openError({ port, password: SECRET, user: 'someone' });
    expect(e.code).toBe('KLN502');
    expect(e.message).toBe(`Cannot connect to PostgreSQL at 127.0.0.1:${port}, database "${db.database}", user "someone": connection refused`);
    expect(e.hint).toContain(`pg_isready -h 127.0.0.1 -p ${port}`);
    expectNoSecret(e);
  });

  it('reports a database that does not exist', async () => {
    // With the server's own password, if it asks for one: a wrong one would fail first.
    const e = await openError(pgServer().password ? {} : { password: SECRET }, 'kiln_no_such_database');
    expect(e.code).toBe('KLN502');
    expect(e.message).toMatch(/database "kiln_no_such_database", user "postgres": database "kiln_no_such_database" does not exist$/);
    expect(e.hint).toContain('createdb');
    expectNoSecret(e);
  });

  it('reports an unknown login role', async () => {
    const e = await openError({ user: 'kiln_no_such_user' });
    // A server that checks passwords does not tell whether the role exists.
    expect(e.message).toMatch(/role "kiln_no_such_user" does not exist|password authentication failed for user "kiln_no_such_user"/);
    expect(e.hint).toMatch(/check `user`/);
  });

  it('reports a host name that does not resolve', async () => {
    const e = await openError({ host: 'kiln-no-such-host.invalid', connect_timeout: 5 });
    expect(e.code).toBe('KLN502');
    expect(e.message).toMatch(/^Cannot connect to PostgreSQL at kiln-no-such-host\.invalid:\d+, database .*: (host "kiln-no-such-host\.invalid" not found|no answer within 5 s)/);
  });

  it('says so when sslmode requires SSL the server does not offer', async () => {
    // The test server has no SSL.
    const e = await openError({ sslmode: 'require' });
    expect(e.message).toMatch(/: the server does not support SSL$/);
    expect(e.hint).toMatch(/sslmode is require/);
  });

  it('rejects an unknown sslmode as a profile error', () => {
    expect(() => new PostgresAdapter(pgTarget(db.database, { fields: { sslmode: 'sometimes' } }))).toThrow(/'sslmode' must be one of disable, allow, prefer, require, verify-ca, verify-full/);
  });

  describe('a server that accepts TCP but never answers', () => {
    let silent: Server;
    let port = 0;
    beforeAll(async () => {
      silent = createServer(() => {
        // Accept and say nothing, like a packet-dropping firewall in front of a port.
      });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const addr = silent.address();
      port = typeof addr === 'object' && addr ? addr.port : 0;
    });
    afterAll(async () => {
      silent.close();
    });

    it('gives up after connect_timeout', async () => {
      const started = Date.now();
      const e = await openError({ port, connect_timeout: 1 });
      const elapsed = Date.now() - started;
      expect(e.message).toMatch(/no answer within 1 s \(connect_timeout\)$/);
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(5000);
    });
  });

  describe('password authentication', () => {
    const login = (): { user: string; password: string } => {
      const l = pgServer().passwordLogin;
      if (!l) throw new Error('unreachable');
      return l;
    };
    // An external server (KILN_TEST_POSTGRES_URL) that trusts every login has no such role.
    const configured = pgServer().passwordLogin !== undefined;

    it.runIf(configured)('rejects a wrong password without printing it', async () => {
      const e = await openError({ user: login().user, password: SECRET });
      expect(e.code).toBe('KLN502');
      expect(e.message).toMatch(new RegExp(`user "${login().user}": password authentication failed for user "${login().user}"$`));
      expect(e.hint).toMatch(/check `user` and `password`/);
      expectNoSecret(e);
    });

    it.runIf(configured)('says so when the server wants a password and the profile has none', async () => {
      const e = await openError({ user: login().user, password: undefined });
      expect(e.message).toMatch(/asks for a password and the profile has none/);
    });

    it.runIf(configured)('connects with the right password', async () => {
      const adapter = new PostgresAdapter(pgTarget(db.database, { fields: { user: login().user, password: login().password } }));
      await adapter.open();
      const conn = await adapter.acquire();
      expect((await conn.query('select current_user')).rows).toEqual([[login().user]]);
      adapter.release(conn);
      await adapter.close();
    });
  });
});

describe('session settings', () => {
  // Roles belong to the whole server: a name of this run's own, dropped afterwards.
  const reader = `kiln_reader_${process.pid}`;

  beforeAll(async () => {
    const admin = await adminClient(db.database);
    try {
      await admin.query(`create schema other_schema; create table other_schema.only_here (x int); insert into other_schema.only_here values (7)`);
      await admin.query(`create role ${reader} nologin`);
      await admin.query(`grant ${reader} to current_user; grant usage on schema other_schema to ${reader}; grant select on other_schema.only_here to ${reader}`);
    } finally {
      await admin.end();
    }
  });

  afterAll(async () => {
    const inDb = await adminClient(db.database);
    await inDb.query(`drop owned by ${reader}`).finally(() => inDb.end());
    const admin = await adminClient();
    await admin.query(`drop role if exists ${reader}`).finally(() => admin.end());
  });

  it('applies role, search_path and application_name to worker sessions', async () => {
    const adapter = new PostgresAdapter(
      pgTarget(db.database, { threads: 2, fields: { role: reader, search_path: 'other_schema, public', application_name: 'kiln-test-app' } }),
    );
    await adapter.open();
    const a = await adapter.acquire();
    const b = await adapter.acquire();
    for (const c of [a, b]) {
      const res = await c.query(`select current_user, current_setting('search_path'), current_setting('application_name'), current_setting('DateStyle')`);
      expect(res.rows).toEqual([[reader, 'other_schema, public', 'kiln-test-app', 'ISO, MDY']]);
      expect((await c.query('select x from only_here')).rows).toEqual([[7]]);
    }
    adapter.release(a);
    adapter.release(b);
    await adapter.close();
  });

  it("uses application_name 'kiln' and sslmode prefer by default (falling back to plain text here)", async () => {
    const target = pgTarget(db.database);
    const { sslmode: _omitted, ...fields } = target.fields;
    const adapter = new PostgresAdapter({ ...target, fields });
    // acquire() opens on first use.
    const conn = await adapter.acquire();
    expect((await conn.query(`select current_setting('application_name'), ssl from pg_stat_ssl where pid = pg_backend_pid()`)).rows).toEqual([['kiln', false]]);
    adapter.release(conn);
    await adapter.close();
    await expect(adapter.acquire()).rejects.toThrow(/adapter is closed/);
    await adapter.open();
    adapter.release(await adapter.acquire());
    await adapter.close();
  });

  it('fails open() on a role that does not exist', async () => {
    const e = await openError({ role: 'kiln_no_such_role' });
    expect(e.code).toBe('KLN502');
    expect(e.message).toMatch(/role "kiln_no_such_role" does not exist/);
    expect(e.hint).toMatch(/`role`/);
  });

  it('reads the server version: MERGE only from PostgreSQL 15', async () => {
    const adapter = new PostgresAdapter(pgTarget(db.database));
    expect(adapter.capabilities.supportsMerge).toBe(false);
    await adapter.open();
    expect(adapter.serverVersionNum).toBeGreaterThan(100000);
    // Read from the start-up announcement: the same number the server gives when asked.
    const admin = await adminClient();
    try {
      const asked = Number((await admin.query('show server_version_num')).rows[0].server_version_num);
      expect(adapter.serverVersionNum).toBe(asked);
    } finally {
      await admin.end();
    }
    expect(adapter.capabilities.supportsMerge).toBe(adapter.serverVersionNum >= 150000);
    expect(adapter.capabilities).toMatchObject({ supportsTransactionalDdl: true, supportsCreateOrReplaceView: true, maxIdentifierLength: 63 });
    await adapter.close();
  });
});
