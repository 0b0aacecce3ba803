// Seeds on Trino: no bulk path reaches a catalog through the HTTP protocol, so the CSV is read
// here, with the same parser settings as kiln's seed reader (core/seeds), and inserted in batches
// of literal rows: `insert into t select cast(c1 as <type>), ... from (values (...), ...)`.
// Every field is sent as a quoted string and cast to the column's type on the server, so values
// convert exactly as a cast would; an empty field (quoted or not) is NULL.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Codes, KilnError } from '../../core/errors.js';
import type { ExecResult, RelationName, SeedLoad } from '../adapter.js';
import { quoteIdentifier, quoteLiteral, renderRelation } from './dialect.js';

/** Trino refuses statements over 1,000,000 characters (query.max-length); stay well below. */
const MAX_BATCH_CHARS = 400_000;
const MAX_BATCH_ROWS = 2_000;

/** The INSERT statements that load `load` into `target`, in order. */
export function csvInsertStatements(target: RelationName, load: SeedLoad, text: string): string[] {
  const records = parse(text, {
    bom: true,
    delimiter: load.delimiter,
    quote: '"',
    escape: '"',
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: false,
  }) as string[][];
  const width = load.columns.length;
  const names = load.columns.map((c) => (load.quoteColumns ? quoteIdentifier(c.name) : c.name));
  const aliases = load.columns.map((_, i) => `c${i + 1}`);
  const timestamps = load.columns.map((c) => /^timestamp/i.test(c.sqlType.trim()));
  const head =
    `insert into ${renderRelation(target)} (${names.join(', ')})\n` +
    `select ${load.columns.map((c, i) => `cast(${aliases[i]} as ${c.sqlType})`).join(', ')}\nfrom (values\n`;
  const tail = `\n) as dbt_seed(${aliases.join(', ')})`;
  const statements: string[] = [];
  let batch: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (batch.length) statements.push(head + batch.join(',\n') + tail);
    batch = [];
    size = 0;
  };
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    // An empty line is no row in a file of several columns (as kiln's reader counts them).
    if (rec.length === 1 && rec[0] === '' && width > 1) continue;
    if (rec.length !== width) throw new KilnError(Codes.CSV_MALFORMED, `${load.file}: a row has ${rec.length} fields, the header has ${width}`, { loc: { file: load.file } });
    const row = `(${rec.map((v, i) => (v === '' ? 'null' : quoteLiteral(timestamps[i] ? v.replace('T', ' ') : v))).join(', ')})`;
    if (batch.length && (size + row.length > MAX_BATCH_CHARS || batch.length >= MAX_BATCH_ROWS)) flush();
    batch.push(row);
    size += row.length + 2;
  }
  flush();
  return statements;
}

export async function loadCsvInBatches(target: RelationName, load: SeedLoad, execute: (sql: string) => Promise<ExecResult>): Promise<ExecResult> {
  const text = readFileSync(load.file, 'utf8');
  let rows = 0;
  for (const sql of csvInsertStatements(target, load, text)) {
    const r = await execute(sql);
    rows += r.rowsAffected ?? 0;
  }
  return { rowsAffected: rows, message: 'INSERT' };
}
