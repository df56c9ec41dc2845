"""The published marts in PostgreSQL (pipeline/postgres_marts.py, assets/postgres_marts.py), against a real
PostgreSQL database of the test's own and real refreshes: the same rows, types, keys and comments as the DuckDB
file; a read-only role; no reload when nothing changed; a failed load keeps the previous marts; and readers in
REPEATABLE READ transactions, reading while refreshes publish, see one whole publish each and never an error.

The module starts from a copy of the run's shared demo refresh, loaded into PostgreSQL by the asset alone
(conftest.py); the live refresh of the last test is the module's only full refresh."""

from __future__ import annotations

import math
import threading
import time
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import psycopg
import pytest

from assets.postgres_marts import build_postgres_marts_asset
from pipeline.asset_keys import POSTGRES_MARTS, PUBLISHED_WAREHOUSE
from pipeline.dbt_manifest import DBT_EXECUTABLE, MartDocs
from pipeline.definitions import build_definitions
from pipeline.postgres_marts import SCHEMA, duckdb_columns, load_published_marts
from pipeline.refresh import instance_for, run_refresh
from pipeline.resources import PostgresMarts, Warehouse, build_resources
from pipeline.settings import Settings
from testkit.pxweb_server import PxWebTestServer
from tests.postgres_marts.conftest import PgTarget, Published, drop_roles

MartsAndDocs = tuple[list[str], dict[str, MartDocs]]


def _duck(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def _pg_columns(con: psycopg.Connection, table: str) -> list[tuple[str, str, bool]]:
    return con.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull from pg_attribute a "
        "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum",
        [f"{SCHEMA}.{table}"]).fetchall()


def _pg_primary_key(con: psycopg.Connection, table: str) -> tuple[str, ...]:
    rows = con.execute(
        "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
        "and a.attnum = any(i.indkey) where i.indrelid = %s::regclass and i.indisprimary "
        "order by array_position(i.indkey::int2[], a.attnum)", [f"{SCHEMA}.{table}"]).fetchall()
    return tuple(r[0] for r in rows)


def _same(a: object, b: object) -> bool:
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or a == b


def _loaded_run(pg: PgTarget) -> tuple[str, object]:
    with pg.connect() as con:
        return con.execute("select run_id, loaded_at from marts.refresh").fetchone()


def _table_oids(pg: PgTarget) -> dict[str, int]:
    with pg.connect() as con:
        return dict(con.execute("select c.relname, c.oid::int from pg_class c join pg_namespace n "
                                "on n.oid = c.relnamespace where n.nspname = %s and c.relkind = 'r'",
                                [SCHEMA]).fetchall())


def _schemas(pg: PgTarget) -> list[str]:
    with pg.connect() as con:
        return [r[0] for r in con.execute("select nspname from pg_namespace where nspname like 'marts%' "
                                          "order by 1").fetchall()]


def _materialize_alone(published: Published, postgres: PostgresMarts, marts_and_docs: MartsAndDocs,
                       published_db: Path | None = None, force: bool = False) -> dg.ExecuteInProcessResult:
    """The postgres_marts asset by itself (as from the UI, to retry a load), on the given published file."""
    marts, docs = marts_and_docs
    warehouse = Warehouse.for_home(published.home)
    if published_db is not None:
        warehouse = Warehouse(build_db=warehouse.build_db, published_db=str(published_db))
    return dg.materialize([build_postgres_marts_asset(marts, docs)], instance=dg.DagsterInstance.ephemeral(),
                          resources={"warehouse": warehouse, "postgres": postgres}, raise_on_error=False,
                          run_config={"ops": {"publish__postgres_marts": {"config": {"force": force}}}})


def _variant(source: Path, target: Path, run_id: str, is_demo: bool, limit: int | None = None,
             duplicate: str | None = None) -> Path:
    """A copy of a published warehouse as another run: its own run id and is_demo on every row and in
    meta.refresh, optionally only `limit` rows per mart, optionally one row of mart `duplicate` twice."""
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{source}' as src (read_only)")
        con.execute("create schema marts")
        con.execute("create schema meta")
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_catalog = 'src' and table_schema = 'marts'").fetchall()]
        for t in tables:
            cut = f" limit {limit}" if limit else ""
            con.execute(f"create table marts.{t} as select * replace ({is_demo} as is_demo) from src.marts.{t}{cut}")
            if t == duplicate:
                con.execute(f"insert into marts.{t} select * from marts.{t} limit 1")
        con.execute(f"create table meta.refresh as select * replace ('{run_id}' as run_id, {is_demo} as is_demo) "
                    "from src.meta.refresh")
        con.execute("detach src")
    finally:
        con.close()
    return target


