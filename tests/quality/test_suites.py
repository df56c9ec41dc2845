"""The GX suites and the drift comparison on real DataFrames (no Dagster): they pass on good data and
name the failing expectation, column and examples on bad data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from checks.drift import compare, table_stats
from checks.ssb_suites import expected_filters, table_suites, value_range
from checks.submission_suite import run_submission_suite
from pipeline.catalog import ssb_catalog
from pipeline.demo.regions import municipalities_2024
from pipeline.raw_tables import SSB_COLUMNS, SUBMISSION_COLUMNS

TABLE = "10540"


def _frame(years: range = range(2015, 2025)) -> pd.DataFrame:
    """A well-formed raw.ssb_observations slice for table 10540 (every municipality, every year)."""
    table = ssb_catalog().table(TABLE)
    filters = expected_filters(table)[0]
    rows = []
    rng = np.random.default_rng(7)
    for code in sorted(municipalities_2024()):
        for y in years:
            rows.append({"table_id": TABLE, "region": f"K-{code}", "contents_code": table.contents_codes[0],
                         "filters": filters, "period": str(y), "year": y, "value": float(rng.uniform(0.5, 5)),
                         "status": None, "source_file": "tables/10540/data-000.json", "sha256": "x" * 64,
                         "snapshot_kind": "demo"})
    frame = pd.DataFrame(rows)[SSB_COLUMNS]
    frame["year"] = frame["year"].astype("int32")
    return frame


@pytest.fixture(scope="module")
def suite():
    return next(s for s in table_suites(ssb_catalog(), list(municipalities_2024())) if s.table.id == TABLE)


def _texts(run) -> str:
    return " | ".join(f.text() for f in run.findings)


def test_good_table_passes(suite) -> None:
    run = suite.run(_frame())
    assert run.passed, _texts(run)
    assert run.evaluated >= 10


def test_missing_municipality_named(suite) -> None:
    frame = _frame()
    frame = frame[frame["region"] != "K-0301"]
    run = suite.run(frame)
    assert not run.passed
    assert "0301" in _texts(run) and "every municipality" in _texts(run)


def test_added_dimension_and_out_of_range_values_fail(suite) -> None:
    frame = _frame()
    frame.loc[frame.index[:5], "filters"] = "Alder=15-74;Kjonn=0"
    frame.loc[frame.index[10:13], "value"] = 250.0
    text = _texts(suite.run(frame))
    assert "filters" in text and "Kjonn=0" in text
    assert "expect_column_values_to_be_between" in text and "250.0" in text


def test_all_null_latest_year_fails(suite) -> None:
    frame = _frame()
    frame.loc[frame["year"] == 2024, "value"] = np.nan
    text = _texts(suite.run(frame))
    assert "expect_column_values_to_not_be_null" in text


def test_value_range_comes_from_config() -> None:
    table = ssb_catalog().table(TABLE)
    assert value_range(table, table.contents_codes[0]) == (0.0, 100.0)  # unit prosent


def test_drift_levels() -> None:
    base = table_stats(_frame())
    assert compare(base, base).severity == "ok"
    assert compare(base, None).severity == "ok"
    half = table_stats(_frame(range(2021, 2025)))  # 60 % of the rows gone
    assert compare(half, base).severity == "error"
    scaled = _frame()
    scaled["value"] *= 1.2
    drift = compare(table_stats(scaled), base)
    assert drift.severity == "warn" and "total changed 20%" in " ".join(drift.lines)


def _submissions(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return frame[list(SUBMISSION_COLUMNS)].astype(SUBMISSION_COLUMNS)


def _sub(code: str, indicator: str, value: float, year: int = 2024, sid: str = "s1") -> dict:
    return {"submission_id": sid, "municipality_code": code, "indicator_id": indicator, "year": year, "value": value,
            "unit": "prosent", "comment": None, "source_file": "f.csv", "row_number": 2, "content_sha256": "a" * 64,
            "received_at": pd.Timestamp("2025-01-01", tz="UTC"), "origin": "real"}


def test_submission_suite() -> None:
    munis = list(municipalities_2024())
    good = _submissions([_sub("0301", "household_internet_access", 97.0)])
    structural, plausible = run_submission_suite(good, munis)
    assert structural.passed and plausible.passed, _texts(structural) + _texts(plausible)
    bad = _submissions([_sub("9999", "household_internet_access", 97.0),
                        _sub("0301", "household_internet_access", 140.0),
                        _sub("0301", "household_internet_access", 120.0)])
    structural, plausible = run_submission_suite(bad, munis)
    assert "9999" in _texts(structural)
    assert "compound_columns_to_be_unique" in _texts(structural)
    assert "140.0" in _texts(plausible)
    empty = _submissions([_sub("0301", "household_internet_access", 1.0)]).iloc[0:0]
    structural, plausible = run_submission_suite(empty, munis)
    assert structural.passed and plausible.passed
