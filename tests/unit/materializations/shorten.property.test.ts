// Property-based: helper relation names (`<name>__dbt_tmp`, `__dbt_backup`, ...) fit the
// database's limit in bytes, never split a character, keep the suffix, and stay distinct for
// distinct names, whatever the name (ASCII, accents, CJK, emoji).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { suffixed } from '../../../core/materializations/plan.js';
import { propertyRuns } from '../../helpers/property.js';

const wellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s;
const names = fc.array(fc.oneof(fc.constantFrom('a', 'Z', '_', ' ', '"', 'ü', '名', '😀', '👩‍👩‍👧'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 })), { minLength: 1, maxLength: 40 }).map((xs) => xs.join(''));
const suffixes = fc.constantFrom('__dbt_tmp', '__dbt_backup', '__dbt_staging');

describe('helper relation names (property-based)', () => {
  it('fit the limit, keep whole characters and the suffix', () => {
    fc.assert(
      fc.property(names, suffixes, fc.constantFrom(63, 64, 128), (name, suffix, max) => {
        const out = suffixed(name, suffix, max);
        expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(max);
        expect(wellFormed(out), JSON.stringify(out)).toBe(true);
        expect(out.endsWith(suffix)).toBe(true);
        if (Buffer.byteLength(name + suffix) <= max) expect(out).toBe(name + suffix);
      }),
      propertyRuns(2000),
    );
  });

  it('distinct names give distinct helper names', () => {
    fc.assert(
      fc.property(names, names, suffixes, (a, b, suffix) => {
        fc.pre(a !== b);
        expect(suffixed(a, suffix, 63)).not.toBe(suffixed(b, suffix, 63));
      }),
      propertyRuns(2000),
    );
  });
});
