"""The published marts in PostgreSQL, for BI tools: a copy of the published DuckDB warehouse, swapped in whole.

`load_published_marts` reads the published DuckDB file (never the build database) and
1. loads every published mart into a fresh schema `marts_load_<run8>` in ONE transaction (CREATE TABLE with the
   DuckDB column types mapped to PostgreSQL's, the contract's NOT NULLs, COPY in CSV streamed from DuckDB through
   Arrow, the dbt keys as PRIMARY KEY / UNIQUE, the dbt docs as COMMENT ON, SELECT for the reader role, and
   `refresh`: the published run's meta.refresh row). A failure rolls it back: nothing of it remains;
2. waits until no transaction that began before that commit still holds a snapshot (a REPEATABLE READ reader
   that began earlier would not see the new rows once the names point at them);
3. swaps in one short transaction: `LOCK TABLE marts.* IN ACCESS EXCLUSIVE MODE NOWAIT` (retried while a reader
   holds one of them, so the swap never queues behind a reader and never deadlocks with one), rename `marts`
   away, rename the fresh schema to `marts`, drop the old one.
A reader's transaction therefore sees either the old or the new publish, whole: it cannot read an old table once
the new ones are in place (it still holds its lock on the old one, so the swap waits), and a table it reads after
the swap holds rows committed before its snapshot. Loaders are serialised by an advisory lock; loading the run
that `marts.refresh` already holds does nothing unless forced.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
import pyarrow.csv as pa_csv
from psycopg import sql

from pipeline.dbt_manifest import MartDocs
from pipeline.publish import PUBLISHED_SCHEMA

SCHEMA = PUBLISHED_SCHEMA  # the schema readers query, as in the DuckDB file
REFRESH_TABLE = "refresh"  # marts.refresh: the run the schema holds (DuckDB's meta.refresh, + loaded_at)
LOAD_PREFIX = f"{SCHEMA}_load_"
OLD_PREFIX = f"{SCHEMA}_old_"
STALE_LOAD = re.compile(rf"^({LOAD_PREFIX}|{OLD_PREFIX})[0-9a-f]{{8}}$")
ADVISORY_LOCK = 0x6B73_6467_6D61_7274  # "ksdgmart": one loader at a time per database
BATCH_ROWS = 65_536
RETRY_SECONDS = 0.1

# DuckDB type id -> PostgreSQL type; decimal and the nested types are handled in pg_type
PG_TYPES = {
    "boolean": "boolean", "tinyint": "smallint", "smallint": "smallint", "integer": "integer", "bigint": "bigint",
    "utinyint": "smallint", "usmallint": "integer", "uinteger": "bigint", "ubigint": "numeric(20,0)",
    "hugeint": "numeric(39,0)", "uhugeint": "numeric(39,0)", "float": "real", "double": "double precision",
    "varchar": "text", "blob": "bytea", "date": "date", "time": "time", "time with time zone": "timetz",
    "timestamp": "timestamp", "timestamp_s": "timestamp", "timestamp_ms": "timestamp", "timestamp_ns": "timestamp",
    "timestamp with time zone": "timestamptz", "interval": "interval", "uuid": "uuid", "enum": "text",
}
NESTED = {"list", "array", "struct", "map", "union"}  # -> jsonb
AS_IS = {"boolean", "tinyint", "smallint", "integer", "bigint", "float", "double", "decimal", "varchar", "date"}


class PostgresLoadError(RuntimeError):
    """The marts could not be loaded or swapped in; PostgreSQL keeps the marts it had."""


@dataclass
class LoadResult:
    run_id: str
    loaded: bool  # False: PostgreSQL already held this run
    rows: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0  # the load transaction (create, copy, keys, comments)
    wait_seconds: float = 0.0  # waiting for older readers, then for the locks of the swap
    swap_seconds: float = 0.0  # the swap transaction itself (readers block on it for this long)


@dataclass(frozen=True)
class Column:
    name: str
    duckdb_type: str  # DuckDB's type name, e.g. DECIMAL(18,3)
    pg_type: str
    select: str  # the DuckDB expression that renders it for PostgreSQL's CSV COPY


def pg_type(type_id: str, type_name: str, children: list | None = None) -> str:
    """The PostgreSQL type of a DuckDB type (id as DuckDBPyType.id, name as str(type))."""
    if type_id == "decimal":
        params = dict(children or [])
        return f"numeric({params['precision']},{params['scale']})"
    if type_id in NESTED:
        return "jsonb"
    if type_id in PG_TYPES:
        return PG_TYPES[type_id]
    raise PostgresLoadError(f"DuckDB type {type_name} has no PostgreSQL mapping")


def _column(name: str, dtype: duckdb.DuckDBPyType) -> Column:
    quoted = '"' + name.replace('"', '""') + '"'
    type_id, type_name = dtype.id, str(dtype)
    target = pg_type(type_id, type_name, dtype.children if type_id == "decimal" else None)
    if type_id in NESTED:
        expr = f"to_json({quoted})::varchar"
    elif type_id == "blob":
        expr = f"'\\x' || hex({quoted})"
    elif type_id in AS_IS:
        expr = quoted
    else:  # timestamps, times, intervals, uuids, enums, huge ints: DuckDB's text form, which PostgreSQL reads
        expr = f"{quoted}::varchar"
    return Column(name, type_name, target, expr)


def duckdb_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[Column]:
    rel = con.table(table)
    return [_column(n, t) for n, t in zip(rel.columns, rel.types, strict=True)]


def published_run(con: duckdb.DuckDBPyConnection) -> dict:
    rel = con.sql("select * from meta.refresh")
    rows = rel.fetchall()
    if len(rows) != 1:
        raise PostgresLoadError(f"the published warehouse has {len(rows)} meta.refresh rows, not one: nothing loaded")
    return dict(zip(rel.columns, rows[0], strict=True))


def load_published_marts(connect: Callable[..., psycopg.Connection], published_db: Path, marts: list[str],
                         docs: dict[str, MartDocs], reader_role: str, swap_timeout: float = 600.0,
                         force: bool = False, log: Callable[[str], None] = print) -> LoadResult:
    """Load the marts of the published DuckDB file into PostgreSQL schema `marts`, swapped in whole (module doc).

    `connect(**kwargs)` opens a connection to the target database. Raises PostgresLoadError naming the mart and
    PostgreSQL's message when anything fails; PostgreSQL then keeps the marts it had."""
    if not Path(published_db).exists():
        raise PostgresLoadError(f"{published_db}: no published warehouse to load into PostgreSQL")
    if REFRESH_TABLE in marts:
        raise PostgresLoadError(f"a mart is named {REFRESH_TABLE!r}, the name of the run table in PostgreSQL")
    duck = duckdb.connect(str(published_db), read_only=True)
    try:
        run = published_run(duck)
        run_id = str(run["run_id"])
        fresh, old = LOAD_PREFIX + run_id[:8], OLD_PREFIX + run_id[:8]
        with _connection(connect) as pg:
            _advisory_lock(pg, swap_timeout)
            held = _loaded_run(pg)
            if held == run_id and not force:
                log(f"PostgreSQL schema {SCHEMA} already holds run {run_id}: nothing loaded")
                return LoadResult(run_id, loaded=False)
            _drop_stale(pg, log)
            ensure_reader_role(pg, reader_role)
            result = LoadResult(run_id, loaded=True)
            t0 = time.perf_counter()
            _load(pg, duck, fresh, marts, docs, run, reader_role, result, log)
            pg.commit()
            # after the commit: a transaction that began later has a snapshot that sees the new rows
            committed_at = pg.execute("select clock_timestamp()").fetchone()[0]
            pg.rollback()
            result.load_seconds = time.perf_counter() - t0
            try:
                t1 = time.perf_counter()
                _wait_for_older_snapshots(pg, committed_at, t1 + swap_timeout)
                result.swap_seconds = _swap(pg, fresh, old, t1 + swap_timeout)
                result.wait_seconds = time.perf_counter() - t1 - result.swap_seconds
            except BaseException:
                _drop_schema(pg, fresh)
                raise
            log(f"PostgreSQL schema {SCHEMA} now holds run {run_id}: {len(result.rows)} marts, "
                f"{sum(result.rows.values()):,} rows; load {result.load_seconds:.1f} s, wait "
                f"{result.wait_seconds:.2f} s, swap {result.swap_seconds * 1000:.0f} ms")
            return result
    finally:
        duck.close()


