"""`python -m testkit.faults [--only NAME ...] [--out docs/reliability.md]`: run every fault scenario in a
fresh KOMMUNE_SDG_HOME and write the reliability table. Takes several minutes (real refreshes). With
--only, the named rows are rerun and replaced in the existing table; the other rows stay as they were."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline.paths import REPO_ROOT

HEADER = """# Reliability: faults tried and what happened

Produced by `.venv/bin/python -m testkit.faults` (rerun it to refresh this file; about {minutes} minutes
on this machine). Each scenario runs against a fresh KOMMUNE_SDG_HOME whose warehouse was published by a
clean demo refresh; "published unchanged" compares the warehouse file's sha256 before and after the fault.
Snapshot faults replay a broken snapshot directory through the real `nightly_refresh` job; SSB faults run
the real fetcher and client against the local PxWebApi v2 test server (`testkit/pxweb_server.py`) with
the fault injected; a failed fetch writes no manifest, so no refresh can read it. The four-reader test and
the checks behind each row: `tests/faults/`, `tests/quality/`. Disk-full faults (`testkit/faults/diskfull.py`)
mount a size-limited tmpfs over one area of the home (root or CAP_SYS_ADMIN needed: without it the
scenario fails, it never skips), refresh with new figures, then give the filesystem room and refresh again
("fails, then recovers": the first refresh failed with the published warehouse byte-identical, the
second published). Intake faults (`testkit/faults/intake.py`) run the real inbox processing on files
being copied in and on a flood of files. What a year of nightly runs keeps on disk (retention):
docs/benchmarks.md, "Storage over a year". Generated {when}.

| scenario | fault | expected | result | published unchanged | reason / observation | ok | s |
|---|---|---|---|---|---|---|---|
"""


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _merge(existing: str, fresh: list[str]) -> list[str]:
    """The table rows of an existing reliability file, with the rows of the scenarios just run replaced
    (or appended, in run order)."""
    name = lambda row: row.split("|")[1].strip()  # noqa: E731
    new = {name(r): r for r in fresh}
    old = [line for line in existing.splitlines() if line.startswith("| ") and not line.startswith("| scenario ")]
    merged = [new.pop(name(r), r) for r in old]
    return merged + list(new.values())


def main(argv: list[str] | None = None) -> int:
    from testkit.faults.lab import Lab  # noqa: PLC0415
    from testkit.faults.scenarios import ALL_FAULTS  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m testkit.faults")
    parser.add_argument("--only", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--out", default=str(REPO_ROOT / "docs" / "reliability.md"))
    parser.add_argument("--home", type=Path, default=None,
                        help="use this KOMMUNE_SDG_HOME (kept; published by a demo refresh first if it is not yet) "
                             "instead of a fresh temporary one: saves the baseline refresh when rerunning a few rows")
    args = parser.parse_args(argv)
    names = args.only or list(ALL_FAULTS)
    t0 = time.monotonic()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ksdg_faults_") as tmp:
        lab = Lab(args.home.resolve() if args.home else Path(tmp) / "home")
        print("baseline demo refresh ...", flush=True)
        lab.ensure_published()
        for name in names:
            print(f"{name} ...", flush=True)
            work = Path(tmp) / "work"
            work.mkdir(exist_ok=True)
            try:
                o = ALL_FAULTS[name](lab, work)
            except Exception as exc:  # noqa: BLE001 - a crashing scenario is a row in the table, not the end
                rows.append(f"| {name} | | | crashed | | {_cell(repr(exc))[:300]} | NO | |")
                print(f"  crashed: {exc!r}", flush=True)
                continue
            print(f"  {o.result} ({'ok' if o.ok else 'NOT OK'}): {o.reason[:160]}", flush=True)
            unchanged = {True: "yes", False: "NO", None: "n/a"}[o.published_unchanged]
            reason = o.reason + (f" ({o.notes})" if o.notes else "")
            rows.append(f"| {name} | {_cell(o.fault)} | {o.expected} | {o.result} | {unchanged} | "
                        f"{_cell(reason)[:420]} | {'yes' if o.ok else 'NO'} | {o.seconds:.0f} |")
    minutes = max(1, round((time.monotonic() - t0) / 60))
    out = Path(args.out)
    if args.only and out.exists():  # --only refreshes those rows and keeps every other row of the table
        rows = _merge(out.read_text(encoding="utf-8"), rows)
    text = HEADER.format(minutes=minutes, when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")) + "\n".join(rows)
    out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if all(r.split("|")[-3].strip() == "yes" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
