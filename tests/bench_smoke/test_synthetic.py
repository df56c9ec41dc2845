"""The synthetic generator at tiny N: exact snapshot format, chunked files, same rows through the ingest path."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.catalog import TableSpec, ssb_catalog
from pipeline.raw_tables import SSB_COLUMNS, ssb_arrow_tables, write_ssb_parquet
from pipeline.snapshot import Snapshot, open_snapshot
from testkit.synthetic import generate_synthetic_snapshot, main, synthetic_env


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_synthetic_snapshot(tmp_path_factory.mktemp("syn") / "s", 12, max_cells=500)


def _reader_rows(s: Snapshot, table: TableSpec) -> pd.DataFrame:
    """One table's catalog rows as the JSON-stat reader (read_jsonstat) gives them, in file order."""
    frame = s.read_table(table.id)
    frame = frame[frame["ContentsCode"].isin(table.contents_codes)].reset_index(drop=True)
    other = sorted(c for c in frame.columns if c not in (table.region_dimension, "ContentsCode", "Tid", "value",
                                                           "status", "source_file", "sha256"))
    filters = [";".join(f"{d}={v}" for d, v in zip(other, row, strict=True)) for row in
               frame[other].itertuples(index=False)] if other else [""] * len(frame)
    return pd.DataFrame({"region": frame[table.region_dimension], "filters": filters,
                         "year": frame["Tid"].str[:4].astype(int), "value": frame["value"]})


def test_every_catalog_table_is_readable_and_complete(snap: Path) -> None:
    s = open_snapshot(snap)
    catalog = ssb_catalog()
    assert s.kind == "synthetic" and sorted(s.table_ids) == sorted(t.id for t in catalog.tables)
    for table in catalog.tables:
        frame = pa.concat_tables(ssb_arrow_tables(s, catalog, table.id)).to_pandas()
        n_sel = 1
        for values in table.selection.values():
            n_sel *= len(values)
        assert len(frame) == 13 * n_sel * len(table.contents) * len(catalog.years)  # 12 units + the total
        assert frame["value"].notna().mean() > 0.9


def test_files_are_split_under_the_cell_limit(snap: Path) -> None:
    s = open_snapshot(snap)
    catalog = ssb_catalog()

    def cells_per_region(t: TableSpec) -> int:
        n_sel = 1
        for values in t.selection.values():
            n_sel *= len(values)
        return n_sel * len(t.contents) * len(catalog.years)

    widest = max(catalog.tables, key=cells_per_region)
    assert 13 * cells_per_region(widest) > 500  # 12 units + the total: more than one file's 500 cells
    entry = s.entry(widest.id)
    assert len(entry["data"]) > 1
    assert len(s.read_table(widest.id)) > 0
    for rel in entry["data"]:
        assert (snap / rel).exists()


def test_arrow_path_gives_the_reader_rows(snap: Path, tmp_path: Path) -> None:
    s = open_snapshot(snap)
    catalog = ssb_catalog()
    for table in catalog.tables[:5]:
        want = _reader_rows(s, table)
        files = write_ssb_parquet(s, catalog, table.id, tmp_path / table.id)
        got = duckdb.sql(f"select {', '.join(SSB_COLUMNS)} from read_parquet({[str(f) for f in files]})").df()
        assert len(got) == len(want) == sum(t.num_rows for t in ssb_arrow_tables(s, catalog, table.id))
        assert got["region"].tolist() == want["region"].tolist()
        assert got["filters"].tolist() == want["filters"].tolist()
        assert got["year"].tolist() == want["year"].tolist()
        pd.testing.assert_series_equal(got["value"], want["value"], check_names=False)


def test_units_become_a_dbt_project_copy(snap: Path) -> None:
    """The benchmark switch is a dbt project copy with synthetic seeds, handed over as a setting."""
    import yaml

    from pipeline.resources import ReferenceData

    env = synthetic_env(snap)
    project = Path(env["KOMMUNE_SDG_DBT_PROJECT_DIR"])
    with (project / "seeds" / "municipalities_2024.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["municipality_code"] for r in rows][:2] == ["0001", "0002"] and len(rows) == 12
    assert sorted(ReferenceData(dbt_project_dir=str(project)).municipalities()) == [r["municipality_code"]
                                                                                   for r in rows]
    assert yaml.safe_load((project / "dbt_project.yml").read_text())["vars"]["municipality_code_re"] == "[0-9]{4}"
    with (project / "seeds" / "klass_crosswalk.csv").open(encoding="utf-8") as fh:
        crosswalk = list(csv.DictReader(fh))
    assert len(crosswalk) == 12 and {r["from_code"] == r["to_code"] for r in crosswalk} == {True}


def test_cli_sets_the_years(tmp_path: Path) -> None:
    out = tmp_path / "y"
    assert main([str(out), "--units", "3", "--first-year", "2005"]) == 0
    s = open_snapshot(out)
    frame = _reader_rows(s, ssb_catalog().table("07459"))
    assert sorted(frame["year"].astype(int).unique()) == list(range(2005, ssb_catalog().years[-1] + 1))
