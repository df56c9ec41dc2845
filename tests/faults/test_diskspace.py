"""Running out of disk space on a real small filesystem (a 1 MiB tmpfs; root needed: without it these tests
fail with MountError, they never skip): publish and exports fail with a DiskFull naming the place, remove
what they half-wrote, and leave the published warehouse and the previous exports as they were."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from pipeline.diskspace import DiskFull, require
from pipeline.exports import export_marts
from pipeline.publish import publish_marts
from pipeline.resources import Warehouse
from testkit.faults.diskfull import MiB, tmpfs


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def build_db(tmp_path: Path) -> Path:
    """A build database with one mart of 300 000 rows (several MiB on disk), on the normal filesystem."""
    path = tmp_path / "build.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.goal_scores as select range as id, md5(range::varchar) as h "
                "from range(300000)")
    con.close()
    return path


def test_publish_into_a_full_filesystem_fails_clearly_and_changes_nothing(tmp_path: Path, build_db: Path) -> None:
    small = tmp_path / "small"
    with tmpfs(small, 1 * MiB, carry=False):
        published = small / "kommune_sdg.duckdb"
        published.write_bytes(b"the old warehouse")
        before = _sha(published)
        wh = Warehouse(build_db=str(build_db), published_db=str(published))
        with pytest.raises(DiskFull) as err:
            publish_marts(wh, ["goal_scores"], "run12345", "demo")
        assert str(err.value).startswith("out of disk space while writing the new published warehouse (publish)")
        assert str(small) in str(err.value) and "free space and run the refresh again" in str(err.value)
        assert _sha(published) == before
        assert sorted(p.name for p in small.iterdir()) == ["kommune_sdg.duckdb"]  # no half-written file left


def test_exports_into_a_full_filesystem_keep_the_previous_set(tmp_path: Path, build_db: Path) -> None:
    small = tmp_path / "small"
    with tmpfs(small, 1 * MiB, carry=False):
        exports = small / "exports"
        exports.mkdir()
        (exports / "README.md").write_text("the previous exports", encoding="utf-8")
        with pytest.raises(DiskFull, match="out of disk space while writing the exports"):
            export_marts(build_db, exports)
        assert [p.name for p in small.iterdir()] == ["exports"]  # the half-written set is gone
        assert (exports / "README.md").read_text(encoding="utf-8") == "the previous exports"


def test_the_space_check_before_publishing_names_the_need(tmp_path: Path) -> None:
    small = tmp_path / "small"
    with tmpfs(small, 1 * MiB, carry=False):
        require({small / "a": 100 * 1024, small / "b": 100 * 1024}, "publishing")  # fits
        with pytest.raises(DiskFull, match=r"not enough disk space for publishing: about 1,258,291 bytes needed"):
            require({small / "a": 1 * MiB, small / "b": MiB // 5}, "publishing")  # one filesystem: they add up
