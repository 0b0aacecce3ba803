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
  let i = 0;

  /**
   * Moves `i` past one field. Returns the field's value, or '' for an unquoted field whose
   * text is not wanted (`want` false), or null to give up.
   */
  const field = (want: boolean): string | null => {
    if (text.charCodeAt(i) !== QUOTE) {
      const start = i;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === delim || c === LF || c === CR) break;
        // A quote inside an unquoted field is an error csv-parse reports.
        if (c === QUOTE) return null;
      }
      return want ? text.slice(start, i) : i === start ? '' : ' ';
    }
    let value = '';
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
      const next = i < n ? text.charCodeAt(i) : -1;
      // After the closing quote: the field ends, or the file is malformed.
      if (next !== -1 && next !== delim && next !== LF && next !== CR) return null;
      return value;
    }
  };

  /** Moves past a record end at `i` (if any). */
  const endRecord = (): void => {
    const c = text.charCodeAt(i);
    if (c === CR) i += text.charCodeAt(i + 1) === LF ? 2 : 1;
    else if (c === LF) i += 1;
  };

  // The header record.
  const header: string[] = [];
  for (;;) {
    const v = field(true);
    if (v === null) return null;
    header.push(v);
    if (i < n && text.charCodeAt(i) === delim) {
      i++;
      continue;
    }
    endRecord();
    break;
  }
  const inferrers = columns(header);
  const width = header.length;

  let rowCount = 0;
  while (i < n) {
    let col = 0;
    let firstEmpty = false;
    for (;;) {
      const inferrer = col < width ? inferrers[col] : null;
      // A settled column (already text) needs no more values: skip making the string.
      const v = field(!!inferrer && !inferrer.settled);
      if (v === null) return null;
      if (inferrer && !inferrer.settled) inferrer.add(v);
      // Only its emptiness matters beyond the inferrer ('' or a placeholder).
      if (col === 0) firstEmpty = v === '';
      col++;
      if (i < n && text.charCodeAt(i) === delim) {
        i++;
        continue;
      }
      endRecord();
      break;
    }
    if (col === width) rowCount++;
    // An empty line: skipped when the header has several columns (a one-column file counts it above).
    else if (!(col === 1 && firstEmpty)) return null;
  }
  return { header, rowCount };
}
