// Driver and server errors → KilnErrors: the server's own message, its DETAIL and HINT, and the
// error position shown as psql shows it; connection failures with where kiln tried to connect
// and what to check (never the password).
import { DatabaseError } from 'pg';
import { Codes, KilnError } from '../../core/errors.js';
import { pointAt, StatementError } from '../../core/sql-position.js';
import { describeTarget, type PostgresProfile } from './profile.js';

/** SQLSTATEs after which the session is gone and its client must not be reused. */
const FATAL_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006']);

/**
 * SQLSTATEs of a statement that failed only because of what ran beside it: the server rolled
 * the transaction back, and running the same work again may succeed.
 */
const TRANSIENT_STATEMENT_STATES: Readonly<Record<string, string>> = {
  '40001': 'serialization failure (40001)',
  '40P01': 'deadlock detected (40P01)',
};

/** SQLSTATEs of a refused connection that may be accepted a moment later. */
const TRANSIENT_CONNECT_STATES: Readonly<Record<string, string>> = {
  '53300': 'too many connections (53300)',
  '57P03': 'the server is starting up or shutting down (57P03)',
};

/** Socket errors of a connection attempt worth repeating (the server restarting, a network blip). */
const TRANSIENT_CONNECT_ERRNOS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EAI_AGAIN: 'host name lookup failed for now',
};

/** Why a statement's failure is transient (a deadlock, a serialization failure), or undefined. */
export function transientStatementReason(e: unknown): string | undefined {
  return isDatabaseError(e) ? TRANSIENT_STATEMENT_STATES[e.code ?? ''] : undefined;
}

/**
 * Why a failed connection attempt may succeed if repeated, or undefined (a wrong password, an
 * unknown database or host name never will).
 */
export function transientConnectReason(e: unknown): string | undefined {
  if (isDatabaseError(e)) return TRANSIENT_CONNECT_STATES[e.code ?? ''];
  const errno = errnoOf(e);
  if (errno) return TRANSIENT_CONNECT_ERRNOS[errno];
  const msg = e instanceof Error ? e.message : '';
  if (/Connection terminated unexpectedly/i.test(msg)) return 'the server closed the connection during start-up';
  if (/timeout expired|connection timeout/i.test(msg)) return 'connect_timeout expired';
  return undefined;
}

export function isDatabaseError(e: unknown): e is DatabaseError {
  return e instanceof DatabaseError;
}

/** True when the connection itself failed (the client is unusable afterwards). */
export function isConnectionLoss(e: unknown): boolean {
  if (isDatabaseError(e)) return e.severity === 'FATAL' || e.severity === 'PANIC' || FATAL_STATES.has(e.code ?? '');
  const msg = e instanceof Error ? e.message : '';
  return /Connection terminated|ECONNRESET|EPIPE|Client has encountered a connection error|not queryable/i.test(msg) || errnoOf(e) !== undefined;
}

/**
 * An error raised while running `sql`. `cancelRequested`: kiln asked to cancel this session's
 * statement, which tells a cancel apart from a statement_timeout (both are SQLSTATE 57014, and
 * the message text depends on the server's language).
 */
