"""Publish layer: the published warehouse, written only when the publish gate (checks/gate.py) let it."""

import dagster as dg
from dagster import AssetExecutionContext

from pipeline.asset_keys import PUBLISHED_WAREHOUSE, mart
from pipeline.publish import publish_marts, remove_stale_publishing_files
from pipeline.resources import Warehouse


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
    def published_warehouse(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        for stale in remove_stale_publishing_files(warehouse):
            context.log.warning(f"removed a half-written publish file left by an earlier run: {stale}")
        with warehouse.connect(read_only=True) as con:
            kinds = [r[0] for r in con.execute("select distinct snapshot_kind from raw.ssb_observations").fetchall()]
            cur = con.execute("select * from raw.refresh_inputs")
            inputs = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
        counts = publish_marts(warehouse, marts, context.run.run_id, ",".join(sorted(kinds)), inputs)
        context.log.info(f"published {len(counts)} marts to {warehouse.published_db}")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(warehouse.published_db),
            "tables": dg.MetadataValue.int(len(counts)),
            "rows_per_table": dg.MetadataValue.json(counts),
            "snapshot_kind": dg.MetadataValue.text(",".join(sorted(kinds))),
            "size_bytes": dg.MetadataValue.int(warehouse.published_path.stat().st_size),
        })

    return published_warehouse
