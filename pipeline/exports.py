"""Exports of every published mart: Parquet, CSV (UTF-8) and CSV for Norwegian Excel, with a README of columns.

Layout under KOMMUNE_SDG_HOME/exports/ (replaced as a whole after each publish):

    README.md                  columns of every mart (from the dbt docs), formats, the refresh it came from
    manifest.json              files, rows and sha256 per mart, run id
    parquet/<mart>.parquet     typed, exactly the published table
    csv/<mart>.csv             UTF-8, ',' separated, '.' decimals, header row
    csv-excel-no/<mart>.csv    UTF-8 with BOM, ';' separated, ',' decimals (opens correctly in Norwegian Excel)

A mart with more rows than a spreadsheet holds (PARTITION_ROWS, Excel's 1,048,576 rows less the header: a
national run has none, a run over 100,000 units has several of ~50 M rows) is written partitioned by year
instead: parquet/<mart>/year=YYYY/*.parquet and csv/<mart>/year=YYYY/*.csv (hive layout, one folder per year,
every file holds the year column too: `read_parquet('parquet/<mart>/*/*.parquet')` reads it whole), and no Excel
variant (Excel could not open it; the README says so). Its manifest entry names the folders and hashes every
file in them.

CSV text cells that start with = + - @ (or tab / carriage return) get a leading apostrophe so that a
spreadsheet does not run them as formulas (CSV/formula injection; OWASP). A cell that is exactly "-" (SSB's
status symbol for "zero") is left alone: it cannot be a formula. Parquet files are never altered.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.diskspace import guard, remove_tree
from pipeline.paths import DBT_PROJECT_DIR, Home
from pipeline.refresh_meta import read_refresh_meta

MARTS_SCHEMA = "marts"
BOM = "\ufeff".encode()
FORMULA_PREFIX = r"^[=+@\t\r-]"
NUMERIC_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
PARTITION_ROWS = 1_048_575  # Excel's row limit less the header row
PARTITION_COLUMN = "year"


@dataclass
class MartExport:
    name: str
    rows: int
    columns: list[tuple[str, str]]
    files: dict[str, str]  # format -> path relative to the exports dir
    sha256: dict[str, str] = field(default_factory=dict)


@dataclass
class ExportResult:
    out_dir: Path
    marts: list[MartExport]
    seconds: float
    run_id: str | None
    demo: bool
    readme: Path

    @property
    def rows(self) -> dict[str, int]:
        return {m.name: m.rows for m in self.marts}


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def neutralise_sql(expr: str) -> str:
    """SQL expression: the text value with a leading apostrophe when it would start a spreadsheet formula."""
    return (f"case when regexp_matches({expr}, '{FORMULA_PREFIX}') and {expr} <> '-' "
            f"then '''' || {expr} else {expr} end")


def _select_list(columns: list[tuple[str, str]], excel: bool) -> str:
    parts = []
    for name, dtype in columns:
        col = _q(name)
        t = dtype.upper()
        if t.startswith(NUMERIC_FLOAT_TYPES):
            expr = f"replace(cast({col} as varchar), '.', ',')" if excel else col
        elif t in ("VARCHAR", "TEXT", "STRING") or t.startswith(("STRUCT", "MAP", "UNION", "JSON")) or t.endswith(
                "[]"):
            text = col if t in ("VARCHAR", "TEXT", "STRING") else f"cast({col} as varchar)"
            expr = neutralise_sql(text)
        else:
            expr = col
        parts.append(f"{expr} as {col}")
    return ", ".join(parts)


def column_docs(manifest_path: Path | None = None) -> dict[str, dict[str, Any]]:
    """mart name -> {description, columns: {name: description}} from dbt's manifest.json (empty if none)."""
    path = manifest_path or DBT_PROJECT_DIR / "target" / "manifest.json"
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    docs: dict[str, dict[str, Any]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        fqn = node.get("fqn", [])
        if MARTS_SCHEMA not in fqn[1:-1] and not str(node.get("schema", "")).endswith(MARTS_SCHEMA):
            continue
        docs[node.get("alias") or node["name"]] = {
            "description": (node.get("description") or "").strip(),
            "columns": {c: (v.get("description") or "").strip() for c, v in node.get("columns", {}).items()},
        }
    return docs


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mart_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str]]:
    """(column, type) of a published mart, in order."""
    return [(r[0], r[1]) for r in con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [MARTS_SCHEMA, name]).fetchall()]