export function databaseError(e: unknown, sql?: string, cancelRequested = false): KilnError {
  if (e instanceof KilnError) return e;
  if (isDatabaseError(e)) {
    if (e.code === '57014' && (cancelRequested || /user request/i.test(e.message))) return new KilnError(Codes.CANCELLED, 'query cancelled');
    const parts = [e.message];
    const position = Number(e.position);
    const pointer = position && sql ? pointAt(sql, position) : null;
    if (pointer) parts.push(pointer);
    else if (e.position) parts.push(`(at character ${e.position} of the statement)`);
    if (e.detail) parts.push(`DETAIL: ${e.detail}`);
    // e.g. `COPY t, line 3, column b: "x"` or the PL/pgSQL call stack.
    if (e.where) parts.push(`CONTEXT: ${e.where}`);
    // With the position, the runner can point into the model's compiled SQL instead.
    const transient = transientStatementReason(e);
    // The server's error stays the cause: its SQLSTATE tells some refusals apart (viewReplaceRefused).
    if (pointer && sql) return new StatementError(Codes.DATABASE_ERROR, parts.join('\n'), sql, position, { hint: e.hint, transient, cause: e });
    // A FATAL error ended the session (terminated by an administrator, a restart, a crash).
    const lost = isConnectionLoss(e) ? 'the server ended the session (an administrator terminated it, or the server restarted or crashed); run again' : undefined;
    return new KilnError(Codes.DATABASE_ERROR, parts.join('\n'), { hint: e.hint ?? lost, transient, cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (isConnectionLoss(e)) {
    return new KilnError(Codes.DATABASE_ERROR, `lost the connection to PostgreSQL: ${msg}`, {
      hint: 'the server closed the connection (restart, crash, idle timeout or an administrator terminated it); run again',
    });
  }
  return new KilnError(Codes.DATABASE_ERROR, msg);
}

/** The errno-style code of a socket error (also inside Node's AggregateError for dual-stack hosts). */
function errnoOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  const inner = (e as { errors?: unknown }).errors;
  if (Array.isArray(inner)) for (const x of inner) {
    const c = errnoOf(x);
    if (c) return c;
  }
  return undefined;
}

/** An error raised while connecting (open(), or a new pool connection). */
export function connectError(e: unknown, p: PostgresProfile): KilnError {
  if (e instanceof KilnError) return e;
  const where = describeTarget(p);
  const transient = transientConnectReason(e);
  const fail = (reason: string, hint: string): KilnError =>
    new KilnError(Codes.DATABASE_UNREACHABLE, `Cannot connect to PostgreSQL at ${where}: ${reason}`, { hint, transient });
  const msg = e instanceof Error ? e.message : String(e);
  const hostPort = `${p.host}:${p.port}`;

  if (isDatabaseError(e)) {
    switch (e.code) {
      case '28P01':
        return fail(e.message, `check \`user\` and \`password\` in profiles.yml (if the password comes from env_var(), is that variable set in this shell?)`);
      case '28000':
        if (/role .* does not exist/i.test(e.message)) return fail(e.message, `no login role "${p.user}" on this server: check \`user\`, or create it (createuser -h ${p.host} -p ${p.port} ${p.user})`);
        if (/pg_hba\.conf/i.test(e.message)) return fail(e.message, `the server's pg_hba.conf does not admit this host/user/database${p.sslmode === 'disable' ? ' without SSL: try sslmode: require' : ''}; ask its administrator`);
        return fail(e.message, 'check `user` and the server\'s authentication settings');
      case '3D000':
        return fail(e.message, `create it (createdb -h ${p.host} -p ${p.port} -U ${p.user} ${p.database}) or fix \`dbname\` in profiles.yml`);
      case '53300':
        return fail(e.message, 'the server has no free connection slots: lower `threads`, or close other sessions');
      case '57P03':
        return fail(e.message, 'the server is starting up, shutting down or in recovery: try again in a moment');
      case '42704':
        return fail(e.message, 'check `role` in profiles.yml: `set role` needs an existing role the user is a member of');
      case '42501':
        return fail(e.message, 'check `role` in profiles.yml: the user must be a member of that role');
      default:
        return fail(e.message, 'see the server message above');
    }
  }

  const errno = errnoOf(e);
  switch (errno) {
    case 'ECONNREFUSED':
      return fail('connection refused', `nothing accepts connections on ${hostPort}: is the server running, and are \`host\` and \`port\` right? (try: pg_isready -h ${p.host} -p ${p.port})`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return fail(`host "${p.host}" not found`, `check \`host\` in profiles.yml: the name "${p.host}" did not resolve`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return fail(`${p.host} is unreachable (${errno})`, 'check `host`, your network and any firewall or VPN between here and the server');
    case 'ENOENT':
      return fail(`no Unix socket ${p.host}/.s.PGSQL.${p.port}`, 'is the server running with its socket in that directory? Check `host` and `port`');
    case 'ECONNRESET':
      return fail('the server closed the connection during start-up', p.sslmode === 'disable' ? 'the server may require SSL: set sslmode: require' : 'check sslmode and the server log');
  }
  if (/timeout expired|connection timeout/i.test(msg)) {
    return fail(`no answer within ${p.connectTimeout} s (connect_timeout)`, 'the host may be down or a firewall may drop the packets; raise `connect_timeout` if the server is only slow');
  }
  if (/password must be a string|no password|SASL/i.test(msg)) {
    return fail('the server asks for a password and the profile has none', 'set `password` in profiles.yml, e.g. "{{ env_var(\'PGPASSWORD\') }}"');
  }
  if (/does not support SSL/i.test(msg)) {
    return fail('the server does not support SSL', `sslmode is ${p.sslmode}; use sslmode: prefer or disable for this server`);
  }
  if (/certificate|self.signed|SSL|TLS/i.test(msg)) {
    return fail(`SSL: ${msg}`, `sslmode is ${p.sslmode}: give the server's CA in \`sslrootcert\`, or use sslmode: require to encrypt without verifying`);
  }
  return fail(msg, 'check host, port, dbname, user and password in profiles.yml');
}
