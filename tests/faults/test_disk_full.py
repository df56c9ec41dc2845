"""Disk-full faults through whole refreshes: each fails with a clear message, leaves the published warehouse
unchanged and nothing half-written, and the next refresh after freeing space publishes. A lab of its own
(tests/faults/conftest.py), so it runs beside the other fault modules; the unit-level disk-full tests are in
test_diskspace.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.faults.diskfull import DISK_FAULTS
from testkit.faults.lab import Lab

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", list(DISK_FAULTS))
def test_disk_full_fails_clearly_then_the_next_refresh_succeeds(lab: Lab, tmp_path: Path, name: str) -> None:
    """A real size-limited tmpfs (root needed: without it the scenario raises MountError and this test fails)."""
    o = DISK_FAULTS[name](lab, tmp_path)
    assert o.extra["failed_ok"], o
    assert o.published_unchanged, "the failed refresh changed the published warehouse"
    assert "disk space" in o.reason, o.reason
    assert o.extra["retry_ok"], o.notes
    assert o.extra["leftovers"] == [], o.extra
    if "direct" in o.extra:  # DuckDB's own ENOSPC while writing, turned into the clear message
        assert o.extra["direct"].startswith("out of disk space while writing"), o.extra["direct"]
    if "exports_intact" in o.extra:
        assert o.extra["exports_intact"]
    if "build_left" in o.extra:  # the half-built database was removed to give the space back
        assert "kommune_sdg_build.duckdb" not in o.extra["build_left"], o.extra["build_left"]
