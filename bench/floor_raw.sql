-- The transformation floor: the refresh's marts computed by one hand-written DuckDB script from the SAME raw
-- tables the refresh loads (schema raw: ssb_observations, submission_values, refresh_inputs) and the same
-- reference seeds (schema reference), so what it measures is the transformation work, not JSON parsing.
-- bench/floor_raw.py copies those tables from a refresh's build database into a fresh file, fills in
-- {structure_year}, {base_year}, {min_n} (var min_reporting_municipalities) and {muni_re} (var
-- municipality_code_re), runs this, and compares every table of schema floor with the mart of the same name,
-- row for row. The rules are the dbt project's (comments name the model each step follows); what the floor
-- leaves out is dbt itself: no views, no tests, no per-model start-up, intermediate results as temp tables,
-- and only the harmonised series the catalog reads (int_ssb__municipality_values keeps every series).
-- Not covered: the U4SSC marts, score_sensitivity, county_goal_scores, goal_coverage, goals.
set preserve_insertion_order = false;
create schema if not exists floor_marts;

-- stg_ssb__observations: regions classified once per distinct code; only municipalities are used below
create or replace temp table regions as
select region, regexp_replace(region, '^[KF]-', '') as region_code
from (select distinct region from raw.ssb_observations)
where region <> '0000' and not regexp_full_match(region, '(K-)?9999')
  and regexp_full_match(region, '(K-)?{muni_re}');

create or replace temp table catalog as
select *,
       case when starts_with(coalesce(denominator, ''), 'ssb:') then split_part(denominator, ':', 2) end as den_table_id,
       case when starts_with(coalesce(denominator, ''), 'ssb:') then split_part(denominator, ':', 3) end
           as den_contents_code,
       case when starts_with(coalesce(denominator, ''), 'ssb:') then split_part(denominator, ':', 4) end as den_filters,
       case when direction = 'lower' then -1.0 else 1.0 end as sign
from reference.indicator_catalog;

-- int_indicators__values: the series each SSB indicator reads (numerator, denominator; '|' = sum of parts)
create or replace temp table parts as
select indicator_id, 'num' as role, table_id, contents_code,
       unnest(string_split(coalesce(filters, ''), '|')) as filters, len(string_split(coalesce(filters, ''), '|')) as n_parts
from catalog where source_type = 'ssb'
union all
select indicator_id, 'den', den_table_id, den_contents_code,
       unnest(string_split(coalesce(den_filters, ''), '|')), len(string_split(coalesce(den_filters, ''), '|'))
from catalog where source_type = 'ssb' and den_table_id is not null;

create or replace temp table needed as  -- the series the marts read: catalog parts and population
select distinct table_id, contents_code, filters from parts
union
select '07459', 'Personer1', '';

-- int_harmonisation__located_observations: the structure each table-year's codes are on, with fallbacks
create or replace temp table xw as select * from reference.klass_crosswalk where to_year = {structure_year};
create or replace temp table code_years as select distinct from_code as code, from_year from xw;

create or replace temp table batch_structure as
with batch_codes as (
    select distinct o.table_id, cast(o.year as integer) as year, r.region_code
    from raw.ssb_observations as o join regions as r using (region)
    where not (o.value is null and coalesce(nullif(o.status, ''), '') = '.')
),
coverage as (
    select b.table_id, b.year, cy.from_year as candidate, count(*) as covered
    from batch_codes as b join code_years as cy on cy.code = b.region_code
    group by all
)
select table_id, year, candidate as batch_year from coverage
qualify row_number() over (partition by table_id, year order by covered desc, abs(candidate - year), candidate desc) = 1;

create or replace temp table fallback as
with partial_codes as (
    select code from code_years group by code
    having count(*) < (select count(distinct from_year) from code_years)
)
select p.code, y.year,
       coalesce(max(case when cy.from_year = y.year then cy.from_year end), max(cy.from_year)) as structure_year
from partial_codes as p
cross join (select distinct year from batch_structure) as y
join code_years as cy on cy.code = p.code
group by all;

-- int_ssb__municipality_values: onto the target structure (single-source targets pass through, the rest
-- are grouped: sum or population-weighted mean, NULL unless every source has a value)
create or replace temp table target_sources as
select to_code, count(distinct from_code) = 1 as single_source from xw group by to_code;

create or replace temp table located as
select o.table_id, o.contents_code, coalesce(o.filters, '') as filters, r.region_code as from_code,
       case when known.code is not null then bs.batch_year else fb.structure_year end as source_structure_year,
       cast(o.year as integer) as year, cast(o.value as double) as value, nullif(o.status, '') as status,
       o.source_file, o.sha256, o.snapshot_kind,
       coalesce(a.aggregation, 'mean_pop_weighted') as aggregation
