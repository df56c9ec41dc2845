"""fetch_snapshot against the local PxWebApi v2 server: limits, content-addressed storage, replay, incremental."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline.catalog import ssb_catalog
from pipeline.snapshot import open_snapshot
from pipeline.ssb.errors import SsbEmptyData
from pipeline.ssb.fetch import fetch_snapshot, latest_snapshot
from pipeline.ssb.selection import min_requests
from tests.ssb.conftest import fast_client, small_catalog

DIMS = ["Region", "ContentsCode", "Tid"]
MAX_CELLS = 500  # small enough that every table needs several requests


def _fetch(server, snapshots: Path, lines: list[str] | None = None, catalog=None, **kw):
    log = lines.append if lines is not None else (lambda _m: None)
    client = fast_client(server.base_url, log=log)
    return fetch_snapshot(catalog or small_catalog(), snapshots, server.base_url, client=client, log=log, **kw)


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = [c for c in a.columns if c not in ("source_file", "sha256")]
    key = [c for c in cols if c not in ("value", "status")]
    left = a[cols].sort_values(key).reset_index(drop=True)
    right = b[cols].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_full_fetch_keeps_limits_and_replays_exactly(pxweb, demo_snapshot: Path, tmp_path: Path) -> None:
    server = pxweb(max_cells=MAX_CELLS, calls=30, window_s=1.0)
    lines: list[str] = []
    result = _fetch(server, tmp_path, lines)
    catalog = small_catalog()
    assert set(result.tables) == {t.id for t in catalog.tables} and result.changed == list(result.tables)
    # every cell request was within the limit; the test server saw exactly what the client counted
    data_cells = [r.cells for r in server.requests if r.path.endswith("/data")]
    assert data_cells and max(data_cells) <= MAX_CELLS and server.count() == result.requests
    demo = open_snapshot(demo_snapshot)
    snap = result.snapshot()
    assert snap.kind == "live" and snap.manifest["limits"]["maxDataCells"] == MAX_CELLS
    for table in catalog.tables:
        stats = result.tables[table.id]
        entry = snap.entry(table.id)
        n_data = len(entry["data"])
        codelist = 1 if table.region_codelist and server.count("/codelists") else 0
        # as few data requests as the cell limit allows (a box tiling may need one more: 12241 needs 48, not 47)
        assert min_requests(stats.cells, MAX_CELLS) <= n_data <= min_requests(stats.cells, MAX_CELLS) + 1
        assert stats.requests in (2 + n_data, 2 + n_data + codelist)  # info + metadata (+ codelist once) + data
        assert entry["fetch"]["status"] == "changed" and len(entry["fetch"]["urls"]) == 2 + n_data
        _same_rows(snap.read_table(table.id), demo.read_table(table.id))
    assert all(len(snap.entry(t.id)["data"]) > 1 for t in catalog.tables)
    assert server.count("/codelists") <= 1  # fetched at most once, shared by all agg_KommSummer tables
    assert sum(s.requests for s in result.tables.values()) == result.requests - 1  # + /config
    # content-addressed: every stored file is named by the sha256 of its bytes
    for path in (tmp_path / "objects").rglob("*.json"):
        assert path.stem == hashlib.sha256(path.read_bytes()).hexdigest()
    assert any(re.fullmatch(r"07459: \d+/\d+ requests, [\d,]+ cells", line) for line in lines)
    assert latest_snapshot(tmp_path).root == result.snapshot_dir


def test_second_fetch_is_one_request_per_table(pxweb, tmp_path: Path) -> None:
    server = pxweb(max_cells=100_000, calls=100)
    first = _fetch(server, tmp_path)
    server.reset_log()
    lines: list[str] = []
    second = _fetch(server, tmp_path, lines, previous=first.snapshot())
    n = len(small_catalog().tables)
    assert second.unchanged == list(second.tables) and second.requests == 1 + n  # /config + one per table
    assert server.count("/data") == 0 and server.count("/metadata") == 0
    assert all(s.requests == 1 and s.status == "unchanged" for s in second.tables.values())
    assert any("07459: unchanged since" in line for line in lines)
    snap = second.snapshot()
    assert snap.root != first.snapshot_dir and snap.entry("07459")["fetch"]["reused_from"] == str(first.snapshot_dir)
    for tid in snap.table_ids:
        _same_rows(snap.read_table(tid), first.snapshot().read_table(tid))


def test_only_tables_with_a_new_updated_are_downloaded(pxweb, tmp_path: Path) -> None:
    server = pxweb(max_cells=100_000, calls=100)
    tables = ["07459", "10540", "12241"]
    first = _fetch(server, tmp_path, tables=tables)
    server.bump_updated("10540", "2026-01-02T07:00:00Z")
    second = _fetch(server, tmp_path, previous=first.snapshot(), tables=tables)
    assert second.changed == ["10540"] and second.tables["10540"].updated == "2026-01-02T07:00:00Z"
    assert second.snapshot().entry("10540")["updated"] == "2026-01-02T07:00:00Z"


def test_a_catalog_change_forces_a_download(pxweb, tmp_path: Path) -> None:
    server = pxweb(max_cells=2000)
    catalog = small_catalog()
    first = fetch_snapshot(catalog, tmp_path, server.base_url, client=fast_client(server.base_url), log=lambda m: None)
    narrower = replace(catalog, first_year=2020)
    second = fetch_snapshot(narrower, tmp_path, server.base_url, client=fast_client(server.base_url),
                            previous=first.snapshot(), log=lambda m: None, tables=["07459"])
    assert second.changed == ["07459"]
    assert sorted(second.snapshot().read_table("07459")["Tid"].unique()) == [str(y) for y in range(2020, 2025)]


def test_transient_faults_during_a_fetch_are_absorbed(pxweb, tmp_path: Path) -> None:
    server = pxweb(max_cells=2000)
    server.inject("status", 2, status=503, path_contains="/data")
    server.inject("truncate", 1, path_contains="/metadata")
    server.inject("status", 1, status=429, retry_after=1, path_contains="/tables/09429")
    result = _fetch(server, tmp_path, tables=["07459", "09429"])
    assert result.retries == 4 and result.changed == ["07459", "09429"]
    assert result.snapshot().read_table("09429")["value"].notna().any()


def test_renamed_region_dimension_keeps_the_last_good_data_as_stale(pxweb, tmp_path: Path) -> None:
    """SSB changed a table's structure: that table keeps its last good data (marked stale, dated, with the
    reason in SSB's labels) and never stops the rest of the fetch."""
    server = pxweb(max_cells=2000)
    first = _fetch(server, tmp_path, tables=["07459", "12241"])
    server.bump_updated("12241")
    server.bump_updated("07459")
    server.rename_dimension("12241", "Region", "KOKkommuneregion0000")
    second = _fetch(server, tmp_path, previous=first.snapshot(), tables=["07459", "12241"])
    assert second.changed == ["07459"] and second.stale == ["12241"]
    snap = second.snapshot()
    status = snap.table_status("12241")
    assert status["status"] == "stale" and "KOKkommuneregion0000" in status["reason"]
    assert status["data_fetched_at"] == first.snapshot().entry("12241")["fetch"]["data_fetched_at"]
    assert snap.table_status("07459")["status"] == "current"
    # the kept data are the previous snapshot's bytes
    kept = [snap.read_bytes(rel, "12241") for rel in snap.entry("12241")["data"]]
    assert kept == [first.snapshot().read_bytes(rel, "12241") for rel in first.snapshot().entry("12241")["data"]]


