"""The published warehouse as the API sees it: one read-only DuckDB instance per published file version.

`pipeline.publish.publish_marts` writes a new file and renames it over the published path. The reader
stats that path on every request; when the file's identity (device, inode, size, mtime) changed, it opens
the new file in a fresh in-memory DuckDB instance (`ATTACH ... (READ_ONLY)`: a plain `duckdb.connect(path)`
would hand back DuckDB's cached instance of the *old* file) and swaps it in. Requests lease the version
they started on, so a request never mixes two publishes, and the old instance is closed when its last
lease ends. The reader only ever holds a shared lock on a file the publisher no longer writes, so it never
blocks a refresh: the rename does not care about readers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger(__name__)

CATALOG = "pub"  # the alias the published file is attached under
MARTS_SCHEMA = "marts"
META_TABLE = "meta.refresh"
# marts whose is_demo column says whether any published value is synthetic (DEMO data)
DEMO_FLAG_MARTS = ("indicator_values", "indicator_scores", "u4ssc_kpis")
# marts whose year column bounds the `year` filter
YEAR_MARTS = ("indicator_values", "goal_scores", "sdg_index")

FileKey = tuple[int, int, int, int]


class NotPublished(Exception):
    """Nothing (usable) is published yet: the API answers 503 with Retry-After."""


def file_key(path: Path) -> FileKey | None:
    """Identity of the file at path now; None when there is none. A rename over the path changes the inode."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class Version:
    """One published file, open read-only, and what the API needs to know of it (read once at open)."""

    key: FileKey
    con: duckdb.DuckDBPyConnection
    run: dict[str, Any]
    published_at: datetime
    columns: dict[str, list[tuple[str, str]]]  # mart -> [(column, DuckDB type)] in table order
    years: tuple[int, int] | None
    is_demo: bool
    known: dict[str, frozenset[str]]  # filter -> the codes the published run has (municipality, county, ...)
    leases: int = 0
    retired: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, path: Path, config: dict[str, Any]) -> Version:
        """Attach the file read-only; the key is taken before and after, so it names the file actually read."""
        for _ in range(5):
            before = file_key(path)
            if before is None:
                raise NotPublished(f"no published warehouse at {path}")
            con = duckdb.connect(":memory:", config=config)
            try:
                con.execute(f"attach {_sql_string(str(path))} as {CATALOG} (read_only)")
                if file_key(path) == before:
                    return cls._describe(before, con)
            except duckdb.Error as e:
                con.close()
                if file_key(path) != before:
                    continue  # replaced while we opened it: try the new one
                raise NotPublished(f"{path} is not a readable published warehouse: {e}") from e
            con.close()
        raise NotPublished(f"{path} kept changing while it was opened")

    @classmethod
    def _describe(cls, key: FileKey, con: duckdb.DuckDBPyConnection) -> Version:
        try:
            cur = con.execute(f"select * from {CATALOG}.{META_TABLE} limit 1")
            row = cur.fetchone()
            if row is None:
                raise NotPublished("the published warehouse has no run metadata (meta.refresh is empty)")
            run = dict(zip([d[0] for d in cur.description], row, strict=True))
            columns: dict[str, list[tuple[str, str]]] = {}
            for table, column, dtype in con.execute(
                    "select table_name, column_name, data_type from information_schema.columns "
                    "where table_catalog = ? and table_schema = ? order by table_name, ordinal_position",
                    [CATALOG, MARTS_SCHEMA]).fetchall():
                columns.setdefault(table, []).append((column, dtype))
            version = cls(key=key, con=con, run=run, published_at=_utc(run.get("published_at")), columns=columns,
                          years=_year_range(con, columns), is_demo=_is_demo(con, run, columns),
                          known=_known_codes(con, columns))
        except NotPublished:
            con.close()
            raise
        except duckdb.Error as e:
            con.close()
            raise NotPublished(f"the published warehouse cannot be read: {e}") from e
        return version

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own for one request (a DuckDB connection is not shared between threads)."""
        with self._lock:
            cur = self.con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            self.con.close()


def _sql_string(text: str) -> str:
    """A SQL string literal (ATTACH takes no bound parameter); the path comes from configuration, not a request."""
    return "'" + text.replace("'", "''") + "'"


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return _utc(datetime.fromisoformat(value))
    raise NotPublished(f"meta.refresh.published_at is not a timestamp: {value!r}")


def _year_range(con: duckdb.DuckDBPyConnection, columns: dict[str, list[tuple[str, str]]]) -> tuple[int, int] | None:
    parts = [f"select min(year) lo, max(year) hi from {CATALOG}.{MARTS_SCHEMA}.{m}" for m in YEAR_MARTS
             if any(c == "year" for c, _ in columns.get(m, []))]
    if not parts:
        return None
    lo, hi = con.execute(f"select min(lo), max(hi) from ({' union all '.join(parts)})").fetchone()
    return None if lo is None else (int(lo), int(hi))


# filter -> (mart, column) whose distinct values are the codes a request may name
KNOWN_CODES = {"municipality": ("municipalities", "municipality_code"), "county": ("municipalities", "county_code"),
               "indicator": ("indicators", "indicator_id"), "u4ssc_code": ("indicators", "u4ssc_code")}


def _known_codes(con: duckdb.DuckDBPyConnection,
                 columns: dict[str, list[tuple[str, str]]]) -> dict[str, frozenset[str]]:
    known = {}
    for name, (table, column) in KNOWN_CODES.items():
        if any(c == column for c, _ in columns.get(table, [])):
            rows = con.execute(f"select distinct {column} from {CATALOG}.{MARTS_SCHEMA}.{table} "
                               f"where {column} is not null").fetchall()
            known[name] = frozenset(str(r[0]) for r in rows)
    return known


def _is_demo(con: duckdb.DuckDBPyConnection, run: dict[str, Any], columns: dict[str, list[tuple[str, str]]]) -> bool:
    """The run's own flag (meta.refresh.is_demo, equal to every mart's is_demo by a dbt test); for a warehouse
    published before that flag: demo when the snapshot was the demo one or any published value is flagged."""
    if run.get("is_demo") is not None:
        return bool(run["is_demo"])
    if "demo" in str(run.get("snapshot_kind") or "").split(","):
        return True
    flagged = [m for m in DEMO_FLAG_MARTS if any(c == "is_demo" for c, _ in columns.get(m, []))]
    return any(con.execute(f"select bool_or(is_demo) from {CATALOG}.{MARTS_SCHEMA}.{m}").fetchone()[0]
               for m in flagged)


class PublishedWarehouse:
    """Hands out leases on the current published version, reopening when the file was replaced."""

    def __init__(self, path: Path, duckdb_config: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self._config = dict(duckdb_config or {})
        self._current: Version | None = None
        self._failed: tuple[FileKey | None, str] | None = None  # a file that could not be opened, and why
        self._lock = threading.Lock()  # guards _current and lease counts
        self._opening = threading.Lock()  # one thread opens a new version; the others keep the old one meanwhile

    @contextlib.contextmanager
    def lease(self) -> Iterator[Version]:
        version = self._acquire()
        try:
            yield version
        finally:
            self._release(version)

    def _acquire(self) -> Version:
        key = file_key(self.path)
        if key is None:
            self._swap(None)
            raise NotPublished(f"nothing is published yet at {self.path} (run `kommune-sdg refresh`)")
        current = self._current
        # with a version in hand, do not queue behind the thread that opens the new one
        if (current is None or current.key != key) and self._opening.acquire(blocking=current is None):
            try:
                self._refresh(key)
            finally:
                self._opening.release()
        with self._lock:
            version = self._current
            if version is None:
                raise NotPublished(self._failed[1] if self._failed else f"nothing is published at {self.path}")
            version.leases += 1
            return version

    def _refresh(self, key: FileKey) -> None:
        current = self._current
        if current is not None and current.key == key:
            return
        if self._failed is not None and self._failed[0] == key:
            return  # this very file failed before; do not retry it on every request
        try:
            version = Version.open(self.path, self._config)
        except NotPublished as e:
            log.warning("published warehouse not usable: %s", e)
            self._failed = (key, str(e))
            self._swap(None)
            return
        self._failed = None
        log.info("serving published run %s (%s)", version.run.get("run_id"), self.path)
        self._swap(version)

    def _swap(self, version: Version | None) -> None:
        with self._lock:
            old, self._current = self._current, version
            if old is None or old is version:
                return
            old.retired = True
            close = old.leases == 0
        if close:
            old.close()

    def _release(self, version: Version) -> None:
        with self._lock:
            version.leases -= 1
            close = version.retired and version.leases == 0
        if close:
            version.close()

    def close(self) -> None:
        self._swap(None)
