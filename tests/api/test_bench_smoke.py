"""bench/api_load.py at toy size (a few seconds, no refresh): it runs against the real server, stops by itself
and reports zero errors. The 60 s run with a refresh is in docs/benchmarks.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline.paths import REPO_ROOT
from pipeline.settings import Settings


def test_load_script_smoke(demo_home_copy: Settings, tmp_path: Path) -> None:
    """On a copy of the shared demo: the script writes its logs into the home it measures."""
    out = tmp_path / "load.jsonl"
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "api_load.py"), "--home",
                           str(demo_home_copy.home.root), "--no-refresh", "--baseline", "3", "--clients", "4",
                           "--json", str(out)], capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text().splitlines()[-1])
    (phase,) = result["phases"]
    assert result["ok"] and phase["requests"] > 20 and phase["errors"] == phase["timeouts"] == 0
    assert "| load alone |" in proc.stdout
