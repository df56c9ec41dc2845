-- Per catalog SSB table: current, stale (the last good data kept, SSB's metadata no longer match the catalog)
-- or dropped (no data this refresh), with the reason and the date the data were fetched.
select
    table_id,
    status,
    reason,
    data_fetched_at
from {{ source('raw', 'ssb_table_status') }}
