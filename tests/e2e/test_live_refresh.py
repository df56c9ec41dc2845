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
