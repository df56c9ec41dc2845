-- One row per municipality, goal (1-17) and year. Score = mean of the goal's indicator scores, none
-- when under half of the goal's indicators are reported.
with years as (
    select distinct year from {{ ref('indicator_values') }}
),

grid as (
    select m.municipality_code, g.goal, y.year
    from {{ ref('municipalities') }} as m
    cross join {{ ref('goals') }} as g
    cross join years as y
),

totals as (
    select goal, count(*) as indicators_total
    from {{ ref('indicators') }}
    group by goal
),

scored as (
    select municipality_code, goal, year, avg(score) as mean_score, count(score) as indicators_used
    from {{ ref('indicator_scores') }}
    group by municipality_code, goal, year
)

select
    grid.municipality_code,
    grid.goal,
    grid.year,
    case
        when coalesce(s.indicators_used, 0) * 2 >= coalesce(t.indicators_total, 0) and s.indicators_used > 0
            then round(s.mean_score, 2)
    end as score,
    cast(null as varchar) as rating,
    cast(null as varchar) as trend,
    cast(coalesce(s.indicators_used, 0) as integer) as indicators_used,
    cast(coalesce(t.indicators_total, 0) as integer) as indicators_total,
    {{ var('structure_year') }} as structure_year
from grid
left join scored as s using (municipality_code, goal, year)
left join totals as t using (goal)
