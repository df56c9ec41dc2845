"""A server started before anything is published answers 503 with Retry-After; each publish (a file renamed
over the published path, as pipeline.publish does) is served without a restart, and the replaced file is
let go once its last request ended."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.settings import Settings
from testkit.api_server import ApiProcess, api_process
from tests.api.conftest import Published, copy_published, error_of, get, open_deleted_files


@pytest.fixture(scope="module")
def empty_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiProcess, Settings]]:
    settings = Settings.for_home(tmp_path_factory.mktemp("empty_home"))
    settings.home.ensure()
    with api_process(settings, tmp_path_factory.mktemp("api_log") / "api.log") as proc:
        yield proc, settings


def _relabelled(src: Path, dst: Path, run_id: str) -> Path:
    """A copy of a published warehouse that claims another run (what a second publish looks like)."""
    shutil.copyfile(src, dst)
    con = duckdb.connect(str(dst))
    try:
        con.execute("update meta.refresh set run_id = ?, published_at = now()", [run_id])
    finally:
        con.close()
    return dst


def test_nothing_published_is_503_with_retry_after(empty_api: tuple[ApiProcess, Settings]) -> None:
    api, _ = empty_api
    for path in ("/v1/meta", "/v1/goal-scores", "/v1/municipalities/0301"):
        resp = get(api, path)
        assert resp.status_code == 503, resp.text
        assert int(resp.headers["Retry-After"]) > 0
        assert "nothing is published" in error_of(resp)["message"]
    assert api.health()["published"] is False
    assert get(api, "/docs").status_code == 200  # the docs do not need data


def test_publishes_are_picked_up_without_restart(empty_api: tuple[ApiProcess, Settings], published: Published,
                                                 tmp_path: Path) -> None:
    api, settings = empty_api
    target = settings.home.published_db
    copy_published(published.home.published_db, target)
    first = get(api, "/v1/meta")
    assert first.status_code == 200 and first.json()["run"]["run_id"] == published.summary.run_id
    etag = get(api, "/v1/goals").headers["ETag"]

    copy_published(_relabelled(published.home.published_db, tmp_path / "second.duckdb", "second-run"), target)
    assert get(api, "/v1/meta").json()["run"]["run_id"] == "second-run"
    again = get(api, "/v1/goals", **{"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag and "second-run" in again.headers["ETag"]
    assert again.json()["run"]["run_id"] == "second-run"
    # the first file is closed: the server holds no replaced warehouse open
    assert open_deleted_files(api.proc.pid, target.name) == []

    copy_published(_relabelled(published.home.published_db, tmp_path / "third.duckdb", "third-run"), target)
    for _ in range(3):
        assert get(api, "/v1/goal-scores?page_size=1").json()["run"]["run_id"] == "third-run"
    assert open_deleted_files(api.proc.pid, target.name) == []


def test_unreadable_publish_is_503_until_a_good_one(empty_api: tuple[ApiProcess, Settings], published: Published,
                                                    tmp_path: Path) -> None:
    api, settings = empty_api
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a duckdb file" * 100)
    copy_published(bad, settings.home.published_db)
    resp = get(api, "/v1/meta")
    assert resp.status_code == 503 and "Retry-After" in resp.headers
    copy_published(published.home.published_db, settings.home.published_db)
    assert get(api, "/v1/meta").json()["run"]["run_id"] == published.summary.run_id
