{#
  Converts an integer amount in cents to a decimal amount in dollars.
  The cents become a decimal before the division, which keeps it exact on every database (Trino
  gives `8399 / 100.0` the divisor's one decimal place: 84.0); cast(... as decimal) is written the
  same way in DuckDB, PostgreSQL and Trino.
#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    cast(cast({{ column_name }} as decimal(16, {{ scale }})) / 100 as decimal(16, {{ scale }}))
{%- endmacro %}
