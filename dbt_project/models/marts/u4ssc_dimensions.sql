-- U4SSC KPIs rolled up by U4SSC dimension (economy, environment, society and culture) per municipality and
-- year: how many of the dimension's KPIs have a value (from SSB or submissions) and the mean U4SSC points of
-- those with a benchmark. mean_points is NULL when no KPI of the dimension has points.
select
    municipality_code,
    dimension,
    year,
    cast(count(*) as integer) as kpis_total,
    cast(count(value) as integer) as kpis_reported,
    cast(count(*) filter (where data_status = 'ssb') as integer) as kpis_from_ssb,
    cast(count(*) filter (where data_status = 'submission') as integer) as kpis_from_submissions,
    round(count(value) / count(*), 4) as reported_share,
    cast(count(points) as integer) as kpis_with_points,
    round(avg(points), 2) as mean_points,
    bool_or(is_demo) as is_demo
from {{ ref('u4ssc_kpis') }}
group by municipality_code, dimension, year
