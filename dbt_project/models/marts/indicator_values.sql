-- Every indicator value on the target structure, traceable to its source and snapshot/submission.
select
    v.municipality_code,
    v.indicator_id,
    v.year,
    v.value,
    v.status,
    v.source,
    v.provenance,
    v.structure_year,
    v.is_demo
from {{ ref('int_indicators__values') }} as v
inner join {{ ref('municipalities') }} as m using (municipality_code)
