// The fast path of seed reading: one pass over the text that feeds every field straight to its
// column's inferrer, without building records (csv-parse's generic machinery took ~70% of a
// 1,000,000-row seed's time). It accepts only well-formed files, with the same reading as
// csv-parse under read-seed.ts's options: RFC 4180 quotes, `\n` / `\r\n` / `\r` record ends,
// an empty line is one empty field. At the first irregularity (a stray or unclosed quote, a row
// of another width, a multi-character delimiter) it gives up and returns null, and readSeed
// reads the file the slow way, which reports the problem at its line.
import type { ColumnInferrer } from './infer-type.js';

export interface ScannedCsv {
  readonly header: readonly string[];
  /** Data rows, empty lines skipped as readSeed skips them. */
  readonly rowCount: number;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Scans `text`. `columns` is called once with the header and returns each column's inferrer
 * (null: the column is not inferred).
 */
export function scanCsv(text: string, delimiter: string, columns: (header: readonly string[]) => readonly (ColumnInferrer | null)[]): ScannedCsv | null {
  const scan = new CsvScan(text, delimiter, columns);
  scan.advance(Infinity);
  return scan.result;
}

/**
 * scanCsv in steps: advance() scans on to a character offset (stopping at the first record that
 * starts at or past it), so that a caller can interleave the scan with other work (a COPY of the
 * same file). `done` once the text is scanned or found irregular; then `result` is scanCsv's.
 */
export class CsvScan {
  private readonly n: number;
  private readonly delim: number;
  private readonly plainLines: boolean;
  private header: string[] | null = null;
  private inferrers: readonly (ColumnInferrer | null)[] = [];
  private width = 0;
  private rowCount = 0;
  private i = 0;
  private nextQuote = -2;
  private nextDelim = -2;
  private state: 'scanning' | 'done' | 'irregular';

  constructor(
    private readonly text: string,
    private readonly delimiter: string,
    private readonly columns: (header: readonly string[]) => readonly (ColumnInferrer | null)[],
    /** The text continues a file whose header was read already (text starts at a record). */
    continued?: { readonly header: readonly string[]; readonly inferrers: readonly (ColumnInferrer | null)[] },
  ) {
    if (continued) {
      this.header = [...continued.header];
      this.inferrers = continued.inferrers;
      this.width = continued.header.length;
    }
    this.n = text.length;
    this.delim = delimiter.length === 1 ? delimiter.charCodeAt(0) : -1;
    this.state = delimiter.length !== 1 || this.delim === QUOTE || this.delim === LF || this.delim === CR ? 'irregular' : 'scanning';
    // For lines without quotes in a file without \r: fields found by indexOf (native speed).
    this.plainLines = text.indexOf('\r') === -1;
  }

  get done(): boolean {
    return this.state !== 'scanning';
  }

  /** Characters scanned so far. */
  get position(): number {
    return this.state === 'scanning' ? this.i : this.n;
  }

  /** scanCsv's answer once done: null for an irregular file. */
  get result(): ScannedCsv | null {
    if (this.state !== 'done') return null;
    return { header: this.header ?? [], rowCount: this.rowCount };
  }

  /** Scans on until a record starts at or past `stopAt`, or the text ends. */
  advance(stopAt: number): void {
    if (this.state !== 'scanning') return;
    const r = this.scan(stopAt);
    if (r !== 'paused') this.state = r;
  }

  private scan(stopAt: number): 'done' | 'irregular' | 'paused' {
    const text = this.text;
    const delimiter = this.delimiter;
    const delim = this.delim;
    const n = this.n;
    const plainLines = this.plainLines;
    // One state machine with local variables (closures over a moving index were 2x slower);
    // they are saved back when the scan pauses at a record start.
    let header = this.header;
    let inferrers = this.inferrers;
    let width = this.width;
    let rowCount = this.rowCount;
    let i = this.i;
    let nextQuote = this.nextQuote;
    let nextDelim = this.nextDelim;
    let fields: string[] = [];
    let col = 0;
    let firstEmpty = false;
    if (i >= n && header !== null) return 'done';
    for (;;) {
      if (col === 0 && i >= stopAt && header !== null) {
        this.header = header;
        this.inferrers = inferrers;
        this.width = width;
        this.rowCount = rowCount;
        this.i = i;
        this.nextQuote = nextQuote;
        this.nextDelim = nextDelim;
        return 'paused';
      }
      if (plainLines && col === 0 && header !== null) {
        const lineEnd = lineEndAt(text, i, n);
        if (nextQuote !== -1 && nextQuote < i) nextQuote = text.indexOf('"', i);
        if (nextQuote === -1 || nextQuote >= lineEnd) {
          // A whole line without quotes.
          let start = i;
          for (;;) {
            if (nextDelim !== -1 && nextDelim < start) nextDelim = text.indexOf(delimiter, start);
            const end = nextDelim !== -1 && nextDelim < lineEnd ? nextDelim : lineEnd;
            if (col < width) {
              const inferrer = inferrers[col];
              if (inferrer !== null && !inferrer.settled && end > start) inferrer.add(text.slice(start, end));
            }
            if (col === 0) firstEmpty = end === start;
            col++;
            if (end === lineEnd) break;
            start = end + 1;
          }
          i = lineEnd + 1;
          if (col === width) rowCount++;
          else if (!(col === 1 && firstEmpty)) return 'irregular';
          col = 0;
          if (i >= n) break;
          continue;
        }
      }
      // One field from i.
      const inferrer = header !== null && col < width ? inferrers[col] : null;
      // Header names are always wanted; data only while the column can still change its type.
      const want = header === null || (inferrer !== null && !inferrer.settled);
      let value = '';
      let empty: boolean;
      if (text.charCodeAt(i) !== QUOTE) {
        const start = i;
        let c = 0;
        while (i < n) {
          c = text.charCodeAt(i);
          if (c === delim || c === LF || c === CR) break;
          // A quote inside an unquoted field is an error csv-parse reports.
          if (c === QUOTE) return 'irregular';
          i++;
        }
        empty = i === start;
        if (want && !empty) value = text.slice(start, i);
      } else {
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1) return 'irregular'; // never closed
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          i = q + 1;
          break;
        }
        // After the closing quote: the field ends, or the file is malformed.
        const next = i < n ? text.charCodeAt(i) : -1;
        if (next !== -1 && next !== delim && next !== LF && next !== CR) return 'irregular';
        empty = value === '';
      }
      if (header === null) fields.push(value);
      else if (want) inferrer!.add(value);
      if (col === 0) firstEmpty = empty;
      col++;
      if (i < n && text.charCodeAt(i) === delim) {
        i++;
        continue;
      }
      // The record ends here (a line end or the end of the text).
      const c = text.charCodeAt(i);
      if (c === CR) i += text.charCodeAt(i + 1) === LF ? 2 : 1;
      else if (c === LF) i += 1;
      if (header === null) {
        header = fields;
        fields = [];
        inferrers = this.columns(header);
        width = header.length;
      } else if (col === width) {
        rowCount++;
      } else if (!(col === 1 && firstEmpty)) {
        // A row of another width, other than an empty line skipped in a many-column file.
        return 'irregular';
      }
      col = 0;
      if (i >= n) break;
    }
    this.header = header;
    this.rowCount = rowCount;
    this.i = n;
    return 'done';
  }
}

/** Where the line starting at `i` ends (its \n, or the end of the text). */
function lineEndAt(text: string, i: number, n: number): number {
  const at = text.indexOf('\n', i);
  return at === -1 ? n : at;
}
