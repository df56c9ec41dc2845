"""The Dagster UI in a real browser: a dagster-webserver started against the DAGSTER_HOME of a completed
nightly_refresh shows that run as successful, lists the schedule and sensors, and the report asset's
metadata links to the report. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from pipeline.paths import REPO_ROOT
from pipeline.settings import Settings
from tests.ui.conftest import Published, screenshot

START_TIMEOUT = 240
UI_TIMEOUT = 90
LOCATION_QUERY = ('{"query": "{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus '
                  'locationOrLoadError { __typename ... on PythonError { message } } } } } }"}')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(url: str, body: str) -> dict:
    req = urllib.request.Request(f"{url}/graphql", data=body.encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def dagster_ui(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """dagster-webserver on 127.0.0.1 (own process group, stopped by its id at teardown)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("webserver") / "webserver.log"
    exe = str(Path(sys.executable).parent / "dagster-webserver")
    with log.open("wb") as out:
        proc = subprocess.Popen([exe, "-w", str(REPO_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
                                cwd=REPO_ROOT, env=os.environ | Settings.for_home(published.home.root).environ(),
                                stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        status = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"dagster-webserver exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
            try:
                entries = _graphql(url, LOCATION_QUERY)["data"]["workspaceOrError"]["locationEntries"]
                status = [(e["loadStatus"], (e["locationOrLoadError"] or {}).get("__typename")) for e in entries]
                if entries and all(s == "LOADED" for s, _ in status):
                    break
            except (OSError, KeyError, TypeError, ValueError):
                pass
            time.sleep(2)
        else:
            pytest.fail(f"dagster-webserver not ready within {START_TIMEOUT}s ({status}):\n{log.read_text()[-4000:]}")
        assert all(t == "RepositoryLocation" for _, t in status), status
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _dismiss_dialog(driver, wait_s: float = 4.0) -> None:
    """Dagster's one-time "join the community" dialog pops up shortly after load; close it before screenshots."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        buttons = driver.find_elements(By.XPATH, "//button[normalize-space()='Skip']")
        if buttons:
            try:
                buttons[0].click()
                return
            except WebDriverException:
                pass
        time.sleep(0.25)


def shot(driver, name: str) -> None:
    _dismiss_dialog(driver)
    screenshot(driver, name)


def _open(driver, url: str, ready_text: str) -> str:
    driver.get(url)

    def ready(d) -> bool:
        try:
            for b in d.find_elements(By.XPATH, "//button[normalize-space()='Skip']"):
                b.click()  # Dagster's one-time "join the community" dialog
            return ready_text in d.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return False

    WebDriverWait(driver, UI_TIMEOUT).until(ready)
    return driver.find_element(By.TAG_NAME, "body").text


def test_runs_page_shows_last_nightly_refresh_as_successful(published: Published, dagster_ui: str, browser) -> None:
    run_id = published.summary.run_id
    _open(browser, f"{dagster_ui}/runs", run_id[:8])
    # the run list is a virtualised grid: take the smallest element around the run's link that names the job
    row = browser.execute_script("""
        var a = document.querySelector('a[href$="/runs/' + arguments[0] + '"]');
        var el = a;
        while (el && el.innerText.indexOf('nightly_refresh') === -1) { el = el.parentElement; }
        return el ? el.innerText : null;""", run_id)
    assert row is not None, "the run's row does not name nightly_refresh"
    assert "Success" in row, row
    newest = browser.execute_script("""
        var links = Array.from(document.querySelectorAll('a[href*="/runs/"]'))
            .map(function (a) { return a.getAttribute('href'); })
            .filter(function (h) { return /\/runs\/[0-9a-f-]{36}$/.test(h); });
        return links.length ? links[0] : null;""")
    assert newest and newest.endswith(run_id), f"newest run listed is {newest}, not {run_id}"
    shot(browser, "dagster_runs")
    text = _open(browser, f"{dagster_ui}/runs/{run_id}", "Success")
    assert "nightly_refresh" in text
    shot(browser, "dagster_run")


def test_automation_lists_schedule_and_submission_sensor(dagster_ui: str, browser) -> None:
    text = _open(browser, f"{dagster_ui}/automation", "nightly_refresh_schedule")
    assert "submission_sensor" in text
    shot(browser, "dagster_automation")


def test_report_asset_shows_metadata_and_links_the_report(published: Published, dagster_ui: str, browser) -> None:
    text = _open(browser, f"{dagster_ui}/assets/reports/municipality_report", "top_10_sdg_index")
    assert "team:analytics" in text or "analytics" in text
    assert "357" in text  # pages
    index = (published.home.reports_dir / "index.html").resolve().as_uri()
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")]
    assert index in links, f"{index} not linked; links: {links[:40]}"
    shot(browser, "dagster_report_asset")
    text = _open(browser, f"{dagster_ui}/assets/publish/exports", "rows_per_mart")
    assert "goal_scores" in text
    shot(browser, "dagster_exports_asset")
