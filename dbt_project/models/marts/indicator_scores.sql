-- Normalised 0-100 score, dashboard rating, OECD distance to target and trend per indicator value.
select
    s.municipality_code,
    s.indicator_id,
    s.goal,
    s.year,
    s.value,
    s.status,
    s.source,
    s.provenance,
    round(s.score, 4) as score,
    s.rating,
    s.is_demo,
    round(100 - s.score, 4) as distance_to_target,
    s.trend,
    s.trend_start_year,
    s.annual_change,
    s.needed_annual_change,
    s.in_index,
    s.structure_year
from {{ ref('int_scoring__indicator_scores') }} as s
inner join {{ ref('municipalities') }} as m using (municipality_code)
