// Reads a DuckDB file directly (not through kiln) so tests check what really landed.
import { DuckDBInstance } from '@duckdb/node-api';

export async function queryDuckDb(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export async function relationsOf(file: string): Promise<{ name: string; type: string }[]> {
  const rows = await queryDuckDb(
    file,
    `select table_name as name, case table_type when 'VIEW' then 'view' else 'table' end as type
     from information_schema.tables where table_schema = 'main' order by 1`,
  );
  return rows as { name: string; type: string }[];
}
