"""The transformation floor (bench/floor_raw.sql) over the raw tables a refresh loaded, compared with its marts.

Copies schema raw (ssb_observations, submission_values, refresh_inputs) and the reference seeds from a
refresh's build database into a fresh DuckDB file (timed as `load`), runs bench/floor_raw.sql there (timed
as `transform`: the floor), then compares every table of schema floor_marts with the mart of the same name in the
build database, row for row on its key (doubles within 1e-9 relative: sums over merged municipalities have
no fixed float order). Prints one JSON line; exit 1 when any row differs.

    .venv/bin/python bench/floor_raw.py /tmp/ksdg_bench/home_357/warehouse/build/kommune_sdg_build.duckdb \
        /tmp/ksdg_bench/floor_raw_357.duckdb --project-dir /tmp/ksdg_bench/snap_357/dbt_project
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parent.parent
RAW_TABLES = ("ssb_observations", "submission_values", "refresh_inputs")
# floor table -> key columns of the mart it must equal
KEYS = {
    "municipalities": ["municipality_code"],
    "indicator_values": ["municipality_code", "indicator_id", "year"],
    "indicators": ["indicator_id"],
    "indicator_scores": ["municipality_code", "indicator_id", "year"],
    "goal_scores": ["municipality_code", "goal", "year"],
    "sdg_index": ["municipality_code", "year"],
}
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
REL_TOL = 1e-9
# Float order. A sum over merged municipalities, an average, a quantile add the same doubles in another order
# in the floor than in dbt's build (and in one parallel build than in the next), so they may differ in the
# last bits. That is within REL_TOL for doubles; what follows from it is a `tie`, reported apart and not
# counted as a difference:
# - a value rounded to a fixed decimal (ROUNDED) off by one unit of that decimal (a mean on x.xx5);
# - a rank (RANKS, ordered by the unrounded score) off by at most the number of other rows of its partition
#   whose mart score is within one rounding unit of this row's;
# - a rating whose value sits on one of the indicator's thresholds (within REL_TOL), a trend whose annual
#   change sits on a class boundary (the needed change, half of it, zero) or whose value sits on green;
# - a goal's rating or trend where one of its index indicators' ratings or trends differs.
ROUNDED = {("goal_scores", "score"): 0.01, ("goal_scores", "distance_to_target"): 0.01,
           ("sdg_index", "score"): 0.01, ("indicator_scores", "score"): 0.0001,
           ("indicator_scores", "distance_to_target"): 0.0001}
RANKS = {("goal_scores", "rank"): ["goal", "year"], ("goal_scores", "peer_rank"): ["goal", "year", "peer_group"],
         ("sdg_index", "rank"): ["year"], ("sdg_index", "peer_rank"): ["year", "peer_group"]}


def floor_sql(project_dir: Path) -> str:
    """bench/floor_raw.sql with the dbt project's vars filled in (the same values the refresh's dbt build used)."""
    v = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")).get("vars", {})
    return (REPO / "bench" / "floor_raw.sql").read_text(encoding="utf-8").format(
        structure_year=int(v["structure_year"]), base_year=int(v["base_year"]),
        min_n=int(v["min_reporting_municipalities"]), muni_re=v.get("municipality_code_re", "[0-9]{4}"))


def load(con: duckdb.DuckDBPyConnection, build_db: Path) -> dict[str, int]:
    """Copy the refresh's raw tables and reference seeds into this database; rows per table."""
    con.execute(f"attach '{build_db}' as src (read_only)")
    con.execute("create schema if not exists raw; create schema if not exists reference")
    ref = [r[0] for r in con.execute("select table_name from duckdb_tables() where database_name = 'src' "
                                     "and schema_name = 'reference'").fetchall()]
    if con.execute("select count(*) from src.reference.klass_aggregation where aggregation = 'ratio'").fetchone()[0]:
        raise SystemExit("klass_aggregation has ratio contents: bench/floor_raw.sql does not recompute ratios "
                         "(int_ssb__municipality_values does); extend the floor first")
    rows = {}
    for schema, names in (("raw", RAW_TABLES), ("reference", ref)):
        for name in names:
            con.execute(f'create table {schema}."{name}" as select * from src.{schema}."{name}"')
            rows[f"{schema}.{name}"] = con.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
    con.execute("detach src")
    return rows


