// The seed bulk path: COPY ... FROM STDIN in CSV mode, streaming the file. The file reaches
// the server through a small byte filter so that Postgres reads exactly what kiln's parser
// (core/seeds) read and DuckDB's loader loads:
// - a UTF-8 BOM is dropped;
// - line ends outside quotes become `\n` (COPY refuses a file that mixes `\n`, `\r\n` and `\r`);
// - empty lines are dropped when the table has several columns (COPY would fail with "missing
//   data"); in a one-column table an empty line stays a NULL row.
// Every empty field, quoted (`""`) or not, loads as NULL: NULL '' plus FORCE_NULL on all columns.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import type { Client } from 'pg';
import { Codes, KilnError } from '../../core/errors.js';
import type { ExecResult, RelationName, SeedColumn, SeedLoad, SeedLoadReading } from '../adapter.js';
import { quoteIdentifier, quoteLiteral, renderRelation } from './dialect.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const LF_LF = Buffer.from([LF, LF]);

export function copySql(target: RelationName, load: SeedLoad): string {
  const cols = load.columns.map((c) => (load.quoteColumns ? quoteIdentifier(c.name) : c.name)).join(', ');
  const options = [
    'format csv',
    'header true',
    `delimiter ${quoteLiteral(load.delimiter)}`,
    `null ''`,
    `force_null (${cols})`,
    `encoding 'UTF8'`,
  ];
  return `copy ${renderRelation(target)} (${cols}) from stdin with (${options.join(', ')})`;
}

export async function copyCsv(client: Client, target: RelationName, load: SeedLoad): Promise<ExecResult> {
  if (Buffer.byteLength(load.delimiter) !== 1) {
    throw new KilnError(Codes.CONFIG_INVALID, `PostgreSQL's COPY needs a one-byte delimiter; this seed's delimiter is ${JSON.stringify(load.delimiter)}`, {
      loc: { file: load.file },
      hint: 'use a single ASCII character such as "," ";" "|" or "\\t"',
    });
  }
  if (load.reading) return copyWhileReading(client, target, load, load.reading);
  const rows = await copyFile(client, target, load);
  checkRows(rows, load.rowCount, load.file);
  return { rowsAffected: rows, message: `INSERT ${rows}` };
}

const SAVEPOINT = 'kiln_seed_load';
/** Bytes read from the file at a time: more queued towards the server while kiln reads a piece. */
const COPY_CHUNK = 1 << 20;

/**
 * A seed kiln has not read yet (SeedLoad.reading): the COPY into the table of guessed column types
 * runs while kiln reads the file (between the COPY's writes), then the answer decides. The guess
 * right (nearly always): done. Wrong: the table is made again with the file's columns and loaded
 * again, from a savepoint taken before the first COPY (so a COPY the guess made fail, e.g. a
 * late value too large for integer, costs a second COPY, never a wrong table).
 */
async function copyWhileReading(client: Client, target: RelationName, load: SeedLoad, reading: SeedLoadReading): Promise<ExecResult> {
  const inTx = client.getTransactionStatus() === 'T';
  if (inTx) await client.query(`savepoint ${SAVEPOINT}`);
  const read = reading.read();
  let rows = -1;
  let copyError: unknown = null;
  try {
    rows = await copyFile(client, target, load);
  } catch (e) {
    // A value the guessed type rejects (or a malformed file: data exceptions, SQLSTATE class 22)
    // waits for the reading; anything else (a cancel, a lost connection) is the answer.
    if (!isDataException(e)) throw e;
    copyError = e;
  }
  await read;
  // The file's own error (at its line) comes before the COPY's.
  const answer = await reading.finish();
  if (sameColumns(answer.columns, load.columns)) {
    if (copyError) throw copyError;
    checkRows(rows, answer.rowCount, load.file);
    if (inTx) await client.query(`release savepoint ${SAVEPOINT}`);
    return { rowsAffected: rows, message: `INSERT ${rows}` };
  }
  if (inTx) await client.query(`rollback to savepoint ${SAVEPOINT}`);
  const cols = answer.columns.map((c) => `  ${load.quoteColumns ? quoteIdentifier(c.name) : c.name} ${c.sqlType}`);
  await client.query(`drop table ${renderRelation(target)}`);
  await client.query(`create table ${renderRelation(target)} (\n${cols.join(',\n')}\n)`);
  const again = await copyFile(client, target, { ...load, columns: answer.columns, reading: undefined });
  checkRows(again, answer.rowCount, load.file);
  if (inTx) await client.query(`release savepoint ${SAVEPOINT}`);
  return { rowsAffected: again, message: `INSERT ${again}` };
}

