-- Every U4SSC code in the indicator catalog is a U4SSC KPI of the seed (its canonical code, any spacing), the
-- catalog indicator measures it in the seed's unit and direction (so SSB values, catalog submissions and
-- U4SSC submissions of one code are comparable), and at most one submission indicator carries each code (the
-- intake routes a submitted code to it).
{{ config(meta={'dagster': {'ref': {'name': 'u4ssc_kpi_codes'}}}) }}  -- a Dagster asset check on u4ssc_kpi_codes
with catalog as (
    select
        c.indicator_id,
        c.u4ssc_code,
        c.unit,
        c.direction,
        c.source_type,
        k.u4ssc_code as seed_code,
        k.unit as seed_unit,
        k.direction as seed_direction
    from {{ ref('indicator_catalog') }} as c
    left join {{ ref('u4ssc_kpi_codes') }} as k
        on {{ u4ssc_code_key('k.u4ssc_code') }} = {{ u4ssc_code_key('c.u4ssc_code') }}
    where nullif(trim(c.u4ssc_code), '') is not null
)

select indicator_id, 'code ' || u4ssc_code || ' is not in u4ssc_kpi_codes' as problem
from catalog where seed_code is null
union all
select indicator_id, 'unit ' || unit || ' <> seed unit ' || seed_unit
from catalog where seed_code is not null and unit <> seed_unit
union all
select indicator_id, 'direction ' || direction || ' <> seed direction ' || seed_direction
from catalog where seed_code is not null and direction <> seed_direction
union all
select string_agg(indicator_id, ', '), 'several submission indicators carry ' || seed_code
from catalog where source_type = 'submission' and seed_code is not null
group by seed_code having count(*) > 1
