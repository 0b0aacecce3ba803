// vitest globalSetup: a real PostgreSQL server for the whole test run.
// - KILN_TEST_PG set (`postgres://user:pass@host:port/db` or `host:port`): that server is used.
// - Otherwise a throwaway cluster is created from the system's binaries (newest
//   /usr/lib/postgresql/*/bin, else `initdb` on PATH, or KILN_TEST_PGBIN), started on a free
//   port on 127.0.0.1 with durability off, and removed at teardown. initdb refuses to run as
//   root, so as root the cluster belongs to the `postgres` user (or `nobody`).
// Tests read the server with inject('pg') (see tests/helpers/postgres.ts); spawned CLI
// processes find it in KILN_TEST_PGHOST / KILN_TEST_PGPORT / KILN_TEST_PGUSER.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

export interface PgServerInfo {
  readonly host: string;
  readonly port: number;
  /** A superuser (or a role allowed to create databases). */
  readonly user: string;
  readonly password?: string;
  /** A database that always exists, to connect to for `create database`. */
  readonly adminDatabase: string;
  /**
   * A login role the server authenticates by password (scram-sha-256) over TCP, for tests of
   * bad passwords. Unset for KILN_TEST_PG servers.
   */
  readonly passwordLogin?: { readonly user: string; readonly password: string };
}

/** See PgServerInfo.passwordLogin. */
const PASSWORD_LOGIN = { user: 'kiln_password_user', password: 'kiln-right-password' };

declare module 'vitest' {
  export interface ProvidedContext {
    pg: PgServerInfo;
  }
}

const run = promisify(execFile);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KILN_TEST_PG;
  let server: PgServerInfo;
  let teardown: () => Promise<void> = async () => {};
  if (external) {
    server = parseServer(external);
    await checkReachable(server, `KILN_TEST_PG=${external.replace(/:[^:@/]*@/, ':***@')}`);
  } else {
    const cluster = await startCluster();
    server = cluster.server;
    teardown = cluster.stop;
  }
  project.provide('pg', server);
  process.env.KILN_TEST_PGHOST = server.host;
  process.env.KILN_TEST_PGPORT = String(server.port);
  process.env.KILN_TEST_PGUSER = server.user;
  if (server.password !== undefined) process.env.KILN_TEST_PGPASSWORD = server.password;
  return teardown;
}

/** `postgres://user:pass@host:port/db`, or `host:port` (user postgres, no password). */
export function parseServer(spec: string): PgServerInfo {
  if (/^postgres(ql)?:\/\//.test(spec)) {
    const u = new URL(spec);
    return {
      host: decodeURIComponent(u.hostname) || '127.0.0.1',
      port: u.port ? Number(u.port) : 5432,
      user: decodeURIComponent(u.username) || 'postgres',
      password: u.password ? decodeURIComponent(u.password) : undefined,
      adminDatabase: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    };
  }
  const m = /^([^:]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`KILN_TEST_PG must be a postgres:// URL or host:port, got ${JSON.stringify(spec)}`);
  return { host: m[1], port: m[2] ? Number(m[2]) : 5432, user: 'postgres', adminDatabase: 'postgres' };
}

async function checkReachable(server: PgServerInfo, what: string, sql = 'select 1'): Promise<void> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.adminDatabase, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(sql);
  } catch (e) {
    throw new Error(`The PostgreSQL server for tests (${what}) is not usable: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The newest server binaries: KILN_TEST_PGBIN, /usr/lib/postgresql/<n>/bin, or PATH. */
export function findPgBin(): string | null {
  const has = (dir: string): boolean => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const forced = process.env.KILN_TEST_PGBIN;
  if (forced) return has(forced) ? forced : null;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(root, v, 'bin'))) return join(root, v, 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && has(dir)) return dir;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Owner {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** As root: the unprivileged user the cluster runs as. Otherwise null (run as ourselves). */
function clusterOwner(): Owner | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { name, uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('Running as root, but neither a `postgres` nor a `nobody` user exists to own the test cluster (initdb refuses root)');
}

async function startCluster(): Promise<{ server: PgServerInfo; stop: () => Promise<void> }> {
  const bin = findPgBin();
  if (!bin) {
    throw new Error(
      'Tests need a PostgreSQL server, and none was found.\n' +
        '  Install the server binaries:  apt-get update && apt-get install -y postgresql\n' +
        '  or point the tests at a running server:  KILN_TEST_PG=postgres://user:password@host:5432/postgres\n' +
        '  (searched KILN_TEST_PGBIN, /usr/lib/postgresql/*/bin and PATH for initdb and pg_ctl)',
    );
  }
  const owner = clusterOwner();
  const as = (cmd: string, args: string[]): [string, string[]] => (owner ? ['runuser', ['-u', owner.name, '--', cmd, ...args]] : [cmd, args]);
  const exec = async (tool: string, args: string[]): Promise<void> => {
    const [cmd, argv] = as(join(bin, tool), args);
    await run(cmd, argv, { timeout: 120_000 });
  };

  const base = mkdtempSync(join(tmpdir(), 'kiln-pg-'));
  chmodSync(base, 0o755);
  if (owner) chownSync(base, owner.uid, owner.gid);
  const data = join(base, 'data');
  const log = join(base, 'server.log');
  const remove = (): void => rmSync(base, { recursive: true, force: true });

  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  } catch (e) {
    remove();
    throw new Error(`initdb failed (${bin}): ${describeExecError(e)}`);
  }
  // Everyone is trusted except one role that must give its password (first matching line wins).
  const hba = join(data, 'pg_hba.conf');
  writeFileSync(hba, `host all ${PASSWORD_LOGIN.user} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);

  let port = 0;
  let lastError = '';
  // The free port can be taken between probing and binding; try a few.
  for (let attempt = 0; attempt < 4 && port === 0; attempt++) {
    const candidate = await freePort();
    const options = [
      `-p ${candidate}`,
      `-k ${base}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
    ].join(' ');
    try {
      await exec('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
      port = candidate;
    } catch (e) {
      lastError = `${describeExecError(e)}\n${tail(log)}`;
    }
  }
  if (port === 0) {
    remove();
    throw new Error(`Could not start the test PostgreSQL server (${bin}):\n${lastError}`);
  }

  const server: PgServerInfo = { host: '127.0.0.1', port, user: 'postgres', adminDatabase: 'postgres', passwordLogin: PASSWORD_LOGIN };
  let stopped = false;
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    const [cmd, argv] = as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    try {
      execFileSync(cmd, argv, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // already stopped
    }
    remove();
  };
  // If vitest dies without running teardown, do not leave a server behind.
  process.once('exit', stopNow);
  try {
    await checkReachable(server, `throwaway cluster in ${base}`, `create role ${PASSWORD_LOGIN.user} login password '${PASSWORD_LOGIN.password}'`);
  } catch (e) {
    stopNow();
    throw e;
  }
  return {
    server,
    stop: async () => {
      process.removeListener('exit', stopNow);
      stopNow();
    },
  };
}

function describeExecError(e: unknown): string {
  const x = e as { message?: string; stderr?: string; stdout?: string };
  return [x.message, x.stderr, x.stdout].filter((s) => s && s.trim()).join('\n').trim();
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
