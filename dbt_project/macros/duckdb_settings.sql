{# on-run-start: cap DuckDB's memory when the var duckdb_memory_limit is set (the pipeline passes its
   `warehouse` resource's memory_limit; it spills to disk beyond it), the same cap the pipeline puts on its
   own connections; else a no-op. #}
{% macro duckdb_memory_limit() %}
{%- set limit = var('duckdb_memory_limit', '') -%}
{%- if limit -%}set memory_limit = '{{ limit }}'; set preserve_insertion_order = false{%- else -%}select 1{%- endif -%}
{% endmacro %}