def test_mismatched_table_without_an_earlier_copy_is_dropped_with_the_reason(pxweb, tmp_path: Path) -> None:
    server = pxweb(max_cells=2000)
    server.rename_dimension("12241", "Region", "KOKkommuneregion0000")
    result = _fetch(server, tmp_path, tables=["07459", "12241"])
    assert result.changed == ["07459"] and result.dropped == ["12241"]
    snap = result.snapshot()
    assert "12241" not in snap.table_ids
    assert snap.table_status("12241")["status"] == "dropped"
    assert "region" in snap.dropped["12241"]["reason"]


def test_added_dimension_is_eliminated_or_refused(pxweb, tmp_path: Path) -> None:
    server = pxweb(max_cells=2000)
    server.add_dimension("01182", "Kjonn", ["0", "1", "2"], elimination=True)
    lines: list[str] = []
    result = _fetch(server, tmp_path, lines, tables=["01182"])
    assert "dimension Kjonn not in the catalog: eliminated (totals)" in result.tables["01182"].notes
    assert list(result.snapshot().read_table("01182").columns[:3]) == DIMS
    server.add_dimension("09429", "Alder", ["16-19", "20-24"], elimination=False)
    refused = _fetch(server, tmp_path, tables=["09429"])
    assert refused.dropped == ["09429"]
    assert "Alder" in refused.snapshot().dropped["09429"]["reason"]


