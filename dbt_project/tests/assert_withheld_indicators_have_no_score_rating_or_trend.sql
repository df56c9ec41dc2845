-- An indicator withheld from scoring (marts.indicators.scoring_withheld_reason) is published with its values
-- only: no score, distance to target, rating or trend in any row (docs/methodology.md section 2).
{{ config(meta={'dagster': {'ref': {'name': 'indicator_scores'}}}) }}
select s.indicator_id, s.municipality_code, s.year, i.scoring_withheld_reason, s.score, s.rating, s.trend
from {{ ref('indicator_scores') }} as s
inner join {{ ref('indicators') }} as i using (indicator_id)
where i.scoring_withheld_reason is not null
    and (s.score is not null or s.distance_to_target is not null or s.rating is not null or s.trend is not null)
