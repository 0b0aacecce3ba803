// A real Trino for tests and benchmarks: trino-server from Maven Central, cached outside the repo,
// run as one node (coordinator + worker) with two catalogs:
// - `memory`: CTAS, INSERT, views, renames; no DELETE, MERGE or CREATE OR REPLACE TABLE;
// - `iceberg`: a JDBC catalog in a PostgreSQL database and a warehouse on the local file system
//   (MERGE, DELETE, CREATE OR REPLACE TABLE).
// The same server also speaks https on a second port, with password authentication (a password
// file) there: Trino accepts passwords over https only. Its certificate is self-signed, made at
// start with the JDK's keytool; plain http stays open without a password
// (`http-server.authentication.allow-insecure-over-http`), as the other tests use it.
// Used by tests/setup/trino.ts (vitest globalSetup), tests/bench/trino.bench.ts, and `.ci/run`
// (`node --import tsx tests/setup/trino-server.ts prepare` downloads and unpacks ahead of time).
// Nothing here stands in for a server: every failure says what was tried and what came back.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

export const TRINO_VERSION = '476';
/** Trino 476 needs Java 24 or newer. */
const MIN_JAVA = 24;
const DEFAULT_JAVA_HOME = '/usr/lib/jvm/temurin-25-jdk-amd64';

const run = promisify(execFile);

/** Where the unpacked server is cached between runs: $KILN_TRINO_HOME, else ~/.cache/kiln-test/trino. */
export function trinoCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KILN_TRINO_HOME?.trim() || join(homedir(), '.cache', 'kiln-test', 'trino');
}

export function serverDir(cache = trinoCacheDir()): string {
  return join(cache, `trino-server-${TRINO_VERSION}`);
}

/**
 * The unpacked server, downloading it through Maven (`dependency:copy`, so Maven's own settings,
 * mirrors and local repository apply) when the cache has none. Unpacks into a temporary folder
 * and renames it into place, so an interrupted run never leaves a half-unpacked server behind.
 */
