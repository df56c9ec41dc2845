-- Normalisation bounds per indicator (DESIGN section 5), fixed from ONE year's data so every year is
-- scored on the same scale: the base year (var base_year), or the latest year with data where the base
-- year has none. worst = 2.5th percentile on the bad side (97.5th for lower-is-better), or the catalog's
-- lb where one is set; best = the catalog's absolute target ub where one exists, else the mean of the
-- five best municipalities. Stored in marts.indicators (bounds_base_year, bound_worst, bound_best).
with catalog as (
    select * from {{ ref('indicator_catalog') }}
),

values_ as (
    select * from {{ ref('int_indicators__values') }} where value is not null
),

base as (
    select
        indicator_id,
        coalesce(
            max(case when year = {{ var('base_year') }} then year end),
            max(year)
        ) as base_year
    from values_
    group by indicator_id
),

base_values as (
    select v.indicator_id, v.value
    from values_ as v
    inner join base as b on b.indicator_id = v.indicator_id and b.base_year = v.year
),

ranked as (
    select
        bv.indicator_id,
        bv.value,
        row_number() over (
            partition by bv.indicator_id
            order by case when c.direction = 'lower' then bv.value else -bv.value end
        ) as best_rank
    from base_values as bv
    inner join catalog as c using (indicator_id)
),

stats as (
    select
        r.indicator_id,
        quantile_cont(r.value, 0.025) as p025,
        quantile_cont(r.value, 0.975) as p975,
        avg(case when r.best_rank <= 5 then r.value end) as top5_mean,
        count(*) as n_values
    from ranked as r
    group by r.indicator_id
)

select
    c.indicator_id,
    b.base_year,
    s.n_values,
    coalesce(c.lb, case when c.direction = 'lower' then s.p975 else s.p025 end) as worst,
    coalesce(c.ub, s.top5_mean) as best,
    case when c.lb is not null then 'catalog_lb' else 'p2.5' end as worst_basis,
    case when c.ub is not null then 'target' else 'top5_mean' end as best_basis
from catalog as c
inner join base as b using (indicator_id)
inner join stats as s using (indicator_id)
