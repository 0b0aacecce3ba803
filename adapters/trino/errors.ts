// Trino failures → KilnErrors: a query's error with its name and the position Trino reports,
// shown under the line it points at; transport failures (refused, unknown host, 401, 503) with
// where kiln tried to connect and what to check (never the password).
import { Codes, KilnError } from '../../core/errors.js';
import { pointAt, StatementError } from '../../core/sql-position.js';
import { describeTarget, type TrinoProfile } from './profile.js';

/** The `error` object of a failed query in Trino's protocol. */
export interface TrinoQueryError {
  readonly message: string;
  readonly errorName?: string;
  readonly errorType?: string;
  readonly errorLocation?: { readonly lineNumber: number; readonly columnNumber: number };
}

/** Errors that end a query because someone asked, not because of the SQL. */
const CANCEL_NAMES = new Set(['USER_CANCELED', 'ADMINISTRATIVELY_KILLED']);

export function queryError(err: TrinoQueryError, sql: string, cancelRequested: boolean): KilnError {
  if (cancelRequested && CANCEL_NAMES.has(err.errorName ?? '')) return new KilnError(Codes.CANCELLED, 'query cancelled');
  const message = err.errorName ? `${err.errorName}: ${err.message}` : err.message;
  const hint = hintFor(err);
  const loc = err.errorLocation;
  const position = loc ? characterPosition(sql, loc.lineNumber, loc.columnNumber) : null;
  const pointer = position === null ? null : pointAt(sql, position);
  if (position === null || pointer === null) return new KilnError(Codes.DATABASE_ERROR, message, { hint });
  // The runner moves the pointer onto the model's compiled SQL.
  return new StatementError(Codes.DATABASE_ERROR, `${message}\n${pointer}`, sql, position, { hint });
}

function hintFor(err: TrinoQueryError): string | undefined {
  if (err.errorName === 'NOT_SUPPORTED') return "this catalog's connector cannot do that; see the README's Trino section for what each connector supports";
  if (err.errorName === 'CATALOG_NOT_FOUND') return 'check `catalog` in profiles.yml and the `database` configs of your models against `show catalogs`';
  if (err.errorName === 'SCHEMA_NOT_FOUND') return 'check `schema` in profiles.yml and the `schema` configs of your models';
  return undefined;
}

/** Trino's 1-based line and column (UTF-16 units, Java's) → a 1-based code point position in `sql`. */
export function characterPosition(sql: string, line: number, column: number): number | null {
  if (!Number.isInteger(line) || !Number.isInteger(column) || line < 1 || column < 1) return null;
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = sql.indexOf('\n', offset);
    if (nl < 0) return null;
    offset = nl + 1;
  }
  const at = offset + column - 1;
  if (at > sql.length) return null;
  return Array.from(sql.slice(0, at)).length + 1;
}

interface HttpFailure {
  readonly code?: string;
  readonly message?: string;
  readonly response?: { readonly status?: number; readonly data?: unknown };
  readonly errors?: readonly { readonly code?: string }[];
}

/** A failure to talk to the coordinator at all (not a failed query). */
export function transportError(e: unknown, p: TrinoProfile): KilnError {
  if (e instanceof KilnError) return e;
  const x = (e ?? {}) as HttpFailure;
  const where = describeTarget(p);
  const fail = (what: string, hint: string, code: string = Codes.DATABASE_UNREACHABLE): KilnError =>
    new KilnError(code, `Could not reach Trino (${where}): ${what}`, { hint });
  const status = x.response?.status;
  if (status === 401) {
    return fail(
      `authentication failed (HTTP 401)${bodyText(x.response?.data)}`,
      p.password === undefined ? 'the coordinator asks for a password: set `password` in profiles.yml (and http_scheme: https)' : 'check `user` and `password` in profiles.yml',
    );
  }
  if (status === 403) return fail('access denied (HTTP 403)', `user "${p.user}" may not run queries on this cluster; ask its administrator`);
  if (status === 503 || status === 502 || status === 504) return fail(`the coordinator is unavailable (HTTP ${status})`, 'it may be starting or overloaded: try again in a moment');
  if (status !== undefined) return fail(`HTTP ${status}${bodyText(x.response?.data)}`, 'check `host`, `port` and `http_scheme`: is this a Trino coordinator?');
  const code = x.code ?? x.errors?.find((c) => c.code)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return fail('connection refused', `nothing accepts connections on ${p.host}:${p.port}: is the coordinator running, and are \`host\` and \`port\` right?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return fail(`host "${p.host}" not found`, `check \`host\` in profiles.yml: the name "${p.host}" did not resolve`);
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return fail(`no answer (${code})`, 'check `host`, your network and any firewall between here and the coordinator; raise `connect_timeout` if it is only slow');
    case 'ECONNRESET':
    case 'EPROTO':
      return fail(`the connection was reset (${code})`, p.httpScheme === 'http' ? 'the coordinator may only speak https: set http_scheme: https' : 'check `http_scheme` and `port`');
  }
  const msg = x.message ?? String(e);
  if (/certificate|self.signed|SSL|TLS/i.test(msg)) {
    return fail(`TLS: ${msg}`, "give the coordinator's CA in `cert` (a PEM file), or `cert: false` to skip verification");
  }
  if (/aborted|timeout/i.test(msg)) return fail(`no answer within ${p.connectTimeout} s`, 'the coordinator may be down or a firewall may drop the packets; raise `connect_timeout` if it is only slow');
  return fail(msg, 'check host, port, http_scheme, user and password in profiles.yml');
}

function bodyText(data: unknown): string {
  if (typeof data !== 'string' || data.trim() === '') return '';
  const text = data.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return text ? `: ${text.slice(0, 200)}` : '';
}
