"""SSB time codes keyed to a year: a period of years counts for its END year (docs/methodology.md section 2)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.catalog import ContentsSpec, SsbCatalog, TableSpec
from pipeline.raw_tables import ssb_arrow_tables
from pipeline.snapshot import FORMAT_VERSION, SnapshotError, open_snapshot, sha256_bytes, write_manifest
from pipeline.ssb.fetch import build_selection
from pipeline.ssb.jsonstat import jsonstat_dimension, parse_jsonstat, write_jsonstat
from pipeline.ssb.periods import period_year


@pytest.mark.parametrize(("code", "year"), [
    ("2024", 2024), ("2024K3", 2024), ("2024M01", 2024), ("2024H1", 2024), ("2024U52", 2024),
    ("2020-2022", 2022),  # three-year average (12944 persistent low income): its end year
    ("2022-2023", 2023),  # school year
])
def test_period_year(code: str, year: int) -> None:
    assert period_year(code) == year


@pytest.mark.parametrize("code", ["202", "år2024", "2024-", "2022-2020", "2024K"])
def test_period_year_refuses_what_is_not_a_year(code: str) -> None:
    with pytest.raises(ValueError, match="time code"):
        period_year(code)


def _snapshot(root: Path, periods: list[str]) -> Path:
    """One table (id 90100) with two municipalities and three-year periods, as a snapshot on disk."""
    dims = {"Region": jsonstat_dimension("region", ["K-0301", "K-1101"]),
            "ContentsCode": jsonstat_dimension("statistikkvariabel", ["Andel"]),
            "Tid": jsonstat_dimension("periode", periods)}
    data = write_jsonstat(dims, [float(i) for i in range(2 * len(periods))], label="t", source="SSB", updated=None)
    rel = "tables/90100/data-000.json"
    (root / "tables/90100").mkdir(parents=True)
    (root / rel).write_bytes(data)
    write_manifest(root, {"format": FORMAT_VERSION, "kind": "fixture", "tables": {
        "90100": {"data": [rel], "sha256": {rel: sha256_bytes(data)}}}})
    return root


def _catalog() -> SsbCatalog:
    table = TableSpec(id="90100", label_nb="treårsperioder", region_dimension="Region",
                      contents=(ContentsSpec(code="Andel", label_nb="andel", unit="prosent"),))
    return SsbCatalog(base_url="", first_year=2015, last_year=2024, tables=(table,))


def test_three_year_periods_are_keyed_by_their_end_year(tmp_path: Path) -> None:
    snap = open_snapshot(_snapshot(tmp_path, ["2018-2020", "2019-2021", "2020-2022"]))
    rows = pa.concat_tables(ssb_arrow_tables(snap, _catalog(), "90100")).to_pylist()
    keyed = {(r["region"], r["period"]): (r["year"], r["value"]) for r in rows}
    # values in row-major order [region, contents, period]: 0301 -> 0, 1, 2; 1101 -> 3, 4, 5
    assert keyed == {("K-0301", "2018-2020"): (2020, 0.0), ("K-0301", "2019-2021"): (2021, 1.0),
                     ("K-0301", "2020-2022"): (2022, 2.0), ("K-1101", "2018-2020"): (2020, 3.0),
                     ("K-1101", "2019-2021"): (2021, 4.0), ("K-1101", "2020-2022"): (2022, 5.0)}


def test_a_time_code_without_a_year_names_file_and_table(tmp_path: Path) -> None:
    snap = open_snapshot(_snapshot(tmp_path, ["2020-2022", "siste"]))
    with pytest.raises(SnapshotError, match=r"data-000\.json: table 90100: time code 'siste'"):
        list(ssb_arrow_tables(snap, _catalog(), "90100"))


def test_a_live_fetch_selects_periods_by_their_end_year() -> None:
    periods = ["2012-2014", "2013-2015", "2022-2024", "2023-2025"]
    meta = parse_jsonstat(write_jsonstat(
        {"Region": jsonstat_dimension("region", ["K-0301"]),
         "ContentsCode": jsonstat_dimension("statistikkvariabel", ["Andel"]),
         "Tid": jsonstat_dimension("periode", periods)},
        label="t", source="SSB", updated=None, role={"time": ["Tid"], "metric": ["ContentsCode"]}))
    selection, _ = build_selection(_catalog().table("90100"), meta, 2015, 2024)
    # 2013-2015 ends in 2015 (in range) although it starts before; 2023-2025 ends after 2024
    assert selection.value_codes["Tid"] == ("2013-2015", "2022-2024")
