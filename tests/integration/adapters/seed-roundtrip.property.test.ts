// Property-based, on real DuckDB and PostgreSQL: a generated CSV seed (columns of integers,
// 64-bit integers, decimals, booleans, dates, timestamps or awkward text, with NULLs anywhere)
// is loaded by `kiln seed`, each column gets the type of the values it holds, and every value
// reads back as written. Also, pure: any text at all given as a seed file yields a description
// or a KilnError, never a crash.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { SeedColumnType } from '../../../adapters/adapter.js';
import { KilnError } from '../../../core/errors.js';
import { readSeed } from '../../../core/seeds/read-seed.js';
import { kiln } from '../../helpers/cli.js';
import { propertyRuns } from '../../helpers/property.js';
import { testdir } from '../../helpers/testdir.js';
import { adapterRows, duckdbTarget, postgresTarget, withAdapter, type AdapterTarget } from './targets.js';

type Kind = Exclude<SeedColumnType, 'numeric'> | 'decimal';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const day = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true });
const ymd = (d: Date) => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

const VALUES: Record<Kind, fc.Arbitrary<string>> = {
  integer: fc.integer().map(String),
  bigint: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((b) => b < -(2n ** 31n) || b >= 2n ** 31n).map(String),
  // Up to 15 significant digits: exact in a DOUBLE (DuckDB) and in NUMERIC (PostgreSQL).
  decimal: fc.tuple(fc.integer({ min: -999999, max: 999999 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: -20, max: 20 })).map(([a, b, e]) => `${a}.${pad(b, 3)}e${e}`),
  boolean: fc.constantFrom('true', 'false', 'TRUE', 'False'),
  date: day.map(ymd),
  timestamp: fc.tuple(day, fc.integer({ min: 0, max: 999999 }), fc.boolean()).map(([d, us, frac]) => `${ymd(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac ? `.${pad(us, 6)}` : ''}`),
  // Never empty (that is NULL); quotes, delimiters, line breaks and any unicode. A leading letter
  // keeps the column text whatever else is generated.
  text: fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `x${s.replace(/\0/g, '')}`),
};
const EXPECTED_TYPE: Record<Kind, SeedColumnType> = { integer: 'integer', bigint: 'bigint', decimal: 'numeric', boolean: 'boolean', date: 'date', timestamp: 'timestamp', text: 'text' };

interface Table {
  readonly kinds: Kind[];
  readonly rows: (string | null)[][];
}
const table: fc.Arbitrary<Table> = fc
  .array(fc.constantFrom(...(Object.keys(VALUES) as Kind[])), { minLength: 1, maxLength: 5 })
  .chain((kinds) =>
    fc.array(fc.tuple(...kinds.map((k) => fc.option(VALUES[k], { freq: 5, nil: null }))), { minLength: 1, maxLength: 8 }).map((rows) => {
      // One non-null value per column, so each has a type to infer.
      return { kinds, rows: rows.map((r, i) => (i === 0 ? r.map((v, c) => v ?? fc.sample(VALUES[kinds[c]!], { numRuns: 1, seed: c })[0]!) : r)) as (string | null)[][] };
    }),
  );

const field = (v: string | null) => (v === null ? '' : /[",\r\n]/.test(v) || v.trim() !== v ? `"${v.replace(/"/g, '""')}"` : v);
const csvOf = (t: Table) => [['id', ...t.kinds.map((_, i) => `c${i}`)].join(','), ...t.rows.map((r, i) => [String(i), ...r.map(field)].join(','))].join('\n') + '\n';

/** A timestamp as databases print it: no trailing zeros in the fraction. */
const ts = (v: string) => v.replace('T', ' ').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

function sameValue(kind: Kind, written: string | null, read: unknown): boolean {
  if (written === null) return read === null;
  if (read === null || read === undefined) return false;
  switch (kind) {
    case 'integer':
    case 'bigint':
      return BigInt(String(read)) === BigInt(written);
    case 'decimal':
      return Number(read) === Number(written);
    case 'boolean':
      return read === (written.toLowerCase() === 'true');
    case 'date':
      return String(read) === written;
    case 'timestamp':
      return ts(String(read)) === ts(written);
    case 'text':
      return read === written;
  }
}

describe('seed files of any text (property-based)', () => {
  it('give a description or a KilnError, never a crash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-seed-prop-'));
    try {
      const file = path.join(dir, 's.csv');
      const chars = fc.constantFrom('a', '1', ',', '"', '\n', '\r', '\r\n', ' ', 'é', '\uFEFF', '\0', ';', '-', '.', 'true', '2024-01-01');
      fc.assert(
        fc.property(fc.oneof(fc.array(chars, { maxLength: 30 }).map((xs) => xs.join('')), fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
          fs.writeFileSync(file, text);
          try {
            const info = readSeed(file, 'seeds/s.csv');
            expect(info.columns.length).toBeGreaterThan(0);
            expect(info.rowCount).toBeGreaterThanOrEqual(0);
          } catch (e) {
            if (!(e instanceof KilnError)) throw e;
            expect(e.code).toMatch(/^KLN\d{3}$/);
          }
        }),
        propertyRuns(300),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const targets = [duckdbTarget(), postgresTarget()];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

describe.each(targets)('generated seeds round-trip on $name (property-based)', (target: AdapterTarget) => {
  it('each column gets the type of its values and every value reads back as written', async () => {
    const dir = testdir({ 'dbt_project.yml': 'name: prop\nprofile: prop\n' });
    await target.setup(dir, 'prop');
    await fc.assert(
      fc.asyncProperty(table, async (t) => {
        fs.mkdirSync(path.join(dir, 'seeds'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'seeds', 'gen.csv'), csvOf(t));
        const info = readSeed(path.join(dir, 'seeds', 'gen.csv'), 'seeds/gen.csv');
        expect(info.columns.map((c) => c.inferred)).toEqual(['integer', ...t.kinds.map((k) => EXPECTED_TYPE[k])]);
        const r = await kiln(['seed', '--full-refresh'], dir);
        expect(r.code, r.output).toBe(0);
        const rows = await withAdapter(dir, 'prop', (adapter) =>
          adapterRows(adapter, `select * from ${adapter.dialect.renderRelation({ database: adapter.database, schema: target.schema, identifier: 'gen' })} order by id`),
        );
        expect(rows).toHaveLength(t.rows.length);
        t.rows.forEach((row, i) =>
          row.forEach((written, c) => {
            const read = rows[i]![`c${c}`];
            expect(sameValue(t.kinds[c]!, written, read), `row ${i} c${c} (${t.kinds[c]}): wrote ${JSON.stringify(written)}, read ${JSON.stringify(read)}`).toBe(true);
          }),
        );
      }),
      propertyRuns(8),
    );
  }, 120_000);
});
