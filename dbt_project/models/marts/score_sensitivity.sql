-- How much a municipality's SDG index and rank depend on the method's choices (docs/methodology.md,
-- "Sensitivity"). One row per municipality, year and scenario; only municipality-years with a published index
-- (sdg_index.score not null), so every scenario obeys the same coverage rule and ranks the same set:
--   baseline          the published index: bounds p2.5 / mean of the five best, arithmetic means, goals weighted
--                     equally;
--   bounds_p5_p95     percentile bounds moved inwards: worst = 5th percentile on the bad side, best = 95th
--                     percentile (sourced catalog bounds lb/ub stay as they are);
--   bounds_p10_p90    the same at the 10th / 90th percentile;
--   geometric_mean    goal scores combined by a geometric mean (each goal score floored at 1, so one zero does
--                     not zero the index), as the UN HDI does;
--   indicator_weights every scored index indicator weighted equally instead of every goal.
-- Percentile scenarios rescore only the indicator values the baseline scored, on the baseline's base year.
-- rank_low / rank_high: the best and worst rank over all scenarios of that municipality and year.
with baseline as (
    select municipality_code, year, score, rank
    from {{ ref('sdg_index') }}
    where score is not null
),

scored as (
    -- the indicator scores the baseline index used (index indicators, in goals with a published goal score)
    select s.municipality_code, s.indicator_id, s.goal, s.year, s.value, s.score
    from {{ ref('int_scoring__indicator_scores') }} as s
    inner join {{ ref('goal_scores') }} as g
        on g.municipality_code = s.municipality_code and g.goal = s.goal and g.year = s.year
    inner join baseline as b on b.municipality_code = s.municipality_code and b.year = s.year
    where s.in_index and s.score is not null and g.score is not null
),

base_values as (
    select v.indicator_id, v.value
    from {{ ref('int_indicators__values') }} as v
    inner join {{ ref('int_scoring__indicator_bounds') }} as b
        on b.indicator_id = v.indicator_id and b.base_year = v.year
    where v.value is not null
),

percentiles as (
    select
        indicator_id,
        quantile_cont(value, 0.05) as p05,
        quantile_cont(value, 0.10) as p10,
        quantile_cont(value, 0.90) as p90,
        quantile_cont(value, 0.95) as p95
    from base_values
    group by indicator_id
),

alt_bounds as (
    select
        c.indicator_id,
        s.scenario,
        case when c.direction = 'lower' then -1.0 else 1.0 end as sign,
        coalesce(c.lb, case
            when c.direction = 'lower' then (case s.scenario when 'bounds_p5_p95' then p.p95 else p.p90 end)
            else (case s.scenario when 'bounds_p5_p95' then p.p05 else p.p10 end)
        end) as worst,
        coalesce(c.ub, case
            when c.direction = 'lower' then (case s.scenario when 'bounds_p5_p95' then p.p05 else p.p10 end)
            else (case s.scenario when 'bounds_p5_p95' then p.p95 else p.p90 end)
        end) as best
    from {{ ref('indicator_catalog') }} as c
    inner join percentiles as p using (indicator_id)
    cross join (values ('bounds_p5_p95'), ('bounds_p10_p90')) as s (scenario)
),

rescored as (
    -- the baseline's normalisation formula (int_scoring__indicator_scores) with the alternative bounds
    select
        x.municipality_code,
        x.goal,
        x.year,
        a.scenario,
        case
            when a.sign * (a.best - a.worst) <= 0 then
                case when a.sign * (x.value - a.best) >= 0 then 100.0 else 0.0 end
            else greatest(0.0, least(100.0, 100.0 * (x.value - a.worst) / (a.best - a.worst)))
        end as score
    from scored as x
    inner join alt_bounds as a using (indicator_id)
),

goal_means as (
    select municipality_code, year, scenario, goal, avg(score) as goal_score
    from rescored
    group by municipality_code, year, scenario, goal
    union all
    select municipality_code, year, 'baseline' as scenario, goal, avg(score) as goal_score
    from scored
    group by municipality_code, year, goal
),

scenario_scores as (
    select municipality_code, year, scenario, avg(goal_score) as score
    from goal_means
    where scenario <> 'baseline'
    group by municipality_code, year, scenario
    union all
    select municipality_code, year, 'geometric_mean' as scenario, exp(avg(ln(greatest(goal_score, 1.0)))) as score
    from goal_means
    where scenario = 'baseline'
    group by municipality_code, year
    union all
    select municipality_code, year, 'indicator_weights' as scenario, avg(score) as score
    from scored
    group by municipality_code, year
    union all
    select municipality_code, year, 'baseline' as scenario, score
    from baseline
),

ranked as (
    select
        s.municipality_code,
        s.year,
        s.scenario,
        round(s.score, 2) as score,
        cast(rank() over (partition by s.year, s.scenario order by round(s.score, 2) desc) as integer) as rank
    from scenario_scores as s
    inner join baseline as b using (municipality_code, year)
)

select
    r.municipality_code,
    r.year,
    r.scenario,
    case r.scenario
        when 'baseline' then 'Published index: bounds p2.5 / mean of five best, arithmetic means, equal goal weights'
        when 'bounds_p5_p95' then 'Percentile bounds at p5 / p95 instead of p2.5 / mean of five best'
        when 'bounds_p10_p90' then 'Percentile bounds at p10 / p90 instead of p2.5 / mean of five best'
        when 'geometric_mean' then 'Geometric mean of goal scores (each floored at 1) instead of arithmetic'
        when 'indicator_weights' then 'Equal indicator weights instead of equal goal weights'
    end as scenario_description,
    r.score,
    r.rank,
    cast(min(r.rank) over (partition by r.municipality_code, r.year) as integer) as rank_low,
    cast(max(r.rank) over (partition by r.municipality_code, r.year) as integer) as rank_high,
    cast(count(*) over (partition by r.year, r.scenario) as integer) as ranked_municipalities,
    {{ run_is_demo() }} as is_demo
from ranked as r
