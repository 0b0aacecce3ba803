// The adapter's pure helpers (no server needed): value parsing, error pointers, the CSV byte
// filter in front of COPY.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cascadeDropTarget } from '../../../adapters/postgres/cascade.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { pointAt } from '../../../core/sql-position.js';
import { copySql, CsvForCopy } from '../../../adapters/postgres/load-csv.js';
import { parseArray, parseInt8, parseNumeric } from '../../../adapters/postgres/values.js';

describe('numeric and int8 values', () => {
  it.each([
    ['0', 0],
    ['12.50', 12.5],
    ['-0.1', -0.1],
    ['0.0000001', 1e-7],
    ['9007199254740991', 9007199254740991],
    ['123456789.123456', 123456789.123456],
  ])('numeric %s is the number %d', (text, n) => {
    expect(parseNumeric(text)).toBe(n);
  });

  it.each(['9007199254740993', '0.1000000000000000000001', '12345678901234567890.5', 'NaN', 'Infinity', '-Infinity', '100000000000000000000'])(
    'numeric %s stays text',
    (text) => {
      expect(parseNumeric(text)).toBe(text);
    },
  );

  it('int8 is a number while exact', () => {
    expect(parseInt8('-9007199254740991')).toBe(-9007199254740991);
    expect(parseInt8('9007199254740992')).toBe('9007199254740992');
    expect(parseInt8('42')).toBe(42);
  });
});

describe('array output', () => {
  it('parses nesting, NULL, quotes, escapes and bounds', () => {
    expect(parseArray('{}', (t) => t)).toEqual([]);
    expect(parseArray('{1,NULL,3}', Number)).toEqual([1, null, 3]);
    expect(parseArray('{"a b","c\\"d","NULL","e\\\\f",NULL}', (t) => t)).toEqual(['a b', 'c"d', 'NULL', 'e\\f', null]);
    expect(parseArray('{{1,2},{3,4}}', Number)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseArray('[0:1]={5,6}', Number)).toEqual([5, 6]);
  });
});

describe('error pointer', () => {
  it('points at the character on its line, counting code points', () => {
    expect(pointAt('select 1;\nselect x', 18)).toBe('LINE 2: select x\n               ^');
    expect(pointAt("select '🎉', y", 13)).toBe("LINE 1: select '🎉', y\n                    ^");
    expect(pointAt('select', 99)).toBeNull();
  });
});

async function filter(input: Buffer, chunkSize: number, dropEmptyLines = true): Promise<string> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkSize) chunks.push(input.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(new CsvForCopy(dropEmptyLines))) out.push(c as Buffer);
  return Buffer.concat(out).toString('utf8');
}

describe('CSV filter in front of COPY', () => {
  const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\r\n\r\n1,"x\r\n\r\ny"\r\n2,""\r\n\r\n')]);
  const expected = 'a,b\n1,"x\r\n\r\ny"\n2,""\n';

  it.each([1, 2, 3, 7, 1024])('gives the same bytes whatever the chunk size (%i)', async (size) => {
    expect(await filter(input, size)).toBe(expected);
  });

  it('passes bytes that only look like the start of a BOM', async () => {
    expect(await filter(Buffer.from([0xef, 0xbb, 0x41, 0x0a]), 1)).toBe(Buffer.from([0xef, 0xbb, 0x41, 0x0a]).toString('utf8'));
  });

  it('keeps empty lines of a one-column file (they are NULL rows)', async () => {
    expect(await filter(Buffer.from('v\r\r1\r'), 1, false)).toBe('v\n\n1\n');
  });

  it('passes unchanged chunks through at native speed and keeps its state right across them', async () => {
    // The specification: drop a BOM; outside quotes, line ends become \n and empty lines go.
    const reference = (text: string, dropEmptyLines: boolean): string => {
      let out = '';
      let inQuote = false;
      let atLineStart = true;
      for (let i = text.startsWith('\ufeff') ? 1 : 0; i < text.length; i++) {
        const c = text[i];
        if (inQuote) {
          if (c === '"') inQuote = false;
          out += c;
        } else if (c === '\n' || c === '\r') {
          if (c === '\r' && text[i + 1] === '\n') i++;
          if (!(atLineStart && dropEmptyLines)) out += '\n';
          atLineStart = true;
        } else {
          if (c === '"') inQuote = true;
          atLineStart = false;
          out += c;
        }
      }
      return out;
    };
    let seed = 3;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    const pieces = ['a', 'bc', ',', '"', '""', '\n', '\n\n', '\r\n', '\r', 'é'];
    for (let n = 0; n < 400; n++) {
      const text = (rand(5) === 0 ? '\ufeff' : '') + Array.from({ length: 1 + rand(30) }, () => pieces[rand(pieces.length)]).join('');
      const drop = rand(2) === 0;
      for (const size of [1, 2, 5, 64]) expect(await filter(Buffer.from(text), size, drop), `${JSON.stringify(text)} / ${size}`).toBe(reference(text, drop));
    }
  });

  it('builds the COPY statement with FORCE_NULL on every column', () => {
    const sql = copySql(
      { database: 'd', schema: 's', identifier: 't' },
      { file: '/x.csv', delimiter: ';', quoteColumns: true, rowCount: 0, columns: [{ name: 'A', sqlType: 'text' }, { name: 'b"c', sqlType: 'int' }] },
    );
    expect(sql).toBe(`copy "d"."s"."t" ("A", "b""c") from stdin with (format csv, header true, delimiter ';', null '', force_null ("A", "b""c"), encoding 'UTF8')`);
  });
});

describe('cascading drops the connection watches', () => {
  it("recognises exactly the dialect's own cascading drops", () => {
    const d = postgresDialect('db');
    const rel = { database: 'db', schema: 'my "schema"', identifier: 'T.x' };
    expect(cascadeDropTarget(d.drop({ ...rel, type: 'table' }, { cascade: true }))).toEqual(rel);
    expect(cascadeDropTarget(d.drop({ ...rel, type: 'view' }, { cascade: true }))).toEqual(rel);
    expect(cascadeDropTarget(d.drop({ ...rel, type: 'table' }))).toBeNull();
    expect(cascadeDropTarget('drop table x cascade')).toBeNull();
  });
});
