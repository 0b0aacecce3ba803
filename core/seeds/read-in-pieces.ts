// readSeed in pieces, for a loader that streams the file into the database meanwhile (the
// PostgreSQL COPY): the file is read and scanned a piece of about 256 KB at a time (step(), one
// turn of the event loop each), so that the COPY stays fed between pieces and the reading costs
// little wall time while the server is busy. The first piece is decoded and read by CsvScan (it
// holds the header); later ones are read on their bytes (ColumnInferrer.addBytes).
//
// A piece ends at a line end outside quotes (an even number of quotes before it: every quote
// toggles, a doubled one twice), so in a well-formed file every piece holds whole records and
// scanning the pieces one after the other feeds the inferrers the same values, in the same order,
// as scanning the whole text. Anything else (a piece that scans as irregular, a `\r`, invalid
// UTF-8, a NUL byte, a record over 64 MB...) hands the whole file to readSeed's own
// reading (SeedReading), which answers or throws exactly as readSeed does.
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import type { ColumnInferrer } from './infer-type.js';
import { hasBom } from './decode-utf8.js';
import { SeedReading, type ReadSeedOptions, type SeedInfo } from './read-seed.js';
import { CsvScan } from './scan-csv.js';

const PIECE = 256 << 10;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
/** Line ends tried, from a piece's end backwards, for one outside quotes. */
const CUT_TRIES = 64;
/** Bytes of one record beyond which the whole file goes to SeedReading instead. */
const MAX_CARRY = 64 << 20;

export class SeedReadingInPieces {
  /** The open file (-1: not yet), the offset read to, and bytes read but not yet scanned. */
  private fd = -1;
  private fileAt = 0;
  private eof = false;
  private carry: Buffer = Buffer.alloc(0);
  /** No piece returned yet: the bytes not scanned start the file (a BOM is dropped). */
  private atFileStart = true;
  /** null: the pieces did not do (the whole file goes to SeedReading). */
  private header: string[] | null = null;
  private inferrers: readonly (ColumnInferrer | null)[] = [];
  private rowCount = 0;
  private wholeFile = false;
  private reading: Promise<void> | null = null;
  private answer: { readonly info: SeedInfo } | { readonly error: unknown } | null = null;
  /** For newInferrers() and describe() (built on the first piece). */
  private rules: SeedReading | null = null;

  /** `pieceBytes`: about how much one step reads (tests use tiny pieces). */
  constructor(
    readonly file: string,
    readonly relPath: string,
    private readonly opts: ReadSeedOptions,
    private readonly pieceBytes = PIECE,
  ) {}

  /**
   * Reads the whole file, yielding to the event loop between pieces. Never rejects: the answer
   * (or the file's error) is finish()'s. The same promise on every call.
   */
  read(): Promise<void> {
    const next = () => new Promise<void>((resolve) => setImmediate(resolve));
    this.reading ??= (async () => {
      // Not before the caller's own work of this turn (the COPY it is about to start).
      await next();
      while (this.step()) await next();
    })();
    return this.reading;
  }

  /** What reading the file found, as readSeed answers (its error thrown); reads what is left first. */
  finish(): SeedInfo {
    while (this.step());
    const answer = this.answer!;
    if ('error' in answer) throw answer.error;
    return answer.info;
  }

