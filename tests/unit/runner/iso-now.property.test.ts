// isoNow (run_results timing) writes exactly what Date#toISOString writes, whatever the instant,
// also when consecutive calls fall in the same second or cross into the next.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoNow } from '../../../core/runner/iso-now.js';
import { propertyRuns } from '../../helpers/property.js';

describe('isoNow', () => {
  it('equals toISOString for any millisecond, including neighbours of a cached second', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_000_000_000_000, max: 300_000_000_000_000 }), fc.integer({ min: 0, max: 2000 }), (ms, step) => {
        expect(isoNow(ms)).toBe(new Date(ms).toISOString());
        expect(isoNow(ms + step)).toBe(new Date(ms + step).toISOString());
      }),
      propertyRuns(2000),
    );
  });

  it('pads milliseconds and defaults to now', () => {
    expect(isoNow(Date.UTC(2026, 10, 26, 5, 43, 21, 7))).toBe('2026-11-26T05:43:21.007Z');
    expect(isoNow(Date.UTC(2026, 10, 26, 5, 43, 21, 70))).toBe('2026-11-26T05:43:21.070Z');
    const before = Date.now();
    const now = Date.parse(isoNow());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
