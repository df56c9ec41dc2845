"""The test PostgreSQL: the machine's server when it answers, else a throwaway cluster started from the
system's binaries (the path a fresh machine without PostgreSQL takes in `make test`)."""

from __future__ import annotations

import shutil

import psycopg
import pytest

from testkit.postgres import fresh_database, postgres_server, start_throwaway


def test_postgres_server_gives_a_working_private_database() -> None:
    with postgres_server() as server, fresh_database(server) as db, server.connect(db, autocommit=True) as con:
        con.execute("create table t (x int primary key)")
        con.execute("insert into t values (1), (2)")
        assert con.execute("select sum(x) from t").fetchone() == (3,)
    with server.connect(autocommit=True) as con:
        assert con.execute("select count(*) from pg_database where datname = %s", (db,)).fetchone() == (0,)


def test_throwaway_cluster_starts_serves_and_stops() -> None:
    server, proc = start_throwaway()
    try:
        assert server.port != 5432
        with server.connect(autocommit=True) as con:
            user = con.execute("select current_user").fetchone()[0]
            owner = con.execute("select usename from pg_user where usesysid = 10").fetchone()[0]
        assert user == owner == "postgres"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(server.throwaway_dir)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url(), connect_timeout=2)
