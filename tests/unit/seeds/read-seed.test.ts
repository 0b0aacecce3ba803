import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Codes, KilnError } from '../../../core/errors.js';
import { readSeed, type ReadSeedOptions } from '../../../core/seeds/read-seed.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function seed(body: string | Buffer, opts?: ReadSeedOptions) {
  const file = join(dir, `s${n++}.csv`);
  writeFileSync(file, body);
  return readSeed(file, 'seeds/s.csv', opts);
}

function seedError(body: string | Buffer, opts?: ReadSeedOptions): KilnError {
  try {
    seed(body, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    return e as KilnError;
  }
  throw new Error('expected readSeed to fail');
}

describe('readSeed', () => {
  it('reads header, row count and inferred types', () => {
    const info = seed('id,name,amount,active,day,at\n1,a,1.5,true,2024-01-01,2024-01-01 10:00:00\n2,"b, c",2,false,,2024-01-01T11:00:00.5\n');
    expect(info.rowCount).toBe(2);
    expect(info.columns).toEqual([
      { name: 'id', inferred: 'integer' },
      { name: 'name', inferred: 'text' },
      { name: 'amount', inferred: 'numeric' },
      { name: 'active', inferred: 'boolean' },
      { name: 'day', inferred: 'date' },
      { name: 'at', inferred: 'timestamp' },
    ]);
  });

  it('column_types skip inference for the named columns (exact name)', () => {
    const info = seed('id,zip\n1,01234\n', { columnTypes: { zip: 'varchar(5)' } });
    expect(info.columns).toEqual([
      { name: 'id', inferred: 'integer' },
      { name: 'zip', inferred: 'text', userType: 'varchar(5)' },
    ]);
  });

  it('column names that are Object.prototype keys are not mistaken for overrides', () => {
    const info = seed('constructor,toString\n1,2\n', { columnTypes: {} });
    expect(info.columns).toEqual([
      { name: 'constructor', inferred: 'integer' },
      { name: 'toString', inferred: 'integer' },
    ]);
  });

  it('handles quoting: embedded delimiters, doubled quotes, newlines', () => {
    const info = seed('a,b\n"x, ""y""","multi\nline"\n3,4\n');
    expect(info.rowCount).toBe(2);
    expect(info.columns.map((c) => c.inferred)).toEqual(['text', 'text']);
  });

  it('accepts \\n, \\r\\n and \\r line ends, and a last line without one', () => {
    expect(seed('a,b\r\n1,2\r\n3,4\r\n').rowCount).toBe(2);
    expect(seed('a,b\r1,2\r3,4\r').rowCount).toBe(2);
    expect(seed('a,b\n1,2\n3,4').rowCount).toBe(2);
  });

  it('rejects mixed line ends outside quoted fields, at the first odd line', () => {
    const e = seedError('a,b\n1,2\n3,4\r\n5,6\n');
    expect(e.code).toBe(Codes.CSV_MALFORMED);
    expect(e.message).toBe("line 3 ends with \\r\\n but the file's first line ends with \\n");
    expect(e.loc?.line).toBe(3);
    expect(seedError('a,b\r\n1,2\r\n\n').loc?.line).toBe(3);
    expect(seedError('a,b\r\n"x\ny",2\r\n3,4\n').loc?.line).toBe(4);
    // Line ends inside quoted fields are data.
    expect(seed('a,b\n"x\r\ny",1\n"z\rw",2\n').rowCount).toBe(2);
  });

  it('strips a UTF-8 BOM', () => {
    const info = seed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,é\n')]));
    expect(info.columns[0].name).toBe('id');
    expect(info.rowCount).toBe(1);
  });

  it('skips empty lines in multi-column files; in one-column files they are NULL rows', () => {
    expect(seed('a,b\n1,2\n\n3,4\n\n').rowCount).toBe(2);
    const one = seed('a\n1\n\n2\n\n');
    expect(one.rowCount).toBe(4);
    expect(one.columns[0].inferred).toBe('integer');
  });

  it('a header-only file has no rows and text columns', () => {
    expect(seed('a,b\n')).toEqual({ columns: [{ name: 'a', inferred: 'text' }, { name: 'b', inferred: 'text' }], rowCount: 0 });
  });

  it('honours another delimiter', () => {
    const info = seed('a;b\n1,5;x\n', { delimiter: ';' });
    expect(info.columns.map((c) => c.inferred)).toEqual(['text', 'text']);
    expect(seed('a\tb\n1\t2\n', { delimiter: '\t' }).columns.map((c) => c.inferred)).toEqual(['integer', 'integer']);
  });

  it('ragged rows point at the physical line where the row starts', () => {
    const e = seedError('a,b,c\n1,2,3\n"x\ny",2,3\n4,5,6,7\n');
    expect(e.code).toBe(Codes.CSV_MALFORMED);
    expect(e.message).toBe('row has 4 fields, header has 3');
    expect(e.loc).toEqual({ file: 'seeds/s.csv', line: 5 });
    const short = seedError('a,b,c\n1,2\n');
    expect(short.message).toBe('row has 2 fields, header has 3');
    expect(short.loc?.line).toBe(2);
    const multi = seedError('a,b,c\n1,2,3\n"x\ny",2\n');
    expect(multi.loc?.line).toBe(3);
  });

  it('an unterminated quote points at the line where the quoted field opens', () => {
    const e = seedError('a,b\n1,2\n"x,3\n4,5\n6,7\n');
    expect(e.code).toBe(Codes.CSV_MALFORMED);
    expect(e.message).toMatch(/unterminated quoted field/);
    expect(e.loc?.line).toBe(3);
  });

  it('stray quotes are errors at their line', () => {
    expect(seedError('a,b\n1,2\n3,"x"y\n').loc?.line).toBe(3);
    const e = seedError('a,b\n1,2\n3,ab"c\n');
    expect(e.message).toMatch(/quote appears inside an unquoted field/);
    expect(e.loc?.line).toBe(3);
    expect(seedError('a,b\n1,2\n3,4\n4, "x"\n').loc?.line).toBe(4);
  });

  it('empty files and headers with empty or duplicate names are errors on line 1', () => {
    for (const body of ['', '\n\n', '   ']) {
      const e = seedError(body);
      expect(e.code).toBe(Codes.CSV_MALFORMED);
      expect(e.loc?.line).toBe(1);
      expect(e.message).toMatch(/empty/);
    }
    expect(seedError('a,,c\n').message).toBe('header column 2 has an empty name');
    expect(seedError('a,b,\n1,2,3\n').message).toBe('header column 3 has an empty name');
    const dup = seedError('id,name,ID\n1,2,3\n');
    expect(dup.message).toMatch(/duplicate column name "ID".*columns 1 and 3/);
    expect(dup.loc?.line).toBe(1);
  });

  it('invalid UTF-8 is an error on the line of the first bad byte', () => {
    const latin1 = Buffer.concat([Buffer.from('a,b\n1,2\n3,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const e = seedError(latin1);
    expect(e.code).toBe(Codes.CSV_MALFORMED);
    expect(e.message).toMatch(/not valid UTF-8/);
    expect(e.loc?.line).toBe(3);
    expect(e.hint).toMatch(/UTF-8/);
    // Overlong encoding of '/' and a lone surrogate are invalid too.
    expect(seedError(Buffer.from([0x61, 0x0a, 0xc0, 0xaf, 0x0a])).loc?.line).toBe(2);
    expect(seedError(Buffer.from([0x61, 0x0a, 0x0a, 0xed, 0xa0, 0x80])).loc?.line).toBe(3);
  });

  it('an unreadable file is FILE_UNREADABLE', () => {
    expect(() => readSeed(join(dir, 'missing.csv'), 'seeds/missing.csv')).toThrow(expect.objectContaining({ code: Codes.FILE_UNREADABLE }));
  });

  it('rejects an unusable delimiter', () => {
    expect(seedError('a,b\n', { delimiter: '' }).code).toBe(Codes.CONFIG_INVALID);
    expect(seedError('a,b\n', { delimiter: '"' }).code).toBe(Codes.CONFIG_INVALID);
  });

  it('reads 100k rows quickly', () => {
    const rows = ['id,name,amount,active,created_at,day,note'];
    for (let i = 0; i < 100_000; i++) {
      rows.push(`${i},name ${i},${(i * 1.25).toFixed(2)},${i % 2 ? 'true' : 'false'},2024-01-${String(1 + (i % 28)).padStart(2, '0')} 12:34:56,2024-02-${String(1 + (i % 28)).padStart(2, '0')},"quoted, ""text"" ${i}"`);
    }
    const file = join(dir, 'big.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const t0 = performance.now();
    const info = readSeed(file, 'seeds/big.csv');
    const ms = performance.now() - t0;
    expect(info.rowCount).toBe(100_000);
    expect(info.columns.map((c) => c.inferred)).toEqual(['integer', 'text', 'numeric', 'boolean', 'timestamp', 'date', 'text']);
    console.log(`readSeed: 100k rows x 7 columns (${(Buffer.byteLength(rows.join('\n')) / 1e6).toFixed(1)} MB) in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1500);
  });
});
