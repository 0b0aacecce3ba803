// The Trino fields of a profile target, checked and normalised. `catalog` (or dbt-trino's
// `database`) is the catalog models are built in; other catalogs are reached through a model's
// `database` config.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Codes, KilnError } from '../../core/errors.js';
import type { TargetConfig } from '../../core/project/types.js';
import { type ProfileFields, profileNumber, profileString } from '../profile-fields.js';

export interface TrinoProfile {
  readonly host: string;
  readonly port: number;
  readonly httpScheme: 'http' | 'https';
  readonly user: string;
  /** dbt-trino's `method`: `none` (a user name only) or `ldap` (user and password, over https). */
  readonly method: 'none' | 'ldap';
  /** Runs the queries as this user after authenticating as `user` (dbt-trino's `impersonation_user`). */
  readonly impersonationUser: string | undefined;
  /** Basic authentication (LDAP/password file on the coordinator); Trino accepts it over https only. */
  readonly password: string | undefined;
  readonly catalog: string;
  readonly schema: string;
  readonly threads: number;
  /** Sent with every query (`X-Trino-Session`). */
  readonly sessionProperties: Readonly<Record<string, string>>;
  /** https only: a CA bundle (PEM) to verify the coordinator with, or false to skip verification. */
  readonly cert: string | false | undefined;
  /** Extra HTTP headers sent with every request (dbt-trino's `http_headers`). */
  readonly httpHeaders: Readonly<Record<string, string>>;
  /** Seconds to wait for the coordinator to answer when connecting. */
  readonly connectTimeout: number;
}

const DEFAULT_CONNECT_TIMEOUT = 10;
/** dbt-trino's other authentication methods, which kiln does not speak. */
const KNOWN_METHODS = new Set(['certificate', 'kerberos', 'jwt', 'oauth', 'oauth_console']);

export function readProfile(target: TargetConfig, projectRoot: string): TrinoProfile {
  const f = target.fields;
  const host = str(f, 'host');
  if (!host) throw invalid(`'host' is required`, 'add `host: <the coordinator\'s host name>` to the target');
  const user = str(f, 'user') ?? str(f, 'username');
  if (!user) throw invalid(`'user' is required`, 'add `user: <user name Trino runs the queries as>` to the target');
  const catalog = str(f, 'catalog') ?? (target.database || str(f, 'database'));
  if (!catalog) throw invalid(`'catalog' is required`, 'add `catalog: <catalog to build in>` (e.g. iceberg) to the target');
  const method = (str(f, 'method') ?? 'none').toLowerCase();
  if (method !== 'none' && method !== 'ldap') {
    if (KNOWN_METHODS.has(method)) {
      throw invalid(`authentication method '${method}' is not supported by kiln`, 'use `method: ldap` (user and password over https, which also serves password files) or `method: none`');
    }
    throw invalid(`'method' must be none or ldap, got '${method}'`);
  }
  const password = f.password === undefined || f.password === null || f.password === '' ? undefined : String(f.password);
  if (method === 'ldap' && password === undefined) throw invalid(`'method: ldap' needs a 'password'`, "e.g. password: \"{{ env_var('KILN_SECRET_TRINO_PASSWORD') }}\"");
  const explicitScheme = str(f, 'http_scheme')?.toLowerCase();
  // A password goes over https only (as in dbt-trino, where `method: ldap` always uses https).
  const scheme = explicitScheme ?? (password !== undefined ? 'https' : 'http');
  if (scheme !== 'http' && scheme !== 'https') throw invalid(`'http_scheme' must be http or https, got '${scheme}'`);
  if (password !== undefined && scheme === 'http') {
    throw invalid(`a password is sent over https only, and 'http_scheme' is http`, 'set `http_scheme: https` (Trino accepts passwords over https only), or remove `password`');
  }
  const port = num(f, 'port') ?? (scheme === 'https' ? 443 : 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`'port' must be a whole number from 1 to 65535, got ${port}`);
  const connectTimeout = num(f, 'connect_timeout') ?? DEFAULT_CONNECT_TIMEOUT;
  if (!(connectTimeout > 0)) throw invalid(`'connect_timeout' must be a number of seconds above 0, got ${connectTimeout}`);

  const rawSession = f.session_properties ?? {};
  if (typeof rawSession !== 'object' || rawSession === null || Array.isArray(rawSession)) {
    throw invalid(`'session_properties' must be a map of Trino session property names to values`, 'e.g. session_properties: { query_max_run_time: 1h }');
  }
  const sessionProperties: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawSession as Record<string, unknown>)) {
    // Catalog session properties are `catalog.property`.
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(k)) throw invalid(`'session_properties' has an invalid property name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw invalid(`session property '${k}' must be a string, number or boolean`);
    sessionProperties[k] = String(v);
  }

  let cert: string | false | undefined;
  if (f.cert === false || f.cert === 'false') cert = false;
  else if (typeof f.cert === 'string' && f.cert !== '') cert = isAbsolute(f.cert) ? f.cert : resolve(projectRoot, f.cert);
  else if (f.cert !== undefined && f.cert !== null && f.cert !== true && f.cert !== 'true') throw invalid(`'cert' must be a path to a CA bundle (PEM), true or false`);
  // Over http there is nothing to verify: `cert` is ignored, as dbt-trino does.
  if (scheme === 'http') cert = undefined;

  const rawHeaders = f.http_headers ?? {};
  if (typeof rawHeaders !== 'object' || rawHeaders === null || Array.isArray(rawHeaders)) throw invalid(`'http_headers' must be a map of header names to values`);
  const httpHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawHeaders as Record<string, unknown>)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) throw invalid(`'http_headers' has an invalid header name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw invalid(`http header '${k}' must be a string, number or boolean`);
    httpHeaders[k] = String(v);
  }

  return {
    host,
    port,
    httpScheme: scheme,
    user,
    method,
    impersonationUser: str(f, 'impersonation_user'),
    password,
    catalog,
    schema: target.schema,
    threads: Number.isInteger(target.threads) && target.threads > 0 ? target.threads : 1,
    sessionProperties,
    cert,
    httpHeaders,
    connectTimeout,
  };
}

/** The CA bundle's contents, read when the adapter opens. */
export function readCert(p: TrinoProfile): Buffer | undefined {
  if (typeof p.cert !== 'string') return undefined;
  try {
    return readFileSync(p.cert);
  } catch (e) {
    throw invalid(`cannot read 'cert' ${p.cert}: ${(e as Error).message}`, 'give the path of a PEM file with the CA that signed the coordinator\'s certificate');
  }
}

export function serverUrl(p: TrinoProfile): string {
  const host = p.host.includes(':') && !p.host.startsWith('[') ? `[${p.host}]` : p.host;
  return `${p.httpScheme}://${host}:${p.port}`;
}

/** `http://host:port, catalog "c", user "u"`: where kiln tried to connect, never the password. */
export function describeTarget(p: TrinoProfile): string {
  const as = p.impersonationUser ? ` as "${p.impersonationUser}"` : '';
  return `${serverUrl(p)}, catalog "${p.catalog}", user "${p.user}"${as}${p.password !== undefined ? ' with a password' : ''}`;
}

function invalid(message: string, hint?: string): KilnError {
  return new KilnError(Codes.CONFIG_INVALID, `Trino profile: ${message}`, { hint });
}

function str(f: ProfileFields, key: string): string | undefined {
  return profileString(f, key, invalid);
}

function num(f: ProfileFields, key: string): number | undefined {
  return profileNumber(f, key, invalid);
}
