-- Municipality codes in SSB data that no KLASS structure (2015..structure_year) knows: they cannot be put
-- on the target structure and are left out of int_ssb__municipality_values. Expected to be empty.
-- The unknown codes are found among the distinct codes first, so only their rows are counted.
{% set target_year = var('structure_year') %}
with known as (
    select distinct from_code from {{ ref('klass_crosswalk') }} where to_year = {{ target_year }}
),

municipal as (
    select * from {{ ref('stg_ssb__observations') }} where region_kind = 'municipality'
),

unknown as (
    select distinct region_code from municipal
    where region_code not in (select from_code from known)
)

select
    o.table_id,
    o.region_raw,
    o.region_code,
    count(*) as observations,
    min(o.year) as first_year,
    max(o.year) as last_year
from municipal as o
inner join unknown as u on u.region_code = o.region_code
group by all
