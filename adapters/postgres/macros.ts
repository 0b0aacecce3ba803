// PostgreSQL's variants of the cross-database macros (dispatched as `postgres__<name>`):
// intervals are multiplied rather than added by name, date differences are computed from
// date parts (Postgres has no datediff), and there is no any_value before 16.
export const POSTGRES_MACROS_SQL = String.raw`
{%- macro postgres__dateadd(datepart, interval, from_date_or_timestamp) -%}
  {%- set unit = datepart | lower -%}
  {%- if unit == 'quarter' -%}
    ({{ from_date_or_timestamp }} + ((interval '3 month') * ({{ interval }})))
  {%- else -%}
    ({{ from_date_or_timestamp }} + ((interval '1 {{ unit }}') * ({{ interval }})))
  {%- endif -%}
{%- endmacro -%}

{%- macro postgres__datediff(first_date, second_date, datepart) -%}
  {%- set unit = datepart | lower -%}
  {%- if unit == 'year' -%}
    (date_part('year', ({{ second_date }})::date) - date_part('year', ({{ first_date }})::date))
  {%- elif unit == 'quarter' -%}
    ({{ postgres__datediff(first_date, second_date, 'year') }} * 4 + date_part('quarter', ({{ second_date }})::date) - date_part('quarter', ({{ first_date }})::date))
  {%- elif unit == 'month' -%}
    ({{ postgres__datediff(first_date, second_date, 'year') }} * 12 + date_part('month', ({{ second_date }})::date) - date_part('month', ({{ first_date }})::date))
  {%- elif unit == 'day' -%}
    (({{ second_date }})::date - ({{ first_date }})::date)
  {%- elif unit == 'week' -%}
    ({{ postgres__datediff(first_date, second_date, 'day') }} / 7 + case
      when date_part('dow', ({{ first_date }})::timestamp) <= date_part('dow', ({{ second_date }})::timestamp)
        then case when {{ first_date }} <= {{ second_date }} then 0 else -1 end
      else case when {{ first_date }} <= {{ second_date }} then 1 else 0 end
    end)
  {%- elif unit == 'hour' -%}
    ({{ postgres__datediff(first_date, second_date, 'day') }} * 24 + date_part('hour', ({{ second_date }})::timestamp) - date_part('hour', ({{ first_date }})::timestamp))
  {%- elif unit == 'minute' -%}
    ({{ postgres__datediff(first_date, second_date, 'hour') }} * 60 + date_part('minute', ({{ second_date }})::timestamp) - date_part('minute', ({{ first_date }})::timestamp))
  {%- elif unit == 'second' -%}
    ({{ postgres__datediff(first_date, second_date, 'minute') }} * 60 + floor(date_part('second', ({{ second_date }})::timestamp)) - floor(date_part('second', ({{ first_date }})::timestamp)))
  {%- elif unit == 'millisecond' -%}
    ({{ postgres__datediff(first_date, second_date, 'minute') }} * 60000 + floor(date_part('millisecond', ({{ second_date }})::timestamp)) - floor(date_part('millisecond', ({{ first_date }})::timestamp)))
  {%- elif unit == 'microsecond' -%}
    ({{ postgres__datediff(first_date, second_date, 'minute') }} * 60000000 + floor(date_part('microsecond', ({{ second_date }})::timestamp)) - floor(date_part('microsecond', ({{ first_date }})::timestamp)))
  {%- else -%}
    {{ exceptions.raise_compiler_error("Unsupported datepart for macro datediff in postgres: " ~ datepart) }}
  {%- endif -%}
{%- endmacro -%}

{%- macro postgres__last_day(date, datepart) -%}
  {%- if datepart | lower == 'quarter' -%}
    cast({{ dbt.date_trunc('quarter', date) }} + '3 month'::interval - '1 day'::interval as date)
  {%- else -%}
    {{- dbt.default_last_day(date, datepart) -}}
  {%- endif -%}
{%- endmacro -%}

{%- macro postgres__split_part(string_text, delimiter_text, part_number) -%}
  {%- if part_number >= 0 -%}
    {{- dbt.default__split_part(string_text, delimiter_text, part_number) -}}
  {%- else -%}
    {{- dbt._split_part_negative(string_text, delimiter_text, part_number) -}}
  {%- endif -%}
{%- endmacro -%}

{%- macro postgres__any_value(expression) -%}
  min({{ expression }})
{%- endmacro -%}

{%- macro postgres__current_timestamp() -%}
  now()
{%- endmacro -%}
`;
