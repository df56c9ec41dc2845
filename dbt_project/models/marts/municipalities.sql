-- Municipalities of the target structure with county, latest population, peer group (size class) and
-- membership of the SDG network (seed sdg_network, municipality rows).
with latest_pop as (
    select municipality_code, population
    from {{ ref('int_ssb__population') }}
    where population is not null
    qualify row_number() over (partition by municipality_code order by year desc) = 1
),

base as (
    select
        m.municipality_code,
        m.municipality_name,
        m.county_code,
        c.county_name,
        cast(coalesce(p.population, m.population_2024) as bigint) as population
    from {{ ref('municipalities_2024') }} as m
    inner join {{ ref('counties_2024') }} as c using (county_code)
    left join latest_pop as p using (municipality_code)
)

select
    b.municipality_code,
    b.municipality_name,
    b.county_code,
    b.county_name,
    {{ var('structure_year') }} as structure_year,
    b.population,
    cast(s.size_class as integer) as size_class,
    s.name_nb as size_class_name_nb,
    s.name_en as size_class_name_en,
    n.member_code is not null as in_sdg_network,
    cast(n.joined_year as integer) as sdg_network_joined_year,
    {{ run_is_demo() }} as is_demo
from base as b
left join {{ ref('sdg_network') }} as n
    on n.member_kind = 'municipality' and n.member_code = b.municipality_code
left join {{ ref('size_classes') }} as s
    on b.population >= s.min_population and (s.max_population is null or b.population <= s.max_population)
