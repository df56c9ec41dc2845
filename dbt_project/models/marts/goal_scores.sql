-- One row per municipality, goal (1-17) and year: score, rating, trend, coverage, OECD distance to
-- target and rank nationally and within the municipality's size class (peer group).
with g as (
    select * from {{ ref('int_scoring__goal_scores') }}
),

m as (
    select municipality_code, size_class from {{ ref('municipalities') }}
)

select
    g.municipality_code,
    g.goal,
    g.year,
    round(g.score, 2) as score,
    g.rating,
    g.trend,
    g.indicators_used,
    g.indicators_total,
    {{ var('structure_year') }} as structure_year,
    round(g.indicators_used / nullif(g.indicators_total, 0), 4) as coverage,
    round(100 - g.score, 2) as distance_to_target,
    cast(case when g.score is not null then
        rank() over (partition by g.goal, g.year order by g.score desc nulls last) end as integer) as rank,
    m.size_class as peer_group,
    cast(case when g.score is not null then
        rank() over (partition by g.goal, g.year, m.size_class order by g.score desc nulls last) end as integer)
        as peer_rank,
    g.indicators_with_trend,
    {{ run_is_demo() }} as is_demo
from g
inner join m using (municipality_code)
