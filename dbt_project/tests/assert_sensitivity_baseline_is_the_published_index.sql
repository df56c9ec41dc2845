-- The sensitivity baseline is the published index: same score and rank for every municipality-year, the same
-- set of municipality-years, and the rank interval contains the published rank.
with baseline as (
    select * from {{ ref('score_sensitivity') }} where scenario = 'baseline'
),

published as (
    select * from {{ ref('sdg_index') }} where score is not null
)

select coalesce(b.municipality_code, p.municipality_code) as municipality_code, coalesce(b.year, p.year) as year
from baseline as b
full outer join published as p using (municipality_code, year)
where b.score is distinct from p.score
    or b.rank is distinct from p.rank
    or p.rank not between b.rank_low and b.rank_high
