// Reads a seed CSV once: validates its shape (every problem pointing at a physical line) and
// infers column types. Rows are not kept: adapters load the file through their bulk path.
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { parse, CsvError } from 'csv-parse/sync';
import type { SeedColumnType } from '../../adapters/adapter.js';
import { Codes, KilnError } from '../errors.js';
import { decodeUtf8, hasBom } from './decode-utf8.js';
import { ColumnInferrer } from './infer-type.js';
import { findMixedLineEnd, lineEndName } from './line-ends.js';
import { CsvScan } from './scan-csv.js';

export interface SeedColumnInfo {
  readonly name: string;
  /** Inferred type; `text` without inference when the user gave a type. */
  readonly inferred: SeedColumnType;
  /** The user's SQL type from `column_types`, when given (matched by exact column name). */
  readonly userType?: string;
}

export interface SeedInfo {
  readonly columns: readonly SeedColumnInfo[];
  /** Data rows (the header excluded). */
  readonly rowCount: number;
}

export interface ReadSeedOptions {
  /** Field delimiter; `,` by default. */
  readonly delimiter?: string;
  /** User column types by column name; those columns skip inference. */
  readonly columnTypes?: Readonly<Record<string, string>>;
}

/**
 * Reads and checks `file` (absolute), reporting errors against `relPath`.
 * CSV dialect: RFC 4180 quoting with `"` (doubled to escape), line ends `\n`, `\r\n` or `\r`
 * (one kind per file), a UTF-8 BOM is ignored. Empty lines are skipped when the header has
 * several columns; in a one-column file an empty line is a NULL row (as DuckDB reads it too).
 */
export function readSeed(file: string, relPath: string, opts: ReadSeedOptions = {}): SeedInfo {
  return new SeedReading(file, relPath, opts).finish();
}

/** Bytes of a seed's start, and of its end, a guess is made from. */
const GUESS_HEAD_BYTES = 256 << 10;
const GUESS_TAIL_BYTES = 64 << 10;
const LF = 0x0a;

/**
 * readSeed's reading. The constructor decodes the file (or bytes read already) and throws what
 * comes first (unreadable, not UTF-8, NUL bytes, empty); finish() reads the rows and answers
 * (or throws the file's error). SeedReading.guess() answers from the first and last rows only,
 * so that a loader can start loading before the whole file is read (read-in-pieces.ts).
 */
export class SeedReading {
  private readonly delimiter: string;
  private readonly text: string;
  private readonly scan: CsvScan;
  private inferrers: (ColumnInferrer | null)[] = [];
  private answer: SeedInfo | null = null;
  private failure: { readonly error: unknown } | null = null;

  /** `bytes`: the file's content when the caller has read it already. */
  constructor(
    readonly file: string,
    readonly relPath: string,
    private readonly opts: ReadSeedOptions = {},
    bytes?: Buffer,
  ) {
    this.delimiter = opts.delimiter ?? ',';
    checkDelimiter(this.delimiter, relPath);
    const { text } = readText(file, relPath, bytes);
    if (text.trim() === '') throw malformed(relPath, 1, 'the file is empty: a seed needs a header row');
    this.text = text;
    // Fastest: one pass that infers as it scans, for well-formed files (most of them).
    this.scan = new CsvScan(text, this.delimiter, (header) => (this.inferrers = this.newInferrers(header)));
  }

  /** The whole file's columns and row count, as readSeed answers; throws the file's error. */
  finish(): SeedInfo {
    if (this.answer) return this.answer;
    if (this.failure) throw this.failure.error;
    try {
      this.answer = this.readRest();
      return this.answer;
    } catch (e) {
      this.failure = { error: e };
      throw e;
    }
  }

