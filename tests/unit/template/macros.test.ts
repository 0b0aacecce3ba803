import { describe, expect, it } from 'vitest';
import { Codes } from '../../../core/errors.js';
import { kwargs } from '../../../core/template/values.js';
import { MODES, catchKiln, engine } from './helpers.js';

const FILE = `{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}

{% macro cents_to_dollars(column_name, precision=2, scale='x') %}
  ({{ column_name }} / 100)::numeric(16, {{ precision }})
{% endmacro %}

{% test positive(model, column_name) %}
select * from {{ model }} where {{ column_name }} < 0
{% endtest %}
`;

describe.each(MODES)('macro files (%s)', (mode) => {
  it('reports macros, tests and their arguments, lines and source', () => {
    const e = engine(mode);
    const infos = e.addMacroFile('macros/utils.sql', FILE, 'proj');
    expect(infos.map((i) => [i.name, i.kind, i.line, i.arguments])).toEqual([
      ['generate_schema_name', 'macro', 1, ['custom_schema_name', 'node']],
      ['cents_to_dollars', 'macro', 5, ['column_name', 'precision', 'scale']],
      ['test_positive', 'test', 9, ['model', 'column_name']],
    ]);
    expect(infos[1].sql).toBe("{% macro cents_to_dollars(column_name, precision=2, scale='x') %}\n  ({{ column_name }} / 100)::numeric(16, {{ precision }})\n{% endmacro %}");
    expect(infos.every((i) => i.packageName === 'proj')).toBe(true);
  });

  it('makes macros callable without import, and as package.macro()', () => {
    const e = engine(mode);
    e.addMacroFile('macros/utils.sql', FILE, 'proj');
    const ctx = { target: { schema: 'dev' } };
    expect(e.render('models/m.sql', "{{ generate_schema_name(none, none) }} {{ proj.generate_schema_name(' s ', none) }}|{{ cents_to_dollars('amt') | trim }}", ctx)).toBe(
      'dev dev_s|(amt / 100)::numeric(16, 2)',
    );
    expect(e.render('tests/t.sql', "{{ test_positive(model='orders', column_name='amount') | trim }}", ctx)).toBe('select * from orders where amount < 0');
  });

  it('callMacro returns raw return() values or the rendered string', () => {
    const e = engine(mode);
    e.addMacroFile('macros/a.sql', "{% macro cfg(x) %}{{ return({'x': x, 'list': [1, true]}) }}{% endmacro %}{% macro s(a, b='d') %}{{ a }}{{ b }}{% endmacro %}", 'proj');
    expect(e.callMacro('cfg', [5], {})).toEqual({ x: 5, list: [1, true] });
    expect(e.callMacro('s', ['a'], {})).toBe('ad');
    expect(e.callMacro('s', ['a', kwargs({ b: 'B' })], {})).toBe('aB');
    expect(e.callMacro('s', ['p'], {}, 'proj')).toBe('pd');
    expect(e.hasMacro('cfg')).toBe(true);
    expect(e.hasMacro('cfg', 'proj')).toBe(true);
    expect(e.hasMacro('cfg', 'other')).toBe(false);
    expect(e.hasMacro('nope')).toBe(false);
    const err = catchKiln(() => e.callMacro('nope', [], {}));
    expect(err.code).toBe(Codes.JINJA_RENDER);
  });

  it('callMacro makes the context visible to the macro and its callees', () => {
    const e = engine(mode);
    e.addMacroFile('macros/a.sql', '{% macro outer() %}{{ inner() }}{% endmacro %}{% macro inner() %}{{ this }}{% endmacro %}', 'proj');
    expect(e.callMacro('outer', [], { this: 'THIS' })).toBe('THIS');
  });

  it('root project macros override package macros; internal ones lose to both', () => {
    const e = engine(mode, { rootPackage: 'proj' });
    e.addMacroFile('macros/ts.sql', '{% macro current_timestamp() %}now(){% endmacro %}', 'dbt');
    e.addMacroFile('dbt_packages/utils/macros/x.sql', '{% macro current_timestamp() %}utils_now(){% endmacro %}{% macro star() %}*{% endmacro %}', 'dbt_utils');
    expect(e.render('m.sql', '{{ current_timestamp() }} {{ dbt.current_timestamp() }}', {})).toBe('utils_now() now()');
    e.addMacroFile('macros/my_ts.sql', '{% macro current_timestamp() %}my_now(){% endmacro %}', 'proj');
    expect(e.render('m.sql', '{{ current_timestamp() }} {{ dbt_utils.current_timestamp() }} {{ dbt_utils.star() }} {{ star() }}', {})).toBe('my_now() utils_now() * *');
    e.removeMacroFile('macros/my_ts.sql', 'proj');
    expect(e.render('m.sql', '{{ current_timestamp() }}', {})).toBe('utils_now()');
  });

  it('rejects a macro defined twice in one package, naming both files', () => {
    const e = engine(mode);
    e.addMacroFile('macros/a.sql', '{% macro dup() %}a{% endmacro %}', 'proj');
    const err = catchKiln(() => e.addMacroFile('macros/b.sql', '\n{% macro dup() %}b{% endmacro %}', 'proj'));
    expect(err.code).toBe(Codes.MACRO_DUPLICATE);
    expect(err.message).toContain('macros/a.sql');
    expect(err.message).toContain('macros/b.sql');
    expect(err.loc).toEqual({ file: 'macros/b.sql', line: 2 });
    expect(err.related).toEqual([{ file: 'macros/a.sql', line: 1 }]);
    // the same name in another package is fine
    e.addMacroFile('pkg/macros/a.sql', '{% macro dup() %}p{% endmacro %}', 'pkg');
    const inFile = catchKiln(() => e.addMacroFile('macros/c.sql', '{% macro x() %}{% endmacro %}\n{% macro x() %}{% endmacro %}', 'proj'));
    expect(inFile.code).toBe(Codes.MACRO_DUPLICATE);
  });

  it('re-adding a file replaces its macros (watch mode)', () => {
    const e = engine(mode);
    e.addMacroFile('macros/a.sql', '{% macro m() %}v1{% endmacro %}{% macro gone() %}{% endmacro %}', 'proj');
    e.addMacroFile('macros/a.sql', '{% macro m() %}v2{% endmacro %}', 'proj');
    expect(e.render('x.sql', '{{ m() }}', {})).toBe('v2');
    expect(e.hasMacro('gone')).toBe(false);
  });

  it('skips {% materialization %} blocks, reporting them', () => {
    const e = engine(mode);
    const src = `{% materialization table, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {% some_unknown_tag %}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
{% materialization view, default %}{% endmaterialization %}
{% macro after() %}ok{% endmacro %}`;
    const infos = e.addMacroFile('macros/mat.sql', src, 'proj');
    expect(infos.map((i) => [i.name, i.kind, i.line])).toEqual([
      ['materialization_table_duckdb', 'materialization', 1],
      ['materialization_view_default', 'materialization', 6],
      ['after', 'macro', 7],
    ]);
    expect(infos[0].sql.startsWith("{% materialization table, adapter='duckdb' %}")).toBe(true);
    expect(e.render('m.sql', '{{ after() }}', {})).toBe('ok');
  });

  it('reports syntax errors in macro files with their location', () => {
    const e = engine(mode);
    const err = catchKiln(() => e.addMacroFile('macros/bad.sql', '{% macro m() %}\n  {% if x %}\n{% endmacro %}', 'proj'));
    expect(err.code).toBe(Codes.JINJA_SYNTAX);
    expect(err.loc?.file).toBe('macros/bad.sql');
    expect(err.loc?.line).toBe(2);
  });

  it('lists registered macros and returns macro functions', () => {
    const e = engine(mode);
    e.addMacroFile('macros/a.sql', '{% macro a(x) %}{{ x }}!{% endmacro %}', 'proj');
    expect(e.listMacros().map((m) => m.name)).toEqual(['a']);
    const fn = e.getMacro('a');
    expect(typeof fn).toBe('function');
    expect(e.render('m.sql', '{{ f(1) }}', { f: fn })).toBe('1!');
  });
});

