"""Exports after each publish: every mart as Parquet, CSV and Norwegian-Excel CSV, a README of columns,
and CSV cells that cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest

from pipeline.exports import export_marts
from tests.ui.conftest import Published


def test_every_mart_is_exported_in_three_formats(published: Published) -> None:
    home = published.home
    con = duckdb.connect(str(home.published_db), read_only=True)
    try:
        marts = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema='marts'").fetchall()}
        manifest = json.loads((home.exports_dir / "manifest.json").read_text())
        assert set(manifest["marts"]) == marts and manifest["run_id"] == published.summary.run_id
        for name in marts:
            rows = con.execute(f"select count(*) from marts.{name}").fetchone()[0]
            cols = [r[0] for r in con.execute(f"describe marts.{name}").fetchall()]
            files = {k: home.exports_dir / v for k, v in manifest["marts"][name]["files"].items()}
            assert con.execute(f"select count(*) from '{files['parquet']}'").fetchone()[0] == rows
            assert [r[0] for r in con.execute(f"describe select * from '{files['parquet']}'").fetchall()] == cols
            plain = files["csv"].read_bytes()
            assert not plain.startswith(b"\xef\xbb\xbf")
            reader = list(csv.reader(io.StringIO(plain.decode("utf-8"))))
            assert reader[0] == cols and len(reader) == rows + 1
            excel = files["csv_excel_no"].read_bytes()
            assert excel.startswith(b"\xef\xbb\xbf")
            reader = list(csv.reader(io.StringIO(excel[3:].decode("utf-8")), delimiter=";"))
            assert reader[0] == cols and len(reader) == rows + 1
    finally:
        con.close()


def test_excel_variant_uses_decimal_comma(published: Published) -> None:
    home = published.home
    con = duckdb.connect(str(home.published_db), read_only=True)
    try:
        code, name, pop = con.execute("select municipality_code, municipality_name, population "
                                      "from marts.municipalities where municipality_code = '3201'").fetchone()
        goal, score = con.execute("select goal, score from marts.goal_scores where municipality_code='3201' "
                                  "and score is not null and score <> round(score) order by year desc, goal "
                                  "limit 1").fetchone()
    finally:
        con.close()
    text = (home.exports_dir / "csv-excel-no" / "goal_scores.csv").read_text(encoding="utf-8-sig")
    assert str(score).replace(".", ",") in text
    plain = (home.exports_dir / "csv" / "goal_scores.csv").read_text(encoding="utf-8")
    assert str(score) in plain
    munis = (home.exports_dir / "csv-excel-no" / "municipalities.csv").read_text(encoding="utf-8-sig")
    assert f"{code};{name};" in munis and "Bærum" in munis


def test_readme_lists_every_column_with_dbt_descriptions(published: Published) -> None:
    home = published.home
    readme = (home.exports_dir / "README.md").read_text(encoding="utf-8")
    manifest = json.loads((home.exports_dir / "manifest.json").read_text())
    for name, m in manifest["marts"].items():
        assert f"### `{name}`" in readme
        for col in m["columns"]:
            assert f"| `{col['name']}` | {col['type']} |" in readme
    assert "Official UN goal colour" in readme  # from the dbt model's column description
    assert "DEMO" in readme


@pytest.fixture()
def tricky_db(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute("create table marts.t (id integer, s varchar, x double)")
    con.executemany("insert into marts.t values (?, ?, ?)", [
        (1, "=1+1", -5.5), (2, "+x", 0.25), (3, "-2+3+cmd|' /C calc'!A0", None), (4, "@SUM(A1)", 1.0),
        (5, "-", 2.0), (6, "normal; with semicolon", 3.5), (7, "\tcmd", 4.0), (8, None, 5.0)])
    con.close()
    return db


def test_csv_cells_cannot_become_formulas(tricky_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    result = export_marts(tricky_db, out, manifest_path=tmp_path / "missing.json")
    assert result.rows == {"t": 8}
    rows = list(csv.reader(io.StringIO((out / "csv" / "t.csv").read_text(encoding="utf-8"))))
    cells = {int(r[0]): r[1] for r in rows[1:]}
    assert cells[1] == "'=1+1" and cells[2] == "'+x" and cells[3].startswith("'-2+3") and cells[4] == "'@SUM(A1)"
    assert cells[5] == "-" and cells[6] == "normal; with semicolon" and cells[7] == "'\tcmd" and cells[8] == ""
    assert rows[1][2] == "-5.5"
    excel = list(csv.reader(io.StringIO((out / "csv-excel-no" / "t.csv").read_text(encoding="utf-8-sig")),
                            delimiter=";"))
    ex = {int(r[0]): r for r in excel[1:]}
    assert ex[1][1] == "'=1+1" and ex[1][2] == "-5,5" and ex[2][2] == "0,25" and ex[6][1] == "normal; with semicolon"
    con = duckdb.connect()
    assert con.execute(f"select s from '{out / 'parquet' / 't.parquet'}' where id = 1").fetchone()[0] == "=1+1"
    # a second export replaces the first as a whole
    export_marts(tricky_db, out, manifest_path=tmp_path / "missing.json")
    assert sorted(p.name for p in out.parent.iterdir()) == ["exports", "w.duckdb"]


def test_large_marts_are_partitioned_by_year_without_excel_variant(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.big as select i as id, 2020 + i % 3 as year, '=x' || i as s, i / 4 as v "
                    "from range(10) as r(i)")
        con.execute("create table marts.small as select 1 as id, 2024 as year")
    out = tmp_path / "exports"
    result = export_marts(db, out, manifest_path=tmp_path / "missing.json", partition_rows=5)
    assert result.rows == {"big": 10, "small": 1}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["marts"]["big"]["files"] == {"parquet": "parquet/big", "csv": "csv/big"}
    assert set(manifest["marts"]["small"]["files"]) == {"parquet", "csv", "csv_excel_no"}
    assert sorted(p.name for p in (out / "parquet" / "big").iterdir()) == ["year=2020", "year=2021", "year=2022"]
    con = duckdb.connect()
    back = con.execute(f"select id, year, s, v from read_parquet('{out}/parquet/big/*/*.parquet') "
                       "order by id").fetchall()
    assert back == [(i, 2020 + i % 3, f"=x{i}", i / 4) for i in range(10)]  # typed, unaltered, year kept
    csv_rows = [r for f in sorted((out / "csv" / "big").rglob("*.csv"))
                for r in list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"))))[1:]]
    assert len(csv_rows) == 10 and all(r[2].startswith("'=") for r in csv_rows)  # formulas neutralised
    assert not (out / "csv-excel-no" / "big.csv").exists()
    assert "no `csv-excel-no/` file" in (out / "README.md").read_text(encoding="utf-8")
    assert len(manifest["marts"]["big"]["sha256"]["parquet"]) == 64
