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
  if (delimiter.length !== 1) return null;
  const delim = delimiter.charCodeAt(0);
  if (delim === QUOTE || delim === LF || delim === CR) return null;
  const n = text.length;
  // One state machine with local variables (closures over a moving index were 2x slower).
  let header: string[] | null = null;
  let inferrers: readonly (ColumnInferrer | null)[] = [];
  let width = 0;
  let fields: string[] = [];
  let rowCount = 0;
  let col = 0;
  let firstEmpty = false;
  let i = 0;
  // For lines without quotes in a file without \r: fields found by indexOf (native speed). The
  // next quote and delimiter positions are cached so that no search runs ahead more than once.
  const plainLines = text.indexOf('\r') === -1;
  let nextQuote = -2;
  let nextDelim = -2;
  for (;;) {
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
        else if (!(col === 1 && firstEmpty)) return null;
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
        if (c === QUOTE) return null;
        i++;
      }
      empty = i === start;
      if (want && !empty) value = text.slice(start, i);
    } else {
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) return null; // never closed
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
      if (next !== -1 && next !== delim && next !== LF && next !== CR) return null;
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
      inferrers = columns(header);
      width = header.length;
    } else if (col === width) {
      rowCount++;
    } else if (!(col === 1 && firstEmpty)) {
      // A row of another width, other than an empty line skipped in a many-column file.
      return null;
    }
    col = 0;
    if (i >= n) break;
  }
  return { header: header ?? [], rowCount };
}

/** Where the line starting at `i` ends (its \n, or the end of the text). */
function lineEndAt(text: string, i: number, n: number): number {
  const at = text.indexOf('\n', i);
  return at === -1 ? n : at;
}
