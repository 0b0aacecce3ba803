// The profiles.yml of a PostgreSQL benchmark project (postgres-dag, postgres-seed).
import type { PgServerInfo } from '../../setup/postgres.js';

export function postgresProfileYml(s: PgServerInfo, database: string, schema: string, threads: number): string {
  return [
    'bench:',
    '  target: pg',
    '  outputs:',
    '    pg:',
    '      type: postgres',
    `      host: ${s.host}`,
    `      port: ${s.port}`,
    `      user: ${s.user}`,
    ...(s.password ? [`      password: ${JSON.stringify(s.password)}`] : []),
    `      dbname: ${database}`,
    `      schema: ${schema}`,
    `      threads: ${threads}`,
    '      sslmode: disable',
    '',
  ].join('\n');
}
