// The allocation-free inference paths (ColumnInferrer.addBytes, used when a seed is read in
// pieces, and the hand-written decimal check) must answer exactly what add() on the decoded
// string and DECIMAL_RE answer, for every value: sequences of values (a column's type depends on
// all of them), near-misses of every shape, and any unicode.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnInferrer, DECIMAL_RE, inferColumnType } from '../../../core/seeds/infer-type.js';
import { propertyRuns } from '../../helpers/property.js';

function viaBytes(values: readonly string[]): string {
  const inf = new ColumnInferrer();
  // Each value inside a larger buffer, as a piece of a file holds it.
  for (const v of values) {
    const b = Buffer.from(`x,${v},y`);
    inf.addBytes(b, 2, b.length - 2);
  }
  return inf.result();
}

const near = fc.constantFrom(
  '0', '-1', '+1', '2147483647', '2147483648', '-2147483648', '-2147483649', '9223372036854775807', '9223372036854775808', '00000000000000000001', '123456789012345', '1234567890123456',
  '1.5', '.5', '5.', '-.5', '+.5e3', '1e5', '1E-5', '1e', 'e5', '.', '-', '+', '1..2', '1.2.3', '--1', '1e+', ' 1', '1 ', '0x10', 'NaN', 'Infinity', '١٢٣',
  'true', 'TRUE', 'False', 'fAlSe', 'truee', 'tru', 'yes', 'ｔｒｕｅ', 'tru\u212a',
  '2024-02-29', '2023-02-29', '2024-01-01 10:00:00', '2024-01-01T23:59:59.123456789', '2024-01-01 24:00:00', '2024-01-01 10:00:00.', '2024-01-01 10:00:00Z', '2024-13-01', '２０２４-01-01', '2024-01-01é',
  'text', 'é', '😀', '',
);
const value = fc.oneof(near, fc.string({ unit: 'grapheme', maxLength: 8 }), fc.stringMatching(/^[-+.0-9eE :T]{0,22}$/), near.chain((v) => fc.nat(Math.max(0, v.length)).map((i) => v.slice(0, i) + '0123456789-.eE:'[i % 15] + v.slice(i + 1))));

describe('ColumnInferrer.addBytes', () => {
  it('infers what add() infers for any sequence of values', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), (values) => {
        expect(viaBytes(values)).toBe(inferColumnType(values));
      }),
      propertyRuns(3000),
    );
  });

  it('infers what add() infers for each listed value alone, and after an integer', () => {
    for (const v of [...fc.sample(near, 500), '2147483648', '99999999999999999999'] as string[]) {
      expect(viaBytes([v]), v).toBe(inferColumnType([v]));
      expect(viaBytes(['1', v]), v).toBe(inferColumnType(['1', v]));
    }
  });
});

describe('the decimal check', () => {
  it('accepts exactly what DECIMAL_RE accepts', () => {
    fc.assert(
      fc.property(value, (v) => {
        // An integer column: numbers that are not integers make it numeric, anything else text.
        const t = inferColumnType(['1', v]);
        if (v === '' || /^[-+]?\d+$/.test(v)) return;
        expect(t === 'numeric', v).toBe(DECIMAL_RE.test(v));
      }),
      propertyRuns(3000),
    );
  });
});
