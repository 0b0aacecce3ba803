{#
  Converts an integer amount in cents to a decimal amount in dollars.
  Dividing by 100.0 (not 100) keeps the division exact on every database.
#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    ({{ column_name }} / 100.0)::numeric(16, {{ scale }})
{%- endmacro %}