def _near(a: str, b: str) -> str:
    return f"coalesce(abs({a} - {b}) <= {REL_TOL} * greatest(1.0, abs({b})), false)"


def tie(table: str, column: str, keys: list[str]) -> str:
    """SQL: the difference in `column` of the joined rows f (floor) and d (mart) is a float-order tie."""
    if (table, column) in ROUNDED:
        return f'abs(f."{column}" - d."{column}") <= {ROUNDED[table, column]} + 1e-9'
    if (table, column) in RANKS:
        unit = ROUNDED[table, "score"]
        same = " and ".join(f'x."{p}" = d."{p}"' for p in RANKS[table, column])
        other = " or ".join(f'x."{k}" <> d."{k}"' for k in keys)
        return (f'abs(f."{column}" - d."{column}") <= (select count(*) from m.marts.{table} as x where {same} '
                f"and ({other}) and abs(x.score - d.score) <= {unit} + 1e-9)")
    on_green = ("exists (select 1 from m.marts.indicators as i where i.indicator_id = d.indicator_id and ({}))")
    if (table, column) == ("indicator_scores", "rating"):
        return on_green.format(" or ".join(_near("d.value", f"i.threshold_{t}") for t in ("green", "yellow", "orange")))
    if (table, column) == ("indicator_scores", "trend"):
        return " or ".join([_near("d.annual_change", "d.needed_annual_change"),
                            _near("d.annual_change", "0.5 * d.needed_annual_change"), _near("d.annual_change", "0"),
                            _near("d.needed_annual_change", "0"),
                            on_green.format(_near("d.value", "i.threshold_green"))])
    if table == "goal_scores" and column in ("rating", "trend"):
        return ("exists (select 1 from floor_marts.indicator_scores as fi join m.marts.indicator_scores as di "
                "using (municipality_code, indicator_id, year) where fi.municipality_code = d.municipality_code "
                f"and fi.goal = d.goal and fi.year = d.year and fi.in_index "
                f"and fi.{column} is distinct from di.{column})")
    return "false"


