-- Rating thresholds per indicator, resolved (docs/methodology.md, "Targets, thresholds and their sources").
-- A threshold the catalog gives is a sourced number (law, national or EU target, UN/U4SSC/OECD/SDSN
-- benchmark; seed indicator_sources names it) and is used as it stands. A threshold the catalog leaves
-- empty follows the stated statistical rule, computed from the run's own base-year values (real SSB data in
-- live runs; demo runs compute it from the labelled demo values, never stored in the catalog):
--   green  = 75th percentile of municipalities in the good direction (the best quarter is green),
--   yellow = the median, orange = 25th percentile in the good direction,
-- each kept no better than the threshold above it, and only from at least var min_reporting_municipalities
-- municipalities with a base-year value (else the threshold stays NULL and the indicator is not rated).
-- Base year as for the bounds: var base_year, or the latest year with data where the base year has none.
with catalog as (
    select
        indicator_id,
        direction,
        case when direction = 'lower' then -1.0 else 1.0 end as sign,
        green,
        yellow,
        orange
    from {{ ref('indicator_catalog') }}
),

values_ as (
    select indicator_id, year, value from {{ ref('int_indicators__values') }} where value is not null
),

base as (
    select
        indicator_id,
        coalesce(max(case when year = {{ var('base_year') }} then year end), max(year)) as base_year
    from values_
    group by indicator_id
),

stats as (
    select
        v.indicator_id,
        b.base_year,
        count(*) as n_values,
        quantile_cont(v.value, 0.25) as p25,
        quantile_cont(v.value, 0.50) as p50,
        quantile_cont(v.value, 0.75) as p75
    from values_ as v
    inner join base as b on b.indicator_id = v.indicator_id and b.base_year = v.year
    group by v.indicator_id, b.base_year
),

rule as (
    select
        c.indicator_id,
        c.sign,
        c.green as catalog_green,
        c.yellow as catalog_yellow,
        c.orange as catalog_orange,
        s.base_year,
        s.n_values,
        case when s.n_values >= {{ var('min_reporting_municipalities') }} then
            case when c.direction = 'lower' then s.p25 else s.p75 end end as rule_green,
        case when s.n_values >= {{ var('min_reporting_municipalities') }} then s.p50 end as rule_yellow,
        case when s.n_values >= {{ var('min_reporting_municipalities') }} then
            case when c.direction = 'lower' then s.p75 else s.p25 end end as rule_orange
    from catalog as c
    left join stats as s using (indicator_id)
),

green_ as (
    select *, coalesce(catalog_green, rule_green) as green from rule
),

yellow_ as (
    -- a rule threshold is never better than the (sourced) threshold above it: sign * (t - above) <= 0
    select
        *,
        coalesce(catalog_yellow, case when sign * (rule_yellow - green) > 0 then green else rule_yellow end)
            as yellow
    from green_
),

resolved as (
    select
        *,
        coalesce(catalog_orange, case when sign * (rule_orange - yellow) > 0 then yellow else rule_orange end)
            as orange
    from yellow_
)

select
    indicator_id,
    green,
    yellow,
    orange,
    case
        when catalog_green is not null and catalog_yellow is not null and catalog_orange is not null
            then 'catalog'
        when catalog_green is null and catalog_yellow is null and catalog_orange is null then 'rule'
        else 'catalog+rule'
    end as thresholds_origin,
    case when catalog_green is null or catalog_yellow is null or catalog_orange is null then base_year end
        as thresholds_base_year,
    n_values as thresholds_n_values
from resolved