# --- off by default -------------------------------------------------------------------------------------------


def test_off_without_a_postgres_url(tmp_path: Path, pg: PgTarget) -> None:
    off = build_definitions(Settings.for_home(tmp_path / "off"))
    assert POSTGRES_MARTS not in off.resolve_asset_graph().get_all_asset_keys()
    on = build_definitions(Settings.for_home(tmp_path / "on", postgres_url=pg.url))
    graph = on.resolve_asset_graph()
    assert graph.get(POSTGRES_MARTS).parent_keys == {PUBLISHED_WAREHOUSE}
    assert POSTGRES_MARTS in on.resolve_job_def("nightly_refresh").asset_layer.executable_asset_keys


def test_a_password_in_the_url_is_refused_and_a_secrets_file_is_read(tmp_path: Path, pg: PgTarget) -> None:
    with pytest.raises(ValueError, match="KOMMUNE_SDG_POSTGRES_URL holds a password"):
        Settings.from_env({"KOMMUNE_SDG_POSTGRES_URL": "postgresql://analyst:hunter2@127.0.0.1/db"})
    secret = tmp_path / "pg_password"
    secret.write_text("s3cret-from-file\n", encoding="utf-8")
    settings = Settings.from_env({"KOMMUNE_SDG_POSTGRES_URL": pg.url,
                                  "KOMMUNE_SDG_POSTGRES_PASSWORD_FILE": str(secret)})
    resource = PostgresMarts(url=settings.postgres_url, password_file=settings.postgres_password_file)
    with resource.connect() as con:  # trust auth accepts it; libpq was given the file's password
        assert con.info.password == "s3cret-from-file"
    missing = PostgresMarts(url=pg.url, password_file=str(tmp_path / "nope"))
    with pytest.raises(RuntimeError, match="KOMMUNE_SDG_POSTGRES_PASSWORD_FILE=.*cannot read"):
        missing.connect()


def test_an_environment_password_reaches_libpq_and_only_its_name_the_config(
        pg: PgTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    """The password is resolved by Dagster at run time (dg.EnvVar): the resource's config, which the UI shows,
    holds the variable's name. (The one test that sets a variable: what it checks is reading it.)"""
    monkeypatch.setenv("KOMMUNE_SDG_POSTGRES_PASSWORD", "pw-from-env")
    settings = Settings.from_env({"KOMMUNE_SDG_POSTGRES_URL": pg.url, "KOMMUNE_SDG_POSTGRES_PASSWORD": "pw-from-env"})
    assert "pw-from-env" not in repr(settings)
    resource = build_resources(settings, DBT_EXECUTABLE)["postgres"]
    assert "pw-from-env" not in repr(resource) and "KOMMUNE_SDG_POSTGRES_PASSWORD" in repr(resource)
    with dg.build_resources({"postgres": resource}) as built, built.postgres.connect() as con:
        assert con.info.password == "pw-from-env"


# --- the demo publish loaded into PostgreSQL -------------------------------------------------------------------------


def test_every_mart_matches_the_published_duckdb_file(published: Published, pg: PgTarget,
                                                       marts_and_docs: MartsAndDocs) -> None:
    marts, docs = marts_and_docs
    duck = _duck(published.home.published_db)
    try:
        with pg.connect() as con:
            pg_tables = {r[0] for r in con.execute("select tablename from pg_tables where schemaname = 'marts'")}
            assert pg_tables == {*marts, "refresh"}
            for mart in marts:
                doc = docs[mart]
                columns = duckdb_columns(duck, f"marts.{mart}")
                assert [(n, t) for n, t, _ in _pg_columns(con, mart)] == [(c.name, c.pg_type) for c in columns]
                assert {n for n, _, nn in _pg_columns(con, mart) if nn} == set(doc.not_null)
                assert _pg_primary_key(con, mart) == doc.primary_key and doc.primary_key, mart
                assert con.execute("select obj_description(%s::regclass, 'pg_class')",
                                   [f"marts.{mart}"]).fetchone()[0] == doc.description
                comments = dict(con.execute(
                    "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a "
                    "where a.attrelid = %s::regclass and a.attnum > 0", [f"marts.{mart}"]).fetchall())
                assert comments == doc.columns, mart
                # every row, in key order (byte order for text on both sides), value for value
                key = ", ".join(f'"{k}"' for k in doc.primary_key)
                pg_key = ", ".join(f'"{k}" collate "C"' if t == "text" else f'"{k}"'
                                   for k, t, _ in _pg_columns(con, mart) if k in doc.primary_key)
                n_duck = duck.sql(f"select count(*) from marts.{mart}").fetchall()[0][0]
                assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] == n_duck > 0, mart
                duck_rows = duck.sql(f"select * from marts.{mart} order by {key}").fetchall()
                pg_rows = con.execute(f"select * from marts.{mart} order by {pg_key}").fetchall()
                for a, b in zip(duck_rows, pg_rows, strict=True):
                    assert all(_same(x, y) for x, y in zip(a, b, strict=True)), (mart, a, b)
            run = duck.sql("select run_id, is_demo, snapshot_kind from meta.refresh").fetchall()[0]
            assert con.execute("select run_id, is_demo, snapshot_kind from marts.refresh").fetchone() == run
            assert run[0] == published.summary.run_id and run[1] is True
    finally:
        duck.close()
    assert _schemas(pg) == ["marts"]  # no fresh or old schema left behind