@contextlib.contextmanager
def _connection(connect: Callable[..., psycopg.Connection]) -> Iterator[psycopg.Connection]:
    try:
        pg = connect(application_name="kommune-sdg postgres_marts")
    except psycopg.Error as exc:
        raise PostgresLoadError(f"cannot connect to PostgreSQL: {_message(exc)}") from exc
    try:
        yield pg
    finally:
        pg.close()


def _message(exc: BaseException) -> str:
    """PostgreSQL's (or DuckDB's) message on one line, with its detail (e.g. the duplicated key) and SQLSTATE."""
    text = str(exc).strip().splitlines()
    out = text[0] if text else type(exc).__name__
    diag = getattr(exc, "diag", None)
    if diag is not None and diag.message_detail:
        out += f": {diag.message_detail}"
    return out + (f" (SQLSTATE {diag.sqlstate})" if diag is not None and diag.sqlstate else "")


def _advisory_lock(pg: psycopg.Connection, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not pg.execute("select pg_try_advisory_lock(%s)", [ADVISORY_LOCK]).fetchone()[0]:
        pg.rollback()
        if time.monotonic() > deadline:
            raise PostgresLoadError(f"another loader held the PostgreSQL marts lock for over {timeout:.0f} s")
        time.sleep(RETRY_SECONDS * 5)
    pg.commit()


def _loaded_run(pg: psycopg.Connection) -> str | None:
    """The run schema `marts` holds, None when there is none."""
    exists = pg.execute("select to_regclass(%s)", [f"{SCHEMA}.{REFRESH_TABLE}"]).fetchone()[0]
    row = pg.execute(sql.SQL("select run_id from {}.{}").format(
        sql.Identifier(SCHEMA), sql.Identifier(REFRESH_TABLE))).fetchone() if exists else None
    pg.commit()
    return str(row[0]) if row else None


def _drop_stale(pg: psycopg.Connection, log: Callable[[str], None]) -> None:
    """Schemas a killed loader left between its load and its swap (the advisory lock is ours: none is in use)."""
    for (name,) in pg.execute("select nspname from pg_namespace where nspname like %s or nspname like %s",
                              [LOAD_PREFIX + "%", OLD_PREFIX + "%"]).fetchall():
        if STALE_LOAD.match(name):
            log(f"dropping schema {name} left by an interrupted load")
            pg.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))
    pg.commit()


