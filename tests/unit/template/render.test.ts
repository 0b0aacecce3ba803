import { describe, expect, it } from 'vitest';
import { MODES, engine, render } from './helpers.js';

describe.each(MODES)('Jinja rendering (%s)', (mode) => {
  const r = (src: string, ctx: Record<string, unknown> = {}) => render(mode, src, ctx);

  describe('output like Jinja', () => {
    it('renders booleans and none as Python does', () => {
      expect(r('{{ true }} {{ false }} {{ none }} {{ True }} {{ False }} {{ None }}')).toBe('True False None True False None');
    });
    it('renders lists and dicts as Python reprs', () => {
      expect(r("{{ ['a', 2] }}")).toBe("['a', 2]");
      expect(r("{{ {'a': 1} }}")).toBe("{'a': 1}");
      expect(r("{{ [none, true, 'it''s', {'k': [1.5]}] }}".replace("'it''s'", '"it\'s"'))).toBe(`[None, True, "it's", {'k': [1.5]}]`);
    });
    it('renders undefined as empty and numbers plainly', () => {
      expect(r('[{{ missing }}] {{ 42 }} {{ 1.5 }} {{ -3 }}')).toBe('[] 42 1.5 -3');
    });
    it('renders strings as is (no autoescape)', () => {
      expect(r(`{{ '<b>"x" & y</b>' }}`)).toBe('<b>"x" & y</b>');
    });
    it('drops a single trailing newline like Jinja', () => {
      expect(r('select 1\n')).toBe('select 1');
      expect(r('select {{ 1 }}\n\n')).toBe('select 1\n');
      expect(engine(mode, { keepTrailingNewline: true }).render('m.sql', 'a {{ 1 }}\n', {})).toBe('a 1\n');
    });
    it('does math like Python', () => {
      expect(r('{{ 10 / 4 }} {{ 10 // 4 }} {{ 10 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }} {{ -(2) }}')).toBe('2.5 2 1 2 1024 7 -2');
    });
    it('concatenates with ~ using str()', () => {
      expect(r("{{ 'a' ~ 1 ~ none ~ true ~ missing ~ [1] }}")).toBe('a1NoneTrue[1]');
    });
    it('adds lists and repeats strings', () => {
      expect(r("{{ [1] + [2] }} {{ '-' * 3 }} {{ 'a' + 'b' }}")).toBe('[1, 2] --- ab');
    });
    it('formats strings with % like Python', () => {
      expect(r(`{{ '%s-%s' % ('a', 'b') }} {{ '%05.1f%%' % 3.14159 }} {{ '%(x)s!' % {'x': 1} }} {{ '%d' % 7.9 }}`)).toBe('a-b 003.1% 1! 7');
    });
  });

  describe('truthiness and comparison', () => {
    it('treats empty lists/dicts/strings as false', () => {
      expect(r("{% if [] %}a{% else %}b{% endif %}{% if {} %}a{% else %}b{% endif %}{% if '' %}a{% else %}b{% endif %}{% if [0] %}a{% endif %}")).toBe('bbba');
    });
    it('returns operands from and/or', () => {
      expect(r("{{ [] or 'fallback' }} {{ 'x' and 'y' }} {{ 0 or none }} {{ not [] }}")).toBe('fallback y None True');
    });
    it('compares structurally with ==', () => {
      expect(r("{{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }} {{ 1 == 1.0 }} {{ '1' == 1 }} {{ 1 != 2 }}")).toBe('True True True False True');
    });
    it('chains comparisons', () => {
      expect(r('{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }}')).toBe('True False');
    });
    it('supports in and not in', () => {
      expect(r("{{ 'a' in ['a', 'b'] }} {{ 'x' not in 'abc' }} {{ 'k' in {'k': 1} }} {{ [1] in [[1]] }} {{ 'z' in missing }}")).toBe('True True True True False');
    });
    it('supports inline if with and without else', () => {
      expect(r("{{ 'y' if 1 else 'n' }}|{{ 'y' if 0 }}|{{ 'y' if [] else 'n' }}")).toBe('y||n');
    });
  });

  describe('statements', () => {
    it('honours whitespace control', () => {
      expect(r('a\n  {%- if true -%}\n  yes\n  {%- endif -%}\n  b')).toBe('ayesb');
      expect(r('{{- " x " -}}  \n y')).toBe(' x y');
    });
    it('drops comments, including whitespace-controlled ones', () => {
      expect(r('a{# hidden {{ x }} #}b {#- trimmed -#} c')).toBe('abc');
    });
    it('keeps raw blocks literal, with whitespace control and nesting', () => {
      expect(r('{% raw %}{{ not_rendered }} {% if %}{% endraw %}')).toBe('{{ not_rendered }} {% if %}');
      expect(r('a {%- raw -%}  {{ x }}  {%- endraw -%}  b')).toBe('a{{ x }}b');
      expect(r('{% raw %}{% raw %}x{% endraw %}{% endraw %}')).toBe('{% raw %}x{% endraw %}');
    });
    it('accepts the + whitespace modifier', () => {
      expect(r('a {%+ if true +%} b {%+ endif %}')).toBe('a  b ');
    });
    it('supports if/elif/else', () => {
      const t = '{% if x == 1 %}one{% elif x == 2 %}two{% else %}other{% endif %}';
      expect([1, 2, 3].map((x) => r(t, { x })).join(',')).toBe('one,two,other');
    });
    it('supports for loops with loop variables and else', () => {
      expect(r('{% for x in ["a", "b", "c"] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ x }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}/{{ loop.length }} {% endfor %}')).toBe(
        '103aF/3 212b/3 321cL/3 ',
      );
      expect(r('{% for x in [] %}a{% else %}empty{% endfor %}')).toBe('empty');
    });
    it('supports loop.cycle, previtem and nextitem', () => {
      expect(r("{% for x in [1, 2, 3] %}{{ loop.cycle('o', 'e') }}{{ loop.previtem }}{{ loop.nextitem }} {% endfor %}")).toBe('o2 e13 o2 ');
    });
    it('iterates dicts, items() and tuples', () => {
      expect(r("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}")).toBe('ab');
      expect(r("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}")).toBe('a=1;b=2;');
      expect(r('{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }} {% endfor %}')).toBe('3 7 ');
    });
    it('filters loop items with if (Jinja loop filtering)', () => {
      expect(r('{% for x in range(10) if x is odd %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}')).toBe('1,3,5,7,9');
    });
    it('supports break and continue', () => {
      expect(r('{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}')).toBe('0134');
    });
    it('keeps sets inside loops local (Jinja scoping)', () => {
      expect(r('{% set x = 1 %}{% for i in [5] %}{% set x = i %}{{ x }}{% endfor %}{{ x }}')).toBe('51');
    });
    it('supports namespace() and {% set ns.attr %}', () => {
      expect(r('{% set ns = namespace(total=0, found=false) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{% set ns.found = true %}{{ ns.total }} {{ ns.found }}')).toBe('6 True');
      expect(r('{% set ns = namespace(a=1) %}{{ ns.a }}')).toBe('1');
    });
    it('supports {% do %}', () => {
      expect(r('{% set l = [] %}{% do l.append(1) %}{% do l.extend([2, 3]) %}{{ l }}')).toBe('[1, 2, 3]');
      expect(r("{% set d = {} %}{% do d.update({'a': 1}) %}{{ d }}")).toBe("{'a': 1}");
    });
    it('supports block set', () => {
      expect(r('{% set x %}inner {{ 1 + 1 }}{% endset %}[{{ x }}]')).toBe('[inner 2]');
      expect(r('{%- set x -%}\n  trimmed\n{%- endset -%}\n[{{ x }}]')).toBe('[trimmed]');
    });
    it('supports tuple unpacking in set', () => {
      expect(r('{% set a, b = 1, 2 %}{{ a }}{{ b }} {% set c, d = [3, 4] %}{{ c }}{{ d }}')).toBe('12 34');
    });
    it('supports {% filter %} blocks', () => {
      expect(r('{% filter upper %}abc {{ "d" }}{% endfilter %}')).toBe('ABC D');
    });
    it('supports {% with %}', () => {
      expect(r('{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]')).toBe('3[]');
    });
    it('accesses dict items by key and attribute, lists by (negative) index and slices', () => {
      const ctx = { d: { k: 'v', nested: { x: [10, 20, 30] } } };
      expect(r("{{ d['k'] }} {{ d.k }} {{ d.nested.x[1] }} {{ d['nested']['x'][-1] }} {{ d.nested.x[1:] }} {{ d.nested.x[::-1] }} {{ 'abcdef'[1:3] }}", ctx)).toBe(
        'v v 20 30 [20, 30] [30, 20, 10] bc',
      );
    });
    it('evaluates bare names used as dict keys (Jinja semantics)', () => {
      expect(r("{% set k = 'key' %}{{ {k: 1, 'lit': 2} }}")).toBe("{'key': 1, 'lit': 2}");
    });
    it('lets }} appear inside nested dict literals', () => {
      expect(r("{{ {'a': {'b': 1}} }}")).toBe("{'a': {'b': 1}}");
    });
    it('keeps unknown backslash escapes in string literals like Python', () => {
      expect(r(String.raw`{{ '\d+\n'|length }} {{ 'a\tb' }} {{ 'it\'s' }}`)).toBe('4 a\tb it\'s');
    });
  });

  describe('macros', () => {
    it('supports defaults, keyword arguments, varargs and kwargs', () => {
      const t = '{% macro m(a, b=2, c="x") %}{{ a }}-{{ b }}-{{ c }}{{ varargs }}{{ kwargs }}{% endmacro %}';
      expect(r(t + '{{ m(1) }}|{{ m(1, 3) }}|{{ m(1, c="y") }}|{{ m(b=5, a=4) }}|{{ m(1, 2, 3, 4, z=1) }}')).toBe(
        "1-2-x(){}|1-3-x(){}|1-2-y(){}|4-5-x(){}|1-2-3(4,){'z': 1}",
      );
    });
    it('returns raw values with return(), also from loops and ifs', () => {
      const t = `{% macro find(items, target) %}{% for i in items %}{% if i == target %}{{ return(loop.index0) }}{% endif %}{% endfor %}{{ return(-1) }}{% endmacro %}
{%- macro cfg() %}{{ return({'a': [1, true, none]}) }}{% endmacro -%}
{{ find([5, 6, 7], 6) + 10 }} {{ find([1], 9) }} {{ cfg()['a'] }} {{ cfg().a[1] is sameas true }}`;
      expect(r(t)).toBe('11 -1 [1, True, None] True');
    });
    it('stops the macro at return() (no later side effects)', () => {
      const t = "{% macro m(l) %}{% do l.append('a') %}{{ return(1) }}{% do l.append('b') %}{% endmacro %}{% set l = [] %}{% set x = m(l) %}{{ l }}";
      expect(r(t)).toBe("['a']");
    });
    it('returns from nested macro calls and keeps the caller state intact', () => {
      const t = `{% macro inner(x) %}{{ return(x * 2) }}{% endmacro %}
{%- macro outer(n) %}{% set acc = [] %}{% for i in range(n) %}{% do acc.append(inner(i)) %}{% endfor %}{{ return(acc) }}{% endmacro -%}
{{ outer(3) }}`;
      expect(r(t)).toBe('[0, 2, 4]');
    });
    it('returns the rendered string when there is no return(), usable as a string', () => {
      const t = "{% macro m() %}abc{% endmacro %}{% macro e() %}{% endmacro %}{{ m() ~ '!' }} {{ m() == 'abc' }} {{ m() | upper }} {{ m().upper() }} {{ 'b' in m() }} {{ 'y' if e() else 'n' }} {{ m() | length }}";
      expect(r(t)).toBe('abc! True ABC ABC True n 3');
    });
    it('supports call blocks with caller() and caller arguments', () => {
      const t = `{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}
{%- macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro -%}
{% set outer = 'o' %}{% call wrap('b') %}hi {{ outer }}{% endcall %} {% call(x) each([1, 2]) %}[{{ x }}]{% endcall %}`;
      expect(r(t)).toBe('<b>hi o</b> [1][2]');
    });
    it('lets macros call themselves recursively', () => {
      expect(r('{% macro fact(n) %}{% if n <= 1 %}{{ return(1) }}{% endif %}{{ return(n * fact(n - 1)) }}{% endmacro %}{{ fact(5) }}')).toBe('120');
    });
  });

  describe('context visibility', () => {
    it('exposes every context key to the template and to macros it calls', () => {
      const e = engine(mode);
      e.addMacroFile('macros/m.sql', "{% macro rel() %}{{ this }}/{{ ref('b') }}/{{ target.schema }}{% endmacro %}", 'proj');
      const ctx = { this: '"db"."s"."a"', ref: (n: string) => `"db"."s"."${n}"`, target: { schema: 'dev' } };
      expect(e.render('models/a.sql', '{{ rel() }}', ctx)).toBe('"db"."s"."a"/"db"."s"."b"/dev');
    });
    it('lets context functions render nested templates without leaking contexts', () => {
      const e = engine(mode);
      e.addMacroFile('macros/m.sql', '{% macro who() %}{{ name }}{% endmacro %}', 'proj');
      const outer = {
        name: 'outer',
        nested: () => e.render('models/inner.sql', '[{{ who() }}]', { name: 'inner' }),
      };
      expect(e.render('models/outer.sql', '{{ who() }} {{ nested() }} {{ who() }}', outer)).toBe('outer [inner] outer');
    });
    it('passes keyword arguments to context functions as a trailing object', () => {
      const seen: unknown[] = [];
      const config = (...args: unknown[]) => {
        seen.push(args);
        return '';
      };
      r("{{ config(materialized='table', tags=['a']) }}", { config });
      expect(seen).toEqual([[{ materialized: 'table', tags: ['a'], __keywords: true }]]);
    });
    it('gives the render context precedence over macros and builtins', () => {
      const e = engine(mode);
      e.addMacroFile('macros/m.sql', '{% macro thing() %}macro{% endmacro %}', 'proj');
      expect(e.render('m.sql', '{{ thing() }} {{ log }}', { thing: () => 'ctx', log: 'shadowed' })).toBe('ctx shadowed');
    });
    it('does not treat Object.prototype names as variables', () => {
      expect(r('[{{ constructor }}][{{ toString }}]')).toBe('[][]');
    });
  });
});