from raw.ssb_observations as o
join regions as r using (region)
join needed as n on n.table_id = o.table_id and n.contents_code = o.contents_code and n.filters = coalesce(o.filters, '')
join batch_structure as bs on bs.table_id = o.table_id and bs.year = cast(o.year as integer)
left join code_years as known on known.code = r.region_code and known.from_year = bs.batch_year
left join fallback as fb on fb.code = r.region_code and fb.year = cast(o.year as integer)
left join reference.klass_aggregation as a on a.table_id = o.table_id and a.contents_code = o.contents_code
where not (o.value is null and coalesce(nullif(o.status, ''), '') = '.');

create or replace temp table harmonised as
with expected as (
    select from_year, to_code, count(distinct from_code) as n_expected from xw group by all
),
single as (
    select l.table_id, l.contents_code, l.filters, x.to_code as municipality_code, l.year, l.aggregation,
           case when l.value is not null then 1 else 0 end as n_with_value, 1 as n_expected,
           l.value * x.weight as sum_value,
           l.value * x.weight * x.from_population / nullif(x.weight * x.from_population, 0) as mean_value,
           l.status, l.source_file, l.sha256, l.snapshot_kind
    from located as l
    join xw as x on x.from_year = l.source_structure_year and x.from_code = l.from_code
    join target_sources as t on t.to_code = x.to_code and t.single_source
),
grouped as (
    select l.table_id, l.contents_code, l.filters, x.to_code as municipality_code, l.year, l.aggregation,
           count(distinct l.from_code) filter (where l.value is not null) as n_with_value,
           max(e.n_expected) as n_expected,
           sum(l.value * x.weight) as sum_value,
           sum(l.value * x.weight * x.from_population) / nullif(sum(x.weight * x.from_population), 0) as mean_value,
           case when count(distinct coalesce(l.status, '')) = 1 then max(l.status)
                else string_agg(distinct l.status, ' ' order by l.status) end as status,
           min(l.source_file) as source_file, min(l.sha256) as sha256, min(l.snapshot_kind) as snapshot_kind
    from located as l
    join xw as x on x.from_year = l.source_structure_year and x.from_code = l.from_code
    join target_sources as t on t.to_code = x.to_code and not t.single_source
    left join expected as e on e.from_year = l.source_structure_year and e.to_code = x.to_code
    group by all
),
valued as (
    select *, case when n_with_value < n_expected then null when aggregation = 'sum' then sum_value
                   else mean_value end as value
    from (select * from single union all select * from grouped)
)
select table_id, contents_code, filters, municipality_code, year, value,
       case when value is null then coalesce(status, '..') else status end as status,
       source_file, sha256, snapshot_kind
from valued;

create or replace temp table population as  -- int_ssb__population
select municipality_code, year, value as population
from harmonised where table_id = '07459' and contents_code = 'Personer1' and filters = '';

create or replace temp table run as select cast(is_demo as boolean) as is_demo from raw.refresh_inputs;

-- municipalities (mart)
create or replace table floor_marts.municipalities as
with latest_pop as (
    select municipality_code, population from population where population is not null
    qualify row_number() over (partition by municipality_code order by year desc) = 1
),
base as (
    select m.municipality_code, m.municipality_name, m.county_code, c.county_name,
           cast(coalesce(p.population, m.population_2024) as bigint) as population
    from reference.municipalities_2024 as m
    join reference.counties_2024 as c using (county_code)
    left join latest_pop as p using (municipality_code)
)
select b.municipality_code, b.municipality_name, b.county_code, b.county_name, {structure_year} as structure_year,
       b.population, cast(s.size_class as integer) as size_class, s.name_nb as size_class_name_nb,
       s.name_en as size_class_name_en, n.member_code is not null as in_sdg_network,
       cast(n.joined_year as integer) as sdg_network_joined_year, (select is_demo from run) as is_demo
from base as b
left join reference.sdg_network as n on n.member_kind = 'municipality' and n.member_code = b.municipality_code
left join reference.size_classes as s
    on b.population >= s.min_population and (s.max_population is null or b.population <= s.max_population);

