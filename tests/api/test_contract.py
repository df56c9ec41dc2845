"""Contract: schemathesis, driven by the server's own OpenAPI document, sends valid and invalid requests to
every operation of the real server and finds no 500, no answer outside the documented responses and shapes.

`positive_data_acceptance` is left out on purpose: a request can match the schema and still be refused with
a 400 because the published run decides what is valid (its year range, the columns of each mart, which
`fields` exist); those refusals are the behaviour the API promises, not a contract break."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from testkit.api_server import ApiProcess

MAX_EXAMPLES = 25


def test_schemathesis_finds_no_server_error(api: ApiProcess, tmp_path: Path) -> None:
    st = str(Path(sys.executable).parent / "st")
    proc = subprocess.run(
        [st, "run", f"{api.url}/openapi.json", "--checks", "all", "--exclude-checks", "positive_data_acceptance",
         "--max-examples", str(MAX_EXAMPLES), "--seed", "17", "--no-color", "--request-timeout", "30",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "17/17" in out or "Selected: " in out, out[-2000:]
    assert "not_a_server_error" not in out.split("SUMMARY")[-1], out[-3000:]
