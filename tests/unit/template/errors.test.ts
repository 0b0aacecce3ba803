import { describe, expect, it } from 'vitest';
import { Codes, KilnError } from '../../../core/errors.js';
import { MODES, catchKiln, engine } from './helpers.js';

const refs = {
  ref: (name: string) => {
    if (name === 'nope') throw new KilnError(Codes.REF_UNKNOWN, `Model 'nope' not found`, { hint: 'check the name', node: 'model.p.a' });
    return `"${name}"`;
  },
};

describe.each(MODES)('errors (%s)', (mode) => {
  describe('syntax', () => {
    it('points at an unclosed block tag', () => {
      const err = catchKiln(() => engine(mode).check('models/a.sql', 'select 1\n{% if x %}\nfrom t\n'));
      expect(err.code).toBe(Codes.JINJA_SYNTAX);
      expect(err.loc).toEqual({ file: 'models/a.sql', line: 2, col: 1 });
      expect(err.message).toContain('{% if %} is never closed');
      expect(err.hint).toContain('2 | {% if x %}');
    });
    it('reports mismatched end tags at the block left open', () => {
      const err = catchKiln(() => engine(mode).check('a.sql', 'x\n{% for x in y %}\n{% endif %}'));
      expect(err.loc?.line).toBe(2);
      expect(err.message).toContain('found {% endif %} at line 3 where {% endfor %} was expected');
    });
    it('reports bad expressions with line and column and the line text', () => {
      const err = catchKiln(() => engine(mode).check('models/a.sql', 'select\n  {{ ref("a" }}'));
      expect(err.code).toBe(Codes.JINJA_SYNTAX);
      expect(err.loc?.file).toBe('models/a.sql');
      expect(err.loc?.line).toBe(2);
      expect(err.loc?.col).toBeGreaterThan(0);
      expect(err.hint).toContain('2 |   {{ ref("a" }}');
      expect(err.message).not.toContain('unknown path');
    });
    it('suggests known tags, filters and tests', () => {
      expect(catchKiln(() => engine(mode).check('a.sql', '{% iff x %}{% endif %}')).hint).toContain('Did you mean {% if %}?');
      const f = catchKiln(() => engine(mode).check('a.sql', "line\n{{ 'x' | uper }}"));
      expect(f.code).toBe(Codes.JINJA_SYNTAX);
      expect(f.message).toContain("no filter named 'uper'");
      expect(f.hint).toContain("Did you mean 'upper'?");
      expect(f.loc?.line).toBe(2);
      expect(catchKiln(() => engine(mode).check('a.sql', '{{ x is nnone }}')).hint).toContain("Did you mean 'none'?");
    });
    it('rejects unsupported tags with an explanation', () => {
      expect(catchKiln(() => engine(mode).check('a.sql', "{% include 'x.sql' %}")).message).toContain('{% include %} is not supported');
      expect(catchKiln(() => engine(mode).check('a.sql', '{% docs x %}{% enddocs %}')).hint).toContain('docs (.md) files');
    });
    it('rejects break outside a loop and unterminated strings/comments', () => {
      expect(catchKiln(() => engine(mode).check('a.sql', '{% break %}')).message).toContain("'break' outside of a for loop");
      const s = catchKiln(() => engine(mode).check('a.sql', "ok\n{{ 'abc }}"));
      expect(s.message).toContain('unterminated string');
      expect(s.loc?.line).toBe(2);
      expect(catchKiln(() => engine(mode).check('a.sql', 'a {# never closed')).message).toContain('comment');
    });
    it('does not cache failures and accepts fixed sources', () => {
      const e = engine(mode);
      catchKiln(() => e.check('a.sql', '{% if %}'));
      expect(() => e.check('a.sql', '{% if x %}{% endif %}')).not.toThrow();
    });
    it('applies lineOffset to reported lines', () => {
      const err = catchKiln(() => engine(mode).render('snapshots/s.sql', 'select\n{{ boom() }}', {}, { lineOffset: 10 }));
      expect(err.loc?.line).toBe(12);
    });
  });

  describe('render', () => {
    it('propagates a KilnError from a context function with the template location added', () => {
      const err = catchKiln(() => engine(mode).render('models/a.sql', "select *\nfrom {{ ref('nope') }}", refs));
      expect(err.code).toBe(Codes.REF_UNKNOWN);
      expect(err.message).toBe("Model 'nope' not found");
      expect(err.hint).toBe('check the name');
      expect(err.node).toBe('model.p.a');
      expect(err.loc).toEqual({ file: 'models/a.sql', line: 2, col: 9 });
    });
    it('keeps a KilnError location that is already set', () => {
      const ctx = {
        boom: () => {
          throw new KilnError(Codes.VAR_UNDEFINED, 'no var', { loc: { file: 'dbt_project.yml', line: 3 } });
        },
      };
      const err = catchKiln(() => engine(mode).render('models/a.sql', '{{ boom() }}', ctx));
      expect(err.loc).toEqual({ file: 'dbt_project.yml', line: 3 });
    });
    it('locates errors inside macros and records the call site', () => {
      const e = engine(mode);
      e.addMacroFile('macros/m.sql', "{% macro m() %}\n  {{ ref('nope') }}\n{% endmacro %}", 'proj');
      const err = catchKiln(() => e.render('models/a.sql', 'x\n\n{{ m() }}', refs));
      expect(err.code).toBe(Codes.REF_UNKNOWN);
      expect(err.loc).toEqual({ file: 'macros/m.sql', line: 2, col: 6 });
      expect(err.related).toEqual([{ file: 'models/a.sql', line: 3, col: 4 }]);
    });
    it('hints at the closest macro for an undefined function', () => {
      const e = engine(mode);
      e.addMacroFile('macros/m.sql', '{% macro cents_to_dollars(c) %}{% endmacro %}', 'proj');
      const err = catchKiln(() => e.render('models/a.sql', '{{ cent_to_dollars("x") }}', {}));
      expect(err.code).toBe(Codes.JINJA_RENDER);
      expect(err.message).toContain("'cent_to_dollars' is undefined");
      expect(err.hint).toContain("Did you mean 'cents_to_dollars'?");
      expect(err.loc).toEqual({ file: 'models/a.sql', line: 1, col: 4 });
    });
    it('explains undefined package macros and unknown packages', () => {
      const e = engine(mode);
      e.addMacroFile('p/macros/m.sql', '{% macro star() %}{% endmacro %}', 'dbt_utils');
      expect(catchKiln(() => e.render('a.sql', '{{ dbt_utils.starr() }}', {})).hint).toContain("Did you mean 'dbt_utils.star'?");
      expect(catchKiln(() => e.render('a.sql', '{{ codegen.x() }}', {})).hint).toContain("package 'codegen' installed");
      const m = catchKiln(() => e.render('a.sql', "{{ 'abc'.uper() }}", {}));
      expect(m.message).toContain("str has no method 'uper'");
      expect(m.hint).toContain("Did you mean 'upper'?");
      const d = catchKiln(() => e.render('a.sql', '{{ cfg.gett("x") }}', { cfg: { get: () => 1 } }));
      expect(d.message).toContain("'cfg' has no method 'gett'");
      expect(d.hint).toContain("Did you mean 'get'?");
    });
    it('turns plain JS errors into JINJA_RENDER with a location and no nunjucks noise', () => {
      const ctx = {
        bad: () => {
          throw new TypeError('kaput');
        },
      };
      const err = catchKiln(() => engine(mode).render('models/a.sql', '\n{{ bad() }}', ctx));
      expect(err.code).toBe(Codes.JINJA_RENDER);
      expect(err.message).toBe('kaput');
      expect(err.loc).toEqual({ file: 'models/a.sql', line: 2, col: 4 });
      expect(err.message).not.toMatch(/unknown path|Template render error|\[Line/);
    });
    it('reports errors from operators and filters on the right line', () => {
      const err = catchKiln(() => engine(mode).render('a.sql', "ok\n{{ 'x' in none }}", {}));
      expect(err.code).toBe(Codes.JINJA_RENDER);
      expect(err.message).toContain('NoneType');
      expect(err.loc?.file).toBe('a.sql');
      const f = catchKiln(() => engine(mode).render('a.sql', "ok\n\n{{ 'abc' | as_number }}", {}));
      expect(f.loc?.line).toBe(3);
    });
    it('rejects return() outside of a macro', () => {
      expect(catchKiln(() => engine(mode).render('a.sql', '{{ return(1) }}', {})).message).toContain('outside of a macro');
    });
    it('reports calling a non-function', () => {
      expect(catchKiln(() => engine(mode).render('a.sql', '{{ x() }}', { x: 'str' })).message).toContain("'x' is not callable");
    });
    it('leaves the engine usable after an error (context restored)', () => {
      const e = engine(mode);
      catchKiln(() => e.render('a.sql', "{{ ref('nope') }}", refs));
      e.addMacroFile('macros/w.sql', '{% macro w() %}{{ who }}{% endmacro %}', 'proj');
      expect(e.render('b.sql', '{{ w() }}', { who: 'b' })).toBe('b');
    });
  });
});
