// The async render path: templates whose calls wait on the warehouse (run_query and friends)
// render through an async compilation, with each render's context kept apart from renders
// interleaving on other threads.
import { describe, expect, it } from 'vitest';
import { Codes, KilnError } from '../../../core/errors.js';
import { asyncBuiltin } from '../../../core/template/signals.js';
import { kwargs } from '../../../core/template/values.js';
import { MODES, engine } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake warehouse: `query(sql)` resolves later with rows derived from the SQL. */
function warehouse() {
  const calls: string[] = [];
  const query = asyncBuiltin(async (sql: unknown) => {
    calls.push(String(sql));
    await sleep(String(sql).includes('slow') ? 20 : 1);
    return [[String(sql).length], ['x']];
  });
  return { calls, query };
}

const MACROS = `{% macro get_rows(sql) %}{{ return(query(sql)) }}{% endmacro %}

{% macro first_cell(sql) -%}
  {%- set rows = get_rows(sql) -%}
  {%- for r in rows -%}{%- if loop.first -%}{{ return(r[0]) }}{%- endif -%}{%- endfor -%}
{%- endmacro %}

{% macro statement(name=None, fetch_result=False) -%}
  {%- set sql = caller() -%}
  {%- do results.update({name: query(sql | trim)}) -%}
{%- endmacro %}

{% macro who() %}{% set rows = query('slow' if this == 'A' else 'fast') %}{{ this }}:{{ rows[0][0] }}{% endmacro %}

{% macro broken() %}
  {% set rows = query('x') %}
  {{ rows.nope() }}
{% endmacro %}
`;

describe.each(MODES)('async rendering (%s)', (mode) => {
  it('renders plain templates like render()', async () => {
    const e = engine(mode);
    const src = "{% set xs = [1, 2] %}{% for x in xs %}{{ x * 2 }},{% endfor %}{{ 'a' ~ none }}";
    expect(await e.renderAsync('m.sql', src, {})).toBe(e.render('m.sql', src, {}));
  });

  it('awaits warehouse calls in templates, macros, captures and call blocks', async () => {
    const e = engine(mode);
    const w = warehouse();
    e.addGlobal('query', w.query);
    e.addMacroFile('macros/m.sql', MACROS, 'proj');
    const results: Record<string, unknown> = {};
    const src = `{%- set n = first_cell('select 12345') -%}
{%- set body -%}{{ get_rows('abc')[1][0] }}{%- endset -%}
{%- call statement('main', fetch_result=True) %}  select 1  {% endcall -%}
{{ n }} {{ body }} {{ proj.first_cell('ab') }} {{ results['main'][0][0] }}`;
    expect(await e.renderAsync('models/m.sql', src, { results })).toBe('12 x 2 8');
    expect(w.calls).toEqual(['select 12345', 'abc', 'select 1', 'ab']);
  });

  it('keeps interleaved renders apart (each sees its own context)', async () => {
    const e = engine(mode);
    const w = warehouse();
    e.addGlobal('query', w.query);
    e.addMacroFile('macros/m.sql', MACROS, 'proj');
    const [a, b] = await Promise.all([e.renderAsync('a.sql', '{{ who() }}', { this: 'A' }), e.renderAsync('b.sql', '{{ who() }}', { this: 'B' })]);
    expect([a, b]).toEqual(['A:4', 'B:4']);
  });

  it('logs once although the synchronous attempt was abandoned', async () => {
    const lines: string[] = [];
    const e = engine(mode, { log: (m) => lines.push(m) });
    const w = warehouse();
    e.addGlobal('query', w.query);
    await e.renderAsync('m.sql', "{% do log('before', info=True) %}{% set r = query('q') %}{% do log('after ' ~ r[0][0], info=True) %}", {});
    expect(lines).toEqual(['before', 'after 1']);
    expect(w.calls).toEqual(['q']);
  });

  it('calls macros through callMacroAsync, keywords included', async () => {
    const e = engine(mode);
    const w = warehouse();
    e.addGlobal('query', w.query);
    e.addMacroFile('macros/m.sql', MACROS, 'proj');
    expect(await e.callMacroAsync('first_cell', [kwargs({ sql: 'abcd' })], {})).toBe(4);
    expect(await e.callMacroAsync('get_rows', ['a'], {}, 'proj')).toEqual([[1], ['x']]);
  });

  it('reports errors after an await at the macro line and the calling line', async () => {
    const e = engine(mode);
    const w = warehouse();
    e.addGlobal('query', w.query);
    e.addMacroFile('macros/m.sql', MACROS, 'proj');
    const err = await e.renderAsync('models/m.sql', 'select\n{{ broken() }}', {}).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(KilnError);
    const k = err as KilnError;
    expect(k.loc).toMatchObject({ file: 'macros/m.sql', line: 17 });
    expect(k.related).toContainEqual(expect.objectContaining({ file: 'models/m.sql', line: 2 }));
  });

  it('refuses warehouse calls in synchronous renders with a clear error', () => {
    const e = engine(mode);
    e.addGlobal('query', warehouse().query);
    let err: unknown;
    try {
      e.render('models/m.sql', "{{ query('x') }}", {});
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(KilnError);
    expect((err as KilnError).code).toBe(Codes.JINJA_RENDER);
    expect((err as KilnError).message).toContain("'query' queries the warehouse");
  });

  it('renders natively through the async path', async () => {
    const e = engine(mode);
    e.addGlobal('query', warehouse().query);
    expect(await e.renderNativeAsync('m.sql', "{{ query('abc') }}", {})).toEqual([[3], ['x']]);
    expect(await e.renderNativeAsync('m.sql', '{{ [1, 2] }}', {})).toEqual([1, 2]);
  });
});
