-- The U4SSC KPI seed: every range has min < max, and no code or alias spelling (spacing and case ignored)
-- names two KPIs, so a submitted code resolves to exactly one KPI.
{{ config(meta={'dagster': {'ref': {'name': 'u4ssc_kpi_codes'}}}) }}  -- a Dagster asset check on u4ssc_kpi_codes
with spellings as (
    select kpi_id, {{ u4ssc_code_key('u4ssc_code') }} as code_key from {{ ref('u4ssc_kpi_codes') }}
    union all
    select kpi_id, {{ u4ssc_code_key('alias') }} as code_key
    from {{ ref('u4ssc_kpi_codes') }}, unnest(string_split(coalesce(alias_codes, ''), '|')) as a(alias)
    where trim(alias) <> ''
)

select kpi_id, 'range_min >= range_max' as problem
from {{ ref('u4ssc_kpi_codes') }}
where not range_min < range_max
union all
select min(kpi_id), 'spelling ' || code_key || ' names ' || count(distinct kpi_id) || ' KPIs'
from spellings
group by code_key
having count(distinct kpi_id) > 1
