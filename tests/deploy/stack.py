"""Dagster run the production way, as real processes: a code-location gRPC server, dagster-daemon and
dagster-webserver, all with DAGSTER_HOME holding deploy/dagster.yaml and deploy/workspace.yaml, storage in
PostgreSQL, started through deploy/entrypoint.sh with the password in a secrets file. Driven over the
webserver's GraphQL API, like an operator's script would."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import psycopg.sql

from pipeline.paths import REPO_ROOT
from pipeline.settings import Settings
from testkit.postgres import PostgresServer, _run_as, pg_bin, start_throwaway

DEPLOY = REPO_ROOT / "deploy"
BIN = Path(sys.executable).parent
LOCATION = "kommune_sdg"
REPOSITORY = "__repository__"  # the repository name of a @dg.definitions code location
START_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GraphQLError(RuntimeError):
    pass


@dataclass
class ServiceStack:
    """The three Dagster services of deploy/docker-compose.yml, here as local processes."""

    settings: Settings
    postgres: PostgresServer
    database: str
    root: Path  # DAGSTER_HOME, secrets file and process logs live here
    password: str = ""
    code_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        secret = self.root / "secrets" / "postgres_password"
        if not secret.exists():  # written once: a service starting meanwhile must never read it half-written
            secret.parent.mkdir(parents=True, exist_ok=True)
            partial = secret.with_suffix(".partial")
            partial.write_text(self.password, encoding="utf-8")
            partial.chmod(0o600)
            partial.rename(secret)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "KOMMUNE_SDG_"))}
        return base | self.settings.environ() | {
            "DAGSTER_HOME": str(self.dagster_home),
            "DAGSTER_POSTGRES_HOST": self.postgres.host,
            "DAGSTER_POSTGRES_PORT": str(self.postgres.port),
            "DAGSTER_POSTGRES_USER": self.postgres.user,
            "DAGSTER_POSTGRES_DB": self.database,
            "DAGSTER_POSTGRES_PASSWORD_FILE": str(secret),
            "DAGSTER_CODE_LOCATION_HOST": "127.0.0.1",
            "DAGSTER_CODE_LOCATION_PORT": str(self.code_port),
            "DAGSTER_COMPUTE_LOGS_DIR": str(self.settings.data_home / "dagster_compute_logs"),
        }

    def _spawn(self, name: str, *cmd: str) -> None:
        log = self.root / f"{name}.log"
        with log.open("ab") as out:
            self.procs[name] = subprocess.Popen(
                ["sh", str(DEPLOY / "entrypoint.sh"), *cmd], cwd=REPO_ROOT, env=self.env(),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def start_code_location(self) -> None:
        self._spawn("code-location", str(BIN / "dagster"), "api", "grpc", "-h", "127.0.0.1",
                    "-p", str(self.code_port), "-m", "pipeline.definitions", "--location-name", LOCATION)

    def start(self) -> ServiceStack:
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        for name in ("dagster.yaml", "workspace.yaml"):
            shutil.copy(DEPLOY / name, self.dagster_home / name)
        workspace = str(self.dagster_home / "workspace.yaml")
        # the schema first, once (as the compose file's `migrate` service does): the services would race
        done = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), str(BIN / "dagster"), "instance", "migrate"],
                              cwd=REPO_ROOT, env=self.env(), capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"dagster instance migrate failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        self.start_code_location()
        self._spawn("daemon", str(BIN / "dagster-daemon"), "run", "-w", workspace)
        self._spawn("webserver", str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(self.web_port),
                    "-w", workspace)
        self.wait_loaded()
        return self

    def log(self, name: str, tail: int = 4000) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {n}.log ---\n{self.log(n)}" for n in ("code-location", "daemon", "webserver"))

    def wait_loaded(self, timeout: float = START_TIMEOUT) -> None:
        """Until the webserver answers and has loaded the code location from its gRPC server."""
        deadline = time.monotonic() + timeout
        status: object = None
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}\n{self.logs()}")
            try:
                entries = self.query("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
                                     "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
                                     )["workspaceOrError"]["locationEntries"]
                status = [(e["loadStatus"], e["locationOrLoadError"]) for e in entries]
                if entries and all(s == "LOADED" and (err or {}).get("__typename") == "RepositoryLocation"
                                   for s, err in status):
                    return
                if any((err or {}).get("__typename") == "PythonError" for _, err in status):
                    # the server was down when last asked: ask the webserver to reconnect
                    self.query("mutation($n: String!) { reloadRepositoryLocation(repositoryLocationName: $n) "
                               "{ __typename } }", n=LOCATION)
            except (OSError, GraphQLError, KeyError, TypeError, ValueError):
                pass
            time.sleep(2)
        raise TimeoutError(f"code location not loaded within {timeout}s ({status})\n{self.logs()}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a service's whole process group (a server and the runs it started), and reap it."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def run_workers(self) -> list[int]:
        """The run processes the code-location server started (its spawned children, same process group)."""
        group = self.procs["code-location"].pid
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getpgid(int(entry.name)) != group:
                    continue
                cmdline = (entry / "cmdline").read_bytes()
            except (OSError, ProcessLookupError):
                continue
            if b"multiprocessing.spawn" in cmdline and b"spawn_main" in cmdline:
                found.append(int(entry.name))
        return found

    def stop(self) -> None:
        for name in list(self.procs):
            if self.procs[name].poll() is None:
                self.kill(name, signal.SIGTERM)
            else:  # the group may still hold children (a run worker, dbt) of a server that exited
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.procs[name].pid, signal.SIGKILL)

    # --- GraphQL ---------------------------------------------------------------------------------------------

    def query(self, text: str, timeout: float = 30, **variables: object) -> dict:
        body = json.dumps({"query": text, "variables": variables}).encode()
        req = urllib.request.Request(f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                answer = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise GraphQLError(f"HTTP {exc.code}: {exc.read()[:2000]!r}") from None
        if answer.get("errors"):
            raise GraphQLError(json.dumps(answer["errors"])[:2000])
        return answer["data"]

    def launch(self, job: str = "nightly_refresh", force: bool = False, timeout: float = 120) -> str:
        """Submit a run as the UI's Launchpad does; with the QueuedRunCoordinator it is queued first.

        Right after the code-location server restarted, the webserver may still hold its old gRPC channel
        and answer "Could not reach user code server": then it is asked to reload the location, the location
        is awaited, and the launch is tried again (what a user pressing "Reload" in the UI does), until
        `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._launch_once(job, force)
            except GraphQLError as exc:
                # unreachable: the stale channel; not found: the location is still loading after a reload
                stale = any(k in str(exc) for k in ("DagsterUserCodeUnreachableError", "PipelineNotFoundError"))
                if not stale or time.monotonic() > deadline:
                    raise
            self.query("mutation($n: String!) { reloadRepositoryLocation(repositoryLocationName: $n) "
                       "{ __typename } }", n=LOCATION)
            time.sleep(2)
            self.wait_loaded(timeout=max(1.0, deadline - time.monotonic()))

    def _launch_once(self, job: str, force: bool) -> str:
        data = self.query("""
            mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
              __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
              ... on RunConfigValidationInvalid { errors { message } } } }""", params={
            "selector": {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "jobName": job},
            "runConfigData": {"ops": {"raw_tables": {"config": {"force": force}}}} if force else {},
        })["launchRun"]
        if data["__typename"] != "LaunchRunSuccess":
            raise GraphQLError(json.dumps(data)[:2000])
        return data["run"]["runId"]

    def run(self, run_id: str) -> dict:
        return self.query("""
            query($id: ID!) { runOrError(runId: $id) { __typename ... on Run {
              runId status startTime endTime tags { key value }
              stepStats { stepKey status } } } }""", id=run_id)["runOrError"]

    def wait_run(self, run_id: str, statuses: set[str], timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        run: dict = {}
        while time.monotonic() < deadline:
            try:
                run = self.run(run_id)
            except (OSError, GraphQLError):
                time.sleep(2)
                continue
            if run.get("status") in statuses:
                return run
            time.sleep(1)
        raise TimeoutError(f"run {run_id} not {statuses} within {timeout}s: {run.get('status')}\n{self.logs()}")

    def runs(self, **tags: str) -> list[dict]:
        data = self.query("""
            query($filter: RunsFilter) { runsOrError(filter: $filter) { ... on Runs {
              results { runId status jobName tags { key value } } } } }""",
                          filter={"tags": [{"key": k, "value": v} for k, v in tags.items()]})
        return data["runsOrError"]["results"]

    def events(self, run_id: str) -> list[dict]:
        """Every event of the run: its messages, step keys and asset check results."""
        events: list[dict] = []
        cursor = None
        while True:
            data = self.query("""
                query($id: ID!, $cursor: String) { logsForRun(runId: $id, afterCursor: $cursor) {
                  __typename ... on EventConnection { cursor hasMore events {
                    __typename ... on MessageEvent { message stepKey level }
                    ... on AssetCheckEvaluationEvent { evaluation { checkName success assetKey { path } } } } } } }""",
                              id=run_id, cursor=cursor)["logsForRun"]
            events += data["events"]
            if not data["hasMore"]:
                return events
            cursor = data["cursor"]


@dataclass
class OwnPostgres:
    """A throwaway PostgreSQL cluster (testkit.postgres.start_throwaway) of this test alone, so it may be stopped
    mid-run and started again, with password authentication (scram) like a production server."""

    server: PostgresServer
    proc: subprocess.Popen
    password: str = ""

    @classmethod
    def start_new(cls, password: str, database: str) -> OwnPostgres:
        server, proc = start_throwaway()
        own = cls(server, proc, password)
        with server.connect(autocommit=True) as con:  # still trust auth: set the password, make the database
            con.execute(f'create database "{database}"')
            con.execute(psycopg.sql.SQL("alter user postgres password {}").format(psycopg.sql.Literal(password)))
        hba = server.throwaway_dir / "data" / "pg_hba.conf"
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8")
        with server.connect(autocommit=True, password=password) as con:
            con.execute("select pg_reload_conf()")
        return own

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return self.server.connect(database, autocommit=True, password=self.password, connect_timeout=5)

    def stop(self) -> None:
        """Fast shutdown (pg_ctl's default mode): open sessions are ended, the server exits."""
        if self.proc.poll() is None:  # to the postmaster itself: runuser does not pass SIGINT on
            pid = int((self.server.throwaway_dir / "data" / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGINT)
            self.proc.wait(timeout=60)

    def start(self) -> None:
        data = self.server.throwaway_dir / "data"
        prefix, _, _ = _run_as()
        with open(self.server.throwaway_dir / "postgres.log", "ab") as log_file:
            self.proc = subprocess.Popen(
                [*prefix, pg_bin("postgres"), "-D", str(data), "-h", self.server.host, "-p", str(self.server.port),
                 "-k", str(self.server.throwaway_dir / "sock"), "-c", "fsync=off", "-c", "max_connections=200"],
                stdout=subprocess.DEVNULL, stderr=log_file)
        deadline = time.monotonic() + 60
        while True:
            try:
                with self.connect() as con:
                    con.execute("select 1")
                return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def remove(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.server.throwaway_dir, ignore_errors=True)
