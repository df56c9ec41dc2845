-- Municipal SSB observations with the KLASS structure their codes are on (source_structure_year) and every
-- (from_code -> to_code, weight) row of the crosswalk onto var('structure_year').
-- All codes of one table and year share one structure: the structure year nearest the data year that knows
-- every code (SSB's vs_ codes are on the year's own structure; K- codes from agg_KommSummer on the structure
-- of the day they were fetched). A code that structure does not know falls back to its data year, else to
-- the latest structure where the code was valid.
{% set target_year = var('structure_year') %}

with obs as (
    -- '.' = the category cannot occur (e.g. a municipality that did not exist that year): not data
    select * from {{ ref('stg_ssb__observations') }}
    where region_kind = 'municipality' and not (value is null and coalesce(status, '') = '.')
),

xw as (
    select * from {{ ref('klass_crosswalk') }} where to_year = {{ target_year }}
),

code_years as (
    select distinct from_code as code, from_year from xw
),

batch_codes as (
    select distinct table_id, year, region_code from obs
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

located as (
    select
        b.table_id,
        b.region_code,
        b.year,
        coalesce(
            max(case when cy.from_year = bs.batch_year then cy.from_year end),
            max(case when cy.from_year = b.year then cy.from_year end),
            max(cy.from_year)
        ) as source_structure_year
    from batch_codes as b
    inner join batch_structure as bs on bs.table_id = b.table_id and bs.year = b.year
    inner join code_years as cy on cy.code = b.region_code
    group by b.table_id, b.region_code, b.year
)

select
    o.table_id,
    o.contents_code,
    o.filters,
    o.region_code as from_code,
    l.source_structure_year,
    x.to_code as municipality_code,
    x.weight,
    x.from_population,
    x.change_type,
    o.year,
    o.value,
    o.status,
    o.source_file,
    o.sha256,
    o.snapshot_kind
from obs as o
inner join located as l on l.table_id = o.table_id and l.region_code = o.region_code and l.year = o.year
inner join xw as x on x.from_year = l.source_structure_year and x.from_code = o.region_code