def compare(con: duckdb.DuckDBPyConnection, marts_db: Path) -> dict[str, dict]:
    """Per floor table: rows on each side, rows only in one, and per column the rows whose values differ."""
    con.execute(f"attach '{marts_db}' as m (read_only)")
    out = {}
    for table, keys in KEYS.items():
        fcols = dict(con.execute("select column_name, data_type from information_schema.columns where "
                                 "table_catalog = current_database() and table_schema = 'floor_marts' "
                                 "and table_name = ?",
                                 [table]).fetchall())
        mcols = dict(con.execute("select column_name, data_type from information_schema.columns where "
                                 "table_catalog = 'm' and table_schema = 'marts' and table_name = ?",
                                 [table]).fetchall())
        cols = [c for c in fcols if c not in keys and c in mcols]
        on = " and ".join(f'f."{k}" = d."{k}"' for k in keys)

        def differs(c: str, mcols: dict[str, str] = mcols) -> str:
            if mcols[c].upper().startswith(FLOAT_TYPES):
                return (f'(f."{c}" is null) <> (d."{c}" is null) or abs(f."{c}" - d."{c}") '
                        f'> {REL_TOL} * greatest(1.0, abs(d."{c}"))')
            return f'f."{c}" is distinct from d."{c}"'

        both = f'f."{keys[0]}" is not null and d."{keys[0]}" is not null'
        sel = [f'count(*) filter (where d."{keys[0]}" is null) as only_floor',
               f'count(*) filter (where f."{keys[0]}" is null) as only_marts',
               f'count(f."{keys[0]}") as floor_rows', f'count(d."{keys[0]}") as mart_rows']
        sel += [f'count(*) filter (where {both} and ({differs(c)}) and not ({tie(table, c, keys)})) as "{c}"'
                for c in cols]
        sel += [f'count(*) filter (where {both} and ({differs(c)}) and ({tie(table, c, keys)})) as "tie:{c}"'
                for c in cols]
        row = con.execute(f"select {', '.join(sel)} from floor_marts.{table} as f "
                          f"full join m.marts.{table} as d on {on}").fetchone()
        names = ["only_floor", "only_marts", "floor_rows", "mart_rows", *cols, *(f"tie:{c}" for c in cols)]
        res = dict(zip(names, row, strict=True))
        diffs = {c: n for c, n in res.items() if c in cols and n}
        ties = {c.removeprefix("tie:"): n for c, n in res.items() if c.startswith("tie:") and n}
        dupes = con.execute(f"select count(*) - count(distinct ({', '.join(keys)})) "
                            f"from floor_marts.{table}").fetchone()[0]
        out[table] = {"floor_rows": res["floor_rows"], "mart_rows": res["mart_rows"],
                      "only_floor": res["only_floor"], "only_marts": res["only_marts"], "duplicate_keys": dupes,
                      "differing_columns": diffs, "ties": ties, "columns_compared": len(cols),
                      "mart_columns_not_in_floor": sorted(set(mcols) - set(fcols))}
        if diffs:  # one example per differing column
            out[table]["examples"] = {
                c: [str(v) for v in con.execute(
                    f"select {', '.join('f.' + k for k in keys)}, f.\"{c}\", d.\"{c}\" from floor_marts.{table} as f "
                    f"join m.marts.{table} as d on {on} where ({differs(c)}) and not ({tie(table, c, keys)}) "
                    "limit 1").fetchone()]
                for c in diffs}
    con.execute("detach m")
    return out


def equal(result: dict[str, dict]) -> bool:
    return all(not (r["only_floor"] or r["only_marts"] or r["duplicate_keys"] or r["differing_columns"])
               for r in result.values())


def run(build_db: Path, out: Path, project_dir: Path, marts_db: Path | None = None,
        memory_limit: str = "") -> dict:
    """Load, run the floor, compare: the figures bench/refresh_scale.py records."""
    out.unlink(missing_ok=True)
    out.with_name(out.name + ".wal").unlink(missing_ok=True)
    sql = floor_sql(project_dir)
    con = duckdb.connect(str(out))
    try:
        if memory_limit:  # the refresh's cap (KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT), so both spill alike
            con.execute(f"set memory_limit = '{memory_limit}'")
        t0 = time.perf_counter()
        rows = load(con, build_db)
        t1 = time.perf_counter()
        con.execute(sql)
        t2 = time.perf_counter()
        result = compare(con, marts_db or build_db)
        t3 = time.perf_counter()
    finally:
        con.close()
    return {"load_s": round(t1 - t0, 2), "transform_s": round(t2 - t1, 2), "compare_s": round(t3 - t2, 2),
            "raw_rows": rows.get("raw.ssb_observations"), "equal": equal(result), "tables": result}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build_db", type=Path, help="a refresh's build database (raw tables, seeds, marts)")
    p.add_argument("out", type=Path, help="the floor's own DuckDB file (replaced)")
    p.add_argument("--project-dir", type=Path, default=REPO / "dbt_project",
                   help="the dbt project the refresh built with (its vars: structure year, base year, ...)")
    p.add_argument("--marts-db", type=Path, help="compare with the marts of this database (default: build_db)")
    a = p.parse_args(argv)
    res = run(a.build_db, a.out, a.project_dir, a.marts_db,
              os.environ.get("KOMMUNE_SDG_DUCKDB_MEMORY_LIMIT", ""))
    print(json.dumps(res, default=str))
    return 0 if res["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
