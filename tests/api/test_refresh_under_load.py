"""A full refresh (`kommune-sdg refresh --force`, its own process) runs and publishes while clients keep asking
the real API process: no request fails, every answer comes from the old run or the new one, never a mix, and
once the new run has answered nobody gets the old one again. The refresh is not blocked by the open reader.
The home is a copy of the run's shared demo refresh (a home that has published: the nightly case), so the forced
refresh rebuilds from the stored snapshot."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bench.api_load import Load, dashboard_mix
from pipeline.api.reader import file_key
from testkit.api_server import api_process, refresh_command
from testkit.shared_demo import PublishedDemo, copy_home
from tests.api.conftest import get, open_deleted_files

CLIENTS = 6
REFRESH_TIMEOUT_S = 900


def test_refresh_in_the_middle_of_the_load(published_demo: PublishedDemo, tmp_path: Path) -> None:
    settings = copy_home(published_demo, tmp_path / "home")
    old_run = published_demo.summary.run_id
    with api_process(settings, tmp_path / "api.log") as api:
        load = Load(api.url, dashboard_mix(api.url), CLIENTS, timeout_s=10)
        load.start()
        time.sleep(2)
        before = file_key(settings.home.published_db)
        with (tmp_path / "refresh.log").open("wb") as log:
            refresh = subprocess.run(refresh_command("demo"), env=os.environ | settings.environ(), stdout=log,
                                     stderr=subprocess.STDOUT, timeout=REFRESH_TIMEOUT_S, check=False)
        refresh_done = load.now()
        time.sleep(2)
        samples = load.stop()
        log_tail = (tmp_path / "refresh.log").read_text(errors="replace")[-3000:]
        assert refresh.returncode == 0, log_tail
        assert file_key(settings.home.published_db) != before  # the refresh published a new file
        new_run = get(api, "/v1/meta").json()["run"]["run_id"]
        held = open_deleted_files(api.proc.pid, settings.home.published_db.name)
    assert new_run != old_run
    errors = [s.error for s in samples if s.error]
    assert errors == [], errors[:5]
    assert {s.status for s in samples} <= {200, 304}
    assert {s.run for s in samples} == {old_run, new_run}
    during = [s for s in samples if 2 <= s.start < refresh_done]
    assert len(during) > 50, "the load did not run during the refresh"
    first_new = min(s.start + s.latency for s in samples if s.run == new_run)
    assert not [s for s in samples if s.start > first_new and s.run == old_run]
    assert held == []
