// The one-pass seed scanner (core/seeds/scan-csv.ts) must read exactly what csv-parse reads
// under readSeed's options, and give up (null) exactly where readSeed's slow path would find a
// problem: checked on hand-picked files and on thousands of random ones.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ColumnInferrer, DATETIME_RE, inferColumnType } from '../../../core/seeds/infer-type.js';
import { scanCsv } from '../../../core/seeds/scan-csv.js';

interface Reading {
  header: string[];
  rowCount: number;
  types: string[];
}

/** What readSeed's csv-parse path reads, or null where it reports a problem. */
function viaCsvParse(text: string, delimiter: string): Reading | null {
  let records: string[][];
  try {
    records = parse(text, { delimiter, quote: '"', escape: '"', record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, skip_empty_lines: false });
  } catch {
    return null;
  }
  const header = records[0] ?? [];
  const inferrers = header.map(() => new ColumnInferrer());
  let rowCount = 0;
  for (const rec of records.slice(1)) {
    if (rec.length !== header.length) {
      if (rec.length === 1 && rec[0] === '' && header.length > 1) continue;
      return null;
    }
    rowCount++;
    rec.forEach((v, i) => inferrers[i].add(v));
  }
  return { header, rowCount, types: inferrers.map((x) => x.result()) };
}

function viaScan(text: string, delimiter: string): Reading | null {
  let inferrers: ColumnInferrer[] = [];
  const r = scanCsv(text, delimiter, (h) => (inferrers = h.map(() => new ColumnInferrer())));
  return r && { header: [...r.header], rowCount: r.rowCount, types: inferrers.map((x) => x.result()) };
}

describe('scanCsv', () => {
  it.each([
    ['plain', 'a,b\n1,x\n2,y\n'],
    ['no final line end', 'a,b\n1,x'],
    ['\\r\\n and \\r line ends', 'a,b\r\n1,x\r\n'],
    ['bare \\r', 'a,b\r1,x\r'],
    ['quoted fields with delimiters, quotes and line ends', 'a,b\n"1,2","say ""hi""\nthere"\n"",x\n'],
    ['empty lines skipped', 'a,b\n\n1,x\n\n\n2,y\n\n'],
    ['one column: empty lines are NULL rows', 'a\n1\n\n2\n\n'],
    ['header only', 'a,b\n'],
    ['every type', 'i,n,b,d,t,s\n1,1.5,true,2024-02-29,2024-01-02 03:04:05.5,x\n-2,,FALSE,,2024-01-02T03:04:05,\n'],
  ])('%s: reads what csv-parse reads', (_name, text) => {
    const scanned = viaScan(text, ',');
    expect(scanned).not.toBeNull();
    expect(scanned).toEqual(viaCsvParse(text, ','));
  });

  it.each([
    ['a quote inside an unquoted field', 'a,b\n1,x"y\n'],
    ['an unclosed quote', 'a,b\n1,"xy\n'],
    ['text after a closing quote', 'a,b\n1,"x"y\n'],
    ['a short row', 'a,b\n1\n'],
    ['a long row', 'a,b\n1,2,3\n'],
    ['a blank line of spaces', 'a,b\n  \n'],
  ])('gives up on %s (the slow path reports it)', (_name, text) => {
    expect(viaScan(text, ',')).toBeNull();
    expect(viaCsvParse(text, ',')).toBeNull();
  });

  it('reads a long file of quote-free lines with a quoted line between', () => {
    const lines = ['id,name,day'];
    for (let i = 0; i < 2000; i++) lines.push(i === 1000 ? `${i},"x\n""y""",2024-01-02` : `${i},n${i},2024-01-${String(1 + (i % 28)).padStart(2, '0')}`);
    const text = lines.join('\n') + '\n';
    expect(viaScan(text, ',')).toEqual(viaCsvParse(text, ','));
    expect(viaScan(text, ',')).toMatchObject({ rowCount: 2000, types: ['integer', 'text', 'date'] });
    const oneColumn = 'v\n1\n\n2\n';
    expect(viaScan(oneColumn, ',')).toEqual(viaCsvParse(oneColumn, ','));
  });

  it('leaves multi-character delimiters to the slow path', () => {
    expect(viaScan('a||b\n1||2\n', '||')).toBeNull();
  });

  it('agrees with csv-parse on random files', () => {
    let seed = 7;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    const pieces = ['a', '1', '-2', '3.5', 'true', '2024-01-02', '2024-01-02 03:04:05', ',', ';', '"', '""', '\n', '\r\n', '\r', ' ', 'é', ''];
    // Half without \r, where whole lines without quotes take the indexOf path.
    const withoutCr = pieces.filter((p) => !p.includes('\r'));
    for (let n = 0; n < 6000; n++) {
      const delimiter = rand(4) === 0 ? ';' : ',';
      const from = n % 2 ? pieces : withoutCr;
      const text = Array.from({ length: 1 + rand(60) }, () => from[rand(from.length)]).join('');
      if (text.trim() === '') continue;
      expect(viaScan(text, delimiter), JSON.stringify(text)).toEqual(viaCsvParse(text, delimiter));
    }
  });
});

describe('inference fast paths', () => {
  /** The regex reading classifyDateTime implements by hand. */
  function byRegex(v: string): string {
    const m = DATETIME_RE.exec(v);
    if (!m) return 'text';
    const [y, mo, d] = [+m[1], +m[2], +m[3]];
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days) return 'text';
    if (m[4] === undefined) return 'date';
    return +m[4] > 23 || +m[5] > 59 || +m[6] > 59 ? 'text' : 'timestamp';
  }

  it('reads dates and timestamps as DATETIME_RE does', () => {
    const samples = ['2024-02-29', '2023-02-29', '1900-02-29', '2000-02-29', '0001-01-01', '0000-01-01', '2024-12-31', '2024-04-31', '2024-1-01', '2024-01-02 24:00:00', '2024-01-02 23:59:59', '2024-01-02T00:00:00.', '2024-01-02T00:00:00.1', '2024-01-02 00:00:00.123456789', '2024-01-02 00:00:00.1234567890', '2024-01-02X00:00:00', '2024-01-02 00:60:00', '2024/01/02', '2024-01-02 00:00:00Z', '２０２４-01-02'];
    let seed = 11;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    for (let n = 0; n < 3000; n++) {
      const base = samples[rand(samples.length)];
      const i = rand(base.length);
      samples.push(base.slice(0, i) + '0123456789-: T.x'[rand(16)] + base.slice(i + 1));
    }
    for (const v of samples) {
      const expected = byRegex(v);
      // Digits-only mutations may read as numbers first; compare date-ish results only.
      const got = inferColumnType([v]);
      if (expected === 'text') expect(['text', 'integer', 'bigint', 'numeric'], v).toContain(got);
      else expect(got, v).toBe(expected);
    }
  });

  it('widens integers of 10 to 19 digits exactly, with and without leading zeros', () => {
    expect(inferColumnType(['0000000002147483647'])).toBe('integer');
    expect(inferColumnType(['0000000002147483648'])).toBe('bigint');
    expect(inferColumnType(['-00000002147483648'])).toBe('integer');
    expect(inferColumnType(['-00000002147483649'])).toBe('bigint');
    expect(inferColumnType(['999999999999999'])).toBe('bigint');
    expect(inferColumnType(['+2147483647'])).toBe('integer');
  });
});
