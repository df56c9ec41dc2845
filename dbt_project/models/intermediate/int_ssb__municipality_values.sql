-- SSB series on the target municipality structure (var structure_year).
-- Pass-through for codes already valid in the target structure; KLASS harmonisation replaces this.
select
    table_id,
    contents_code,
    filters,
    region_code as municipality_code,
    year,
    value,
    status,
    {{ var('structure_year') }} as structure_year,
    source_file,
    sha256,
    snapshot_kind
from {{ ref('stg_ssb__observations') }}
where region_kind = 'municipality'
