"""Reports layer: what people look at after each publish (static HTML report, dbt docs) and take elsewhere
(exports). Every asset here reads only the published warehouse (read-only), never the build database,
except dbt docs, whose catalog describes the build database the marts were published from."""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from pipeline.asset_keys import DBT_DOCS, EXPORTS, MUNICIPALITY_REPORT, PUBLISHED_WAREHOUSE
from pipeline.exports import export_marts
from pipeline.reports import build_report
from pipeline.reports.build import DBT_DOCS_SUBDIR
from pipeline.reports.scale import SCALE_FROM_UNITS
from pipeline.resources import DataHome, ReferenceData, Warehouse

OWNERS = ["team:analytics"]
DBT_DOCS_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


def _md_table(header: list[str], rows: list[list[object]]) -> str:
    def cell(v: object) -> str:
        return "–" if v is None else str(v).replace("|", "\\|")

    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


@dg.asset(
    key=EXPORTS,
    group_name="publish",
    deps=[PUBLISHED_WAREHOUSE],
    owners=OWNERS,
    kinds={"parquet", "csv"},
    description="Every published mart as Parquet, CSV (UTF-8) and CSV for Norwegian Excel (';', decimal comma, "
                "BOM), with a README of columns from the dbt docs, under KOMMUNE_SDG_HOME/exports/. "
                "Norsk: alle tabeller som Parquet og CSV, klar for Excel.",
)
def mart_exports(context: AssetExecutionContext, data_home: DataHome, warehouse: Warehouse,
                 reference: ReferenceData) -> dg.MaterializeResult:
    h = data_home.home
    result = export_marts(warehouse.published_path, h.exports_dir,
                          reference.project_dir / "target" / "manifest.json", warehouse.duckdb_config())
    context.log.info(f"exported {len(result.marts)} marts to {result.out_dir} in {result.seconds:.1f}s")
    rows = [[f"`{m.name}`", f"{m.rows:,}", len(m.columns), ", ".join(f"`{c}`" for c, _ in m.columns[:8])
             + (", ..." if len(m.columns) > 8 else "")] for m in result.marts]
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(sum(m.rows for m in result.marts)),
        "rows_per_mart": dg.MetadataValue.json(result.rows),
        "marts": dg.MetadataValue.md(_md_table(["mart", "rows", "columns", "first columns"], rows)),
        "readme": data_home.link(result.readme),
        "path": dg.MetadataValue.path(str(result.out_dir)),
        "demo": dg.MetadataValue.bool(result.demo),
        "seconds": dg.MetadataValue.float(round(result.seconds, 2)),
    })


def _dbt_docs_key(project_dir: Path) -> str:
    """Hash of everything dbt docs show: the project's files and the dbt version."""
    h = hashlib.sha256()
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for sub in ("models", "seeds", "macros", "tests", "snapshots", "analyses"):
        files += sorted(p for p in (project_dir / sub).rglob("*") if p.is_file())
    for p in files:
        if p.exists():
            h.update(str(p.relative_to(project_dir)).encode())
            h.update(p.read_bytes())
    from importlib.metadata import version  # noqa: PLC0415

    h.update(version("dbt-core").encode() + version("dbt-duckdb").encode())
    return h.hexdigest()