  /**
   * The columns of the file's first rows and last rows (rowCount -1: not counted), read from
   * those only, or null when they do not tell (irregular, not UTF-8, a header readSeed would
   * refuse...: then only reading the file answers). A guess may differ from readSeed's answer
   * (a later value that does not fit): a loader that starts with it must check.
   */
  static guess(file: string, relPath: string, opts: ReadSeedOptions = {}): SeedInfo | null {
    const delimiter = opts.delimiter ?? ',';
    let head: Buffer;
    let tail: Buffer;
    try {
      checkDelimiter(delimiter, relPath);
      const fd = openSync(file, 'r');
      try {
        const size = fstatSync(fd).size;
        head = Buffer.allocUnsafe(Math.min(size, GUESS_HEAD_BYTES));
        head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
        const tailLength = Math.min(Math.max(0, size - head.length), GUESS_TAIL_BYTES);
        tail = Buffer.allocUnsafe(tailLength);
        tail = tail.subarray(0, readSync(fd, tail, 0, tailLength, size - tailLength));
      } finally {
        closeSync(fd);
      }
    } catch {
      return null;
    }
    // Whole lines only (a line end is never inside a UTF-8 sequence).
    if (hasBom(head)) head = head.subarray(3);
    head = head.subarray(0, head.lastIndexOf(LF) + 1);
    tail = tail.subarray(tail.indexOf(LF) + 1);
    if (head.length === 0 || !isUtf8(head) || !isUtf8(tail)) return null;
    const headText = head.toString('utf8');
    const tailText = tail.toString('utf8');
    if (headText.includes('\0') || tailText.includes('\0')) return null;
    let sample: SeedReading;
    try {
      sample = new SeedReading(file, relPath, opts, head);
    } catch {
      return null;
    }
    let inferrers: (ColumnInferrer | null)[] = [];
    const first = new CsvScan(headText, delimiter, (header) => (inferrers = sample.newInferrers(header)));
    // Where the header ends: the scan pauses at the first data record.
    first.advance(1);
    const headerEnd = first.position;
    first.advance(Infinity);
    const scanned = first.result;
    if (!scanned) return null;
    try {
      checkHeader([...scanned.header], relPath);
    } catch {
      return null;
    }
    // The last rows too (ids grow; odd values are often appended); a sample that starts inside a
    // quoted field reads as irregular and is left out.
    if (tailText.length > 0) {
      const tailCsv = headText.slice(0, headerEnd) + tailText;
      const check = new CsvScan(tailCsv, delimiter, (header) => sample.newInferrers(header));
      check.advance(Infinity);
      if (check.result) new CsvScan(tailCsv, delimiter, () => inferrers).advance(Infinity);
    }
    return sample.describe(scanned.header, inferrers, -1);
  }

  /** The header checked as readSeed checks it (its error thrown). */
  checkHeader(names: string[]): string[] {
    return checkHeader(names, this.relPath);
  }

  userTypeOf(name: string): string | undefined {
    const types = this.opts.columnTypes;
    // Own keys only: a column named `constructor` must not pick up Object.prototype's.
    return types && Object.hasOwn(types, name) ? types[name] : undefined;
  }

  newInferrers(header: readonly string[]): (ColumnInferrer | null)[] {
    return header.map((name) => (this.userTypeOf(name) !== undefined ? null : new ColumnInferrer()));
  }

  describe(header: readonly string[], inferrers: readonly (ColumnInferrer | null)[], rowCount: number): SeedInfo {
    return {
      columns: header.map((name, i) => {
        const userType = this.userTypeOf(name);
        return userType !== undefined ? { name, inferred: 'text', userType } : { name, inferred: inferrers[i]!.result() };
      }),
      rowCount,
    };
  }

  private readRest(): SeedInfo {
    const { text, delimiter, relPath } = this;
    this.scan.advance(Infinity);
    const fast = this.scan.result;
    if (fast) {
      checkLineEnds(text, relPath);
      return this.describe(checkHeader([...fast.header], relPath), this.inferrers, fast.rowCount);
    }

    // Otherwise: parse everything, then check and infer. Only when something is wrong does a
    // second, slower pass track line numbers (csv-parse's per-record info costs ~30%).
    let records: string[][];
    try {
      records = parse(text, parseOptions(delimiter));
    } catch (e) {
      if (e instanceof CsvError) throw locateProblem(text, delimiter, relPath);
      throw e;
    }
    checkLineEnds(text, relPath);
    const header = checkHeader(records[0] ?? [], relPath);
    const width = header.length;
    const inferrers = this.newInferrers(header);
    let rowCount = 0;
    for (let r = 1; r < records.length; r++) {
      const rec = records[r];
      if (rec.length !== width) {
        if (isEmptyLine(rec, width)) continue;
        throw locateProblem(text, delimiter, relPath);
      }
      rowCount++;
      for (let i = 0; i < width; i++) inferrers[i]?.add(rec[i]);
    }
    return this.describe(header, inferrers, rowCount);
  }
}

function checkLineEnds(text: string, relPath: string): void {
  const mixed = findMixedLineEnd(text);
  if (mixed) {
    throw malformed(
      relPath,
      mixed.line,
      `line ${mixed.line} ends with ${lineEndName(mixed.found)} but the file's first line ends with ${lineEndName(mixed.expected)}`,
      'save the file with one kind of line ending (database CSV loaders reject mixed ones)',
    );
  }
}