def test_the_reader_role_can_read_every_mart_and_write_none(published: Published, pg: PgTarget,
                                                             marts_and_docs: MartsAndDocs) -> None:
    analyst = f"ksdg_analyst_{uuid.uuid4().hex[:10]}"
    with pg.server.connect(autocommit=True) as admin:
        admin.execute(f'create role "{analyst}" login password \'analyst-pw\' in role "{pg.reader_role}"')
    try:
        with psycopg.connect(pg.server.url(pg.database).replace("postgres@", f"{analyst}@"),
                             autocommit=True) as con:
            assert con.execute("select current_user").fetchone() == (analyst,)
            for mart in [*marts_and_docs[0], "refresh"]:
                assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0
            writes = ["insert into marts.goals select * from marts.goals limit 1", "delete from marts.goals",
                      "update marts.goals set name_en = 'x'", "truncate marts.goals",
                      "create table marts.mine (x int)", "drop table marts.goals",
                      "alter table marts.goals add column x int", "comment on table marts.goals is 'x'"]
            for statement in writes:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    con.execute(statement)
        with pg.connect() as con:
            assert con.execute("select rolcanlogin from pg_roles where rolname = %s",
                               [pg.reader_role]).fetchone() == (False,)
            assert con.execute("select count(*) from marts.goals").fetchone() == (17,)
    finally:
        drop_roles(pg.server, analyst)


def test_a_refresh_with_nothing_new_does_not_reload(published: Published, pg: PgTarget) -> None:
    before, oids = _loaded_run(pg), _table_oids(pg)
    again = run_refresh(published.settings, "demo")
    assert again.success, again.failures
    assert _loaded_run(pg) == before and _table_oids(pg) == oids
    records = instance_for(published.settings).fetch_materializations(POSTGRES_MARTS, limit=10).records
    assert [r.run_id for r in records] == [published.loaded_by]


def test_materialized_alone_it_loads_only_when_the_published_run_is_new_or_forced(
        published: Published, pg: PgTarget, marts_and_docs: MartsAndDocs) -> None:
    postgres = PostgresMarts(url=pg.url, reader_role=pg.reader_role)
    before, oids = _loaded_run(pg), _table_oids(pg)
    result = _materialize_alone(published, postgres, marts_and_docs)
    assert result.success
    assert result.asset_materializations_for_node("publish__postgres_marts")[0].metadata["loaded"].value is False
    assert _loaded_run(pg) == before and _table_oids(pg) == oids
    forced = _materialize_alone(published, postgres, marts_and_docs, force=True)
    assert forced.success
    run_id, loaded_at = _loaded_run(pg)
    assert run_id == before[0] and loaded_at > before[1]
    assert set(_table_oids(pg).values()).isdisjoint(oids.values())  # new tables, swapped in
    assert _schemas(pg) == ["marts"]


