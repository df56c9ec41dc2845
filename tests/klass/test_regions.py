"""pipeline.regions.normalise_region and dbt's stg_ssb__observations classify region codes alike."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipeline.paths import DBT_PROJECT_DIR
from pipeline.regions import normalise_region

CASES = {
    "0301": ("municipality", "0301"), "K-0301": ("municipality", "0301"), "K-3201": ("municipality", "3201"),
    "03": ("county", "03"), "F-03": ("county", "03"), "F-31": ("county", "31"),
    "0000": ("country", "0000"),
    "K-21-22": ("other", "K-21-22"), "K-23": ("other", "K-23"), "K-Rest": ("other", "K-Rest"),
    "9999": ("other", "9999"), "K-9999": ("other", "K-9999"), "EAK": ("other", "EAK"),
    "030": ("other", "030"), "K-03": ("other", "K-03"), "F-0301": ("other", "F-0301"),
}


@pytest.mark.parametrize(("raw", "expected"), CASES.items())
def test_normalise_region(raw: str, expected: tuple[str, str]) -> None:
    assert normalise_region(raw) == expected


def test_python_and_dbt_staging_agree() -> None:
    sql = (DBT_PROJECT_DIR / "models" / "staging" / "stg_ssb__observations.sql").read_text(encoding="utf-8")
    sql = re.sub(r"\{\{\s*source\('raw',\s*'ssb_observations'\)\s*\}\}", "raw_obs", sql)
    # the default of the var municipality_code_re (dbt_project/macros/regions.sql)
    sql = re.sub(r"\{\{\s*municipality_code_re\(\)\s*\}\}", "[0-9]{4}", sql)
    assert "{{" not in sql
    con = duckdb.connect()
    con.execute("create table raw_obs (table_id varchar, region varchar, contents_code varchar, filters varchar, "
                "period varchar, year integer, value double, status varchar, source_file varchar, "
                "sha256 varchar, snapshot_kind varchar)")
    con.executemany("insert into raw_obs (region, year) values (?, 2024)", [[c] for c in CASES])
    rows = con.execute(f"select region_raw, region_kind, region_code from ({sql})").fetchall()
    assert len(rows) == len(CASES)
    for raw, kind, code in rows:
        assert (kind, code) == normalise_region(raw), raw
