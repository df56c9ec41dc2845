-- Score, rating and trend per municipality, indicator and year (docs/methodology.md sections 2, 4 and 5).
--   score  = 100 * (x - worst) / (best - worst), clipped to [0, 100]; the formula serves both directions
--            because worst/best are already on the bad/good side.
--   rating = green / yellow / orange / red from the resolved thresholds (int_indicators__thresholds: the
--            catalog's sourced numbers, else the stated quartile rule), in the indicator's direction.
--   trend  = linear annual change over the last 5 years (from the earliest year with a value in
--            [t-5, t-2]) against the annual change needed to reach the green threshold by 2030.
-- Only a scored indicator (int_scoring__indicator_bounds: bounds, no withheld_reason) gets a score, a rating
-- or a trend; a withheld one keeps its values and changes, nothing that ranks or colours it.
with v as (
    select * from {{ ref('int_indicators__values') }}
),

c as (
    -- thresholds as resolved by int_indicators__thresholds: the catalog's sourced numbers, else the stated rule
    select
        c.* exclude (green, yellow, orange),
        th.green,
        th.yellow,
        th.orange,
        case when c.direction = 'lower' then -1.0 else 1.0 end as sign,
        b.worst,
        b.best
    from {{ ref('indicator_catalog') }} as c
    left join {{ ref('int_indicators__thresholds') }} as th using (indicator_id)
    left join {{ ref('int_scoring__indicator_bounds') }} as b using (indicator_id)
),

scored as (
    select
        v.municipality_code,
        v.indicator_id,
        c.goal,
        v.year,
        v.value,
        v.status,
        v.source,
        v.provenance,
        v.structure_year,
        v.is_demo,
        c.in_index,
        c.sign,
        c.green,
        c.worst is not null as is_scored,
        case
            when v.value is null or c.worst is null then null
            else greatest(0.0, least(100.0, 100.0 * (v.value - c.worst) / (c.best - c.worst)))
        end as score,
        case
            when v.value is null or c.worst is null or c.green is null or c.yellow is null or c.orange is null
                then null
            when c.sign * (v.value - c.green) >= 0 then 'green'
            when c.sign * (v.value - c.yellow) >= 0 then 'yellow'
            when c.sign * (v.value - c.orange) >= 0 then 'orange'
            else 'red'
        end as rating
    from v
    inner join c using (indicator_id)
),

trend_base as (
    -- the start of the trend window: earliest year with a value in [t-5, t-2] (one window pass, no self join)
    select
        *,
        case when value is not null then
            arg_min(value, year) filter (where value is not null) over trend_window end as start_value,
        case when value is not null then
            min(year) filter (where value is not null) over trend_window end as start_year
    from scored
    window trend_window as (
        partition by municipality_code, indicator_id order by year range between 5 preceding and 2 preceding
    )
),

trended as (
    select
        *,
        start_year as trend_start_year,
        -- annual change in the good direction (positive = improving)
        sign * (value - start_value) / (year - start_year) as annual_change,
        case
            when green is not null and start_year is not null and start_year < 2030
                then sign * (green - start_value) / (2030 - start_year)
        end as needed_annual_change
    from trend_base
)

select
    municipality_code,
    indicator_id,
    goal,
    year,
    value,
    status,
    source,
    provenance,
    structure_year,
    is_demo,
    in_index,
    score,
    rating,
    trend_start_year,
    annual_change,
    needed_annual_change,
    case
        when not is_scored or annual_change is null or needed_annual_change is null then null
        -- already at green at the start of the window: on track while it stays there
        when needed_annual_change <= 0 then
            case when sign * (value - green) >= 0 then 'on track' else 'decreasing' end
        when annual_change >= needed_annual_change then 'on track'
        when annual_change > 0.5 * needed_annual_change then 'moderately improving'
        when annual_change >= 0 then 'stagnating'
        else 'decreasing'
    end as trend
from trended
