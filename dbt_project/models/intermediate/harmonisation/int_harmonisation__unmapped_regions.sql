-- Municipality codes in SSB data that no KLASS structure (2015..structure_year) knows: they cannot be put
-- on the target structure and are left out of int_ssb__municipality_values. Expected to be empty.
{% set target_year = var('structure_year') %}
with known as (
    select distinct from_code from {{ ref('klass_crosswalk') }} where to_year = {{ target_year }}
)

select
    o.table_id,
    o.region_raw,
    o.region_code,
    count(*) as observations,
    min(o.year) as first_year,
    max(o.year) as last_year
from {{ ref('stg_ssb__observations') }} as o
where o.region_kind = 'municipality' and o.region_code not in (select from_code from known)
group by all
