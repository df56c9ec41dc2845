select
    cast(goal as integer) as goal,
    name_nb,
    name_en,
    colour
from {{ ref('sdg_goals') }}