  /**
   * The next piece: bytes not scanned yet plus up to pieceBytes more from the file, cut after
   * the last line end outside quotes (all of it at the end of the file); 'more' when no such
   * line end is in it yet (a long record: the next step reads on), 'eof', or null when the file
   * cannot be read this way.
   */
  private nextPiece(): { readonly bytes: Buffer; readonly start: number; readonly end: number } | 'more' | 'eof' | null {
    const first = this.fd < 0;
    let bytes = this.carry;
    try {
      if (first) this.fd = openSync(this.file, 'r');
      if (!this.eof) {
        const fresh = Buffer.allocUnsafe(this.pieceBytes);
        let n = 0;
        while (n < fresh.length) {
          const got = readSync(this.fd, fresh, n, fresh.length - n, this.fileAt + n);
          if (got === 0) {
            this.eof = true;
            break;
          }
          n += got;
        }
        this.fileAt += n;
        bytes = bytes.length ? Buffer.concat([bytes, fresh.subarray(0, n)]) : fresh.subarray(0, n);
      }
    } catch {
      return null;
    }
    if (bytes.length === 0) return 'eof';
    const start = this.atFileStart && hasBom(bytes) ? 3 : 0;
    const end = this.eof ? bytes.length : cutBefore(bytes, start, bytes.length);
    if (end < 0) {
      // A record longer than what was read: read on (a very long one goes to SeedReading).
      if (bytes.length > MAX_CARRY) return null;
      this.carry = bytes;
      return 'more';
    }
    this.carry = bytes.subarray(end);
    this.atFileStart = false;
    return { bytes, start, end };
  }

  /** Reads one piece; false once the answer is known. Synchronous. */
  private step(): boolean {
    if (this.answer) return false;
    if (this.wholeFile) return this.settle(() => new SeedReading(this.file, this.relPath, this.opts).finish());
    const next = this.nextPiece();
    if (next === null) return this.whole();
    if (next === 'more') return true;
    if (next === 'eof') {
      if (!this.header) return this.whole();
      return this.settle(() => this.rules!.describe(checkedHeader(this.header!, this.rules!), this.inferrers, this.rowCount));
    }
    const { bytes, start, end } = next;
    const piece = bytes.subarray(start, end);
    if (piece.indexOf(CR) !== -1 || !isUtf8(piece) || piece.indexOf(0) !== -1) return this.whole();
    const delimiter = this.opts.delimiter ?? ',';
    if (this.header && delimiter.length === 1 && delimiter.charCodeAt(0) < 0x80) {
      // Later pieces, a one-byte delimiter: on the bytes.
      const rows = this.scanBytes(bytes, start, end, delimiter.charCodeAt(0));
      if (rows < 0) return this.whole();
      this.rowCount += rows;
      return true;
    }
    const text = piece.toString('utf8');
    let scan: CsvScan;
    if (!this.header) {
      if (text.trim() === '') return this.whole();
      try {
        this.rules = new SeedReading(this.file, this.relPath, this.opts, piece);
      } catch {
        return this.whole();
      }
      const rules = this.rules;
      scan = new CsvScan(text, delimiter, (header) => (this.inferrers = rules.newInferrers(header)));
    } else {
      scan = new CsvScan(text, delimiter, () => this.inferrers, { header: this.header, inferrers: this.inferrers });
    }
    scan.advance(Infinity);
    const scanned = scan.result;
    if (!scanned) return this.whole();
    this.header ??= [...scanned.header];
    this.rowCount += scanned.rowCount;
    return true;
  }

