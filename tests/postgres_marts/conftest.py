"""A PostgreSQL database of its own, a unique reader role (roles are cluster-wide), and a published demo home with
the PostgreSQL marts on, shared by the module's tests.

The home is a copy of the run's shared demo refresh (tests/conftest.py) whose published warehouse is loaded into
PostgreSQL by the postgres_marts asset materialized alone, in the home's own Dagster instance: what an operator
does when turning PostgreSQL on for a home that has published (the asset's description: "Materialize it alone").
A whole refresh with PostgreSQL on publishing into it is the live refresh of the module's last test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from assets.postgres_marts import build_postgres_marts_asset
from pipeline.dbt_manifest import MartDocs, dbt_project, ensure_manifest, mart_docs, mart_models
from pipeline.paths import DBT_PROJECT_DIR, Home
from pipeline.refresh import RefreshSummary, instance_for
from pipeline.resources import PostgresMarts, Warehouse
from pipeline.settings import Settings
from testkit.postgres import PostgresServer, fresh_database, postgres_server
from testkit.shared_demo import PublishedDemo, copy_home


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
    summary: RefreshSummary  # the demo refresh that published the warehouse
    loaded_by: str  # the run that loaded it into PostgreSQL (the only postgres_marts materialization)


@pytest.fixture(scope="module")
def marts_and_docs() -> tuple[list[str], dict[str, MartDocs]]:
    manifest = ensure_manifest(dbt_project(DBT_PROJECT_DIR))
    return mart_models(Path(manifest)), mart_docs(Path(manifest))


@pytest.fixture(scope="module")
def published(published_demo: PublishedDemo, pg: PgTarget, marts_and_docs: tuple[list[str], dict[str, MartDocs]],
              tmp_path_factory: pytest.TempPathFactory) -> Published:
    """A copy of the shared demo refresh with the PostgreSQL marts on, its publish loaded into PostgreSQL."""
    copy = copy_home(published_demo, tmp_path_factory.mktemp("pg_demo") / "home")
    settings = Settings.for_home(copy.home.root, api_base_url=copy.api_base_url, postgres_url=pg.url,
                                 postgres_reader_role=pg.reader_role)
    marts, docs = marts_and_docs
    result = dg.materialize(
        [build_postgres_marts_asset(marts, docs)], instance=instance_for(settings),
        resources={"warehouse": Warehouse.for_home(settings.home),
                   "postgres": PostgresMarts(url=pg.url, reader_role=pg.reader_role)})
    [loaded] = result.asset_materializations_for_node("publish__postgres_marts")
    assert loaded.metadata["loaded"].value is True
    return Published(settings.home, settings, published_demo.summary, result.run_id)
