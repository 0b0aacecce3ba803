// Property-based: selection behaves as set algebra over the fixture DAG (fixture.ts), whatever
// criteria are combined. Space-separated specs are a union, comma-joined ones an intersection,
// --exclude a difference; graph operators only widen a selection, and `n+x` grows with n.
// Indirect selection is `empty` here: with `eager`, tests are added per spec, and a test on
// two parents can rightly be in A ∩ B without being in (A,B).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../helpers/property.js';
import { resolveSelection } from '../../../core/selection/select.js';
import { shopManifest } from './fixture.js';
import { EXPOSURES, MODELS, SOURCES } from './cases.js';

const manifest = shopManifest();

const sel = (select: readonly string[], exclude: readonly string[] = []): Set<string> =>
  resolveSelection(manifest, { select, exclude, indirect: 'empty' }, { root: '/proj' }).selected;

const union = (a: Set<string>, b: Set<string>) => new Set([...a, ...b]);
const inter = (a: Set<string>, b: Set<string>) => new Set([...a].filter((x) => b.has(x)));
const minus = (a: Set<string>, b: Set<string>) => new Set([...a].filter((x) => !b.has(x)));
const sorted = (s: Set<string>) => [...s].sort();
const subset = (a: Set<string>, b: Set<string>) => [...a].every((x) => b.has(x));

const names = [...MODELS, 'raw_payments', ...SOURCES, ...EXPOSURES];
const plain = fc.constantFrom(
  ...MODELS,
  'raw_payments',
  'stg_*',
  '*orders*',
  'tag:nightly',
  'path:models/staging',
  'resource_type:seed',
  'resource_type:test',
  'resource_type:model',
  'config.materialized:table',
  'config.materialized:view',
  'test_type:generic',
  'test_type:singular',
  ...SOURCES,
  'source:shop',
  ...EXPOSURES,
);
const depth = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null });
/** One criterion with optional graph operators: `[@][n+]x[+n]`. */
const atom = fc.tuple(fc.boolean(), fc.option(depth, { nil: undefined }), plain, fc.option(depth, { nil: undefined })).map(([at, up, x, down]) => {
  if (at && !x.includes(':') && !x.includes('*')) return `@${x}`;
  const u = up === undefined ? '' : `${up ?? ''}+`;
  const d = down === undefined ? '' : `+${down ?? ''}`;
  return `${u}${x}${d}`;
});

const RUNS = propertyRuns(150);

describe('selection algebra (property-based)', () => {
  it('a space is a union: commutative, idempotent', () => {
    fc.assert(
      fc.property(atom, atom, (a, b) => {
        const expected = sorted(union(sel([a]), sel([b])));
        expect(sorted(sel([`${a} ${b}`]))).toEqual(expected);
        expect(sorted(sel([`${b} ${a}`]))).toEqual(expected);
        expect(sorted(sel([a, b]))).toEqual(expected);
        expect(sorted(sel([`${a} ${a}`]))).toEqual(sorted(sel([a])));
      }),
      RUNS,
    );
  });

  it('a comma is an intersection, and distributes over union', () => {
    fc.assert(
      fc.property(atom, atom, atom, (a, b, c) => {
        const A = sel([a]);
        const B = sel([b]);
        const C = sel([c]);
        expect(sorted(sel([`${a},${b}`]))).toEqual(sorted(inter(A, B)));
        expect(sorted(sel([`${b},${a}`]))).toEqual(sorted(inter(A, B)));
        expect(sorted(sel([`${a},${a}`]))).toEqual(sorted(A));
        expect(sorted(sel([`${a},${b},${c}`]))).toEqual(sorted(inter(inter(A, B), C)));
        expect(sorted(sel([`${a},${b} ${a},${c}`]))).toEqual(sorted(inter(A, union(B, C))));
      }),
      RUNS,
    );
  });

  it('--exclude is a difference', () => {
    fc.assert(
      fc.property(fc.array(atom, { minLength: 1, maxLength: 3 }), fc.array(atom, { minLength: 1, maxLength: 2 }), (inc, exc) => {
        const included = inc.map((s) => sel([s])).reduce(union);
        const excluded = exc.map((s) => sel([s])).reduce(union);
        expect(sorted(sel(inc, exc))).toEqual(sorted(minus(included, excluded)));
        expect(sorted(sel(inc, inc))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('graph operators only widen, and a deeper walk selects at least as much', () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.integer({ min: 0, max: 3 }), (x, n) => {
        const base = sel([x]);
        const up = sel([`+${x}`]);
        const down = sel([`${x}+`]);
        expect(subset(base, up) && subset(base, down)).toBe(true);
        expect(sorted(sel([`+${x}+`]))).toEqual(sorted(union(up, down)));
        expect(subset(sel([`${n}+${x}`]), sel([`${n + 1}+${x}`]))).toBe(true);
        expect(subset(sel([`${n}+${x}`]), up)).toBe(true);
        expect(subset(sel([`${x}+${n}`]), down)).toBe(true);
        expect(sorted(sel([`0+${x}+0`]))).toEqual(sorted(base));
        if (!x.includes(':')) expect(subset(down, sel([`@${x}`]))).toBe(true);
      }),
      RUNS,
    );
  });
});
