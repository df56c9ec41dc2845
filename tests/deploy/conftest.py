"""Fixtures of the service tests: a KOMMUNE_SDG_HOME of their own, and a reader of the published warehouse."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from checks.gate import published_marts
from pipeline.dbt_manifest import dbt_project, ensure_manifest
from pipeline.paths import DBT_PROJECT_DIR


def expected_marts() -> set[str]:
    return set(published_marts(ensure_manifest(dbt_project(DBT_PROJECT_DIR))))


def read_published(path: Path) -> tuple[str, set[str]]:
    """The run id of the published warehouse and the marts in it (read-only, as analysts open it)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        run_id = con.execute("select run_id from meta.refresh").fetchone()[0]
        marts = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                          "where table_schema = 'marts'").fetchall()}
        for t in marts:  # every table reads whole
            con.execute(f"select count(*) from marts.{t}").fetchone()
        return run_id, marts
    finally:
        con.close()


class PublishWatcher(threading.Thread):
    """Opens the published warehouse again and again while runs go on: every look must be a whole publish."""

    def __init__(self, path: Path, marts: set[str]) -> None:
        super().__init__(daemon=True)
        self.path, self.marts = path, marts
        self.seen: list[str] = []
        self.problems: list[str] = []
        self.looks = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            try:
                run_id, marts = read_published(self.path)
                self.looks += 1
                if marts != self.marts:
                    self.problems.append(f"marts {sorted(marts ^ self.marts)} differ in the publish of {run_id}")
                if not self.seen or self.seen[-1] != run_id:
                    self.seen.append(run_id)
            except Exception as exc:  # noqa: BLE001 - any failure to read is what this watcher reports
                self.problems.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.3)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=30)


@pytest.fixture(scope="module")
def marts() -> set[str]:
    """The marts a publish writes (the dbt marts selection), for the service tests' checks."""
    return expected_marts()
