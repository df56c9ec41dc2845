-- Municipalities of the target structure with county and latest population.
with latest_pop as (
    select municipality_code, population
    from {{ ref('int_population') }}
    qualify row_number() over (partition by municipality_code order by year desc) = 1
)

select
    m.municipality_code,
    m.municipality_name,
    m.county_code,
    c.county_name,
    {{ var('structure_year') }} as structure_year,
    cast(coalesce(p.population, m.population_2024) as bigint) as population
from {{ ref('municipalities_2024') }} as m
inner join {{ ref('counties_2024') }} as c using (county_code)
left join latest_pop as p using (municipality_code)
