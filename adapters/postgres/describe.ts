// What `kiln debug` reports about a live Postgres session: the server, and who and where the
// session is (after the profile's `role` and `search_path` applied). Never the password.
import type { PgConnection } from './connection.js';

export async function describeSession(conn: PgConnection): Promise<[string, string][]> {
  const res = await conn.queryParams(
    `select current_setting('server_version'), current_database(), session_user, current_user,
            current_setting('search_path'),
            coalesce((select ssl from pg_catalog.pg_stat_ssl where pid = pg_catalog.pg_backend_pid()), false)`,
    [],
  );
  const [version, database, sessionUser, currentUser, searchPath, ssl] = res.rows[0] ?? [];
  const user = sessionUser === currentUser ? String(sessionUser) : `${String(sessionUser)} (role ${String(currentUser)})`;
  return [
    ['server', `PostgreSQL ${String(version)}`],
    ['connected to', `database "${String(database)}" as ${user}`],
    ['search_path', String(searchPath)],
    ['ssl', ssl === true ? 'on' : 'off'],
  ];
}
