// dbt's cross-database macros (dbt.dateadd, dbt.datediff, dbt.type_string, ...) give the same
// answers on DuckDB and PostgreSQL, and a project can override one for an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from '../adapters/targets.js';

const targets = [duckdbTarget(), postgresTarget()];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

const d = (s: string) => `cast('${s}' as date)`;
const ts = (s: string) => `cast('${s}' as timestamp)`;

const MODEL = `{{ config(materialized='table') }}
with src as (
  select 'a,b,c' as csv, 'kiln' as word, cast(null as {{ dbt.type_string() }}) as nothing, true as yes, false as no
)
select
  cast({{ dbt.dateadd('day', 3, "${d('2024-02-27')}") }} as date) as add_days,
  cast({{ dbt.dateadd('month', 1, "${d('2024-01-31')}") }} as date) as add_month,
  cast({{ dbt.dateadd('quarter', 1, "${d('2024-01-15')}") }} as date) as add_quarter,
  cast({{ dbt.dateadd('hour', -2, "${ts('2024-01-01 01:00:00')}") }} as {{ dbt.type_timestamp() }}) as sub_hours,
  {{ dbt.datediff("${d('2024-01-01')}", "${d('2024-03-01')}", 'day') }} as diff_days,
  {{ dbt.datediff("${d('2023-11-15')}", "${d('2024-02-01')}", 'month') }} as diff_months,
  {{ dbt.datediff("${d('2020-06-01')}", "${d('2024-01-01')}", 'year') }} as diff_years,
  {{ dbt.datediff("${ts('2024-01-01 00:00:00')}", "${ts('2024-01-01 05:30:00')}", 'hour') }} as diff_hours,
  cast({{ dbt.date_trunc('month', "${d('2024-02-17')}") }} as date) as trunc_month,
  {{ dbt.last_day("${d('2024-02-10')}", 'month') }} as last_of_month,
  {{ dbt.last_day("${d('2024-05-10')}", 'quarter') }} as last_of_quarter,
  {{ dbt.concat(['word', "'-'", 'word']) }} as concatenated,
  {{ dbt.hash("'kiln'") }} as hashed,
  {{ dbt.safe_cast("'42'", dbt.type_int()) }} as safe_int,
  {{ dbt.split_part('csv', "','", 2) }} as second_part,
  {{ dbt.split_part('csv', "','", -1) }} as last_part,
  {{ dbt.position("'l'", 'word') }} as pos,
  {{ dbt.length('word') }} as len,
  {{ dbt.replace('word', "'k'", "'K'") }} as replaced,
  {{ dbt.right('word', 2) }} as right_two,
  {{ dbt.string_literal(dbt.escape_single_quotes("it's")) }} as literal,
  {{ dbt.cast_bool_to_text('yes') }} as bool_text,
  cast({{ dbt.safe_cast('3.5', dbt.type_numeric()) }} as {{ dbt.type_float() }}) as numeric_value,
  cast(1 as {{ dbt.type_bigint() }}) + cast(1 as {{ dbt.type_int() }}) as ints,
  cast('true' as {{ dbt.type_boolean() }}) as bool_value,
  {{ dbt.current_timestamp() }} is not null as has_now,
  coalesce(nothing, 'null-safe') as coalesced
from src`;

const AGG = `{{ config(materialized='table') }}
with v as (
  select 1 as g, 'b' as s, true as f union all select 1, 'a', false union all select 2, 'c', false
)
select g,
  {{ dbt.listagg('s', "'|'", 'order by s') }} as names,
  {{ dbt.listagg('s', "','", 'order by s desc', 1) }} as first_name,
  {{ dbt.bool_or('f') }} as any_true,
  {{ dbt.any_value('g') }} as some_g
from v group by g`;

const SETS = `{{ config(materialized='table') }}
select x from (select 1 as x union all select 2 as x) a
{{ dbt.except() }}
select 2 as x
union all
select x from (select 5 as x) b
{{ dbt.intersect() }}
select 5 as x`;

const ARRAYS = `{{ config(materialized='table') }}
select
  {{ dbt.array_construct([1, 2]) }} as a,
  {{ dbt.array_append(dbt.array_construct([1]), 9) }} as b,
  {{ dbt.array_concat(dbt.array_construct([1]), dbt.array_construct([2, 3])) }} as c`;

describe.each(targets)('cross-database macros on $name', (target: AdapterTarget) => {
  it('give the same values', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: xdb\nprofile: xdb\n',
      'models/scalars.sql': MODEL,
      'models/aggregates.sql': AGG,
      'models/set_ops.sql': SETS,
      'models/arrays.sql': ARRAYS,
      // a project override for one adapter wins through adapter.dispatch
      'macros/overrides.sql': `{% macro ${target.name}__right(string_text, length_expression) %}upper(right({{ string_text }}, {{ length_expression }})){% endmacro %}`,
    });
    await target.setup(dir, 'xdb');
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    const s = target.schema;
    const [row] = await target.query(dir, `select * from ${s}.scalars`);
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));
    expect({
      ...row,
      add_days: iso(row.add_days),
      add_month: iso(row.add_month),
      add_quarter: iso(row.add_quarter),
      sub_hours: String(row.sub_hours instanceof Date ? row.sub_hours.toISOString() : row.sub_hours).replace('T', ' ').slice(0, 19),
      trunc_month: iso(row.trunc_month),
      last_of_month: iso(row.last_of_month),
      last_of_quarter: iso(row.last_of_quarter),
      numeric_value: Number(row.numeric_value),
      bool_text: String(row.bool_text).toLowerCase(),
    }).toEqual({
      add_days: '2024-03-01',
      add_month: '2024-02-29',
      add_quarter: '2024-04-15',
      sub_hours: '2023-12-31 23:00:00',
      diff_days: 60,
      diff_months: 3,
      diff_years: 4,
      diff_hours: 5,
      trunc_month: '2024-02-01',
      last_of_month: '2024-02-29',
      last_of_quarter: '2024-06-30',
      concatenated: 'kiln-kiln',
      hashed: '9e8287435ae73a052c9459e215e46a28',
      safe_int: 42,
      second_part: 'b',
      last_part: 'c',
      pos: 3,
      len: 4,
      replaced: 'Kiln',
      right_two: 'LN',
      literal: "it's",
      bool_text: 'true',
      numeric_value: 3.5,
      ints: 2,
      bool_value: true,
      has_now: true,
      coalesced: 'null-safe',
    });
    expect(await target.query(dir, `select g, names, first_name, any_true, some_g from ${s}.aggregates order by g`)).toEqual([
      { g: 1, names: 'a|b', first_name: 'b', any_true: true, some_g: 1 },
      { g: 2, names: 'c', first_name: 'c', any_true: false, some_g: 2 },
    ]);
    expect(await target.query(dir, `select x from ${s}.set_ops order by x`)).toEqual([{ x: 1 }, { x: 5 }]);
    const [arrays] = await target.query(dir, `select * from ${s}.arrays`);
    expect([arrays.a, arrays.b, arrays.c].map((v) => (Array.isArray(v) ? v.map(Number) : v))).toEqual([[1, 2], [1, 9], [1, 2, 3]]);
  }, 60_000);
});
