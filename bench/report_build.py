"""Time the HTML report step alone on a published warehouse: `python bench/report_build.py DB OUT [--runs N]`.

Prints wall and CPU seconds per run (CPU is what to compare on a shared machine: wall time follows the load),
the pages written and the size of the site. Never run inside the test suite."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from pipeline.reports.build import build_report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("db", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    for i in range(args.runs):
        w0, c0 = time.perf_counter(), time.process_time()
        r = build_report(args.db, args.out, dbt_docs=False)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        files = [f for f in args.out.rglob("*") if f.is_file()]
        size = sum(f.stat().st_size for f in files) / 1e6
        print(f"run {i + 1}: wall {wall:.2f} s  cpu {cpu:.2f} s  municipality pages {r.pages}  "
              f"files {len(files)}  {size:.1f} MB  load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