def test_a_failed_load_keeps_the_previous_marts(published: Published, pg: PgTarget, marts_and_docs: MartsAndDocs,
                                                tmp_path: Path) -> None:
    """A mart PostgreSQL refuses (a duplicate key): the step fails naming the mart and PostgreSQL's reason; the
    marts PostgreSQL had stay, table for table; no fresh schema is left behind."""
    bad = _variant(published.home.published_db, tmp_path / "bad.duckdb", str(uuid.uuid4()), is_demo=True,
                   duplicate="goal_scores")
    before, oids, counts = _loaded_run(pg), _table_oids(pg), _counts(pg, marts_and_docs[0])
    result = _materialize_alone(published, PostgresMarts(url=pg.url, reader_role=pg.reader_role), marts_and_docs,
                                published_db=bad)
    assert not result.success
    failure = result.failure_data_for_node("publish__postgres_marts").user_failure_data.description
    assert "loading mart goal_scores into PostgreSQL failed" in failure
    assert "could not create unique index" in failure and "is duplicated" in failure
    assert "PostgreSQL keeps the marts it had" in failure
    assert _loaded_run(pg) == before and _table_oids(pg) == oids
    assert _schemas(pg) == ["marts"] and _counts(pg, marts_and_docs[0]) == counts


def test_an_unreachable_postgres_fails_the_step_with_a_clear_message(published: Published,
                                                                     marts_and_docs: MartsAndDocs) -> None:
    closed = PostgresMarts(url="postgresql://postgres@127.0.0.1:1/nowhere")
    result = _materialize_alone(published, closed, marts_and_docs)
    assert not result.success
    failure = result.failure_data_for_node("publish__postgres_marts").user_failure_data.description
    assert failure.startswith("cannot connect to PostgreSQL")


# --- readers while publishes swap ------------------------------------------------------------------------------


class Readers:
    """Threads reading every mart in REPEATABLE READ transactions in a loop: per transaction the run in
    marts.refresh, and per mart its row count and whether all / any rows are demo rows. The first thread reads
    marts.refresh first, the second reads it last and the marts in reverse order (the swap's lock order being
    refresh first, then by name, it holds tables the swap waits for while it waits for the swap; it pauses
    50 ms between transactions, or the swap could wait for it for minutes), the third reads refresh first and
    the marts in reverse order. With `refresh_last=False` the second reads marts.refresh first too (the access
    pattern docs/postgres_marts.md recommends)."""

    def __init__(self, pg: PgTarget, marts: list[str], refresh_last: bool = True) -> None:
        self.pg, self.marts = pg, sorted(marts)
        self.reads: list[tuple[str, bool, dict[str, tuple[int, bool, bool]]]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        orders = [(True, self.marts, 0.0), (not refresh_last, self.marts[::-1], 0.05), (True, self.marts[::-1], 0.0)]
        self._threads = [threading.Thread(target=self._loop, args=order, daemon=True) for order in orders]

    def __enter__(self) -> Readers:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=120)

    def _loop(self, refresh_first: bool, marts: list[str], pause: float) -> None:
        try:
            con = self.pg.connect(autocommit=True)
        except psycopg.Error as exc:
            self.errors.append(f"connect: {exc}")
            return
        run = "select run_id, is_demo from marts.refresh"
        with con:
            while not self._stop.is_set():
                try:
                    with con.transaction():
                        con.execute("set transaction isolation level repeatable read")
                        if refresh_first:
                            run_id, is_demo = con.execute(run).fetchone()
                        seen = {m: con.execute(f"select count(*), bool_and(is_demo), bool_or(is_demo) "
                                               f"from marts.{m}").fetchone() for m in marts}
                        if not refresh_first:
                            run_id, is_demo = con.execute(run).fetchone()
                    self.reads.append((run_id, is_demo, seen))
                    time.sleep(pause)
                except Exception as exc:  # noqa: BLE001 - every error is a finding
                    self.errors.append(f"{type(exc).__name__}: {exc}")

    def check(self, counts: dict[str, dict[str, int]]) -> dict[str, int]:
        """Every read saw one whole publish: the run's own counts and is_demo in every mart. Reads per run."""
        assert not self.errors, self.errors[:5]
        per_run: dict[str, int] = {}
        for run_id, is_demo, seen in self.reads:
            assert run_id in counts, run_id
            for mart, (n, all_demo, any_demo) in seen.items():
                assert (n, all_demo, any_demo) == (counts[run_id][mart], is_demo, is_demo), (run_id, mart)
            per_run[run_id] = per_run.get(run_id, 0) + 1
        return per_run


