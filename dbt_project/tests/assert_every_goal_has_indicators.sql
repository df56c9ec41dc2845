-- Every goal 1-17 has at least two catalog indicators and at least one that counts towards goal scores.
select g.goal, g.indicators_catalog, g.indicators_total
from {{ ref('goals') }} as g
where g.indicators_catalog < 2 or g.indicators_total < 1
