"""Dagster resources: every piece of configuration an asset, check or sensor needs, set in one place
(`build_resources(settings)`, from `pipeline.settings.Settings`). Tests swap resources, not the environment.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from pipeline.paths import Home
from pipeline.regions import read_municipalities
from pipeline.settings import ENV, Settings


class DataHome(dg.ConfigurableResource):
    """KOMMUNE_SDG_HOME: the folder everything a run writes lives under (inbox, snapshots, warehouse, ...)."""

    root: str
    # Where KOMMUNE_SDG_HOME is served over HTTP (reports, docs): links in the UI use it; "" = file:// links.
    public_url: str = ""
    # Where `kommune-sdg api` serves the published marts: the report links each municipality to its API URL.
    api_url: str = ""

    @property
    def home(self) -> Home:
        return Home(Path(self.root)).ensure()

    def link(self, path: Path) -> dg.MetadataValue:
        """A clickable link to a file under the home, for the Dagster UI."""
        if self.public_url:
            rel = path.resolve().relative_to(Path(self.root).resolve()).as_posix()
            return dg.MetadataValue.url(self.public_url.rstrip("/") + "/" + rel)
        return dg.MetadataValue.url(path.resolve().as_uri())


class Warehouse(dg.ConfigurableResource):
    """The write-audit-publish pair: the build database (recreated by every refresh, written by dbt) and
    the published warehouse analysts read. `memory_limit` caps DuckDB in every connection and in dbt."""

    build_db: str
    published_db: str
    memory_limit: str = ""

    @classmethod
    def for_home(cls, home: Home, memory_limit: str = "") -> Warehouse:
        return cls(build_db=str(home.build_db), published_db=str(home.published_db), memory_limit=memory_limit)

    @property
    def build_path(self) -> Path:
        return Path(self.build_db)

    @property
    def published_path(self) -> Path:
        return Path(self.published_db)

    def duckdb_config(self) -> dict[str, str | bool]:
        """The memory cap, and no insertion-order buffering (marts have keys, not an order), so big copies
        stream instead of holding rows. Empty without a cap: DuckDB's defaults."""
        return {"memory_limit": self.memory_limit, "preserve_insertion_order": False} if self.memory_limit else {}

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to the build database; never held while dbt (a subprocess) writes it."""
        con = duckdb.connect(self.build_db, read_only=read_only, config=self.duckdb_config())
        try:
            yield con
        finally:
            con.close()

    def reset_build_db(self) -> Path:
        """Delete any leftover build database (a killed run leaves one) so every refresh starts fresh."""
        path = self.build_path
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        return path

    def dbt_vars(self) -> dict[str, str]:
        """What dbt needs to know of the warehouse (profiles.yml and the on-run-start hook read these vars)."""
        return {"build_db": self.build_db, "duckdb_memory_limit": self.memory_limit}

    def dbt_args(self) -> list[str]:
        return ["--vars", json.dumps(self.dbt_vars())]


class SsbSource(dg.ConfigurableResource):
    """Where SSB data come from: `source` is what a run reads when its config names none (the schedule's
    source: demo, live or snapshot:DIR); `base_url` overrides the catalog's PxWebApi v2 URL for live fetches
    (a mirror, or a local test server). Limits (cells per request, calls per window) come from the API's
    own /config."""

    source: str = "demo"
    base_url: str = ""


class ReferenceData(dg.ConfigurableResource):
    """The dbt project and the reference facts in its seeds: the target municipality structure that the
    checks hold every table to. A benchmark points this (and dbt) at a copy with synthetic units."""

    dbt_project_dir: str

    @property
    def project_dir(self) -> Path:
        return Path(self.dbt_project_dir)

    def municipalities(self) -> dict[str, tuple[str, int]]:
        """code -> (name, population 1 Jan of the structure year), from the seed."""
        return read_municipalities(self.project_dir / "seeds" / "municipalities_2024.csv")


class InboxIntake(dg.ConfigurableResource):
    """When an inbox file is taken (pipeline.submissions.intake): the settle period a file must be unchanged
    for, and the per-municipality daily limits (files, bytes); the sensor and the inbox asset both read it."""

    settle_seconds: float = 30.0
    max_files_per_day: int = 50
    max_bytes_per_day: int = 50 * 1024 * 1024

    def policy(self):  # -> pipeline.submissions.intake.IntakePolicy (imported late: light module loading)
        from pipeline.submissions.intake import IntakePolicy  # noqa: PLC0415

        return IntakePolicy(self.settle_seconds, self.max_files_per_day, self.max_bytes_per_day)


class PostgresMarts(dg.ConfigurableResource):
    """Where the published marts are also loaded for BI tools (pipeline.postgres_marts): a PostgreSQL database
    (libpq URL or key=value string, no password in it), its password (from the environment through dg.EnvVar,
    so the UI shows the variable's name and never the value, or from a secrets file read at each connect), and
    the read-only group role analysts are granted into. Off (no asset, no connection) when `url` is empty."""

    url: str = ""
    password: str = ""
    password_file: str = ""
    reader_role: str = "kommune_sdg_reader"
    swap_timeout_seconds: float = 600.0  # how long the swap may wait for readers before the load fails

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def secret(self) -> str | None:
        """The password: the environment's, else the secrets file's first line; None when neither is set."""
        if self.password:
            return self.password
        if not self.password_file:
            return None
        try:
            lines = Path(self.password_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise RuntimeError(f"{ENV['postgres_password_file']}={self.password_file}: cannot read the PostgreSQL "
                               f"password file ({exc.strerror})") from None
        if not lines or not lines[0].strip():
            raise RuntimeError(f"{ENV['postgres_password_file']}={self.password_file}: the file is empty")
        return lines[0].strip()

    def connect(self, **kwargs: Any):  # -> psycopg.Connection (imported late: only when PostgreSQL is on)
        import psycopg  # noqa: PLC0415

        return psycopg.connect(self.url, password=self.secret(), connect_timeout=10, **kwargs)


def build_resources(settings: Settings, dbt_executable: str) -> dict[str, Any]:
    """Every resource of the code location, from one Settings value."""
    home = settings.home
    return {
        "data_home": DataHome(root=str(home.root), public_url=settings.reports_base_url,
                              api_url=settings.api_base_url),
        "warehouse": Warehouse.for_home(home, settings.duckdb_memory_limit),
        "ssb": SsbSource(source=settings.source, base_url=settings.ssb_base_url),
        "reference": ReferenceData(dbt_project_dir=str(settings.dbt_project_dir)),
        "intake": InboxIntake(settle_seconds=settings.inbox_settle_seconds,
                              max_files_per_day=settings.inbox_max_files_per_day,
                              max_bytes_per_day=settings.inbox_max_bytes_per_day),
        "postgres": PostgresMarts(
            url=settings.postgres_url, password_file=settings.postgres_password_file,
            reader_role=settings.postgres_reader_role,
            # the password stays in the environment: Dagster reads it at run time and shows only its name
            password=dg.EnvVar(ENV["postgres_password"]) if settings.postgres_password else ""),
        "io_manager": dg.FilesystemIOManager(base_dir=str(home.run_outputs_dir)),
        "dbt": DbtCliResource(project_dir=str(settings.dbt_project_dir), profiles_dir=str(settings.dbt_project_dir),
                              dbt_executable=dbt_executable),
    }

