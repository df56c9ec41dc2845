-- The DuckDB floor: the refresh's transformations as one hand-written DuckDB script over the same snapshot
-- files (bench/floor.py fills in the snapshot and catalog paths). No Dagster, dbt, pandas or
-- Python parsing: DuckDB reads the JSON-stat files itself. Same steps as the pipeline: JSON-stat -> long
-- rows, region classification, crosswalk onto the target structure (grouped: sum / population-weighted
-- mean), catalog indicators with population and series denominators, bounds from the base year
-- (2.5th percentile, mean of top 5), scores, ratings, 5-year trends, goal scores on the unit x goal x year
-- grid, index with ranks; every mart written as a table.
set preserve_insertion_order = false;

create or replace table units as select * from read_csv('{snapshot}/units.csv', all_varchar = true);

create or replace table catalog as select * from read_csv('{catalog}', all_varchar = true);

create or replace table docs as
select filename, id, size, dimension, value, status
from read_json('{snapshot}/tables/*/data-*.json', filename = true, maximum_object_size = 67108864,
               columns = {{id: 'VARCHAR[]', size: 'BIGINT[]', dimension: 'JSON', value: 'DOUBLE[]', status: 'JSON'}});

-- dimension codes in index order (SSB writes category.index in position order)
create or replace table dim_codes as
select filename, d.k as dim_pos, d.name as dim_id,
       json_keys(dimension, '$."' || d.name || '".category.index') as codes
from docs, (select unnest(id) as name, unnest(range(1, len(id) + 1)) as k) as d;

create or replace table file_dims as  -- per file: the code lists of region, contents and time
select filename, id, size,
       list_reduce(size[2:], lambda a, b: a * b) as per_region, size[len(size)] as n_t, size[len(size) - 1] as n_c,
       json_keys(dimension, '$."' || id[1] || '".category.index') as region_codes,
       json_keys(dimension, '$.ContentsCode.category.index') as contents_codes,
       json_keys(dimension, '$.Tid.category.index') as periods
from docs;

create or replace table statuses as
select filename, cast(k as bigint) as pos, json_extract_string(status, '$."' || k || '"') as status
from (select filename, status, unnest(json_keys(status)) as k from docs);

create or replace table codes as  -- (file, dimension role, position) -> code
select filename, 'region' as role, unnest(region_codes) as code, unnest(range(len(region_codes))) as i
from file_dims
union all
select filename, 'contents', unnest(contents_codes), unnest(range(len(contents_codes))) from file_dims
union all
select filename, 'period', unnest(periods), unnest(range(len(periods))) from file_dims;

create or replace table raw_obs as
with cells as (
    select filename, unnest(value) as value, unnest(range(len(value))) as pos from docs
),
located as (
    select c.filename, c.pos, c.value, c.pos // f.per_region as r, (c.pos // f.n_t) % f.n_c as k, c.pos % f.n_t as t
    from cells as c join (select filename, per_region, n_t, n_c from file_dims) as f using (filename)
)
select
    split_part(l.filename, '/', -2) as table_id,
    cr.code as region, cc.code as contents_code, cp.code as period, l.value, s.status
from located as l
join codes as cr on cr.filename = l.filename and cr.role = 'region' and cr.i = l.r
join codes as cc on cc.filename = l.filename and cc.role = 'contents' and cc.i = l.k
join codes as cp on cp.filename = l.filename and cp.role = 'period' and cp.i = l.t
left join statuses as s on s.filename = l.filename and s.pos = l.pos;

create or replace table filters as  -- the non-region/contents/time dimensions of each file (one code each)
select filename, split_part(filename, '/', -2) as table_id,
       coalesce(string_agg(dim_id || '=' || codes[1], ';' order by dim_id), '') as filters
from dim_codes
where dim_pos > 1 and dim_id not in ('ContentsCode', 'Tid')
group by all;

create or replace table obs as
select o.table_id, o.contents_code, coalesce(f.filters, '') as filters,
       regexp_replace(o.region, '^K-', '') as region_code, cast(left(o.period, 4) as integer) as year,
       case when o.status in ('..', '...', ':', '.') then null
            when o.status = '-' then coalesce(o.value, 0) else o.value end as value, o.status
from raw_obs as o
left join (select distinct table_id, filters from filters) as f using (table_id)
where o.region <> '0000' and regexp_full_match(o.region, '(K-)?[0-9]+');

create or replace table xw as
select municipality_code as from_code, municipality_code as to_code, 1.0 as weight,
       cast(population_2024 as double) as from_population
from units;

create or replace table series as
select o.table_id, o.contents_code, o.filters, x.to_code as municipality_code, o.year,
       sum(o.value * x.weight * x.from_population) / nullif(sum(x.weight * x.from_population), 0) as value,
       max(o.status) as status, count(*) as n_sources
from obs as o inner join xw as x on x.from_code = o.region_code
group by all;

create or replace table population as
select municipality_code, year, value as population from series where table_id = '07459';

