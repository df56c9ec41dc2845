-- Municipal SSB observations with the KLASS structure their codes are on (source_structure_year) and every
-- (from_code -> to_code, weight) row of the crosswalk onto var('structure_year').
-- All codes of one table and year share one structure: the structure year nearest the data year that knows
-- every code (SSB's vs_ codes are on the year's own structure; K- codes from agg_KommSummer on the structure
-- of the day they were fetched). A code that structure does not know falls back to its data year, else to
-- the latest structure where the code was valid.
-- Cost: one pass over the observations with hash joins against small tables (batch structures, the codes of
-- each structure year, the fallback of the few codes a reform changed), then the crosswalk (docs/benchmarks.md).
{% set target_year = var('structure_year') %}
{#- '.' = the category cannot occur (e.g. a municipality that did not exist that year): not data -#}
{% set municipal_data %}
    region_kind = 'municipality' and not (value is null and coalesce(status, '') = '.')
{% endset %}

with xw as (
    select * from {{ ref('klass_crosswalk') }} where to_year = {{ target_year }}
),

code_years as (
    select distinct from_code as code, from_year from xw
),

batch_codes as (
    select distinct table_id, year, region_code from {{ ref('stg_ssb__observations') }} where {{ municipal_data }}
),

coverage as (
    select
        b.table_id,
        b.year,
        cy.from_year as candidate,
        count(*) as covered
    from batch_codes as b
    inner join code_years as cy on cy.code = b.region_code
    group by all
),

batch_structure as (
    select table_id, year, candidate as batch_year
    from coverage
    qualify row_number() over (
        partition by table_id, year
        order by covered desc, abs(candidate - year), candidate desc
    ) = 1
),

partial_codes as (
    -- codes some structure year does not know (changed in a reform): only they can need the fallback
    select code from code_years
    group by code
    having count(*) < (select count(distinct from_year) from code_years)
),

fallback as (
    -- per partial code and data year: the data year's structure if it knows the code, else the latest that does
    select
        p.code,
        y.year,
        coalesce(max(case when cy.from_year = y.year then cy.from_year end), max(cy.from_year)) as structure_year
    from partial_codes as p
    cross join (select distinct year from batch_structure) as y
    inner join code_years as cy on cy.code = p.code
    group by all
),

located as (
    -- one pass over the observations: the batch structure where it knows the code, else the fallback
    select
        o.*,
        case when known.code is not null then bs.batch_year else fb.structure_year end as source_structure_year
    from {{ ref('stg_ssb__observations') }} as o
    inner join batch_structure as bs on bs.table_id = o.table_id and bs.year = o.year
    left join code_years as known on known.code = o.region_code and known.from_year = bs.batch_year
    left join fallback as fb on fb.code = o.region_code and fb.year = o.year
    where {{ municipal_data }}
)

select
    l.table_id,
    l.contents_code,
    l.filters,
    l.region_code as from_code,
    l.source_structure_year,
    x.to_code as municipality_code,
    x.weight,
    x.from_population,
    x.change_type,
    l.year,
    l.value,
    l.status,
    l.source_file,
    l.sha256,
    l.snapshot_kind
from located as l
inner join xw as x on x.from_year = l.source_structure_year and x.from_code = l.region_code