def generate_dbt_docs(out_dir: Path, project_dir: Path, dbt_args: list[str], force: bool = False) -> tuple[bool, str]:
    """`dbt docs generate --static` into a temporary target path, then copy the site into out_dir.
    Skipped when the dbt project is unchanged since the last generation. Returns (generated, cache key).
    `dbt_args`: the warehouse's `--vars` (which build database the catalog describes)."""
    key = _dbt_docs_key(project_dir)
    stamp = out_dir / ".cache_key"
    if not force and stamp.exists() and stamp.read_text().strip() == key and (out_dir / "static_index.html").exists():
        return False, key
    dbt = str(Path(sys.executable).parent / "dbt")
    with tempfile.TemporaryDirectory(prefix="kommune_sdg_dbt_docs_") as tmp:
        proc = subprocess.run(
            [dbt, "docs", "generate", "--static", "--target-path", tmp, "--project-dir", str(project_dir),
             "--profiles-dir", str(project_dir), "--log-path", tmp, "--quiet", *dbt_args],
            cwd=project_dir, capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise dg.Failure(f"dbt docs generate failed (exit {proc.returncode})",
                             metadata={"stdout": proc.stdout[-4000:], "stderr": proc.stderr[-4000:]})
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in DBT_DOCS_FILES:
            src = Path(tmp) / name
            if src.exists():
                dst_tmp = out_dir / f".{name}.tmp"
                shutil.copyfile(src, dst_tmp)
                os.replace(dst_tmp, out_dir / name)
    stamp.write_text(key)
    return True, key


@dg.asset(
    key=DBT_DOCS,
    group_name="reports",
    deps=[PUBLISHED_WAREHOUSE],
    owners=["team:data-engineering"],
    kinds={"dbt", "html"},
    pool="kommune_sdg_warehouse",
    description="dbt docs (models, columns, tests, lineage) generated with `dbt docs generate --static` into "
                "KOMMUNE_SDG_HOME/reports/dbt-docs/; static_index.html opens from disk. Regenerated only when the "
                "dbt project changed.",
)
def dbt_docs(context: AssetExecutionContext, data_home: DataHome, warehouse: Warehouse,
             reference: ReferenceData) -> dg.MaterializeResult:
    h = data_home.home
    out = h.reports_dir / DBT_DOCS_SUBDIR
    generated, key = generate_dbt_docs(out, reference.project_dir, warehouse.dbt_args())
    context.log.info(("generated" if generated else "unchanged dbt project; kept") + f" dbt docs in {out}")
    return dg.MaterializeResult(metadata={
        "docs": data_home.link(out / "static_index.html"),
        "path": dg.MetadataValue.path(str(out)),
        "regenerated": dg.MetadataValue.bool(generated),
        "dbt_project_sha256": dg.MetadataValue.text(key[:16]),
    })


class ReportConfig(dg.Config):
    """Above `scale_from_units` units (synthetic scale runs; the national site has 357) the report is one unit
    page that loads each unit's data file (pipeline/reports/scale.py) instead of one HTML page per unit."""

    scale_from_units: int = SCALE_FROM_UNITS


@dg.asset(
    key=MUNICIPALITY_REPORT,
    group_name="reports",
    deps=[PUBLISHED_WAREHOUSE, DBT_DOCS],
    owners=OWNERS,
    kinds={"html", "plotly"},
    description="Static HTML report for councils and coordinators: an index of all municipalities and one page per "
                "municipality (17 goals coloured by rating, trends, indicator table, peer group and national "
                "median, data freshness), 17 goal and 15 county pages with maps (inline SVG, Kartverket borders), "
                "a page and a CSV per indicator, in bokmål or English (a remembered switch), offline "
                "(bundled Plotly). Above `scale_from_units` units (config; synthetic scale runs) one unit page and "
                "per-unit data files grouped by code prefix instead of a page per unit. "
                "Under KOMMUNE_SDG_HOME/reports/.",
)
def municipality_report(context: AssetExecutionContext, config: ReportConfig, data_home: DataHome,
                        warehouse: Warehouse, reference: ReferenceData) -> dg.MaterializeResult:
    h = data_home.home
    result = build_report(warehouse.published_path, h.reports_dir, duckdb_config=warehouse.duckdb_config(),
                          api_url=data_home.api_url,
                          network_seed=reference.project_dir / "seeds" / "sdg_network.csv",
                          scale_from_units=config.scale_from_units)
    if result.variant == "scale":
        context.log.info(f"{result.pages} units > {config.scale_from_units}: built one unit page and "
                         f"{result.unit_files} unit data files ({result.site_bytes / 1e6:.1f} MB) in "
                         f"{result.seconds:.1f}s: {result.index}")
    else:
        context.log.info(f"built {result.pages} municipality, {result.goal_pages} goal and {result.county_pages} "
                         f"county pages ({result.site_bytes / 1e6:.1f} MB) in {result.seconds:.1f}s: {result.index}")
    metadata: dict[str, dg.MetadataValue] = {
        "report": data_home.link(result.index),
        "path": dg.MetadataValue.path(str(result.out_dir)),
        "pages": dg.MetadataValue.int(result.pages),
        "variant": dg.MetadataValue.text(result.variant),
        "unit_files": dg.MetadataValue.int(result.unit_files),
        "seconds": dg.MetadataValue.float(round(result.seconds, 2)),
        "goal_pages": dg.MetadataValue.int(result.goal_pages),
        "county_pages": dg.MetadataValue.int(result.county_pages),
        "html_pages": dg.MetadataValue.int(result.html_pages),
        "site_files": dg.MetadataValue.int(result.site_files),
        "site_bytes": dg.MetadataValue.int(result.site_bytes),
        "site_mb": dg.MetadataValue.float(round(result.site_bytes / 1e6, 2)),
        "demo": dg.MetadataValue.bool(result.demo),
        "report_year": dg.MetadataValue.int(result.report_year or 0),
        "peer_groups": dg.MetadataValue.text(result.peer_source),
        "plotly_js": dg.MetadataValue.text(result.plotly_version),
        "top_10_sdg_index": dg.MetadataValue.md(_md_table(
            ["rank", "municipality", "code", "SDG index"],
            [[r["rank"], r["name"], r["code"], None if r["score"] is None else round(r["score"], 1)]
             for r in result.top]) if result.top else "no municipality has an SDG index yet"),
    }
    for page in result.sample_pages:
        metadata[f"page_{page.stem}"] = data_home.link(page)
    return dg.MaterializeResult(metadata=metadata)


REPORT_ASSETS = [mart_exports, dbt_docs, municipality_report]
