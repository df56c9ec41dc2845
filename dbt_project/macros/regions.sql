{# The region codes stg_ssb__observations treats as municipalities: 4 digits, unless the project sets the var
   municipality_code_re (a benchmark's copy of this project with wider synthetic unit codes does). #}
{% macro municipality_code_re() %}{{ return(var('municipality_code_re', '[0-9]{4}')) }}{% endmacro %}
