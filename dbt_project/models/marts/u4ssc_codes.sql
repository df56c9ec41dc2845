-- Every U4SSC KPI code (seed u4ssc_kpi_codes) with what analysts join marts.u4ssc_kpis to: names, U4SSC
-- dimension / sub-dimension / category / type, unit, plausible range, and the catalog indicators carrying it.
with carriers as (
    select
        k.u4ssc_code,
        string_agg(i.indicator_id, '|' order by case i.source_type when 'ssb' then 0 else 1 end, i.indicator_id)
            as indicator_ids
    from {{ ref('u4ssc_kpi_codes') }} as k
    inner join {{ ref('indicators') }} as i
        on {{ u4ssc_code_key('i.u4ssc_code') }} = {{ u4ssc_code_key('k.u4ssc_code') }}
    group by k.u4ssc_code
)

select
    k.u4ssc_code,
    k.kpi_id,
    k.name_en,
    k.name_nb,
    k.dimension,
    k.sub_dimension,
    k.category,
    k.kpi_type,
    k.direction,
    cast(k.sdg_goal as integer) as sdg_goal,
    k.sdg_goals,
    k.definition,
    k.unit,
    k.range_min,
    k.range_max,
    k.range_rationale,
    k.alias_codes,
    k.code_note,
    c.indicator_ids,
    {{ run_is_demo() }} as is_demo
from {{ ref('u4ssc_kpi_codes') }} as k
left join carriers as c using (u4ssc_code)
