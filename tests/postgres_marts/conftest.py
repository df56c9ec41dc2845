"""A PostgreSQL database of its own, a unique reader role (roles are cluster-wide), and one demo refresh with the
PostgreSQL marts on, shared by the module's tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from pipeline.dbt_manifest import MartDocs, dbt_project, ensure_manifest, mart_docs, mart_models
from pipeline.paths import DBT_PROJECT_DIR, Home
from pipeline.refresh import RefreshSummary, run_refresh
from pipeline.settings import Settings
from testkit.postgres import PostgresServer, fresh_database, postgres_server


@dataclass
class PgTarget:
    server: PostgresServer
    database: str
    reader_role: str

    @property
    def url(self) -> str:
        return self.server.url(self.database)

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url, **kwargs)


def drop_roles(server: PostgresServer, *roles: str) -> None:
    with server.connect(autocommit=True) as con:
        for role in roles:
            con.execute(f'drop role if exists "{role}"')


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def pg(pg_server: PostgresServer) -> Iterator[PgTarget]:
    role = f"ksdg_reader_{uuid.uuid4().hex[:10]}"
    try:
        with fresh_database(pg_server, prefix="ksdg_pgmarts") as db:
            yield PgTarget(pg_server, db, role)
    finally:  # after the database (and the grants in it) is gone
        drop_roles(pg_server, role)


@dataclass
class Published:
    home: Home
    settings: Settings
    summary: RefreshSummary


@pytest.fixture(scope="module")
def published(module_home: Home, pg: PgTarget) -> Published:
    """One demo refresh with the PostgreSQL marts on."""
    settings = Settings.for_home(module_home.root, postgres_url=pg.url, postgres_reader_role=pg.reader_role)
    summary = run_refresh(settings, "demo")
    assert summary.success, summary.failures + summary.checks_failed
    return Published(module_home, settings, summary)


@pytest.fixture(scope="module")
def marts_and_docs() -> tuple[list[str], dict[str, MartDocs]]:
    manifest = ensure_manifest(dbt_project(DBT_PROJECT_DIR))
    return mart_models(Path(manifest)), mart_docs(Path(manifest))