def test_all_null_data_is_refused(pxweb, tmp_path: Path) -> None:
    server = pxweb(max_cells=2000)
    server.null_values("06944")
    with pytest.raises(SsbEmptyData, match=r"table 06944: all [\d,]+ values are missing"):
        _fetch(server, tmp_path, tables=["06944"])
    assert latest_snapshot(tmp_path) is None


def test_codelist_lets_the_region_be_split_to_the_minimum(pxweb, demo_snapshot: Path, tmp_path: Path) -> None:
    regions = json.loads((demo_snapshot / "tables/07459/metadata.json").read_text())["dimension"]["Region"]
    codes = list(regions["category"]["index"])
    server = pxweb(max_cells=500, codelists={"agg_KommSummer": codes})
    result = _fetch(server, tmp_path, tables=["07459"])
    assert len(result.snapshot().entry("07459")["data"]) == 8 == min_requests(3580, 500)
    assert server.count("/codelists/agg_KommSummer") == 1


def test_without_the_codelist_the_split_falls_back_to_other_dimensions(pxweb, demo_snapshot: Path,
                                                                       tmp_path: Path) -> None:
    server = pxweb(max_cells=500, codelists={})
    lines: list[str] = []
    result = _fetch(server, tmp_path, lines, tables=["07459"])
    assert len(result.snapshot().entry("07459")["data"]) == 10  # one per year: the region stays `*`
    assert any("codelist agg_KommSummer unavailable" in line for line in lines)
    _same_rows(result.snapshot().read_table("07459"), open_snapshot(demo_snapshot).read_table("07459"))


def test_whole_catalog_fetches_replays_and_refreshes_incrementally(pxweb, full_demo_snapshot: Path,
                                                                  tmp_path: Path) -> None:
    """Every table of the real catalog, at SSB's own cell limit: 1 + 3 requests per table, then 1 + 1."""
    catalog = ssb_catalog()
    server = pxweb(full_demo_snapshot, max_cells=800_000, calls=200, window_s=1.0)
    first = _fetch(server, tmp_path, catalog=catalog)
    n = len(catalog.tables)
    # a retry (a response slowed past the client's timeout on a loaded machine) is counted, not hidden
    assert first.requests - first.retries == 1 + 3 * n and first.changed == [t.id for t in catalog.tables]
    demo, snap = open_snapshot(full_demo_snapshot), first.snapshot()
    for table in catalog.tables:
        _same_rows(snap.read_table(table.id), demo.read_table(table.id))
    second = _fetch(server, tmp_path, catalog=catalog, previous=snap)
    assert second.requests - second.retries == 1 + n and second.unchanged == [t.id for t in catalog.tables]