def _drop_schema(pg: psycopg.Connection, name: str) -> None:
    with contextlib.suppress(psycopg.Error):
        pg.rollback()
        pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(name)))
        pg.commit()


def ensure_reader_role(pg: psycopg.Connection, role: str) -> None:
    """The read-only group role analysts are granted into (NOLOGIN): created when missing."""
    if pg.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone() is None:
        try:
            pg.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
        except psycopg.errors.DuplicateObject:  # another database's loader created it just now
            pass
        except psycopg.Error as exc:
            pg.rollback()
            raise PostgresLoadError(f"the reader role {role!r} does not exist and this user cannot create it "
                                    f"({_message(exc)}): run `CREATE ROLE {role} NOLOGIN` once as an "
                                    f"administrator") from exc
    pg.commit()


def _load(pg: psycopg.Connection, duck: duckdb.DuckDBPyConnection, fresh: str, marts: list[str],
          docs: dict[str, MartDocs], run: dict, reader_role: str, result: LoadResult,
          log: Callable[[str], None]) -> None:
    """The fresh schema with every mart and the run table, in the connection's open transaction."""
    reader = sql.Identifier(reader_role)
    schema = sql.Identifier(fresh)
    pg.execute(sql.SQL("drop schema if exists {} cascade").format(schema))
    pg.execute(sql.SQL("create schema {}").format(schema))
    pg.execute(sql.SQL("grant usage on schema {} to {}").format(schema, reader))
    pg.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(schema, reader))
    for mart in sorted(marts):
        t = time.perf_counter()
        try:
            result.rows[mart] = _load_mart(pg, duck, fresh, mart, docs.get(mart))
        except (psycopg.Error, duckdb.Error, PostgresLoadError) as exc:
            pg.rollback()
            raise PostgresLoadError(f"loading mart {mart} into PostgreSQL failed: {_message(exc)}. PostgreSQL keeps "
                                    f"the marts it had; the DuckDB warehouse is published") from exc
        log(f"loaded {SCHEMA}.{mart} into PostgreSQL: {result.rows[mart]:,} rows in {time.perf_counter() - t:.2f} s")
    _write_run(pg, fresh, run)


