-- Every indicator value per municipality and year, from SSB tables (via the catalog) and from the
-- current version of municipal submissions. Rates are computed here from harmonised counts:
--   denominator 'population'              value / population 1 Jan (07459) * scale
--   denominator 'ssb:TABLE:CONTENTS:FILTERS'  value / that series (same municipality and year) * scale
--   no denominator                        value * scale
with catalog as (
    select
        *,
        case when starts_with(coalesce(denominator, ''), 'ssb:') then split_part(denominator, ':', 2) end
            as den_table_id,
        case when starts_with(coalesce(denominator, ''), 'ssb:') then split_part(denominator, ':', 3) end
            as den_contents_code,
        case when starts_with(coalesce(denominator, ''), 'ssb:') then split_part(denominator, ':', 4) end
            as den_filters
    from {{ ref('indicator_catalog') }}
),

ssb_catalog as (
    -- per SSB indicator, its source text (one per indicator, so built here, not once per value)
    select
        *,
        'SSB ' || table_id || ' ' || contents_code
            || case when coalesce(filters, '') <> '' then ' (' || filters || ')' else '' end
            || case
                when denominator = 'population' then ' / SSB 07459 Personer1'
                when den_table_id is not null then ' / SSB ' || den_table_id || ' ' || den_contents_code
                else ''
            end as source
    from catalog
    where source_type = 'ssb'
),

denominators as (
    -- only the series some indicator divides by: the join below builds on these, not on every series
    select s.table_id, s.contents_code, s.filters, s.municipality_code, s.year, s.value, s.status
    from {{ ref('int_ssb__municipality_values') }} as s
    where exists (
        select 1 from ssb_catalog as c
        where c.den_table_id = s.table_id and c.den_contents_code = s.contents_code
        and coalesce(c.den_filters, '') = s.filters
    )
),

ssb as (
    select
        v.municipality_code,
        c.indicator_id,
        v.year,
        case
            when c.denominator = 'population' then v.value / nullif(p.population, 0) * coalesce(c.scale, 1)
            when c.den_table_id is not null then v.value / nullif(d.value, 0) * coalesce(c.scale, 1)
            else v.value * coalesce(c.scale, 1)
        end as value,
        case
            when c.den_table_id is not null and v.value is not null and d.value is null
                then coalesce(d.status, '..')
            else v.status
        end as status,
        c.source,
        v.snapshot_kind || ':' || v.source_file || '@' || left(v.sha256, 12) as provenance,
        v.structure_year,
        v.snapshot_kind = 'demo' as is_demo
    from {{ ref('int_ssb__municipality_values') }} as v
    inner join ssb_catalog as c
        on c.table_id = v.table_id
        and c.contents_code = v.contents_code
        and coalesce(c.filters, '') = v.filters
    left join {{ ref('int_ssb__population') }} as p
        on p.municipality_code = v.municipality_code and p.year = v.year
    left join denominators as d
        on d.table_id = c.den_table_id
        and d.contents_code = c.den_contents_code
        and d.filters = coalesce(c.den_filters, '')
        and d.municipality_code = v.municipality_code
        and d.year = v.year
),

submitted as (
    select
        s.municipality_code,
        s.indicator_id,
        s.year,
        s.value * coalesce(c.scale, 1) as value,
        cast(null as varchar) as status,
        'submission ' || s.source_file as source,
        'submission:' || s.submission_id || '@' || left(s.content_sha256, 12) as provenance,
        {{ var('structure_year') }} as structure_year,
        -- the bundled demo submission is synthetic too (file name demo_*)
        starts_with(lower(s.source_file), 'demo_') as is_demo
    from {{ ref('stg_submissions__values') }} as s
    inner join catalog as c on c.indicator_id = s.indicator_id and c.source_type = 'submission'
    qualify row_number() over (
        partition by s.municipality_code, s.indicator_id, s.year
        order by s.received_at desc, s.submission_id desc
    ) = 1
)

select * from ssb
union all
select * from submitted
