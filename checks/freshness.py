"""Whether every catalog table is current: a WARN (never blocking) check listing the tables a live fetch
kept stale (SSB's metadata no longer match the catalog; the last good data are used, with their date) or
dropped (no earlier copy: their indicators drop out of the scores). It puts them in the quality report."""

import dagster as dg

from checks.kinds import CHECK_KIND_KEY, PYTHON
from pipeline.asset_keys import SSB_OBSERVATIONS
from pipeline.resources import Warehouse


@dg.asset_check(asset=SSB_OBSERVATIONS, blocking=False,
                description="Every catalog table is current; stale and dropped tables are named with the reason "
                            "(WARN: the refresh goes on with the last good data, or without the table).")
def ssb_tables_current(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        rows = con.execute("select table_id, status, reason, data_fetched_at from raw.ssb_table_status "
                           "where status <> 'current' order by table_id").fetchall()
    lines = [f"{t} {s}" + (f" (data of {d})" if d else "") + f": {r}" for t, s, r, d in rows]
    return dg.AssetCheckResult(
        passed=not rows, severity=dg.AssetCheckSeverity.WARN,
        description="every catalog table is current" if not rows else "; ".join(lines)[:2000],
        metadata={CHECK_KIND_KEY: PYTHON,
                  "stale": dg.MetadataValue.json([t for t, s, _, _ in rows if s == "stale"]),
                  "dropped": dg.MetadataValue.json([t for t, s, _, _ in rows if s == "dropped"]),
                  "tables": dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none")})
