"""kommune-sdg run as a service the production way (deploy/): dagster-daemon, dagster-webserver and the
code-location gRPC server as real processes, with deploy/dagster.yaml and run history in PostgreSQL (the
machine's server, a database of our own). Everything is driven and read back over the webserver's GraphQL API.

One stack serves the module, in order: a schedule tick publishes; two refreshes requested at once: one runs,
the other waits in the queue, and every look at the published warehouse meanwhile sees a whole publish; the
PostgreSQL password (from a secrets file) shows nowhere. Failures: test_service_failures.py.

The home has published before (a copy of the run's shared demo refresh: the nightly case), and a new file
waits in the demo intake's inbox, so the tick's refresh has something new to publish (with nothing new it would
skip, as test_two_refreshes_at_once_one_waits_in_the_queue's second run does).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from pipeline.demo.submission import DEMO_MUNICIPALITY
from pipeline.jobs import NIGHTLY_SCHEDULE
from pipeline.settings import Settings
from pipeline.submissions import submit
from testkit.postgres import fresh_database, postgres_server
from testkit.shared_demo import PublishedDemo, copy_home
from tests.deploy.conftest import PublishWatcher, read_published
from tests.deploy.stack import LOCATION, REPOSITORY, ServiceStack

pytestmark = pytest.mark.slow

SECRET = "not-in-any-file-or-page-7f3a"  # the trust-auth server ignores it; it must never show


NEW_DEMO_FILE = ("\ufeffkommunenummer;indikator;år;verdi;enhet;kommentar\r\n"
                 f"{DEMO_MUNICIPALITY};renewable_energy_share;2024;62,0;prosent;DEMO-data, korrigert / corrected\r\n")


@pytest.fixture(scope="module")
def stack(published_demo: PublishedDemo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceStack]:
    root = tmp_path_factory.mktemp("service")
    home = copy_home(published_demo, root / "home").home
    new_file = root / "demo_correction.csv"
    new_file.write_text(NEW_DEMO_FILE, encoding="utf-8")
    queued = submit(new_file, DEMO_MUNICIPALITY, home.demo_intake)
    assert queued.accepted, [i.text() for i in queued.issues]
    # the schedule every minute, so a tick comes within the test (the product default is 02:00)
    settings = Settings.for_home(home.root, refresh_cron="* * * * *")
    with postgres_server() as server, fresh_database(server, prefix="ksdg_deploy") as database:
        services = ServiceStack(settings, server, database, root / "services", password=SECRET)
        try:
            yield services.start()
        finally:
            services.stop()


def _stop_schedule(stack: ServiceStack) -> None:
    state = stack.query("""
        query($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) { ... on Schedule {
          scheduleState { id } } } }""", s={"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY,
                                              "scheduleName": NIGHTLY_SCHEDULE})
    done = stack.query("mutation($id: String!) { stopRunningSchedule(id: $id) { __typename } }",
                       id=state["scheduleOrError"]["scheduleState"]["id"])
    assert done["stopRunningSchedule"]["__typename"] == "ScheduleStateResult", done


def test_schedule_tick_runs_nightly_refresh_which_publishes(stack: ServiceStack, marts: set[str]) -> None:
    deadline = time.monotonic() + 240
    runs: list[dict] = []
    while not runs and time.monotonic() < deadline:
        runs = stack.runs(**{"dagster/schedule_name": NIGHTLY_SCHEDULE})
        time.sleep(2)
    assert runs, f"no schedule tick within 240 s\n{stack.logs()}"
    _stop_schedule(stack)  # one tick is enough: the next scenarios start their runs themselves
    run_id = runs[-1]["runId"]
    run = stack.wait_run(run_id, {"SUCCESS", "FAILURE", "CANCELED"}, timeout=1200)
    assert run["status"] == "SUCCESS", (run, stack.logs())
    for later in stack.runs(**{"dagster/schedule_name": NIGHTLY_SCHEDULE}):  # a tick before the stop: let it end
        stack.wait_run(later["runId"], {"SUCCESS", "FAILURE", "CANCELED"}, timeout=600)

    steps = {s["stepKey"]: s["status"] for s in run["stepStats"]}
    assert {"ssb__snapshot", "raw_tables", "kommune_sdg_dbt", "publish__warehouse"} <= set(steps), steps
    assert set(steps.values()) == {"SUCCESS"}, steps
    checks = [e["evaluation"] for e in stack.events(run_id) if e["__typename"] == "AssetCheckEvaluationEvent"]
    assert len(checks) > 20, checks  # GX suites, Python checks and every dbt test of the marts
    assert all(c["success"] for c in checks), [c for c in checks if not c["success"]]
    assert {"ssb_tables_current", "run_holds_one_kind_of_data"} <= {c["checkName"] for c in checks}
    assert read_published(stack.settings.home.published_db) == (run_id, marts)
    inbox = [e for e in stack.events(run_id) if e.get("stepKey") == "submission_inbox"]
    assert any("demo_correction.csv" in (e.get("message") or "") for e in inbox), inbox[-5:]


def test_two_refreshes_at_once_one_waits_in_the_queue(stack: ServiceStack, marts: set[str]) -> None:
    published = stack.settings.home.published_db
    before, _ = read_published(published)
    watcher = PublishWatcher(published, marts)
    watcher.start()
    try:
        first = stack.launch(force=True)  # rebuilds and publishes
        second = stack.launch()  # waits, then finds nothing changed since the first's publish
        seen: set[tuple[str, str]] = set()
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            a, b = stack.run(first)["status"], stack.run(second)["status"]
            seen.add((a, b))
            assert not (a == "STARTED" and b == "STARTED"), "two refreshes ran at once"
            if a in {"SUCCESS", "FAILURE"} and b in {"SUCCESS", "FAILURE"}:
                break
            time.sleep(1)
    finally:
        watcher.stop()
    runs = [stack.run(first), stack.run(second)]
    assert [r["status"] for r in runs] == ["SUCCESS", "SUCCESS"], (runs, stack.logs())
    assert ("STARTED", "QUEUED") in seen, seen  # the second waited in the queue while the first ran
    one, two = sorted(runs, key=lambda r: r["startTime"])
    assert one["endTime"] <= two["startTime"], runs
    # every look at the published file saw a whole publish: the old one, then each new one in turn
    assert watcher.looks > 10 and not watcher.problems, watcher.problems[:5]
    assert (one["runId"], two["runId"]) == (first, second)  # the queue kept the order of the requests
    assert watcher.seen == [before, first], watcher.seen
    assert read_published(published) == (first, marts)
    assert any("unchanged" in m for m in (e.get("message") or "" for e in stack.events(second)))


def test_password_stays_out_of_the_ui(stack: ServiceStack) -> None:
    info = stack.query("{ instance { info } }")["instance"]["info"]
    assert "PostgresRunStorage" in info and "MonitoredRunLauncher" in info
    assert SECRET not in info
    for name in ("code-location", "daemon", "webserver"):
        assert SECRET not in stack.log(name, tail=10**7)
