"""Quality suite on the accepted submissions as loaded into raw.submission_values (all versions).

The file validator (pipeline/submissions) checks each file on its own; this suite checks what the
refresh actually loads: known municipalities and submittable indicators (or U4SSC KPIs), years in range, values present
and plausible for the indicator's unit, one row per (submission, municipality, indicator, year), and the
provenance columns every value needs.

Like the SSB table suites (checks/ssb_suites.py), the expectations are Great Expectations' (same names and
semantics: nulls are not checked by the value rules) evaluated as SQL aggregates in DuckDB: a handful of
queries instead of one GX validation per indicator's range (about 4 CPU s plus GX's 4 s import per refresh,
docs/benchmarks.md). Great Expectations itself still validates each submitted file at intake.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from checks.findings import Finding, SuiteRun
from checks.ssb_suites import quality_config, sql_examples, sql_list
from pipeline.raw_tables import SUBMISSION_COLUMNS
from pipeline.submissions.catalog import indicator_index

MIN_YEAR = 2000
SUITE = "submissions"
PLAUSIBLE_SUITE = "submissions_plausible"
KEY = ("submission_id", "municipality_code", "indicator_id", "year")
PROVENANCE = ("submission_id", "municipality_code", "indicator_id", "year", "value", "source_file",
              "content_sha256", "received_at", "origin")


def run_submission_suite(frame: pd.DataFrame, municipalities: list[str]) -> tuple[SuiteRun, SuiteRun]:
    """The suite over a DataFrame of raw.submission_values rows (tests, small batches)."""
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        return run_submission_suite_sql(con, "frame", municipalities)
    finally:
        con.close()


def run_submission_suite_sql(con: duckdb.DuckDBPyConnection, relation: str,
                             municipalities: list[str]) -> tuple[SuiteRun, SuiteRun]:
    """(structural run, plausibility run) over `relation`: the first blocks publishing, the second only warns,
    because a value outside the unit's usual range can be real; the marts' own tests are the hard limit there."""
    rel = relation
    out, plausible = SuiteRun(), SuiteRun()

    def finding(run: SuiteRun, suite: str, expectation: str, column: str | None, unexpected: int, elements: int,
                examples: list[Any], why: str, detail: str = "") -> None:
        run.findings.append(Finding(suite, expectation, column, int(unexpected), int(elements),
                                    [str(e) for e in examples], f"{why}; {detail}" if detail else why))

    columns = [r[0] for r in con.execute(f"select * from {rel} limit 0").description]
    out.evaluated += 1
    if columns != list(SUBMISSION_COLUMNS):
        finding(out, SUITE, "expect_table_columns_to_match_ordered_list", None, 0, 0, [],
                "raw.submission_values columns", f"observed {columns[:5]}")
        return out, plausible
    n = con.execute(f"select count(*) from {rel}").fetchone()[0]
    if n == 0:
        return out, plausible
    indicators = indicator_index().submittable  # catalog submission indicators and U4SSC KPIs
    max_year = dt.datetime.now(dt.UTC).year
    rules = [  # (expectation, column, SQL predicate of an unexpected non-null value, why)
        ("expect_column_values_to_be_in_set", "municipality_code",
         f"not list_contains({sql_list(sorted(municipalities))}, municipality_code)",
         "municipality of the target structure"),
        ("expect_column_values_to_be_in_set", "indicator_id",
         f"not list_contains({sql_list(sorted(i.indicator_id for i in indicators))}, indicator_id)",
         "submittable indicator of the catalog or U4SSC KPI"),
        ("expect_column_values_to_be_between", "year", f"year not between {MIN_YEAR} and {max_year}",
         f"year {MIN_YEAR}-{max_year}"),
        ("expect_column_values_to_be_in_set", "origin", "not list_contains(['real', 'demo'], origin)",
         "the intake it came through (checks/demo_separation.py)"),
    ]
    nulls = [("expect_column_values_to_not_be_null", c, f"{c} is null", "provenance") for c in PROVENANCE]
    agg = [f"count(*) filter (where {col} is not null and {pred})" for _, col, pred, _ in rules]
    agg += [f"count(*) filter (where {pred})" for _, _, pred, _ in nulls]
    counts = con.execute(f"select {', '.join(agg)} from {rel}").fetchone()
    keys = ", ".join(KEY)
    dupes = con.execute(f"select coalesce(sum(n), 0) from (select count(*) as n from {rel} group by {keys} "
                        "having count(*) > 1)").fetchone()[0]
    out.evaluated += len(rules) + len(nulls) + 1
    for (expectation, col, pred, why), count in zip(rules, counts[:len(rules)], strict=True):
        if count:
            ex = sql_examples(con, f"select {col} from {rel} where {col} is not null and {pred}")
            finding(out, SUITE, expectation, col, count, n, ex, why)
    for (expectation, col, _, why), count in zip(nulls, counts[len(rules):], strict=True):
        if count:
            finding(out, SUITE, expectation, col, count, n, [None] * min(count, 5), why)
    if dupes:
        ex = sql_examples(con, f"select concat_ws(' ', {keys}) from {rel} group by {keys} having count(*) > 1")
        finding(out, SUITE, "expect_compound_columns_to_be_unique", None, dupes, n, ex,
                "one row per key within a submission")
    ranges = quality_config()["submissions"]["unit_ranges"]
    present = {r[0] for r in con.execute(f"select distinct indicator_id from {rel}").fetchall()}
    bounds = []
    for ind in (i for i in indicators if i.indicator_id in present):
        # a U4SSC KPI's plausible range (u4ssc_kpi_codes seed) where it has one, else the unit's usual range
        lo, hi = (ind.kpi.range_min, ind.kpi.range_max) if ind.kpi else ranges.get(ind.unit, ranges["default"])
        bounds.append((ind.indicator_id, lo, hi))
    plausible.evaluated += len(bounds)
    if not bounds:
        return out, plausible
    con.execute("create or replace temp table suite_bounds (indicator_id varchar, lo double, hi double)")
    con.executemany("insert into suite_bounds values (?, ?, ?)", bounds)
    outside = ("s.value is not null and ((b.lo is not null and s.value < b.lo) "
               "or (b.hi is not null and s.value > b.hi))")
    for ind_id, lo, hi, rows, bad, examples in con.execute(
            f"select b.indicator_id, any_value(b.lo), any_value(b.hi), count(*), count(*) filter (where {outside}), "
            f"(list(s.value order by s.value) filter (where {outside}))[1:5] "
            f"from {rel} s join suite_bounds b using (indicator_id) group by b.indicator_id "
            "order by b.indicator_id").fetchall():
        if bad:
            finding(plausible, PLAUSIBLE_SUITE, "expect_column_values_to_be_between", "value", bad, rows,
                    examples or [], f"{ind_id} within [{lo}, {hi}]")
    return out, plausible
