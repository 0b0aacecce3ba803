// kiln's own macros in the internal `dbt` namespace: statement / run_query, the naming rules as
// macros (so project overrides can call the defaults), and the cross-database helpers
// (`dbt.dateadd(...)`, `dbt.type_string()`, ...). Each public macro dispatches, so a project or
// package can override `<adapter>__name` or `default__name`; adapters add their own
// `<adapter>__` variants (Adapter.jinjaMacros). Defaults here are standard SQL.

export const DBT_MACROS_FILE = '<kiln>/dbt/macros.sql';

export const DBT_MACROS_SQL = String.raw`
{#- ------------------------------------------------------------ statements -#}

{%- macro statement(name=None, fetch_result=False, auto_begin=True, language='sql') -%}
  {%- if execute -%}
    {%- set compiled_code = caller() -%}
    {%- set res, table = adapter.execute(compiled_code, auto_begin=auto_begin, fetch=fetch_result) -%}
    {%- if name is not none -%}
      {{- store_result(name, response=res, agate_table=table) -}}
    {%- endif -%}
  {%- endif -%}
{%- endmacro -%}

{%- macro run_query(sql) -%}
  {%- call statement('run_query_statement', fetch_result=true, auto_begin=false) -%}
    {{ sql }}
  {%- endcall -%}
  {%- set result = load_result('run_query_statement') -%}
  {{- return(result.table if result is not none else none) -}}
{%- endmacro -%}

{%- macro noop_statement(name=None, message=None, code=None, rows_affected=None, res=None) -%}
  {%- set sql = caller() -%}
  {%- if name is not none -%}
    {{- store_raw_result(name, message=message, code=code, rows_affected=rows_affected, agate_table=res) -}}
  {%- endif -%}
{%- endmacro -%}

{#- ------------------------------------------------------------ naming -#}

{%- macro generate_schema_name(custom_schema_name=none, node=none) -%}
  {{- return(adapter.dispatch('generate_schema_name', 'dbt')(custom_schema_name, node)) -}}
{%- endmacro -%}

{%- macro default__generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro -%}

{%- macro generate_schema_name_for_env(custom_schema_name, node) -%}
  {%- if target.name == 'prod' and custom_schema_name is not none -%}{{ custom_schema_name | trim }}{%- else -%}{{ target.schema }}{%- endif -%}
{%- endmacro -%}

{%- macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {{- return(adapter.dispatch('generate_alias_name', 'dbt')(custom_alias_name, node)) -}}
{%- endmacro -%}

{%- macro default__generate_alias_name(custom_alias_name=none, node=none) -%}
  {%- if custom_alias_name -%}{{ custom_alias_name | trim }}
  {%- elif node.version -%}{{ node.name ~ '_v' ~ (node.version | replace('.', '_')) }}
  {%- else -%}{{ node.name }}{%- endif -%}
{%- endmacro -%}

{%- macro generate_database_name(custom_database_name=none, node=none) -%}
  {{- return(adapter.dispatch('generate_database_name', 'dbt')(custom_database_name, node)) -}}
{%- endmacro -%}

{%- macro default__generate_database_name(custom_database_name=none, node=none) -%}
  {%- if custom_database_name is none -%}{{ target.database }}{%- else -%}{{ custom_database_name | trim }}{%- endif -%}
{%- endmacro -%}

{#- ------------------------------------------------------------ types -#}

{%- macro type_string() -%}{{ return(adapter.dispatch('type_string', 'dbt')()) }}{%- endmacro -%}
{%- macro default__type_string() -%}{{ return('TEXT') }}{%- endmacro -%}
{%- macro type_timestamp() -%}{{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}{%- endmacro -%}
{%- macro default__type_timestamp() -%}{{ return('timestamp') }}{%- endmacro -%}
{%- macro type_int() -%}{{ return(adapter.dispatch('type_int', 'dbt')()) }}{%- endmacro -%}
{%- macro default__type_int() -%}{{ return('integer') }}{%- endmacro -%}
{%- macro type_bigint() -%}{{ return(adapter.dispatch('type_bigint', 'dbt')()) }}{%- endmacro -%}
{%- macro default__type_bigint() -%}{{ return('bigint') }}{%- endmacro -%}
{%- macro type_float() -%}{{ return(adapter.dispatch('type_float', 'dbt')()) }}{%- endmacro -%}
{%- macro default__type_float() -%}{{ return('float') }}{%- endmacro -%}
{%- macro type_numeric() -%}{{ return(adapter.dispatch('type_numeric', 'dbt')()) }}{%- endmacro -%}
{%- macro default__type_numeric() -%}{{ return('numeric(28,6)') }}{%- endmacro -%}
{%- macro type_boolean() -%}{{ return(adapter.dispatch('type_boolean', 'dbt')()) }}{%- endmacro -%}
{%- macro default__type_boolean() -%}{{ return('boolean') }}{%- endmacro -%}

{#- ------------------------------------------------------------ dates -#}

{%- macro dateadd(datepart, interval, from_date_or_timestamp) -%}
  {{- return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) -}}
{%- endmacro -%}
{%- macro default__dateadd(datepart, interval, from_date_or_timestamp) -%}
  dateadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro -%}

{%- macro datediff(first_date, second_date, datepart) -%}
  {{- return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) -}}
{%- endmacro -%}
{%- macro default__datediff(first_date, second_date, datepart) -%}
  datediff({{ datepart }}, {{ first_date }}, {{ second_date }})
{%- endmacro -%}

{%- macro date_trunc(datepart, date) -%}
  {{- return(adapter.dispatch('date_trunc', 'dbt')(datepart, date)) -}}
{%- endmacro -%}
{%- macro default__date_trunc(datepart, date) -%}
  date_trunc('{{ datepart }}', {{ date }})
{%- endmacro -%}

{%- macro last_day(date, datepart) -%}
  {{- return(adapter.dispatch('last_day', 'dbt')(date, datepart)) -}}
{%- endmacro -%}
{%- macro default_last_day(date, datepart) -%}
  cast({{ dbt.dateadd('day', '-1', dbt.dateadd(datepart, '1', dbt.date_trunc(datepart, date))) }} as date)
{%- endmacro -%}
{%- macro default__last_day(date, datepart) -%}
  {{- dbt.default_last_day(date, datepart) -}}
{%- endmacro -%}

{%- macro current_timestamp() -%}
  {{- adapter.dispatch('current_timestamp', 'dbt')() -}}
{%- endmacro -%}
{%- macro default__current_timestamp() -%}
  current_timestamp
{%- endmacro -%}
{%- macro current_timestamp_backcompat() -%}
  {{- return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) -}}
{%- endmacro -%}
{%- macro default__current_timestamp_backcompat() -%}
  current_timestamp::timestamp
{%- endmacro -%}
{%- macro current_timestamp_in_utc_backcompat() -%}
  {{- return(adapter.dispatch('current_timestamp_in_utc_backcompat', 'dbt')()) -}}
{%- endmacro -%}
{%- macro default__current_timestamp_in_utc_backcompat() -%}
  {{- return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) -}}
{%- endmacro -%}

{#- ------------------------------------------------------------ strings -#}

{%- macro concat(fields) -%}
  {{- return(adapter.dispatch('concat', 'dbt')(fields)) -}}
{%- endmacro -%}
{%- macro default__concat(fields) -%}
  {{- fields | join(' || ') -}}
{%- endmacro -%}

{%- macro hash(field) -%}
  {{- return(adapter.dispatch('hash', 'dbt')(field)) -}}
{%- endmacro -%}
{%- macro default__hash(field) -%}
  md5(cast({{ field }} as {{ dbt.type_string() }}))
{%- endmacro -%}

{%- macro safe_cast(field, type) -%}
  {{- return(adapter.dispatch('safe_cast', 'dbt')(field, type)) -}}
{%- endmacro -%}
{%- macro default__safe_cast(field, type) -%}
  cast({{ field }} as {{ type }})
{%- endmacro -%}

{%- macro cast(field, type) -%}
  {{- return(adapter.dispatch('cast', 'dbt')(field, type)) -}}
{%- endmacro -%}
{%- macro default__cast(field, type) -%}
  cast({{ field }} as {{ type }})
{%- endmacro -%}

{%- macro split_part(string_text, delimiter_text, part_number) -%}
  {{- return(adapter.dispatch('split_part', 'dbt')(string_text, delimiter_text, part_number)) -}}
{%- endmacro -%}
{%- macro default__split_part(string_text, delimiter_text, part_number) -%}
  split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro -%}
{#- counts parts from the end: -1 is the last one -#}
{%- macro _split_part_negative(string_text, delimiter_text, part_number) -%}
  split_part({{ string_text }}, {{ delimiter_text }}, length({{ string_text }}) - length(replace({{ string_text }}, {{ delimiter_text }}, '')) + 2 + {{ part_number }})
{%- endmacro -%}

{%- macro position(substring_text, string_text) -%}
  {{- return(adapter.dispatch('position', 'dbt')(substring_text, string_text)) -}}
{%- endmacro -%}
{%- macro default__position(substring_text, string_text) -%}
  position({{ substring_text }} in {{ string_text }})
{%- endmacro -%}

{%- macro length(expression) -%}
  {{- return(adapter.dispatch('length', 'dbt')(expression)) -}}
{%- endmacro -%}
{%- macro default__length(expression) -%}
  length({{ expression }})
{%- endmacro -%}

{%- macro replace(field, old_chars, new_chars) -%}
  {{- return(adapter.dispatch('replace', 'dbt')(field, old_chars, new_chars)) -}}
{%- endmacro -%}
{%- macro default__replace(field, old_chars, new_chars) -%}
  replace({{ field }}, {{ old_chars }}, {{ new_chars }})
{%- endmacro -%}

{%- macro right(string_text, length_expression) -%}
  {{- return(adapter.dispatch('right', 'dbt')(string_text, length_expression)) -}}
{%- endmacro -%}
{%- macro default__right(string_text, length_expression) -%}
  right({{ string_text }}, {{ length_expression }})
{%- endmacro -%}

{%- macro string_literal(value) -%}
  {{- return(adapter.dispatch('string_literal', 'dbt')(value)) -}}
{%- endmacro -%}
{%- macro default__string_literal(value) -%}
  '{{ value }}'
{%- endmacro -%}

{%- macro escape_single_quotes(expression) -%}
  {{- return(adapter.dispatch('escape_single_quotes', 'dbt')(expression)) -}}
{%- endmacro -%}
{%- macro default__escape_single_quotes(expression) -%}
  {{- expression | replace("'", "''") -}}
{%- endmacro -%}

{%- macro cast_bool_to_text(field) -%}
  {{- adapter.dispatch('cast_bool_to_text', 'dbt')(field) -}}
{%- endmacro -%}
{%- macro default__cast_bool_to_text(field) -%}
  cast({{ field }} as {{ dbt.type_string() }})
{%- endmacro -%}

{#- ------------------------------------------------------------ aggregates -#}

{%- macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) -%}
  {{- return(adapter.dispatch('listagg', 'dbt')(measure, delimiter_text, order_by_clause, limit_num)) -}}
{%- endmacro -%}
{%- macro default__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
  {%- if limit_num -%}
    array_to_string((array_agg({{ measure }}{% if order_by_clause %} {{ order_by_clause }}{% endif %}))[1:{{ limit_num }}], {{ delimiter_text }})
  {%- else -%}
    string_agg({{ measure }}, {{ delimiter_text }}{% if order_by_clause %} {{ order_by_clause }}{% endif %})
  {%- endif -%}
{%- endmacro -%}

{%- macro bool_or(expression) -%}
  {{- return(adapter.dispatch('bool_or', 'dbt')(expression)) -}}
{%- endmacro -%}
{%- macro default__bool_or(expression) -%}
  bool_or({{ expression }})
{%- endmacro -%}

{%- macro any_value(expression) -%}
  {{- return(adapter.dispatch('any_value', 'dbt')(expression)) -}}
{%- endmacro -%}
{%- macro default__any_value(expression) -%}
  any_value({{ expression }})
{%- endmacro -%}

{#- ------------------------------------------------------------ set operations -#}

{%- macro except() -%}{{ return(adapter.dispatch('except', 'dbt')()) }}{%- endmacro -%}
{%- macro default__except() -%}except{%- endmacro -%}
{%- macro intersect() -%}{{ return(adapter.dispatch('intersect', 'dbt')()) }}{%- endmacro -%}
{%- macro default__intersect() -%}intersect{%- endmacro -%}

{#- ------------------------------------------------------------ arrays -#}

{%- macro array_construct(inputs=[], data_type='integer') -%}
  {{- return(adapter.dispatch('array_construct', 'dbt')(inputs, data_type)) -}}
{%- endmacro -%}
{%- macro default__array_construct(inputs, data_type) -%}
  {%- if inputs | length > 0 -%}array[{{ inputs | join(', ') }}]{%- else -%}array[]::{{ data_type }}[]{%- endif -%}
{%- endmacro -%}

{%- macro array_append(array, new_element) -%}
  {{- return(adapter.dispatch('array_append', 'dbt')(array, new_element)) -}}
{%- endmacro -%}
{%- macro default__array_append(array, new_element) -%}
  array_append({{ array }}, {{ new_element }})
{%- endmacro -%}

{%- macro array_concat(array_1, array_2) -%}
  {{- return(adapter.dispatch('array_concat', 'dbt')(array_1, array_2)) -}}
{%- endmacro -%}
{%- macro default__array_concat(array_1, array_2) -%}
  array_cat({{ array_1 }}, {{ array_2 }})
{%- endmacro -%}

{#- ------------------------------------------------------------ misc -#}

{%- macro should_full_refresh() -%}
  {%- set config_full_refresh = config.get('full_refresh') -%}
  {%- if config_full_refresh is none -%}{%- set config_full_refresh = flags.FULL_REFRESH -%}{%- endif -%}
  {{- return(config_full_refresh) -}}
{%- endmacro -%}

{#- store_failures in the node's config wins over --store-failures (dbt_utils tests call this). -#}
{%- macro should_store_failures() -%}
  {%- set config_store_failures = config.get('store_failures') -%}
  {%- if config_store_failures is none -%}{%- set config_store_failures = flags.STORE_FAILURES -%}{%- endif -%}
  {{- return(config_store_failures) -}}
{%- endmacro -%}

{#- ------------------------------------------------------------ date spine -#}

{%- macro get_intervals_between(start_date, end_date, datepart) -%}
  {{- return(adapter.dispatch('get_intervals_between', 'dbt')(start_date, end_date, datepart)) -}}
{%- endmacro -%}
{#- Asks the warehouse how many dateparts lie between the two expressions; 1 when not executing. -#}
{%- macro default__get_intervals_between(start_date, end_date, datepart) -%}
  {%- call statement('get_intervals_between', fetch_result=True) -%}
    select {{ dbt.datediff(start_date, end_date, datepart) }}
  {%- endcall -%}
  {%- set found = load_result('get_intervals_between') -%}
  {%- if found and found['data'] -%}
    {{- return(found['data'][0][0]) -}}
  {%- endif -%}
  {{- return(1) -}}
{%- endmacro -%}

{%- macro get_powers_of_two(upper_bound) -%}
  {{- return(adapter.dispatch('get_powers_of_two', 'dbt')(upper_bound)) -}}
{%- endmacro -%}
{#- The smallest n with 2**n >= upper_bound (n >= 1). -#}
{%- macro default__get_powers_of_two(upper_bound) -%}
  {%- if upper_bound <= 0 -%}{{ exceptions.raise_compiler_error("upper bound must be positive") }}{%- endif -%}
  {%- for n in range(1, 100) -%}
    {%- if upper_bound <= 2 ** n -%}{{- return(n) -}}{%- endif -%}
  {%- endfor -%}
{%- endmacro -%}

{%- macro generate_series(upper_bound) -%}
  {{- return(adapter.dispatch('generate_series', 'dbt')(upper_bound)) -}}
{%- endmacro -%}
{#- generated_number = 1..upper_bound, from a cross join of n two-row tables (no recursion, no series function). -#}
{%- macro default__generate_series(upper_bound) -%}
  {%- set n = dbt.get_powers_of_two(upper_bound) %}
    with p as (
        select 0 as generated_number union all select 1
    ), unioned as (
    select
    {% for i in range(n) %}p{{ i }}.generated_number * power(2, {{ i }}){% if not loop.last %} + {% endif %}{% endfor %}
    + 1
    as generated_number
    from
    {% for i in range(n) %}p as p{{ i }}{% if not loop.last %} cross join {% endif %}{% endfor %}
    )
    select *
    from unioned
    where generated_number <= {{ upper_bound }}
    order by generated_number
{%- endmacro -%}

{%- macro date_spine(datepart, start_date, end_date) -%}
  {{- return(adapter.dispatch('date_spine', 'dbt')(datepart, start_date, end_date)) -}}
{%- endmacro -%}
{#- One row per datepart from start_date (inclusive) to end_date (exclusive), in column date_<datepart>. -#}
{%- macro default__date_spine(datepart, start_date, end_date) %}
    with rawdata as (
        {{ dbt.generate_series(dbt.get_intervals_between(start_date, end_date, datepart)) }}
    ),
    all_periods as (
        select (
            {{ dbt.dateadd(datepart, "row_number() over (order by 1) - 1", start_date) }}
        ) as date_{{ datepart }}
        from rawdata
    ),
    filtered as (
        select *
        from all_periods
        where date_{{ datepart }} <= {{ end_date }}
    )
    select * from filtered
{% endmacro -%}
`;
