"""Blocking asset checks: a failure stops the refresh before publish, and says which check and why."""

import dagster as dg

from checks.kinds import CHECK_KIND_KEY, PYTHON
from pipeline.asset_keys import SSB_OBSERVATIONS, mart
from pipeline.catalog import ssb_catalog
from pipeline.resources import ReferenceData, Warehouse

GOAL_SCORES = mart("goal_scores")
MAX_EXAMPLES = 10


def _result(passed: bool, description: str, **metadata) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=passed, severity=dg.AssetCheckSeverity.ERROR, description=description,
                               metadata={CHECK_KIND_KEY: PYTHON, **metadata})


@dg.asset_check(asset=SSB_OBSERVATIONS, blocking=True,
                description="Every catalog table is present and covers every municipality of the target "
                            "structure in its latest year; population (07459) is positive everywhere.")
def ssb_tables_cover_all_municipalities(warehouse: Warehouse, reference: ReferenceData) -> dg.AssetCheckResult:
    expected = sorted(reference.municipalities())
    problems: list[str] = []
    with warehouse.connect(read_only=True) as con:
        con.execute("create temp table expected as select unnest(?) as code", [expected])
        # a dropped table (its metadata no longer match the catalog) is reported by ssb_tables_current
        dropped = {r[0] for r in con.execute("select table_id from raw.ssb_table_status where status = 'dropped'"
                                             ).fetchall()}
        for table in ssb_catalog().tables:
            if table.id in dropped:
                continue
            missing = [r[0] for r in con.execute(
                """
                with t as (select * from raw.ssb_observations where table_id = ?),
                     latest as (select max(year) as y from t)
                select e.code from expected e
                where e.code not in (
                    select regexp_replace(region, '^K-', '') from t, latest where t.year = latest.y)
                order by 1
                """, [table.id]).fetchall()]
            if missing:
                problems.append(f"table {table.id}: {len(missing)} municipalities missing in the latest year, "
                                f"e.g. {', '.join(missing[:MAX_EXAMPLES])}")
        bad_pop = con.execute(
            """
            select region, year, value from raw.ssb_observations
            where table_id = '07459' and regexp_full_match(region, '(K-)?[0-9]{4}') and region <> '0000'
              and (value is null or value <= 0)
            order by region, year limit ?
            """, [MAX_EXAMPLES]).fetchall()
        if bad_pop:
            problems.append("07459 population missing or not positive: "
                            + ", ".join(f"{r} {y}: {v}" for r, y, v in bad_pop))
    passed = not problems
    return _result(passed, "all catalog tables cover every municipality" if passed else "; ".join(problems),
                   municipalities_expected=len(expected), problems=dg.MetadataValue.md(
                       "\n".join(f"- {p}" for p in problems) or "none"))


@dg.asset_check(asset=GOAL_SCORES, blocking=True,
                description="goal_scores has one row per municipality x goal 1-17 for the latest year, no "
                            "duplicate keys, and every score within 0-100 or null.")
def goal_scores_complete_and_in_range(warehouse: Warehouse, reference: ReferenceData) -> dg.AssetCheckResult:
    n_munis = len(reference.municipalities())
    with warehouse.connect(read_only=True) as con:
        latest, rows, keys, goals = con.execute(
            """
            select max(year), count(*) filter (where year = (select max(year) from marts.goal_scores)),
                   count(distinct (municipality_code, goal)) filter (
                       where year = (select max(year) from marts.goal_scores)),
                   count(distinct goal)
            from marts.goal_scores
            """).fetchone()
        dupes = con.execute("select count(*) from (select 1 from marts.goal_scores group by municipality_code, goal, "
                            "year having count(*) > 1)").fetchone()[0]
        out_of_range = con.execute("select count(*) from marts.goal_scores where score < 0 or score > 100"
                                   ).fetchone()[0]
    expected = n_munis * 17
    problems = []
    if rows != expected or keys != expected:
        problems.append(f"latest year {latest}: {rows} rows / {keys} distinct keys, expected {expected} "
                        f"({n_munis} municipalities x 17 goals)")
    if goals != 17:
        problems.append(f"{goals} distinct goals, expected 17")
    if dupes:
        problems.append(f"{dupes} duplicate (municipality, goal, year) keys")
    if out_of_range:
        problems.append(f"{out_of_range} scores outside 0-100")
    passed = not problems
    return _result(passed, "goal_scores complete and in range" if passed else "; ".join(problems),
                   latest_year=int(latest or 0), rows_latest_year=int(rows or 0))
