-- Every indicator value per municipality and year, from SSB tables (via the catalog) and from the
-- current version of municipal submissions. Rates are computed here from harmonised counts:
--   denominator 'population'              value / population 1 Jan (07459) * scale
--   denominator 'ssb:TABLE:CONTENTS:FILTERS'  value / that series (same municipality and year) * scale
--   FILTERS 'A=1|A=2' (numerator or denominator)  the sum of those series (NULL unless all have a value)
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

parts as (
    -- every series an SSB indicator reads: its numerator and its denominator. FILTERS may list alternatives
    -- separated by '|' (e.g. 'Kjonn=0;Nivaa=03a|Kjonn=0;Nivaa=04a'): those series are summed, and the sum is
    -- NULL unless every part has a value.
    select
        indicator_id, 'num' as role, table_id, contents_code,
        unnest(string_split(coalesce(filters, ''), '|')) as filters,
        len(string_split(coalesce(filters, ''), '|')) as n_parts
    from ssb_catalog
    union all
    select
        indicator_id, 'den' as role, den_table_id, den_contents_code,
        unnest(string_split(coalesce(den_filters, ''), '|')) as filters,
        len(string_split(coalesce(den_filters, ''), '|')) as n_parts
    from ssb_catalog
    where den_table_id is not null
),

series as (
    select
        p.indicator_id,
        p.role,
        v.municipality_code,
        v.year,
        case when count(v.value) = max(p.n_parts) then sum(v.value) end as value,
        case when max(p.n_parts) = 1 then max(v.status) else string_agg(distinct v.status, ' ' order by v.status) end
            as status,
        min(v.snapshot_kind || ':' || v.source_file || '@' || left(v.sha256, 12)) as provenance,
        min(v.structure_year) as structure_year,
        bool_and(v.snapshot_kind = 'demo') as is_demo
    from {{ ref('int_ssb__municipality_values') }} as v
    inner join parts as p
        on p.table_id = v.table_id and p.contents_code = v.contents_code and p.filters = v.filters
    group by p.indicator_id, p.role, v.municipality_code, v.year
),

ssb as (
    select
        n.municipality_code,
        c.indicator_id,
        n.year,
        case
            when c.denominator = 'population' then n.value / nullif(p.population, 0) * coalesce(c.scale, 1)
            when c.den_table_id is not null then n.value / nullif(d.value, 0) * coalesce(c.scale, 1)
            else n.value * coalesce(c.scale, 1)
        end as value,
        case
            when c.den_table_id is not null and n.value is not null and d.value is null
                then coalesce(d.status, '..')
            when n.value is null then coalesce(n.status, '..')
            else n.status
        end as status,
        c.source,
        n.provenance,
        n.structure_year,
        n.is_demo
    from series as n
    inner join ssb_catalog as c on c.indicator_id = n.indicator_id and n.role = 'num'
    left join {{ ref('int_ssb__population') }} as p
        on p.municipality_code = n.municipality_code and p.year = n.year
    left join series as d
        on d.indicator_id = n.indicator_id and d.role = 'den'
        and d.municipality_code = n.municipality_code and d.year = n.year
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
        -- the demo submission is synthetic too: its origin was recorded when its intake accepted it
        s.origin = 'demo' as is_demo
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
