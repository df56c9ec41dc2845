"""The nightly refresh end to end on the demo snapshot, and write-audit-publish under failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.demo.regions import municipalities_2024
from pipeline.paths import DBT_PROJECT_DIR, Home
from pipeline.refresh import RefreshSummary, instance_for, run_refresh
from pipeline.refresh_inputs import unchanged_refresh
from pipeline.settings import Settings
from testkit.faults.lab import rewrite_table
from testkit.shared_demo import PublishedDemo, copy_home
from tests.conftest import sha256_file

N_MUNICIPALITIES = 357


@pytest.fixture(scope="module")
def published(published_demo: PublishedDemo, tmp_path_factory: pytest.TempPathFactory) -> tuple[Home, RefreshSummary]:
    """The run's shared demo refresh, in a home of this module's own (its tests refresh and queue files in it)."""
    settings = copy_home(published_demo, tmp_path_factory.mktemp("nightly") / "home")
    assert published_demo.summary.success, published_demo.summary.failures + published_demo.summary.checks_failed
    return settings.home, published_demo.summary


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_refresh_publishes_marts(published: tuple[Home, RefreshSummary]) -> None:
    home, summary = published
    db = home.published_db
    assert db.exists()
    tables = {r[0] for r in query(db, "select table_name from information_schema.tables where table_schema='marts'")}
    assert {"municipalities", "goals", "indicators", "indicator_values", "goal_scores"} <= tables
    assert summary.checks_passed and not summary.checks_failed
    assert not home.build_db.with_name(".publishing").exists()


def test_goal_scores_cover_every_municipality_and_goal(published: tuple[Home, RefreshSummary]) -> None:
    db = published[0].published_db
    latest = query(db, "select max(year) from marts.goal_scores")[0][0]
    rows = query(db, f"select municipality_code, goal, score from marts.goal_scores where year = {latest}")
    assert len(rows) == N_MUNICIPALITIES * 17
    assert {r[0] for r in rows} == set(municipalities_2024())
    assert {r[1] for r in rows} == set(range(1, 18))
    scores = [r[2] for r in rows if r[2] is not None]
    assert scores, "no goal has a score"
    assert all(0 <= s <= 100 for s in scores)
    dupes = query(db, "select count(*) from (select 1 from marts.goal_scores "
                         "group by municipality_code, goal, year having count(*) > 1)")
    assert dupes == [(0,)]


def test_marts_keys_and_demo_label(published: tuple[Home, RefreshSummary]) -> None:
    db = published[0].published_db
    assert query(db, "select count(*), count(distinct municipality_code) from marts.municipalities") == [
        (N_MUNICIPALITIES, N_MUNICIPALITIES)]
    assert query(db, "select count(*), min(goal), max(goal) from marts.goals") == [(17, 1, 17)]
    assert query(db, "select count(*) from (select 1 from marts.indicator_values "
                     "group by municipality_code, indicator_id, year having count(*) > 1)") == [(0,)]
    # demo values are labelled in the marts and in the refresh metadata
    ssb_demo = query(db, "select bool_and(is_demo) from marts.indicator_values where source like 'SSB%'")
    assert ssb_demo == [(True,)]
    assert query(db, "select snapshot_kind from meta.refresh") == [("demo",)]
    codes = [r[0] for r in query(db, "select municipality_code from marts.municipalities")]
    assert all(isinstance(c, str) and len(c) == 4 for c in codes)


def test_run_history_is_kept_in_the_home(published: tuple[Home, RefreshSummary]) -> None:
    home, summary = published
    instance = instance_for(home)
    run = instance.get_run_by_id(summary.run_id)
    assert run is not None and run.job_name == "nightly_refresh" and run.is_success
    assert Path(instance.root_directory).resolve() == home.dagster_home.resolve()


def _copy_demo(home: Home, dest: Path) -> Path:
    shutil.copytree(home.demo_snapshot_dir, dest)
    return dest


def _drop_first_municipality(doc: dict) -> None:
    """Blank every 07459 value of one municipality (the region stays in the cube, its values go null)."""
    region = doc["id"][0]
    index = doc["dimension"][region]["category"]["index"]
    position = index["K-0301"]
    per_region = 1
    for size in doc["size"][1:]:
        per_region *= size
    for i in range(position * per_region, (position + 1) * per_region):
        doc["value"][i] = None


def test_failed_blocking_check_leaves_published_file_unchanged(published: tuple[Home, RefreshSummary],
                                                               tmp_path: Path) -> None:
    home, _ = published
    before = sha256_file(home.published_db)
    bad = _copy_demo(home, tmp_path / "bad_population")
    rewrite_table(bad, "07459", _drop_first_municipality)

    summary = run_refresh(home, f"snapshot:{bad}")

    assert not summary.success
    failed = " ".join(summary.checks_failed)
    assert "ssb_tables_cover_all_municipalities" in failed
    assert "0301" in failed  # the check says which municipality broke it
    assert sha256_file(home.published_db) == before


@pytest.mark.parametrize("fault", ["truncated", "missing"])
def test_corrupt_snapshot_fails_with_file_name_and_keeps_marts(published: tuple[Home, RefreshSummary],
                                                              tmp_path: Path, fault: str) -> None:
    home, _ = published
    before = sha256_file(home.published_db)
    bad = _copy_demo(home, tmp_path / f"{fault}_snapshot")
    victim = bad / "tables" / "12241" / "data-000.json"
    if fault == "truncated":
        victim.write_bytes(victim.read_bytes()[:5000])  # a half-written file
    else:
        victim.unlink()

    env = os.environ | Settings.for_home(home.root).environ()
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "refresh", "--source", f"snapshot:{bad}"],
                          capture_output=True, text=True, env=env, timeout=600, check=False)

    assert proc.returncode != 0
    assert str(victim) in proc.stderr, proc.stderr[-3000:]
    assert "left as it was" in proc.stderr
    assert sha256_file(home.published_db) == before


def test_unchanged_cli_refresh_stops_before_dagster(published: tuple[Home, RefreshSummary]) -> None:
    """Nothing new since the published run: the CLI says so and exits 0 with no Dagster run and no rebuild."""
    home, _ = published
    before = sha256_file(home.published_db)
    runs_before = len(instance_for(home).get_runs())
    env = os.environ | Settings.for_home(home.root).environ()
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "refresh", "--source", "demo"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "unchanged since published run" in proc.stdout
    assert sha256_file(home.published_db) == before
    assert len(instance_for(home).get_runs()) == runs_before


@pytest.mark.parametrize("source, message", [("snapshot:/no/such/folder", "does not exist"),
                                             ("livee", "unknown source 'livee'")])
def test_cli_refuses_a_bad_source_before_any_run(published: tuple[Home, RefreshSummary], source: str,
                                                 message: str) -> None:
    home, _ = published
    runs_before = len(instance_for(home).get_runs())
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "refresh", "--source", source],
                          capture_output=True, text=True, env=os.environ | Settings.for_home(home.root).environ(),
                          timeout=120, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(instance_for(home).get_runs()) == runs_before


def test_unchanged_shortcut_only_when_nothing_can_be_new(published: tuple[Home, RefreshSummary],
                                                        tmp_path: Path) -> None:
    home, _ = published

    def unchanged(source: str, force: bool = False, project: Path = DBT_PROJECT_DIR) -> dict | None:
        return unchanged_refresh(home, source, home.published_db, project, force=force)

    assert unchanged("demo") is not None
    assert unchanged("demo", force=True) is None
    assert unchanged("live") is None  # only a fetch can tell whether SSB changed
    pending = home.inbox_dir / "0301" / "kpi.csv"
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.write_text("kommunenummer;indikator;år;verdi\n", encoding="utf-8")
    try:
        assert unchanged("demo") is None  # the inbox step has work
    finally:
        pending.unlink()
    # another dbt project (a changed model) is another code version
    other = shutil.copytree(DBT_PROJECT_DIR, tmp_path / "dbt_project",
                            ignore=shutil.ignore_patterns("target", "logs"))
    (other / "models" / "marts" / "goals.sql").write_text(
        (other / "models" / "marts" / "goals.sql").read_text() + "\n-- changed\n")
    assert unchanged("demo", project=other) is None
    assert unchanged("demo") is not None


def test_unchanged_dagster_run_skips_the_rebuild(published: tuple[Home, RefreshSummary]) -> None:
    """The scheduled path (a Dagster run) skips ingest, dbt, checks and publish in the ingest asset instead."""
    home, _ = published
    before = sha256_file(home.published_db)
    summary = run_refresh(home, "demo")
    assert summary.success, summary.failures
    assert summary.rows == {}  # nothing materialised
    assert sha256_file(home.published_db) == before
