-- marts.u4ssc_kpis has every seed KPI for every municipality in every year it covers, and the dimension
-- rollup counts every KPI once.
{{ config(meta={'dagster': {'ref': {'name': 'u4ssc_kpis'}}}) }}  -- a Dagster asset check on u4ssc_kpis
with expected as (
    select
        (select count(*) from {{ ref('u4ssc_kpi_codes') }}) as codes,
        (select count(*) from {{ ref('municipalities') }}) as municipalities
),

per_year as (
    select year, count(*) as n_rows, count(distinct u4ssc_code) as n_codes
    from {{ ref('u4ssc_kpis') }}
    group by year
),

rollup as (
    select municipality_code, year, sum(kpis_total) as kpis
    from {{ ref('u4ssc_dimensions') }}
    group by municipality_code, year
)

select 'year ' || p.year || ': ' || p.n_codes || ' codes, ' || p.n_rows || ' rows' as problem
from per_year as p, expected as e
where p.n_codes <> e.codes or p.n_rows <> e.codes * e.municipalities
union all
select 'rollup ' || r.municipality_code || ' ' || r.year || ': ' || r.kpis || ' KPIs'
from rollup as r, expected as e
where r.kpis <> e.codes
