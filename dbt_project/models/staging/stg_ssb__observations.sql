-- One row per SSB value, region codes normalised: K-0301 -> municipality 0301, F-03 -> county 03,
-- 0000 -> country; K-Rest, K-21-22, K-23, 9999 and anything else -> other (left out of municipal marts).
with src as (
    select * from {{ source('raw', 'ssb_observations') }}
),

classified as (
    select
        *,
        case
            when region = '0000' then 'country'
            when regexp_full_match(region, '(K-)?9999') then 'other'
            when regexp_full_match(region, '(K-)?{{ municipality_code_re() }}') then 'municipality'
            when regexp_full_match(region, '(F-)?[0-9]{2}') then 'county'
            else 'other'
        end as region_kind
    from src
)

select
    table_id,
    contents_code,
    coalesce(filters, '') as filters,
    region as region_raw,
    region_kind,
    case
        when region_kind in ('municipality', 'county') then regexp_replace(region, '^[KF]-', '')
        else region
    end as region_code,
    cast(year as integer) as year,
    period,
    cast(value as double) as value,
    nullif(status, '') as status,
    source_file,
    sha256,
    snapshot_kind
from classified
