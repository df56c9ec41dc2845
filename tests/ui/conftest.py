"""Shared by the report, export and browser tests: the run's shared demo refresh (`published`, read only: see
tests/conftest.py), a headless Debian Chromium driven through ChromeDriver (selenium), and a static HTTP server
on 127.0.0.1.

Chromium missing is a test FAILURE (run scripts/install_browser.sh), never a skip: CI installs it."""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT
from testkit.shared_demo import PublishedDemo

ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1280,2000"]

# Recorded in every page before its own scripts run: uncaught errors, failed resource loads, rejected promises.
ERROR_PROBE = """
window.__jsErrors = [];
window.addEventListener('error', function (e) {
  if (e.target && e.target !== window && (e.target.src || e.target.href)) {
    window.__jsErrors.push('failed to load ' + (e.target.src || e.target.href));
  } else {
    window.__jsErrors.push(String(e.message) + ' @ ' + (e.filename || '') + ':' + (e.lineno || ''));
  }
}, true);
window.addEventListener('unhandledrejection', function (e) {
  window.__jsErrors.push('unhandled rejection: ' + String(e.reason && (e.reason.stack || e.reason)));
});
"""


Published = PublishedDemo


@pytest.fixture(scope="session")
def published(published_demo: PublishedDemo) -> PublishedDemo:
    """The run's one nightly_refresh on the demo snapshot (in process, persistent instance): read only."""
    return published_demo


def browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail("headless browser tests need Debian's chromium and chromium-driver packages "
                    f"(found chromium={chromium}, chromedriver={driver}); run `bash scripts/install_browser.sh`",
                    pytrace=False)
    return chromium, driver


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    chromium, driver_path = browser_paths()
    profile = tempfile.mkdtemp(prefix="ksdg_chromium_")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in [*CHROMIUM_ARGS, f"--user-data-dir={profile}"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(120)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_PROBE})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, url: str) -> None:
    """Navigate after draining the console log, so errors are those of this page only."""
    driver.get_log("browser")
    driver.get(url)


def js_errors(driver) -> list[str]:
    """Errors the probe recorded plus SEVERE console entries (e.g. 404s of scripts)."""
    errors = list(driver.execute_script("return window.__jsErrors || ['error probe missing']") or [])
    errors += [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    return errors


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = driver.execute_script("return Math.min(document.body.scrollHeight, 6000)") or 2000
    driver.set_window_size(1280, max(800, int(height)))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 2000)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        pass


@pytest.fixture(scope="package")
def served_reports(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the published KOMMUNE_SDG_HOME/reports (the published home is read only: a test may add
    a page here)."""
    return Path(shutil.copytree(published.home.reports_dir, tmp_path_factory.mktemp("served") / "reports"))


@pytest.fixture(scope="package")
def report_server(served_reports: Path) -> Iterator[str]:
    """The published reports (served_reports) over http.server on 127.0.0.1 (an ephemeral port)."""
    handler = functools.partial(_QuietHandler, directory=str(served_reports))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
