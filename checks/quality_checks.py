"""Dagster asset checks running the GX suites and the drift comparison on the raw tables.

Severity: a GX suite failure is ERROR and blocking (dbt and publish do not run); drift beyond the `warn`
threshold is a WARN (reported, publishing goes on), beyond `error` it is an ERROR and blocks.
The suites and drift stats are SQL aggregates over the build database (one read-only connection, one table
at a time: no rows are copied into Python).
"""

from collections.abc import Iterator

import dagster as dg
from dagster import AssetCheckExecutionContext

from checks.drift import compare, load_baseline, stats_path, table_stats_sql, write_json_atomic
from checks.findings import SuiteRun
from checks.kinds import CHECK_KIND_KEY, DRIFT, GX
from checks.ssb_suites import table_suites
from checks.submission_suite import run_submission_suite_sql
from pipeline.asset_keys import SSB_OBSERVATIONS, SUBMISSION_VALUES
from pipeline.catalog import ssb_catalog
from pipeline.resources import DataHome, ReferenceData, Warehouse

MAX_LINES = 20


def gx_check_name(table_id: str) -> str:
    return f"gx_ssb_{table_id}"


def drift_check_name(table_id: str) -> str:
    return f"drift_ssb_{table_id}"


def _suite_result(name: str, key: dg.AssetKey, run: SuiteRun, ok_text: str,
                  severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    lines = [f.text() for f in run.findings]
    return dg.AssetCheckResult(
        check_name=name, asset_key=key, passed=run.passed, severity=severity,
        description=ok_text if run.passed else "; ".join(lines[:5]) + (" ..." if len(lines) > 5 else ""),
        metadata={
            CHECK_KIND_KEY: GX,
            "expectations_evaluated": dg.MetadataValue.int(run.evaluated),
            "expectations_failed": dg.MetadataValue.int(len(run.findings)),
            "failures": dg.MetadataValue.json([f.as_dict() for f in run.findings[:MAX_LINES]]),
        })


_SSB_SPECS = [
    spec for t in ssb_catalog().tables for spec in (
        dg.AssetCheckSpec(gx_check_name(t.id), asset=SSB_OBSERVATIONS, blocking=True,
                          description=f"GX suite on SSB table {t.id}: columns, contents codes, dimensions, years, "
                                      "status symbols, unique cells, every municipality in the latest year, "
                                      "value ranges per contents code."),
        dg.AssetCheckSpec(drift_check_name(t.id), asset=SSB_OBSERVATIONS, blocking=True,
                          description=f"Row-count and total drift of SSB table {t.id} against the last published "
                                      "refresh (WARN beyond the warn threshold, ERROR beyond the error one)."),
    )
]


@dg.multi_asset_check(specs=_SSB_SPECS, name="ssb_quality_suites",
                      description="GX suites and drift on every raw SSB table (checks/quality.yaml).")
def ssb_quality_suites(context: AssetCheckExecutionContext, data_home: DataHome, warehouse: Warehouse,
                       reference: ReferenceData) -> Iterator[dg.AssetCheckResult]:
    h = data_home.home
    catalog = ssb_catalog()
    baseline = load_baseline(h)
    base_tables = (baseline or {}).get("tables", {})
    stats: dict[str, dict] = {}
    with warehouse.connect(read_only=True) as con:
        dropped = {r[0] for r in con.execute("select table_id from raw.ssb_table_status where status = 'dropped'")
                   .fetchall()}
        for suite in table_suites(catalog, list(reference.municipalities())):
            tid = suite.table.id
            if tid in dropped:  # not in this refresh: nothing to validate (ssb_tables_current names it, with why)
                for name in (gx_check_name(tid), drift_check_name(tid)):
                    yield dg.AssetCheckResult(check_name=name, asset_key=SSB_OBSERVATIONS, passed=True,
                                              severity=dg.AssetCheckSeverity.WARN,
                                              description=f"table {tid} dropped from this refresh "
                                                          "(see ssb_tables_current)",
                                              metadata={CHECK_KIND_KEY: GX if name.startswith("gx") else DRIFT})
                continue
            # one table at a time, evaluated in DuckDB: the rows never reach pandas (100,000 units: 1.5 M per table)
            con.execute("create or replace temp view suite_rows as select * from raw.ssb_observations "
                        f"where table_id = '{tid.replace(chr(39), '')}'")
            run = suite.run_sql(con, "suite_rows")
            rows = con.execute("select count(*) from suite_rows").fetchone()[0]
            yield _suite_result(gx_check_name(tid), SSB_OBSERVATIONS, run,
                                f"{run.evaluated} expectations passed on {rows:,} rows")
            stats[tid] = table_stats_sql(con, "suite_rows")
            drift = compare(stats[tid], base_tables.get(tid) if baseline else None)
            severity = dg.AssetCheckSeverity.ERROR if drift.severity == "error" else dg.AssetCheckSeverity.WARN
            yield dg.AssetCheckResult(
                check_name=drift_check_name(tid), asset_key=SSB_OBSERVATIONS, passed=drift.severity == "ok",
                severity=severity,
                description="; ".join(drift.lines[:MAX_LINES]),
                metadata={CHECK_KIND_KEY: DRIFT,
                          "baseline_run_id": dg.MetadataValue.text(str((baseline or {}).get("run_id", "none"))),
                          "drift": dg.MetadataValue.json({k: round(v, 4) if v != float("inf") else "inf"
                                                          for k, v in drift.measures.items()})})
    write_json_atomic(stats_path(h, context.run.run_id), {"run_id": context.run.run_id, "tables": stats})


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec("gx_submissions", asset=SUBMISSION_VALUES, blocking=True,
                             description="GX suite on every accepted submission row: columns, known municipality "
                                         "and indicator, year, value present, unique keys, provenance."),
           dg.AssetCheckSpec("gx_submissions_plausible", asset=SUBMISSION_VALUES, blocking=True,
                             description="Submitted values within the usual range of their unit (WARN only: a "
                                         "value can be real and unusual; the marts' tests are the hard limit).")],
    name="submission_quality_suites")
def submission_quality_suites(warehouse: Warehouse, reference: ReferenceData) -> Iterator[dg.AssetCheckResult]:
    with warehouse.connect(read_only=True) as con:
        rows = con.execute("select count(*) from raw.submission_values").fetchone()[0]
        structural, plausible = run_submission_suite_sql(con, "raw.submission_values", list(reference.municipalities()))
    yield _suite_result("gx_submissions", SUBMISSION_VALUES, structural,
                        f"{structural.evaluated} expectations passed on {rows:,} rows")
    yield _suite_result("gx_submissions_plausible", SUBMISSION_VALUES, plausible,
                        f"{plausible.evaluated} expectations passed on {rows:,} rows",
                        severity=dg.AssetCheckSeverity.WARN)


QUALITY_CHECKS = [ssb_quality_suites, submission_quality_suites]
