-- What this refresh was built from, one row: its source and whether it is a demo run (the bundled demo
-- snapshot and the demo intake's submissions) or a real one (a live fetch or a replayed real snapshot).
-- Every published mart's is_demo equals this run's (macro run_is_demo, test is_demo_matches_run).
select
    source,
    cast(is_demo as boolean) as is_demo
from {{ source('raw', 'refresh_inputs') }}
