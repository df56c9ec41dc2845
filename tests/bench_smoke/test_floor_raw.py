"""The transformation floor (bench/floor_raw.sql) equals the refresh's marts on the real demo refresh (KLASS
merges, splits and recodes, submissions, withheld indicators), so the floor cannot drift from the scoring
unnoticed; and its comparison does report a changed mart value."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from bench.floor_raw import KEYS, compare, run
from pipeline.paths import DBT_PROJECT_DIR
from testkit.shared_demo import PublishedDemo


@pytest.fixture(scope="module")
def floor(published_demo: PublishedDemo, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path]:
    """The floor over a copy of the build database of the test run's demo refresh (tests/conftest.py)."""
    work = tmp_path_factory.mktemp("floor")
    build = work / "build.duckdb"
    shutil.copyfile(published_demo.home.build_db, build)
    out = work / "floor.duckdb"  # a file named like the schema must work too
    return run(build, out, DBT_PROJECT_DIR), out, build


def test_floor_marts_equal_the_refresh_marts(floor: tuple[dict, Path, Path]) -> None:
    result, _, _ = floor
    assert set(result["tables"]) == set(KEYS)
    for table, r in result["tables"].items():
        assert r["floor_rows"] == r["mart_rows"] > 0, table
        assert r["columns_compared"] >= 1, table
    assert result["equal"], {t: r for t, r in result["tables"].items() if r["differing_columns"] or r["only_floor"]
                             or r["only_marts"] or r["duplicate_keys"]}
    # every column of the scoring marts is computed by the floor (indicators: its bounds and thresholds only)
    for table in ("indicator_values", "indicator_scores", "goal_scores", "sdg_index", "municipalities"):
        assert result["tables"][table]["mart_columns_not_in_floor"] == [], table


def test_comparison_reports_a_changed_mart_value(floor: tuple[dict, Path, Path], tmp_path: Path) -> None:
    _, out, build = floor
    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(build, changed)
    with duckdb.connect(str(changed)) as con:
        con.execute("update marts.indicator_scores set rating = 'red', score = score + 1 where (municipality_code, "
                    "indicator_id, year) = (select (municipality_code, indicator_id, year) from marts.indicator_scores "
                    "where score between 10 and 90 and rating = 'green' limit 1)")
        con.execute("delete from marts.goal_scores where (municipality_code, goal, year) = "
                    "(select (municipality_code, goal, year) from marts.goal_scores limit 1)")
    with duckdb.connect(str(out)) as con:
        result = compare(con, changed)
    assert result["indicator_scores"]["differing_columns"] == {"score": 1, "rating": 1}
    assert result["goal_scores"]["only_floor"] == 1 and result["goal_scores"]["only_marts"] == 0
