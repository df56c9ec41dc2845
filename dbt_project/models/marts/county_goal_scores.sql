-- County rollup: population-weighted mean of its municipalities' goal scores (population 1 January of
-- the same year, else the latest), over the municipalities that have a goal score.
with pop as (
    select municipality_code, year, population from {{ ref('int_ssb__population') }} where population is not null
),

g as (
    select
        gs.*,
        m.county_code,
        m.county_name,
        cast(coalesce(p.population, m.population) as double) as population
    from {{ ref('goal_scores') }} as gs
    inner join {{ ref('municipalities') }} as m using (municipality_code)
    left join pop as p using (municipality_code, year)
)

select
    county_code,
    any_value(county_name) as county_name,
    goal,
    year,
    round(sum(score * population) filter (where score is not null)
        / nullif(sum(population) filter (where score is not null), 0), 2) as score,
    cast(count(score) as integer) as municipalities_scored,
    cast(count(*) as integer) as municipalities_total,
    round(sum(population) filter (where score is not null) / nullif(sum(population), 0), 4)
        as population_share_scored,
    {{ var('structure_year') }} as structure_year,
    {{ run_is_demo() }} as is_demo
from g
group by county_code, goal, year