describe('hot templates', () => {
  it('renders the same output before and after being compiled', () => {
    const e = engine('interpret');
    const auto = new (e.constructor as typeof import('../../../core/template/engine.js').TemplateEngine)();
    const src = "{% for i in range(3) %}{{ ref('m' ~ i) }}{% if not loop.last %}, {% endif %}{% endfor %}";
    const ctx = { ref: (n: string) => `"${n}"` };
    const outputs = new Set<string>();
    for (let i = 0; i < 30; i++) outputs.add(auto.render('m.sql', src, ctx));
    expect([...outputs]).toEqual([e.render('m.sql', src, ctx)]);
  });
});

describe.each(MODES)('dbt idioms (%s)', (mode) => {
  const r = (src: string, ctx: Record<string, unknown> = {}) => render(mode, src, ctx);

  it('set _ = list.append(x) accumulates', () => {
    expect(r('{% set cols = [] %}{% for c in ["a", "b"] %}{% set _ = cols.append(c | upper) %}{% endfor %}{{ cols | join(", ") }}')).toBe('A, B');
  });
  it('tag delimiters inside string literals', () => {
    expect(r(`{{ "a }} b %} c" }} {% set s = '{% x %}' %}{{ s }}`)).toBe('a }} b %} c {% x %}');
  });
  it('callable context objects with methods (config.get / config.require)', () => {
    const config = Object.assign((..._args: unknown[]) => '', {
      get: (k: string, d?: unknown) => (k === 'materialized' ? 'table' : (d ?? null)),
      require: (k: string) => `req:${k}`,
    });
    expect(r("{{ config(tags=['x']) }}{{ config.get('materialized') }} {{ config.get('nope', 'd') }} {{ config.get('nope') }} {{ config.require('unique_key') }}", { config })).toBe(
      'table d None req:unique_key',
    );
  });
  it('do return() inside macros', () => {
    expect(r('{% macro m() %}{% do return([1]) %}{% endmacro %}{{ m() }}')).toBe('[1]');
  });
  it('is_incremental blocks and this', () => {
    const t = 'select * from src\n{% if is_incremental() %}where ts > (select max(ts) from {{ this }}){% endif %}';
    expect(r(t, { is_incremental: () => true, this: '"db"."s"."t"' })).toBe('select * from src\nwhere ts > (select max(ts) from "db"."s"."t")');
    expect(r(t, { is_incremental: () => false, this: 'x' })).toBe('select * from src\n');
  });
  it('windows line endings', () => {
    expect(r('a\r\n{%- if true %}\r\nb{% endif %}\r\n')).toBe('a\r\nb');
  });
});
