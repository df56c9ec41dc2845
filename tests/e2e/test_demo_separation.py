"""Demo and real never mix: a demo run, then a live run (against the local PxWebApi test server) in the same
home; the live marts hold no demo row; a demo row forced into a live run is refused before anything is
published; the real intake refuses the bundled demo file. Real refreshes, real DuckDB files.

The home is a copy of the run's shared demo refresh (it has published before, the demo file processed), so its
demo run is forced (a real file does not change what a demo run loads) and generates neither the demo snapshot
nor the dbt docs again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from checks.gate import published_marts
from pipeline.dbt_manifest import dbt_project
from pipeline.demo import generate_demo_snapshot
from pipeline.demo.submission import DEMO_FILE, DEMO_MUNICIPALITY, demo_submission_bytes
from pipeline.paths import DBT_PROJECT_DIR, Home
from pipeline.refresh import RefreshSummary, run_refresh
from pipeline.settings import Settings
from pipeline.submissions import submit
from testkit.pxweb_server import PxWebTestServer
from testkit.shared_demo import PublishedDemo, copy_home
from tests.conftest import sha256_file

REAL_MUNICIPALITY = "0301"
REAL_FILE = "oslo_kpi.csv"
REAL_COMMENT = "Oslo kommune, energiregnskap"


def _real_file(tmp: Path) -> Path:
    """A real municipality's file (not the demo's bytes), in the coordinators' Excel CSV format."""
    path = tmp / REAL_FILE
    path.write_bytes(("\ufeffkommunenummer;indikator;år;verdi;enhet;kommentar\r\n"
                      f"{REAL_MUNICIPALITY};renewable_energy_share;2023;61,5;prosent;{REAL_COMMENT}\r\n"
                      ).encode())
    return path


def _marts_state(db: Path) -> dict[str, tuple[int, int, int]]:
    """Per published mart: (rows, rows with is_demo true, rows with is_demo false)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1").fetchall()]
        return {t: con.execute(f"select count(*), count(*) filter (where is_demo), count(*) filter (where not is_demo)"
                               f" from marts.{t}").fetchone() for t in tables}
    finally:
        con.close()


def _query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def live_ssb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PxWebApi v2 test server on 127.0.0.1 serving tables in SSB's format: a `live` refresh against it
    fetches them as SSB data (snapshot kind live, a real run). Yields its base URL."""
    server = PxWebTestServer(generate_demo_snapshot(tmp_path_factory.mktemp("ssb_origin")), calls=200, window_s=1.0)
    with server as base_url:
        yield base_url
    assert not server.violations, server.violations