-- int_indicators__values: rates from harmonised counts, then the current submission values
create or replace temp table values_all as
with series as (
    select p.indicator_id, p.role, v.municipality_code, v.year,
           case when count(v.value) = max(p.n_parts) then sum(v.value) end as value,
           case when max(p.n_parts) = 1 then max(v.status)
                else string_agg(distinct v.status, ' ' order by v.status) end as status,
           min(v.snapshot_kind || ':' || v.source_file || '@' || left(v.sha256, 12)) as provenance,
           bool_and(v.snapshot_kind = 'demo') as is_demo
    from harmonised as v
    join parts as p on p.table_id = v.table_id and p.contents_code = v.contents_code and p.filters = v.filters
    group by p.indicator_id, p.role, v.municipality_code, v.year
),
src as (
    select indicator_id,
           'SSB ' || table_id || ' ' || contents_code
               || case when coalesce(filters, '') <> '' then ' (' || filters || ')' else '' end
               || case when denominator = 'population' then ' / SSB 07459 Personer1'
                       when den_table_id is not null then ' / SSB ' || den_table_id || ' ' || den_contents_code
                       else '' end as source
    from catalog where source_type = 'ssb'
)
select n.municipality_code, c.indicator_id, n.year,
       case when c.denominator = 'population' then n.value / nullif(p.population, 0) * coalesce(c.scale, 1)
            when c.den_table_id is not null then n.value / nullif(d.value, 0) * coalesce(c.scale, 1)
            else n.value * coalesce(c.scale, 1) end as value,
       case when c.den_table_id is not null and n.value is not null and d.value is null then coalesce(d.status, '..')
            when n.value is null then coalesce(n.status, '..') else n.status end as status,
       s.source, n.provenance, {structure_year} as structure_year, n.is_demo
from series as n
join catalog as c on c.indicator_id = n.indicator_id and n.role = 'num'
join src as s on s.indicator_id = n.indicator_id
left join population as p on p.municipality_code = n.municipality_code and p.year = n.year
left join series as d on d.indicator_id = n.indicator_id and d.role = 'den'
    and d.municipality_code = n.municipality_code and d.year = n.year
union all
select s.municipality_code, s.indicator_id, cast(s.year as integer), cast(s.value as double) * coalesce(c.scale, 1),
       cast(null as varchar), 'submission ' || s.source_file,
       'submission:' || s.submission_id || '@' || left(s.content_sha256, 12), {structure_year}, s.origin = 'demo'
from raw.submission_values as s
join catalog as c on c.indicator_id = s.indicator_id and c.source_type = 'submission'
qualify row_number() over (partition by s.municipality_code, s.indicator_id, cast(s.year as integer)
                           order by cast(s.received_at as timestamp) desc, s.submission_id desc) = 1;

create or replace table floor_marts.indicator_values as
select v.municipality_code, v.indicator_id, v.year, v.value, v.status, v.source, v.provenance, v.structure_year,
       v.is_demo
from values_all as v join floor_marts.municipalities using (municipality_code);

-- int_indicators__thresholds and int_scoring__indicator_bounds: per indicator, from the base year's values
create or replace temp table per_year as
select indicator_id, year, count(*) as n_values from values_all where value is not null group by all;

create or replace temp table thresholds as
with base as (
    select indicator_id, coalesce(max(year) filter (where year = {base_year}), max(year)) as base_year
    from per_year group by indicator_id
),
stats as (
    select v.indicator_id, b.base_year, count(*) as n_values, quantile_cont(v.value, [0.25, 0.5, 0.75]) as q
    from values_all as v join base as b on b.indicator_id = v.indicator_id and b.base_year = v.year
    where v.value is not null
    group by all
),
rule as (
    select c.indicator_id, c.sign, c.green as cg, c.yellow as cy, c.orange as co, s.base_year, s.n_values,
           case when s.n_values >= {min_n} then case when c.direction = 'lower' then s.q[1] else s.q[3] end end as rg,
           case when s.n_values >= {min_n} then s.q[2] end as ry,
           case when s.n_values >= {min_n} then case when c.direction = 'lower' then s.q[3] else s.q[1] end end as ro
    from catalog as c left join stats as s using (indicator_id)
),
g as (select *, coalesce(cg, rg) as green from rule),
y as (select *, coalesce(cy, case when sign * (ry - green) > 0 then green else ry end) as yellow from g)
select indicator_id, green, yellow,
       coalesce(co, case when sign * (ro - yellow) > 0 then yellow else ro end) as orange,
       case when cg is not null and cy is not null and co is not null then 'catalog'
            when cg is null and cy is null and co is null then 'rule' else 'catalog+rule' end as thresholds_origin,
       case when cg is null or cy is null or co is null then base_year end as thresholds_base_year
from y;

