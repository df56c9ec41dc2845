-- The 17 goals with their official colours and how many catalog indicators count towards each.
with counts as (
    select
        cast(goal as integer) as goal,
        count(*) filter (where in_index) as indicators_total,
        count(*) as indicators_catalog
    from {{ ref('indicator_catalog') }}
    group by goal
)

select
    cast(g.goal as integer) as goal,
    g.name_nb,
    g.name_en,
    g.colour,
    cast(coalesce(c.indicators_total, 0) as integer) as indicators_total,
    cast(coalesce(c.indicators_catalog, 0) as integer) as indicators_catalog,
    {{ run_is_demo() }} as is_demo
from {{ ref('sdg_goals') }} as g
left join counts as c on c.goal = cast(g.goal as integer)