def _load_mart(pg: psycopg.Connection, duck: duckdb.DuckDBPyConnection, fresh: str, mart: str,
               doc: MartDocs | None) -> int:
    source = f"{SCHEMA}.{mart}"
    try:
        columns = duckdb_columns(duck, source)
    except duckdb.CatalogException as exc:
        raise PostgresLoadError(f"{source} is not in the published warehouse") from exc
    table = sql.Identifier(fresh, mart)
    not_null = doc.not_null if doc else frozenset()
    pg.execute(sql.SQL("create table {} ({})").format(table, sql.SQL(", ").join(
        sql.SQL("{} {}{}").format(sql.Identifier(c.name), sql.SQL(c.pg_type),
                                  sql.SQL(" not null" if c.name in not_null else "")) for c in columns)))
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    query = "select " + ", ".join(c.select for c in columns) + f" from {source}"
    with pg.cursor().copy(sql.SQL("copy {} ({}) from stdin (format csv)").format(table, names)) as copy:
        for batch in duck.sql(query).to_arrow_reader(BATCH_ROWS):
            buf = io.BytesIO()
            pa_csv.write_csv(batch, buf, options)
            copy.write(buf.getbuffer())
    rows = pg.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
    if doc is not None:
        _keys_and_comments(pg, table, doc, {c.name for c in columns})
    pg.execute(sql.SQL("analyze {}").format(table))
    return rows


def _keys_and_comments(pg: psycopg.Connection, table: sql.Identifier, doc: MartDocs, present: set[str]) -> None:
    keys = [("primary key", doc.primary_key)] if doc.primary_key else []
    for kind, key in keys + [("unique", k) for k in doc.unique_keys]:
        pg.execute(sql.SQL("alter table {} add {} ({})").format(
            table, sql.SQL(kind), sql.SQL(", ").join(map(sql.Identifier, key))))
    if doc.description:
        pg.execute(sql.SQL("comment on table {} is {}").format(table, sql.Literal(doc.description)))
    for name, text in doc.columns.items():
        if text and name in present:
            pg.execute(sql.SQL("comment on column {}.{} is {}").format(table, sql.Identifier(name), sql.Literal(text)))


def _write_run(pg: psycopg.Connection, fresh: str, run: dict) -> None:
    """`refresh`: the published run's meta.refresh row (run_id, published_at, snapshot_kind, is_demo, input
    fingerprints) and when PostgreSQL got it."""
    table = sql.Identifier(fresh, REFRESH_TABLE)
    cols = [(k, "boolean" if isinstance(v, bool) else "timestamptz" if k == "published_at" else "text")
            for k, v in run.items()]
    pg.execute(sql.SQL("create table {} ({}, loaded_at timestamptz not null default now())").format(
        table, sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(k), sql.SQL(t)) for k, t in cols)))
    pg.execute(sql.SQL("insert into {} ({}) values ({})").format(
        table, sql.SQL(", ").join(sql.Identifier(k) for k, _ in cols),
        sql.SQL(", ").join([sql.Placeholder()] * len(cols))),
        [v if isinstance(v, bool) or k == "published_at" or v is None else str(v) for k, v in run.items()])
    pg.execute(sql.SQL("comment on table {} is {}").format(table, sql.Literal(
        "The published run these marts come from (DuckDB meta.refresh) and when PostgreSQL got it.")))