describe.each(MODES)('dbt-style patterns (%s)', (mode) => {
  it('call blocks into JS context functions (statement / load_result)', () => {
    const e = engine(mode);
    const results = new Map<string, unknown>();
    const ctx = {
      statement: (...args: unknown[]) => {
        const kw = args[args.length - 1] as { caller: () => string; fetch_result?: boolean };
        results.set(String(args[0]), { sql: kw.caller().trim(), rows: [[1], [2]], fetched: kw.fetch_result === true });
        return '';
      },
      load_result: (name: string) => results.get(name),
    };
    e.addMacroFile('macros/q.sql', `{% macro get_ids() %}
  {% call statement('ids', fetch_result=True) %}
    select id from {{ tbl }}
  {% endcall %}
  {% set res = load_result('ids') %}
  {{ return(res['rows'] | map(attribute=0) | list) }}
{% endmacro %}`, 'proj');
    expect(e.render('models/m.sql', '{{ get_ids() }}', { ...ctx, tbl: 'orders' })).toBe('[1, 2]');
    expect(results.get('ids')).toEqual({ sql: 'select id from orders', rows: [[1], [2]], fetched: true });
  });

  it('dispatch-like lookups of macros by name through a context object', () => {
    const e = engine(mode, { rootPackage: 'proj' });
    e.addMacroFile('macros/d.sql', "{% macro default__concat(a) %}concat({{ a | join(', ') }}){% endmacro %}{% macro duckdb__concat(a) %}{{ a | join(' || ') }}{% endmacro %}", 'proj');
    const adapter = { dispatch: (name: string) => e.getMacro(`duckdb__${name}`) ?? e.getMacro(`default__${name}`) };
    expect(e.render('models/m.sql', "{{ adapter.dispatch('concat')(['a', 'b']) }}", { adapter })).toBe('a || b');
  });

  it('generic tests render with keyword arguments like dbt calls them', () => {
    const e = engine(mode);
    e.addMacroFile('macros/t.sql', "{% test accepted_values(model, column_name, values, quote=True) %}select * from {{ model }} where {{ column_name }} not in ({% for v in values %}{% if quote %}'{{ v }}'{% else %}{{ v }}{% endif %}{{ ', ' if not loop.last }}{% endfor %}){% endtest %}", 'proj');
    const sql = e.render('tests/generic.sql', "{{ test_accepted_values(model=ref('orders'), column_name='status', values=['a', 'b']) }}", { ref: (n: string) => `"${n}"` });
    expect(sql).toBe(`select * from "orders" where status not in ('a', 'b')`);
  });

  it('today() from modules.datetime.date', () => {
    const e = engine(mode, { now: () => Date.UTC(2024, 0, 2, 12) });
    expect(e.render('m.sql', '{{ modules.datetime.date.today().isoformat()[:4] }}', {})).toBe('2024');
  });
});