function parseOptions(delimiter: string) {
  return {
    delimiter,
    quote: '"',
    escape: '"',
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: false,
  };
}

/** An empty line parses as one empty field; it is skipped unless the file has one column. */
function isEmptyLine(rec: string[], width: number): boolean {
  return rec.length === 1 && rec[0] === '' && width > 1;
}

/** Re-parses with line tracking and returns the first problem, located at its physical line. */
function locateProblem(text: string, delimiter: string, relPath: string): KilnError {
  let width = -1;
  // Line on which the previous record ended: the next record starts on the line after it.
  let lastEnd = 0;
  try {
    parse(text, {
      ...parseOptions(delimiter),
      on_record: (record: string[], ctx) => {
        const start = lastEnd + 1;
        lastEnd = ctx.lines;
        if (width < 0) {
          width = record.length;
        } else if (record.length !== width && !isEmptyLine(record, width)) {
          const n = record.length;
          throw malformed(relPath, start, `row has ${n} field${n === 1 ? '' : 's'}, header has ${width}`);
        }
        return null;
      },
    });
  } catch (e) {
    if (e instanceof KilnError) return e;
    if (e instanceof CsvError) return fromCsvError(e, relPath, lastEnd + 1);
    throw e;
  }
  // Not reached when called after a failure of the fast path; kept total for safety.
  return malformed(relPath, 1, 'the file could not be parsed as CSV');
}

function readText(file: string, relPath: string, given?: Buffer): { bytes: Buffer; text: string } {
  let bytes: Buffer;
  try {
    bytes = given ?? readFileSync(file);
  } catch (e) {
    throw new KilnError(Codes.FILE_UNREADABLE, `cannot read seed file: ${(e as Error).message}`, { loc: { file: relPath }, cause: e });
  }
  const decoded = decodeUtf8(bytes);
  if ('text' in decoded) {
    // Valid UTF-8 may still hold NUL bytes, which PostgreSQL refuses and DuckDB would store.
    const nul = decoded.text.indexOf('\0');
    if (nul === -1) return { bytes, text: decoded.text };
    const line = decoded.text.slice(0, nul).split(/\r\n|\r|\n/).length;
    throw malformed(relPath, line, 'the file contains a NUL byte: is it a binary file?', 'a seed is a text CSV file: remove the byte, or move the file out of the seed paths');
  }
  throw malformed(relPath, decoded.line, `the file is not valid UTF-8 (byte offset ${decoded.offset})`, 'save the file as UTF-8 (most spreadsheet tools offer "CSV UTF-8")');
}

function checkDelimiter(d: string, relPath: string): void {
  if (d.length === 0 || d === '"' || d.includes('\n') || d.includes('\r')) {
    throw new KilnError(Codes.CONFIG_INVALID, `invalid seed delimiter ${JSON.stringify(d)}`, {
      loc: { file: relPath },
      hint: 'use a single character such as "," ";" "|" or "\\t"',
    });
  }
}

function checkHeader(names: string[], relPath: string): string[] {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name.trim() === '') throw malformed(relPath, 1, `header column ${i + 1} has an empty name`);
    // Databases fold unquoted identifiers, and DuckDB compares even quoted ones case-insensitively.
    const key = name.toLowerCase();
    const prev = seen.get(key);
    if (prev !== undefined) {
      throw malformed(relPath, 1, `duplicate column name ${JSON.stringify(name)} in the header (columns ${prev + 1} and ${i + 1})`, 'column names must be unique, ignoring case');
    }
    seen.set(key, i);
  });
  return names;
}

function fromCsvError(e: CsvError, relPath: string, recordStart: number): KilnError {
  const lines = typeof e.lines === 'number' ? e.lines : recordStart;
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return malformed(relPath, recordStart, 'unterminated quoted field: a `"` opened here is never closed', 'a quote inside a quoted field is written twice: ""');
    case 'CSV_INVALID_CLOSING_QUOTE':
      return malformed(relPath, lines, 'unexpected character after a closing quote', 'a quote inside a quoted field is written twice: ""');
    case 'INVALID_OPENING_QUOTE':
      return malformed(relPath, lines, 'a quote appears inside an unquoted field', 'quote the whole field and double the inner quotes: "say ""hi"""');
    default:
      return malformed(relPath, lines, e.message);
  }
}

function malformed(file: string, line: number, message: string, hint?: string): KilnError {
  return new KilnError(Codes.CSV_MALFORMED, message, { loc: { file, line }, hint });
}
