"""Publish layer: the published warehouse, written only when every upstream blocking check passed."""

import dagster as dg
from dagster import AssetExecutionContext

from pipeline.build_db import connect
from pipeline.paths import home
from pipeline.publish import publish_marts, remove_stale_publishing_files

PUBLISHED_MARTS = ["municipalities", "goals", "indicators", "indicator_values", "indicator_scores",
                   "goal_scores", "sdg_index", "county_goal_scores", "u4ssc_kpis", "goal_coverage"]


@dg.asset(
    key=dg.AssetKey(["publish", "warehouse"]),
    group_name="publish",
    deps=[dg.AssetKey(["marts", m]) for m in PUBLISHED_MARTS],
    owners=["team:data-engineering"],
    pool="kommune_sdg_warehouse",
    description="The published DuckDB warehouse (schema marts) analysts query; replaced atomically after "
                "the build database passed every blocking check.",
)
def published_warehouse(context: AssetExecutionContext) -> dg.MaterializeResult:
    h = home()
    for stale in remove_stale_publishing_files(h):
        context.log.warning(f"removed a half-written publish file left by an earlier run: {stale}")
    with connect(h, read_only=True) as con:
        kinds = [r[0] for r in con.execute("select distinct snapshot_kind from raw.ssb_observations").fetchall()]
        cur = con.execute("select * from raw.refresh_inputs")
        inputs = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    counts = publish_marts(h, context.run.run_id, ",".join(sorted(kinds)), inputs)
    context.log.info(f"published {len(counts)} marts to {h.published_db}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(h.published_db)),
        "tables": dg.MetadataValue.int(len(counts)),
        "rows_per_table": dg.MetadataValue.json(counts),
        "snapshot_kind": dg.MetadataValue.text(",".join(sorted(kinds))),
        "size_bytes": dg.MetadataValue.int(h.published_db.stat().st_size),
    })
