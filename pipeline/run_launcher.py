"""The run launcher of the production instance (deploy/dagster.yaml), and the heartbeat it reads.

Runs start as processes of the code-location server (a gRPC server), as with Dagster's DefaultRunLauncher. That
launcher cannot tell run monitoring whether a run's process still lives, so a run whose process died without
writing its end (the machine or container went away, or PostgreSQL was unreachable when it died) would stay
STARTED forever. Two signals answer it here:

- the code-location server that started the run (the run's `dagster/grpc_info` tag) still lists it among its
  executions; a server that does not answer, or no longer lists the run, means the process is gone;
- the run's heartbeat: the executor of our jobs (`heartbeat_executor`) writes the time into the run's
  `kommune_sdg/heartbeat` tag every HEARTBEAT_SECONDS while the run executes. The server's list can outlive a
  process (its clean-up thread stops when PostgreSQL was down as the process died), the heartbeat cannot.

A heartbeat is taken as lost only when it is still old on a second look a full STALE_SECONDS later, so a run
that could not write while PostgreSQL was down is not failed for it once the database is back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._grpc.types import GetCurrentRunsResult
from dagster._serdes import deserialize_value

HEARTBEAT_TAG = "kommune_sdg/heartbeat"
HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 45.0


def _beat(instance: dg.DagsterInstance, run_id: str, stop: threading.Event) -> None:
    while True:
        # the database may be away for a while; the next beat tries again
        with contextlib.suppress(Exception):
            instance.add_run_tags(run_id, {HEARTBEAT_TAG: f"{time.time():.0f}"})
        if stop.wait(HEARTBEAT_SECONDS):
            return


@dg.executor(name="in_process", config_schema=dg.in_process_executor.config_schema)
def heartbeat_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
    """Dagster's in-process executor, writing the run's heartbeat while it executes."""
    return _HeartbeatExecutor(dg.in_process_executor.executor_creation_fn(init_context))


class _HeartbeatExecutor(dg.Executor):
    def __init__(self, inner: dg.Executor) -> None:
        self._inner = inner

    @property
    def retries(self):  # noqa: ANN201 - Dagster's RetryMode
        return self._inner.retries

    @property
    def step_dependency_config(self):  # noqa: ANN201
        return self._inner.step_dependency_config

    def execute(self, plan_context, execution_plan) -> Iterator[dg.DagsterEvent]:  # noqa: ANN001
        stop = threading.Event()
        threading.Thread(target=_beat, args=(plan_context.instance, plan_context.run_id, stop), daemon=True,
                         name="kommune_sdg-heartbeat").start()
        try:
            yield from self._inner.execute(plan_context, execution_plan)
        finally:
            stop.set()


class MonitoredRunLauncher(dg.DefaultRunLauncher):
    """DefaultRunLauncher with `check_run_worker_health`: the run's server still runs it, its heartbeat lives."""

    def __init__(self, inst_data=None) -> None:  # noqa: ANN001
        super().__init__(inst_data=inst_data)
        self._stale_since: dict[str, float] = {}  # run id -> when its heartbeat was first seen old

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        client = self._get_grpc_client_for_termination(run.run_id)
        if client is None:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run records no code-location server")
        where = f"{client.host}:{client.port or client.socket}"
        try:
            current = deserialize_value(client.get_current_runs(), GetCurrentRunsResult)
        except Exception as exc:  # noqa: BLE001 - any failure to reach the server: no worker vouches for the run
            return CheckRunHealthResult(
                WorkerStatus.FAILED, f"the code-location server {where} that ran it does not answer "
                f"({type(exc).__name__}): the run's process went with it")
        if run.run_id not in current.current_runs:
            return CheckRunHealthResult(
                WorkerStatus.FAILED, f"the code-location server {where} no longer runs it (its process died, or "
                "the server was restarted)")
        return self._heartbeat_health(run, where)

    def _heartbeat_health(self, run: dg.DagsterRun, where: str) -> CheckRunHealthResult:
        fresh = self._instance.get_run_by_id(run.run_id) if self.has_instance else None
        beat = (fresh or run).tags.get(HEARTBEAT_TAG)
        now = time.time()
        if beat is None or now - float(beat) < STALE_SECONDS:
            self._stale_since.pop(run.run_id, None)
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"running on the code-location server {where}")
        first_seen = self._stale_since.setdefault(run.run_id, now)
        if now - first_seen < STALE_SECONDS:
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"heartbeat {now - float(beat):.0f} s old; "
                                        "looking again before deciding")
        self._stale_since.pop(run.run_id, None)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"no heartbeat for {now - float(beat):.0f} s although the code-location server "
            f"{where} still lists it: the run's process died without recording its end (was PostgreSQL away?)")
