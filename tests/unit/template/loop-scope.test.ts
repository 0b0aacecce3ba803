// Jinja's for-loop scoping: each iteration starts from the enclosing scope, and a {% set %} in the
// body lasts for the rest of that iteration only. Expected strings are Jinja2's output.
import { describe, expect, it } from 'vitest';
import { MODES, render } from './helpers.js';

describe.each(MODES)('for-loop scoping (%s)', (mode) => {
  const r = (src: string) => render(mode, src);

  it('a set in the body does not carry into the next iteration', () => {
    // list.append returns None: re-reading the outer list each time keeps appending to it
    expect(r('{% set c = [] %}{% for x in [1,2,3] %}{% set c = c.append(x) %}{% endfor %}{{ c }}')).toBe('[1, 2, 3]');
    expect(r('{% set n = 0 %}{% for x in [1,2,3] %}{% set n = n + x %}[{{ n }}]{% endfor %}{{ n }}')).toBe('[1][2][3]0');
  });

  it('a conditional set lasts for its own iteration only', () => {
    expect(r('{% for x in [1,2,3] %}{% if x == 2 %}{% set y = 5 %}{% endif %}{{ y }},{% endfor %}')).toBe(',5,,');
    expect(r('{% set y = 1 %}{% for x in [1,2,3] %}{% if x == 2 %}{% set y = 5 %}{% endif %}{{ y }},{% endfor %}{{ y }}')).toBe('1,5,1,1');
  });

  it('reassigning a macro argument or a loop variable inside a loop body', () => {
    expect(r('{% macro f(n) %}{% for x in [1,2,3] %}{% set n = n + x %}[{{ n }}]{% endfor %}{{ n }}{% endmacro %}{{ f(10) }}')).toBe('[11][12][13]10');
    expect(r('{% macro f(n) %}{% for x in [1,2] %}{% if x == 2 %}{% set n = n * 100 %}{% endif %}[{{ n }}]{% endfor %}{{ n }}{% endmacro %}{{ f(10) }}')).toBe('[10][1000]10');
    expect(r('{% for x in [1,2] %}{% for y in [1,2] %}{% set x = x * 10 %}{{ x }}{% endfor %}/{{ x }};{% endfor %}')).toBe('1010/1;2020/2;');
    expect(r('{% macro f(n) %}{% for x in [1,2] %}{% for y in [1,2] %}{% set n = n + 1 %}{{ n }}{% endfor %}/{{ n }};{% endfor %}{{ n }}{% endmacro %}{{ f(0) }}')).toBe('11/0;11/0;0');
  });

  it('break and continue leave the scopes as they were', () => {
    expect(r('{% set z = 0 %}{% for x in [1,2,3,4] %}{% if x == 2 %}{% continue %}{% endif %}{% set z = x %}{{ z }}{% if x == 3 %}{% break %}{% endif %}{% endfor %}{{ z }}')).toBe('130');
    expect(r('{% for x in [1,2] %}{% for y in [1,2] %}{% if y == 2 %}{% break %}{% endif %}{% set x = x + y %}{% endfor %}{{ x }}{% endfor %}')).toBe('12');
  });
});
