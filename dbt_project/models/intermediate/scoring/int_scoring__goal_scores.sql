-- Goal-level scoring per municipality, goal and year over the goal's index indicators (catalog in_index),
-- one coverage rule for all three: each is published only when at least half of the goal's index indicators
-- carry it (an indicator withheld from scoring has none of them, so it counts as missing).
--   score  = mean of the indicator scores; none when indicators_used * 2 < indicators_total.
--   rating = the average of the goal's two worst indicator ratings (red=1 .. green=4): green only if both
--            are green (4), red only if both are red (1), yellow for 3-3.5, orange for 1.5-2.5. A goal
--            with one rated indicator takes that indicator's rating. None when the score is withheld or
--            fewer than half of the indicators are rated.
--   trend  = mean of indicator trends (decreasing=1, stagnating=2, moderately improving=3, on track=4),
--            rounded to the nearest class. None when the score is withheld or fewer than half have a trend.
with ind as (
    select * from {{ ref('int_scoring__indicator_scores') }} where in_index
),

totals as (
    select cast(goal as integer) as goal, count(*) as indicators_total
    from {{ ref('indicator_catalog') }}
    where in_index
    group by goal
),

years as (
    select distinct year from {{ ref('int_indicators__values') }}
),

grid as (
    select m.municipality_code, cast(g.goal as integer) as goal, y.year
    from {{ ref('municipalities_2024') }} as m
    cross join {{ ref('sdg_goals') }} as g
    cross join years as y
),

agg as (
    -- one aggregation pass: mean score, coverage, trend points and the two worst rating points (min(x, 2))
    select
        municipality_code,
        goal,
        year,
        avg(score) as mean_score,
        count(score) as indicators_used,
        avg(case trend
            when 'on track' then 4 when 'moderately improving' then 3 when 'stagnating' then 2
            when 'decreasing' then 1 end) as trend_points,
        count(trend) as indicators_with_trend,
        count(rating) as indicators_rated,
        list_avg(min(
            case rating when 'green' then 4 when 'yellow' then 3 when 'orange' then 2 when 'red' then 1 end, 2
        )) as rating_points
    from ind
    group by municipality_code, goal, year
),

covered as (
    -- the coverage rule: at least half of the goal's index indicators carry a score / rating / trend
    select
        a.*,
        t.indicators_total,
        a.indicators_used > 0 and a.indicators_used * 2 >= t.indicators_total as score_covered,
        a.indicators_used * 2 >= t.indicators_total and a.indicators_rated * 2 >= t.indicators_total
            as rating_covered,
        a.indicators_used * 2 >= t.indicators_total and a.indicators_with_trend * 2 >= t.indicators_total
            as trend_covered
    from agg as a
    inner join totals as t using (goal)
)

select
    grid.municipality_code,
    grid.goal,
    grid.year,
    case when a.score_covered then a.mean_score end as score,
    case
        when not a.rating_covered or a.rating_points is null then null
        when a.rating_points >= 4 then 'green'
        when a.rating_points >= 3 then 'yellow'
        when a.rating_points > 1 then 'orange'
        else 'red'
    end as rating,
    case
        when not a.trend_covered or a.trend_points is null then null
        when a.trend_points >= 3.5 then 'on track'
        when a.trend_points >= 2.5 then 'moderately improving'
        when a.trend_points >= 1.5 then 'stagnating'
        else 'decreasing'
    end as trend,
    cast(coalesce(a.indicators_used, 0) as integer) as indicators_used,
    cast(coalesce(t.indicators_total, 0) as integer) as indicators_total,
    cast(coalesce(a.indicators_with_trend, 0) as integer) as indicators_with_trend
from grid
left join covered as a using (municipality_code, goal, year)
left join totals as t using (goal)
