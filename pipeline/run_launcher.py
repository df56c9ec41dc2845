"""The run launcher of the production instance (deploy/dagster.yaml): Dagster's DefaultRunLauncher, which
starts each run as a process of the code-location server (a gRPC server), plus the run-worker health check
that run monitoring needs.

Dagster's DefaultRunLauncher cannot tell run monitoring whether a run's process still lives, so a run whose
code-location server died with it (a killed container, a restarted machine) would stay STARTED forever. Here
the daemon asks the server that started the run (its address is the run's `dagster/grpc_info` tag) which runs
it is executing; a run it no longer executes, or a server that does not answer, is reported FAILED, and run
monitoring marks the run failed. A run process that dies while its server lives is marked failed by the
server itself.
"""

from __future__ import annotations

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._grpc.types import GetCurrentRunsResult
from dagster._serdes import deserialize_value


class MonitoredRunLauncher(dg.DefaultRunLauncher):
    """DefaultRunLauncher with `check_run_worker_health` (asks the run's code-location server)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        client = self._get_grpc_client_for_termination(run.run_id)
        if client is None:
            if run.is_finished:
                return CheckRunHealthResult(WorkerStatus.SUCCESS, "the run has finished")
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run records no code-location server")
        where = f"{client.host}:{client.port or client.socket}"
        try:
            current = deserialize_value(client.get_current_runs(), GetCurrentRunsResult)
        except Exception as exc:  # noqa: BLE001 - any failure to reach the server means no worker to vouch for the run
            return CheckRunHealthResult(
                WorkerStatus.FAILED, f"the code-location server {where} that ran it does not answer "
                f"({type(exc).__name__}): the run's process went with it")
        if run.run_id in current.current_runs:
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"running on the code-location server {where}")
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the code-location server {where} is not running it (its process died, or the "
            "server was restarted)")