def copy_csv(con: duckdb.DuckDBPyConnection, columns: list[tuple[str, str]], relation: str, path: Path) -> None:
    """The plain CSV of the exports (comma, text that would start a spreadsheet formula neutralised) of
    `relation` (a table name or a parenthesised query with the given columns) into path. The report's
    per-indicator CSVs are written by this too."""
    con.execute(f"copy (select {_select_list(columns, excel=False)} from {relation}) "
                f"to {_sql_str(str(path))} (format csv, header, delimiter ',', quote '\"')")


def _sha256_tree(path: Path) -> str:
    """sha256 over a partitioned export: each file's relative path and content hash, in path order."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f"{f.relative_to(path).as_posix()} {_sha256(f)}\n".encode())
    return h.hexdigest()


def _export_partitioned(con: duckdb.DuckDBPyConnection, name: str, out: Path, columns: list[tuple[str, str]],
                        rows: int) -> MartExport:
    """A mart too large for one file (and for Excel): Parquet and CSV folders partitioned by year."""
    source = f"{MARTS_SCHEMA}.{_q(name)}"
    files = {"parquet": f"parquet/{name}", "csv": f"csv/{name}"}
    part = _q(PARTITION_COLUMN)
    con.execute(f"copy (select * from {source}) to {_sql_str(str(out / files['parquet']))} "
                f"(format parquet, compression zstd, partition_by ({part}), write_partition_columns true)")
    con.execute(f"copy (select {_select_list(columns, excel=False)} from {source}) "
                f"to {_sql_str(str(out / files['csv']))} "
                f"(format csv, header, delimiter ',', quote '\"', partition_by ({part}), "
                "write_partition_columns true)")
    return MartExport(name, int(rows), columns, files, {k: _sha256_tree(out / v) for k, v in files.items()})


def _export_one(con: duckdb.DuckDBPyConnection, name: str, out: Path,
                partition_rows: int = PARTITION_ROWS) -> MartExport:
    columns = mart_columns(con, name)
    rows = con.execute(f"select count(*) from {MARTS_SCHEMA}.{_q(name)}").fetchone()[0]
    if rows > partition_rows and PARTITION_COLUMN in dict(columns):
        return _export_partitioned(con, name, out, columns, rows)
    source = f"{MARTS_SCHEMA}.{_q(name)}"
    files = {"parquet": f"parquet/{name}.parquet", "csv": f"csv/{name}.csv",
             "csv_excel_no": f"csv-excel-no/{name}.csv"}
    con.execute(f"copy (select * from {source}) to {_sql_str(str(out / files['parquet']))} "
                "(format parquet, compression zstd)")
    copy_csv(con, columns, source, out / files["csv"])
    excel = out / files["csv_excel_no"]
    plain = excel.with_name(f".{excel.name}.nobom")
    con.execute(f"copy (select {_select_list(columns, excel=True)} from {source}) "
                f"to {_sql_str(str(plain))} (format csv, header, delimiter ';', quote '\"')")
    with excel.open("wb") as dst, plain.open("rb") as src:
        dst.write(BOM)
        shutil.copyfileobj(src, dst, 1 << 20)
    plain.unlink()
    return MartExport(name, int(rows), columns, files, {k: _sha256(out / v) for k, v in files.items()})


def _readme(result_marts: list[MartExport], docs: dict[str, dict[str, Any]], refresh: dict[str, Any],
            demo: bool) -> str:
    lines = [
        "# kommune-sdg exports",
        "",
        "Every mart of the published warehouse (`warehouse/kommune_sdg.duckdb`, schema `marts`), written after "
        "each successful refresh. Norsk: alle tabeller (marts) som Parquet og CSV; `csv-excel-no/` åpnes rett "
        "i norsk Excel (semikolon, desimalkomma).",
        "",
    ]
    if demo:
        lines += ["> **DEMO DATA** - synthetic values in SSB's format, not official statistics "
                  "(demodata, ikke offisiell statistikk).", ""]
    lines += [
        f"- Refresh run: `{refresh.get('run_id', '-')}`",
        f"- Published at: {refresh.get('published_at', '-')}",
        f"- Snapshot kind: {refresh.get('snapshot_kind', '-')}",
        f"- Exported at: {datetime.now(UTC).isoformat(timespec='seconds')}",
        "",
        "## Formats",
        "",
        "| folder | format |",
        "|---|---|",
        "| `parquet/` | Parquet (zstd), typed, exactly the published table |",
        "| `csv/` | UTF-8 (no BOM), `,` separator, `.` decimal point, `\"` quoting, header row, empty = null |",
        "| `csv-excel-no/` | UTF-8 with BOM, `;` separator, `,` decimal comma, for Norwegian Excel |",
        "",
        "In both CSV variants a text cell that starts with `=`, `+`, `-`, `@`, tab or carriage return is "
        "prefixed with an apostrophe (`'`) so spreadsheets do not evaluate it as a formula; a cell that is "
        "exactly `-` (SSB's symbol for zero) is kept as is. Parquet is unaltered. `manifest.json` lists "
        "every file with its sha256.",
        "",
        "## Marts",
        "",
    ]
    for m in result_marts:
        d = docs.get(m.name, {})
        lines += [f"### `{m.name}` ({m.rows:,} rows)", ""]
        if d.get("description"):
            lines += [d["description"], ""]
        if "csv_excel_no" in m.files:
            lines += [f"Files: `{m.files['parquet']}`, `{m.files['csv']}`, `{m.files['csv_excel_no']}`", ""]
        else:
            lines += [f"Folders partitioned by year (`{PARTITION_COLUMN}=YYYY/`): `{m.files['parquet']}/`, "
                      f"`{m.files['csv']}/`. Too many rows for a spreadsheet, so no `csv-excel-no/` file; read "
                      f"it whole with `read_parquet('{m.files['parquet']}/*/*.parquet')`.", ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        cols = d.get("columns", {})
        for name, dtype in m.columns:
            desc = (cols.get(name) or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{name}` | {dtype} | {desc} |")
        lines.append("")
    return "\n".join(lines)


def export_marts(db_path: Path, out_dir: Path, manifest_path: Path | None = None,
                 duckdb_config: dict | None = None, partition_rows: int = PARTITION_ROWS) -> ExportResult:
    """Export every table of schema marts into a fresh sibling directory, then swap it in for out_dir.

    `duckdb_config`: the warehouse resource's DuckDB settings (memory cap). `partition_rows`: marts with more
    rows are written partitioned by year, without the Excel variant."""
    t0 = time.perf_counter()
    db_path, out_dir = Path(db_path), Path(out_dir)
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no published warehouse to export (run `kommune-sdg refresh` first)")
    stamp = f"{os.getpid()}-{time.time_ns()}"
    work = out_dir.with_name(f".{out_dir.name}.{stamp}.tmp")
    # a full disk: the half-written set is removed, the previous exports stay whole, and DiskFull names it
    with guard("the exports", work, cleanup=remove_tree(work)):
        for sub in ("parquet", "csv", "csv-excel-no"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(db_path), read_only=True, config=duckdb_config or {})
        try:
            names = [r[0] for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1",
                [MARTS_SCHEMA]).fetchall()]
            refresh = {k: (str(v) if v is not None else None) for k, v in (read_refresh_meta(con) or {}).items()}
            marts = [_export_one(con, n, work, partition_rows) for n in names]
            demo = "demo" in str(refresh.get("snapshot_kind") or "").split(",")
            if not demo and "indicator_values" in names:
                cols = {c for c, _ in next(m for m in marts if m.name == "indicator_values").columns}
                if "is_demo" in cols:
                    demo = bool(con.execute("select coalesce(bool_or(is_demo), false) "
                                            "from marts.indicator_values").fetchone()[0])
        finally:
            con.close()
        docs = column_docs(manifest_path)
        (work / "README.md").write_text(_readme(marts, docs, refresh, demo), encoding="utf-8")
        (work / "manifest.json").write_text(json.dumps({
            "run_id": refresh.get("run_id"), "published_at": refresh.get("published_at"),
            "snapshot_kind": refresh.get("snapshot_kind"), "demo": demo,
            "marts": {m.name: {"rows": m.rows, "files": m.files, "sha256": m.sha256,
                               "columns": [{"name": c, "type": t} for c, t in m.columns]} for m in marts},
        }, indent=2), encoding="utf-8")
    _swap_in(work, out_dir)
    return ExportResult(out_dir, marts, time.perf_counter() - t0, refresh.get("run_id"), demo, out_dir / "README.md")


def _swap_in(work: Path, out_dir: Path) -> None:
    """Replace out_dir by work with two renames (readers see the old or the new set, briefly none)."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.{os.getpid()}-{time.time_ns()}.old")
        os.rename(out_dir, old)
    os.rename(work, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    for stale in out_dir.parent.glob(f".{out_dir.name}.*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)


def export_home(home: Home) -> ExportResult:
    return export_marts(home.published_db, home.exports_dir)
