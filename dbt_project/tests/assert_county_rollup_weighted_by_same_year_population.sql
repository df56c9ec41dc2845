-- The county rollup is weighted by the population of the same year (SSB 07459, 1 January), never another
-- year's (docs/methodology.md section 3): recomputed here from goal_scores and the population series.
{{ config(meta={'dagster': {'ref': {'name': 'county_goal_scores'}}}) }}
with g as (
    select m.county_code, gs.goal, gs.year, gs.score, p.population
    from {{ ref('goal_scores') }} as gs
    inner join {{ ref('municipalities') }} as m using (municipality_code)
    left join {{ ref('int_ssb__population') }} as p using (municipality_code, year)
),

expected as (
    select
        county_code,
        goal,
        year,
        case when count(*) filter (where score is not null and population is null) = 0 then
            sum(score * population) filter (where score is not null)
                / nullif(sum(population) filter (where score is not null), 0)
        end as score
    from g
    group by county_code, goal, year
)

select c.county_code, c.goal, c.year, c.score, e.score as expected_score
from {{ ref('county_goal_scores') }} as c
inner join expected as e using (county_code, goal, year)
where (c.score is null) <> (e.score is null) or abs(c.score - e.score) > 0.005
