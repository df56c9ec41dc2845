-- Every accepted submission row, every version; int_ picks the current one.
select
    submission_id,
    municipality_code,
    indicator_id,
    cast(year as integer) as year,
    cast(value as double) as value,
    unit,
    comment,
    source_file,
    row_number,
    content_sha256,
    cast(received_at as timestamp) as received_at,
    origin
from {{ source('raw', 'submission_values') }}