create or replace temp table bounds as
with base as (
    select indicator_id,
           coalesce(max(year) filter (where year = {base_year} and n_values >= {min_n}),
                    max(year) filter (where n_values >= {min_n}),
                    max(year) filter (where year = {base_year}), max(year)) as base_year
    from per_year group by indicator_id
),
stats as (
    select v.indicator_id, count(*) as n_values, min(v.value) = max(v.value) as zero_variance,
           quantile_cont(v.value, [0.025, 0.975]) as q,
           list_avg(max(c.sign * v.value, 5)) * any_value(c.sign) as top5_mean
    from values_all as v
    join base as b on b.indicator_id = v.indicator_id and b.base_year = v.year
    join catalog as c on c.indicator_id = v.indicator_id
    where v.value is not null
    group by v.indicator_id
),
j as (
    select c.indicator_id, c.sign, b.base_year, coalesce(s.n_values, 0) as n_values, s.zero_variance,
           coalesce(c.lb, case when c.direction = 'lower' then s.q[2] else s.q[1] end) as data_worst,
           case when c.lb is not null then 'catalog_lb' else 'p2.5' end as data_worst_basis,
           cast(t.orange as double) as orange, coalesce(c.ub, s.top5_mean) as best,
           case when c.ub is not null then 'target' else 'top5_mean' end as best_basis
    from catalog as c
    left join base as b using (indicator_id)
    left join stats as s using (indicator_id)
    left join thresholds as t using (indicator_id)
),
w as (
    select *, coalesce(orange is not null and sign * (data_worst - orange) > 0, false) as at_orange from j
),
r as (
    select *, case when at_orange then orange else data_worst end as worst,
           case when at_orange then 'orange_threshold' else data_worst_basis end as worst_basis
    from w
),
reasoned as (
    select *, case when n_values = 0 then 'no_values' when n_values < {min_n} then 'too_few_municipalities'
                   when zero_variance then 'zero_variance' when sign * (best - worst) <= 0 then 'degenerate_bounds'
              end as withheld_reason
    from r
)
select indicator_id, base_year, cast(n_values as integer) as n_values,
       case when withheld_reason is null then worst end as worst,
       case when withheld_reason is null then best end as best,
       case when withheld_reason is null then worst_basis end as worst_basis,
       case when withheld_reason is null then best_basis end as best_basis, withheld_reason
from reasoned;

-- indicators (mart): the bounds and thresholds columns
create or replace table floor_marts.indicators as
select c.indicator_id, b.base_year as bounds_base_year, b.worst as bound_worst, b.best as bound_best, b.best_basis,
       t.green as threshold_green, t.yellow as threshold_yellow, t.orange as threshold_orange, b.worst_basis,
       cast(coalesce(b.n_values, 0) as integer) as bounds_municipalities, b.withheld_reason as scoring_withheld_reason,
       t.thresholds_origin, t.thresholds_base_year
from catalog as c left join bounds as b using (indicator_id) left join thresholds as t using (indicator_id);

-- int_scoring__indicator_scores and the indicator_scores mart: score, rating, 5-year trend
create or replace temp table scores as
with c as (
    select c.indicator_id, c.goal, c.in_index, c.sign, t.green, t.yellow, t.orange, b.worst, b.best
    from catalog as c left join thresholds as t using (indicator_id) left join bounds as b using (indicator_id)
),
scored as (
    select v.*, c.goal, c.in_index, c.sign, c.green, c.worst is not null as is_scored,
           case when v.value is null or c.worst is null then null
                else greatest(0.0, least(100.0, 100.0 * (v.value - c.worst) / (c.best - c.worst))) end as score,
           case when v.value is null or c.worst is null or c.green is null or c.yellow is null or c.orange is null
                    then null
                when c.sign * (v.value - c.green) >= 0 then 'green'
                when c.sign * (v.value - c.yellow) >= 0 then 'yellow'
                when c.sign * (v.value - c.orange) >= 0 then 'orange' else 'red' end as rating
    from floor_marts.indicator_values as v join c using (indicator_id)
),
windowed as (
    select *,
           case when value is not null then arg_min(value, year) filter (where value is not null) over w end
               as start_value,
           case when value is not null then min(year) filter (where value is not null) over w end as start_year
    from scored
    window w as (partition by municipality_code, indicator_id order by year range between 5 preceding and 2 preceding)
),
trended as (
    select *, sign * (value - start_value) / (year - start_year) as annual_change,
           case when green is not null and start_year is not null and start_year < 2030
                then sign * (green - start_value) / (2030 - start_year) end as needed_annual_change
    from windowed
)
select municipality_code, indicator_id, goal, year, value, status, source, provenance, score, rating, is_demo,
       start_year as trend_start_year, annual_change, needed_annual_change, in_index, structure_year,
       case when not is_scored or annual_change is null or needed_annual_change is null then null
            when needed_annual_change <= 0 then
                case when sign * (value - green) >= 0 then 'on track' else 'decreasing' end
            when annual_change >= needed_annual_change then 'on track'
            when annual_change > 0.5 * needed_annual_change then 'moderately improving'
            when annual_change >= 0 then 'stagnating' else 'decreasing' end as trend