/** COPY of the whole file; the rows the server loaded. */
async function copyFile(client: Client, target: RelationName, load: SeedLoad): Promise<number> {
  // Loaded by the first seed: a run of models never needs them (pg-copy-streams brings node:assert; ~3 ms of start-up CPU).
  // require(), not import(): the one-file CLI runs in a vm.Script, where import() of a module
  // outside the bundle (a node: built-in) is refused.
  const { default: copyStreams } = await import('pg-copy-streams');
  const { pipeline } = createRequire(import.meta.url)('node:stream/promises') as typeof import('node:stream/promises');
  const copy = client.query(copyStreams.from(copySql(target, load)));
  await pipeline(createReadStream(load.file, { highWaterMark: COPY_CHUNK }), new CsvForCopy(load.columns.length > 1), copy);
  return copy.rowCount;
}

function checkRows(rows: number, expected: number, file: string): void {
  if (rows !== expected) {
    throw new KilnError(Codes.DATABASE_ERROR, `PostgreSQL loaded ${rows} rows from ${file}, but kiln read ${expected} rows in it`, {
      loc: { file },
      hint: 'the two CSV readers disagree about this file; please report it with the file',
    });
  }
}

function sameColumns(a: readonly SeedColumn[], b: readonly SeedColumn[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i].name && c.sqlType === b[i].sqlType);
}

function isDataException(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** The byte filter described at the top of the file. State is kept across chunks. */
export class CsvForCopy extends Transform {
  /** BOM bytes matched at the start of the file so far; -1 once past it. */
  private bom = 0;
  private inQuote = false;
  /** No byte of the current line has been written yet. */
  private atLineStart = true;
  /** The previous byte was a `\r` line end outside quotes, so a following `\n` belongs to it. */
  private afterCr = false;

  constructor(private readonly dropEmptyLines: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.passThrough(chunk)) {
      done(null, chunk);
      return;
    }
    // Output is never longer than input, except for a partial BOM given back (2 bytes at most).
    const out = Buffer.allocUnsafe(chunk.length + 2);
    let n = 0;
    let i = 0;
    for (; this.bom >= 0 && i < chunk.length; i++) {
      if (chunk[i] === BOM[this.bom]) {
        if (++this.bom === BOM.length) this.bom = -1;
        continue;
      }
      // Not a BOM after all: the bytes held back are data.
      const held = BOM.subarray(0, this.bom);
      this.bom = -1;
      for (const b of held) n = this.put(b, out, n);
      break;
    }
    for (; i < chunk.length; i++) n = this.put(chunk[i], out, n);
    done(null, out.subarray(0, n));
  }

  override _flush(done: TransformCallback): void {
    // A file of only a partial BOM: give the bytes back.
    if (this.bom > 0) {
      const held = Buffer.from(BOM.subarray(0, this.bom));
      this.bom = -1;
      done(null, held);
      return;
    }
    done();
  }

  /**
   * The common case, at native speed: past the BOM, a chunk without `\r` and without an empty
   * line (no `\n\n`, no `\n` right after a line end) needs no change. Then only the state is
   * carried forward, and true is returned. A `\n\n` inside quotes merely takes the byte loop.
   */
  private passThrough(chunk: Buffer): boolean {
    if (this.bom >= 0 || this.afterCr || chunk.length === 0 || chunk.indexOf(CR) !== -1) return false;
    if (this.dropEmptyLines && ((this.atLineStart && chunk[0] === LF) || chunk.indexOf(LF_LF) !== -1)) return false;
    // Every quote toggles the state (a doubled one twice, as in put()).
    let quotes = 0;
    for (let at = chunk.indexOf(QUOTE); at !== -1; at = chunk.indexOf(QUOTE, at + 1)) quotes++;
    if (quotes % 2 === 1) this.inQuote = !this.inQuote;
    // A line end as the last byte, outside quotes, leaves us at a line start; any other last byte
    // (data, a quote, a line end inside quotes) does not.
    this.atLineStart = chunk[chunk.length - 1] === LF && !this.inQuote;
    return true;
  }

  /** Writes byte `b` (or nothing) to `out` at `n`; returns the new length. */
  private put(b: number, out: Buffer, n: number): number {
    if (this.afterCr) {
      this.afterCr = false;
      if (b === LF) return n; // the second half of `\r\n`, already written as `\n` (or dropped)
    }
    if (this.inQuote) {
      if (b === QUOTE) this.inQuote = false;
      out[n] = b;
      return n + 1;
    }
    if (b === LF || b === CR) {
      this.afterCr = b === CR;
      if (this.atLineStart && this.dropEmptyLines) return n;
      this.atLineStart = true;
      out[n] = LF;
      return n + 1;
    }
    if (b === QUOTE) this.inQuote = true;
    this.atLineStart = false;
    out[n] = b;
    return n + 1;
  }
}
