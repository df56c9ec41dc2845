"""A reader process: query the published warehouse read-only in a loop until told to stop.

    python -m testkit.faults.reader DB STOP_FILE OUT_JSONL

Each sample is one short read-only connection reading meta.refresh.run_id and a checksum of every marts
table in one transaction; errors are recorded, never raised.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from testkit.faults.lab import marts_state


def main(db: str, stop_file: str, out: str) -> int:
    stop, samples, errors = Path(stop_file), 0, 0
    with Path(out).open("w", encoding="utf-8") as fh:
        while not stop.exists():
            try:
                con = duckdb.connect(db, read_only=True)
                try:
                    run_id, checksum = marts_state(Path(db), con)
                finally:
                    con.close()
                fh.write(json.dumps({"run_id": run_id, "checksum": checksum, "t": time.time()}) + "\n")
                samples += 1
            except Exception as exc:  # noqa: BLE001 - every error is the result being measured
                fh.write(json.dumps({"error": repr(exc), "t": time.time()}) + "\n")
                errors += 1
            fh.flush()
            time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
