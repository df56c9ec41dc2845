-- Normalisation bounds per indicator (docs/methodology.md section 2), fixed from ONE year's data so every
-- year is scored on the same scale. One row per catalog indicator.
--   base year  = var base_year when at least var min_reporting_municipalities municipalities have a value
--                in it, else the latest year that has that many; none such: var base_year (or the latest
--                year with any value) and the indicator is not scored.
--   worst      = the 2.5th percentile on the bad side (97.5th for lower-is-better), or the catalog's lb;
--                never on the good side of the orange threshold (the red line), so a score of 0 is always
--                rated orange or red.
--   best       = the catalog's absolute target ub, else the mean of the five best municipalities.
--   withheld_reason (NULL = scored): no_values | too_few_municipalities | zero_variance (every base-year
--                value equal) | degenerate_bounds (best not on the good side of worst). A withheld indicator
--                has no bounds, so no score, rating or trend anywhere (int_scoring__indicator_scores).
-- Stored in marts.indicators (bounds_base_year, bound_worst, bound_best, bounds_municipalities, ...).
{% set min_n = var('min_reporting_municipalities') %}
with catalog as (
    -- the orange threshold as resolved (sourced, else the stated rule): the red line the worst bound respects
    select
        c.* exclude (green, yellow, orange),
        th.green,
        th.yellow,
        th.orange,
        case when c.direction = 'lower' then -1.0 else 1.0 end as sign
    from {{ ref('indicator_catalog') }} as c
    left join {{ ref('int_indicators__thresholds') }} as th using (indicator_id)
),

values_ as (
    select indicator_id, year, value from {{ ref('int_indicators__values') }} where value is not null
),

per_year as (
    select indicator_id, year, count(*) as n_values from values_ group by indicator_id, year
),

base as (
    select
        indicator_id,
        coalesce(
            max(year) filter (where year = {{ var('base_year') }} and n_values >= {{ min_n }}),
            max(year) filter (where n_values >= {{ min_n }}),
            max(year) filter (where year = {{ var('base_year') }}),
            max(year)
        ) as base_year
    from per_year
    group by indicator_id
),

ranked as (
    select
        v.indicator_id,
        v.value,
        row_number() over (partition by v.indicator_id order by c.sign * v.value desc) as best_rank
    from values_ as v
    inner join base as b on b.indicator_id = v.indicator_id and b.base_year = v.year
    inner join catalog as c on c.indicator_id = v.indicator_id
),

stats as (
    select
        indicator_id,
        count(*) as n_values,
        min(value) = max(value) as zero_variance,
        quantile_cont(value, 0.025) as p025,
        quantile_cont(value, 0.975) as p975,
        avg(value) filter (where best_rank <= 5) as top5_mean
    from ranked
    group by indicator_id
),

candidates as (
    select
        c.indicator_id,
        c.sign,
        b.base_year,
        coalesce(s.n_values, 0) as n_values,
        s.zero_variance,
        coalesce(c.lb, case when c.direction = 'lower' then s.p975 else s.p025 end) as data_worst,
        case when c.lb is not null then 'catalog_lb' else 'p2.5' end as data_worst_basis,
        cast(c.orange as double) as orange,
        coalesce(c.ub, s.top5_mean) as best,
        case when c.ub is not null then 'target' else 'top5_mean' end as best_basis
    from catalog as c
    left join base as b using (indicator_id)
    left join stats as s using (indicator_id)
),

floored as (
    -- the worst bound moved to the orange threshold where the data's worst lies on its good side
    select
        *,
        coalesce(orange is not null and sign * (data_worst - orange) > 0, false) as at_orange
    from candidates
),

judged as (
    select
        *,
        case when at_orange then orange else data_worst end as worst,
        case when at_orange then 'orange_threshold' else data_worst_basis end as worst_basis
    from floored
),

reasoned as (
    select
        *,
        case
            when n_values = 0 then 'no_values'
            when n_values < {{ min_n }} then 'too_few_municipalities'
            when zero_variance then 'zero_variance'
            when sign * (best - worst) <= 0 then 'degenerate_bounds'
        end as withheld_reason
    from judged
)

select
    indicator_id,
    base_year,
    cast(n_values as integer) as n_values,
    case when withheld_reason is null then worst end as worst,
    case when withheld_reason is null then best end as best,
    case when withheld_reason is null then worst_basis end as worst_basis,
    case when withheld_reason is null then best_basis end as best_basis,
    withheld_reason
from reasoned
