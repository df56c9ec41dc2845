-- U4SSC KPI view: every value of an indicator with a U4SSC code, its benchmark and U4SSC points.
-- share_of_benchmark = value / benchmark (higher is better) or benchmark / value (lower is better);
-- points: under 33% = 1, 33-66% = 2, 66-95% = 3, 95% and over = 4.
with i as (
    select * from {{ ref('indicators') }} where u4ssc_code is not null and u4ssc_benchmark is not null
),

v as (
    select
        v.municipality_code,
        i.u4ssc_code,
        v.indicator_id,
        i.goal,
        v.year,
        v.value,
        i.unit,
        i.direction,
        i.u4ssc_benchmark as benchmark,
        case
            when v.value is null then null
            when i.direction = 'higher' then v.value / nullif(i.u4ssc_benchmark, 0)
            when v.value <= 0 then 1e9  -- nothing left to reduce: every benchmark reached
            else i.u4ssc_benchmark / v.value
        end as share_of_benchmark,
        i.source_type,
        v.source,
        v.provenance,
        v.is_demo
    from {{ ref('indicator_values') }} as v
    inner join i using (indicator_id)
)

select
    municipality_code,
    u4ssc_code,
    indicator_id,
    goal,
    year,
    value,
    unit,
    direction,
    benchmark,
    -- least() skips NULL (least(NULL, 10) = 10): a missing value must keep a missing share
    case when share_of_benchmark is not null then round(least(share_of_benchmark, 10), 4) end as share_of_benchmark,
    cast(case
        when share_of_benchmark is null then null
        when share_of_benchmark < 0.33 then 1
        when share_of_benchmark < 0.66 then 2
        when share_of_benchmark < 0.95 then 3
        else 4
    end as integer) as points,
    source_type,
    source,
    provenance,
    is_demo
from v