@pytest.fixture(scope="module")
def runs(published_demo: PublishedDemo, live_ssb: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A real submission queued, then a demo run, then a live run, in one home; each run's marts recorded."""
    home = copy_home(published_demo, tmp_path_factory.mktemp("separation") / "home").home
    queued = submit(_real_file(tmp_path_factory.mktemp("real")), REAL_MUNICIPALITY, home)
    assert queued.accepted, [i.text() for i in queued.issues]
    demo = run_refresh(home, "demo", force=True)
    assert demo.success, demo.failures + demo.checks_failed
    assert demo.rows  # rebuilt and published (forced)
    demo_marts = _marts_state(home.published_db)
    demo_sources = _query(home.published_db, "select distinct source from marts.indicator_values "
                                             "where source like 'submission%' order by 1")
    settings = Settings.for_home(home.root, ssb_base_url=live_ssb)
    live = run_refresh(settings, "live")
    assert live.success, live.failures + live.checks_failed
    return {"home": home, "settings": settings, "demo": demo, "demo_marts": demo_marts,
            "demo_sources": demo_sources, "live": live, "live_marts": _marts_state(home.published_db)}


def test_every_mart_contracts_and_tests_its_demo_flag() -> None:
    """A new mart cannot slip through without is_demo: contracted as boolean, documented, and tested equal to
    the run's kind (the generic test is_demo_matches_run)."""
    manifest_path = dbt_project(DBT_PROJECT_DIR).manifest_path
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    marts = published_marts(manifest_path)
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    tested = {(n["attached_node"].rsplit(".", 1)[-1], n["column_name"]) for n in manifest["nodes"].values()
              if n["resource_type"] == "test" and n.get("test_metadata", {}).get("name") == "is_demo_matches_run"}
    for name in marts:
        column = models[name]["columns"].get("is_demo")
        assert column and column["data_type"] == "boolean" and column["description"], name
        assert models[name]["config"]["contract"]["enforced"], name
        assert (name, "is_demo") in tested, name


def test_every_published_mart_has_a_demo_flag(runs: dict) -> None:
    demo_marts, live_marts = runs["demo_marts"], runs["live_marts"]
    assert len(demo_marts) >= 10 and set(demo_marts) == set(live_marts)
    # demo run: every row of every mart flagged demo
    assert {t: (n, n, 0) for t, (n, _, _) in demo_marts.items()} == demo_marts
    assert all(n > 0 for n, _, _ in demo_marts.values())


def test_live_run_after_a_demo_run_has_no_demo_row(runs: dict) -> None:
    home: Home = runs["home"]
    live_marts = runs["live_marts"]
    assert {t: (n, 0, n) for t, (n, _, _) in live_marts.items()} == live_marts
    assert all(n > 0 for n, _, _ in live_marts.values())
    db = home.published_db
    assert _query(db, "select snapshot_kind, is_demo from meta.refresh") == [("live", False)]
    # the demo submission was processed into the demo intake, and the live run left it there
    assert list(home.demo_intake.accepted_dir.glob("*.parquet"))
    assert _query(db, f"select count(*) from marts.indicator_values where source = 'submission {DEMO_FILE}'"
                      ) == [(0,)]
    assert _query(db, f"select count(*) from marts.indicator_values where municipality_code = '{DEMO_MUNICIPALITY}'"
                      " and source like 'submission%'") == [(0,)]
    # the real submission is there, labelled real
    assert _query(db, f"select value, is_demo from marts.indicator_values where source = 'submission {REAL_FILE}'"
                      ) == [(61.5, False)]


def test_demo_run_loads_no_real_submission(runs: dict) -> None:
    """The real file was stored by the demo run's inbox step, but only the demo intake's file was loaded."""
    assert runs["demo_sources"] == [(f"submission {DEMO_FILE}",)]
    assert list(runs["home"].accepted_dir.glob("*.parquet"))  # stored in the real store all the same


def test_demo_row_forced_into_a_live_run_is_refused_and_nothing_published(runs: dict) -> None:
    """The old bug's state: the demo file's accepted rows copied into the real store. The live run refuses
    before dbt with a message naming the file; the published warehouse stays byte-identical."""
    home: Home = runs["home"]
    before = sha256_file(home.published_db)
    [demo_parquet] = home.demo_intake.accepted_dir.glob("*.parquet")
    injected = home.accepted_dir / demo_parquet.name
    shutil.copy2(demo_parquet, injected)
    try:
        refused: RefreshSummary = run_refresh(runs["settings"], "live", force=True)
    finally:
        injected.unlink()
    assert not refused.success
    failed = " ".join(refused.checks_failed)
    assert "run_holds_one_kind_of_data" in failed
    assert "live or replayed run (real data)" in failed and "contains demo data" in failed
    assert DEMO_FILE in failed and str(injected) in failed and "origin demo" in failed
    assert sha256_file(home.published_db) == before
    assert _marts_state(home.published_db) == runs["live_marts"]
    assert not any(c.startswith("marts/") for c in refused.checks_passed)  # dbt never ran


def test_real_intake_rejects_the_bundled_demo_file(module_home: Home, tmp_path: Path) -> None:
    """Handed in as a real file under any name, the demo's bytes are rejected with a bilingual reason."""
    path = tmp_path / "kpi_2024.csv"
    path.write_bytes(demo_submission_bytes())
    outcome = submit(path, DEMO_MUNICIPALITY, module_home)
    assert not outcome.accepted
    assert [i.rule for i in outcome.issues][:1] == ["inbox.demo_file"]
    assert "DEMO" in outcome.issues[0].message_en and "kpi_2024.csv" in outcome.issues[0].message_en
    assert not (module_home.inbox_dir / DEMO_MUNICIPALITY / path.name).exists()
