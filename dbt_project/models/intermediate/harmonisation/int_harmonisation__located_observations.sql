-- Municipal SSB observations with the KLASS structure their codes are on (source_structure_year) and every
-- (from_code -> to_code, weight) row of the crosswalk onto var('structure_year').
-- All codes of one table and year share one structure: the structure year nearest the data year that knows
-- every code (SSB's vs_ codes are on the year's own structure; K- codes from agg_KommSummer on the structure
-- of the day they were fetched). A code that structure does not know falls back to its data year, else to
-- the latest structure where the code was valid.
-- Cost: one hash join of every observation against the batch structure's crosswalk rows; only the few codes
-- the batch structure does not know take the per-code fallback (docs/benchmarks.md).
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

on_batch as (
    -- every observation with the crosswalk rows of its batch structure (none when that structure lacks the code)
    select
        o.*,
        bs.batch_year,
        x.to_code,
        x.weight,
        x.from_population,
        x.change_type
    from obs as o
    inner join batch_structure as bs on bs.table_id = o.table_id and bs.year = o.year
    left join xw as x on x.from_year = bs.batch_year and x.from_code = o.region_code
),

fallback_codes as (
    -- codes the batch structure does not know: their data year's structure, else the latest that knows them
    select
        u.table_id,
        u.region_code,
        u.year,
        coalesce(max(case when cy.from_year = u.year then cy.from_year end), max(cy.from_year))
            as source_structure_year
    from (select distinct table_id, region_code, year from on_batch where to_code is null) as u
    inner join code_years as cy on cy.code = u.region_code
    group by all
),

located as (
    select
        table_id, contents_code, filters, region_code, batch_year as source_structure_year,
        to_code, weight, from_population, change_type, year, value, status, source_file, sha256, snapshot_kind
    from on_batch
    where to_code is not null
    union all
    select
        o.table_id, o.contents_code, o.filters, o.region_code, f.source_structure_year,
        x.to_code, x.weight, x.from_population, x.change_type, o.year, o.value, o.status, o.source_file,
        o.sha256, o.snapshot_kind
    from on_batch as o
    inner join fallback_codes as f on f.table_id = o.table_id and f.region_code = o.region_code and f.year = o.year
    inner join xw as x on x.from_year = f.source_structure_year and x.from_code = o.region_code
    where o.to_code is null
)

select
    table_id,
    contents_code,
    filters,
    region_code as from_code,
    source_structure_year,
    to_code as municipality_code,
    weight,
    from_population,
    change_type,
    year,
    value,
    status,
    source_file,
    sha256,
    snapshot_kind
from located
