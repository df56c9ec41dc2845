"""A PostgreSQL server for tests: the machine's own when one answers, else a throwaway cluster.

Machines of this project start PostgreSQL on 127.0.0.1:5432 (trust auth) before work and before CI. A fresh
machine may have none, and `make test` must still pass there, so `postgres_server()` falls back to the
system's PostgreSQL binaries: `initdb` into a temporary folder and `postgres` on a free loopback port. Run as
root, the cluster is created and run as the unprivileged `postgres` (or `nobody`) user, because PostgreSQL
refuses to run as root.

Every caller gets a database of its own (`fresh_database`), created with a unique name and dropped after, so
tests running in parallel (pytest-xdist workers) never see each other's tables.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5432
SUPERUSER = "postgres"


@dataclass(frozen=True)
class PostgresServer:
    """Where a server listens; `url(db)` gives a libpq URL for one of its databases."""

    host: str
    port: int
    user: str = SUPERUSER
    throwaway_dir: Path | None = None  # set when this process started the cluster

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url(database), **kwargs)


def _answers(host: str, port: int, user: str = SUPERUSER) -> bool:
    try:
        with psycopg.connect(f"postgresql://{user}@{host}:{port}/postgres", connect_timeout=3) as con:
            con.execute("select 1")
        return True
    except psycopg.Error:
        return False


def pg_bin(name: str) -> str:
    """A PostgreSQL server binary (initdb, postgres, pg_ctl): PATH first, then Debian's versioned folders."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if not candidates:
        raise RuntimeError(f"PostgreSQL binary {name!r} not found: install Debian's postgresql package")
    return candidates[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((DEFAULT_HOST, 0))
        return s.getsockname()[1]


def _run_as() -> tuple[list[str], int | None, int | None]:
    """Command prefix and uid/gid to run the cluster unprivileged when we are root."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


def start_throwaway() -> tuple[PostgresServer, subprocess.Popen]:
    """initdb a cluster into a temporary folder and start `postgres` on a free loopback port (trust auth).

    The folder is made directly in the system's temp dir: pytest's own tmp folders are private to root,
    and the unprivileged server user could not reach them."""
    root = Path(tempfile.mkdtemp(prefix="ksdg_pg_"))
    data, sock = root / "data", root / "sock"
    data.mkdir(parents=True, exist_ok=True)
    sock.mkdir(exist_ok=True)
    prefix, uid, gid = _run_as()
    if uid is not None:
        os.chmod(root, 0o755)
        for path in (root, data, sock):
            os.chown(path, uid, gid)
    done = subprocess.run([*prefix, pg_bin("initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                           "--encoding=UTF8", "--no-sync"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"initdb into {data} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    port = _free_port()
    with open(root / "postgres.log", "wb") as log_file:  # the child keeps its own descriptor
        proc = subprocess.Popen([*prefix, pg_bin("postgres"), "-D", str(data), "-h", DEFAULT_HOST, "-p", str(port),
                                 "-k", str(sock), "-c", "fsync=off", "-c", "max_connections=200"],
                                stdout=subprocess.DEVNULL, stderr=log_file)
    deadline = time.monotonic() + 60
    while not _answers(DEFAULT_HOST, port):
        if proc.poll() is not None or time.monotonic() > deadline:
            log = (root / "postgres.log").read_text(errors="replace")[-2000:]
            proc.kill()
            raise RuntimeError(f"throwaway PostgreSQL in {root} did not start:\n{log}")
        time.sleep(0.2)
    return PostgresServer(DEFAULT_HOST, port, throwaway_dir=root), proc


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """The machine's PostgreSQL on 127.0.0.1:5432 when it answers, else a throwaway cluster for the block."""
    if _answers(DEFAULT_HOST, DEFAULT_PORT):
        yield PostgresServer(DEFAULT_HOST, DEFAULT_PORT)
        return
    server, proc = start_throwaway()
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(server.throwaway_dir, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server: PostgresServer, prefix: str = "ksdg_test") -> Iterator[str]:
    """A uniquely named database on `server`, dropped (connections and all) when the block ends."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with server.connect(autocommit=True) as con:
        con.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        with server.connect(autocommit=True) as con:
            con.execute(f'drop database if exists "{name}" with (force)')
