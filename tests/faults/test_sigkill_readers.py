"""A refresh killed with SIGKILL while dbt builds, then the next refresh, watched by four reader processes:
the published warehouse is byte-for-byte unchanged by the killed run, and readers see the old marts or the new
ones, never a mix. The recovery refresh doubles as the refresh the readers watch. A lab of its own
(tests/faults/conftest.py), so it runs beside the other fault modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipeline.paths import REPO_ROOT
from testkit.faults.lab import Lab, marts_state
from testkit.faults.scenarios import sigkill_during_dbt

pytestmark = pytest.mark.slow

READERS = 4


@pytest.fixture(scope="module")
def killed_then_refreshed_with_readers(lab: Lab, tmp_path_factory: pytest.TempPathFactory):
    """SIGKILL a refresh during dbt, then run the next refresh while four reader processes query the
    published warehouse read-only in a loop."""
    work = tmp_path_factory.mktemp("readers")
    old_run, old_sum = marts_state(lab.published)
    stop = work / "stop"
    env = os.environ | {"PYTHONPATH": str(REPO_ROOT)}
    readers = [subprocess.Popen([sys.executable, "-m", "testkit.faults.reader", str(lab.published), str(stop),
                                 str(work / f"reader{i}.jsonl")], cwd=REPO_ROOT, env=env) for i in range(READERS)]
    try:
        outcome = sigkill_during_dbt(lab, work)
    finally:
        stop.touch()
        codes = [r.wait(timeout=120) for r in readers]
    samples = [[json.loads(line) for line in (work / f"reader{i}.jsonl").read_text().splitlines()]
               for i in range(READERS)]
    new_run, new_sum = marts_state(lab.published)
    return outcome, samples, codes, (old_run, old_sum), (new_run, new_sum)


def test_sigkill_midway_then_next_refresh_succeeds(killed_then_refreshed_with_readers) -> None:
    o, *_ = killed_then_refreshed_with_readers
    assert o.extra["killed_in_dbt"], "the refresh was not killed while dbt ran"
    assert o.published_unchanged, "the killed refresh changed the published warehouse"
    assert o.result == "succeeded", o.reason
    assert o.extra["stale_removed"]


def test_four_readers_see_old_or_new_marts_never_a_mix(killed_then_refreshed_with_readers) -> None:
    o, samples, codes, (old_run, old_sum), (new_run, new_sum) = killed_then_refreshed_with_readers
    assert codes == [0] * READERS
    errors = [s for per in samples for s in per if "error" in s]
    assert not errors, errors[:5]
    assert all(len(per) > 10 for per in samples), [len(p) for p in samples]
    assert new_run == o.extra["run_id"] != old_run
    seen: dict[str, set[str]] = {}
    for per in samples:
        for s in per:
            seen.setdefault(s["run_id"], set()).add(s["checksum"])
    assert set(seen) <= {old_run, new_run}
    assert seen[old_run] == {old_sum}
    assert seen.get(new_run, {new_sum}) == {new_sum}  # marts of the new run only ever with its run_id
    runs_in_order = [[s["run_id"] for s in per] for per in samples]
    for order in runs_in_order:  # once a reader saw the new marts it never sees the old ones again
        if new_run in order:
            assert old_run not in order[order.index(new_run):]
