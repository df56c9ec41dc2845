-- Normalised 0-100 score and dashboard rating per indicator value (DESIGN section 5).
with v as (
    select * from {{ ref('indicator_values') }}
),

i as (
    select * from {{ ref('indicators') }}
)

select
    v.municipality_code,
    v.indicator_id,
    i.goal,
    v.year,
    v.value,
    v.status,
    v.source,
    v.provenance,
    case
        when v.value is null or i.bound_best is null then null
        when i.bound_best = i.bound_worst then 100.0
        else greatest(0.0, least(100.0, 100.0 * (v.value - i.bound_worst) / (i.bound_best - i.bound_worst)))
    end as score,
    case
        when v.value is null or i.threshold_orange is null then null
        when i.direction = 'lower' then
            case
                when v.value <= i.threshold_green then 'green'
                when v.value <= i.threshold_yellow then 'yellow'
                when v.value <= i.threshold_orange then 'orange'
                else 'red'
            end
        else
            case
                when v.value >= i.threshold_green then 'green'
                when v.value >= i.threshold_yellow then 'yellow'
                when v.value >= i.threshold_orange then 'orange'
                else 'red'
            end
    end as rating,
    v.is_demo
from v
inner join i using (indicator_id)
