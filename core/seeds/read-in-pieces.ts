// readSeed in pieces, for a loader that streams the file into the database meanwhile (the
// PostgreSQL COPY): the file is read without blocking, then decoded and scanned a piece of about
// a megabyte at a time (step()), so that the event loop keeps the COPY fed between pieces and
// the reading costs no wall time while the server is busy.
//
// A piece ends at a line end outside quotes (an even number of quotes before it: every quote
// toggles, a doubled one twice), so in a well-formed file every piece holds whole records and
// scanning the pieces one after the other feeds the inferrers the same values, in the same order,
// as scanning the whole text. Anything else (a piece that scans as irregular, a `\r`, invalid
// UTF-8, a NUL byte, a header longer than a piece...) hands the whole file to readSeed's own
// reading (SeedReading), which answers or throws exactly as readSeed does.
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ColumnInferrer } from './infer-type.js';
import { hasBom } from './decode-utf8.js';
import { SeedReading, type ReadSeedOptions, type SeedInfo } from './read-seed.js';
import { CsvScan } from './scan-csv.js';

const PIECE = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
/** Line ends tried, from a piece's end backwards, for one outside quotes. */
const CUT_TRIES = 64;

export class SeedReadingInPieces {
  private bytes: Buffer | null = null;
  private readFailed = false;
  /** Byte offset of the next piece. */
  private at = 0;
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
    this.reading ??= (async () => {
      try {
        this.bytes = await readFile(this.file);
      } catch {
        // SeedReading reads it again and reports why it cannot.
        this.readFailed = true;
      }
      while (this.step()) await new Promise<void>((resolve) => setImmediate(resolve));
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

  /** Reads one piece; false once the answer is known. Synchronous (before read() has the bytes, it reads them). */
  private step(): boolean {
    if (this.answer) return false;
    if (!this.bytes && !this.readFailed) {
      // finish() before read() got the bytes: read them now.
      try {
        this.bytes = readFileSync(this.file);
      } catch {
        this.readFailed = true;
      }
    }
    const bytes = this.bytes;
    if (!bytes || this.readFailed || this.wholeFile) return this.settle(() => new SeedReading(this.file, this.relPath, this.opts, bytes ?? undefined).finish());
    if (this.at >= bytes.length && this.header) return this.settle(() => this.rules!.describe(checkedHeader(this.header!, this.rules!), this.inferrers, this.rowCount));
    const start = this.at === 0 && hasBom(bytes) ? 3 : this.at;
    const end = cutAt(bytes, start, this.pieceBytes);
    const piece = bytes.subarray(start, end);
    if (end < 0 || piece.indexOf(CR) !== -1 || !isUtf8(piece)) return this.whole();
    const text = piece.toString('utf8');
    if (text.includes('\0')) return this.whole();
    let scan: CsvScan;
    if (!this.header) {
      if (text.trim() === '') return this.whole();
      try {
        this.rules = new SeedReading(this.file, this.relPath, this.opts, piece);
      } catch {
        return this.whole();
      }
      const rules = this.rules;
      scan = new CsvScan(text, this.opts.delimiter ?? ',', (header) => (this.inferrers = rules.newInferrers(header)));
    } else {
      scan = new CsvScan(text, this.opts.delimiter ?? ',', () => this.inferrers, { header: this.header, inferrers: this.inferrers });
    }
    scan.advance(Infinity);
    const scanned = scan.result;
    if (!scanned) return this.whole();
    this.header ??= [...scanned.header];
    this.rowCount += scanned.rowCount;
    this.at = end;
    return true;
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
    this.bytes = null;
    return false;
  }
}

/** The header as readSeed checks it (its error thrown). */
function checkedHeader(header: readonly string[], rules: SeedReading): readonly string[] {
  return rules.checkHeader([...header]);
}

/**
 * Where the piece from `start` ends: after a line end outside quotes up to `size` bytes on, or at
 * the end of the bytes; -1 when no such line end is found (the file is read whole).
 */
function cutAt(bytes: Buffer, start: number, size: number): number {
  if (bytes.length - start <= size) return bytes.length;
  let quotes = 0;
  for (let q = bytes.indexOf(QUOTE, start); q !== -1 && q < start + size; q = bytes.indexOf(QUOTE, q + 1)) quotes++;
  // Quotes before each candidate: those of the window, less those after it.
  let lf = bytes.lastIndexOf(LF, start + size - 1);
  let after = start + size;
  for (let tries = 0; tries < CUT_TRIES && lf >= start; tries++) {
    for (let q = bytes.indexOf(QUOTE, lf + 1); q !== -1 && q < after; q = bytes.indexOf(QUOTE, q + 1)) quotes--;
    if (quotes % 2 === 0) return lf + 1;
    after = lf + 1;
    lf = lf === 0 ? -1 : bytes.lastIndexOf(LF, lf - 1);
  }
  return -1;
}
