{# on-run-start: cap DuckDB's memory when KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT is set (it spills to disk beyond it),
   the same cap pipeline.build_db.duckdb_config() puts on the pipeline's own connections; else a no-op. #}
{% macro duckdb_memory_limit() %}
{%- set limit = env_var('KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT', '') -%}
{%- if limit -%}set memory_limit = '{{ limit }}'; set preserve_insertion_order = false{%- else -%}select 1{%- endif -%}
{% endmacro %}