def _counts(pg: PgTarget, marts: list[str]) -> tuple[str, dict[str, int]]:
    with pg.connect() as con:
        run_id = con.execute("select run_id from marts.refresh").fetchone()[0]
        return run_id, {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in marts}


def test_readers_see_one_whole_publish_while_loads_swap_back_and_forth(
        published: Published, pg: PgTarget, marts_and_docs: MartsAndDocs, tmp_path: Path) -> None:
    """Two small publishes of different kinds (demo / not demo, different row counts) swapped in eight times
    while three readers read: no error, and each read transaction sees one of them whole."""
    marts, docs = marts_and_docs
    runs = {str(uuid.uuid4()): (True, 300), str(uuid.uuid4()): (False, 500)}
    files = {run_id: _variant(published.home.published_db, tmp_path / f"{i}.duckdb", run_id, demo, limit)
             for i, (run_id, (demo, limit)) in enumerate(runs.items())}
    target = PgTarget(pg.server, f"{pg.database}_swaps", pg.reader_role)
    with pg.server.connect(autocommit=True) as admin:
        admin.execute(f'create database "{target.database}"')
    try:
        counts: dict[str, dict[str, int]] = {}
        order = [*files] * 4
        load_published_marts(target.connect, files[order[0]], marts, docs, pg.reader_role, log=lambda _: None)
        counts[order[0]] = _counts(target, marts)[1]
        with Readers(target, marts) as readers:
            for i, run_id in enumerate(order[1:], 1):
                time.sleep(0.3)
                result = load_published_marts(target.connect, files[run_id], marts, docs, pg.reader_role,
                                              swap_timeout=120, log=lambda _: None)
                assert result.loaded
                print(f"swap {i}: load {result.load_seconds:.2f} s, wait {result.wait_seconds:.2f} s, "
                      f"swap {result.swap_seconds * 1000:.0f} ms")
                counts[run_id] = _counts(target, marts)[1]
            time.sleep(0.3)
        per_run = readers.check(counts)
        assert set(per_run) == set(files), per_run
        assert counts[order[0]] != counts[order[1]]
    finally:
        with pg.server.connect(autocommit=True) as admin:
            admin.execute(f'drop database if exists "{target.database}" with (force)')


def test_readers_see_one_whole_publish_while_a_live_refresh_publishes(
        published: Published, pg: PgTarget, marts_and_docs: MartsAndDocs,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The second full refresh (live, from a local PxWebApi server: not demo data) publishes while readers read
    the demo publish, each starting with marts.refresh as docs/postgres_marts.md recommends (readers reading
    it last are in the swap test above): no error, every read is all demo or all live, both are read."""
    from pipeline.demo import generate_demo_snapshot  # noqa: PLC0415

    marts = marts_and_docs[0]
    demo_run, demo_counts = _counts(pg, marts)
    snapshot = generate_demo_snapshot(tmp_path_factory.mktemp("ssb_origin"))
    with PxWebTestServer(snapshot, calls=200, window_s=1.0) as base_url, \
            Readers(pg, marts, refresh_last=False) as readers:
        settings = Settings.for_home(published.home.root, ssb_base_url=base_url, postgres_url=pg.url,
                                     postgres_reader_role=pg.reader_role)
        live = run_refresh(settings, "live")
        time.sleep(1.0)
    assert live.success, live.failures + live.checks_failed
    live_run, live_counts = _counts(pg, marts)
    assert live_run == live.run_id != demo_run
    per_run = readers.check({demo_run: demo_counts, live_run: live_counts})
    assert per_run.get(demo_run, 0) > 0 and per_run.get(live_run, 0) > 0, per_run
    with pg.connect() as con:
        assert con.execute("select is_demo from marts.refresh").fetchone() == (False,)

