"""The real dbt project, copied to a temp dir and built on hand-made raw tables (the SQL fixture tests).

The copy keeps every model, macro and test; a test replaces only the seeds it needs with `write_csv`.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.paths import DBT_PROJECT_DIR, Home
from pipeline.raw_tables import SSB_COLUMNS
from pipeline.resources import Warehouse


def copy_dbt_project(root: Path) -> Path:
    project = root / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return project


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def csv_header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[0].split(",")


def load_raw(home: Home, ssb_rows: list[dict], submissions: pd.DataFrame) -> None:
    """raw.ssb_observations, raw.submission_values, raw.ssb_table_status and raw.refresh_inputs in a fresh build
    database, as the ingest asset writes them."""
    con = duckdb.connect(str(home.build_db))
    try:
        con.execute("create schema raw")
        con.register("ssb_df", pd.DataFrame(ssb_rows)[SSB_COLUMNS])
        con.execute("create table raw.ssb_observations as select * from ssb_df")
        con.register("subs_df", submissions)
        con.execute("create table raw.submission_values as select * from subs_df")
        con.execute("create table raw.ssb_table_status as select distinct table_id, 'current' as status, "
                    "null::varchar as reason, null::varchar as data_fetched_at from raw.ssb_observations")
        # a demo build when the SSB rows are demo rows, as the load step decides from the snapshot
        con.execute("create table raw.refresh_inputs as select 'fixture' as source, "
                    "coalesce(bool_and(snapshot_kind = 'demo'), false) as is_demo from raw.ssb_observations")
    finally:
        con.close()


def dbt_build(project: Path, home: Home, *args: str, vars: dict | None = None) -> subprocess.CompletedProcess:
    """`dbt build` of the copy into home's build database (passed as the pipeline passes it: the warehouse
    resource's dbt vars); fails the test with dbt's output if it fails."""
    dbt_vars = Warehouse.for_home(home).dbt_vars() | (vars or {})
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--project-dir", str(project),
         "--profiles-dir", str(project), "--vars", json.dumps(dbt_vars), *args],
        capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc
