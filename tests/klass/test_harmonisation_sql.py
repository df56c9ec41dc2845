"""The KLASS harmonisation models on a tiny hand-made fixture, checked against numbers worked out by hand.

Models under test: int_harmonisation__located_observations, int_harmonisation__unmapped_regions and
int_ssb__municipality_values. The real dbt project is copied to a temp dir; the seeds klass_crosswalk,
klass_aggregation and klass_municipality_versions are replaced and raw.ssb_observations is written into a fresh
build database. One real `dbt build` (those models, their parents and every dbt test on them, structure_year
2024) runs per module.

Fixture structures (crosswalk onto 2024; weight, from_population). The rows with to_year 2023 are decoys the
models must ignore.

    from_year  from_code -> to_code  change_type  weight  from_population
    2019       0301      -> 0301     unchanged    1         700 000
    2019       0219      -> 3201     recoded      1         130 000
    2019       1001      -> 4204     merged       1          90 000
    2019       1018      -> 4204     merged       1          10 000
    2019       1507      -> 1508     split        0.75       80 000
    2019       1507      -> 1580     split        0.25       80 000
    2023       0301      -> 0301     unchanged    1         710 000
    2023       3024      -> 3201     recoded      1         135 000
    2023       4204      -> 4204     unchanged    1         115 000
    2023       1507      -> 1508     split        0.75       88 000
    2023       1507      -> 1580     split        0.25       88 000
    2024       0301, 3201, 4204, 1508, 1580 -> itself, unchanged
    (decoys, to_year 2023: 2019 0219 -> 3024 recoded, 2019 1001 -> 4204 merged)

Table 90001, contents (klass_aggregation): Antall sum, Folk sum, Rate mean_pop_weighted,
Per1000 ratio = 1000 * Antall / Folk (its raw values are a deliberately wrong 999: it must be recomputed).

Raw values (Antall, Folk, Rate); data of 2019 and 2020 on 2019 codes, 2023 on 2023 codes, 2024 on 2024 codes
(as 'K-xxxx'):

    code  2019                  2020                      2023                  2024
    0301  7000 700000 10        7100 710000 11            9000 720000 12        7300 730000 13
    0219  2600 130000 20        1320 132000 21            -                     -
    3024  -                     -                         1400 140000 22        -
    3201  -                     -                         -                     1450 145000 23
    1001   900  90000 30         950  95000 31            -                     -
    1018   300  10000 50        '..' 11000 ':'            -                     -
    4204  '.' (all four)        -                         1150 115000 33        1160 116000 34
    1507  1200  80000 12        1260  84000 13            1000  88000 14        -
    1508  -                     -                         -                      800  64000 15
    1580  -                     -                         -                      270  22500 15
    9876  Antall 5              Antall 6                  Antall 7, Folk 700    -      (no structure knows it)
    0000  -                     -                         -                     Antall 1 (country: ignored)

('..' = missing value, ':' = confidential, '.' = cannot occur: 4204 did not exist in 2019.)
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.paths import Home
from pipeline.raw_tables import SUBMISSION_COLUMNS
from tests.dbt_fixture import copy_dbt_project, csv_header, dbt_build, load_raw, write_csv

TABLE = "90001"

CROSSWALK = [  # from_year, to_year, from_code, to_code, weight, change_type, from_population
    (2019, 2024, "0301", "0301", 1, "unchanged", 700000),
    (2019, 2024, "0219", "3201", 1, "recoded", 130000),
    (2019, 2024, "1001", "4204", 1, "merged", 90000),
    (2019, 2024, "1018", "4204", 1, "merged", 10000),
    (2019, 2024, "1507", "1508", 0.75, "split", 80000),
    (2019, 2024, "1507", "1580", 0.25, "split", 80000),
    (2023, 2024, "0301", "0301", 1, "unchanged", 710000),
    (2023, 2024, "3024", "3201", 1, "recoded", 135000),
    (2023, 2024, "4204", "4204", 1, "unchanged", 115000),
    (2023, 2024, "1507", "1508", 0.75, "split", 88000),
    (2023, 2024, "1507", "1580", 0.25, "split", 88000),
    (2024, 2024, "0301", "0301", 1, "unchanged", 730000),
    (2024, 2024, "3201", "3201", 1, "unchanged", 145000),
    (2024, 2024, "4204", "4204", 1, "unchanged", 116000),
    (2024, 2024, "1508", "1508", 1, "unchanged", 64000),
    (2024, 2024, "1580", "1580", 1, "unchanged", 22500),
    # decoys on another target structure
    (2019, 2023, "0219", "3024", 1, "recoded", 130000),
    (2019, 2023, "1001", "4204", 1, "merged", 90000),
]

AGGREGATION = [  # table_id, contents_code, aggregation, numerator, denominator, scale
    (TABLE, "Antall", "sum", "", "", ""),
    (TABLE, "Folk", "sum", "", "", ""),
    (TABLE, "Rate", "mean_pop_weighted", "", "", ""),
    (TABLE, "Per1000", "ratio", "Antall", "Folk", 1000),
]

VERSIONS = [  # code, name, valid_from, valid_to
    ("0301", "Oslo", "", ""), ("0219", "Bærum", "", "2020-01-01"), ("3024", "Bærum", "2020-01-01", "2024-01-01"),
    ("3201", "Bærum", "2024-01-01", ""), ("1001", "Kristiansand", "", "2020-01-01"),
    ("1018", "Søgne", "", "2020-01-01"), ("4204", "Kristiansand", "2020-01-01", ""),
    ("1507", "Ålesund", "", "2024-01-01"), ("1508", "Ålesund", "2024-01-01", ""),
    ("1580", "Haram", "2024-01-01", ""),
]

# region -> year -> (Antall, Folk, Rate); a str is a null value with that status
RAW = {
    "0301": {2019: (7000, 700000, 10), 2020: (7100, 710000, 11), 2023: (9000, 720000, 12)},
    "0219": {2019: (2600, 130000, 20), 2020: (1320, 132000, 21)},
    "3024": {2023: (1400, 140000, 22)},
    "1001": {2019: (900, 90000, 30), 2020: (950, 95000, 31)},
    "1018": {2019: (300, 10000, 50), 2020: ("..", 11000, ":")},
    "4204": {2019: (".", ".", "."), 2023: (1150, 115000, 33)},
    "1507": {2019: (1200, 80000, 12), 2020: (1260, 84000, 13), 2023: (1000, 88000, 14)},
    "K-0301": {2024: (7300, 730000, 13)},
    "K-3201": {2024: (1450, 145000, 23)},
    "K-4204": {2024: (1160, 116000, 34)},
    "K-1508": {2024: (800, 64000, 15)},
    "K-1580": {2024: (270, 22500, 15)},
}
EXTRA = [  # region, contents, year, value: codes no structure knows, and a country row
    ("9876", "Antall", 2019, 5), ("9876", "Antall", 2020, 6), ("9876", "Antall", 2023, 7),
    ("9876", "Folk", 2023, 700), ("0000", "Antall", 2024, 1),
]

# Worked out by hand. Per target cell: n_sources, harmonisation, source_structure_year, then the values of
# Antall, Folk, Rate, Per1000; a str is a NULL value with that status (else the status is NULL).
EXPECTED = [
    # unchanged (the single-source path): Per1000 recomputed, not the raw 999
    ("0301", 2019, 1, "unchanged", 2019, 7000, 700000, 10, 10),  # 1000 * 7000 / 700000
    ("0301", 2020, 1, "unchanged", 2019, 7100, 710000, 11, 10),
    ("0301", 2023, 1, "unchanged", 2023, 9000, 720000, 12, 12.5),  # 1000 * 9000 / 720000
    ("0301", 2024, 1, "unchanged", 2024, 7300, 730000, 13, 10),
    # recoded 0219 (2019) / 3024 (2023) -> 3201
    ("3201", 2019, 1, "recoded", 2019, 2600, 130000, 20, 20),
    ("3201", 2020, 1, "recoded", 2019, 1320, 132000, 21, 10),
    ("3201", 2023, 1, "recoded", 2023, 1400, 140000, 22, 10),
    ("3201", 2024, 1, "unchanged", 2024, 1450, 145000, 23, 10),
    # merged 1001 + 1018 -> 4204: 900 + 300; rate (30 * 90000 + 50 * 10000) / 100000 = 32 (not the plain
    # mean 40); Per1000 1000 * 1200 / 100000 = 12; the '.' rows of 4204 in 2019 are not a third source
    ("4204", 2019, 2, "merged", 2019, 1200, 100000, 32, 12),
    # 2020: 1018's Antall is '..' and its Rate ':' -> NULL with that status; Folk 95000 + 11000 still adds up
    ("4204", 2020, 2, "merged", 2019, "..", 106000, ":", ".."),
    ("4204", 2023, 1, "unchanged", 2023, 1150, 115000, 33, 10),
    ("4204", 2024, 1, "unchanged", 2024, 1160, 116000, 34, 10),
    # split 1507 -> 1508 (0.75) + 1580 (0.25): counts apportioned, the rate kept whole
    ("1508", 2019, 1, "split", 2019, 900, 60000, 12, 15),  # 1200 * 0.75, 80000 * 0.75; 1000 * 900 / 60000
    ("1580", 2019, 1, "split", 2019, 300, 20000, 12, 15),
    ("1508", 2020, 1, "split", 2019, 945, 63000, 13, 15),  # 1260 * 0.75, 84000 * 0.75
    ("1580", 2020, 1, "split", 2019, 315, 21000, 13, 15),
    ("1508", 2023, 1, "split", 2023, 750, 66000, 14, 1000 * 750 / 66000),  # 11.3636...
    ("1580", 2023, 1, "split", 2023, 250, 22000, 14, 1000 * 250 / 22000),
    ("1508", 2024, 1, "unchanged", 2024, 800, 64000, 15, 12.5),
    ("1580", 2024, 1, "unchanged", 2024, 270, 22500, 15, 12),
]
CONTENTS = ("Antall", "Folk", "Rate", "Per1000")


def _ssb_rows() -> list[dict]:
    rows: list[dict] = []

    def add(region: str, contents: str, year: int, value: float | str) -> None:
        null = isinstance(value, str)
        rows.append({"table_id": TABLE, "region": region, "contents_code": contents, "filters": "",
                     "period": str(year), "year": year, "value": None if null else float(value),
                     "status": value if null else None, "source_file": f"tables/{TABLE}/data-000.json",
                     "sha256": "f" * 64, "snapshot_kind": "fixture"})

    for region, years in RAW.items():
        for year, (antall, folk, rate) in years.items():
            add(region, "Antall", year, antall)
            add(region, "Folk", year, folk)
            add(region, "Rate", year, rate)
            # SSB's own ratio: missing where the count is, else a wrong number the model must not keep
            add(region, "Per1000", year, antall if isinstance(antall, str) else 999)
    for region, contents, year, value in EXTRA:
        add(region, contents, year, value)
    return rows


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("harmonisation")
    project = copy_dbt_project(root)
    seeds = project / "seeds"
    for name, rows in (("klass_crosswalk", CROSSWALK), ("klass_aggregation", AGGREGATION),
                       ("klass_municipality_versions", VERSIONS)):
        write_csv(seeds / f"{name}.csv", csv_header(seeds / f"{name}.csv"), rows)  # the real seed's columns
    assert csv_header(seeds / "klass_crosswalk.csv") == ["from_year", "to_year", "from_code", "to_code", "weight",
                                                      "change_type", "from_population"]
    assert csv_header(seeds / "klass_aggregation.csv") == ["table_id", "contents_code", "aggregation", "numerator",
                                                        "denominator", "scale"]

    home = Home(root / "home").ensure()
    load_raw(home, _ssb_rows(), pd.DataFrame({c: pd.Series(dtype=t) for c, t in SUBMISSION_COLUMNS.items()}))
    proc = dbt_build(project, home,
                     # the models, their parents and every test on them (the relationships test needs the versions seed)
                     "-s", "+int_ssb__municipality_values", "+int_harmonisation__unmapped_regions",
                     "klass_municipality_versions", vars={"structure_year": 2024})
    assert "int_ssb__municipality_values" in proc.stdout and "unique_combination" in proc.stdout
    con = duckdb.connect(str(home.build_db), read_only=True)
    yield con
    con.close()


def _values(con: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    rows = con.execute(
        "select contents_code, municipality_code, year, value, status, n_sources, harmonisation, "
        "source_structure_year, structure_year, table_id, filters from intermediate.int_ssb__municipality_values"
    ).fetchall()
    out: dict[tuple, tuple] = {}
    for contents, code, year, *rest in rows:
        assert (contents, code, year) not in out, ("duplicate", contents, code, year)
        out[(contents, code, year)] = tuple(rest)
    return out


def test_every_target_cell_by_hand(build) -> None:
    got = _values(build)
    expected_keys = {(c, code, year) for code, year, *_ in EXPECTED for c in CONTENTS}
    assert set(got) == expected_keys  # no 9876, no 0000, no old codes, nothing from the decoy structure
    for code, year, n, harm, sss, *values in EXPECTED:
        for contents, want in zip(CONTENTS, values, strict=True):
            value, status, n_sources, harmonisation, source_year, structure_year, table, filters = \
                got[(contents, code, year)]
            where = (contents, code, year)
            if isinstance(want, str):
                assert (value, status) == (None, want), where
            else:
                assert value == pytest.approx(want, rel=1e-9), where
                assert status is None, where
            assert (n_sources, harmonisation, source_year) == (n, harm, sss), where
            assert (structure_year, table, filters) == (2024, TABLE, ""), where


def test_unique_per_cell(build) -> None:
    dup = build.execute(
        "select table_id, contents_code, filters, municipality_code, year, count(*) "
        "from intermediate.int_ssb__municipality_values group by all having count(*) > 1").fetchall()
    assert dup == []
    assert build.execute("select count(*) from intermediate.int_ssb__municipality_values").fetchone()[0] == 80


def test_located_observations(build) -> None:
    rows = build.execute(
        "select from_code, municipality_code, weight, from_population, change_type, source_structure_year "
        "from intermediate.int_harmonisation__located_observations "
        "where contents_code = 'Antall' and year = 2023 order by from_code, municipality_code").fetchall()
    assert rows == [
        ("0301", "0301", 1.0, 710000.0, "unchanged", 2023),
        ("1507", "1508", 0.75, 88000.0, "split", 2023),
        ("1507", "1580", 0.25, 88000.0, "split", 2023),
        ("3024", "3201", 1.0, 135000.0, "recoded", 2023),
        ("4204", "4204", 1.0, 115000.0, "unchanged", 2023),
    ]  # 9876 has no crosswalk row: not located
    # the '.' rows (cannot occur) are not data: dropped before locating
    assert build.execute("select count(*) from intermediate.int_harmonisation__located_observations "
                         "where status = '.' or from_code in ('9876', '0000')").fetchone()[0] == 0
    # 4 contents x (6 rows x 2 years on 2019 + 5 on 2023 + 5 on 2024): the split source 1507 gives two rows
    assert build.execute("select count(*) from intermediate.int_harmonisation__located_observations"
                         ).fetchone()[0] == 4 * (12 + 5 + 5)


def test_unmapped_regions(build) -> None:
    rows = build.execute(
        "select table_id, region_raw, region_code, observations, first_year, last_year "
        "from intermediate.int_harmonisation__unmapped_regions").fetchall()
    assert rows == [(TABLE, "9876", "9876", 4, 2019, 2023)]
