// Running SQL text that may hold several statements, and summarising the last one's result.
import { StatementType, type DuckDBConnection, type DuckDBMaterializedResult } from '@duckdb/node-api';
import type { ExecResult } from '../adapter.js';
import { fromBigint } from './values.js';

/** True when the text has nothing but whitespace, `;` and comments (DuckDB rejects it). */
export function isBlankSql(sql: string): boolean {
  const stripped = sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return /^[\s;]*$/.test(stripped);
}

/**
 * Runs every statement in order and returns the last result. The driver's `run()` on a
 * multi-statement string returns the first SELECT's result, not the last.
 */
export async function runStatements(conn: DuckDBConnection, sql: string): Promise<DuckDBMaterializedResult> {
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (e) {
    // The driver prefixes parser errors; users only need DuckDB's part.
    if (e instanceof Error) e.message = e.message.replace(/^Failed to extract statements: /, '');
    throw e;
  }
  let last: DuckDBMaterializedResult | undefined;
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await extracted.prepare(i);
    try {
      last = await prepared.run();
    } finally {
      prepared.destroySync();
    }
  }
  if (!last) throw new Error('no statement to run');
  return last;
}

const MESSAGES: Partial<Record<StatementType, string>> = {
  [StatementType.SELECT]: 'SELECT',
  [StatementType.INSERT]: 'INSERT',
  [StatementType.UPDATE]: 'UPDATE',
  [StatementType.DELETE]: 'DELETE',
  [StatementType.MERGE_INTO]: 'MERGE',
  [StatementType.CREATE]: 'CREATE',
  [StatementType.ALTER]: 'ALTER',
  [StatementType.DROP]: 'DROP',
  [StatementType.COPY]: 'COPY',
};

const ROW_CHANGING = new Set<StatementType>([StatementType.INSERT, StatementType.UPDATE, StatementType.DELETE, StatementType.MERGE_INTO]);

export async function summarize(result: DuckDBMaterializedResult): Promise<ExecResult> {
  const type = result.statementType;
  let rows: number | null = null;
  if (ROW_CHANGING.has(type)) {
    rows = result.rowsChanged;
  } else if (type === StatementType.SELECT) {
    rows = result.rowCount;
  } else if (result.columnCount === 1 && result.columnName(0) === 'Count' && result.rowCount === 1) {
    // CREATE TABLE AS and COPY report their row count as a one-cell `Count` result.
    const cell = (await result.getRows())[0]?.[0];
    if (typeof cell === 'bigint') {
      const n = fromBigint(cell);
      rows = typeof n === 'number' ? n : null;
    } else if (typeof cell === 'number') {
      rows = cell;
    }
  }
  const word = MESSAGES[type] ?? 'OK';
  return { rowsAffected: rows, message: rows === null || word === 'OK' ? word : `${word} ${rows}` };
}
