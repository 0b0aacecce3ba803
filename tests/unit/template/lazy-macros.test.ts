// kiln's own macro files are registered from a scan and compiled on the first call of one of
// their macros (addMacroFileLazily): the same macros, infos and results as addMacroFile.
import { describe, expect, it } from 'vitest';
import { Codes } from '../../../core/errors.js';
import { DBT_MACROS_FILE, DBT_MACROS_SQL } from '../../../core/macros/dbt-macros.js';
import { DUCKDB_MACROS_SQL } from '../../../adapters/duckdb/macros.js';
import { POSTGRES_MACROS_SQL } from '../../../adapters/postgres/macros.js';
import { MODES, catchKiln, engine } from './helpers.js';

const FILE = `{% macro shout(x, times=2) -%}{{ (x | upper) * times }}{%- endmacro %}
{% materialization thing, adapter='postgres' %}{{ return({'relations': []}) }}{% endmaterialization %}
{% macro twice(x) -%}{{ shout(x, 1) }}{{ shout(x, 1) }}{%- endmacro %}
{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} < 0{% endtest %}
`;

describe.each(MODES)('lazily added macro files (%s)', (mode) => {
  it('registers the macros without compiling the file, and compiles it on the first call', () => {
    const e = engine(mode);
    const compile = (e as unknown as { compile: (...a: unknown[]) => unknown }).compile;
    let compiles = 0;
    (e as unknown as { compile: (...a: unknown[]) => unknown }).compile = function (this: unknown, ...a: unknown[]) {
      compiles++;
      return compile.apply(this, a);
    };
    e.addMacroFileLazily('<kiln>/x.sql', FILE, 'dbt');
    expect(compiles).toBe(0);
    expect(e.hasMacro('shout')).toBe(true);
    expect(e.hasMacro('test_positive', 'dbt')).toBe(true);
    expect(e.hasMacro('materialization_thing_postgres')).toBe(false);
    const stub = e.getMacro('twice');
    expect(e.render('m.sql', "{{ twice('a') }}|{{ dbt.shout('b', 3) }}", {})).toBe('AA|BBB');
    expect(compiles).toBe(2); // the macro file once, the template once
    expect(e.getMacro('twice')).toBe(stub);
    expect(e.callMacro('test_positive', [{ model: 'o', column_name: 'c', __keywords: true }], {})).toBe('select * from o where c < 0');
  });

  it('gives a macro\'s source without compiling its file, the source listMacros gives', () => {
    const lazy = engine(mode);
    const compile = (lazy as unknown as { compile: (...a: unknown[]) => unknown }).compile;
    let compiles = 0;
    (lazy as unknown as { compile: (...a: unknown[]) => unknown }).compile = function (this: unknown, ...a: unknown[]) {
      compiles++;
      return compile.apply(this, a);
    };
    lazy.addMacroFileLazily('<kiln>/x.sql', FILE, 'dbt');
    const source = lazy.macroSource('test_positive', 'dbt');
    expect(source).toContain('{% test positive(model, column_name) %}');
    expect(lazy.macroSource('shout', 'dbt')).toContain('{% macro shout(x, times=2) -%}');
    expect(lazy.macroSource('shout', 'other')).toBeUndefined();
    expect(lazy.macroSource('nope', 'dbt')).toBeUndefined();
    expect(compiles).toBe(0);
    for (const m of lazy.listMacros()) expect(lazy.macroSource(m.name, m.packageName)).toBe(m.sql);
  });

  it('lists the same macros, arguments, lines and source as addMacroFile', () => {
    const lazy = engine(mode);
    lazy.addMacroFileLazily('<kiln>/x.sql', FILE, 'dbt');
    const eager = engine(mode);
    eager.addMacroFile('<kiln>/x.sql', FILE, 'dbt');
    expect(lazy.listMacros()).toEqual(eager.listMacros());
  });

  it("keeps kiln's built-in macro files as addMacroFile registers them", () => {
    for (const [file, sql] of [[DBT_MACROS_FILE, DBT_MACROS_SQL], ['<kiln>/postgres/macros.sql', POSTGRES_MACROS_SQL], ['<kiln>/duckdb/macros.sql', DUCKDB_MACROS_SQL]]) {
      const lazy = engine(mode);
      lazy.addMacroFileLazily(file, sql, 'dbt');
      const eager = engine(mode);
      eager.addMacroFile(file, sql, 'dbt');
      const names = eager.listMacros().map((m) => m.name);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n) => lazy.hasMacro(n, 'dbt'))).toBe(true);
      expect(lazy.listMacros()).toEqual(eager.listMacros());
    }
  });

  it('still refuses a macro another file of the package defines', () => {
    const e = engine(mode);
    e.addMacroFile('macros/a.sql', '{% macro shout(x) %}{{ x }}{% endmacro %}', 'dbt');
    expect(catchKiln(() => e.addMacroFileLazily('<kiln>/x.sql', FILE, 'dbt')).code).toBe(Codes.MACRO_DUPLICATE);
  });

  it('is replaced by a later addMacroFile of the same file', () => {
    const e = engine(mode);
    e.addMacroFileLazily('<kiln>/x.sql', FILE, 'dbt');
    e.addMacroFile('<kiln>/x.sql', '{% macro shout(x) %}quiet {{ x }}{% endmacro %}', 'dbt');
    expect(e.hasMacro('twice')).toBe(false);
    expect(e.render('m.sql', "{{ shout('a') }}", {})).toBe('quiet a');
  });
});
