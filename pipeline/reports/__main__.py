"""`python -m pipeline.reports [--exports] [--dbt-docs]`: rebuild the report from the published warehouse
without a refresh (the nightly refresh does this itself after each publish)."""

from __future__ import annotations

import argparse
import sys

from pipeline.reports.build import DBT_DOCS_SUBDIR, build_report
from pipeline.resources import Warehouse
from pipeline.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.reports", description=__doc__)
    parser.add_argument("--exports", action="store_true", help="also rewrite KOMMUNE_SDG_HOME/exports")
    parser.add_argument("--dbt-docs", action="store_true", help="also run `dbt docs generate` into reports/dbt-docs")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    h = settings.home
    warehouse = Warehouse.for_home(h, settings.duckdb_memory_limit)
    if not h.published_db.exists():
        print(f"no published warehouse at {h.published_db}; run `kommune-sdg refresh` first", file=sys.stderr)
        return 1
    if args.dbt_docs:
        from assets.reports import generate_dbt_docs  # noqa: PLC0415

        generate_dbt_docs(h.reports_dir / DBT_DOCS_SUBDIR, settings.dbt_project_dir, warehouse.dbt_args(),
                          force=True)
    result = build_report(h.published_db, h.reports_dir, duckdb_config=warehouse.duckdb_config(),
                          api_url=settings.api_base_url)
    print(f"report: {result.pages} municipality, {result.goal_pages} goal and {result.county_pages} county pages, "
          f"{result.site_bytes / 1e6:.1f} MB, in {result.seconds:.1f}s -> {result.index}")
    if args.exports:
        from pipeline.exports import export_marts  # noqa: PLC0415

        ex = export_marts(h.published_db, h.exports_dir, settings.dbt_project_dir / "target" / "manifest.json",
                          warehouse.duckdb_config())
        print(f"exports: {len(ex.marts)} marts in {ex.seconds:.1f}s -> {ex.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
