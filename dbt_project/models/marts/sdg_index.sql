-- Index = mean of goal scores; none where more than 20% of the index indicators are missing.
-- Ranked nationally and within the size class (peer group) per year.
with per_muni as (
    select
        municipality_code,
        year,
        avg(score) as mean_goal_score,
        count(score) as goals_scored,
        sum(indicators_used) as indicators_used,
        sum(indicators_total) as indicators_total
    from {{ ref('goal_scores') }}
    group by municipality_code, year
),

indexed as (
    select
        p.*,
        m.size_class,
        case when p.indicators_used >= 0.8 * p.indicators_total then round(p.mean_goal_score, 2) end as score
    from per_muni as p
    inner join {{ ref('municipalities') }} as m using (municipality_code)
)

select
    municipality_code,
    year,
    score,
    cast(case when score is not null then rank() over (partition by year order by score desc nulls last) end
        as integer) as rank,
    cast(goals_scored as integer) as goals_scored,
    cast(indicators_used as integer) as indicators_used,
    cast(indicators_total as integer) as indicators_total,
    round(indicators_used / nullif(indicators_total, 0), 4) as coverage,
    size_class as peer_group,
    cast(case when score is not null then
        rank() over (partition by year, size_class order by score desc nulls last) end as integer) as peer_rank,
    cast(count(score) over (partition by year, size_class) as integer) as peer_group_scored,
    {{ run_is_demo() }} as is_demo
from indexed
