// Running SQL text that may hold several statements, and summarising the last one's result.
import { StatementType, type DuckDBConnection, type DuckDBMaterializedResult } from '@duckdb/node-api';
import type { ExecResult } from '../adapter.js';
import { fromBigint } from './values.js';

/** True when the text has nothing but whitespace, `;` and comments (DuckDB rejects it). */
export function isBlankSql(sql: string): boolean {
  // The usual statement starts with a word: answered without copying the text twice.
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    // ';', space, \t \n \v \f \r: skipped, as the pattern below skips them
    if (c === 59 || c === 32 || (c >= 9 && c <= 13)) continue;
    // '-' or '/' may open a comment, and anything else beyond ASCII may be a space: the full check.
    if (c === 45 || c === 47 || c > 127) break;
    // Neither comment pattern can start before this character and cover it: it stays.
    return false;
  }
  const stripped = sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return /^[\s;]*$/.test(stripped);
}

/**
 * Runs every statement in order and returns the last result. The driver's `run()` on a
 * multi-statement string returns the first SELECT's result, not the last.
 */
export async function runStatements(conn: DuckDBConnection, sql: string): Promise<DuckDBMaterializedResult> {
  // One statement (the usual case) goes straight to the driver's query call, which runs off the
  // main thread; extracting and preparing statements happens on it and serialises the workers.
  if (isSingleStatement(sql)) return conn.run(sql);
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

/** True when no `;` separates statements (outside strings, quoted names and comments). */
export function isSingleStatement(sql: string): boolean {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      if (close < 0) return false;
      i = close + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) return false;
      i = close + 2;
    } else if (c === '$') {
      // dollar-quoted strings: be safe and take the general path
      return false;
    } else if (c === ';') {
      return /^[\s;]*$/.test(sql.slice(i).replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, ''));
    } else i++;
  }
  return true;
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
