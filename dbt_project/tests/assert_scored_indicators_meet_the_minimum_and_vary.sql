-- An indicator has bounds (is scored) only when at least var min_reporting_municipalities municipalities
-- reported it in its bounds base year and their values differ (docs/methodology.md section 2). Recounted
-- here from the published values, independently of the bounds model.
{{ config(meta={'dagster': {'ref': {'name': 'indicators'}}}) }}
with base as (
    select
        i.indicator_id,
        count(v.value) as n_values,
        coalesce(min(v.value) = max(v.value), true) as zero_variance
    from {{ ref('indicators') }} as i
    left join {{ ref('indicator_values') }} as v
        on v.indicator_id = i.indicator_id and v.year = i.bounds_base_year
    group by i.indicator_id
)

select i.indicator_id, i.bounds_base_year, i.bounds_municipalities, b.n_values, b.zero_variance
from {{ ref('indicators') }} as i
inner join base as b using (indicator_id)
where i.bounds_municipalities <> b.n_values
    or (i.bound_worst is not null
        and (b.n_values < {{ var('min_reporting_municipalities') }} or b.zero_variance))
