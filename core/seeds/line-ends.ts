// Line-end consistency. DuckDB's CSV reader (strict mode) and PostgreSQL's COPY both reject a
// file whose rows end in different ways (\n, \r\n, \r), so kiln rejects it first, at the line.
// Line ends inside quoted fields are data and may be anything.

export interface MixedLineEnd {
  /** 1-based physical line whose end differs from the first line's. */
  readonly line: number;
  readonly found: string;
  readonly expected: string;
}

const NAMES: Record<string, string> = { '\n': '\\n', '\r\n': '\\r\\n', '\r': '\\r' };

export function lineEndName(end: string): string {
  return NAMES[end] ?? JSON.stringify(end);
}

export function findMixedLineEnd(text: string): MixedLineEnd | null {
  // Without any \r every line ends in \n: nothing to scan.
  if (text.indexOf('\r') === -1) return null;
  let inQuotes = false;
  let first: string | null = null;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A doubled quote toggles twice, so the state stays right.
      inQuotes = !inQuotes;
      continue;
    }
    if (c !== 10 && c !== 13) continue;
    let end = '\n';
    if (c === 13) {
      end = text.charCodeAt(i + 1) === 10 ? '\r\n' : '\r';
      if (end === '\r\n') i++;
    }
    if (!inQuotes) {
      if (first === null) first = end;
      else if (end !== first) return { line, found: end, expected: first };
    }
    line++;
  }
  return null;
}
