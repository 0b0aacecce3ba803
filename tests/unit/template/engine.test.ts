import { describe, expect, it } from 'vitest';
import { jinjaRepr, splitArgs, kwargs } from '../../../core/template/engine.js';
import { TemplateEngine } from '../../../core/template/index.js';
import { PyDateTime } from '../../../core/template/pymodules.js';
import { MODES, engine } from './helpers.js';

describe('jinjaRepr', () => {
  it('renders values like Jinja', () => {
    expect(jinjaRepr(true)).toBe('True');
    expect(jinjaRepr(null)).toBe('None');
    expect(jinjaRepr(undefined)).toBe('');
    expect(jinjaRepr(['a', 2, null, false])).toBe("['a', 2, None, False]");
    expect(jinjaRepr({ a: 1, b: { c: "it's" } })).toBe(`{'a': 1, 'b': {'c': "it's"}}`);
    expect(jinjaRepr('plain')).toBe('plain');
    expect(jinjaRepr(1.5)).toBe('1.5');
    expect(jinjaRepr(1e-7)).toBe('1e-07');
    expect(jinjaRepr(new Set())).toBe('set()');
    expect(jinjaRepr(['a\nb'])).toBe("['a\\nb']");
    expect(jinjaRepr(PyDateTime.fromDate(new Date(Date.UTC(2024, 0, 1))))).toBe('2024-01-01 00:00:00+00:00');
  });
});

describe('splitArgs', () => {
  it('splits the trailing keyword object', () => {
    expect(splitArgs(['a', 1, { x: 1, __keywords: true }])).toEqual({ positional: ['a', 1], kwargs: { x: 1 } });
    expect(splitArgs(['a', { x: 1 }])).toEqual({ positional: ['a', { x: 1 }], kwargs: {} });
    expect(splitArgs([])).toEqual({ positional: [], kwargs: {} });
    expect(splitArgs([kwargs({ y: 2 })])).toEqual({ positional: [], kwargs: { y: 2 } });
  });
});

describe.each(MODES)('engine (%s)', (mode) => {
  it('renderNative returns the value of a lone expression', () => {
    const e = engine(mode, { env: { PORT: '5432', FLAG: 'true' } });
    expect(e.renderNative('profiles.yml', "{{ env_var('PORT') | as_number }}", {})).toBe(5432);
    expect(e.renderNative('profiles.yml', " {{ env_var('FLAG') | as_bool }} ", {})).toBe(true);
    expect(e.renderNative('profiles.yml', "{{ env_var('PORT') }}", {})).toBe('5432');
    expect(e.renderNative('profiles.yml', '{{ [1, 2] }}', {})).toEqual([1, 2]);
    expect(e.renderNative('profiles.yml', "host-{{ env_var('PORT') }}", {})).toBe('host-5432');
    expect(e.renderNative('profiles.yml', 'plain', {})).toBe('plain');
  });

  it('check() accepts valid templates without rendering them', () => {
    const calls: string[] = [];
    expect(() => engine(mode).check('a.sql', "{{ ref('x') }}")).not.toThrow();
    expect(calls).toEqual([]);
  });

  it('extra globals and filters', () => {
    const e = engine(mode, { globals: { answer: 42 }, filters: { shout: (v: unknown) => `${String(v)}!` } });
    e.addGlobal('question', '?');
    e.addFilter('twice', (v: unknown) => `${String(v)}${String(v)}`);
    expect(e.render('a.sql', "{{ answer }}{{ question }} {{ 'a' | shout | twice }}", {})).toBe('42? a!a!');
  });

  it('renders templates without tags verbatim', () => {
    expect(engine(mode).render('a.sql', 'select 1 from t where a = \'{x}\'', {})).toBe("select 1 from t where a = '{x}'");
  });

  it('gives context functions the render variables through this.ctx', () => {
    function whoami(this: { ctx: Record<string, unknown> }): unknown {
      return this.ctx.name;
    }
    expect(engine(mode).render('a.sql', '{{ whoami() }}', { name: 'n', whoami })).toBe('n');
  });
});
