"""Row-count and total drift of the raw SSB tables against the last published refresh.

Each refresh's checks write the stats of what they saw to warehouse/quality/stats/<run_id>.json; after a
refresh publishes, `promote_baseline` (called when the run's quality report is published) makes that file
warehouse/quality/baseline.json. The next refresh compares against it: per table and contents code, the
relative change of the row count and of the sum of values over the years both snapshots hold. Beyond `warn`
the check warns (publishing goes on); beyond `error` it blocks.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from checks.ssb_suites import MUNICIPALITY_SQL, quality_config
from pipeline.paths import Home


def quality_dir(home: Home) -> Path:
    return home.warehouse_dir / "quality"


def baseline_path(home: Home) -> Path:
    return quality_dir(home) / "baseline.json"


def stats_path(home: Home, run_id: str) -> Path:
    return quality_dir(home) / "stats" / f"{run_id}.json"


def table_stats(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """table_stats_sql over a DataFrame of one table's raw rows (tests)."""
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        return table_stats_sql(con, "frame")
    finally:
        con.close()


def table_stats_sql(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, dict[str, Any]]:
    """Per contents code of `relation` (one table's raw rows): rows, non-null values, and the sum of municipality
    values per year (NULL when a year has no value), as SQL aggregates."""
    out: dict[str, dict[str, Any]] = {}
    for code, rows, non_null in con.execute(f"select contents_code, count(*), count(value) from {relation} "
                                            "group by all order by 1").fetchall():
        out[str(code)] = {"rows": int(rows), "non_null": int(non_null), "total_by_year": {}}
    for code, year, total in con.execute(f"select contents_code, year, sum(value) from {relation} "
                                         f"where {MUNICIPALITY_SQL} group by all order by 1, 2").fetchall():
        out[str(code)]["total_by_year"][str(int(year))] = None if total is None else float(total)
    return out


def write_json_atomic(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True, default=str), encoding="utf-8")
    os.replace(tmp, path)


def promote_baseline(home: Home, run_id: str) -> bool:
    """The stats this run's drift check saw become the baseline for the next run; call it only for a run
    that published. Stats of every other run are deleted (an unpublished run is never compared against).
    False when the run wrote no stats: the baseline stays as it was."""
    stats = stats_path(home, run_id)
    if not stats.exists():
        return False
    os.replace(stats, baseline_path(home))
    for old in stats.parent.glob("*.json"):
        old.unlink(missing_ok=True)
    return True


def load_baseline(home: Home) -> dict[str, Any] | None:
    path = baseline_path(home)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None  # a damaged baseline must not stop refreshes; the next publish rewrites it


@dataclass
class Drift:
    severity: str  # "ok" | "warn" | "error"
    lines: list[str] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)


def _rel(now: float, before: float) -> float:
    if before == 0:
        return 0.0 if now == 0 else float("inf")
    return abs(now - before) / abs(before)


def compare(current: dict[str, Any], baseline: dict[str, Any] | None) -> Drift:
    """Drift of one table's stats against the baseline's stats for the same table (None: first run)."""
    cfg = quality_config()["drift"]
    if baseline is None:
        return Drift("ok", ["no previous published stats for this table: nothing to compare"])
    worst = "ok"
    out = Drift("ok")
    order = {"ok": 0, "warn": 1, "error": 2}
    for code in sorted(set(current) | set(baseline)):
        cur, base = current.get(code), baseline.get(code)
        if cur is None or base is None:
            sev = "error" if cur is None else "warn"
            out.lines.append(f"{code}: {'gone from the table' if cur is None else 'new in the table'}")
            worst = max(worst, sev, key=order.get)
            continue
        rows = _rel(cur["rows"], base["rows"])
        years = sorted(set(cur["total_by_year"]) & set(base["total_by_year"]))
        t_now = sum(cur["total_by_year"][y] or 0.0 for y in years)
        t_before = sum(base["total_by_year"][y] or 0.0 for y in years)
        total = _rel(t_now, t_before) if years else (0.0 if not base["total_by_year"] else 1.0)
        out.measures[f"{code}.rows"] = rows
        out.measures[f"{code}.total"] = total
        for name, value, before, now in (("rows", rows, base["rows"], cur["rows"]),
                                         ("total", total, t_before, t_now)):
            sev = "error" if value > cfg[name]["error"] else "warn" if value > cfg[name]["warn"] else "ok"
            if sev != "ok":
                out.lines.append(f"{code}: {name} changed {value:.0%} ({before:,.0f} -> {now:,.0f}; "
                                 f"{sev} above {cfg[name][sev]:.0%})")
            worst = max(worst, sev, key=order.get)
    out.severity = worst
    if not out.lines:
        out.lines.append("within thresholds")
    return out
