// `path:` globs: the matcher that rules files out by their literal leading folders and matches a
// folder above the file in one pass agrees with the plain definition (the file, or some folder
// above it, matches the whole pattern) on generated paths and patterns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnmatch } from '../../../core/selection/fnmatch.js';
import { pathMatches, pathPattern } from '../../../core/selection/match.js';

/** The definition: some leading run of the file's segments (all of them when `exact`) matches every pattern segment. */
function reference(file: string, pattern: readonly string[], exact: boolean): boolean {
  if (pattern.length === 0) return true;
  const segs = file.split('/');
  const whole = (s: readonly string[]): boolean => {
    const go = (i: number, j: number): boolean => {
      if (i === pattern.length) return j === s.length;
      if (pattern[i] === '**') {
        for (let k = j; k <= s.length; k++) if (go(i + 1, k)) return true;
        return false;
      }
      return j < s.length && fnmatch(s[j]!, pattern[i]!) && go(i + 1, j + 1);
    };
    return go(0, 0);
  };
  if (exact) return whole(segs);
  for (let n = segs.length; n >= 1; n--) if (whole(segs.slice(0, n))) return true;
  return false;
}

const name = fc.constantFrom('models', 'staging', 'marts', 'core', 'a.sql', 'b.sql', 'x', '_s.yml');
const patternSegment = fc.oneof(name, fc.constantFrom('*', '**', '*.sql', 'm*', '?', '[ab].sql'));

describe('path: glob matching', () => {
  it('agrees with the definition on generated files and patterns', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 5 }), fc.array(patternSegment, { minLength: 1, maxLength: 5 }), fc.boolean(), (segs, pat, exact) => {
        const file = segs.join('/');
        const pattern = pathPattern(pat.join('/'), '/proj');
        expect(pathMatches(file, pattern, exact)).toBe(reference(file, pattern.segments, exact));
      }),
      { numRuns: 3000, seed: 9 },
    );
  });

  it('matches a root file named as the folder before a trailing ** (that matches nothing)', () => {
    expect(pathMatches('models', pathPattern('models/**', '/proj'))).toBe(true);
    expect(pathMatches('models/a.sql', pathPattern('models/**/a.sql', '/proj'))).toBe(true);
    expect(pathMatches('marts/a.sql', pathPattern('models/**', '/proj'))).toBe(false);
  });
});
