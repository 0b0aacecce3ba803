import { describe, expect, it } from 'vitest';
import { MODES, render } from './helpers.js';

describe.each(MODES)('is tests (%s)', (mode) => {
  const r = (src: string, ctx: Record<string, unknown> = {}) => render(mode, src, ctx);

  it('none / defined / undefined', () => {
    expect(r('{{ none is none }} {{ x is none }} {{ missing is none }} {{ x is defined }} {{ missing is defined }} {{ missing is undefined }} {{ x is not none }}', { x: 1 })).toBe(
      'True False False True False True True',
    );
    expect(r('{% if x is none %}n{% endif %}', { x: null })).toBe('n');
  });

  it('types', () => {
    expect(r("{{ 'a' is string }} {{ 1 is string }} {{ 1 is number }} {{ 1.5 is number }} {{ '1' is number }} {{ 1 is integer }} {{ 1.5 is float }} {{ true is boolean }}")).toBe(
      'True False True True False True True True',
    );
    expect(r("{{ {} is mapping }} {{ [] is mapping }} {{ [] is iterable }} {{ 'a' is iterable }} {{ 1 is iterable }} {{ [] is sequence }} {{ {} is sequence }} {{ 1 is sequence }}")).toBe(
      'True False True True False True True False',
    );
    expect(r('{{ f is callable }} {{ 1 is callable }}', { f: () => 1 })).toBe('True False');
  });

  it('in, with and without parentheses', () => {
    expect(r("{{ 'a' is in ['a'] }} {{ 'b' is in('ab') }} {{ 'z' is not in ['a'] }}")).toBe('True True True');
  });

  it('comparisons and arithmetic tests, including single arguments without parentheses', () => {
    expect(r('{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 2 is eq 2 }} {{ 2 is equalto(3) }} {{ 2 is ne 3 }} {{ 3 is gt 2 }} {{ 3 is lt 2 }} {{ 3 is ge 3 }} {{ x is sameas false }}', { x: false })).toBe(
      'True True True False True False True True False True True',
    );
    expect(r("{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'Ab' is lower }}")).toBe('True True False');
  });

  it('binds in boolean expressions', () => {
    expect(r('{{ x is defined and x > 1 }} {{ not x is none }} {{ y is defined or true }}', { x: 2 })).toBe('True True True');
  });
});
