-- One row per SSB value, region codes normalised: K-0301 -> municipality 0301, F-03 -> county 03,
-- 0000 -> country; K-Rest, K-21-22, K-23, 9999 and anything else -> other (left out of municipal marts).
-- Regions are classified once per distinct code (a few hundred, or N units), not once per value.
with regions as (
    select
        region,
        region_kind,
        case
            when region_kind in ('municipality', 'county') then regexp_replace(region, '^[KF]-', '')
            else region
        end as region_code
    from (
        select
            region,
            case
                when region = '0000' then 'country'
                when regexp_full_match(region, '(K-)?9999') then 'other'
                when regexp_full_match(region, '(K-)?{{ municipality_code_re() }}') then 'municipality'
                when regexp_full_match(region, '(F-)?[0-9]{2}') then 'county'
                else 'other'
            end as region_kind
        from (select distinct region from {{ source('raw', 'ssb_observations') }})
    )
)

select
    s.table_id,
    s.contents_code,
    coalesce(s.filters, '') as filters,
    s.region as region_raw,
    r.region_kind,
    r.region_code,
    cast(s.year as integer) as year,
    s.period,
    cast(s.value as double) as value,
    nullif(s.status, '') as status,
    s.source_file,
    s.sha256,
    s.snapshot_kind
from {{ source('raw', 'ssb_observations') }} as s
inner join regions as r on r.region = s.region
