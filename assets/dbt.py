"""dbt layer: every dbt model and seed as a Dagster asset (groups from the dbt folder), tests as checks."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipeline.dbt_manifest import ensure_manifest, forget_foreign_partial_parse, keep_partial_parse, layer
from pipeline.diskspace import guard
from pipeline.resources import Warehouse

LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class KommuneSdgTranslator(DagsterDbtTranslator):
    """Asset keys [layer, name] (sources: [raw, table]); groups from the dbt folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return LAYER_GROUPS.get(layer(dbt_resource_props), "reference")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return ["team:analytics"] if layer(dbt_resource_props) == "marts" else ["team:data-engineering"]


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """The dbt assets of `project` (the repository's dbt_project/, or a benchmark's copy of it)."""
    manifest = ensure_manifest(project)
    output_tables = _output_tables(manifest)

    @dbt_assets(manifest=manifest, project=project, dagster_dbt_translator=KommuneSdgTranslator(),
                pool="kommune_sdg_warehouse", name="kommune_sdg_dbt")
    def kommune_sdg_dbt(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
        """dbt build (seeds, models, tests) into the build database; a failing test stops the refresh.

        Row counts are read after dbt exits with one short read-only connection (dagster-dbt's
        fetch_row_counts keeps an in-process connection open, which would lock the file for later steps).
        Events keep dbt's order (a model's output before its tests): a check result yielded before its
        asset's output would be recorded against the previous run's materialization.
        """
        forget_foreign_partial_parse(project)
        # unit tests check the SQL, not the data: they run in `make test` (tests/dbt_fixture.py), not nightly
        invocation = dbt.cli(["build", "--exclude-resource-type", "unit_test", *warehouse.dbt_args()],
                             context=context, raise_on_error=False)
        events = list(invocation.stream())
        counts = _row_counts(warehouse)
        for event in events:  # test results reach Dagster (and the quality report) even when dbt failed
            if isinstance(event, dg.Output) and event.output_name in output_tables:
                n = counts.get(output_tables[event.output_name])
                yield event.with_metadata({**event.metadata, "dagster/row_count": n}) if n is not None else event
            else:
                yield event
        if invocation.is_successful():
            keep_partial_parse(Path(invocation.target_path), project)
        else:
            # a full disk: a clear DiskFull naming the build database, which is removed so the space comes back
            with guard("the build database (dbt build)", warehouse.build_path, on_full=warehouse.reset_build_db):
                raise invocation.get_error()

    return kommune_sdg_dbt


def _row_counts(warehouse: Warehouse) -> dict[str, int]:
    with warehouse.connect(read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}


def _output_tables(manifest_path: Path) -> dict[str, str]:
    """Output name (the asset key as identifier) -> schema.table of the node it materialises."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "seed"):
            key = KommuneSdgTranslator().get_asset_key(node).to_python_identifier()
            out[key] = f"{node['schema']}.{node['alias']}"
    return out
