"""Shared fixtures. Tests hand a home to the product as resources/settings (`run_refresh(settings, ...)`,
`Settings.for_home`), never through the environment; a test that starts the CLI as a subprocess passes
`Settings.environ()`.

One demo refresh per test run (testkit/shared_demo.py), shared by every pytest-xdist worker:

- `published_demo` (session): `PublishedDemo(home, settings, summary, published_sha256)`, a home holding one
  successful `run_refresh(settings, "demo")` (marts, reports, exports, quality report, Dagster run history).
  READ ONLY: query `home.published_db` read-only, serve its reports, start read-only processes on it. Never
  refresh, submit or write into it; the session ends with an error if its published warehouse changed.
- `demo_home_copy` (function): `Settings` of a private, writable copy of that home in the test's tmp_path, for
  a test that refreshes, submits, breaks or prunes something. A copy costs about a second; a refresh a minute.
- `copy_home(published_demo, dest)` (testkit.shared_demo): the same copy for a module-scoped fixture whose
  tests share one writable home (e.g. the fault lab, tests/e2e/test_nightly_refresh.py).
- `module_home` (module): an empty home, for tests that must start from nothing (live runs, a first refresh).

The test order puts the slowest modules first (SLOW_FIRST below), so both workers stay busy to the end under
`--dist loadscope --no-loadscope-reorder` (the Makefile's `test` target), and a worker is handed its next module
only when the last test of its current one starts (`pytest_xdist_make_scheduler` below), so a long module is not
promised to a worker that is still busy while the other one runs out of work.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.paths import Home
from pipeline.settings import Settings
from testkit.shared_demo import PublishedDemo, copy_home, sha256_file  # noqa: F401 (sha256_file: for tests)
from testkit.shared_demo import published_demo as _published_demo


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    """A fresh, empty KOMMUNE_SDG_HOME for one test module."""
    root = tmp_path_factory.mktemp("ksdg_home")
    yield Home(root).ensure()


def _run_folder(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every worker of this run sees (and no other run): an xdist worker's base temp is
    <run>/popen-gwN, so its parent; without xdist, the run's own base temp."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def published_demo(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedDemo]:
    """The run's one published demo refresh (read only; see the module docstring)."""
    demo = _published_demo(_run_folder(pytestconfig, tmp_path_factory))
    yield demo
    assert sha256_file(demo.home.published_db) == demo.published_sha256, (
        f"a test wrote into the shared published demo ({demo.home.published_db}): use demo_home_copy")


@pytest.fixture
def demo_home_copy(published_demo: PublishedDemo, tmp_path: Path) -> Settings:
    """Settings of a private, writable copy of the published demo's home."""
    return copy_home(published_demo, tmp_path / "demo_home")


# Modules in the order the workers should start them: the longest first (whole refreshes per module, and
# --durations, see docs/benchmarks.md "Test suite time"). Of the first two, one builds the shared demo (the
# first module needs it) while the other works in a home of its own (live refreshes). Every other module
# follows in collection order.
SLOW_FIRST = (
    "tests/deploy/test_service.py",  # 2 whole refreshes on the service stack (a copy of the shared demo)
    "tests/e2e/test_live_refresh.py",  # own home: 2 whole live refreshes, the first one cold
    "tests/faults/test_disk_full.py",  # 5 dbt builds (2 failing at or after dbt, 3 retries)
    "tests/deploy/test_service_failures.py",  # 1 whole refresh, 2 cut short, waits on PostgreSQL and monitoring
    "tests/e2e/test_demo_separation.py",  # 2 whole refreshes
    "tests/faults/test_faults.py",  # 1 dbt build, 10 failing runs
    "tests/faults/test_sigkill_readers.py",  # 1 whole refresh, 1 killed during dbt
    "tests/postgres_marts/test_postgres_marts.py",  # 1 whole live refresh
    "tests/api/test_refresh_under_load.py",  # 1 whole refresh (the CLI)
    "tests/retention/test_retention.py",
    "tests/scoring/test_scoring_fixture.py",
    "tests/e2e/test_nightly_refresh.py",
    "tests/klass/test_harmonisation_sql.py",
    "tests/ui/test_dagster_ui.py",
    "tests/ui/test_report_browser.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slowest modules first (a stable sort: the order inside a module stays as written)."""
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.hookimpl(optionalhook=True)  # xdist's hook: unknown with -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadscope` that hands a worker its next module only when the last test of its current module
    starts (xdist's default: when the second-to-last starts). A worker runs a test only once it knows the next
    one (for fixture teardown), so one test must stay queued; a module promised earlier could sit behind a long
    last test (a refresh in a module fixture, a live refresh) while the other worker has nothing left to do."""
    if config.getoption("dist", "no") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415 (pytest-xdist is only there for -n)

    class LastTestLoadScope(LoadScopeScheduling):
        def _reschedule(self, node) -> None:  # noqa: ANN001 (xdist's WorkerController)
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) > 1:
                return
            self._assign_work_unit(node)

    return LastTestLoadScope(config, log)
