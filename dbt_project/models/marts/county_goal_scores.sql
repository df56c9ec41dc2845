-- County rollup: the mean of its municipalities' goal scores weighted by their population on 1 January of
-- the SAME year (SSB 07459), over the municipalities that have a goal score. No other year's population
-- stands in: where a municipality lacks that year's population, the county's score (when the municipality
-- is scored) and its population share (always) are withheld for that goal and year.
with pop as (
    select municipality_code, year, population from {{ ref('int_ssb__population') }} where population is not null
),

g as (
    select
        gs.municipality_code,
        gs.goal,
        gs.year,
        gs.score,
        m.county_code,
        m.county_name,
        cast(p.population as double) as population
    from {{ ref('goal_scores') }} as gs
    inner join {{ ref('municipalities') }} as m using (municipality_code)
    left join pop as p using (municipality_code, year)
)

select
    county_code,
    any_value(county_name) as county_name,
    goal,
    year,
    case when count(*) filter (where score is not null and population is null) = 0 then
        round(sum(score * population) filter (where score is not null)
            / nullif(sum(population) filter (where score is not null), 0), 2)
    end as score,
    cast(count(score) as integer) as municipalities_scored,
    cast(count(*) as integer) as municipalities_total,
    case when count(*) filter (where population is null) = 0 then
        round(sum(population) filter (where score is not null) / nullif(sum(population), 0), 4)
    end as population_share_scored,
    {{ var('structure_year') }} as structure_year,
    {{ run_is_demo() }} as is_demo
from g
group by county_code, goal, year
