// Property-based: kiln's Jinja runtime evaluates expressions with Python's semantics. Generated,
// well-typed expressions (python-expr.ts: arithmetic, division and modulo, powers, comparisons,
// `~`, `in`, slices, inline if, abs/int/round/length/upper/lower/join/string filters) render as
// an evaluator with Python's rules says, in both execution modes; raising where Python raises
// (division by zero) means a KilnError. The evaluator itself is held to real Jinja on a fixed
// sample (expressions.json, rendered by Python's Jinja).
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../core/errors.js';
import { repoRoot } from '../../helpers/cli.js';
import { propertyRuns } from '../../helpers/property.js';
import { engine, MODES, type Mode } from './helpers.js';
import { expectedOutput, expression, floatRepr } from './python-expr.js';

interface Case {
  readonly src: string;
  readonly expected?: string;
  readonly error?: string;
}
const { cases } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests/fixtures/jinja-conformance/expressions.json'), 'utf8')) as { cases: Case[] };

/** What kiln renders for `{{ src }}`, or null when it raises a KilnError. */
function kilnRender(mode: Mode, src: string): string | null {
  try {
    return engine(mode).render('expr.sql', `{{ ${src} }}`, {});
  } catch (e) {
    if (e instanceof KilnError) return null;
    throw e;
  }
}

describe('the Python-semantics evaluator agrees with real Jinja', () => {
  it('on every expression of the fixed sample', () => {
    expect(cases.length).toBeGreaterThan(500);
    const bySrc = new Map<string, string | null | undefined>();
    fc.sample(expression, { seed: 11, numRuns: 600 }).forEach((e) => bySrc.set(e.src, expectedOutput(e)));
    for (const c of cases) {
      const ours = bySrc.get(c.src);
      if (ours === undefined) continue;
      expect(ours, c.src).toBe(c.error ? null : c.expected);
    }
  });

  it("formats floats as Python's repr does", () => {
    expect([2, -0, 0.1 + 0.2, 1e16, 1.5e-7, 0.0001, 0.00001, 123456789012345.6, 1e22, -2.5].map(floatRepr)).toEqual([
      '2.0', '-0.0', '0.30000000000000004', '1e+16', '1.5e-07', '0.0001', '1e-05', '123456789012345.6', '1e+22', '-2.5',
    ]);
  });
});

/** Cases the generators found or that sit next to them, with Python's Jinja 3.1 output. */
const EDGES: [string, string][] = [
  ['1 // 0.1', '9.0'],
  ['1 % 0.1', '0.09999999999999995'],
  ['-0.0 % 5', '0.0'],
  ['0.0 % -4', '-0.0'],
  ['(-7.5) // 2', '-4.0'],
  ['7 // -2.0', '-4.0'],
  ['0.00005', '5e-05'],
  ['1 / 30000', '3.3333333333333335e-05'],
  ['-1 / 3000000', '-3.3333333333333335e-07'],
  ['[0.00001, 1e-4]', '[1e-05, 0.0001]'],
  ['5 % -3', '-1'],
  ['-5 % 3', '1'],
  ['(-0.5) | int', '0'],
  ['((0 / -1) | int) // 0.125', '0.0'],
  ['(-0) / 1', '0.0'],
  ['(0 * -5) / -1', '-0.0'],
  ['-(0) * 0.0', '0.0'],
  ['-(0.0)', '-0.0'],
];
/** Python raises on these (ZeroDivisionError): kiln raises a KilnError. */
const RAISES = ['0 ** -1', '0.0 ** -2', '1 // 0.0', '1 % 0', '1 / 0'];

describe.each(MODES)('kiln renders expressions as Python Jinja does (%s)', (mode) => {
  it.each(EDGES)('{{ %s }} is %s', (src, expected) => {
    expect(kilnRender(mode, src)).toBe(expected);
  });

  it.each(RAISES)('{{ %s }} raises', (src) => {
    expect(kilnRender(mode, src)).toBeNull();
  });

  it('on the fixed sample rendered by real Jinja', () => {
    const wrong = cases.filter((c) => kilnRender(mode, c.src) !== (c.error ? null : c.expected!));
    expect(wrong.map((c) => `${c.src}  →  kiln ${JSON.stringify(kilnRender(mode, c.src))}, Jinja ${c.error ?? JSON.stringify(c.expected)}`)).toEqual([]);
  });

  it('on generated expressions (property-based)', () => {
    fc.assert(
      fc.property(expression, (e) => {
        const expected = expectedOutput(e);
        fc.pre(expected !== undefined);
        expect(kilnRender(mode, e.src)).toBe(expected);
      }),
      propertyRuns(400),
    );
  });
});
