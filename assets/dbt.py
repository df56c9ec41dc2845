"""dbt layer: every dbt model and seed as a Dagster asset (groups from the dbt folder), tests as checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipeline.build_db import connect
from pipeline.dbt_manifest import dbt_project, ensure_manifest
from pipeline.paths import home

LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class KommuneSdgTranslator(DagsterDbtTranslator):
    """Asset keys [layer, name] (sources: [raw, table]); groups from the dbt folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return LAYER_GROUPS.get(self._layer(dbt_resource_props), "reference")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return ["team:analytics"] if self._layer(dbt_resource_props) == "marts" else ["team:data-engineering"]

    @staticmethod
    def _layer(props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "reference"
        fqn = props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "models"


@dbt_assets(manifest=ensure_manifest(), project=dbt_project, dagster_dbt_translator=KommuneSdgTranslator(),
            pool="kommune_sdg_warehouse")
def kommune_sdg_dbt(context: AssetExecutionContext, dbt: DbtCliResource):
    """dbt build (seeds, models, tests) into the build database; a failing test stops the refresh.

    Row counts are read after dbt exits with one short read-only connection (dagster-dbt's
    fetch_row_counts keeps an in-process connection open, which would lock the file for later steps).
    """
    invocation = dbt.cli(["build"], context=context, raise_on_error=False)
    events = list(invocation.stream())
    counts = _row_counts()
    for event in events:  # test results reach Dagster (and the quality report) even when dbt failed
        if isinstance(event, dg.Output) and event.output_name in _OUTPUT_TABLES:
            n = counts.get(_OUTPUT_TABLES[event.output_name])
            yield event.with_metadata({**event.metadata, "dagster/row_count": n}) if n is not None else event
        else:
            yield event
    if not invocation.is_successful():
        raise invocation.get_error()


def _row_counts() -> dict[str, int]:
    with connect(home(), read_only=True) as con:
        tables = con.execute("select schema_name, table_name, estimated_size from duckdb_tables()").fetchall()
        return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t, _ in tables}


def _output_tables() -> dict[str, str]:
    """Output name (the asset key as identifier) -> schema.table of the node it materialises."""
    import json  # noqa: PLC0415

    manifest = json.loads(dbt_project.manifest_path.read_text())
    out = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "seed"):
            key = KommuneSdgTranslator().get_asset_key(node).to_python_identifier()
            out[key] = f"{node['schema']}.{node['alias']}"
    return out


_OUTPUT_TABLES = _output_tables()
