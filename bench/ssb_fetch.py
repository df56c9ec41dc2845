"""How many requests does fetching the SSB catalog cost, against the minimum SSB's limits allow?

Plans every catalog table from its metadata (the demo snapshot, which has the shape of the real tables
for the catalog's selection: 357 municipalities + the country, 2015-2024), then runs the real fetcher
against the local PxWebApi v2 test server with the time window scaled down, twice (from scratch, then
incremental), and reports requests, the cell minimum and the wall time under 30 requests per 60 s.

    .venv/bin/python bench/ssb_fetch.py                      # SSB's limits: 800,000 cells, 30 calls / 60 s
    .venv/bin/python bench/ssb_fetch.py --max-cells 500      # the small cell limit of SSB's test config
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.catalog import ssb_catalog  # noqa: E402
from pipeline.demo import generate_demo_snapshot  # noqa: E402
from pipeline.snapshot import open_snapshot  # noqa: E402
from pipeline.ssb.client import SsbClient  # noqa: E402
from pipeline.ssb.fetch import build_selection, fetch_snapshot  # noqa: E402
from pipeline.ssb.jsonstat import parse_jsonstat  # noqa: E402
from pipeline.ssb.selection import min_requests  # noqa: E402
from testkit.pxweb_server import PxWebTestServer  # noqa: E402


def throttled_wall_s(requests: int, calls: int, window_s: float, latency_s: float) -> float:
    """Wall time of `requests` sequential calls of `latency_s` each under our throttle (a call's slot is
    stamped when it completes; call k may start once call k-`calls` completed `window_s` ago)."""
    done: list[float] = []
    t = 0.0
    for k in range(requests):
        if k >= calls:
            t = max(t, done[k - calls] + window_s)
        t += latency_s
        done.append(t)
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-cells", type=int, default=800_000)
    ap.add_argument("--calls", type=int, default=30)
    ap.add_argument("--window", type=float, default=60.0, help="seconds")
    ap.add_argument("--scale", type=float, default=200.0, help="run the test server with window/scale")
    ap.add_argument("--latency", type=float, default=0.3, help="assumed seconds per SSB request")
    ap.add_argument("--snapshot", type=Path, help="a snapshot directory to plan from (default: fresh demo)")
    args = ap.parse_args(argv)

    catalog = ssb_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.snapshot or generate_demo_snapshot(Path(tmp) / "demo")
        snap = open_snapshot(source)
        print(f"catalog: {len(catalog.tables)} tables, years {catalog.first_year}-{catalog.last_year}; "
              f"limits: {args.max_cells:,} cells/request, {args.calls} calls per {args.window:g} s\n")
        planned: dict[str, tuple[int, int]] = {}
        for table in catalog.tables:
            meta = parse_jsonstat(snap.read_bytes(snap.entry(table.id)["metadata"], table.id))
            sel, _ = build_selection(table, meta, catalog.first_year, catalog.last_year)
            cells = sel.cells({d.id: d.size for d in meta.dimensions})
            planned[table.id] = (cells, min_requests(cells, args.max_cells))
        total_cells = sum(c for c, _ in planned.values())
        minimum = sum(m for _, m in planned.values())

        window = args.window / args.scale
        server = PxWebTestServer(source, max_cells=args.max_cells, calls=args.calls, window_s=window)
        with server as base_url:
            results = []
            previous = None
            for label in ("from scratch", "incremental (nothing changed)"):
                client = SsbClient(base_url, log=lambda _m: None)  # the process-wide throttle
                time.sleep(window)  # runs are far apart in real life: start with an empty window
                started = time.monotonic()
                result = fetch_snapshot(catalog, Path(tmp) / "snapshots", base_url, client=client,
                                        previous=previous, log=lambda _m: None)
                scaled = time.monotonic() - started
                previous = result.snapshot()
                results.append((label, result, scaled))
            if server.violations:
                print(f"\nLIMIT VIOLATIONS: {server.violations}")
                return 1

        first = results[0][1]
        print(f"{'table':<7} {'cells':>8} {'requests':>8} {'data':>5} {'min data':>8}")
        for table in catalog.tables:
            cells, least = planned[table.id]
            print(f"{table.id:<7} {cells:>8,} {first.tables[table.id].requests:>8} "
                  f"{len(first.snapshot().entry(table.id)['data']):>5} {least:>8}")
        data_requests = sum(len(first.snapshot().entry(t.id)["data"]) for t in catalog.tables)
        n = len(catalog.tables)
        floor_total = 1 + 2 * n + minimum  # /config + (table info + metadata) per table + the cell minimum
        print(f"\ntotal cells {total_cells:,}; data requests made {data_requests} vs cell minimum {minimum} "
              f"(sum of ceil(cells / {args.max_cells:,}) per table)")
        print(f"{'run':<32} {'requests':>8} {'minimum':>8} {'wall at limit':>14} {'local run*':>10}")
        for label, result, scaled in results:
            floor = floor_total if label == "from scratch" else 1 + n
            wall = throttled_wall_s(result.requests, args.calls, args.window, args.latency)
            print(f"{label:<32} {result.requests:>8} {floor:>8} {wall:>13.0f}s {scaled:>9.1f}s")
        print(f"\nwall at limit: {args.calls} calls per {args.window:g} s, {args.latency:g} s per request "
              f"(--latency), sequential.\n* the same fetch run for real against the local test server "
              f"(window scaled 1/{args.scale:g}: {args.calls} calls per {window:.3f} s), no limit broken.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
