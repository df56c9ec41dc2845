-- Coverage per goal and year: how many index indicators the goal has, how many have any value, the share
-- of municipality x indicator cells with a value, and how many municipalities get a goal score.
with cells as (
    select
        s.goal,
        s.year,
        count(distinct s.indicator_id) filter (where s.value is not null) as indicators_reported,
        count(*) filter (where s.value is not null) as values_reported
    from {{ ref('indicator_scores') }} as s
    where s.in_index
    group by s.goal, s.year
),

scored as (
    select
        goal,
        year,
        count(*) as municipalities_total,
        count(score) as municipalities_scored,
        avg(score) as mean_score,
        min(score) as min_score,
        max(score) as max_score,
        stddev_samp(score) as sd_score,
        max(indicators_total) as indicators_total
    from {{ ref('goal_scores') }}
    group by goal, year
)

select
    sc.goal,
    sc.year,
    cast(sc.indicators_total as integer) as indicators_total,
    cast(coalesce(c.indicators_reported, 0) as integer) as indicators_reported,
    round(coalesce(c.values_reported, 0) / nullif(sc.indicators_total * sc.municipalities_total, 0), 4)
        as value_coverage,
    cast(sc.municipalities_total as integer) as municipalities_total,
    cast(sc.municipalities_scored as integer) as municipalities_scored,
    round(sc.mean_score, 2) as mean_score,
    round(sc.min_score, 2) as min_score,
    round(sc.max_score, 2) as max_score,
    round(sc.sd_score, 2) as sd_score,
    {{ run_is_demo() }} as is_demo
from scored as sc
left join cells as c using (goal, year)