create or replace table indicator_values as
select s.municipality_code, c.indicator_id, cast(c.goal as integer) as goal, s.year,
       case when c.denominator = 'population' then s.value / nullif(p.population, 0) * coalesce(cast(c.scale as double), 1)
            when starts_with(coalesce(c.denominator, ''), 'ssb:') then s.value / nullif(d.value, 0) * coalesce(cast(c.scale as double), 1)
            else s.value * coalesce(cast(c.scale as double), 1) end as value,
       s.status, 'SSB ' || s.table_id || ' ' || s.contents_code as source
from series as s
inner join catalog as c
    on c.source_type = 'ssb' and c.table_id = s.table_id and c.contents_code = s.contents_code
    and coalesce(c.filters, '') = s.filters
left join population as p on p.municipality_code = s.municipality_code and p.year = s.year
left join series as d
    on starts_with(coalesce(c.denominator, ''), 'ssb:') and d.table_id = split_part(c.denominator, ':', 2)
    and d.contents_code = split_part(c.denominator, ':', 3) and d.filters = split_part(c.denominator, ':', 4)
    and d.municipality_code = s.municipality_code and d.year = s.year;

create or replace table bounds as
with base as (
    select indicator_id, coalesce(max(year) filter (where year = 2022), max(year)) as base_year
    from indicator_values where value is not null group by all
),
ranked as (
    select v.indicator_id, v.value,
           row_number() over (partition by v.indicator_id
                              order by case when c.direction = 'lower' then v.value else -v.value end) as r
    from indicator_values as v join base using (indicator_id) join catalog as c using (indicator_id)
    where v.year = base.base_year and v.value is not null
)
select r.indicator_id, any_value(c.direction) as direction,
       coalesce(try_cast(any_value(c.lb) as double),
                case when any_value(c.direction) = 'lower' then quantile_cont(r.value, 0.975)
                     else quantile_cont(r.value, 0.025) end) as worst,
       coalesce(try_cast(any_value(c.ub) as double), avg(r.value) filter (where r.r <= 5)) as best
from ranked as r join catalog as c using (indicator_id)
group by r.indicator_id;

create or replace table indicator_scores as
with scored as (
    select v.*, case when b.direction = 'lower' then -1.0 else 1.0 end as sign,
           try_cast(c.green as double) as green, try_cast(c.yellow as double) as yellow,
           try_cast(c.orange as double) as orange, c.in_index = 'true' as in_index,
           case when v.value is null or b.best is null then null
                when (case when b.direction = 'lower' then -1.0 else 1.0 end) * (b.best - b.worst) <= 0 then 0.0
                else greatest(0.0, least(100.0, 100.0 * (v.value - b.worst) / (b.best - b.worst))) end as score
    from indicator_values as v join bounds as b using (indicator_id) join catalog as c using (indicator_id)
),
trended as (  -- start of the trend window: earliest year with a value in [t-5, t-2]
    select *,
           case when value is not null then min(year) filter (where value is not null) over w end as start_year,
           case when value is not null then arg_min(value, year) filter (where value is not null) over w end
               as start_value
    from scored
    window w as (partition by municipality_code, indicator_id order by year
                 range between 5 preceding and 2 preceding)
)
select *,
       case when value is null or green is null then null
            when sign * (value - green) >= 0 then 'green' when sign * (value - yellow) >= 0 then 'yellow'
            when sign * (value - orange) >= 0 then 'orange' else 'red' end as rating,
       case when start_year is null or green is null then null
            when sign * (value - start_value) / (year - start_year)
                 >= sign * (green - start_value) / (2030 - start_year) then 'on track'
            when sign * (value - start_value) > 0 then 'moderately improving'
            when sign * (value - start_value) = 0 then 'stagnating' else 'decreasing' end as trend
from trended;

create or replace table goal_scores as
with totals as (
    select cast(goal as integer) as goal, count(*) as n_total from catalog where in_index = 'true' group by all
),
agg as (
    select municipality_code, goal, year, avg(score) as mean_score, count(score) as used,
           min(case rating when 'green' then 4 when 'yellow' then 3 when 'orange' then 2 when 'red' then 1 end)
               as worst_points
    from indicator_scores where in_index group by all
),
grid as (
    select u.municipality_code, g.goal, y.year
    from units as u cross join range(1, 18) as g(goal) cross join (select distinct year from indicator_values) as y
)
select grid.*, case when a.used * 2 >= t.n_total then round(a.mean_score, 2) end as score,
       coalesce(a.used, 0) as indicators_used, coalesce(t.n_total, 0) as indicators_total, a.worst_points,
       rank() over (partition by grid.goal, grid.year order by a.mean_score desc nulls last) as rank
from grid left join agg as a using (municipality_code, goal, year) left join totals as t using (goal);

create or replace table sdg_index as
select municipality_code, year, round(avg(score), 2) as score, count(score) as goals_scored,
       rank() over (partition by year order by avg(score) desc nulls last) as rank
from goal_scores group by municipality_code, year;

create or replace table municipalities as
select u.*, p.population from units as u
left join (select municipality_code, arg_max(population, year) as population from population group by all) as p
    using (municipality_code);
