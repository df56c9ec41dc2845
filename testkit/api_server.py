"""Start the real `kommune-sdg api` process on a free loopback port (tests and bench/api_load.py).

    with api_process(Settings.for_home(root), log_path) as api:
        requests.get(f"{api.url}/v1/meta")

The process runs in its own session and is stopped by its id (SIGTERM, then SIGKILL) when the block ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.paths import REPO_ROOT
from pipeline.settings import Settings

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ApiProcess:
    url: str
    proc: subprocess.Popen
    log: Path

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/health", timeout=5) as resp:
            return json.loads(resp.read())

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def kommune_sdg_exe() -> str:
    return str(Path(sys.executable).parent / "kommune-sdg")


def refresh_command(source: str = "demo", force: bool = True) -> list[str]:
    """`kommune-sdg refresh` as a child process would run it (a new run, published at its end)."""
    return [kommune_sdg_exe(), "refresh", "--source", source, *(["--force"] if force else [])]


@contextlib.contextmanager
def api_process(settings: Settings, log: Path, port: int | None = None) -> Iterator[ApiProcess]:
    """`kommune-sdg api` over settings' home; yields once /health answers (published or not)."""
    port = port or free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen([kommune_sdg_exe(), "api", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=REPO_ROOT, env=os.environ | settings.environ(), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    api = ApiProcess(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"kommune-sdg api exited with {proc.returncode}:\n{api.log_text()[-4000:]}")
            try:
                api.health()
                break
            except (OSError, urllib.error.URLError, ValueError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"kommune-sdg api not up within {START_TIMEOUT_S}s:\n{api.log_text()[-4000:]}"
                                       ) from None
                time.sleep(0.2)
        yield api
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group this helper started (by its id), SIGKILL after 15 s."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
