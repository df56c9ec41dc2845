"""One published demo refresh per test run, shared by every pytest-xdist worker (tests/conftest.py wraps it).

The first worker that asks builds it (a real `run_refresh(settings, "demo")`: Dagster + dbt + DuckDB, publish,
reports, exports) in a folder all workers of the run see, under an exclusive file lock; the others wait on the
lock and then reuse it. The summary goes beside it as JSON. A failed build is recorded too, so every worker
fails at once with the same message instead of each trying again.

A test that only reads uses the home as it is; a test that writes (a refresh, a submission, a broken
snapshot) works on `copy_home`: a full copy (never hard links: DuckDB and Dagster's SQLite files are written
in place), which costs a second, not a refresh.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.paths import Home
from pipeline.refresh import RefreshSummary
from pipeline.settings import Settings

# The shared demo's report links to this API base (not the CLI default): tests/api proves the setting travels
# from Settings through the run's data_home resource into every report page.
DEMO_API_URL = "https://api.kommune-sdg.test/base"


@dataclass(frozen=True)
class PublishedDemo:
    """A home holding one successful demo refresh: read it, never write into it."""

    home: Home
    settings: Settings
    summary: RefreshSummary
    published_sha256: str  # of home.published_db when it was built: checked again at the end of the session


def demo_settings(root: Path) -> Settings:
    """The settings the shared demo is built with (and a copy of it is refreshed with)."""
    return Settings.for_home(root, api_base_url=DEMO_API_URL)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def published_demo(shared: Path) -> PublishedDemo:
    """The demo refresh published under `shared/published_demo` (built now if no worker has yet)."""
    base = shared / "published_demo"
    record, failed = base / "summary.json", base / "failed.txt"
    with _locked(shared / "published_demo.lock"):
        if failed.exists():
            raise RuntimeError(f"the shared demo refresh failed (in another worker): {failed.read_text()}")
        if not record.exists():
            from pipeline.refresh import run_refresh  # noqa: PLC0415 (loads Dagster and dbt's manifest)

            settings = demo_settings(base / "home")
            summary = run_refresh(settings, "demo")
            if not summary.success:
                failed.write_text("; ".join(summary.failures + summary.checks_failed), encoding="utf-8")
                raise RuntimeError(f"the shared demo refresh failed: {failed.read_text()}")
            data = dataclasses.asdict(summary) | {"published_sha256": sha256_file(settings.home.published_db)}
            tmp = record.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(record)
    data = json.loads(record.read_text(encoding="utf-8"))
    digest = data.pop("published_sha256")
    settings = demo_settings(base / "home")
    return PublishedDemo(settings.home, settings, RefreshSummary(**data), digest)


def copy_home(demo: PublishedDemo, dest: Path) -> Settings:
    """A private, writable copy of the published demo's home at `dest` (which must not exist yet), with the
    same settings as the original (Dagster's run history, snapshots, marts, reports and exports included)."""
    shutil.copytree(demo.home.root, dest, symlinks=True)
    settings = demo_settings(dest)
    return settings
