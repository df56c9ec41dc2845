"""The published marts in PostgreSQL (on when a PostgreSQL URL is configured): a copy of the published DuckDB
warehouse, swapped in whole after each publish (pipeline/postgres_marts.py). A separate asset downstream of
publish/warehouse: when PostgreSQL fails, the DuckDB publish and the exports stand and only this step fails."""

import dagster as dg
from dagster import AssetExecutionContext

from pipeline.asset_keys import POSTGRES_MARTS, PUBLISHED_WAREHOUSE
from pipeline.dbt_manifest import MartDocs
from pipeline.postgres_marts import PostgresLoadError, load_published_marts
from pipeline.resources import PostgresMarts, Warehouse


class PostgresMartsConfig(dg.Config):
    force: bool = False  # load even when PostgreSQL already holds the published run


def build_postgres_marts_asset(marts: list[str], docs: dict[str, MartDocs]) -> dg.AssetsDefinition:
    """The PostgreSQL copy of exactly the marts publish publishes, with their dbt docs and keys."""

    @dg.asset(
        key=POSTGRES_MARTS,
        group_name="publish",
        deps=[PUBLISHED_WAREHOUSE],
        owners=["team:data-engineering"],
        kinds={"postgres"},
        description="The published marts in PostgreSQL schema marts (for BI tools), loaded from the published DuckDB "
                    "warehouse into a fresh schema and swapped in whole; readers in a transaction see one publish. "
                    "Materialize it alone to retry a failed load.",
    )
    def postgres_marts(context: AssetExecutionContext, config: PostgresMartsConfig, warehouse: Warehouse,
                       postgres: PostgresMarts) -> dg.MaterializeResult:
        try:
            result = load_published_marts(postgres.connect, warehouse.published_path, marts, docs,
                                          postgres.reader_role, postgres.swap_timeout_seconds, config.force,
                                          log=context.log.info)
        except (PostgresLoadError, RuntimeError) as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        return dg.MaterializeResult(metadata={
            "run_id": dg.MetadataValue.text(result.run_id),
            "loaded": dg.MetadataValue.bool(result.loaded),
            "rows_per_table": dg.MetadataValue.json(result.rows),
            "load_seconds": dg.MetadataValue.float(round(result.load_seconds, 3)),
            "wait_seconds": dg.MetadataValue.float(round(result.wait_seconds, 3)),
            "swap_seconds": dg.MetadataValue.float(round(result.swap_seconds, 4)),
            "reader_role": dg.MetadataValue.text(postgres.reader_role),
        })

    return postgres_marts
