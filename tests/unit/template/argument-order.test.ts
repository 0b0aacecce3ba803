// Jinja refuses a positional parameter or argument after a keyword one; nunjucks would silently
// move the keyword ones last (a macro `f(a, b=1, c)` then ran with c's value missing).
import { describe, expect, it } from 'vitest';
import { Codes } from '../../../core/errors.js';
import { MODES, catchKiln, engine, render } from './helpers.js';

describe.each(MODES)('argument order (%s)', (mode) => {
  const syntaxError = (src: string) => catchKiln(() => engine(mode).check('macros/m.sql', src));

  it('a declaration with a parameter without default after one with a default is a syntax error', () => {
    const err = syntaxError('{% macro f(a,\n  b=1,\n  c) %}{% endmacro %}');
    expect(err.code).toBe(Codes.JINJA_SYNTAX);
    expect(err.message).toContain('non-default argument follows default argument');
    expect(err.loc?.line).toBe(3);
    expect(syntaxError('{% test t(model, x=None, y) %}select 1{% endtest %}').message).toContain('non-default argument follows default argument');
    expect(syntaxError('{% macro g() %}{{ caller(1) }}{% endmacro %}{% call(a=1, b) g() %}{% endcall %}').message).toContain('non-default argument follows default argument');
  });

  it('a call with a positional argument after a keyword one is a syntax error', () => {
    expect(syntaxError('{% macro f(a, b) %}{% endmacro %}{{ f(a=1, 2) }}').message).toContain('invalid syntax for function call expression');
    // a call inside a default value is a call, not a declaration
    expect(syntaxError('{% macro f(a=g(x=1, 2)) %}{% endmacro %}').message).toContain('invalid syntax for function call expression');
  });

  it('keyword arguments after positional ones, and defaults after plain parameters, still work', () => {
    expect(render(mode, '{% macro f(a, b=2, c=3) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ f(1, c=9) }}{{ f(a=0) }}')).toBe('129023');
    expect(render(mode, '{% macro g(x) %}{{ caller(x, y=2) }}{% endmacro %}{% call(p, y=0) g(5) %}{{ p }}{{ y }}{% endcall %}')).toBe('52');
  });
});