  /**
   * CsvScan's reading of bytes[start, end) (whole records, no `\r`, valid UTF-8), without
   * decoding: a line without quotes is split at the delimiter and its fields classified as bytes
   * (ColumnInferrer.addBytes); a record with quotes (to the first line end after an even number
   * of quotes) is decoded and read by CsvScan. The rows, or -1 for an irregular piece.
   */
  private scanBytes(b: Buffer, start: number, end: number, delim: number): number {
    const header = this.header!;
    const inferrers = this.inferrers;
    const width = header.length;
    let rows = 0;
    let i = start;
    let nextQuote = -2;
    let nextDelim = -2;
    while (i < end) {
      let lineEnd = b.indexOf(LF, i);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      if (nextQuote !== -1 && nextQuote < i) nextQuote = b.indexOf(QUOTE, i);
      if (nextQuote === -1 || nextQuote >= lineEnd) {
        let col = 0;
        let firstEmpty = false;
        let s = i;
        for (;;) {
          if (nextDelim !== -1 && nextDelim < s) nextDelim = b.indexOf(delim, s);
          const fieldEnd = nextDelim !== -1 && nextDelim < lineEnd ? nextDelim : lineEnd;
          if (col < width) {
            const inferrer = inferrers[col];
            if (inferrer !== null && !inferrer.settled && fieldEnd > s) inferrer.addBytes(b, s, fieldEnd);
          }
          if (col === 0) firstEmpty = fieldEnd === s;
          col++;
          if (fieldEnd === lineEnd) break;
          s = fieldEnd + 1;
        }
        if (col === width) rows++;
        else if (!(col === 1 && firstEmpty)) return -1;
        i = lineEnd + 1;
        continue;
      }
      // A record with quotes, field by field (quoted fields may hold delimiters and line ends).
      let col = 0;
      let firstEmpty = false;
      for (;;) {
        const inferrer = col < width ? inferrers[col] : null;
        const want = inferrer !== null && !inferrer.settled;
        let empty: boolean;
        if (b[i] !== QUOTE) {
          const s0 = i;
          while (i < end) {
            const c = b[i];
            if (c === delim || c === LF) break;
            // A quote inside an unquoted field is an error csv-parse reports.
            if (c === QUOTE) return -1;
            i++;
          }
          empty = i === s0;
          if (want && !empty) inferrer.addBytes(b, s0, i);
        } else {
          let value = '';
          let from = i + 1;
          for (;;) {
            const q = b.indexOf(QUOTE, from);
            if (q === -1 || q >= end) return -1; // never closed
            if (q + 1 < end && b[q + 1] === QUOTE) {
              if (want) value += b.toString('utf8', from, q + 1);
              from = q + 2;
              continue;
            }
            if (want) value += b.toString('utf8', from, q);
            empty = want ? value === '' : q === i + 1;
            i = q + 1;
            break;
          }
          // After the closing quote: the field ends, or the file is malformed.
          if (i < end && b[i] !== delim && b[i] !== LF) return -1;
          if (want) inferrer.add(value);
        }
        if (col === 0) firstEmpty = empty;
        col++;
        if (i < end && b[i] === delim) {
          i++;
          continue;
        }
        // The record ends here (a line end or the end of the piece).
        i++;
        break;
      }
      if (col === width) rows++;
      else if (!(col === 1 && firstEmpty)) return -1;
    }
    return rows;
  }

  /** Hands the whole file to SeedReading (from the start: fresh inferrers). */
  private whole(): boolean {
    this.wholeFile = true;
    return true;
  }

  private settle(answer: () => SeedInfo): false {
    try {
      this.answer = { info: answer() };
    } catch (error) {
      this.answer = { error };
    }
    this.carry = Buffer.alloc(0);
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // nothing to do
      }
      this.fd = -1;
    }
    return false;
  }
}

/** The header as readSeed checks it (its error thrown). */
function checkedHeader(header: readonly string[], rules: SeedReading): readonly string[] {
  return rules.checkHeader([...header]);
}

/**
 * The end of the last line end outside quotes in bytes[start, limit) (just after it), counting
 * quotes from `start` (a record start); -1 when none is found.
 */
function cutBefore(bytes: Buffer, start: number, limit: number): number {
  let quotes = 0;
  for (let q = bytes.indexOf(QUOTE, start); q !== -1 && q < limit; q = bytes.indexOf(QUOTE, q + 1)) quotes++;
  // Quotes before each candidate: those of the window, less those after it.
  let lf = bytes.lastIndexOf(LF, limit - 1);
  let after = limit;
  for (let tries = 0; tries < CUT_TRIES && lf >= start; tries++) {
    for (let q = bytes.indexOf(QUOTE, lf + 1); q !== -1 && q < after; q = bytes.indexOf(QUOTE, q + 1)) quotes--;
    if (quotes % 2 === 0) return lf + 1;
    after = lf + 1;
    lf = lf === 0 ? -1 : bytes.lastIndexOf(LF, lf - 1);
  }
  return -1;
}
