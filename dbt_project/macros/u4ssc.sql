{# U4SSC codes match regardless of spacing and case ('SC: EH: ED:1C' = 'SC: EH: ED: 1C'), as in the intake's
   pipeline.submissions.catalog.code_key. #}
{% macro u4ssc_code_key(column) -%}
upper(regexp_replace({{ column }}, '\s+', '', 'g'))
{%- endmacro %}