from trended;

create or replace table floor_marts.indicator_scores as
select municipality_code, indicator_id, goal, year, value, status, source, provenance, round(score, 4) as score,
       rating, is_demo, round(100 - score, 4) as distance_to_target, trend, trend_start_year, annual_change,
       needed_annual_change, in_index, structure_year
from scores;

-- int_scoring__goal_scores and the goal_scores mart: coverage rule, ranks nationally and in the peer group
create or replace table floor_marts.goal_scores as
with totals as (
    select cast(goal as integer) as goal, count(*) as indicators_total from catalog where in_index group by all
),
agg as (
    select municipality_code, goal, year, avg(score) as mean_score, count(score) as used,
           avg(case trend when 'on track' then 4 when 'moderately improving' then 3 when 'stagnating' then 2
                          when 'decreasing' then 1 end) as trend_points,
           count(trend) as with_trend, count(rating) as rated,
           list_avg(min(case rating when 'green' then 4 when 'yellow' then 3 when 'orange' then 2
                                    when 'red' then 1 end, 2)) as rating_points
    from scores where in_index group by all
),
grid as (
    select m.municipality_code, m.size_class, cast(g.goal as integer) as goal, y.year
    from floor_marts.municipalities as m cross join reference.sdg_goals as g
    cross join (select distinct year from values_all) as y
),
g as (
    select grid.municipality_code, grid.size_class, grid.goal, grid.year, t.indicators_total,
           case when a.used > 0 and a.used * 2 >= t.indicators_total then a.mean_score end as score,
           case when not (a.used * 2 >= t.indicators_total and a.rated * 2 >= t.indicators_total)
                     or a.rating_points is null then null
                when a.rating_points >= 4 then 'green' when a.rating_points >= 3 then 'yellow'
                when a.rating_points > 1 then 'orange' else 'red' end as rating,
           case when not (a.used * 2 >= t.indicators_total and a.with_trend * 2 >= t.indicators_total)
                     or a.trend_points is null then null
                when a.trend_points >= 3.5 then 'on track' when a.trend_points >= 2.5 then 'moderately improving'
                when a.trend_points >= 1.5 then 'stagnating' else 'decreasing' end as trend,
           cast(coalesce(a.used, 0) as integer) as indicators_used,
           cast(coalesce(a.with_trend, 0) as integer) as indicators_with_trend
    from grid
    left join agg as a using (municipality_code, goal, year)
    left join totals as t using (goal)
)
select municipality_code, goal, year, round(score, 2) as score, rating, trend, indicators_used,
       cast(coalesce(indicators_total, 0) as integer) as indicators_total, {structure_year} as structure_year,
       round(indicators_used / nullif(coalesce(indicators_total, 0), 0), 4) as coverage,
       round(100 - score, 2) as distance_to_target,
       cast(case when score is not null then rank() over (partition by goal, year order by score desc nulls last) end
            as integer) as rank,
       size_class as peer_group,
       cast(case when score is not null then
            rank() over (partition by goal, year, size_class order by score desc nulls last) end as integer) as peer_rank,
       indicators_with_trend, (select is_demo from run) as is_demo
from g;

-- sdg_index (mart)
create or replace table floor_marts.sdg_index as
with p as (
    select g.municipality_code, g.year, avg(g.score) as mean_goal_score, count(g.score) as goals_scored,
           sum(g.indicators_used) as indicators_used, sum(g.indicators_total) as indicators_total,
           any_value(g.peer_group) as size_class
    from floor_marts.goal_scores as g group by g.municipality_code, g.year
),
i as (
    select *, case when indicators_used >= 0.8 * indicators_total then round(mean_goal_score, 2) end as score from p
)
select municipality_code, year, score,
       cast(case when score is not null then rank() over (partition by year order by score desc nulls last) end
            as integer) as rank,
       cast(goals_scored as integer) as goals_scored, cast(indicators_used as integer) as indicators_used,
       cast(indicators_total as integer) as indicators_total,
       round(indicators_used / nullif(indicators_total, 0), 4) as coverage, size_class as peer_group,
       cast(case when score is not null then
            rank() over (partition by year, size_class order by score desc nulls last) end as integer) as peer_rank,
       cast(count(score) over (partition by year, size_class) as integer) as peer_group_scored,
       (select is_demo from run) as is_demo
from i;
