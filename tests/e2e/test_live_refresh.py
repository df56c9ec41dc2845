"""`--source live` end to end against a real PxWebApi v2 server on 127.0.0.1 (no network needed)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from pipeline.asset_keys import SSB_SNAPSHOT
from pipeline.catalog import ssb_catalog
from pipeline.demo import generate_demo_snapshot
from pipeline.paths import Home
from pipeline.refresh import instance_for, run_refresh
from pipeline.settings import Settings
from testkit.pxweb_server import PxWebTestServer


@pytest.fixture(scope="module")
def ssb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PxWebTestServer]:
    snapshot = generate_demo_snapshot(tmp_path_factory.mktemp("ssb_origin"))
    server = PxWebTestServer(snapshot, calls=200, window_s=1.0)
    with server:
        yield server
    assert not server.violations, server.violations


def _snapshot_metadata(home: Home, run_id: str) -> dict:
    """What the snapshot asset recorded for the run (the fetch's cost, which tables were reused)."""
    instance = instance_for(home)
    records = instance.fetch_materializations(SSB_SNAPSHOT, limit=10).records
    record = next(r for r in records if r.run_id == run_id)
    return record.asset_materialization.metadata


def test_live_refresh_then_incremental(module_home: Home, ssb_server: PxWebTestServer) -> None:
    n_tables = len(ssb_catalog().tables)
    settings = Settings.for_home(module_home.root, ssb_base_url=ssb_server.base_url)  # the resource, swapped
    first = run_refresh(settings, "live")
    assert first.success, first.failures + first.checks_failed
    meta = _snapshot_metadata(module_home, first.run_id)
    assert meta["snapshot_kind"].value == "live"
    assert meta["ssb_tables_unchanged"].value == []
    con = duckdb.connect(str(module_home.published_db), read_only=True)
    try:
        assert con.execute("select snapshot_kind from meta.refresh").fetchone() == ("live",)
        assert con.execute("select count(*) from marts.municipalities").fetchone() == (357,)
    finally:
        con.close()

    requests_before = ssb_server.count()
    second = run_refresh(settings, "live")
    assert second.success, second.failures + second.checks_failed
    meta = _snapshot_metadata(module_home, second.run_id)
    # nothing changed at SSB: one /tables/{id} request per table (+ /config), every table reused
    assert sorted(meta["ssb_tables_unchanged"].value) == sorted(t.id for t in ssb_catalog().tables)
    assert ssb_server.count() - requests_before == n_tables + 1


def test_table_whose_structure_changed_goes_stale_and_the_rest_publishes(module_home: Home,
                                                                          ssb_server: PxWebTestServer) -> None:
    """SSB renames a table's region dimension: the live refresh still publishes, that table's indicators keep
    the last good data marked stale (with the date and SSB's labels of what changed) in marts.indicators, and
    the WARN check ssb_tables_current names it for the quality report."""
    settings = Settings.for_home(module_home.root, ssb_base_url=ssb_server.base_url)
    ssb_server.bump_updated("12241")
    ssb_server.rename_dimension("12241", "Region", "KOKkommuneregion0000")
    third = run_refresh(settings, "live")
    assert third.success, third.failures + third.checks_failed
    assert any("ssb_tables_current" in c and "12241 stale" in c for c in third.checks_failed)  # WARN, not blocking
    meta = _snapshot_metadata(module_home, third.run_id)
    assert list(meta["tables_stale"].value) == ["12241"]
    con = duckdb.connect(str(module_home.published_db), read_only=True)
    try:
        rows = con.execute("select distinct data_status, data_status_reason, data_fetched_at from marts.indicators "
                           "where table_id = '12241'").fetchall()
        others = con.execute("select distinct data_status from marts.indicators where source_type = 'ssb' "
                             "and table_id <> '12241'").fetchall()
        values = con.execute("select count(*) from marts.indicator_values v join marts.indicators i "
                             "using (indicator_id) where i.table_id = '12241'").fetchone()[0]
    finally:
        con.close()
    [(status, reason, fetched_at)] = rows
    assert status == "stale" and "KOKkommuneregion0000" in reason and fetched_at
    assert others == [("current",)]
    assert values > 0  # the last good data still score
