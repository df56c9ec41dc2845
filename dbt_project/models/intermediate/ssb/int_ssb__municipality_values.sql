-- SSB series on the target municipality structure (var structure_year, default 2024), DESIGN section 4.
-- Per contents code (seed klass_aggregation, generated from pipeline/catalog/ssb_tables.yaml):
--   sum                counts: sum of value * weight (a split municipality's count is shared by population)
--   mean_pop_weighted  rates and levels: mean weighted by the population of the source municipalities
--                      (a split part keeps the whole's rate)
--   ratio              recomputed as scale * harmonised numerator / harmonised denominator
-- A target value is NULL when any source municipality it needs is missing or has no value (a sum over
-- part of a merged municipality would be wrong); status then carries the source's symbol, or '..'.
{% set target_year = var('structure_year') %}
{% set located = ref('int_harmonisation__located_observations') %}
{#- The ratio path joins the harmonised values with themselves; it is planned only when the seed has ratio
    contents, so the bulk streams from the located observations to this table in one pass. A unit test (whose
    inputs are CTEs, not tables, so cannot be queried here) always plans it: it gives the same rows either way. -#}
{% set has_ratios = true %}
{% if execute and model.resource_type != 'unit_test' %}
    {% set has_ratios = run_query(
        "select count(*) from " ~ ref('klass_aggregation') ~ " where aggregation = 'ratio'").columns[0].values()[0] > 0 %}
{% endif %}

with aggregation as (
    select * from {{ ref('klass_aggregation') }}
),

expected as (
    -- how many source codes each target code needs, per source structure
    select from_year, to_code, count(distinct from_code) as n_expected
    from {{ ref('klass_crosswalk') }}
    where to_year = {{ target_year }}
    group by from_year, to_code
),

target_sources as (
    -- target codes fed by one source code in every structure: each of their cells has one source row
    select to_code, count(distinct from_code) = 1 as single_source
    from {{ ref('klass_crosswalk') }}
    where to_year = {{ target_year }}
    group by to_code
),

single as (
    -- the bulk (unchanged and recoded codes): the one-row case of `grouped`, with no aggregation
    select
        table_id,
        contents_code,
        filters,
        municipality_code,
        year,
        aggregation,
        source_structure_year,
        1 as n_sources,
        case when value is not null then 1 else 0 end as n_with_value,
        1 as n_expected,
        value * weight as sum_value,
        value * weight * from_population / nullif(weight * from_population, 0) as mean_value,
        status,
        change_type as harmonisation,
        source_file,
        sha256,
        snapshot_kind
    from (
        select l.*, coalesce(a.aggregation, 'mean_pop_weighted') as aggregation
        from {{ located }} as l
        inner join target_sources as t on t.to_code = l.municipality_code and t.single_source
        left join aggregation as a on a.table_id = l.table_id and a.contents_code = l.contents_code
    )
),

grouped as (
    -- target codes with several source codes (merges, splits, code changes with mixed codes in one batch)
    select
        l.table_id,
        l.contents_code,
        l.filters,
        l.municipality_code,
        l.year,
        coalesce(a.aggregation, 'mean_pop_weighted') as aggregation,
        min(l.source_structure_year) as source_structure_year,
        count(distinct l.from_code) as n_sources,
        count(distinct l.from_code) filter (where l.value is not null) as n_with_value,
        max(e.n_expected) as n_expected,
        sum(l.value * l.weight) as sum_value,
        sum(l.value * l.weight * l.from_population) / nullif(sum(l.weight * l.from_population), 0) as mean_value,
        case
            when count(distinct coalesce(l.status, '')) = 1 then max(l.status)
            else string_agg(distinct l.status, ' ' order by l.status)
        end as status,
        case
            when count(*) = 1 then max(l.change_type)
            else string_agg(distinct l.change_type, '+' order by l.change_type)
        end as harmonisation,
        min(l.source_file) as source_file,
        min(l.sha256) as sha256,
        min(l.snapshot_kind) as snapshot_kind
    from {{ located }} as l
    left join target_sources as t on t.to_code = l.municipality_code
    left join aggregation as a on a.table_id = l.table_id and a.contents_code = l.contents_code
    left join expected as e on e.from_year = l.source_structure_year and e.to_code = l.municipality_code
    where not coalesce(t.single_source, false)
    group by all
),

valued as (
    select
        *,
        case
            when n_with_value < n_expected then null
            when aggregation = 'sum' then sum_value
            else mean_value
        end as value
    from (select * from single union all select * from grouped)
),

{% if has_ratios %}
ratio_parts as (
    -- only the numerator and denominator series of ratio contents (none in today's catalog)
    select v.table_id, v.contents_code, v.filters, v.municipality_code, v.year, v.value, v.status
    from valued as v
    where exists (
        select 1 from aggregation as a
        where a.aggregation = 'ratio' and a.table_id = v.table_id
        and v.contents_code in (a.numerator, a.denominator)
    )
),

ratios as (
    -- ratio contents recomputed from the harmonised numerator and denominator of the same table
    select
        v.table_id, v.contents_code, v.filters, v.municipality_code, v.year,
        cast(a.scale as double) * n.value / nullif(d.value, 0) as value,
        -- the symbols of the parts it was computed from (a ratio row's own symbol no longer applies)
        coalesce(n.status, d.status) as status
    from valued as v
    inner join aggregation as a
        on a.table_id = v.table_id and a.contents_code = v.contents_code and a.aggregation = 'ratio'
    left join ratio_parts as n
        on n.table_id = v.table_id and n.contents_code = a.numerator and n.filters = v.filters
        and n.municipality_code = v.municipality_code and n.year = v.year
    left join ratio_parts as d
        on d.table_id = v.table_id and d.contents_code = a.denominator and d.filters = v.filters
        and d.municipality_code = v.municipality_code and d.year = v.year
),

{% endif %}
harmonised as (
    select v.* exclude (value), v.value from valued as v
    {% if has_ratios %}
    where v.aggregation <> 'ratio'
    union all
    select v.* exclude (value) replace (r.status as status), r.value
    from valued as v
    inner join ratios as r
        on r.table_id = v.table_id and r.contents_code = v.contents_code and r.filters = v.filters
        and r.municipality_code = v.municipality_code and r.year = v.year
    where v.aggregation = 'ratio'
    {% endif %}
)

select
    table_id,
    contents_code,
    filters,
    municipality_code,
    year,
    value,
    case when value is null then coalesce(status, '..') else status end as status,
    {{ target_year }} as structure_year,
    source_structure_year,
    harmonisation,
    n_sources,
    source_file,
    sha256,
    snapshot_kind
from harmonised
