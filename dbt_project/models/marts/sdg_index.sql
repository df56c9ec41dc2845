-- Index = mean of goal scores; none where more than 20% of the indicators are missing.
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
        *,
        case when indicators_used >= 0.8 * indicators_total then round(mean_goal_score, 2) end as score
    from per_muni
)

select
    municipality_code,
    year,
    score,
    cast(case when score is not null then rank() over (partition by year order by score desc nulls last) end
        as integer) as rank,
    cast(goals_scored as integer) as goals_scored,
    cast(indicators_used as integer) as indicators_used,
    cast(indicators_total as integer) as indicators_total
from indexed