def _wait_for_older_snapshots(pg: psycopg.Connection, committed_at: object, deadline: float) -> None:
    """Wait until no transaction of this database that began before the load committed still holds a snapshot:
    such a reader, swapped onto the new tables, would not see their rows."""
    query = ("select pid, usename, application_name, state from pg_stat_activity "
             "where datname = current_database() and pid <> pg_backend_pid() and backend_xmin is not null "
             "and xact_start < %s")
    while True:
        older = pg.execute(query, [committed_at]).fetchall()
        pg.rollback()
        if not older:
            return
        if time.perf_counter() > deadline:
            raise PostgresLoadError(f"transactions older than the load still held snapshots when the swap timed "
                                    f"out: {older}; PostgreSQL keeps the marts it had")
        time.sleep(RETRY_SECONDS)


def _swap(pg: psycopg.Connection, fresh: str, old: str, deadline: float) -> float:
    """Rename `marts` away and the fresh schema to `marts`, drop the old: one transaction, begun by locking every
    table of `marts`. The LOCK waits at most half of `deadlock_timeout` and is then retried: readers arriving
    meanwhile queue behind it (so a stream of readers cannot starve the swap), a reader holding a table keeps its
    whole publish until it ends, and no reader waits on the swap long enough for PostgreSQL's deadlock check to
    pick it. Returns the seconds the swap transaction held its locks."""
    half = max(50, int(pg.execute("select setting from pg_settings where name = 'deadlock_timeout'")
                       .fetchone()[0]) // 2)
    pg.rollback()
    while True:
        # marts.refresh first: a reader that starts with it (which publish am I reading?) queues there behind
        # the swap before it holds any other table, so it can never be both waited for and waiting
        tables = [r[0] for r in pg.execute("select tablename from pg_tables where schemaname = %s "
                                           "order by tablename <> %s, tablename", [SCHEMA, REFRESH_TABLE]).fetchall()]
        t = time.perf_counter()
        try:
            if tables:
                pg.execute(f"set local statement_timeout = {half}")
                pg.execute(sql.SQL("lock table {} in access exclusive mode").format(
                    sql.SQL(", ").join(sql.Identifier(SCHEMA, name) for name in tables)))
                pg.execute("set local statement_timeout = 0")
            break
        except psycopg.errors.QueryCanceled:
            pg.rollback()
            if time.perf_counter() > deadline:
                raise PostgresLoadError(f"readers held tables of schema {SCHEMA} until the swap timed out: "
                                        f"{_lock_holders(pg)}; PostgreSQL keeps the marts it had") from None
            time.sleep(RETRY_SECONDS)
    has_old = pg.execute("select 1 from pg_namespace where nspname = %s", [SCHEMA]).fetchone() is not None
    if has_old:
        pg.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(SCHEMA), sql.Identifier(old)))
    pg.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(fresh), sql.Identifier(SCHEMA)))
    if has_old:
        pg.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(old)))
    pg.commit()
    return time.perf_counter() - t


def _lock_holders(pg: psycopg.Connection) -> list[tuple]:
    """(pid, user, application, state) of the sessions holding a lock on a table of `marts`."""
    holders = pg.execute(
        "select distinct a.pid, a.usename, a.application_name, a.state from pg_locks l "
        "join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace "
        "join pg_stat_activity a on a.pid = l.pid where n.nspname = %s and l.pid <> pg_backend_pid()",
        [SCHEMA]).fetchall()
    pg.rollback()
    return holders
