-- U4SSC KPIs submitted as themselves (no submittable catalog indicator carries their code, so the intake
-- stored them under the seed's kpi_id): the current version per municipality, KPI and year.
select
    s.municipality_code,
    k.u4ssc_code,
    s.indicator_id as kpi_id,
    s.year,
    s.value,
    'submission ' || s.source_file as source,
    'submission:' || s.submission_id || '@' || left(s.content_sha256, 12) as provenance,
    -- the bundled demo submission is synthetic (file name demo_*), as in int_indicators__values
    starts_with(lower(s.source_file), 'demo_') as is_demo
from {{ ref('stg_submissions__values') }} as s
inner join {{ ref('u4ssc_kpi_codes') }} as k on k.kpi_id = s.indicator_id
qualify row_number() over (
    partition by s.municipality_code, s.indicator_id, s.year
    order by s.received_at desc, s.submission_id desc
) = 1
