"""kommune-sdg as a service when things break mid-refresh: PostgreSQL stopped, the code location killed.

The services of deploy/ run as real processes against a PostgreSQL cluster of this module alone (a throwaway
cluster with password authentication; the password reaches Dagster only through a secrets file), so the
database can be stopped and started again without touching the machine's shared server. The home has published
before (a copy of the run's shared demo refresh: the nightly case). In order: PostgreSQL stops during a refresh,
which fails with a clear message once PostgreSQL is back, the daemon carrying on; the code location is killed
during the next one, which run monitoring marks failed; the run after that publishes with no clean-up. The
published marts never change on a failure.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.shared_demo import PublishedDemo, copy_home
from tests.conftest import sha256_file
from tests.deploy.conftest import read_published
from tests.deploy.stack import OwnPostgres, ServiceStack

pytestmark = pytest.mark.slow

DONE = {"SUCCESS", "FAILURE", "CANCELED"}
CLEAR_REASONS = ("no heartbeat", "code-location server", "unexpectedly", "DB connection", "connection to server")


@pytest.fixture(scope="module")
def postgres() -> Iterator[OwnPostgres]:
    own = OwnPostgres.start_new(password=uuid.uuid4().hex, database="dagster")
    try:
        yield own
    finally:
        own.remove()


@pytest.fixture(scope="module")
def stack(postgres: OwnPostgres, published_demo: PublishedDemo,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceStack]:
    root = tmp_path_factory.mktemp("service_failures")
    settings = copy_home(published_demo, root / "home")  # published before: the failures must leave it be
    services = ServiceStack(settings, postgres.server, "dagster", root / "services", password=postgres.password)
    try:
        yield services.start()
    finally:
        services.stop()


def _wait_step(stack: ServiceStack, run_id: str, step: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    steps: dict[str, str] = {}
    while time.monotonic() < deadline:
        steps = {s["stepKey"]: s["status"] for s in stack.run(run_id)["stepStats"]}
        if steps.get(step) == "IN_PROGRESS":
            return
        time.sleep(1)
    pytest.fail(f"step {step} never started: {steps}\n{stack.logs()}")


def _messages(stack: ServiceStack, run_id: str) -> list[str]:
    return [e.get("message") or "" for e in stack.events(run_id)]


def test_postgres_stopped_during_a_run(stack: ServiceStack, postgres: OwnPostgres, marts: set[str]) -> None:
    home = stack.settings.home
    published_run, _ = read_published(home.published_db)
    digest = sha256_file(home.published_db)
    run_id = stack.launch(force=True)
    _wait_step(stack, run_id, "kommune_sdg_dbt")
    assert stack.run_workers()
    postgres.stop()
    deadline = time.monotonic() + 300
    while stack.run_workers() and time.monotonic() < deadline:  # the run cannot record anything, and gives up
        time.sleep(1)
    assert not stack.run_workers(), "the run's process outlived 5 minutes without PostgreSQL"
    time.sleep(5)  # the server's clean-up thread meets the same database error and stops
    assert sha256_file(home.published_db) == digest
    postgres.start()

    run = stack.wait_run(run_id, DONE, timeout=300)
    assert run["status"] == "FAILURE", run
    # who records the end depends on when the run's process gave up: run monitoring (no heartbeat), the
    # code-location server (its process exited), or the run itself (it could not write to PostgreSQL)
    messages = _messages(stack, run_id)
    reasons = [m for m in messages if any(k in m for k in CLEAR_REASONS)]
    assert reasons, messages[-15:]
    assert sha256_file(home.published_db) == digest
    assert read_published(home.published_db) == (published_run, marts)
    # the daemon carried on: alive, its heartbeats healthy again, and it runs the next refresh (test below)
    assert stack.procs["daemon"].poll() is None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        statuses = stack.query("{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }")
        unhealthy = [d["daemonType"] for d in statuses["instance"]["daemonHealth"]["allDaemonStatuses"]
                     if not d["healthy"]]
        if not unhealthy:
            break
        time.sleep(3)
    assert not unhealthy, unhealthy


def test_code_location_killed_mid_refresh(stack: ServiceStack, marts: set[str]) -> None:
    """The code-location server dies with the run it executes (a crashed container or machine): run monitoring
    marks the run failed, the published marts are byte-identical, and the next run publishes (the module's
    one whole refresh: it also proves what test_first_refresh_publishes did, a launched run publishing)."""
    home = stack.settings.home
    published_run, _ = read_published(home.published_db)
    digest = sha256_file(home.published_db)
    run_id = stack.launch(force=True)
    _wait_step(stack, run_id, "raw_tables")  # while it writes the build database
    time.sleep(3)
    stack.kill("code-location")

    run = stack.wait_run(run_id, DONE, timeout=300)
    assert run["status"] == "FAILURE", run
    messages = _messages(stack, run_id)
    assert any("Detected run worker status FAILED" in m and "code-location server" in m for m in messages), \
        messages[-10:]
    assert sha256_file(home.published_db) == digest
    assert read_published(home.published_db) == (published_run, marts)

    stack.start_code_location()  # as the container's restart policy does
    stack.wait_loaded()
    after = stack.launch(force=True)
    run = stack.wait_run(after, DONE, timeout=1200)
    assert run["status"] == "SUCCESS", (run, stack.logs())
    assert read_published(home.published_db) == (after, marts)
    assert not list(Path(home.warehouse_dir).glob(".*.publishing"))
