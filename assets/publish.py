"""Publish layer: the published warehouse, written only when the publish gate (checks/gate.py) let it."""

from datetime import UTC, datetime

import dagster as dg
from dagster import AssetExecutionContext

from pipeline.asset_keys import PUBLISHED_WAREHOUSE, mart
from pipeline.diskspace import require
from pipeline.publish import publish_marts, remove_stale_publishing_files
from pipeline.resources import DataHome, Warehouse
from pipeline.retention import record_publish, tree_size

SPACE_MARGIN = 1.1  # a new warehouse or export set may be a little larger than the last


def build_publish_asset(marts: list[str]) -> dg.AssetsDefinition:
    """The publish step for exactly these marts (checks.gate.published_marts: the dbt marts selection)."""

    @dg.asset(
        key=PUBLISHED_WAREHOUSE,
        group_name="publish",
        deps=[mart(m) for m in marts],
        owners=["team:data-engineering"],
        pool="kommune_sdg_warehouse",
        description="The published DuckDB warehouse (schema marts) analysts query; replaced atomically after "
                    "the build database passed every blocking check (checks/gate.py).",
    )
    def published_warehouse(context: AssetExecutionContext, warehouse: Warehouse,
                            data_home: DataHome) -> dg.MaterializeResult:
        for stale in remove_stale_publishing_files(warehouse):
            context.log.warning(f"removed a half-written publish file left by an earlier run: {stale}")
        # room for a new warehouse beside the old one and a new set of exports beside the old set (each about
        # the size of the last): a refresh that would run out of space fails here, before anything changes
        old = warehouse.published_path.stat().st_size if warehouse.published_path.exists() else 0
        require({warehouse.published_path.parent: int(old * SPACE_MARGIN),
                 data_home.home.exports_dir: int(tree_size(data_home.home.exports_dir) * SPACE_MARGIN)},
                "publishing the warehouse and its exports")
        with warehouse.connect(read_only=True) as con:
            kinds = [r[0] for r in con.execute("select distinct snapshot_kind from raw.ssb_observations").fetchall()]
            cur = con.execute("select * from raw.refresh_inputs")
            inputs = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
            submission_ids = [r[0] for r in con.execute("select distinct submission_id from raw.submission_values")
                              .fetchall()]
        counts = publish_marts(warehouse, marts, context.run.run_id, ",".join(sorted(kinds)), inputs)
        # what this run was built from, so retention keeps it while the run is among the last N (pipeline.retention)
        record_publish(warehouse.published_path.parent, context.run.run_id, datetime.now(UTC),
                       str(inputs["snapshot_sha256"]), submission_ids)
        context.log.info(f"published {len(counts)} marts to {warehouse.published_db}")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(warehouse.published_db),
            "tables": dg.MetadataValue.int(len(counts)),
            "rows_per_table": dg.MetadataValue.json(counts),
            "snapshot_kind": dg.MetadataValue.text(",".join(sorted(kinds))),
            "size_bytes": dg.MetadataValue.int(warehouse.published_path.stat().st_size),
        })

    return published_warehouse
