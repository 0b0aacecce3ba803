// A small utility package written for these tests, in the style of the well-known ones:
// macros that dispatch per adapter (star, generate_surrogate_key, date_spine,
// get_column_values, safe_divide), a model, a seed and a var a project can override.
export const UTILS_PACKAGE: Record<string, string> = {
  'dbt_project.yml': `name: kiln_utils
version: '0.4.0'
config-version: 2
vars:
  kiln_utils:
    spine_start: '2024-01-01'
  utils_label: from-package
models:
  kiln_utils:
    +materialized: table
`,
  'macros/star.sql': `{% macro star(from, except=[], prefix='') -%}
  {{ return(adapter.dispatch('star', 'kiln_utils')(from, except, prefix)) }}
{%- endmacro %}

{% macro default__star(from, except, prefix) -%}
  {#- at parse time there is no warehouse: dbt's packages answer '*' -#}
  {%- if not execute -%}{{ return('*') }}{%- endif -%}
  {%- set excluded = except | map('lower') | list -%}
  {%- set cols = [] -%}
  {%- for col in adapter.get_columns_in_relation(from) -%}
    {%- if col.name | lower not in excluded -%}
      {%- do cols.append(adapter.quote(col.name) ~ (' as ' ~ adapter.quote(prefix ~ col.name) if prefix else '')) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if cols | length == 0 -%}
    {{ exceptions.raise_compiler_error('star(): no columns left in ' ~ from) }}
  {%- endif -%}
  {{- cols | join(', ') -}}
{%- endmacro %}
`,
  'macros/surrogate_key.sql': `{% macro generate_surrogate_key(field_list) -%}
  {{ return(adapter.dispatch('generate_surrogate_key', 'kiln_utils')(field_list)) }}
{%- endmacro %}

{% macro default__generate_surrogate_key(field_list) -%}
  {%- set parts = [] -%}
  {%- for field in field_list -%}
    {%- do parts.append("coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
    {%- if not loop.last %}{% do parts.append("'-'") %}{% endif -%}
  {%- endfor -%}
  {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
`,
  'macros/date_spine.sql': `{% macro date_spine(start_date, end_date) -%}
  {{ return(adapter.dispatch('date_spine', 'kiln_utils')(start_date, end_date)) }}
{%- endmacro %}

{#- one row per day in [start_date, end_date) from a numbers CTE; no generate_series needed -#}
{% macro default__date_spine(start_date, end_date) -%}
with digits as (
  {% for d in range(10) %}select {{ d }} as d{% if not loop.last %} union all {% endif %}{% endfor %}
), numbers as (
  select a.d + 10 * b.d + 100 * c.d as n from digits a cross join digits b cross join digits c
)
select cast({{ dbt.dateadd('day', 'n', "cast(" ~ start_date ~ " as date)") }} as date) as date_day
from numbers
where {{ dbt.dateadd('day', 'n', "cast(" ~ start_date ~ " as date)") }} < cast({{ end_date }} as date)
{%- endmacro %}
`,
  'macros/column_values.sql': `{% macro get_column_values(table, column, order_by='1') -%}
  {{ return(adapter.dispatch('get_column_values', 'kiln_utils')(table, column, order_by)) }}
{%- endmacro %}

{% macro default__get_column_values(table, column, order_by) -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- call statement('get_column_values', fetch_result=True) -%}
    select distinct {{ column }} as value from {{ table }} order by {{ order_by }}
  {%- endcall -%}
  {%- set result = load_result('get_column_values') -%}
  {{ return(result['data'] | map(attribute=0) | list) }}
{%- endmacro %}

{% macro safe_divide(numerator, denominator) -%}
  {{ return(adapter.dispatch('safe_divide', 'kiln_utils')(numerator, denominator)) }}
{%- endmacro %}
{% macro default__safe_divide(numerator, denominator) -%}
  ({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
{% macro postgres__safe_divide(numerator, denominator) -%}
  ({{ numerator }})::numeric / nullif({{ denominator }}, 0)
{%- endmacro %}

{% macro greeting() -%}
  {{ return(adapter.dispatch('greeting', 'kiln_utils')()) }}
{%- endmacro %}
{% macro default__greeting() %}{{ return('hello from kiln_utils') }}{% endmacro %}
`,
  'macros/whoami.sql': "{% macro whoami() %}kiln_utils{% endmacro %}",
  'models/utils_calendar.sql': `select date_day, '{{ var("utils_label") }}' as label, '{{ whoami() }}' as owner
from ({{ kiln_utils.date_spine("'" ~ var('spine_start') ~ "'", "'2024-01-08'") }}) spine
`,
  'seeds/utils_countries.csv': 'code,name\nDE,Germany\nFR,France\n',
};
