{#
  Benchmarks at scale (docs/benchmarks.md): when KOMMUNE_SDG_UNITS names a units.csv written by
  pipeline/synthetic.py, the post-hooks on the seeds municipalities_2024, counties_2024, klass_crosswalk and
  klass_municipality_versions
  replace their rows with the synthetic units (and an identity crosswalk on var('structure_year')).
  Unset (the product), every hook renders `select 1` and the seeds stay as shipped.
#}
{% macro synthetic_units_path() %}{{ return(env_var('KOMMUNE_SDG_UNITS', '')) }}{% endmacro %}

{% macro synthetic_units_hook(seed_name) %}
{%- set units = synthetic_units_path() -%}
{%- if not units -%}
select 1
{%- elif seed_name == 'municipalities_2024' -%}
create or replace table {{ this }} as
select cast(municipality_code as varchar) as municipality_code, municipality_name,
       cast(county_code as varchar) as county_code, cast(population_2024 as integer) as population_2024
from read_csv('{{ units }}', header = true, all_varchar = true)
{%- elif seed_name == 'counties_2024' -%}
create or replace table {{ this }} as
select cast(county_code as varchar) as county_code, county_name
from read_csv('{{ units | replace("units.csv", "counties.csv") }}', header = true, all_varchar = true)
{%- elif seed_name == 'klass_crosswalk' -%}
create or replace table {{ this }} as
select {{ var('structure_year') }} as from_year, {{ var('structure_year') }} as to_year,
       cast(municipality_code as varchar) as from_code, cast(municipality_code as varchar) as to_code,
       1.0::double as weight, 'unchanged' as change_type, cast(population_2024 as double) as from_population
from read_csv('{{ units }}', header = true, all_varchar = true)
{%- elif seed_name == 'klass_municipality_versions' -%}
create or replace table {{ this }} as
select cast(municipality_code as varchar) as code, municipality_name as name,
       cast(null as varchar) as valid_from, cast(null as varchar) as valid_to
from read_csv('{{ units }}', header = true, all_varchar = true)
{%- else -%}
select 1
{%- endif -%}
{% endmacro %}

{# The region codes stg_ssb__observations treats as municipalities: 4 digits, or the synthetic width. #}
{% macro municipality_code_re() %}{{ return(env_var('KOMMUNE_SDG_UNIT_CODE_RE', '[0-9]{4}')) }}{% endmacro %}
