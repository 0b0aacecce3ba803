// The Postgres fields of a profile target (already rendered by the profile loader), checked and
// normalised, and turned into node-postgres client settings.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { ClientConfig } from 'pg';
import { Codes, KilnError } from '../../core/errors.js';
import type { TargetConfig } from '../../core/project/types.js';
import { type ProfileFields, profileNumber, profileString } from '../profile-fields.js';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PostgresProfile {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly schema: string;
  readonly threads: number;
  readonly sslmode: SslMode;
  readonly sslrootcert: string | undefined;
  readonly sslcert: string | undefined;
  readonly sslkey: string | undefined;
  /** Seconds; 0 leaves the operating system's default. */
  readonly keepalivesIdle: number;
  /** Seconds; 0 waits forever (as in libpq). */
  readonly connectTimeout: number;
  readonly searchPath: string | undefined;
  readonly role: string | undefined;
  readonly applicationName: string;
  /** Retries of a node whose transaction failed with a deadlock or serialization failure. */
  readonly retries: number;
  /** Retries of opening a session that failed transiently (refused, reset, too many connections). */
  readonly connectRetries: number;
  /** Seconds before the first retry; each further retry waits twice as long (at most 30 s). */
  readonly retryDelay: number;
}

/** dbt-postgres' default: a host that does not answer fails after 10 s rather than minutes. */
const DEFAULT_CONNECT_TIMEOUT = 10;
/** dbt-postgres' default `retries`: one more attempt after a transient failure. */
const DEFAULT_RETRIES = 1;
const DEFAULT_RETRY_DELAY = 1;

export function readProfile(target: TargetConfig): PostgresProfile {
  const f = target.fields;
  const host = str(f, 'host') ?? 'localhost';
  const user = str(f, 'user') ?? str(f, 'username');
  if (user === undefined) throw invalid(`'user' is required`, 'add `user: <role to log in as>` to the target');
  const database = target.database || str(f, 'dbname') || str(f, 'database');
  if (!database) throw invalid(`'dbname' is required`, 'add `dbname: <database>` to the target');

  const port = num(f, 'port') ?? 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`'port' must be a whole number from 1 to 65535, got ${port}`);

  const sslmode = (str(f, 'sslmode') ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(sslmode)) throw invalid(`'sslmode' must be one of ${SSL_MODES.join(', ')}, got '${sslmode}'`);

  const keepalivesIdle = num(f, 'keepalives_idle') ?? 0;
  const connectTimeout = num(f, 'connect_timeout') ?? DEFAULT_CONNECT_TIMEOUT;
  for (const [k, v] of [['keepalives_idle', keepalivesIdle], ['connect_timeout', connectTimeout]] as const) {
    if (!Number.isFinite(v) || v < 0) throw invalid(`'${k}' must be a number of seconds (0 or more), got ${v}`);
  }

  const retries = num(f, 'retries') ?? DEFAULT_RETRIES;
  const connectRetries = num(f, 'connect_retries') ?? retries;
  for (const [k, v] of [['retries', retries], ['connect_retries', connectRetries]] as const) {
    if (!Number.isInteger(v) || v < 0) throw invalid(`'${k}' must be a whole number (0 or more), got ${v}`, '0 turns retrying off');
  }
  const retryDelay = num(f, 'retry_delay') ?? DEFAULT_RETRY_DELAY;
  if (!Number.isFinite(retryDelay) || retryDelay < 0) throw invalid(`'retry_delay' must be a number of seconds (0 or more), got ${retryDelay}`);

  const password = f.password === undefined || f.password === null ? undefined : String(f.password);
  return {
    host,
    port,
    user,
    password,
    database,
    schema: target.schema,
    threads: Number.isInteger(target.threads) && target.threads > 0 ? target.threads : 1,
    sslmode,
    sslrootcert: str(f, 'sslrootcert'),
    sslcert: str(f, 'sslcert'),
    sslkey: str(f, 'sslkey'),
    keepalivesIdle,
    connectTimeout,
    searchPath: str(f, 'search_path'),
    role: str(f, 'role'),
    applicationName: str(f, 'application_name') ?? 'kiln',
    retries,
    connectRetries,
    retryDelay,
  };
}

/** `host:port, database "db", user "u"`: where we tried to connect, never the password. */
export function describeTarget(p: PostgresProfile): string {
  return `${p.host}:${p.port}, database "${p.database}", user "${p.user}"`;
}

/**
 * TLS settings for an sslmode: `require` encrypts without checking the certificate (as libpq
 * does without a root certificate), the `verify-*` modes check it; `prefer`/`allow` are
 * resolved into one of these by the adapter on its first connection.
 */
export function tlsOptions(p: PostgresProfile, mode: 'off' | 'unverified' | 'verified'): ConnectionOptions | false {
  if (mode === 'off') return false;
  const files: ConnectionOptions = {};
  try {
    if (p.sslrootcert) files.ca = readFileSync(p.sslrootcert);
    if (p.sslcert) files.cert = readFileSync(p.sslcert);
    if (p.sslkey) files.key = readFileSync(p.sslkey);
  } catch (e) {
    throw invalid(`cannot read an SSL file: ${(e as Error).message}`, 'check sslrootcert, sslcert and sslkey');
  }
  if (mode === 'unverified') return { ...files, rejectUnauthorized: false };
  // verify-ca checks the chain only; verify-full also the host name (Node's default).
  return p.sslmode === 'verify-ca' ? { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined } : { ...files, rejectUnauthorized: true };
}

/** node-postgres settings for one client. Type parsers are added by the caller. */
export function clientConfig(p: PostgresProfile, ssl: ConnectionOptions | false): ClientConfig {
  return {
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    database: p.database,
    ssl,
    application_name: p.applicationName,
    connectionTimeoutMillis: Math.round(p.connectTimeout * 1000),
    keepAlive: true,
    keepAliveInitialDelayMillis: Math.round(p.keepalivesIdle * 1000),
  };
}

function invalid(message: string, hint?: string): KilnError {
  return new KilnError(Codes.CONFIG_INVALID, `Postgres profile: ${message}`, { hint });
}

function str(f: ProfileFields, key: string): string | undefined {
  return profileString(f, key, invalid);
}

function num(f: ProfileFields, key: string): number | undefined {
  return profileNumber(f, key, invalid);
}