export async function ensureTrinoServer(log: (line: string) => void = () => {}): Promise<string> {
  const cache = trinoCacheDir();
  const dir = serverDir(cache);
  if (existsSync(join(dir, 'bin', 'launcher')) && existsSync(join(dir, 'lib'))) return dir;
  mkdirSync(cache, { recursive: true });
  const archive = join(cache, `trino-server-${TRINO_VERSION}.tar.gz`);
  if (!existsSync(archive)) {
    log(`downloading trino-server ${TRINO_VERSION} (about 800 MB) into ${cache}`);
    const args = ['-B', '-q', 'dependency:copy', `-Dartifact=io.trino:trino-server:${TRINO_VERSION}:tar.gz`, `-DoutputDirectory=${cache}`];
    try {
      await run('mvn', args, { timeout: 20 * 60_000, maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
      throw new Error(`Could not download trino-server ${TRINO_VERSION}: \`mvn ${args.join(' ')}\` failed:\n${describeExecError(e)}`);
    }
    if (!existsSync(archive)) throw new Error(`\`mvn ${args.join(' ')}\` finished but left no ${archive}`);
  }
  const staging = mkdtempSync(join(cache, 'unpacking-'));
  try {
    await run('tar', ['xzf', archive, '-C', staging], { timeout: 10 * 60_000 });
    renameSync(join(staging, `trino-server-${TRINO_VERSION}`), dir);
  } catch (e) {
    throw new Error(`Could not unpack ${archive}: ${describeExecError(e)}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  // Maven keeps its own copy in the local repository; the unpacked server is all we need here.
  rmSync(archive, { force: true });
  return dir;
}

/** A JDK new enough for Trino: $KILN_TEST_JAVA_HOME, the machine's Temurin 25, else $JAVA_HOME. */
export function findJavaHome(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.KILN_TEST_JAVA_HOME, DEFAULT_JAVA_HOME, env.JAVA_HOME].filter((x): x is string => !!x && x.trim() !== '');
  const seen: string[] = [];
  for (const home of candidates) {
    const java = join(home, 'bin', 'java');
    if (!existsSync(java)) {
      seen.push(`${home}: no bin/java`);
      continue;
    }
    const major = javaMajor(java);
    if (major !== null && major >= MIN_JAVA) return home;
    seen.push(`${home}: Java ${major ?? '?'}`);
  }
  throw new Error(
    `Trino ${TRINO_VERSION} needs Java ${MIN_JAVA} or newer, and none was found (${seen.join('; ') || 'no JAVA_HOME'}).\n` +
      'Set KILN_TEST_JAVA_HOME to a JDK 24+ (e.g. a Temurin 25 from your package manager).',
  );
}

function javaMajor(java: string): number | null {
  // `java -version` prints to stderr: openjdk version "25.0.1" ...
  const r = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  return parseJavaMajor(`${r.stderr ?? ''}${r.stdout ?? ''}`);
}

function parseJavaMajor(text: string): number | null {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return null;
  // Java 8 and older print 1.8.
  return m[1] === '1' && m[2] ? Number(m[2]) : Number(m[1]);
}

/** Where the iceberg catalog keeps its table list: a database on a PostgreSQL server. */
export interface IcebergCatalogDb {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  /** A database that exists, to create the catalog's own database from. */
  readonly adminDatabase: string;
}

/** The server's https side: password authentication, a self-signed certificate. */
export interface TrinoHttps {
  readonly port: number;
  readonly url: string;
  /** The one user of the password file, and its password. */
  readonly user: string;
  readonly password: string;
  /** The server's certificate (PEM), for clients to trust. */
  readonly caFile: string;
}

/** The user name the test server knows a password for. */
export const TRINO_TEST_USER = 'kiln_test';

export interface TrinoServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly https: TrinoHttps;
  /** The server's log, for messages when something goes wrong. */
  readonly logFile: string;
  /** Resolves once the server answers queries; rejects (with the log's tail) if it does not start. */
  readonly ready: Promise<void>;
  readonly stop: () => Promise<void>;
}

/**
 * Starts a one-node Trino on a free port of 127.0.0.1. Returns at once; `ready` says when it
 * answers. The iceberg catalog gets a database of its own on `catalogDb`, dropped by `stop`.
 */
export async function startTrino(opts: { catalogDb: IcebergCatalogDb; log?: (line: string) => void }): Promise<TrinoServer> {
  const log = opts.log ?? (() => {});
  const dir = await ensureTrinoServer(log);
  const javaHome = findJavaHome();
  const base = mkdtempSync(join(tmpdir(), 'kiln-trino-'));
  const etc = join(base, 'etc');
  const data = join(base, 'data');
  const warehouse = join(base, 'warehouse');
  for (const d of [join(etc, 'catalog'), data, warehouse]) mkdirSync(d, { recursive: true });
  const port = await freePort();
  const httpsPort = await freePort();
  const catalogDatabase = `kiln_trino_iceberg_${process.pid}_${Date.now().toString(36)}`;
  const keystorePassword = randomBytes(12).toString('hex');
  const keystore = join(etc, 'keystore.p12');
  const caFile = join(base, 'trino-ca.pem');
  await Promise.all([createCatalogDatabase(opts.catalogDb, catalogDatabase), makeCertificate(javaHome, keystore, keystorePassword, caFile)]);
  const password = randomBytes(12).toString('hex');
  const passwordFile = join(etc, 'password.db');
  writeFileSync(passwordFile, `${TRINO_TEST_USER}:${pbkdf2Hash(password)}\n`);
  writeFileSync(join(etc, 'password-authenticator.properties'), props({ 'password-authenticator.name': 'file', 'file.password-file': passwordFile }));
  // Trino's default access control denies only impersonation; allow-all lets the tests run as another user (impersonation_user).
  writeFileSync(join(etc, 'access-control.properties'), props({ 'access-control.name': 'allow-all' }));

  writeFileSync(join(etc, 'node.properties'), props({ 'node.environment': 'kiln_test', 'node.id': `kiln-test-${process.pid}`, 'node.data-dir': data }));
  writeFileSync(
    join(etc, 'jvm.config'),
    ['-server', '-Xmx2G', '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-XX:+HeapDumpOnOutOfMemoryError', `-XX:HeapDumpPath=${data}`, '-Djdk.attach.allowAttachSelf=true', ''].join('\n'),
  );
  writeFileSync(
    join(etc, 'config.properties'),
    props({
      coordinator: 'true',
      'node-scheduler.include-coordinator': 'true',
      'http-server.http.port': String(port),
      'discovery.uri': `http://127.0.0.1:${port}`,
      'query.max-memory': '1GB',
      'query.max-memory-per-node': '512MB',
      'http-server.https.enabled': 'true',
      'http-server.https.port': String(httpsPort),
      'http-server.https.keystore.path': keystore,
      'http-server.https.keystore.key': keystorePassword,
      'http-server.authentication.type': 'PASSWORD',
      'http-server.authentication.allow-insecure-over-http': 'true',
      'internal-communication.shared-secret': randomBytes(24).toString('base64'),
    }),
  );
  writeFileSync(join(etc, 'log.properties'), props({ 'io.trino': 'WARN', 'io.airlift': 'WARN', 'org.apache.iceberg': 'WARN' }));
  writeFileSync(join(etc, 'catalog', 'memory.properties'), props({ 'connector.name': 'memory' }));
  const db = opts.catalogDb;
  writeFileSync(
    join(etc, 'catalog', 'iceberg.properties'),
    props({
      'connector.name': 'iceberg',
      'iceberg.catalog.type': 'jdbc',
      'iceberg.jdbc-catalog.driver-class': 'org.postgresql.Driver',
      'iceberg.jdbc-catalog.connection-url': `jdbc:postgresql://${db.host.includes(':') ? `[${db.host}]` : db.host}:${db.port}/${catalogDatabase}`,
      'iceberg.jdbc-catalog.connection-user': db.user,
      ...(db.password ? { 'iceberg.jdbc-catalog.connection-password': db.password } : {}),
      'iceberg.jdbc-catalog.catalog-name': 'kiln',
      'iceberg.jdbc-catalog.schema-version': 'V1',
      'iceberg.jdbc-catalog.default-warehouse-dir': 'local:///',
      'fs.native-local.enabled': 'true',
      'local.location': warehouse,
    }),
  );

  const logFile = join(base, 'server.log');
  const fd = openSync(logFile, 'a');
  // A small shell stays between us and the server as its watchdog: it ends the server when this
  // process is gone (a test run killed without teardown leaves no Trino behind). It runs in a
  // process group of its own, so the group can be killed as a whole.
  const child: ChildProcess = spawn('bash', ['-c', WATCHDOG], {
    env: {
      ...process.env,
      JAVA_HOME: javaHome,
      PATH: `${join(javaHome, 'bin')}:${process.env.PATH ?? ''}`,
      KILN_TRINO_LAUNCHER: join(dir, 'bin', 'launcher'),
      KILN_TRINO_ETC: etc,
      KILN_TRINO_DATA: data,
      KILN_TRINO_WATCH_PID: String(process.pid),
    },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };

  let stopped = false;
  const kill = (): void => {
    if (stopped) return;
    stopped = true;
    if (exited === null) killGroup('SIGKILL');
  };
  process.once('exit', kill);
  const url = `http://127.0.0.1:${port}`;
  const ready = waitUntilReady(url, () => exited, logFile);
  // Keep an unobserved failure from crashing the process; callers await `ready` themselves.
  ready.catch(() => undefined);
  return {
    host: '127.0.0.1',
    port,
    url,
    https: { port: httpsPort, url: `https://127.0.0.1:${httpsPort}`, user: TRINO_TEST_USER, password, caFile },
    logFile,
    ready,
    stop: async () => {
      process.removeListener('exit', kill);
      if (exited === null && !stopped) {
        stopped = true;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      await dropCatalogDatabase(db, catalogDatabase).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** The watchdog shell: starts the server, ends it with this process, passes a TERM on. */
const WATCHDOG = `
"$KILN_TRINO_LAUNCHER" run --etc-dir="$KILN_TRINO_ETC" --data-dir="$KILN_TRINO_DATA" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server; exit 0' TERM INT
while kill -0 "$KILN_TRINO_WATCH_PID" 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 2 & wait $!; done
kill -KILL $server 2>/dev/null
wait $server
`;

/**
 * Why the server does not yet run a query on a catalog's tables, or null once it does. Right after
 * start a coordinator answers /v1/info as started while its own worker is not yet registered:
 * queries then fail with NO_NODES_AVAILABLE (a test run failed on it).
 */
export async function queryRefusal(url: string): Promise<string | null> {
  let next: string | undefined = `${url}/v1/statement`;
  let first = true;
  while (next) {
    const res: Response = await fetch(next, {
      method: first ? 'POST' : 'GET',
      headers: { 'X-Trino-User': 'kiln_test', 'X-Trino-Source': 'kiln-tests-ready' },
      ...(first ? { body: 'select count(*) from memory.information_schema.schemata' } : {}),
      signal: AbortSignal.timeout(5_000),
    });
    first = false;
    const body = (await res.json()) as { nextUri?: string; error?: { errorName?: string; message?: string } };
    if (body.error) return `${body.error.errorName ?? 'error'}: ${body.error.message ?? ''}`;
    next = body.nextUri;
  }
  return null;
}

/** Polls /v1/info until the server says it has started, then until it runs a query. */
async function waitUntilReady(url: string, exited: () => string | null, logFile: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) throw new Error(`The test Trino server ${gone} before it was ready. Its log (${logFile}) ends with:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/v1/info`, { signal: AbortSignal.timeout(2_000) });
      const info = (await res.json()) as { starting?: boolean };
      if (info.starting === false) {
        const refused = await queryRefusal(url);
        if (refused === null) return;
        last = refused;
      } else last = 'still starting';
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The test Trino server at ${url} was not ready after ${timeoutMs / 1000} s (${last}). Its log (${logFile}) ends with:\n${tail(logFile)}`);
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost in a PKCS12 keystore (the server's), and
 * the certificate alone as PEM (what a client trusts), with the JDK's keytool: no other tool needed.
 */
async function makeCertificate(javaHome: string, keystore: string, password: string, pemFile: string): Promise<void> {
  const keytool = join(javaHome, 'bin', 'keytool');
  const common = ['-alias', 'kiln-test', '-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password];
  try {
    await run(keytool, ['-genkeypair', ...common, '-keypass', password, '-keyalg', 'EC', '-groupname', 'secp256r1', '-validity', '30', '-dname', 'CN=localhost', '-ext', 'SAN=ip:127.0.0.1,dns:localhost', '-noprompt'], { timeout: 60_000 });
    await run(keytool, ['-exportcert', '-rfc', ...common, '-file', pemFile], { timeout: 60_000 });
  } catch (e) {
    throw new Error(`Could not make the test Trino's https certificate with ${keytool}: ${describeExecError(e)}`);
  }
}

/**
 * A password file entry Trino's file authenticator accepts: PBKDF2 as `iterations:salt:hash`,
 * hex encoded (bcrypt is the other format; this needs no package). Trino 476 checks it with
 * PBKDF2WithHmacSHA1 (its EncryptionUtil), the key as long as the stored hash.
 */
export function pbkdf2Hash(password: string, iterations = 1000): string {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha1');
  return `${iterations}:${salt.toString('hex')}:${hash.toString('hex')}`;
}

/** The JDBC catalog's two tables (Trino does not create them): Iceberg's schema version V1, with views. */
const CATALOG_TABLES = [
  `create table iceberg_namespace_properties (
     catalog_name varchar(255) not null, namespace varchar(255) not null,
     property_key varchar(255), property_value varchar(1000),
     primary key (catalog_name, namespace, property_key))`,
  `create table iceberg_tables (
     catalog_name varchar(255) not null, table_namespace varchar(255) not null, table_name varchar(255) not null,
     metadata_location varchar(1000), previous_metadata_location varchar(1000), iceberg_type varchar(5),
     primary key (catalog_name, table_namespace, table_name))`,
];

async function createCatalogDatabase(db: IcebergCatalogDb, name: string): Promise<void> {
  await withPg(db, db.adminDatabase, (c) => c.query(`create database "${name}"`));
  await withPg(db, name, async (c) => {
    for (const sql of CATALOG_TABLES) await c.query(sql);
  });
}

async function dropCatalogDatabase(db: IcebergCatalogDb, name: string): Promise<void> {
  await withPg(db, db.adminDatabase, (c) => c.query(`drop database if exists "${name}" with (force)`));
}

async function withPg<T>(db: IcebergCatalogDb, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`The iceberg catalog's PostgreSQL (${db.host}:${db.port}, database "${database}") is not reachable: ${(e as Error).message}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function props(entries: Record<string, string>): string {
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
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

function describeExecError(e: unknown): string {
  const x = e as { message?: string; stderr?: string; stdout?: string };
  return [x.message, x.stderr, x.stdout].filter((s) => s && s.trim()).join('\n').trim();
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// `node --import tsx tests/setup/trino-server.ts prepare`: download and unpack ahead of a test run.
if (process.argv[1] && /trino-server\.ts$/.test(process.argv[1]) && process.argv[2] === 'prepare') {
  ensureTrinoServer((line) => console.log(line)).then(
    (dir) => {
      console.log(`trino-server ${TRINO_VERSION} ready in ${dir} (Java: ${findJavaHome()})`);
    },
    (e: unknown) => {
      console.error((e as Error).message);
      process.exit(1);
    },
  );
}
