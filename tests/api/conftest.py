"""The run's shared demo refresh (tests/conftest.py: built with a configured API URL, so the report links to
it; read only), the real `kommune-sdg api` process over it, and helpers to read the published file
independently of the API."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from pipeline.paths import Home
from pipeline.refresh import RefreshSummary
from pipeline.settings import Settings
from testkit.api_server import ApiProcess, api_process
from testkit.shared_demo import DEMO_API_URL, PublishedDemo

# what the report should link to: a configured public URL, not the CLI default (proves the setting travels)
REPORT_API_URL = DEMO_API_URL


@dataclass
class Published:
    home: Home
    settings: Settings
    summary: RefreshSummary

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        """Read the published warehouse directly (read-only), for comparing against the API."""
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"attach '{self.home.published_db}' as pub (read_only)")
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="session")
def published(published_demo: PublishedDemo) -> Published:
    """The shared demo refresh (read only), whose settings carry REPORT_API_URL."""
    assert published_demo.settings.api_base_url == REPORT_API_URL
    return Published(published_demo.home, published_demo.settings, published_demo.summary)


@pytest.fixture(scope="package")
def api(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    with api_process(published.settings, tmp_path_factory.mktemp("api_log") / "api.log") as proc:
        yield proc


def get(api: ApiProcess, path: str, **headers: str) -> requests.Response:
    return requests.get(f"{api.url}{path}", headers=headers, timeout=30)


def error_of(resp: requests.Response) -> dict[str, Any]:
    assert resp.headers["content-type"].startswith("application/json"), resp.text[:300]
    return resp.json()["error"]


def copy_published(src: Path, dst: Path) -> None:
    """Publish a copy of a warehouse file the way pipeline.publish does: write beside, then rename over."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.test.publishing")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def open_deleted_files(pid: int, name: str) -> list[str]:
    """Files named `name` that the process still holds open although they were replaced (unlinked)."""
    out = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if name in target and target.endswith("(deleted)"):
            out.append(target)
    return out
