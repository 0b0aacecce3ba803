// Jinja accepts a trailing comma in calls, lists and dicts; dbt projects write
// `{{ config(post_hook=["...", "..."],) }}` across lines. kiln reads them the same.
import { describe, expect, it } from 'vitest';
import { MODES, render } from './helpers.js';

describe.each(MODES)('trailing commas (%s)', (mode) => {
  const r = (src: string, ctx: Record<string, unknown> = {}) => render(mode, src, ctx);
  const f = (...args: unknown[]) => args.filter((a) => !(a && typeof a === 'object' && '__keywords' in a)).length;

  it('in call arguments, keyword arguments included', () => {
    expect(r('{{ f(1, 2,) }}', { f })).toBe('2');
    expect(r("{{ d(a=1, b='x',) }}", { d: (o: Record<string, unknown>) => `${o.a}${o.b}` })).toBe('1x');
    expect(r('{{ f(\n  1,\n  2,\n) }}', { f })).toBe('2');
  });

  it('in lists and dicts, across lines and nested', () => {
    expect(r('{{ [1, 2,] | length }}')).toBe('2');
    expect(r("{{ {'a': 1, 'b': [3, 4,],}['b'] }}")).toBe('[3, 4]');
    expect(r('{% set xs = [\n  "select 1",\n  "select 2",\n] %}{{ xs | join(";") }}')).toBe('select 1;select 2');
  });

  it('a comma that is not trailing still separates, and a lone comma is still an error', () => {
    expect(r("{{ [1, ']', 2] | length }}")).toBe('3');
    expect(() => r('{{ f(1, , 2) }}', { f })).toThrow();
  });
});
