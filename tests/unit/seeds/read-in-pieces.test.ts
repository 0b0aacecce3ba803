// Reading a seed in pieces (core/seeds/read-in-pieces.ts, used while PostgreSQL's COPY loads the
// file) must answer exactly what readSeed answers, or throw the same error at the same line,
// wherever the pieces are cut: tiny pieces put cuts inside quoted fields, next to doubled quotes,
// empty lines, \r\n line ends and multi-byte characters.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { KilnError } from '../../../core/errors.js';
import { SeedReadingInPieces } from '../../../core/seeds/read-in-pieces.js';
import { readSeed, SeedReading, type ReadSeedOptions } from '../../../core/seeds/read-seed.js';
import { propertyRuns } from '../../helpers/property.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-pieces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(body: string | Buffer): string {
  const file = join(dir, `s${n++}.csv`);
  writeFileSync(file, body);
  return file;
}

type Outcome = { info: unknown } | { code: string; message: string; line: number | undefined };
function outcome(f: () => unknown): Outcome {
  try {
    return { info: f() };
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    return { code: e.code, message: e.message, line: e.loc?.line };
  }
}

async function inPieces(file: string, opts: ReadSeedOptions, pieceBytes: number): Promise<Outcome> {
  const r = new SeedReadingInPieces(file, 'seeds/s.csv', opts, pieceBytes);
  await r.read();
  return outcome(() => r.finish());
}

async function same(body: string | Buffer, opts: ReadSeedOptions = {}): Promise<void> {
  const file = write(body);
  const whole = outcome(() => readSeed(file, 'seeds/s.csv', opts));
  for (const size of [1, 7, 16, 64, 1 << 20]) expect(await inPieces(file, opts, size), `pieces of ${size} bytes`).toEqual(whole);
  // finish() without read(): the same answer, read synchronously.
  expect(outcome(() => new SeedReadingInPieces(file, 'seeds/s.csv', opts, 16).finish())).toEqual(whole);
}

describe('SeedReadingInPieces', () => {
  it('answers what readSeed answers on regular files', async () => {
    await same('id,name,amount\n1,a,1.5\n2,"b, c",2\n3,"multi\nline ""quoted""\n",3\n\n4,,4e3\n');
    await same('\uFEFFid,n\n1,é€😀\n2,"ü\n"\n');
    await same('a;b\n1;2\n3;"x;y"\n', { delimiter: ';' });
    await same('id,big\n1,2\n2,99999999999\n', { columnTypes: { id: 'text' } });
    await same('only\n1\n\n2\n');
    await same('h1,h2\n');
    await same('id,n\r\n1,2\r\n3,4\r\n');
  });

  it('throws what readSeed throws, at the same line', async () => {
    await same('id,n\n1,2\n3\n4,5\n');
    await same('id,n\n1,2\n3,"open\n4,5\n');
    await same('id,n\n1,2\n3,x"y\n');
    await same('id,id\n1,2\n');
    await same('id,n\n1,2\r\n3,4\n');
    await same(Buffer.concat([Buffer.from('id,n\n1,2\n3,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    await same('id,n\n1,2\n3,\0\n');
    await same('');
    await same('\n\n');
    await same('a|b\n1|2\n', { delimiter: '||' });
  });

  it('answers what readSeed answers on any generated CSV', async () => {
    const cell = fc.oneof(
      fc.constantFrom('', '1', '-7', '99999999999', '1.5', 'true', 'False', '2024-02-29', '2024-01-01 10:00:00', 'x', 'é', '"', '""', ',', '\n', '\r\n', ' 1'),
      fc.string({ maxLength: 4 }),
    );
    const quoted = (v: string) => (/[",\n\r]/.test(v) || Math.random() < 0.1 ? `"${v.replace(/"/g, '""')}"` : v);
    const csv = fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
      .map(([width, rows, eol, raw]) => {
        const header = Array.from({ length: width }, (_, i) => `c${i}`).join(',');
        // Mostly well-formed (quoted as needed); sometimes raw (ragged, stray quotes...).
        const lines = rows.map((r) => (raw ? r.join(',') : r.slice(0, width).map(quoted).join(',')));
        return [header, ...lines].join(eol) + eol;
      });
    await fc.assert(
      fc.asyncProperty(csv, fc.integer({ min: 1, max: 40 }), async (text, size) => {
        const file = write(text);
        expect(await inPieces(file, {}, size)).toEqual(outcome(() => readSeed(file, 'seeds/s.csv')));
      }),
      propertyRuns(300),
    );
  });
});

describe('SeedReading.guess', () => {
  it('guesses from the first and last rows, and gives up on what it cannot read', () => {
    const rows = ['id,v'];
    for (let i = 0; i < 300_000; i++) rows.push(`${i},${i === 150_000 ? 'x' : i}`);
    rows.push('99999999999,1');
    const file = write(`${rows.join('\n')}\n`);
    // The middle is not read: v looks like integers, and the last row makes id a bigint.
    expect(SeedReading.guess(file, 'seeds/s.csv')).toEqual({ columns: [{ name: 'id', inferred: 'bigint' }, { name: 'v', inferred: 'integer' }], rowCount: -1 });
    expect(readSeed(file, 'seeds/s.csv').columns).toEqual([{ name: 'id', inferred: 'bigint' }, { name: 'v', inferred: 'text' }]);
    expect(SeedReading.guess(write('id,id\n1,2\n'), 'seeds/s.csv')).toBeNull();
    expect(SeedReading.guess(write('id,n\n1,"open\n'), 'seeds/s.csv')).toBeNull();
    expect(SeedReading.guess(join(dir, 'missing.csv'), 'seeds/s.csv')).toBeNull();
  });
});
